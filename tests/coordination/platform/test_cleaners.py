"""coordination.platform.cleaners: input parsed and bounded once, where it enters. Each
cleaner accepts and normalises good input, refuses bad input with InvalidInput naming the
field, and coerces nothing silently (a boolean is not a number, "7" is not an id).

Ids have one bound everywhere, 1 <= id < 2**62 (seqs 0 <= seq < 2**62): the edges are tested
on both sides, with the literal bound, so a changed bound fails here."""

from __future__ import annotations

import datetime
import uuid

import pytest
from pydantic import TypeAdapter, ValidationError

from coordination.platform import cleaners, schemas
from coordination.platform.errors import InvalidInput
from messaging.models import Message, Room
from tests.messaging.posting import sent

BOUND = 2**62
NOT_NUMBERS = [True, False, "7", 7.0, 7.5, None, [7], {"id": 7}]


def refused(call, *args, **kwargs) -> InvalidInput:
    """The InvalidInput `call` raises; it names its field (the `name` given as the second
    positional argument) in its fields and in its message."""
    name = args[1]
    with pytest.raises(InvalidInput) as caught:
        call(*args, **kwargs)
    error = caught.value
    assert list(error.fields) == [name], error.fields
    assert name in error.message
    return error


# --- numbers ----------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [True, False, 0, 7, -7])
def test_is_whole_number_counts_ints_but_not_booleans(value):
    assert cleaners.is_whole_number(value) is (not isinstance(value, bool))


@pytest.mark.parametrize("value", ["7", 7.0, None, 7.5])
def test_is_whole_number_refuses_what_only_looks_like_one(value):
    assert cleaners.is_whole_number(value) is False


@pytest.mark.parametrize("value", [1, 2, 123_456, BOUND - 1])
def test_an_id_from_1_to_just_below_the_bound_is_accepted_as_it_is(value):
    assert cleaners.clean_id(value, "room") == value
    assert type(cleaners.clean_id(value, "room")) is int


@pytest.mark.parametrize("value", [0, -1, BOUND, BOUND + 1, 2**63, *NOT_NUMBERS])
def test_anything_else_is_not_an_id(value):
    refused(cleaners.clean_id, value, "room")


def test_the_id_bound_is_2_to_the_62_exactly():
    assert cleaners.ID_MAX == BOUND
    assert cleaners.clean_id(BOUND - 1, "id") == BOUND - 1
    refused(cleaners.clean_id, BOUND, "id")


def test_the_api_schema_states_the_same_bounds():
    ids, seqs = TypeAdapter(schemas.Id), TypeAdapter(schemas.Seq)
    assert ids.validate_python(1) == 1 and ids.validate_python(BOUND - 1) == BOUND - 1
    assert seqs.validate_python(0) == 0 and seqs.validate_python(BOUND - 1) == BOUND - 1
    for adapter, value in ((ids, 0), (ids, BOUND), (seqs, -1), (seqs, BOUND), (ids, True)):
        with pytest.raises(ValidationError):
            adapter.validate_python(value)


def test_an_optional_id_may_be_none_and_is_otherwise_an_id():
    assert cleaners.clean_optional_id(None, "reply_to") is None
    assert cleaners.clean_optional_id(5, "reply_to") == 5
    assert cleaners.clean_optional_id(BOUND - 1, "reply_to") == BOUND - 1
    for value in (0, BOUND, "5", False):
        refused(cleaners.clean_optional_id, value, "reply_to")


@pytest.mark.parametrize("value", [0, 1, 99, BOUND - 1])
def test_a_seq_from_0_to_just_below_the_bound_is_accepted(value):
    assert cleaners.clean_seq(value, "after") == value


@pytest.mark.parametrize("value", [-1, BOUND, BOUND + 1, *NOT_NUMBERS])
def test_anything_else_is_not_a_seq(value):
    refused(cleaners.clean_seq, value, "after")


def test_a_negative_read_mark_is_refused_where_the_frame_enters():
    with pytest.raises(InvalidInput):  # from the read-state test of the timeline service
        cleaners.clean_seq(-1, "seq")


