from django.urls import path

from messaging.consumers import RakorConsumer

websocket_urlpatterns = [
    path("ws/", RakorConsumer.as_asgi()),
]
