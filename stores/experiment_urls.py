"""URLs of the experiments pages (/dashboard/experiments/): start, follow, read, export."""

from django.urls import path

from .views import experiments

app_name = "experiments"

urlpatterns = [
    path("", experiments.index, name="index"),
    path("start/<str:kind>/", experiments.start, name="start"),
    path("<int:pk>/", experiments.detail, name="detail"),
    path("<int:pk>/cancel/", experiments.cancel, name="cancel"),
    path("<int:pk>/resume/", experiments.resume, name="resume"),
    path("<int:pk>/export.<str:fmt>", experiments.export, name="export"),
]
