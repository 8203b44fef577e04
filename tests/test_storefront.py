"""Storefront pages: every path, the htmx cart, model-specific pages, funnel counts, query counts."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from stores.models import Channel, DailyFunnel, Product, Source
from stores.services import funnel
from stores.services.funnel import channel_for

HX = {"HTTP_HX_REQUEST": "true"}


def url(name: str, store, **kwargs) -> str:
    return reverse(f"storefront:{name}", kwargs={"slug": store.slug, **kwargs})


def shopper_row(store, channel: str = Channel.DIRECT) -> DailyFunnel:
    return DailyFunnel.objects.get(
        store=store, channel=channel, source=Source.SHOPPER, run__isnull=True
    )


@pytest.fixture
def general(make_store):
    return make_store("general")


# --- Index and home pages ---------------------------------------------------------------------


def test_index_lists_active_stores_and_links_admin_and_dashboard(client, make_store):
    shown = make_store("general", name="Open Shop")
    make_store("pod", name="Closed Shop", is_active=False, with_catalogue=False)
    page = client.get("/").content.decode()
    assert "Open Shop" in page and shown.get_absolute_url() in page
    assert "Closed Shop" not in page
    assert reverse("admin:index") in page and 'href="/dashboard/"' in page
    assert f"{shown.get_absolute_url()}?utm_source=facebook&amp;utm_medium=cpc" in page


def test_home_shows_theme_tagline_banner_and_popular_products(client, general):
    response = client.get(general.get_absolute_url())
    page = response.content.decode()
    assert response.status_code == 200
    assert general.tagline in page and general.banner_text in page
    assert f"--primary: {general.primary_colour}" in page
    top = general.products.order_by("-popularity").first()
    assert top.title in page


def test_inactive_store_answers_404_on_every_page(client, make_store):
    store = make_store("general", is_active=False)
    product = store.products.first()
    for path in (
        url("home", store),
        url("catalogue", store),
        url("product", store, product=product.slug),
        url("cart", store),
        url("checkout", store),
        url("lookup", store),
    ):
        assert client.get(path).status_code == 404, path
    added = client.post(url("cart_add", store), {"product": product.pk, "quantity": 1})
    assert added.status_code == 404
    assert not DailyFunnel.objects.filter(store=store).exists()


def test_unknown_store_and_product_answer_404(client, general):
    assert client.get("/s/no-such-store/").status_code == 404
    assert client.get(url("product", general, product="no-such-thing")).status_code == 404


# --- Catalogue --------------------------------------------------------------------------------


def test_catalogue_paginates_hundreds_of_skus(client, general):
    total = general.products.count()
    assert total > 100
    first = client.get(url("catalogue", general))
    assert first.context["page"].paginator.count == total
    assert len(first.context["page"].object_list) == 24
    last_page = first.context["page"].paginator.num_pages
    last = client.get(url("catalogue", general), {"page": last_page})
    assert len(last.context["page"].object_list) == total - 24 * (last_page - 1)
    # A page number out of range shows the last page rather than an error.
    assert client.get(url("catalogue", general), {"page": 9999}).status_code == 200


def test_catalogue_filters_by_category_and_search(client, general):
    category = general.products.values_list("category", flat=True).first()
    page = client.get(url("catalogue", general), {"category": category}).context["page"]
    assert page.paginator.count == general.products.filter(category=category).count()
    assert all(p.category == category for p in page.object_list)

    word = general.products.first().title.split()[-1]
    found = client.get(url("catalogue", general), {"q": word}).context["page"]
    assert found.paginator.count >= 1
    assert all(word.lower() in (p.title + p.category).lower() for p in found.object_list)
    none = client.get(url("catalogue", general), {"q": "zzzz-nothing"})
    assert "No products match" in none.content.decode()


@pytest.mark.parametrize(
    ("sort", "key", "reverse_order"),
    [("price_asc", "price", False), ("price_desc", "price", True), ("name", "title", False)],
)
def test_catalogue_sorts(client, general, sort, key, reverse_order):
    items = list(client.get(url("catalogue", general), {"sort": sort}).context["page"])
    values = [getattr(p, key) for p in items]
    assert values == sorted(values, reverse=reverse_order)


def test_catalogue_htmx_returns_only_the_results_fragment(client, general):
    response = client.get(url("catalogue", general), {"q": "a"}, **HX)
    page = response.content.decode()
    assert page.lstrip().startswith('<div id="results"')
    assert "<html" not in page
    assert response["Vary"] and "HX-Request" in response["Vary"]


def test_catalogue_ignores_a_bogus_sort(client, general):
    assert client.get(url("catalogue", general), {"sort": "'; drop"}).status_code == 200


# --- Product pages, by model ------------------------------------------------------------------


def test_product_page_shows_price_and_delivery_estimate(client, general):
    product = general.products.first()
    response = client.get(product.get_absolute_url())
    page = response.content.decode()
    assert product.title in page and f"${product.price}" in page
    low = general.handling_days_min + general.delivery_days_min
    high = general.handling_days_max + general.delivery_days_max
    assert f"({low}-{high} days)" in page


def test_dropship_estimate_is_the_supplier_lead_time_then_transit(client, make_store):
    store = make_store("dropship")
    product = store.products.exclude(supplier_lead_days=None).first()
    page = client.get(product.get_absolute_url()).content.decode()
    low = product.supplier_lead_days + store.delivery_days_min
    high = product.supplier_lead_days + store.delivery_days_max
    assert f"({low}-{high} days)" in page
    assert f"Ships from our supplier in {product.supplier_lead_days} day" in page


def test_single_product_home_is_a_landing_page_with_bundles_and_faq(client, make_store):
    store = make_store("single_product")
    page = client.get(store.get_absolute_url()).content.decode()
    hero = store.products.get(bundle_quantity=1)
    assert hero.title in page
    for bundle in store.products.filter(bundle_quantity__gt=1):
        assert f"Add {bundle.bundle_quantity}-pack" in page
    assert "Best value" in page and "<details>" in page
    row = shopper_row(store)
    assert (row.sessions, row.product_views) == (1, 1)  # the landing page shows the product


def test_without_its_single_unit_a_landing_page_claims_no_saving_a_pack_does_not_make(
    client, make_store
):
    # With the single unit off sale the 2-pack leads the page, and it claimed to save its whole
    # price against itself ("save $59.98" on the 2-pack).
    store = make_store("single_product")
    store.products.filter(bundle_quantity=1).update(is_active=False)
    two, three = store.products.filter(bundle_quantity__gt=1).order_by("bundle_quantity")[:2]

    page = client.get(store.get_absolute_url()).content.decode()

    blocks = page.split('<div class="bundle')[1:]
    two_pack = next(b for b in blocks if "<h3>2-pack</h3>" in b)
    three_pack = next(b for b in blocks if "<h3>3-pack</h3>" in b)
    assert "save" not in two_pack
    saving = (two.price / 2 * three.bundle_quantity - three.price).quantize(Decimal("0.01"))
    assert f"save ${saving}</strong>" in three_pack


def test_cod_store_defaults_to_cash_on_delivery(client, make_store):
    store = make_store("cod")
    product = store.products.filter(stock__gt=0).first()
    client.post(url("cart_add", store), {"product": product.pk, "quantity": 1})
    form = client.get(url("checkout", store)).context["form"]
    assert form["payment_method"].value() == "cod"


def test_pod_preview_escapes_and_validates_text(client, make_store):
    store = make_store("pod")
    product = store.products.first()
    preview = url("preview", store, product=product.slug)
    ok = client.get(preview, {"text": "Best Dad & Co", "colour": "red"}, **HX).content.decode()
    assert "Best Dad &amp; Co" in ok and "#c62828" in ok
    bad = client.get(preview, {"text": "<script>alert(1)</script>", "colour": "red"}, **HX)
    page = bad.content.decode()
    assert "<script>" not in page and "may not contain" in page
    long = client.get(preview, {"text": "x" * 41, "colour": "red"}, **HX).content.decode()
    assert "40 characters or fewer" in long


# --- Cart -------------------------------------------------------------------------------------


def test_add_to_cart_without_javascript_redirects_to_the_cart(client, general):
    product = general.products.filter(stock__gt=2).first()
    response = client.post(url("cart_add", general), {"product": product.pk, "quantity": 2})
    assert response.status_code == 302 and response["Location"] == url("cart", general)
    cart = client.get(url("cart", general))
    assert product.title in cart.content.decode()
    assert f"${product.price * 2}" in cart.content.decode()


def test_htmx_add_returns_a_fragment_and_updates_the_cart_count(client, general):
    product = general.products.filter(stock__gt=2).first()
    response = client.post(url("cart_add", general), {"product": product.pk, "quantity": 2}, **HX)
    page = response.content.decode()
    assert response.status_code == 200 and "<html" not in page
    assert f"Added {product.title}" in page
    assert 'hx-swap-oob="true"' in page and '<span class="cart-count">2</span>' in page


def test_htmx_change_quantity_and_remove(client, general):
    a, b = general.products.filter(stock__gt=5)[:2]
    client.post(url("cart_add", general), {"product": a.pk, "quantity": 1})
    client.post(url("cart_add", general), {"product": b.pk, "quantity": 1})
    updated = client.post(url("cart_update", general), {"line": str(a.pk), "quantity": 3}, **HX)
    page = updated.content.decode()
    assert page.lstrip().startswith('<section id="cart"')
    assert f"${a.price * 3 + b.price}" in page
    # Keyboard focus returns to the changed row's quantity, and the change is read out.
    assert f'data-focus="qty-{a.pk}"' in page
    assert f'data-announce="{a.title}: quantity 3. Your cart has 4 items, total $' in page
    removed = client.post(url("cart_remove", general), {"line": str(a.pk)}, **HX)
    page = removed.content.decode()
    assert f'id="qty-{a.pk}"' not in page and f'id="qty-{b.pk}"' in page
    assert 'data-focus="cart-heading"' in page
    assert f'data-announce="Removed {a.title}. Your cart has 1 item, total $' in page
    # Quantity 0 removes the line too.
    client.post(url("cart_update", general), {"line": str(b.pk), "quantity": 0})
    assert "Your cart is empty" in client.get(url("cart", general)).content.decode()


def test_cart_update_and_remove_work_without_javascript(client, general):
    a = general.products.filter(stock__gt=5).first()
    client.post(url("cart_add", general), {"product": a.pk, "quantity": 1})
    response = client.post(url("cart_update", general), {"line": str(a.pk), "quantity": 4})
    assert response.status_code == 302
    assert client.get(url("cart", general)).context["cart"].count == 4
    client.post(url("cart_remove", general), {"line": str(a.pk)})
    assert client.get(url("cart", general)).context["cart"].count == 0


@pytest.mark.parametrize("quantity", [0, -1, 11, 1000, "two"])
def test_out_of_bounds_quantity_is_refused_with_a_message(client, general, quantity):
    product = general.products.filter(stock__gt=20).first()
    response = client.post(url("cart_add", general), {"product": product.pk, "quantity": quantity})
    assert response.status_code == 400
    assert "quantity between 1 and 10" in response.content.decode() or "whole number" in (
        response.content.decode()
    )
    assert client.get(url("cart", general)).context["cart"].count == 0


def test_cart_update_refuses_quantity_above_the_bound(client, general):
    product = general.products.filter(stock__gt=20).first()
    client.post(url("cart_add", general), {"product": product.pk, "quantity": 1})
    response = client.post(url("cart_update", general), {"line": str(product.pk), "quantity": 99})
    assert response.status_code == 400 and "between 0 and 10" in response.content.decode()
    assert client.get(url("cart", general)).context["cart"].count == 1


def test_product_of_another_store_cannot_go_in_the_cart(client, general, make_store):
    other = make_store("pod").products.first()
    response = client.post(url("cart_add", general), {"product": other.pk, "quantity": 1})
    assert response.status_code == 400
    assert "not sold by this store" in response.content.decode()
    htmx = client.post(url("cart_add", general), {"product": other.pk, "quantity": 1}, **HX)
    assert "not sold by this store" in htmx.content.decode()
    assert client.get(url("cart", general)).context["cart"].count == 0
    assert not DailyFunnel.objects.filter(store=general, adds_to_cart__gt=0).exists()


def test_cannot_add_more_than_in_stock(client, general):
    product = general.products.filter(stock__gt=0, stock__lt=9).first()
    response = client.post(
        url("cart_add", general), {"product": product.pk, "quantity": product.stock + 1}
    )
    assert response.status_code == 400 and f"Only {product.stock} left" in (
        response.content.decode()
    )


def test_cannot_raise_a_cart_quantity_above_the_stock(client, general):
    # Adding checked the stock but changing the quantity in the cart did not: 9 of an item with
    # 3 left sat in the cart until checkout refused it, after the address was typed.
    product = general.products.filter(stock__gt=0, stock__lt=9).first()
    client.post(url("cart_add", general), {"product": product.pk, "quantity": 1})

    response = client.post(
        url("cart_update", general), {"line": str(product.pk), "quantity": product.stock + 1}
    )

    assert response.status_code == 400
    assert escape(f"Only {product.stock} left of {product.title}") in response.content.decode()
    assert client.get(url("cart", general)).context["cart"].count == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("<script>alert(1)</script>", "may not contain"),
        ('"><img src=x onerror=alert(1)>', "may not contain"),
        ("x" * 41, "40 characters or fewer"),
        ("", "Enter the text to print"),
        ("tab\there", "control characters"),
    ],
)
def test_pod_bad_customisation_is_refused(client, make_store, text, message):
    store = make_store("pod")
    product = store.products.first()
    response = client.post(
        url("cart_add", store),
        {"product": product.pk, "quantity": 1, "text": text, "colour": "red"},
    )
    assert response.status_code == 400 and message in response.content.decode()
    assert client.get(url("cart", store)).context["cart"].count == 0


def test_pod_colour_must_be_from_the_palette(client, make_store):
    store = make_store("pod")
    product = store.products.first()
    response = client.post(
        url("cart_add", store),
        {"product": product.pk, "quantity": 1, "text": "Hi", "colour": "url(javascript:x)"},
    )
    assert response.status_code == 400 and "print colours offered" in response.content.decode()


def test_pod_choices_are_kept_per_line(client, make_store):
    store = make_store("pod")
    product = store.products.first()
    for text in ("Anna", "Ben"):
        client.post(
            url("cart_add", store),
            {"product": product.pk, "quantity": 1, "text": text, "colour": "navy"},
        )
    lines = client.get(url("cart", store)).context["cart"].lines()
    assert [line.customization["text"] for line in lines] == ["Anna", "Ben"]


def test_forms_carry_csrf_tokens_and_posts_without_one_are_refused(general):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    product = general.products.filter(stock__gt=0).first()
    page = strict.get(product.get_absolute_url()).content.decode()
    assert "csrfmiddlewaretoken" in page and "X-CSRFToken" in page
    refused = strict.post(url("cart_add", general), {"product": product.pk, "quantity": 1})
    assert refused.status_code == 403


# --- Funnel tracking --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "medium", "referer", "channel"),
    [
        ("facebook", "cpc", "", Channel.PAID_SOCIAL),
        ("Instagram", "paid", "", Channel.PAID_SOCIAL),
        ("tiktok", "ppc", "", Channel.PAID_SOCIAL),
        ("google", "cpc", "", Channel.PAID_SEARCH),
        ("bing", "ppc", "", Channel.PAID_SEARCH),
        ("newsletter", "email", "", Channel.EMAIL),
        ("blogger", "influencer", "", Channel.REFERRAL),
        ("partner", "affiliate", "", Channel.REFERRAL),
        ("", "referral", "", Channel.REFERRAL),
        ("", "organic", "", Channel.ORGANIC_SEARCH),
        ("", "", "https://www.google.com/search?q=x", Channel.ORGANIC_SEARCH),
        ("", "", "https://example.org/", Channel.DIRECT),
        ("", "", "", Channel.DIRECT),
    ],
)
def test_channel_mapping(source, medium, referer, channel):
    assert channel_for(source, medium, referer) == channel


def test_a_visit_counts_once_and_its_steps_once(client, general):
    product = general.products.filter(stock__gt=5).first()
    client.get(general.get_absolute_url())
    client.get(product.get_absolute_url())
    client.get(product.get_absolute_url())
    client.post(url("cart_add", general), {"product": product.pk, "quantity": 1})
    client.post(url("cart_add", general), {"product": product.pk, "quantity": 1})
    client.get(url("checkout", general))
    row = shopper_row(general)
    assert (row.sessions, row.product_views, row.adds_to_cart, row.reached_checkout) == (1, 1, 1, 1)
    assert row.converted == 0


def test_tagged_links_put_visits_in_their_channels(client, general):
    from django.test import Client

    client.get(general.get_absolute_url(), {"utm_source": "facebook", "utm_medium": "cpc"})
    Client().get(general.get_absolute_url(), {"utm_medium": "email"})
    Client().get(general.get_absolute_url())
    assert shopper_row(general, Channel.PAID_SOCIAL).sessions == 1
    assert shopper_row(general, Channel.EMAIL).sessions == 1
    assert shopper_row(general, Channel.DIRECT).sessions == 1


def test_the_channel_sticks_for_the_visit(client, general):
    client.get(general.get_absolute_url(), {"utm_source": "facebook", "utm_medium": "cpc"})
    client.get(url("catalogue", general), {"utm_medium": "email"})
    client.get(general.products.first().get_absolute_url())
    row = shopper_row(general, Channel.PAID_SOCIAL)
    assert (row.sessions, row.product_views) == (1, 1)
    assert not DailyFunnel.objects.filter(store=general, channel=Channel.EMAIL).exists()


def test_thirty_minutes_idle_starts_a_new_session(general):
    session: dict = {}
    start = timezone.now()
    funnel.touch_visit(session, general.pk, now=start)
    funnel.touch_visit(session, general.pk, now=start + timedelta(minutes=29))
    assert shopper_row(general).sessions == 1
    funnel.touch_visit(session, general.pk, now=start + timedelta(minutes=29 + 31))
    assert shopper_row(general).sessions == 2
    # Steps are counted again in the new visit.
    funnel.record_step(session, general.pk, funnel.PRODUCT_VIEW, now=start + timedelta(hours=1))
    funnel.record_step(session, general.pk, funnel.PRODUCT_VIEW, now=start + timedelta(hours=1))
    assert shopper_row(general).product_views == 1


def test_a_later_step_implies_the_earlier_ones(general):
    session: dict = {}
    funnel.touch_visit(session, general.pk)
    funnel.record_step(session, general.pk, funnel.ADD_TO_CART)
    row = shopper_row(general)
    assert (row.product_views, row.adds_to_cart, row.reached_checkout) == (1, 1, 0)


def test_funnel_counts_leave_synthetic_rows_alone(general):
    day = timezone.localdate()
    DailyFunnel.objects.create(
        store=general, date=day, channel=Channel.DIRECT, source=Source.SYNTHETIC, sessions=50
    )
    funnel.touch_visit({}, general.pk)
    synthetic = DailyFunnel.objects.get(store=general, source=Source.SYNTHETIC)
    assert synthetic.sessions == 50 and shopper_row(general).sessions == 1


# --- Query counts -----------------------------------------------------------------------------


def _queries(client, path: str, **extra) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, **extra)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _grow(store, extra: int) -> None:
    base = store.products.first()
    Product.objects.bulk_create(
        Product(
            store=store,
            title=f"Extra item {i}",
            slug=f"extra-item-{i}",
            category=f"Extra {i % 7}",
            price=Decimal("9.99"),
            unit_cost=Decimal("3.00"),
            stock=5,
            supplier_lead_days=base.supplier_lead_days,
        )
        for i in range(extra)
    )


@pytest.mark.parametrize("preset", ["general", "dropship", "pod"])
def test_page_query_counts_do_not_grow_with_the_catalogue(client, make_store, preset):
    store = make_store(preset)
    product = store.products.first()
    client.get(store.get_absolute_url())  # start the visit: counted pages then write nothing
    client.post(url("cart_add", store), {"product": product.pk, "quantity": 1, "text": "Hi"})
    paths = [
        store.get_absolute_url(),
        url("catalogue", store),
        url("catalogue", store) + "?q=e&sort=price_asc",
        product.get_absolute_url(),
        url("cart", store),
        url("checkout", store),
    ]
    for path in paths:  # first visits count funnel steps (writes); measure the pages after
        client.get(path)
    before = {path: _queries(client, path) for path in paths}
    _grow(store, 300)
    after = {path: _queries(client, path) for path in paths}
    assert after == before
    assert max(after.values()) <= 12


def write_queries(queries) -> list[str]:
    return [
        q["sql"]
        for q in queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE", "REPLACE"))
    ]


@pytest.mark.parametrize("page", ["product", "home", "catalogue", "cart", "landing"])
def test_a_returning_shoppers_page_view_writes_nothing(client, make_store, page):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    store = make_store("single_product" if page == "landing" else "general")
    product = store.products.filter(is_active=True).first()
    path = {
        "product": product.get_absolute_url(),
        "home": store.get_absolute_url(),
        "catalogue": url("catalogue", store),
        "cart": url("cart", store),
        "landing": store.get_absolute_url(),
    }[page]
    with CaptureQueriesContext(connection) as first:
        client.get(path)  # the visit starts: its session and the funnel counts are written
    assert write_queries(first.captured_queries)

    with CaptureQueriesContext(connection) as again:
        response = client.get(path)

    assert response.status_code == 200
    assert write_queries(again.captured_queries) == []


# --- Order lookup: worded for a lookup, and throttled ------------------------------------------


def test_order_lookup_is_throttled_per_browser_with_a_clear_message(client, general):
    from stores.throttle import LOOKUP_PER_SESSION

    guess = {"number": "EVERYTHI-AAAAAA", "email": "someone@example.com"}
    for _ in range(LOOKUP_PER_SESSION.attempts):
        assert client.post(url("lookup", general), guess).status_code == 404

    throttled = client.post(url("lookup", general), guess)

    page = throttled.content.decode()
    assert throttled.status_code == 429
    assert "Too many attempts to find an order from this browser" in page
    assert re.search(r"Please wait ([1-9]|10) minutes? and try again", page)
    # Another shopper (another session) is not held back by this one's guesses.
    from django.test import Client

    assert Client().post(url("lookup", general), guess).status_code == 404


def test_order_lookup_is_throttled_per_address_across_sessions(client, general, monkeypatch):
    from django.test import Client

    from stores import throttle

    monkeypatch.setattr(throttle, "LOOKUP_PER_ADDRESS", throttle.Limit(3, 600))
    guess = {"number": "X-1", "email": "someone@example.com"}
    for _ in range(3):
        assert Client().post(url("lookup", general), guess).status_code == 404
    assert Client().post(url("lookup", general), guess).status_code == 429


def test_the_lookup_page_does_not_thank_anyone(client, general):
    page = client.get(url("lookup", general)).content.decode()
    assert "Thank you" not in page and "<h1>Find my order</h1>" in page


# --- Favicon, pictures, search -----------------------------------------------------------------


def test_every_page_links_a_favicon_that_exists(client, general):
    from django.contrib.staticfiles import finders

    for path in ("/", general.get_absolute_url(), url("cart", general), "/admin/login/"):
        page = client.get(path).content.decode()
        href = re.search(r'<link rel="icon" href="([^"]+)"', page)
        assert href, path
    assert href[1].endswith("favicon.svg") and finders.find("favicon.svg")
    assert client.get("/favicon.ico").status_code in (301, 302)


def test_product_pictures_are_drawn_per_product_on_every_page(client, make_store):
    store = make_store("general")
    products = list(store.products.order_by("-popularity")[:3])
    home = client.get(store.get_absolute_url()).content.decode()
    client.post(url("cart_add", store), {"product": products[0].pk, "quantity": 1})
    pages = [
        home,
        client.get(url("catalogue", store)).content.decode(),
        client.get(products[0].get_absolute_url()).content.decode(),
        client.get(url("cart", store)).content.decode(),
    ]
    for page in pages:
        assert '<svg class="picture' in page and '<div class="thumb" aria-hidden' not in page
    # Each product its own picture: its name is drawn in it, colours differ between products.
    pictures = re.findall(r'<svg class="picture".*?</svg>', home, re.S)
    assert len(set(pictures)) == len(pictures) >= 3
    assert products[0].title.split()[0] in pictures[0]


def test_a_search_that_is_not_text_is_refused_next_to_the_box(client, general):
    response = client.get(url("catalogue", general), {"q": "\x1b[2J"})
    page = response.content.decode()
    assert response.status_code == 400
    assert 'aria-describedby="search-error"' in page and 'id="search-error"' in page
    assert "Search: Remove the control characters" in page


def test_pod_offers_only_print_colours_readable_on_the_blank(client, make_store):
    from stores import contrast
    from stores.forms import POD_BLANK, PRINT_COLOURS

    store = make_store("pod")
    product = store.products.first()
    page = client.get(product.get_absolute_url()).content.decode()
    offered = re.findall(r'name="colour" value="(\w+)"', page)
    assert offered and "white" not in offered and "gold" not in offered
    for key in offered:
        assert contrast.ratio(PRINT_COLOURS[key][1], POD_BLANK) >= 3
    assert "<legend>Print colour" in page
    refused = client.post(
        url("cart_add", store),
        {"product": product.pk, "quantity": 1, "text": "Hi", "colour": "gold"},
    )
    assert refused.status_code == 400 and "Choose one of the print colours offered" in (
        refused.content.decode()
    )


def test_a_refused_print_text_renders_a_valid_list(client, make_store):
    store = make_store("pod")
    product = store.products.first()
    preview = client.get(
        url("preview", store, product=product.slug), {"text": "<b>", "colour": "red"}
    )
    html = preview.content.decode()
    assert re.search(r'<div class="field-errors" id="custom-errors" role="alert"><ul><li>', html)


def test_a_uae_store_shows_dirhams_that_add_up_and_keeps_its_books_in_dollars(client, make_store):
    from decimal import Decimal

    from stores import markets

    store = make_store("cod")
    a, b = store.products.filter(stock__gte=3).order_by("pk")[:2]
    client.post(reverse("storefront:cart_add", args=[store.slug]), {"product": a.pk, "quantity": 2})
    client.post(reverse("storefront:cart_add", args=[store.slug]), {"product": b.pk, "quantity": 1})

    page = client.get(reverse("storefront:cart", args=[store.slug])).content.decode()

    aed = markets.presentment("AE")
    assert aed.per_usd == Decimal("3.6725")  # the dirham's peg
    unit_a, unit_b = aed.convert(a.price), aed.convert(b.price)
    assert aed.text(unit_a) in page and aed.text(unit_a * 2) in page
    assert aed.text(unit_a * 2 + unit_b) in page  # the total is the sum of the lines shown
    assert "$" not in page.split("<main")[1].split("</main>")[0]
    assert "books in USD" in page
    assert store.currency == "USD"  # margins still compare across stores on the dashboard


def test_presentment_currencies_round_to_their_minor_unit():
    from decimal import Decimal

    from stores import markets

    assert markets.presentment("US").text(Decimal("12.5")) == "$12.50"
    assert markets.presentment("ID").text(markets.presentment("ID").convert(Decimal("2"))) == (
        "Rp 31,700"
    )
    assert markets.presentment("XX") is markets.USD  # an unknown market shows the books' dollars
