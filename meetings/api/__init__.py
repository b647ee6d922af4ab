"""The meetings API (/api/v1/, docs at /api/v1/docs): meetings, their invitations and
answers, the scheduling assistant, their agendas, the live meeting, its notulen and the
decision log, one module each. Thin: every endpoint calls the same service or selector as
the pages and the socket's frames."""

from ninja import Router

from meetings.api import agenda, availability, decisions, meeting_mode, meetings, notulen

router = Router(tags=["meetings"])
for part in (meetings, availability, agenda, meeting_mode, notulen, decisions):
    router.add_router("", part.router)