# --- lists of ids -------------------------------------------------------------------------


def test_ids_keep_their_order_and_lose_their_repeats():
    assert cleaners.clean_ids([3, 1, 3, 2, 1], "attachments", max_items=5) == [3, 1, 2]
    assert cleaners.clean_ids(None, "attachments", max_items=5) == []
    assert cleaners.clean_ids([], "attachments", max_items=5) == []


def test_at_most_max_items_distinct_ids():
    assert cleaners.clean_ids([1, 2, 3], "attachments", max_items=3) == [1, 2, 3]
    assert cleaners.clean_ids([1, 1, 1, 1], "attachments", max_items=1) == [1]  # repeats
    error = refused(cleaners.clean_ids, [1, 2, 3, 4], "attachments", max_items=3)
    assert "3" in error.message


@pytest.mark.parametrize("value", ["1", "1,2", 1, (1, 2), {1, 2}, {"id": 1}])
def test_ids_are_a_list(value):
    refused(cleaners.clean_ids, value, "attachments", max_items=5)


@pytest.mark.parametrize("value", [[1, "2"], [0], [BOUND], [1, True], [None]])
def test_every_item_is_an_id(value):
    refused(cleaners.clean_ids, value, "attachments", max_items=5)


def test_the_last_id_below_the_bound_is_a_list_item_too():
    assert cleaners.clean_ids([BOUND - 1], "attachments", max_items=1) == [BOUND - 1]


# --- uuids --------------------------------------------------------------------------------


def test_a_uuid_is_accepted_as_text_in_its_written_forms_or_as_a_uuid():
    value = uuid.uuid4()
    assert cleaners.clean_uuid(value, "client_id") is value
    for written in (str(value), str(value).upper(), value.hex, f"{{{value}}}"):
        cleaned = cleaners.clean_uuid(written, "client_id")
        assert isinstance(cleaned, uuid.UUID) and cleaned == value


@pytest.mark.parametrize(
    "value", ["not-a-uuid", "", "1234", 1234, None, b"\x00" * 16, uuid.uuid4().int]
)
def test_anything_else_is_not_a_uuid(value):
    refused(cleaners.clean_uuid, value, "client_id")


# --- text ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["", "teks biasa", "tab\tdan\nbaris\r\nbaru", "café ☕ 日本", "\u200b"]
)
def test_storable_text_passes_unchanged(value):
    assert cleaners.reject_unstorable_text(value) == value


@pytest.mark.parametrize("value", ["nul\x00", "bel\x07", "del\x7f", "c1\x85", "lone \ud800"])
def test_control_characters_and_lone_surrogates_are_unstorable(value):
    with pytest.raises(ValueError):
        cleaners.reject_unstorable_text(value)


@pytest.mark.parametrize(
    "value", ["", "   ", " \n\t", "\u200b", " \u200b\u200d ", "\ufeff\n\u2060"]
)
def test_white_space_and_invisible_characters_are_blank(value):
    assert cleaners.is_blank(value)


@pytest.mark.parametrize("value", ["x", " x ", "\u200b x", ".", "0"])
def test_anything_visible_is_not_blank(value):
    assert not cleaners.is_blank(value)


def test_text_is_returned_as_given_unless_stripping_is_asked_for():
    assert cleaners.clean_text("  Rapat  ", "title", max_length=20) == "  Rapat  "
    assert cleaners.clean_text("  Rapat  ", "title", max_length=20, strip=True) == "Rapat"


def test_missing_text_is_empty_unless_required():
    assert cleaners.clean_text(None, "description", max_length=10) == ""
    assert cleaners.clean_text("", "description", max_length=10) == ""
    refused(cleaners.clean_text, None, "title", max_length=10, required=True)
    refused(cleaners.clean_text, "", "title", max_length=10, required=True)


@pytest.mark.parametrize("value", ["   ", "\u200b", " \ufeff\n"])
def test_required_text_must_show_something(value):
    error = refused(cleaners.clean_text, value, "title", max_length=10, required=True)
    assert error.code == "invalid"


