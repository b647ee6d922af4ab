from django.urls import path

from messaging import views

app_name = "messaging"

urlpatterns = [
    path("", views.messages_page, name="index"),
    path("<int:room_id>", views.messages_page, name="room"),
]
