"""Demo data for the embedded default: one ministry, three provinces (one per zone), their
cities and regencies, and officials with every role. Idempotent: a second run changes
nothing that the first run made, and never resets a password someone changed."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from coordination.organisation.models import Agency, Official, Role, Zone
from coordination.organisation.services import official_apply_access

DEMO_PASSWORD = "rakor-demo-2026"
DEMO_MAIL_DOMAIN = "demo.rakor.example"

# code, name, level, zone, parent code. Provinces sit below the Ministry of Home Affairs,
# which oversees regional government (pembinaan dan pengawasan): its coordinators see the
# follow-up actions that provinces, regencies and cities owe.
AGENCIES = [
    ("kemendagri", "Kementerian Dalam Negeri", Agency.Level.MINISTRY, Zone.WIB, None),
    ("bnpb", "Badan Nasional Penanggulangan Bencana", Agency.Level.NATIONAL_AGENCY, Zone.WIB, None),
    ("jabar", "Provinsi Jawa Barat", Agency.Level.PROVINCE, Zone.WIB, "kemendagri"),
    ("kota-bandung", "Kota Bandung", Agency.Level.CITY, Zone.WIB, "jabar"),
    ("kab-bogor", "Kabupaten Bogor", Agency.Level.REGENCY, Zone.WIB, "jabar"),
    ("sulsel", "Provinsi Sulawesi Selatan", Agency.Level.PROVINCE, Zone.WITA, "kemendagri"),
    ("kota-makassar", "Kota Makassar", Agency.Level.CITY, Zone.WITA, "sulsel"),
    ("kab-gowa", "Kabupaten Gowa", Agency.Level.REGENCY, Zone.WITA, "sulsel"),
    ("papua", "Provinsi Papua", Agency.Level.PROVINCE, Zone.WIT, "kemendagri"),
    ("kota-jayapura", "Kota Jayapura", Agency.Level.CITY, Zone.WIT, "papua"),
    ("kab-jayapura", "Kabupaten Jayapura", Agency.Level.REGENCY, Zone.WIT, "papua"),
]

# username, first name, last name, agency code, position, role, language
OFFICIALS = [
    ("admin", "Admin", "Sistem", "kemendagri", "Administrator Sistem", Role.ADMINISTRATOR, "id"),
    (
        "budi",
        "Budi",
        "Santoso",
        "kemendagri",
        "Direktur Fasilitasi Pemerintahan Daerah",
        Role.COORDINATOR,
        "id",
    ),
    ("sari", "Sari", "Wulandari", "kemendagri", "Analis Kebijakan Ahli Muda", Role.MEMBER, "en"),
    (
        "hendra",
        "Hendra",
        "Gunawan",
        "bnpb",
        "Kepala Pusat Pengendalian Operasi",
        Role.COORDINATOR,
        "id",
    ),
    ("dewi", "Dewi", "Lestari", "jabar", "Kepala Biro Pemerintahan", Role.COORDINATOR, "id"),
    (
        "agus",
        "Agus",
        "Setiawan",
        "kota-bandung",
        "Kepala Bagian Tata Pemerintahan",
        Role.MEMBER,
        "id",
    ),
    ("rina", "Rina", "Marlina", "kab-bogor", "Sekretaris Daerah", Role.MEMBER, "id"),
    (
        "andi",
        "Andi",
        "Makkasau",
        "sulsel",
        "Kepala Biro Pemerintahan dan Otonomi Daerah",
        Role.COORDINATOR,
        "id",
    ),
    ("nurul", "Nurul", "Hidayah", "kota-makassar", "Kepala Bagian Pemerintahan", Role.MEMBER, "id"),
    ("yohanes", "Yohanes", "Wenda", "papua", "Asisten Pemerintahan", Role.COORDINATOR, "id"),
    (
        "maria",
        "Maria",
        "Kambu",
        "kota-jayapura",
        "Kepala Bagian Tata Pemerintahan",
        Role.MEMBER,
        "en",
    ),
]


@dataclass(frozen=True)
class DemoLogin:
    username: str
    name: str
    agency: str
    role: str
    # None when the official has changed the demo password since it was seeded.
    password: str | None


@transaction.atomic
def seed_demo() -> list[DemoLogin]:
    if settings.PRODUCTION:
        raise RuntimeError("Demo data is never loaded in production mode.")
    agencies: dict[str, Agency] = {}
    for code, name, level, zone, parent_code in AGENCIES:
        agency, _created = Agency.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "level": level,
                "timezone": zone,
                "parent": agencies[parent_code] if parent_code else None,
                "is_active": True,
            },
        )
        agencies[code] = agency

    logins = []
    for username, first, last, agency_code, position, role, language in OFFICIALS:
        # An existing official (a superuser called "admin", say) is left as it is.
        official, created = Official.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{username}@{DEMO_MAIL_DOMAIN}",
                "agency": agencies[agency_code],
                "position_title": position,
                "language": language,
                "role": role,
            },
        )
        if created:
            official.set_password(DEMO_PASSWORD)
            official.save(update_fields=["password"])
            official_apply_access(official=official, previous=None)
        password = DEMO_PASSWORD if created or official.check_password(DEMO_PASSWORD) else None
        agency_name = official.agency.name if official.agency_id else "—"
        logins.append(
            DemoLogin(username, official.display_name, agency_name, official.role, password)
        )
    return logins
