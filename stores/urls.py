"""URLs of the storefronts (/s/<slug>/...): catalogue, product, cart, checkout, orders."""

from django.urls import path

from .views import storefront

app_name = "storefront"

urlpatterns = [
    path("<slug:slug>/", storefront.home, name="home"),
    path("<slug:slug>/catalogue/", storefront.catalogue, name="catalogue"),
    path("<slug:slug>/p/<slug:product>/", storefront.product, name="product"),
    path("<slug:slug>/p/<slug:product>/preview/", storefront.preview, name="preview"),
    path("<slug:slug>/cart/", storefront.cart, name="cart"),
    path("<slug:slug>/cart/add/", storefront.cart_add, name="cart_add"),
    path("<slug:slug>/cart/update/", storefront.cart_update, name="cart_update"),
    path("<slug:slug>/cart/remove/", storefront.cart_remove, name="cart_remove"),
    path("<slug:slug>/checkout/", storefront.checkout, name="checkout"),
    path("<slug:slug>/order/<str:number>/", storefront.order, name="order"),
    path("<slug:slug>/orders/find/", storefront.lookup, name="lookup"),
]
