from django.urls import path

from .views import storefront

app_name = "storefront"

urlpatterns = [
    path("<slug:slug>/", storefront.home, name="home"),
    path("<slug:slug>/p/<slug:product>/", storefront.product, name="product"),
]
