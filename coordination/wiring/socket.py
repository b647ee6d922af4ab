"""The one WebSocket, /ws/, composed from each app's frame module on the organisation's base
socket (docs/architecture.md: "Adding a socket frame"). The routes answer any other path with
a clean refusal."""

from django.urls import path, re_path

from coordination.organisation.socket import BaseSocket, NoSuchSocket
from meetings.live_socket import LiveMeetingSocket
from meetings.socket import MeetingsSocket
from messaging.socket import MessagingSocket


class RakorSocket(BaseSocket):
    """An official's socket: messaging's frames and meetings'."""

    modules = (MessagingSocket, MeetingsSocket, LiveMeetingSocket)


websocket_urlpatterns = [
    path("ws/", RakorSocket.as_asgi()),
    re_path(r"", NoSuchSocket.as_asgi()),
]
