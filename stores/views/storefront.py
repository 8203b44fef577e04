"""Storefront views (placeholder pages until the storefront issue lands)."""

from django.shortcuts import get_object_or_404, render

from stores.models import Product, Store


def index(request):
    stores = Store.objects.active().order_by("name")
    return render(request, "index.html", {"stores": stores})


def home(request, slug: str):
    store = get_object_or_404(Store.objects.active(), slug=slug)
    products = store.products.filter(is_active=True)[:24]
    return render(request, "storefront/home.html", {"store": store, "products": products})


def product(request, slug: str, product: str):
    store = get_object_or_404(Store.objects.active(), slug=slug)
    item = get_object_or_404(Product, store=store, slug=product, is_active=True)
    return render(request, "storefront/product.html", {"store": store, "product": item})
