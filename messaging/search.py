"""Search in the messages an official may read.

PostgreSQL: full-text search (`websearch` syntax, the "simple" configuration, which suits
Bahasa Indonesia and English alike) over a GIN index created by a migration on PostgreSQL only;
results ranked, with highlighted extracts. SQLite: every word must appear (case-insensitive),
newest first, highlighted the same way. Either way the extract is escaped before <mark> is put
in, so a message's text can never become markup.
"""

from __future__ import annotations

import html
import re
from typing import Any

from django.db import connection
from django.db.models import F, Q

from coordination.organisation.models import Official
from messaging.models import Membership, Message

START, STOP = "\x02", "\x03"  # never in stored text (control characters are refused)
EXTRACT_CHARS = 240


def search_messages(
    official: Official, *, q: str, room_id: int | None = None, limit: int = 50
) -> list[dict[str, Any]]:
    rooms = Membership.objects.filter(official=official).values("room_id")
    messages = Message.objects.filter(room_id__in=rooms, deleted_at__isnull=True)
    if room_id is not None:
        messages = messages.filter(room_id=room_id)
    words = [w for w in q.split() if w]
    if not words:
        return []
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import (
            SearchHeadline,
            SearchQuery,
            SearchRank,
            SearchVector,
        )

        query = SearchQuery(q, config="simple", search_type="websearch")
        vector = SearchVector("body", config="simple")
        found = (
            messages.annotate(document=vector)
            .filter(document=query)  # the @@ match, which the GIN index serves
            .annotate(rank=SearchRank(vector, query))
            .annotate(
                extract=SearchHeadline(
                    "body",
                    query,
                    config="simple",
                    start_sel=START,
                    stop_sel=STOP,
                    max_words=35,
                    min_words=15,
                )
            )
            .select_related("author", "room")
            .order_by(F("rank").desc(), "-created_at")[:limit]
        )
        return [_result(m, _marked(m.extract)) for m in found]
    condition = Q()
    for word in words:
        condition &= Q(body__icontains=word)
    found = messages.filter(condition).select_related("author", "room").order_by("-created_at")
    return [_result(m, _highlight(m.body, words)) for m in found[:limit]]


def _highlight(body: str, words: list[str]) -> str:
    pattern = re.compile(
        "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)), re.IGNORECASE
    )
    first = pattern.search(body)
    start = max((first.start() if first else 0) - EXTRACT_CHARS // 3, 0)
    extract = body[start : start + EXTRACT_CHARS]
    marked = pattern.sub(lambda m: START + m.group(0) + STOP, extract)
    return (
        ("…" if start else "")
        + _marked(marked)
        + ("…" if start + EXTRACT_CHARS < len(body) else "")
    )


def _marked(text: str) -> str:
    return html.escape(text).replace(START, "<mark>").replace(STOP, "</mark>")


def _result(message: Message, extract: str) -> dict[str, Any]:
    return {
        "room": message.room_id,
        "room_name": str(message.room),
        "seq": message.seq,
        "id": message.pk,
        "author": {"username": message.author.username, "name": message.author.display_name},
        "sent_at": message.created_at.isoformat(),
        "extract": extract,
        "link": message.get_absolute_url(),
    }
