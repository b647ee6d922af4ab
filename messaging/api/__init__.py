"""The messaging API (/api/v1/, docs at /api/v1/docs): rooms, the timeline, attachments,
directives and search, one module each. Thin: every endpoint calls the same service or
selector as the socket's frames and the pages."""

from ninja import Router

from messaging.api import attachments, directives, rooms, search, timeline

router = Router(tags=["messaging"])
for part in (rooms, timeline, attachments, directives, search):
    router.add_router("", part.router)
