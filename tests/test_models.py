"""Store validation: each bad value is refused with a message that names the field."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from stores.models import Order, StoreChannel


def errors_of(obj) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as excinfo:
        obj.full_clean()
    return excinfo.value.message_dict


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("return_rate", Decimal("1.2"), "less than or equal to 1"),
        ("card_fee_rate", Decimal("-0.01"), "greater than or equal to 0"),
        ("shipping_cost", Decimal("-1"), "greater than or equal to 0"),
        ("handling_days_min", 9, "Must not exceed"),
        ("delivery_days_min", 30, "Must not exceed"),
        ("primary_colour", "blue", "#rrggbb"),
        ("payment_methods", [], "at least one payment method"),
        ("payment_methods", ["card", "bitcoin"], "Unknown payment method(s): bitcoin"),
        ("default_payment_method", "cod", "must be one the store offers"),
        ("cod_share", Decimal("0.5"), "does not offer cash on delivery"),
        ("add_to_cart_rate", Decimal("0.9"), "Cannot exceed the product view rate"),
        ("markup", Decimal("0.8"), "at a loss"),
    ],
)
def test_bad_store_values_name_the_field(make_store, field, value, message):
    store = make_store("general", with_catalogue=False)
    setattr(store, field, value)

    errors = errors_of(store)

    assert field in errors
    assert any(message in e for e in errors[field]), errors[field]


def test_a_prepaid_twin_of_a_cod_store_is_valid(make_store):
    twin = make_store("cod", payment_methods=["card"], default_payment_method="card", cod_share=0)

    twin.full_clean()  # no error

    assert twin.business_model == "cod" and twin.market == "AE" and not twin.offers_cod


def test_a_cod_store_without_cod_still_needs_a_zero_cod_share_and_a_method_it_offers(make_store):
    store = make_store("cod", with_catalogue=False)
    store.payment_methods = ["card"]

    errors = errors_of(store)

    assert "COD share must be 0" in errors["cod_share"][0]
    assert "must be one the store offers" in errors["default_payment_method"][0]


def test_paid_channel_needs_cost_per_click_and_unpaid_channels_have_no_budget(make_store):
    store = make_store("general", with_catalogue=False)
    paid = StoreChannel(store=store, channel="paid_search", daily_budget=50, cost_per_click=0)
    organic = StoreChannel(store=store, channel="organic_search", daily_budget=10)

    assert "cost_per_click" in errors_of(paid)
    assert "not a paid channel" in errors_of(organic)["daily_budget"][0]


def test_a_marketplace_seller_cannot_email_its_buyers(make_store):
    store = make_store("marketplace", with_catalogue=False)
    assert not store.channels.filter(channel="email").exists()
    email = StoreChannel(store=store, channel="email", daily_sessions=30)

    assert "cannot email" in errors_of(email)["daily_sessions"][0]


def test_product_price_below_cost_is_refused(make_store):
    product = make_store("pod").products.first()
    product.price = product.unit_cost - 1

    assert "lose money" in errors_of(product)["price"][0]


def test_order_money_identities(make_store):
    store = make_store("general", with_catalogue=False)
    order = Order(
        store=store,
        gross_sales=Decimal("100.00"),
        discount=Decimal("10.00"),
        refund=Decimal("30.00"),
        goods_cost=Decimal("20.00"),
        shipping_cost=Decimal("5.00"),
        return_shipping_cost=Decimal("6.00"),
        payment_fee=Decimal("2.91"),
    )

    assert order.net_sales == Decimal("60.00")  # 100 - 10 - 30
    assert order.order_contribution == Decimal("26.09")  # 60 - 20 - 5 - 6 - 2.91
