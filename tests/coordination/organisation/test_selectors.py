"""coordination.organisation.selectors: the agency list, the directory tree and its search,
an agency's page, the officials the pickers search; each with what it may cost, over more
than one agency and official (`django_assert_max_num_queries`)."""

from __future__ import annotations

import pytest

from coordination.organisation import selectors
from coordination.organisation.models import Role
from tests.factories import AgencyFactory, OfficialFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree(db):
    """The ministry; two provinces below it; a regency below South Sulawesi; an agency no
    longer active. Officials in each, one of them inactive."""
    ministry = AgencyFactory(code="kemendagri", name="Kementerian Dalam Negeri", level="ministry")
    sulsel = AgencyFactory(code="sulsel", name="Provinsi Sulawesi Selatan", parent=ministry)
    jatim = AgencyFactory(code="jatim", name="Provinsi Jawa Timur", parent=ministry)
    gowa = AgencyFactory(code="gowa", name="Kabupaten Gowa", parent=sulsel, level="regency")
    closed = AgencyFactory(code="lama", name="Badan Lama", parent=ministry, is_active=False)

    def official(username, first_name, agency, **kwargs):
        return OfficialFactory(
            username=username, first_name=first_name, last_name="Putra", agency=agency, **kwargs
        )

    people = {
        "rina": official("rina", "Rina", ministry, role=Role.COORDINATOR),
        "budi": official("budi", "Budi", ministry, position_title="Analis Kebijakan"),
        "adi": official("adi", "Adi", sulsel),
        "bayu": official("bayu", "Bayu", sulsel),
        "eko": official("eko", "Eko", jatim),
        "gita": official("gita", "Gita", gowa),
        "gone": official("gone", "Gone", sulsel, is_active=False),
        "lost": official("lost", "Lost", closed),
    }
    agencies = {"ministry": ministry, "sulsel": sulsel, "jatim": jatim, "gowa": gowa}
    return {**agencies, "closed": closed, **people}


def test_the_agency_list_is_the_active_agencies_with_their_parent_in_one_query(
    tree, django_assert_max_num_queries
):
    with django_assert_max_num_queries(1):
        listed = {a.code: (a.parent.code if a.parent else None) for a in selectors.agency_list()}
    assert listed == {
        "kemendagri": None,
        "sulsel": "kemendagri",
        "jatim": "kemendagri",
        "gowa": "sulsel",
    }


@pytest.mark.parametrize(
    ("filters", "codes"),
    [
        ({"q": "sulawesi"}, {"sulsel"}),
        ({"q": "GOWA"}, {"gowa"}),  # code or name, any case
        ({"q": "provinsi"}, {"sulsel", "jatim"}),
        ({"level": "regency"}, {"gowa"}),
        ({"parent_code": "kemendagri"}, {"sulsel", "jatim"}),  # the closed one is not listed
        ({"q": "provinsi", "parent_code": "kemendagri", "level": "province"}, {"sulsel", "jatim"}),
        ({"q": "lama"}, set()),
    ],
)
def test_the_agency_list_filters_by_name_or_code_level_and_parent(
    tree, filters, codes, django_assert_max_num_queries
):
    with django_assert_max_num_queries(1):
        assert {a.code for a in selectors.agency_list(**filters)} == codes


def test_an_officials_roles_are_a_list_of_one(tree, django_assert_max_num_queries):
    with django_assert_max_num_queries(0):
        assert selectors.official_roles(tree["rina"]) == ["coordinator"]
        assert selectors.official_roles(tree["adi"]) == ["member"]


def names(node) -> list[str]:
    return [o.username for o in node.officials]


