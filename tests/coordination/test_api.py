"""The API skeleton: auth, error and list shapes, /me, /agencies, the schema and docs."""

from __future__ import annotations

import pytest

from coordination.organisation import services
from coordination.organisation.models import Agency, Role
from tests.factories import AgencyFactory, OfficialFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def official():
    parent = AgencyFactory(
        code="sulsel", name="Provinsi Sulawesi Selatan", timezone="Asia/Makassar"
    )
    return OfficialFactory(
        username="andi",
        first_name="Andi",
        last_name="Makkasau",
        agency=AgencyFactory(code="kota-makassar", parent=parent, timezone="Asia/Makassar"),
        role=Role.COORDINATOR,
        timezone="",
    )


@pytest.fixture
def bearer(official):
    _token, raw = services.token_create(official=official, name="tests")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def assert_error(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == code and isinstance(body["message"], str) and body["message"]
    return body


def test_me_with_a_token(client, official, bearer):
    response = client.get("/api/v1/me", **bearer)
    assert response.status_code == 200
    assert response.json() == {
        "username": "andi",
        "name": "Andi Makkasau",
        "email": official.email,
        "position_title": "",
        "agency": {"code": "kota-makassar", "name": official.agency.name},
        "timezone": "Asia/Makassar",
        "language": "id",
        "roles": ["coordinator"],
        "reminder_minutes": [1440, 30],
    }


def test_me_with_the_session(client, official):
    client.force_login(official)
    assert client.get("/api/v1/me").json()["username"] == "andi"


@pytest.mark.parametrize(
    "header",
    ["Bearer rkr_wrong", "Bearer ", "Token abc", "Basic YW5kaTpwdw==", "Bearer " + "x" * 500],
)
def test_wrong_credentials_get_401_in_the_error_shape(client, official, header):
    assert_error(client.get("/api/v1/me", HTTP_AUTHORIZATION=header), 401, "unauthenticated")


def test_revoked_token_gets_401(client, official):
    token, raw = services.token_create(official=official, name="old")
    services.token_revoke(by=official, token_id=token.pk)
    assert_error(
        client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}"), 401, "unauthenticated"
    )


def test_anonymous_gets_401(client):
    assert_error(client.get("/api/v1/agencies"), 401, "unauthenticated")


def test_unsafe_requests_need_the_csrf_token_with_a_session_only(official):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    # No credentials at all: unauthenticated, not a CSRF failure.
    assert_error(browser.post("/api/v1/attachments"), 401, "unauthenticated")
    browser.force_login(official)
    assert_error(browser.post("/api/v1/attachments"), 403, "csrf_failed")


def test_agencies_page_through_with_a_cursor(client, bearer):
    for n in range(5):
        AgencyFactory(code=f"kab-{n}", name=f"Kabupaten {n}", level=Agency.Level.REGENCY)
    seen, cursor, pages = [], None, 0
    while True:
        query = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        body = client.get("/api/v1/agencies", query, **bearer).json()
        assert set(body) == {"items", "next"}
        seen += [item["code"] for item in body["items"]]
        pages += 1
        cursor = body["next"]
        if cursor is None:
            break
    assert pages == 3
    assert len(seen) == len(set(seen)) == Agency.objects.count() == 7


def test_agencies_filter_by_level_parent_and_text(client, bearer):
    body = client.get("/api/v1/agencies", {"parent": "sulsel"}, **bearer).json()
    assert [a["code"] for a in body["items"]] == ["kota-makassar"]
    assert body["items"][0]["parent"] == {"code": "sulsel", "name": "Provinsi Sulawesi Selatan"}
    body = client.get("/api/v1/agencies", {"q": "Sulawesi"}, **bearer).json()
    assert [a["code"] for a in body["items"]] == ["sulsel"]
    body = client.get("/api/v1/agencies", {"level": "ministry"}, **bearer).json()
    assert body["items"] == []


@pytest.mark.parametrize(
    "query",
    [
        {"limit": 0},
        {"limit": 10_000},
        {"limit": "many"},
        {"level": "kingdom"},
        {"cursor": "not-a-cursor"},
        {"cursor": "-1"},
        {"cursor": "١٢"},  # digits, but not ASCII ones
        {"q": "x" * 101},
        {"q": "Jawa\x00Barat"},
        {"parent": "\x07"},
        {"cursor": "1" * 19},
    ],
)
def test_bad_list_parameters_get_400_with_fields(client, bearer, query):
    body = assert_error(client.get("/api/v1/agencies", query, **bearer), 400, "invalid")
    assert body["fields"]


def test_agency_list_query_count_is_constant(client, bearer, django_assert_max_num_queries):
    for n in range(30):
        AgencyFactory(code=f"kab-{n}", parent=Agency.objects.get(code="sulsel"))
    with django_assert_max_num_queries(4):
        body = client.get("/api/v1/agencies", {"limit": 50}, **bearer).json()
    assert len(body["items"]) == 32


