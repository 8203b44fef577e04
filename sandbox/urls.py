from django.contrib import admin
from django.urls import include, path

from stores.views import storefront

admin.site.site_header = "Store-model sandbox"
admin.site.site_title = "Store-model sandbox"
admin.site.index_title = "Stores, runs and orders"

urlpatterns = [
    path("", storefront.index, name="index"),
    path("favicon.ico", storefront.favicon),
    path("admin/", admin.site.urls),
    path("dashboard/experiments/", include("stores.experiment_urls")),
    path("dashboard/", include("stores.dashboard_urls")),
    path("scenarios/", include("stores.scenario_urls")),
    path("s/", include("stores.urls")),
    path("", include("stores.classroom_urls")),
]