@pytest.mark.parametrize("value", [7, 7.0, True, b"bytes", ["x"], {"x": 1}])
def test_text_is_a_string(value):
    refused(cleaners.clean_text, value, "body", max_length=10)


def test_text_that_cannot_be_stored_is_refused_as_text():
    refused(cleaners.clean_text, "a\x00b", "body", max_length=10)
    refused(cleaners.clean_text, "a\ud800b", "body", max_length=10)


def test_text_of_exactly_the_limit_is_accepted_and_one_more_character_is_not():
    assert cleaners.clean_text("x" * 5, "body", max_length=5) == "xxxxx"
    error = refused(cleaners.clean_text, "x" * 6, "body", max_length=5)
    assert error.code == "invalid"  # unless the caller names its own code:
    error = refused(cleaners.clean_text, "x" * 6, "body", max_length=5, too_long_code="too_long")
    assert error.code == "too_long"


def test_the_limit_applies_to_the_stripped_text_when_stripping():
    assert cleaners.clean_text("  xxxxx  ", "name", max_length=5, strip=True) == "xxxxx"
    refused(cleaners.clean_text, "  xxxxx  ", "name", max_length=5)


# --- choices, dates, objects ----------------------------------------------------------------


def test_a_choice_is_one_of_the_choices():
    assert cleaners.clean_choice("agency", "ack_by", ["member", "agency"]) == "agency"
    # Any iterable of choices, read once.
    assert cleaners.clean_choice("b", "kind", (c for c in "ab")) == "b"


@pytest.mark.parametrize("value", ["everyone", "", "Member", None, 1, ["member"]])
def test_anything_else_is_no_choice_and_the_refusal_lists_them(value):
    error = refused(cleaners.clean_choice, value, "ack_by", ["member", "agency"])
    assert "member, agency" in error.message


@pytest.mark.parametrize(
    ("value", "date"),
    [("2026-12-05", datetime.date(2026, 12, 5)), ("2028-02-29", datetime.date(2028, 2, 29))],
)
def test_a_date_is_written_yyyy_mm_dd(value, date):
    assert cleaners.clean_date(value, "due") == date


@pytest.mark.parametrize(
    "value",
    ["05-12-2026", "2026-13-01", "2027-02-29", "besok", "", 20261205, None],
)
def test_anything_else_is_not_a_date(value):
    refused(cleaners.clean_date, value, "due")


@pytest.mark.parametrize("value", ["20261205", "2026-W49-6"])
def test_other_iso_forms_of_a_date_are_not_a_date_either(value):
    refused(cleaners.clean_date, value, "due")


def test_an_object_holds_only_the_keys_named():
    value = {"ack_by": "member"}
    assert cleaners.clean_object(value, "directive", keys=["ack_by", "due"]) is value
    assert cleaners.clean_object({}, "directive", keys=["ack_by", "due"]) == {}
    error = refused(
        cleaners.clean_object, {"ack_by": "member", "x": 1}, "directive", keys=["ack_by", "due"]
    )
    assert "ack_by, due" in error.message


@pytest.mark.parametrize("value", [None, [], "ack_by", [("ack_by", "member")], 1])
def test_an_object_is_a_json_object(value):
    refused(cleaners.clean_object, value, "directive", keys=["ack_by"])


# --- where a socket frame enters: messaging's `send` (tests/messaging/posting.sent) ----------


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("", "invalid"),
        ("   \n", "invalid"),
        (None, "invalid"),
        (7, "invalid"),
        ("x" * 10_001, "body_too_long"),
        ("bad\x00byte", "invalid"),
    ],
)
def test_bad_bodies_are_refused_and_change_nothing(world, body, code):
    """Cleaned where the frame enters (the API's schema states the same rules)."""
    with pytest.raises(InvalidInput) as refused:
        sent(world, {"body": body})
    assert refused.value.code == code
    assert not Message.objects.exists() and Room.objects.get(pk=world["room"].pk).last_seq == 0


def test_client_id_must_be_a_uuid(world):
    with pytest.raises(InvalidInput):
        sent(world, {"body": "x", "client_id": "not-a-uuid"})
    assert not Message.objects.exists()
