"""Every page: it answers, in the official's language, within a query budget."""

from __future__ import annotations

import pytest
from django.urls import reverse

from coordination.organisation.demo import DEMO_PASSWORD, seed_demo
from coordination.organisation.models import Official

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    seed_demo()
    return {o.username: o for o in Official.objects.all()}


def signed_in(client, official):
    client.force_login(official)
    return client


# url name (and args), the text expected in Indonesian, in English, and the query budget.
PAGES = [
    # Every signed-in page counts one query for the bell's unread count.
    ("dashboard", (), "Selamat datang", "Welcome", 14),  # +1 invitations, actions due, unread
    ("directory", (), "Cari instansi dan pejabat", "Search agencies and officials", 11),
    ("agency_detail", ("sulsel",), "Instansi di bawahnya", "Agencies below", 13),
    ("profile", (), "Verifikasi dua langkah", "Two-step verification", 13),
    ("second_factor_setup", (), "Pasang aplikasi autentikator", "Install an authenticator app", 13),
    ("password_change", (), "Ganti kata sandi Anda", "Change your password", 11),
    ("notifications", (), "Tandai semua sudah dibaca", "Mark all read", 11),
]


@pytest.mark.parametrize(("name", "args", "indonesian", "english", "budget"), PAGES)
def test_each_page_in_both_languages_within_its_query_budget(
    client, demo, django_assert_max_num_queries, name, args, indonesian, english, budget
):
    official = demo["andi"]
    signed_in(client, official)
    url = reverse(name, args=args)
    with django_assert_max_num_queries(budget):
        response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Language"] == "id" and indonesian in response.content.decode()
    Official.objects.filter(pk=official.pk).update(language="en")
    response = client.get(url)
    assert response["Content-Language"] == "en" and english in response.content.decode()


@pytest.mark.parametrize(
    ("name", "indonesian"),
    [
        ("login", "Masuk ke Rakor"),
        ("password_reset", "Atur ulang kata sandi Anda"),
        ("password_reset_done", "Periksa e-mail Anda"),
        ("password_reset_complete", "Kata sandi baru Anda sudah ditetapkan"),
    ],
)
def test_public_pages_answer_in_indonesian(client, django_assert_max_num_queries, name, indonesian):
    with django_assert_max_num_queries(2):
        response = client.get(reverse(name))
    assert response.status_code == 200 and indonesian in response.content.decode()


def test_navigation_names_every_section(client, demo):
    html = signed_in(client, demo["agus"]).get("/").content.decode()
    for label in ("Pesan", "Rapat", "Keputusan", "Tindak lanjut", "Instansi", "Keluar"):
        assert label in html
    assert 'href="/agencies/"' in html
    assert 'href="/profile/"' in html
    assert "Administrasi" not in html  # a member has no administration link


def test_administrators_get_the_administration_link(client, demo):
    html = signed_in(client, demo["admin"]).get("/").content.decode()
    assert 'href="/admin/"' in html


def test_dashboard_shows_today_in_the_officials_zone_with_jakarta_beside(client, demo):
    html = signed_in(client, demo["yohanes"]).get("/").content.decode()  # Papua: WIT
    assert " WIT (" in html and " WIB)" in html
    html = signed_in(client, demo["dewi"]).get("/").content.decode()  # Jawa Barat: WIB
    assert " WIB</time>" in html and "(" not in html.split("Hari ini")[1].split("</p>")[0]


def test_dashboard_empty_states(client, demo):
    html = signed_in(client, demo["agus"]).get("/").content.decode()
    for empty in (
        "Tidak ada rapat hari ini.",
        "Semua pesan sudah Anda baca.",
        "Tidak ada tindak lanjut yang jatuh tempo.",
    ):
        assert empty in html


def test_directory_shows_the_tree_with_officials_positions_and_zones(client, demo):
    html = signed_in(client, demo["agus"]).get(reverse("directory")).content.decode()
    kemendagri = html.index("Kementerian Dalam Negeri")
    jabar = html.index("Provinsi Jawa Barat")
    bogor = html.index("Kabupaten Bogor")
    assert kemendagri < jabar < bogor  # ministry, then the province below it, then its regency
    assert "Rina Marlina" in html and "Sekretaris Daerah" in html
    assert "WITA" in html and "WIT</time>" in html


