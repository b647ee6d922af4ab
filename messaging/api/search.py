"""Searching the messages of one's rooms over the API."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from coordination.platform.schemas import Id, NonBlankText
from messaging import selectors
from messaging.api.schemas import ERRORS, Author
from messaging.search import search_messages

router = Router()


class SearchQuery(Schema):
    q: NonBlankText = Field(max_length=200)
    room: Id | None = None
    limit: int = Field(50, ge=1, le=100)


class SearchResultOut(Schema):
    room: int
    room_name: str
    seq: int
    id: int
    author: Author
    sent_at: str
    extract: str = Field(description="HTML: the text escaped, the matches in <mark>.")
    link: str


class SearchPage(Schema):
    items: list[SearchResultOut]
    next: str | None


@router.get(
    "/search",
    response={200: SearchPage, **ERRORS},
    summary="Search the messages of your rooms",
)
def search(request: HttpRequest, query: Query[SearchQuery]):
    if query.room is not None:
        selectors.room_get_for_member(request.auth, query.room)
    items = search_messages(request.auth, q=query.q, room_id=query.room, limit=query.limit)
    return {"items": items, "next": None}
