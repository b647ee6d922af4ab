from django.urls import path, re_path

from messaging.consumers import NoSuchSocket, RakorConsumer

websocket_urlpatterns = [
    path("ws/", RakorConsumer.as_asgi()),
    re_path(r"", NoSuchSocket.as_asgi()),
]
