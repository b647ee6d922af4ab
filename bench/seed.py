"""Seed a database for the page benchmarks (not part of the test suite): rooms full of
messages, a year of meetings with their agendas, and the decisions and follow-up actions of
the past ones, spread over the demo officials and agencies.

    python bench/seed.py [--rooms 50] [--messages 100000] [--meetings 1000] [--actions 5000]

Django's settings come from the environment as for manage.py (DATABASE_URL, RAKOR_VAR_DIR);
the demo officials are loaded first when they are missing. Demo user budi (a coordinator of
the ministry, which oversees every region) sees the most: he is in every room and in most
meetings, and the actions of every region are his to follow.

Rows are written with bulk_create, but as the services would leave them:

- each room's messages take seqs 1..n with no gap and `Room.last_seq` is n; the rendered
  `html` is `render_body(body)`, mentions of members have their `Mention` rows (their
  notifications are not written: a benchmark needs no inbox), and PostgreSQL's search index
  is an expression index, so it needs nothing more;
- direct conversations carry their `source_key` ("direct:<sorted member ids>");
- meetings carry `span_end`, an `agenda_version` raised once per item, and their named
  participants (an agency invited whole has its officials as participants too);
- every decision, action and progress update is an entry of the hash-chained decision log,
  appended after the head in order, and each cached status (and `completed_on`) is what its
  entries derive, so `manage.py verify_decision_log` finds the log intact.

No mail is queued and nothing is broadcast. A database seeded once is left as it is (the
meetings' UIDs say so); the script prints what it wrote and how long it took.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import sys
import time
import uuid
import zoneinfo
from functools import cache
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

UID_DOMAIN = "seed.bench.rakor"
BATCH = 2000
READER = "budi"

TOPICS = [
    "inflasi daerah",
    "penurunan stunting",
    "bantuan pangan",
    "penanggulangan bencana",
    "pelayanan publik",
    "pemilu serentak",
    "percepatan belanja daerah",
    "data kependudukan",
    "perizinan berusaha",
    "air bersih",
]
OPENINGS = [
    "Laporan realisasi",
    "Mohon tindak lanjut",
    "Berikut rekap",
    "Update terbaru",
    "Catatan rapat",
    "Data sementara",
    "Sudah kami kirim",
    "Perlu konfirmasi",
    "Terima kasih atas",
    "Kami usulkan",
]
SUBJECTS = [
    "anggaran tahap II",
    "penyaluran bantuan",
    "harga beras di pasar",
    "stok gudang Bulog",
    "jadwal kunjungan kerja",
    "laporan mingguan kabupaten",
    "verifikasi data penerima",
    "posko tanggap darurat",
    "**target triwulan**",
    "surat edaran Mendagri",
    "rencana aksi daerah",
    "capaian indikator",
]
ENDINGS = [
    ".",
    ", mohon dicek.",
    " sebelum Jumat.",
    ", lihat https://data.example.go.id/laporan",
    " — _sudah final_.",
    " minggu ini.",
    ", terlampir di folder bersama.",
    "; detail menyusul.",
]
ACTION_TEXTS = [
    "Laporan realisasi penyaluran",
    "Verifikasi data penerima di tiap kelurahan",
    "Rekap capaian tingkat provinsi",
    "Usulan kebutuhan anggaran",
    "Pemutakhiran data posko",
    "Surat edaran ke kabupaten dan kota",
    "Evaluasi pelaksanaan kegiatan",
]


def setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coordination.settings")
    import django

    django.setup()


@cache
def rendered(body: str) -> str:
    from messaging.render import render_body

    return render_body(body)


def working_moment(rng, day: datetime.date, zone: str) -> datetime.datetime:
    hour = rng.choice((8, 9, 10, 13, 14, 15))
    minute = rng.choice((0, 30))
    return datetime.datetime.combine(
        day, datetime.time(hour, minute), tzinfo=zoneinfo.ZoneInfo(zone)
    )


def ensure_demo():
    from coordination.organisation.models import Official

    if not Official.objects.filter(username=READER).exists():
        import logging

        from coordination.organisation.demo import seed_demo
        from meetings.demo import seed_demo_meetings

        logging.disable(logging.INFO)
        seed_demo()
        seed_demo_meetings()
        logging.disable(logging.NOTSET)


# --- rooms and messages -----------------------------------------------------------------


def seed_rooms(rng, people, *, rooms: int, messages: int, now) -> tuple[int, int]:
    from django.db import transaction

    from messaging.models import Membership, Mention, Message, Room

    reader = people[READER]
    others = [o for name, o in sorted(people.items()) if name not in (READER, "admin")]
    coordinators = [o for o in people.values() if o.role == "coordinator"]
    direct = min(5, rooms // 10)
    made, members = [], []
    for n in range(rooms):
        if n < direct:
            other = others[n % len(others)]
            ids = sorted({reader.pk, other.pk})
            key = f"direct:{','.join(map(str, ids))}"
            if Room.objects.filter(source_key=key).exists():
                continue
            room = Room(kind=Room.Kind.DIRECT, name="", source_key=key, created_by=reader)
            members.append((room, [reader, other]))
        else:
            creator = reader if n % 3 == 0 else coordinators[n % len(coordinators)]
            topic = TOPICS[n % len(TOPICS)]
            room = Room(
                kind=Room.Kind.COORDINATION,
                name=f"Rakor {topic} {n // len(TOPICS) + 1}",
                description=f"Koordinasi pusat dan daerah: {topic}.",
                created_by=creator,
                classification="terbatas" if n % 9 == 0 else "biasa",
            )
            chosen = rng.sample(others, rng.randint(2, 6))
            members.append((room, [creator, *[o for o in [reader, *chosen] if o.pk != creator.pk]]))
        made.append(room)
    if not made:
        return 0, 0
    count = len(made)
    per_room = [messages // count + (1 if i < messages % count else 0) for i in range(count)]
    start = now - datetime.timedelta(days=90)
    with transaction.atomic():
        for room, heads in zip(made, per_room, strict=True):
            room.last_seq = heads
            room.created_at = start - datetime.timedelta(days=1)
        Room.objects.bulk_create(made, batch_size=BATCH)
        memberships = []
        for index, ((room, people_in), heads) in enumerate(zip(members, per_room, strict=True)):
            for position, official in enumerate(dict.fromkeys(people_in)):
                # The reader has read everything in two rooms of three, and all but a few
                # messages in the third; the others are further behind.
                if official.pk == reader.pk:
                    read = heads if index % 3 else max(heads - (3 + index % 20), 0)
                else:
                    read = max(heads - rng.randint(0, 40), 0)
                memberships.append(
                    Membership(
                        room=room,
                        official=official,
                        is_admin=position == 0 and room.kind != Room.Kind.DIRECT,
                        joined_at=room.created_at,
                        last_read_seq=read,
                    )
                )
        Membership.objects.bulk_create(memberships, batch_size=BATCH)
        span = (now - datetime.timedelta(minutes=1) - start).total_seconds()
        written = mentions = 0
        pending: list[Message] = []
        pending_mentions: list[tuple[Message, int]] = []

        def flush() -> None:
            Message.objects.bulk_create(pending, batch_size=BATCH)
            Mention.objects.bulk_create(
                (Mention(message=m, official_id=pk) for m, pk in pending_mentions),
                batch_size=BATCH,
            )
            pending.clear()
            pending_mentions.clear()

        for (room, people_in), heads in zip(members, per_room, strict=True):
            authors = list(dict.fromkeys(people_in))
            for seq in range(1, heads + 1):
                author = authors[rng.randrange(len(authors))]
                body = f"{rng.choice(OPENINGS)} {rng.choice(SUBJECTS)}{rng.choice(ENDINGS)}"
                mentioned = None
                if seq % 40 == 0 and author.pk != reader.pk:
                    body = f"@{reader.username} {body}"
                    mentioned = reader.pk
                message = Message(
                    room=room,
                    seq=seq,
                    author=author,
                    body=body,
                    html=rendered(body),
                    client_id=uuid.uuid4(),
                    created_at=start + datetime.timedelta(seconds=span * seq / (heads + 1)),
                )
                pending.append(message)
                if mentioned:
                    pending_mentions.append((message, mentioned))
                    mentions += 1
                written += 1
                if len(pending) >= 10 * BATCH:
                    flush()
        flush()
    return len(made), written


# --- meetings ---------------------------------------------------------------------------


def seed_meetings(rng, people, agencies, *, meetings: int, now) -> list:
    from django.db import transaction

    from meetings.models import AgendaItem, Meeting, MeetingAgency, Participant

    reader = people[READER]
    organisers = [people[u] for u in ("budi", "budi", "andi", "dewi", "yohanes", "hendra")]
    guests = [o for name, o in sorted(people.items()) if name != "admin"]
    today = now.date()
    made, rows, invited, items = [], [], [], []
    for n in range(meetings):
        organiser = organisers[n % len(organisers)]
        # A year around today, on working days.
        day = today + datetime.timedelta(days=round(-182 + 364 * n / max(meetings - 1, 1)))
        while day.weekday() >= 5:
            day += datetime.timedelta(days=1)
        zone = organiser.zone_name
        start = working_moment(rng, day, zone)
        minutes = rng.choice((60, 90, 120))
        end = start + datetime.timedelta(minutes=minutes)
        past = end < now
        topic = TOPICS[n % len(TOPICS)]
        agenda = rng.randint(2, 5)
        meeting = Meeting(
            uid=f"{uuid.uuid4()}@{UID_DOMAIN}",
            title=f"Rakor {topic} ({n + 1})",
            description=f"Rapat koordinasi {topic}: laporan daerah dan tindak lanjut.",
            organiser=organiser,
            agency_id=organiser.agency_id,
            start=start,
            end=end,
            span_end=end,
            timezone=zone,
            language="id",
            classification="terbatas" if n % 11 == 0 else "biasa",
            video=Meeting.Video.NONE,
            agenda_version=1 + agenda,
            created_at=start - datetime.timedelta(days=7),
            updated_at=start - datetime.timedelta(days=7),
        )
        if past:
            meeting.opened_at = start
            meeting.closed_at = end
        chosen = rng.sample([g for g in guests if g.pk != organiser.pk], rng.randint(2, 6))
        if organiser.pk != reader.pk and n % 5 != 4 and reader not in chosen:
            chosen.append(reader)
        # The organiser takes part as the chair (as meeting_create has it), unless they
        # named another chair.
        roles = {organiser.pk: Participant.Role.CHAIR}
        for index, official in enumerate(chosen):
            roles[official.pk] = (
                Participant.Role.NOTE_TAKER
                if index == 0
                else Participant.Role.OPTIONAL
                if index == 3
                else Participant.Role.REQUIRED
            )
        for official in [organiser, *chosen]:
            answer = (
                "accepted"
                if official.pk == organiser.pk
                else rng.choice(
                    ("accepted", "accepted", "tentative", "declined")
                    if past
                    else ("needs_action", "accepted", "accepted", "tentative")
                )
            )
            rows.append(
                Participant(
                    meeting=meeting,
                    official=official,
                    role=roles[official.pk],
                    rsvp=answer,
                    rsvp_at=None if answer == "needs_action" else meeting.created_at,
                )
            )
        if n % 20 == 7:  # an agency invited whole: its officials, through it
            agency = agencies[rng.choice(("sulsel", "papua", "jabar"))]
            invited.append(MeetingAgency(meeting=meeting, agency=agency))
            named = {o.pk for o in chosen} | {organiser.pk}
            for official in guests:
                if official.agency_id == agency.pk and official.pk not in named:
                    rows.append(
                        Participant(
                            meeting=meeting, official=official, named=False, via_agency=agency
                        )
                    )
        for position in range(agenda):
            presenter = [organiser, *chosen][position % (len(chosen) + 1)]
            items.append(
                AgendaItem(
                    meeting=meeting,
                    position=position,
                    title=f"{rng.choice(SUBJECTS).strip('*')} — {topic}",
                    description="Paparan singkat dan diskusi.",
                    presenter=presenter,
                    planned_minutes=rng.choice((10, 15, 20, 30)),
                    outcome=rng.choice(AgendaItem.Outcome.values),
                    status="done" if past else "pending",
                    created_by=organiser,
                    created_at=meeting.created_at,
                    updated_at=meeting.created_at,
                )
            )
        made.append(meeting)
    with transaction.atomic():
        Meeting.objects.bulk_create(made, batch_size=BATCH)
        Participant.objects.bulk_create(rows, batch_size=BATCH)
        MeetingAgency.objects.bulk_create(invited, batch_size=BATCH)
        AgendaItem.objects.bulk_create(items, batch_size=BATCH)
    by_meeting: dict[int, list] = {}
    for item in items:
        by_meeting.setdefault(item.meeting_id, []).append(item)
    for meeting in made:
        meeting.seed_items = by_meeting.get(meeting.pk, [])
    return made


# --- decisions, actions and the log -----------------------------------------------------


def seed_decisions(rng, people, agencies, meetings, *, actions: int, now) -> tuple[int, int]:
    from django.db import transaction
    from django.utils import timezone

    from meetings import decision_log
    from meetings.models import (
        ActionUpdate,
        Decision,
        DecisionLogEntry,
        DecisionLogHead,
        FollowUpAction,
    )
    from meetings.selectors.decisions import today_in

    past = [m for m in meetings if m.end < now - datetime.timedelta(hours=1)]
    if not past or not actions:
        return 0, 0
    owing = [a for a in agencies.values() if a.level in ("province", "city", "regency")]
    staff: dict[int, list] = {}
    for official in people.values():
        staff.setdefault(official.agency_id, []).append(official)
    per_decision = 5
    wanted = -(-actions // per_decision)
    decisions, planned = [], []
    for n in range(wanted):
        meeting = past[n % len(past)]
        at = meeting.start + datetime.timedelta(minutes=20 + 10 * (n // len(past)))
        item = meeting.seed_items[n % len(meeting.seed_items)] if meeting.seed_items else None
        tags = [TOPICS[meeting.pk % len(TOPICS)].split()[0], rng.choice(("anggaran", "data"))]
        decisions.append(
            Decision(
                meeting=meeting,
                agenda_item=item,
                text=f"Disepakati: {rng.choice(SUBJECTS).strip('*')} dipercepat ({n + 1}).",
                decided_at=at,
                recorded_by=meeting.organiser,
                recorded_at=at,
                tags=tags,
                tag_index=Decision.index_of(tags),
                classification=meeting.classification,
            )
        )
    left = actions
    for decision in decisions:
        for _n in range(min(per_decision, left)):
            agency = owing[rng.randrange(len(owing))]
            created = decision.recorded_at + datetime.timedelta(minutes=1)
            due = created.date() + datetime.timedelta(days=rng.randint(7, 60))
            candidates = staff.get(agency.pk, [])
            assignee = rng.choice(candidates) if candidates and rng.random() < 0.5 else None
            action = FollowUpAction(
                decision=decision,
                description=f"{rng.choice(ACTION_TEXTS)} — {agency.name}",
                agency=agency,
                assignee=assignee,
                due=due,
                created_by=decision.recorded_by,
                created_at=created,
                updated_at=created,
            )
            # What happened since: (status, at) steps, each a progress update.
            today = today_in(agency.timezone, now)
            roll = rng.random()
            steps: list[tuple[str, datetime.datetime]] = []
            elapsed = (now - created).total_seconds()
            first = created + datetime.timedelta(seconds=elapsed * rng.uniform(0.05, 0.3))
            later = created + datetime.timedelta(seconds=elapsed * rng.uniform(0.35, 0.95))
            if due < today:
                if roll < 0.6:
                    steps = [("in_progress", first), ("done", later)]
                elif roll < 0.7:
                    steps = [("cancelled", first)]
                elif roll < 0.85:
                    steps = [("in_progress", first)]
            elif roll < 0.3:
                steps = [("in_progress", first)]
            elif roll < 0.45:
                steps = [("done", first)]
            planned.append((action, steps))
            left -= 1
    comments = {
        "in_progress": "Sedang disusun.",
        "done": "Sudah dikirim ke Kemendagri.",
        "cancelled": "Tidak diperlukan lagi: digabung dengan tindak lanjut lain.",
    }
    with transaction.atomic():
        head = DecisionLogHead.objects.select_for_update().filter(pk=1).first()
        if head is None:
            head = DecisionLogHead.objects.create(pk=1)
            head = DecisionLogHead.objects.select_for_update().get(pk=1)
        Decision.objects.bulk_create(decisions, batch_size=BATCH)
        for action, steps in planned:
            if steps:
                status, at = steps[-1]
                action.status = status
                action.updated_at = at
                if status == "done":
                    action.completed_on = at.astimezone(
                        zoneinfo.ZoneInfo(action.agency.timezone)
                    ).date()
        FollowUpAction.objects.bulk_create([a for a, _s in planned], batch_size=BATCH)
        updates = []
        for action, steps in planned:
            for status, at in steps:
                by = action.assignee or action.created_by
                if status == "cancelled":
                    by = action.created_by
                updates.append(
                    ActionUpdate(
                        action=action, by=by, at=at, status=status, comment=comments[status]
                    )
                )
        ActionUpdate.objects.bulk_create(updates, batch_size=BATCH)
        # The log, in order: each decision, then each of its actions and their updates.
        by_action: dict[int, list] = {}
        for update in updates:
            by_action.setdefault(update.action_id, []).append(update)
        by_decision: dict[int, list] = {}
        for action, _steps in planned:
            by_decision.setdefault(action.decision_id, []).append(action)
        entries = []
        position, prev = head.entries, head.hash

        def add(kind, meeting_id, content, by, **links) -> None:
            nonlocal position, prev
            position += 1
            digest = decision_log.entry_hash(
                position=position, kind=kind, prev=prev, content=content
            )
            entries.append(
                DecisionLogEntry(
                    position=position,
                    kind=kind,
                    meeting_id=meeting_id,
                    recorded_by=by,
                    recorded_at=content_at(content),
                    content=content,
                    prev_hash=prev,
                    hash=digest,
                    **links,
                )
            )
            prev = digest

        def content_at(content) -> datetime.datetime:
            return datetime.datetime.fromisoformat(content["at"])

        for decision in decisions:
            add(
                "decision",
                decision.meeting_id,
                decision_log.decision_content(decision),
                decision.recorded_by,
                decision=decision,
            )
            for action in by_decision.get(decision.pk, []):
                add(
                    "action",
                    decision.meeting_id,
                    decision_log.action_content(action),
                    action.created_by,
                    decision=decision,
                    action=action,
                )
                previous = "open"
                for update in by_action.get(action.pk, []):
                    completed = None
                    if update.status == "done":
                        completed = action.completed_on.isoformat()
                    add(
                        "action_update",
                        decision.meeting_id,
                        decision_log.update_content(
                            update, [], previous=previous, completed_on=completed
                        ),
                        update.by,
                        decision=decision,
                        action=action,
                        action_update=update,
                    )
                    previous = update.status
        DecisionLogEntry.objects.bulk_create(entries, batch_size=BATCH)
        DecisionLogHead.objects.filter(pk=head.pk).update(
            entries=position, hash=prev, updated_at=timezone.now()
        )
    return len(decisions), len(planned)


def seed(*, rooms: int, messages: int, meetings: int, actions: int, seed: int = 2026) -> dict:
    """Write the data (once); returns what was written and how long each part took."""
    import logging

    from django.utils import timezone

    from coordination.organisation.models import Agency, Official
    from meetings.models import Meeting

    ensure_demo()
    if Meeting.objects.filter(uid__endswith=f"@{UID_DOMAIN}").exists():
        return {"already": True}
    logging.disable(logging.INFO)
    rng = random.Random(seed)
    now = timezone.now()
    people = {
        o.username: o for o in Official.objects.filter(is_active=True).select_related("agency")
    }
    agencies = {a.code: a for a in Agency.objects.all()}
    done: dict = {}
    began = time.perf_counter()
    done["rooms"], done["messages"] = seed_rooms(
        rng, people, rooms=rooms, messages=messages, now=now
    )
    done["rooms_s"] = round(time.perf_counter() - began, 1)
    began = time.perf_counter()
    made = seed_meetings(rng, people, agencies, meetings=meetings, now=now)
    done["meetings"] = len(made)
    done["meetings_s"] = round(time.perf_counter() - began, 1)
    began = time.perf_counter()
    done["decisions"], done["actions"] = seed_decisions(
        rng, people, agencies, made, actions=actions, now=now
    )
    done["decisions_s"] = round(time.perf_counter() - began, 1)
    analyse()
    return done


def analyse() -> None:
    """Fresh planner statistics after a bulk load (PostgreSQL's autovacuum would get there
    later; SQLite has none until asked)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rooms", type=int, default=50)
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--meetings", type=int, default=1_000)
    parser.add_argument("--actions", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=2026, help="of the random choices")
    options = parser.parse_args()
    setup()
    began = time.perf_counter()
    done = seed(
        rooms=options.rooms,
        messages=options.messages,
        meetings=options.meetings,
        actions=options.actions,
        seed=options.seed,
    )
    if done.get("already"):
        print("Already seeded (meetings with UIDs @seed.bench.rakor exist): nothing written.")
        return
    print(
        f"Seeded {done['rooms']} rooms with {done['messages']} messages ({done['rooms_s']} s), "
        f"{done['meetings']} meetings ({done['meetings_s']} s), {done['decisions']} decisions "
        f"with {done['actions']} follow-up actions ({done['decisions_s']} s); "
        f"{time.perf_counter() - began:.1f} s in all."
    )


if __name__ == "__main__":
    main()
