"""URLs of the comparison dashboard (/dashboard/): the page, a store's drill-down, exports, glossary."""

from django.urls import path

from .views import dashboard

app_name = "dashboard"

urlpatterns = [
    path("", dashboard.compare, name="compare"),
    path("glossary/", dashboard.glossary, name="glossary"),
    path("export/<str:what>.<str:fmt>", dashboard.export, name="export"),
    path("store/<slug:slug>/", dashboard.store_detail, name="store"),
    path("store/<slug:slug>/cohorts/", dashboard.cohorts, name="cohorts"),
    path("store/<slug:slug>/cohorts.<str:fmt>", dashboard.cohorts, name="cohorts_export"),
]
