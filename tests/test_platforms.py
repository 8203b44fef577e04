"""Managed platforms (seed 003): semi-managed sellers and fully-managed suppliers.

The engine books the platform's fees and pays out weeks after delivery; the seller has no
owned channel; a fully managed supplier books the wholesale price; the store's pages are a
listing on the platform with no cart or checkout; the dashboard and `compare` show the fees.
"""

from __future__ import annotations

import io
import json
import re
from datetime import date
from decimal import Decimal

import numpy as np
import pytest
from django.core.management import call_command
from django.urls import reverse

from stores import metrics, services
from stores.choices import OWNED_CHANNELS
from stores.formatting import money
from stores.models import Channel, DailyFunnel, Order, Source
from stores.presets import PLATFORM_NAME
from stores.services.checkout import CheckoutError, RequestedLine, ShippingAddress, place_order
from stores.services.engine_params import params_from_preset
from stores.simulation import engine, ledger, realisation
from stores.simulation.params import CHANNELS

START = date(2025, 1, 1)
FAR_FUTURE = 10**11


def year(model: str, days: int = 120):
    p = params_from_preset(model)
    result = engine.simulate(p, seed=5, first_day=START, days=days)
    return p, result, realisation.realise_orders(p, result.orders, FAR_FUTURE)


def units_per_order(result) -> np.ndarray:
    lines = result.lines
    return np.bincount(lines.order, weights=lines.quantity, minlength=len(result.orders))


# --- Engine (no database) ---------------------------------------------------------------------


@pytest.mark.parametrize("model", ["semi_managed", "fully_managed"])
def test_a_platform_seller_has_only_platform_traffic_and_no_repeat_buyer(model):
    p, result, _ = year(model)
    assert result.funnel.channels == ("platform",)
    assert result.funnel.sessions.sum() > 10_000
    assert result.funnel.ad_spend.sum() == 0
    owned = [CHANNELS.index(c) for c in OWNED_CHANNELS]
    assert not np.isin(result.orders.channel, owned).any()
    assert (result.orders.channel == CHANNELS.index("platform")).all()
    assert result.orders.is_new.all()  # the platform keeps the customer


def test_semi_managed_pays_commission_and_unit_fees_and_no_card_fee():
    p, result, _ = year("semi_managed")
    o = result.orders
    charged = o.gross_sales - o.discount
    units = units_per_order(result)
    # 15% commission, rounded to the cent, plus $3.00 fulfilment and $0.40 warehousing a unit
    expected = (2 * charged * 15 + 100) // 200 + units.astype(np.int64) * 340
    assert (o.platform_fee == expected).all()
    assert o.platform_fee.sum() > 0.2 * charged.sum()
    assert o.payment_fee.sum() == 0  # the platform takes the payment
    assert o.shipping_cost.sum() == 0  # and ships it


def test_fully_managed_books_the_wholesale_price_and_pays_warehousing_only():
    p, result, _ = year("fully_managed")
    o, lines = result.orders, result.lines
    wholesale = dict(zip(range(len(p.catalogue)), p.catalogue.prices_cents, strict=True))
    assert (lines.unit_price == np.array([wholesale[i] for i in lines.product])).all()
    # the wholesale price is 1.3x cost (rounded up to .99), far from the shopper's price
    markup = np.array(p.catalogue.prices_cents) / np.array(p.catalogue.unit_costs_cents)
    assert 1.25 < markup.mean() < 1.5
    assert (o.platform_fee == units_per_order(result).astype(np.int64) * 40).all()
    assert o.payment_fee.sum() == 0


@pytest.mark.parametrize("model", ["semi_managed", "fully_managed"])
def test_the_payout_comes_weeks_after_the_sale(model):
    p, result, real = year(model)
    cashed = real.cash_at >= 0
    lag_days = (real.cash_at[cashed] - result.orders.placed_at[cashed]) / engine.DAY
    door_days = (result.orders.delivered_at - result.orders.placed_at)[cashed] / engine.DAY
    assert (lag_days >= door_days + 30).all()  # 30 days after delivery, on a weekly cycle
    assert 38 <= lag_days.mean() <= 52  # hb2b: ~45 days after the sale
    # Before then the seller has sold but holds no cash.
    month_after = engine.day_ordinal(START) * engine.DAY + 31 * engine.DAY
    early = realisation.realise_orders(p, result.orders, month_after)
    assert (early.cash_at >= 0).sum() == 0 < (result.orders.placed_at < month_after).sum()


def test_shopper_price_is_the_platforms_markup_over_the_wholesale_price():
    assert ledger.shopper_price(Decimal("10.99"), Decimal("1.6")) == Decimal("17.58")
    assert ledger.shopper_price(Decimal("10.99"), Decimal("0")) == Decimal("10.99")