def test_directory_search_finds_officials_by_position_and_keeps_their_agencies(client, demo):
    response = signed_in(client, demo["agus"]).get(reverse("directory"), {"q": "asisten"})
    html = response.content.decode()
    assert "Yohanes Wenda" in html and "Provinsi Papua" in html
    assert "Kementerian Dalam Negeri" in html  # the agency above, for context
    assert "Rina Marlina" not in html and "Provinsi Sulawesi Selatan" not in html
    assert "1 pejabat ditemukan" in html


def test_directory_search_by_agency_code(client, demo):
    html = signed_in(client, demo["agus"]).get(reverse("directory"), {"q": "gowa"}).content.decode()
    assert "Kabupaten Gowa" in html and "Kota Makassar" not in html


def test_directory_search_matching_an_agency_lists_and_counts_its_officials(client, demo):
    from coordination.organisation.models import Official

    response = signed_in(client, demo["agus"]).get(reverse("directory"), {"q": "papua"})
    html = response.content.decode()
    papuans = Official.objects.filter(agency__name="Provinsi Papua", is_active=True)
    assert papuans.count() >= 1
    for official in papuans:
        assert official.display_name in html
    assert f"{papuans.count()} pejabat ditemukan" in html and "0 pejabat" not in html
    # The page says the agency matched, beside officials matched by their own name.
    assert "Instansi yang cocok, dengan semua pejabatnya:" in html
    assert response.context["matched_agencies"] == [papuans[0].agency]


def test_directory_search_lists_agency_matches_beside_officials_matched_by_name(client, demo):
    from coordination.organisation.models import Official

    budi = Official.objects.get(username="budi")
    response = signed_in(client, demo["agus"]).get(reverse("directory"), {"q": "budi"})
    html = response.content.decode()
    assert budi.display_name in html and response.context["matched_agencies"] == []


def test_directory_refuses_an_overlong_search(client, demo):
    response = signed_in(client, demo["agus"]).get(reverse("directory"), {"q": "x" * 101})
    assert response.status_code == 400


def test_directory_query_count_does_not_grow_with_the_tree(
    client, demo, django_assert_max_num_queries
):
    from tests.factories import AgencyFactory, OfficialFactory

    for n in range(20):
        agency = AgencyFactory(code=f"kab-{n}", parent=demo["andi"].agency)
        OfficialFactory(agency=agency, timezone="Asia/Makassar")
    signed_in(client, demo["agus"])
    with django_assert_max_num_queries(10):
        assert client.get(reverse("directory")).status_code == 200


def test_unknown_agency_is_404(client, demo):
    assert signed_in(client, demo["agus"]).get("/agencies/atlantis/").status_code == 404


def test_pages_need_sign_in(client):
    for name in ("dashboard", "directory", "profile", "second_factor_setup"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_admin_pages_for_an_administrator(client, demo, django_assert_max_num_queries):
    signed_in(client, demo["admin"])
    for url in (
        "/admin/",
        "/admin/coordination/official/",
        "/admin/coordination/official/?role__exact=coordinator&q=kepala",
        "/admin/coordination/agency/?level__exact=province",
        "/admin/coordination/auditentry/",
        "/admin/coordination/rolesecuritypolicy/",
        f"/admin/coordination/official/{demo['agus'].pk}/change/",
    ):
        with django_assert_max_num_queries(25):
            response = client.get(url)
        assert response.status_code == 200, url
        assert "Rakor" in response.content.decode()


def test_admin_is_closed_to_other_roles(client, demo):
    response = signed_in(client, demo["budi"]).get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_demo_password_signs_in_through_the_form(client, demo):
    response = client.post(reverse("login"), {"username": "maria", "password": DEMO_PASSWORD})
    assert response.status_code == 302
