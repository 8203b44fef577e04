"""URLs of the classroom: the trainer's pages (/classroom/...) and the teams' (/team/...)."""

from django.urls import path

from .views import classroom

app_name = "classroom"

urlpatterns = [
    path("classroom/", classroom.index, name="index"),
    path("classroom/<int:pk>/", classroom.session_page, name="session"),
    path("classroom/<int:pk>/control/<str:action>/", classroom.control, name="control"),
    path("classroom/<int:pk>/shock/", classroom.shock, name="shock"),
    path("classroom/<int:pk>/order/", classroom.order_outcome, name="order"),
    path("classroom/<int:pk>/screen/", classroom.screen, name="screen"),
    path("classroom/<int:pk>/debrief/", classroom.debrief, name="debrief"),
    path("classroom/<int:pk>/rounds.<str:fmt>", classroom.export, name="export"),
    path("team/", classroom.join, name="join"),
    path("team/<str:code>/", classroom.team_page, name="team"),
    path("team/<str:code>/standing.json", classroom.team_json, name="team_json"),
]
