"""End to end in a real Chromium: browse each model's store, use the htmx cart, pay, find the order.

Runs against pytest-django's live server (a real HTTP server on a thread) with the demo stores.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from stores import services
from stores.models import DailyFunnel, Order, Source, Store

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shop(page: Page, live_server):
    """The demo stores, and a helper that opens a path on the live server."""
    services.seed_demo_stores()

    def open_path(path: str) -> Page:
        page.goto(live_server.url + path)
        return page

    return open_path


def mark_page(page: Page) -> None:
    """A flag that survives htmx swaps but not a full page load."""
    page.evaluate("window.__noReload = true")


def still_same_page(page: Page) -> bool:
    return page.evaluate("window.__noReload === true")


def fill_address(page: Page, *, email: str = "ann@example.com") -> None:
    page.fill("#id_email", email)
    page.fill("#id_name", "Ann Shopper")
    page.fill("#id_address", "1 Main Street")
    page.fill("#id_city", "Springfield")
    page.fill("#id_postcode", "12345")
    page.fill("#id_phone", "+971 50 123 4567")


def pay_by_test_card(page: Page, number: str = "4242 4242 4242 4242") -> None:
    page.check("input[name=payment_method][value=card]")
    page.fill("#id_card_number", number)
    page.fill("#id_card_expiry", "12/30")
    page.fill("#id_card_cvc", "123")
    page.click("button:has-text('Place order')")


def placed_number(page: Page) -> str:
    expect(page.locator("h1")).to_contain_text("Thank you")
    return page.locator(".order-number").inner_text().strip()


def test_general_store_search_htmx_cart_and_card_checkout(shop, page: Page, live_server):
    store = Store.objects.get(slug="everything-emporium")
    shop(f"/s/{store.slug}/?utm_source=facebook&utm_medium=cpc")
    expect(page.locator(".store-header")).to_contain_text(store.name)

    page.click("text=See the whole catalogue")
    mark_page(page)
    page.fill("#q", "Lamp")
    expect(page.locator("#results .count")).to_contain_text("matching")
    assert still_same_page(page), "the search should swap results, not reload the page"
    titles = page.locator("#results .product-card .title").all_inner_texts()
    assert titles and all("lamp" in t.lower() for t in titles)

    page.locator("#results .product-card:not(:has(.stock.out)) a").first.click()
    product_title = page.locator("h1").inner_text()
    mark_page(page)
    page.fill("#id_quantity", "2")
    page.click("button:has-text('Add to cart')")
    expect(page.locator("#add-result")).to_contain_text(f"Added {product_title}")
    expect(page.locator("#cart-link .cart-count")).to_have_text("2")
    assert still_same_page(page)

    page.click("#cart-link")
    mark_page(page)
    quantity = page.locator(".qty-form input[name=quantity]").first
    quantity.fill("3")
    quantity.dispatch_event("change")
    expect(page.locator("#cart-link .cart-count")).to_have_text("3")
    total = page.locator("#cart-total").inner_text()
    assert still_same_page(page)

    page.click("text=Checkout")
    fill_address(page)
    expect(page.locator(".checkout-form")).to_contain_text("4242 4242 4242 4242")
    pay_by_test_card(page)
    number = placed_number(page)

    order = Order.objects.get(number=number)
    assert order.source == Source.SHOPPER and order.payment_method == "card"
    assert order.channel == "paid_social"
    assert f"${order.gross_sales}" == total
    row = DailyFunnel.objects.get(store=store, source=Source.SHOPPER, channel="paid_social")
    assert (row.sessions, row.product_views, row.adds_to_cart, row.converted) == (1, 1, 1, 1)


def test_declined_card_shows_a_message_and_places_nothing(shop, page: Page):
    shop("/s/trenddrop/")
    page.locator(".product-card:not(:has(.stock.out)) a").first.click()
    expect(page.locator(".facts")).to_contain_text("Ships from our supplier")
    page.click("button:has-text('Add to cart')")
    expect(page.locator("#add-result")).to_contain_text("Added")
    shop("/s/trenddrop/checkout/")
    fill_address(page)
    pay_by_test_card(page, "4000 0000 0000 0002")
    expect(page.locator(".msg.error")).to_contain_text("declined")
    assert not Order.objects.exists()
    pay_by_test_card(page)
    assert Order.objects.get(number=placed_number(page)).store.slug == "trenddrop"


def test_cod_store_checkout_with_confirmation_step(shop, page: Page):
    shop("/s/souq-express/")
    page.locator(".product-card:not(:has(.stock.out)) a").first.click()
    page.click("button:has-text('Add to cart')")
    expect(page.locator("#cart-link .cart-count")).to_have_text("1")
    page.click("#cart-link")
    page.click("text=Checkout")
    expect(page.locator("input[name=payment_method][value=cod]")).to_be_checked()
    expect(page.locator(".payment")).to_contain_text("COD fee")
    fill_address(page)
    page.click("button:has-text('Place order')")
    expect(page.locator("h1")).to_contain_text("Confirm your cash-on-delivery order")
    assert not Order.objects.exists()
    page.click("button:has-text('Confirm order')")
    order = Order.objects.get(number=placed_number(page))
    assert order.payment_method == "cod" and order.cash_collected_at is None


def test_pod_customiser_previews_live_and_keeps_the_text(shop, page: Page):
    shop("/s/inkwell-prints/")
    page.locator(".product-card:not(:has(.stock.out)) a").first.click()
    mark_page(page)
    page.fill("#id_text", "Best <b>Dad</b>")
    expect(page.locator("#preview")).to_contain_text("may not contain")
    page.fill("#id_text", "Best Dad Ever")
    page.check("input[name=colour][value=teal]")
    expect(page.locator("#preview .print")).to_have_text("Best Dad Ever")
    expect(page.locator("#preview .print")).to_have_attribute("style", re.compile("#00897b"))
    assert still_same_page(page)
    page.click("button:has-text('Add to cart')")
    expect(page.locator("#add-result")).to_contain_text("Added")
    shop("/s/inkwell-prints/checkout/")
    expect(page.locator(".summary")).to_contain_text("Best Dad Ever")
    fill_address(page)
    pay_by_test_card(page)
    order = Order.objects.get(number=placed_number(page))
    assert order.lines.get().customization["text"] == "Best Dad Ever"


def test_single_product_landing_bundle_checkout_and_admin(
    shop, page: Page, live_server, django_user_model
):
    shop("/s/postureup/")
    expect(page.locator(".faq details").first).to_be_visible()
    page.locator(".bundle.best button").click()
    expect(page.locator("#bundle-result")).to_contain_text("Added")
    page.click("#cart-link")
    page.click("text=Checkout")
    fill_address(page, email="trainee@example.com")
    pay_by_test_card(page)
    number = placed_number(page)

    # Find it again by number and email, in a fresh browser session.
    other = page.context.browser.new_context()
    lookup = other.new_page()
    lookup.goto(live_server.url + "/s/postureup/orders/find/")
    lookup.fill("#id_number", number)
    lookup.fill("#id_email", "trainee@example.com")
    lookup.click("button:has-text('Find order')")
    expect(lookup.locator(".order-number")).to_have_text(number)
    other.close()

    django_user_model.objects.create_superuser("trainer", "t@example.com", "pw-test-1")
    shop("/admin/login/")
    page.fill("#id_username", "trainer")
    page.fill("#id_password", "pw-test-1")
    page.click("input[type=submit]")
    shop(f"/admin/stores/order/?q={number}")
    expect(page.locator("#result_list")).to_contain_text(number)

    # The trainer's dashboard, shoppers only, outside runs: the visit is there.
    shop("/dashboard/?run=live&source=shopper&stores=postureup")
    expect(page.locator("tr[data-metric=sessions] .value").first).to_have_text("1")
    expect(page.locator("tr[data-metric=orders] .value").first).to_have_text("1")


def test_cart_works_without_javascript(browser, live_server, django_user_model):
    services.seed_demo_stores()
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/s/everything-emporium/")
    page.locator(".product-card:not(:has(.stock.out)) a").first.click()
    page.click("button:has-text('Add to cart')")
    expect(page.locator("h1")).to_have_text("Your cart")
    quantity = page.locator(".qty-form input[name=quantity]").first
    quantity.fill("2")
    page.locator(".qty-form button").first.click()
    expect(page.locator("#cart-link .cart-count")).to_have_text("2")
    page.click("button:has-text('Remove')")
    expect(page.locator("#cart")).to_contain_text("Your cart is empty")
    context.close()