# --- Storefront: a listing on the platform --------------------------------------------------


@pytest.fixture
def semi(make_store):
    return make_store("semi_managed", name="Lumen Test")


@pytest.fixture
def full(make_store):
    return make_store("fully_managed", name="Loom Test")


def test_the_home_page_is_a_listing_on_the_platform_not_the_stores_theme(client, semi):
    response = client.get(semi.get_absolute_url())
    page = response.content.decode()
    assert response.status_code == 200
    assert f"Sold on {PLATFORM_NAME} by <strong>Lumen Test</strong>" in page
    assert f"--primary: {semi.primary_colour}" not in page  # not the store's own theme
    assert 'class="cart-link"' not in page and "Find my order" not in page
    top = semi.products.order_by("-popularity", "title").first()
    assert top.title in page and top.get_absolute_url() in page
    assert reverse("storefront:cart", kwargs={"slug": semi.slug}) not in page


def test_every_listing_link_opens_its_item_page(client, semi):
    page = client.get(semi.get_absolute_url()).content.decode()
    products = list(semi.products.order_by("-popularity", "title")[:24])
    for product in products:
        assert product.get_absolute_url() in page
    response = client.get(products[-1].get_absolute_url())
    item = response.content.decode()
    assert response.status_code == 200
    assert products[-1].title in item and "Buying happens on " + PLATFORM_NAME in item
    assert 'action="' + reverse("storefront:cart_add", kwargs={"slug": semi.slug}) not in item
    # the listing's second page and the catalogue URL render the listing too
    assert client.get(semi.get_absolute_url() + "?page=2").status_code == 200
    catalogue = client.get(reverse("storefront:catalogue", kwargs={"slug": semi.slug}))
    assert catalogue.status_code == 200 and f"Sold on {PLATFORM_NAME}" in catalogue.text


def test_a_fully_managed_item_shows_the_platforms_price_and_the_wholesale_price(client, full):
    product = full.products.order_by("-popularity").first()
    item = client.get(product.get_absolute_url()).content.decode()
    shopper = ledger.shopper_price(product.price, full.platform_retail_markup)
    assert shopper > product.price
    assert f"${shopper}" in item  # what the shopper pays
    assert f"paid its wholesale price, <strong>${product.price}</strong>" in item
    assert f"{PLATFORM_NAME} sets the price" in item


@pytest.mark.parametrize("name", ["cart", "checkout", "lookup"])
def test_cart_checkout_and_lookup_say_the_platform_takes_the_orders(client, semi, name):
    response = client.get(reverse(f"storefront:{name}", kwargs={"slug": semi.slug}))
    assert response.status_code == 200
    assert "the platform takes the orders and the payment" in response.text
    assert semi.get_absolute_url() in response.text  # a way back to the listings


def test_posting_to_the_cart_or_checkout_is_refused_and_writes_nothing(client, semi):
    product = semi.products.first()
    slug = {"slug": semi.slug}
    added = client.post(reverse("storefront:cart_add", kwargs=slug), {"product": product.pk})
    placed = client.post(reverse("storefront:checkout", kwargs=slug), {"email": "a@b.example"})
    assert added.status_code == placed.status_code == 409
    assert "Nothing was added to a cart" in added.text
    assert not Order.objects.exists()
    assert not any(k.startswith("cart") for k, _ in client.session.items())


def test_the_checkout_service_refuses_a_platform_seller(semi):
    product = semi.products.first()
    with pytest.raises(CheckoutError, match="sold on " + PLATFORM_NAME):
        place_order(
            semi,
            [RequestedLine(product_id=product.pk, quantity=1)],
            email="ann@example.com",
            address=ShippingAddress("Ann", "1 Main St", "Springfield", "12345", "US", "+1 555"),
            payment_method="card",
            channel=Channel.PLATFORM,
        )
    assert not Order.objects.exists()


def test_a_visit_to_the_listing_counts_as_platform_traffic_whatever_the_link(client, semi):
    client.get(semi.get_absolute_url() + "?utm_source=facebook&utm_medium=cpc")
    rows = DailyFunnel.objects.filter(store=semi, source=Source.SHOPPER)
    assert [(r.channel, r.sessions) for r in rows] == [(Channel.PLATFORM, 1)]


def test_the_index_offers_no_tagged_links_for_a_platform_seller(client, semi):
    page = client.get("/").content.decode()
    assert f"A listing on {PLATFORM_NAME}" in page
    assert f"{semi.get_absolute_url()}?utm_source=facebook" not in page


# --- Figures: beside the independent stores -------------------------------------------------