def test_unknown_api_paths_and_methods_answer_in_the_error_shape(client, bearer):
    assert_error(client.get("/api/v1/nothing-here", **bearer), 404, "not_found")
    assert_error(client.delete("/api/v1/me", **bearer), 405, "method_not_allowed")


def test_head_is_answered_like_get_without_a_body(client, bearer):
    response = client.head("/api/v1/me", **bearer)
    assert response.status_code == 200 and response.content == b""
    assert int(response["Content-Length"]) > 0


def test_unauthenticated_answers_say_how_to_authenticate(client):
    assert client.get("/api/v1/me")["WWW-Authenticate"].startswith("Bearer")


def test_a_disallowed_host_is_answered_in_the_error_shape(client):
    assert_error(client.get("/api/v1/me", HTTP_HOST="evil.example"), 400, "bad_request")


def test_schema_lists_every_path_with_its_responses(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert {"/api/v1/me", "/api/v1/agencies"} <= set(schema["paths"])
    agencies = schema["paths"]["/api/v1/agencies"]["get"]
    assert {"200", "400", "401"} <= set(agencies["responses"])
    schemes = schema["components"]["securitySchemes"]
    assert any(s.get("scheme") == "bearer" for s in schemes.values())


def test_docs_are_served_from_local_assets(client):
    response = client.get("/api/v1/docs")
    html = response.content.decode()
    assert response.status_code == 200
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower() and "unpkg" not in html.lower()


def test_free_text_refuses_what_no_database_stores():
    from coordination.platform.schemas import reject_unstorable_text

    assert reject_unstorable_text("Rapat\tkoordinasi\nbaris dua é 漢字 🇮🇩") is not None
    for bad in ("a\x00b", "\x1b[31m", "\ud800"):
        with pytest.raises(ValueError):
            reject_unstorable_text(bad)


def test_the_schema_has_no_duplicate_keys(client):
    """YAML-based readers (Swagger UI among them) refuse a mapping with a key twice."""
    import json

    def no_duplicates(pairs):
        keys = [key for key, _value in pairs]
        assert len(keys) == len(set(keys)), f"duplicate keys: {keys}"
        return dict(pairs)

    json.loads(client.get("/api/v1/openapi.json").content, object_pairs_hook=no_duplicates)


def test_error_fields_are_always_lists_of_strings():
    from coordination.platform.errors import NotFound

    body = NotFound("missing", fields={"attachments": [3, 7]}).as_dict()
    assert body["fields"] == {"attachments": ["3", "7"]}


def test_an_unreadable_upload_body_is_a_400_not_a_500(client, bearer):
    response = client.generic(
        "POST", "/api/v1/attachments", b"", content_type="multipart/form-data", **bearer
    )
    assert response.status_code == 400 and response.json()["code"] == "invalid"


def test_officials_are_found_by_name_username_position_or_agency(client, official, bearer):
    papua = AgencyFactory(code="papua", name="Provinsi Papua", timezone="Asia/Jayapura")
    OfficialFactory(
        username="yohanes",
        first_name="Yohanes",
        last_name="Wenda",
        agency=papua,
        position_title="Asisten Pemerintahan",
    )
    OfficialFactory(username="maria", first_name="Maria", last_name="Rumbiak", agency=papua)

    def found(q):
        response = client.get("/api/v1/officials", {"q": q}, **bearer)
        assert response.status_code == 200
        return sorted(o["username"] for o in response.json()["items"])

    assert found("papua") == ["maria", "yohanes"]  # the agency's name
    assert found("makassar") == ["andi"]  # the agency's code
    assert found("asisten") == ["yohanes"]
    assert found("wenda") == ["yohanes"]
    assert found("maria papua") == ["maria"]  # every word must match somewhere
    assert found("maria sulsel") == []


def test_a_query_parameter_given_twice_is_refused(client, official, bearer):
    response = client.get("/api/v1/agencies?q=a&q=b", **bearer)
    body = assert_error(response, 400, "invalid")
    assert list(body["fields"]) == ["q"]
    assert client.get("/api/v1/agencies?q=a", **bearer).status_code == 200


def test_no_two_schemas_share_a_component_name():
    """The schema's components are named after the classes: two shapes under one name
    would make the schema describe one of them wrongly (answers then break their schema)."""
    from ninja import Schema

    from coordination.wiring.api import api

    api.get_openapi_schema()  # every router's schemas are defined by now
    names: dict[str, set[str]] = {}

    def walk(cls):
        for sub in cls.__subclasses__():
            if sub.__module__.split(".")[0] in ("coordination", "meetings", "messaging"):
                names.setdefault(sub.__name__, set()).add(f"{sub.__module__}.{sub.__qualname__}")
            walk(sub)

    walk(Schema)
    shared = {name: where for name, where in names.items() if len(where) > 1}
    assert not shared, shared
