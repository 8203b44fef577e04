"""Checkout: a shopper's order is a real Order with server-side money lines; bad input writes nothing."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from stores import markets
from stores.models import (
    Channel,
    Customer,
    DailyFunnel,
    Order,
    OrderLine,
    OrderStatus,
    Product,
    Source,
)
from stores.services import advance_lifecycle
from stores.services import checkout as service

CARD_OK = "4242 4242 4242 4242"
CARD_DECLINED = "4000 0000 0000 0002"


def url(name: str, store, **kwargs) -> str:
    return reverse(f"storefront:{name}", kwargs={"slug": store.slug, **kwargs})


def details(**overrides) -> dict:
    data = {
        "email": "ann@example.com",
        "name": "Ann Shopper",
        "address": "1 Main Street",
        "city": "Springfield",
        "postcode": "12345",
        "phone": "+1 555 123 4567",
        "shipping": "standard",
        "payment_method": "card",
        "card_number": CARD_OK,
        "card_expiry": "12/30",
        "card_cvc": "123",
    }
    data.update(overrides)
    return data


def snapshot() -> tuple:
    """Everything a checkout may write: orders, lines, customers, stock, funnel rows."""
    return (
        list(Order.objects.order_by("pk").values()),
        list(OrderLine.objects.order_by("pk").values()),
        list(Customer.objects.order_by("pk").values()),
        list(Product.objects.order_by("pk").values_list("pk", "stock", "price")),
        list(DailyFunnel.objects.order_by("pk").values()),
    )


@pytest.fixture
def general(make_store):
    # Nobody returns or disputes here, so every order of these tests is kept: a shopper's
    # order meets the engine's dice (test_a_shoppers_order_meets_the_engines_dice).
    return make_store(
        "general", return_rate=0, defect_rate=0, chargeback_rate=0, late_refund_rate=0
    )


@pytest.fixture
def stocked(general):
    return list(general.products.filter(stock__gte=5).order_by("pk")[:2])


@pytest.fixture
def cart_client(client, general, stocked):
    """A shopper who arrived from a paid-social link and has two items in the cart."""
    client.get(general.get_absolute_url(), {"utm_source": "facebook", "utm_medium": "cpc"})
    client.post(url("cart_add", general), {"product": stocked[0].pk, "quantity": 2})
    client.post(url("cart_add", general), {"product": stocked[1].pk, "quantity": 1})
    client.get(url("checkout", general))
    return client


# --- The happy paths --------------------------------------------------------------------------


def test_card_checkout_places_a_real_order_with_every_money_line(cart_client, general, stocked):
    a, b = stocked
    stock_before = (a.stock, b.stock)
    response = cart_client.post(url("checkout", general), details())
    order = Order.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("order", general, number=order.number)

    gross = a.price * 2 + b.price
    fees = general.fee_schedule
    assert order.source == Source.SHOPPER and order.run is None
    assert order.channel == Channel.PAID_SOCIAL
    assert order.payment_method == "card" and order.status == OrderStatus.PLACED
    assert order.gross_sales == gross and order.discount == 0
    assert order.goods_cost == a.unit_cost * 2 + b.unit_cost
    assert order.shipping_cost == general.shipping_cost
    assert order.payment_fee == fees.payment_fee("card", gross)
    assert order.cod_fee == 0 and order.platform_fee == fees.platform_fee(gross)
    assert order.cash_collected_at is None  # the processor pays out 2 days after the charge
    assert order.placed_date == timezone.localdate()
    assert order.planned_outcome == OrderStatus.DELIVERED
    assert order.shipped_at is None and order.delivered_at is None
    assert order.email == "ann@example.com" and order.customer.email == "ann@example.com"
    assert [
        (line.title, line.quantity, line.unit_price) for line in order.lines.order_by("pk")
    ] == [
        (a.title, 2, a.price),
        (b.title, 1, b.price),
    ]
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.stock, b.stock) == (stock_before[0] - 2, stock_before[1] - 1)

    row = DailyFunnel.objects.get(
        store=general, source=Source.SHOPPER, channel=Channel.PAID_SOCIAL, run__isnull=True
    )
    assert (row.sessions, row.adds_to_cart, row.reached_checkout, row.converted) == (1, 1, 1, 1)
    assert (row.orders, row.items, row.gross_sales) == (1, 3, gross)
    assert row.payment_fee == order.payment_fee and row.cash_received == 0

    advance_lifecycle(now=order.placed_at + timedelta(days=general.payout_days, seconds=1))
    order.refresh_from_db()
    row.refresh_from_db()
    due = order.placed_at.replace(microsecond=0) + timedelta(days=general.payout_days)
    assert order.cash_collected_at == due  # the lifecycle keeps whole seconds
    assert row.cash_received == gross

    page = cart_client.get(response["Location"]).content.decode()
    assert order.number in page and "Thank you" in page
    assert cart_client.get(url("cart", general)).context["cart"].count == 0


def test_cod_checkout_asks_for_confirmation_then_places_the_order(client, make_store):
    store = make_store("cod")
    product = store.products.filter(stock__gte=3).first()
    client.post(url("cart_add", store), {"product": product.pk, "quantity": 1})
    checkout_page = client.get(url("checkout", store)).content.decode()
    cod_fee = store.fee_schedule.cod_fee(product.price)
    aed = markets.presentment("AE")  # a UAE store shows dirhams; its books stay in dollars
    assert aed.text(aed.convert(cod_fee)) in checkout_page
    assert "not added to your total" in checkout_page

    data = details(payment_method="cod", card_number="", card_cvc="", card_expiry="")
    before = snapshot()
    step = client.post(url("checkout", store), data)
    assert step.status_code == 200 and "Confirm order" in step.content.decode()
    shown = aed.text(aed.convert(product.price))
    assert f"You will pay <strong>{shown}</strong>" in step.content.decode()
    assert snapshot() == before

    placed = client.post(url("checkout", store), {**data, "confirm_cod": "1"})
    order = Order.objects.get()
    assert placed.status_code == 302
    assert order.payment_method == "cod"
    assert order.payment_fee == 0 and order.cod_fee == 0  # booked when the cash is collected
    assert order.cash_collected_at is None
    assert order.phone == data["phone"]
    row = DailyFunnel.objects.get(store=store, source=Source.SHOPPER, run__isnull=True)
    assert (row.orders, row.cod_orders, row.converted) == (1, 1, 1)


def test_pod_customisation_is_stored_on_the_order_line(client, make_store):
    store = make_store("pod")
    product = store.products.first()
    client.post(
        url("cart_add", store),
        {"product": product.pk, "quantity": 1, "text": "Team Rocket", "colour": "teal"},
    )
    client.post(url("checkout", store), details())
    line = OrderLine.objects.get()
    assert line.customization == {"text": "Team Rocket", "colour": "teal", "colour_hex": "#00897b"}


def test_single_product_bundle_is_bought_at_its_own_price(client, make_store):
    store = make_store("single_product")
    bundle = store.products.filter(bundle_quantity=3).get()
    client.post(url("cart_add", store), {"product": bundle.pk, "quantity": 1})
    client.post(url("checkout", store), details())
    order = Order.objects.get()
    assert order.gross_sales == bundle.price and order.discount == 0
    assert order.goods_cost == bundle.unit_cost


def test_a_returning_customer_is_one_customer_row(client, general, stocked):
    for _ in range(2):
        client.post(url("cart_add", general), {"product": stocked[0].pk, "quantity": 1})
        assert client.post(url("checkout", general), details()).status_code == 302
    assert Customer.objects.filter(store=general).count() == 1
    first, second = Order.objects.order_by("placed_at")
    assert first.is_new_customer and not second.is_new_customer


def test_order_numbers_are_readable_and_unique(general):
    numbers = {service._order_number(general) for _ in range(200)}
    assert len(numbers) == 200
    assert all(re.fullmatch(r"TEST-GEN-[A-Z2-9]{6}", n) for n in numbers), sorted(numbers)[:3]


def test_dropship_order_estimate_is_the_supplier_lead_time_then_transit(make_store):
    # The supplier's processing is the dispatch delay (the store handles nothing itself), as
    # the simulation plans it: tests/test_timeline.py holds the two together.
    store = make_store("dropship")
    slow = store.products.exclude(supplier_lead_days=None).order_by("-supplier_lead_days").first()
    estimate = service.delivery_estimate(store, [slow])
    assert (estimate.min_days, estimate.max_days) == (
        slow.supplier_lead_days + store.delivery_days_min,
        slow.supplier_lead_days + store.delivery_days_max,
    )


# --- Bad input: a clear message and nothing written -------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "status", "message"),
    [
        ({"card_number": CARD_DECLINED}, 402, "Your card was declined"),
        ({"card_number": "4111 1111 1111 1111"}, 400, "pay with the test card"),
        ({"card_number": "1234 5678"}, 400, "not a valid card number"),
        ({"card_expiry": "13/30"}, 400, "Enter the expiry as MM/YY"),
        ({"card_expiry": "01/20"}, 400, "This card has expired"),
        ({"payment_method": "cod"}, 400, "does not offer that payment method"),
        ({"payment_method": "bitcoin"}, 400, "does not offer that payment method"),
        ({"email": "not-an-email"}, 400, "Enter a valid email address"),
        ({"address": ""}, 400, "This field is required"),
        ({"postcode": "<b>"}, 400, "Enter a valid postcode"),
        ({"name": "x" * 200}, 400, "120 characters or fewer"),
    ],
)
def test_bad_checkout_input_is_refused_and_writes_nothing(
    cart_client, general, overrides, status, message
):
    before = snapshot()
    response = cart_client.post(url("checkout", general), details(**overrides))
    assert response.status_code == status
    assert message in response.content.decode()
    assert snapshot() == before


def test_empty_cart_cannot_check_out(client, general):
    client.get(general.get_absolute_url())
    assert "Your cart is empty" in client.get(url("checkout", general)).content.decode()
    before = snapshot()
    response = client.post(url("checkout", general), details())
    assert response.status_code == 400 and "Your cart is empty" in response.content.decode()
    assert snapshot() == before


def test_changed_prices_are_shown_and_need_confirmation(cart_client, general, stocked):
    a, b = stocked
    Product.objects.filter(pk=a.pk).update(price=a.price + Decimal("5.00"))
    new_total = (a.price + Decimal("5.00")) * 2 + b.price
    before = snapshot()
    response = cart_client.post(url("checkout", general), details())
    page = response.content.decode()
    assert response.status_code == 409
    assert "Prices changed" in page and f"${new_total}" in page
    assert snapshot() == before
    # Submitting again confirms the new total, which is what the order charges.
    assert cart_client.post(url("checkout", general), details()).status_code == 302
    assert Order.objects.get().gross_sales == new_total


def test_prices_in_the_request_are_ignored(cart_client, general, stocked):
    a, b = stocked
    cart_client.post(url("checkout", general), {**details(), "price": "0.01", "total": "0.01"})
    assert Order.objects.get().gross_sales == a.price * 2 + b.price


def test_stock_sold_out_meanwhile_is_refused(cart_client, general, stocked):
    Product.objects.filter(pk=stocked[0].pk).update(stock=1)
    before = snapshot()
    response = cart_client.post(url("checkout", general), details())
    assert response.status_code == 400 and "Only 1 left" in response.content.decode()
    assert snapshot() == before


def test_service_refuses_a_product_of_another_store(general, make_store):
    other = make_store("pod").products.first()
    before = snapshot()
    with pytest.raises(service.CheckoutError, match="not sold by this store"):
        service.place_order(
            general,
            [service.RequestedLine(product_id=other.pk, quantity=1)],
            email="a@example.com",
            address=service.ShippingAddress("A", "1 Road", "Town", "12345"),
            payment_method="card",
            channel=Channel.DIRECT,
        )
    assert snapshot() == before


@pytest.mark.parametrize(
    ("lines", "method", "message"),
    [
        ([], "card", "cart is empty"),
        ([(None, 11)], "card", "between 1 and 10"),
        ([(None, 0)], "card", "between 1 and 10"),
        ([(None, 1)], "upi", "does not offer"),
    ],
)
def test_service_refuses_bad_requests(general, stocked, lines, method, message):
    requested = [service.RequestedLine(product_id=stocked[0].pk, quantity=qty) for _, qty in lines]
    before = snapshot()
    with pytest.raises(service.CheckoutError, match=message):
        service.place_order(
            general,
            requested,
            email="a@example.com",
            address=service.ShippingAddress("A", "1 Road", "Town", "12345"),
            payment_method=method,
            channel=Channel.DIRECT,
        )
    assert snapshot() == before


# --- Order lookup and admin -------------------------------------------------------------------


def test_order_lookup_by_number_and_email(cart_client, general):
    cart_client.post(url("checkout", general), details())
    order = Order.objects.get()
    from django.test import Client

    stranger = Client()
    assert stranger.get(url("order", general, number=order.number)).status_code == 302
    wrong = stranger.post(
        url("lookup", general), {"number": order.number, "email": "eve@example.com"}
    )
    assert wrong.status_code == 404 and "No order with that number" in wrong.content.decode()
    found = stranger.post(
        url("lookup", general), {"number": order.number.lower(), "email": "ANN@example.com"}
    )
    assert found.status_code == 302
    page = stranger.get(found["Location"]).content.decode()
    assert order.number in page and order.lines.first().title in page


def test_shopper_order_is_in_the_admin(cart_client, general, admin_client):
    cart_client.post(url("checkout", general), details())
    order = Order.objects.get()
    listing = admin_client.get(reverse("admin:stores_order_changelist"), {"q": order.number})
    assert order.number in listing.content.decode()


def test_the_shoppers_visit_and_order_show_in_the_dashboard_figures(cart_client, general):
    from stores import metrics

    cart_client.post(url("checkout", general), details())
    order = Order.objects.get()
    row = metrics.compare_stores([general], run=metrics.LIVE, source=Source.SHOPPER).row(
        general.slug
    )
    assert (row.sessions, row.converted, row.orders) == (1, 1, 1)
    assert row.gross_sales == order.gross_sales
    paid = metrics.compare_stores(
        [general], run=metrics.LIVE, source=Source.SHOPPER, channel=Channel.PAID_SOCIAL
    ).row(general.slug)
    assert paid.sessions == 1


def test_a_shoppers_cod_order_is_shipped_delivered_and_paid_by_the_lifecycle(make_store):
    from datetime import timedelta

    from stores.services import advance_lifecycle

    store = make_store("cod", cod_refusal_base=0, cod_refusal_per_day=0, return_rate=0)
    product = store.products.filter(stock__gte=1).first()
    order = service.place_order(
        store,
        [service.RequestedLine(product_id=product.pk, quantity=1)],
        email="cod@example.com",
        address=service.ShippingAddress("A", "1 Road", "Dubai", "00000", phone="+971 50 123 4567"),
        payment_method="cod",
        channel=Channel.DIRECT,
    )
    assert order.planned_delivered_at > order.planned_shipped_at > order.placed_at

    advance_lifecycle(now=order.planned_delivered_at + timedelta(hours=1))
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
    assert order.cod_fee == store.fee_schedule.cod_fee(order.gross_sales)
    assert order.cash_collected_at is None  # the courier remits weeks later

    advance_lifecycle(
        now=order.planned_delivered_at + timedelta(days=store.cod_remittance_days, hours=2)
    )
    order.refresh_from_db()
    assert order.cash_collected_at is not None
    row = DailyFunnel.objects.get(store=store, source=Source.SHOPPER, run__isnull=True)
    assert (row.delivered_orders, row.cod_fee, row.cash_orders) == (1, order.cod_fee, 1)


def test_a_shoppers_order_meets_the_engines_dice(make_store):
    """A shopper's order is planned like a simulated one (engine.plan_order), seeded by its
    number: a COD parcel can be refused at the door, a prepaid one returned; the same number
    always gets the same fate."""
    from stores.simulation import engine
    from stores.simulation.params import STATUSES

    store = make_store("cod", cod_refusal_base="0.5", cod_refusal_per_day=0, return_rate="0.3")
    product = store.products.filter(stock__gte=40).first()
    fates = {}
    for i, method in enumerate(["cod", "card"] * 20):
        order = service.place_order(
            store,
            [service.RequestedLine(product_id=product.pk, quantity=1)],
            email=f"s{i}@example.com",
            address=service.ShippingAddress("A", "1 Road", "Dubai", "0", phone="+971 50 1"),
            payment_method=method,
            channel=Channel.DIRECT,
        )
        fates.setdefault(method, set()).add(order.planned_outcome)
        assert order.placed_at < order.planned_shipped_at < order.planned_delivered_at
        if order.planned_outcome != OrderStatus.DELIVERED:
            assert order.outcome_at >= order.planned_delivered_at
        again = service._planned(
            store, order.placed_at, method, 0, order.number
        )  # the same number, the same fate
        assert again["planned_outcome"] == order.planned_outcome
    assert OrderStatus.REFUSED in fates["cod"] and OrderStatus.DELIVERED in fates["cod"]
    assert OrderStatus.RETURNED in fates["card"] and OrderStatus.REFUSED not in fates["card"]
    assert STATUSES[engine.REFUSED] == OrderStatus.REFUSED


# --- Every refusal points at something the shopper can see -------------------------------------


def error_summary(page: str) -> str:
    match = re.search(r'<section id="error-summary".*?</section>', page, re.S)
    assert match, "no error summary at the top of the page"
    return match[0]


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"shipping": "drone"}, "Shipping: Choose one of the shipping options shown."),
        ({"upi_id": "ann@okbank"}, "UPI id: this store does not take UPI payments"),
        ({"payment_method": "cod"}, "Payment: This store does not offer that payment method."),
        ({"payment_method": "bitcoin"}, "Payment: This store does not offer that payment method."),
    ],
)
def test_a_field_the_page_does_not_show_is_named_in_the_summary(
    cart_client, general, overrides, problem
):
    before = snapshot()
    response = cart_client.post(url("checkout", general), details(**overrides))
    page = response.content.decode()
    assert response.status_code == 400
    assert problem in error_summary(page)
    assert "<title>Error: Checkout" in page
    assert snapshot() == before


def test_field_errors_are_tied_to_their_inputs_and_listed_with_links(cart_client, general):
    response = cart_client.post(
        url("checkout", general), details(email="nope", name="\x1b[2J", card_cvc="12")
    )
    page = response.content.decode()
    summary = error_summary(page)
    for field, text in [
        ("email", "Enter a valid email address"),
        ("name", "Remove the control characters"),
        ("card_cvc", "Enter the 3 or 4 digits"),
    ]:
        # The summary links to the input; the input is marked invalid and described by a
        # paragraph that exists, with that id.
        assert f'<a href="#id_{field}">' in summary
        assert re.search(rf'<p class="field-error" id="id_{field}_error">[^<]*{text}', page)
        tag = re.search(rf'<input[^>]*id="id_{field}"[^>]*>', page)[0]
        assert 'aria-invalid="true"' in tag and f"id_{field}_error" in tag
    assert "There are 3 problems" in summary


def test_every_aria_reference_on_the_checkout_page_points_at_an_element(client, make_store):
    store = make_store("cod")  # its phone field has help text
    product = store.products.filter(stock__gte=3).first()
    client.post(url("cart_add", store), {"product": product.pk, "quantity": 1})
    for response in (
        client.get(url("checkout", store)),
        client.post(url("checkout", store), details(payment_method="cod", phone="", email="x")),
    ):
        page = response.content.decode()
        ids = set(re.findall(r'\sid="([^"]+)"', page))
        for refs in re.findall(r'aria-describedby="([^"]+)"', page):
            assert set(refs.split()) <= ids, refs
    assert 'id="id_phone_helptext"' in page


def test_card_fields_bring_up_the_number_keyboard_and_autofill(cart_client, general):
    page = cart_client.get(url("checkout", general)).content.decode()
    for field, autocomplete in [
        ("card_number", "cc-number"),
        ("card_expiry", "cc-exp"),
        ("card_cvc", "cc-csc"),
    ]:
        tag = re.search(rf'<input[^>]*id="id_{field}"[^>]*>', page)[0]
        assert 'inputmode="numeric"' in tag and f'autocomplete="{autocomplete}"' in tag


@pytest.mark.parametrize("number", ["4242 4242 4242 424²", "٤٢٤٢٤٢٤٢٤٢٤٢٤٢٤٢", "4" * 5000])
def test_card_numbers_in_other_digits_are_refused_not_a_500(cart_client, general, number):
    before = snapshot()
    response = cart_client.post(url("checkout", general), details(card_number=number))
    assert response.status_code == 400
    assert "Card number:" in error_summary(response.content.decode())
    assert snapshot() == before


# --- Newcomer frictions ------------------------------------------------------------------------


def test_cod_change_details_brings_back_the_filled_in_form(client, make_store):
    store = make_store("cod")
    product = store.products.filter(stock__gte=3).first()
    client.post(url("cart_add", store), {"product": product.pk, "quantity": 1})
    data = details(payment_method="cod", card_number="", card_cvc="", card_expiry="")
    confirm = client.post(url("checkout", store), data).content.decode()
    hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', confirm))

    back = client.post(url("checkout", store), {**hidden, "change_details": "1"})

    page = back.content.decode()
    assert back.status_code == 200 and "<h1>Checkout</h1>" in page
    for field in ("email", "name", "address", "city", "phone"):
        assert f'value="{data[field]}"' in page, field
    assert 'value="cod" checked' in page
    assert "There is a problem" not in page and not Order.objects.exists()


def test_a_uae_address_needs_no_postcode(client, make_store):
    store = make_store("cod")  # Souq Express sells in the UAE
    assert store.market == "AE"
    product = store.products.filter(stock__gte=3).first()
    client.post(url("cart_add", store), {"product": product.pk, "quantity": 1})
    assert "Postcode (if any)" in client.get(url("checkout", store)).content.decode()
    data = details(payment_method="cod", postcode="", card_number="", card_expiry="", card_cvc="")
    data["confirm_cod"] = "1"

    response = client.post(url("checkout", store), data)

    assert response.status_code == 302
    assert Order.objects.get().ship_postcode == ""


def test_a_us_address_still_needs_its_postcode(cart_client, general):
    response = cart_client.post(url("checkout", general), details(postcode=""))
    assert response.status_code == 400
    assert "Postcode: This field is required." in error_summary(response.content.decode())


def test_a_looked_up_order_is_not_thanked_for(cart_client, general):
    placed = cart_client.post(url("checkout", general), details())
    number = Order.objects.get().number
    assert "Thank you!" in cart_client.get(placed["Location"]).content.decode()

    from django.test import Client

    other = Client()
    found = other.post(url("lookup", general), {"number": number, "email": "ann@example.com"})
    page = other.get(found["Location"]).content.decode()
    assert "Thank you" not in page and "Order <span" in page
    assert "Thank you" not in cart_client.get(placed["Location"]).content.decode()
