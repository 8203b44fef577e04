"""URLs of the scenario debriefs (/scenarios/<id>/)."""

from django.urls import path

from .views import scenarios

app_name = "scenarios"

urlpatterns = [
    path("<int:pk>/", scenarios.debrief, name="debrief"),
]
