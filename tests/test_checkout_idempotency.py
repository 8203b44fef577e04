"""One cart, one order: whatever the timing, a cart's checkout key is claimed once.

The concurrent test fires real requests from threads, each with its own database connection,
against the real test database (SQLite file or PostgreSQL), so the claim's unique key is what
stops the duplicates, not the test's transaction.
"""

from __future__ import annotations

import re
import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from stores import services
from stores.models import CheckoutClaim, Order

CARD_OK = "4242 4242 4242 4242"


def url(name: str, store, **kwargs) -> str:
    return reverse(f"storefront:{name}", kwargs={"slug": store.slug, **kwargs})


def details(**overrides) -> dict:
    return {
        "email": "ann@example.com",
        "name": "Ann Shopper",
        "address": "1 Main Street",
        "city": "Springfield",
        "postcode": "12345",
        "shipping": "standard",
        "payment_method": "card",
        "card_number": CARD_OK,
        "card_expiry": "12/30",
        "card_cvc": "123",
        **overrides,
    }


def shopper_with_a_cart(store) -> tuple[Client, str]:
    """A shopper with one item in the cart on the checkout page; returns the page's key."""
    client = Client()
    product = store.products.filter(stock__gte=5).first()
    client.post(url("cart_add", store), {"product": product.pk, "quantity": 1})
    page = client.get(url("checkout", store)).content.decode()
    key = re.search(r'name="checkout_key" value="([^"]+)"', page)[1]
    return client, key


def test_a_second_submit_of_an_ordered_cart_is_refused_with_a_link_to_the_order(make_store):
    store = make_store("general")
    client, key = shopper_with_a_cart(store)

    first = client.post(url("checkout", store), {**details(), "checkout_key": key})
    again = client.post(url("checkout", store), {**details(), "checkout_key": key})

    order = Order.objects.get()
    assert first.status_code == 302
    page = again.content.decode()
    assert again.status_code == 409
    assert "This cart was already ordered" in page
    assert f'href="{url("order", store, number=order.number)}"' in page
    assert Order.objects.count() == 1 and CheckoutClaim.objects.get().order_number == order.number
    # The link works: the order belongs to this browser.
    assert order.number in client.get(url("order", store, number=order.number)).content.decode()


def test_a_new_cart_after_an_order_gets_a_new_key_and_orders_again(make_store):
    store = make_store("general")
    client, key = shopper_with_a_cart(store)
    client.post(url("checkout", store), {**details(), "checkout_key": key})

    product = store.products.filter(stock__gte=5).last()
    client.post(url("cart_add", store), {"product": product.pk, "quantity": 1})
    new_key = re.search(
        r'name="checkout_key" value="([^"]+)"',
        client.get(url("checkout", store)).content.decode(),
    )[1]
    second = client.post(url("checkout", store), {**details(), "checkout_key": new_key})

    assert new_key != key
    assert second.status_code == 302 and Order.objects.count() == 2


def test_the_service_refuses_a_claimed_key_and_writes_nothing(make_store):
    store = make_store("general")
    product = store.products.filter(stock__gte=5).first()
    request = {
        "lines": [services.checkout.RequestedLine(product_id=product.pk, quantity=1)],
        "email": "a@example.com",
        "address": services.checkout.ShippingAddress("Ann", "1 Road", "Town", "12345"),
        "payment_method": "card",
        "channel": "direct",
        "checkout_key": "cart-key-123456",
    }
    order = services.place_order(store, **request)
    product.refresh_from_db()
    stock = product.stock

    with pytest.raises(services.AlreadyOrdered, match=f"already ordered: order {order.number}"):
        services.place_order(store, **request)

    product.refresh_from_db()
    assert Order.objects.count() == 1 and product.stock == stock


@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_checkouts_of_one_cart_make_exactly_one_order():
    store = services.create_store_from_preset(
        "general", name="Race Store", slug="race-store", with_catalogue=True
    )
    client, key = shopper_with_a_cart(store)
    cookie = client.cookies["sessionid"].value
    data = {**details(), "checkout_key": key}
    start = threading.Barrier(10)
    responses = []
    failures = []

    def submit() -> None:
        shopper = Client()
        shopper.cookies["sessionid"] = cookie  # the same browser, ten tabs at once
        try:
            start.wait(timeout=30)
            responses.append(shopper.post(url("checkout", store), data))
        except Exception as exc:  # a 500 raises in the test client: keep it for the assert
            failures.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert failures == []
    order = Order.objects.get()  # exactly one
    placed = [r for r in responses if r.status_code == 302]
    refused = [r for r in responses if r.status_code == 409]
    assert len(placed) == 1 and placed[0]["Location"] == url("order", store, number=order.number)
    assert len(refused) == 9
    for response in refused:
        page = response.content.decode()
        assert "This cart was already ordered" in page
        assert f'href="{url("order", store, number=order.number)}"' in page
    assert order.lines.count() == 1