def test_the_directory_is_the_agency_tree_with_its_active_officials_in_two_queries(
    tree, django_assert_max_num_queries
):
    with django_assert_max_num_queries(2):
        directory = selectors.agency_directory()
        # Each official's agency is known already: reading it costs nothing.
        zones = [o.agency.timezone for root in directory.roots for o in root.officials]
    assert zones
    assert directory.official_count == 6  # the inactive and the closed agency's left out
    (root,) = directory.roots
    assert root.agency.code == "kemendagri" and names(root) == ["budi", "rina"]
    assert [child.agency.code for child in root.children] == ["jatim", "sulsel"]  # by name
    sulsel = root.children[1]
    assert names(sulsel) == ["adi", "bayu"] and sulsel.official_count == 2
    assert [c.agency.code for c in sulsel.children] == ["gowa"] and names(sulsel.children[0]) == [
        "gita"
    ]
    assert directory.matched_agencies == []


def test_a_directory_search_lists_the_hits_with_the_agencies_above_them(
    tree, django_assert_max_num_queries
):
    with django_assert_max_num_queries(2):
        directory = selectors.agency_directory(q="  Gita ")
    (root,) = directory.roots  # the ministry, above the hit, for context
    assert root.agency.code == "kemendagri" and names(root) == []
    (sulsel,) = root.children
    assert names(sulsel) == [] and names(sulsel.children[0]) == ["gita"]
    assert directory.official_count == 1 and directory.matched_agencies == []
    by_position = selectors.agency_directory(q="analis")
    assert by_position.official_count == 1 and names(by_position.roots[0]) == ["budi"]


def test_an_agency_that_matches_lists_all_its_officials(tree, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        directory = selectors.agency_directory(q="sulsel")
    assert [a.code for a in directory.matched_agencies] == ["sulsel"]
    (root,) = directory.roots
    (sulsel,) = root.children
    assert sulsel.matched and names(sulsel) == ["adi", "bayu"]
    assert sulsel.children == []  # gowa neither matches nor holds a hit
    assert directory.official_count == 2
    assert selectors.agency_directory(q="tidak ada").roots == []


def test_an_agencys_page_has_its_active_officials_and_the_agencies_below_it(
    tree, django_assert_max_num_queries
):
    with django_assert_max_num_queries(3):
        agency, officials, children = selectors.agency_detail("sulsel")
        parent = agency.parent.code
        zones = {o.agency.timezone for o in officials}  # no query per official
    assert agency == tree["sulsel"] and parent == "kemendagri"
    assert [o.username for o in officials] == ["adi", "bayu"] and zones == {agency.timezone}
    assert [c.code for c in children] == ["gowa"]
    ministry = selectors.agency_detail("kemendagri")
    assert [c.code for c in ministry[2]] == ["jatim", "sulsel"]  # not the closed one
    with django_assert_max_num_queries(1):
        assert selectors.agency_detail("lama") is None  # not active
    assert selectors.agency_detail("tidak-ada") is None


@pytest.mark.parametrize(
    ("q", "agency_code", "usernames"),
    [
        ("", "", {"rina", "budi", "adi", "bayu", "eko", "gita", "lost"}),
        ("rina", "", {"rina"}),
        ("PUTRA", "", {"rina", "budi", "adi", "bayu", "eko", "gita", "lost"}),
        ("analis", "", {"budi"}),  # by position
        ("sulawesi", "", {"adi", "bayu"}),  # by agency name
        ("gowa", "", {"gita"}),  # by agency code
        ("putra sulsel", "", {"adi", "bayu"}),  # every word must match
        ("", "sulsel", {"adi", "bayu"}),
        ("adi", "jatim", set()),
        ("gone", "", set()),  # inactive
    ],
)
def test_the_official_picker_searches_names_positions_and_agencies(
    tree, q, agency_code, usernames, django_assert_max_num_queries
):
    with django_assert_max_num_queries(1):
        found = {
            (o.username, o.agency.code)
            for o in selectors.official_list(q=q, agency_code=agency_code)
        }
    assert {username for username, _code in found} == usernames
    assert all(code == tree[u].agency.code for u, code in found)