@pytest.fixture
def simulated(make_store):
    general = make_store("general", slug="indie")
    semi = make_store("semi_managed", slug="semi")
    full = make_store("fully_managed", slug="full")
    run = services.create_run(days=90, seed=3, stores=[general, semi, full])
    services.run_in_process(run)
    return general, semi, full


def compare_json() -> dict[str, dict]:
    out = io.StringIO()
    call_command("compare", "--format", "json", stdout=out)
    return {s["slug"]: s for s in json.loads(out.getvalue())["stores"]}


def test_compare_shows_platform_fees_and_no_paid_cac_for_a_platform_seller(simulated):
    records = compare_json()
    semi, full, indie = records["semi"], records["full"], records["indie"]
    assert Decimal(semi["platform_fees"]) > Decimal("0.2") * Decimal(semi["net_sales"])
    assert Decimal(full["platform_fees"]) > 0
    assert indie["platform_fees"] == "0.00"
    assert semi["platform_fees"] == semi["platform_fee"]
    for record in (semi, full):
        assert record["payment_fee"] == "0.00" and record["ad_spend"] == "0.00"
        assert record["cac"] is None and record["roas"] is None  # n/a, not 0
        assert record["cash_lag_days"] > 38  # paid ~45 days after the sale
    assert indie["cac"] is not None and indie["cash_lag_days"] < 4
    # the last six weeks' sales have not been paid out yet
    assert Decimal(semi["cash_collected"]) < Decimal("0.7") * Decimal(semi["net_sales"])


def test_a_platform_sellers_orders_come_only_through_the_platform(simulated):
    _, semi, full = simulated
    for store in (semi, full):
        channels = set(Order.objects.filter(store=store).values_list("channel", flat=True))
        assert channels == {Channel.PLATFORM}
        assert not Order.objects.filter(store=store, is_new_customer=False).exists()


def test_the_compare_table_has_a_platform_fees_column_with_a_dash_for_cac(simulated):
    out = io.StringIO()
    call_command("compare", stdout=out)
    headers = [line for line in out.getvalue().splitlines() if line.startswith("store ")]
    assert any("platform fees" in header for header in headers)
    comparison = metrics.compare_stores(list(simulated))
    semi_row = comparison.row("semi")
    assert semi_row.cac is None and semi_row.platform_fees > 0


def test_fully_managed_revenue_is_the_wholesale_price(simulated):
    _, _, full = simulated
    order = Order.objects.filter(store=full).prefetch_related("lines__product").first()
    for line in order.lines.all():
        assert line.unit_price == line.product.price  # wholesale, not the shopper's price
        assert line.unit_price < line.product.shopper_price
    totals = sum((ln.unit_price * ln.quantity for ln in order.lines.all()), Decimal(0))
    assert order.gross_sales == totals


def test_the_dashboard_shows_platform_fees_and_no_paid_cac_beside_independent_stores(
    staff_client, simulated
):
    html = staff_client.get(reverse("dashboard:compare")).content.decode()
    rows = {
        label: row
        for row in re.findall(r"<tr.*?</tr>", html, flags=re.S)
        for label in ("Platform fees", "Paid CAC")
        if f">{label}<" in row or f">{label} <" in row or label in row.split("</th>")[0]
    }
    semi = metrics.compare_stores(list(simulated)).row("semi")
    assert money(semi.platform_fees) in rows["Platform fees"]
    cells = re.findall(r"<td.*?</td>", rows["Paid CAC"], flags=re.S)
    assert len(cells) == 3 and sum("–" in c for c in cells) == 2  # the two platform sellers
    assert "$0.00" not in rows["Paid CAC"]


# --- Configuration ------------------------------------------------------------------------------


def test_a_platform_seller_cannot_be_given_ads_email_or_direct_traffic_of_its_own(make_store):
    from django.core.exceptions import ValidationError

    from stores.models import StoreChannel

    semi = make_store("semi_managed")
    for channel in sorted(OWNED_CHANNELS):
        extra = StoreChannel(store=semi, channel=channel, daily_sessions=100)
        with pytest.raises(ValidationError) as caught:
            extra.full_clean()
        assert f"{PLATFORM_NAME} allocates all of a platform seller's traffic" in str(caught.value)
    # Platform traffic is a platform seller's alone.
    general = make_store("general")
    with pytest.raises(ValidationError, match="managed platform seller's alone"):
        StoreChannel(store=general, channel=Channel.PLATFORM, daily_sessions=100).full_clean()
    # The presets' own channels pass.
    for store in (semi, general):
        for channel in store.channels.all():
            channel.full_clean()
    assert not semi.channels.filter(channel__in=OWNED_CHANNELS).exists()
