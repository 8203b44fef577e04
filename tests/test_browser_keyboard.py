"""A keyboard-only purchase in each demo store: Tab, Enter, typing and arrow keys, no mouse.

Each walk adds an item, changes its quantity in the cart, fails the checkout once, fixes it
and places the order, checking where focus lands and what the live regions read out, and that
the focus ring reaches 3:1 against the page in the store's theme.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from stores import contrast, services
from stores.models import Order, Store

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MAX_TABS = 120


def focused(page: Page) -> dict:
    return page.evaluate(
        """() => { const e = document.activeElement; const s = getComputedStyle(e);
          return {id: e.id, tag: e.tagName.toLowerCase(), text: (e.innerText || e.value || '').trim(),
                  name: e.getAttribute('name'), href: e.getAttribute('href'),
                  outline: s.outlineStyle, width: parseFloat(s.outlineWidth), colour: s.outlineColor}; }"""
    )


def tab_to(page: Page, selector: str, *, backwards: bool = False) -> dict:
    """Press Tab until the element matching `selector` has focus (as a keyboard user would)."""
    for _ in range(MAX_TABS):
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return focused(page)
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
    raise AssertionError(f"Tab never reached {selector}")


def hex_of(css: str) -> str:
    r, g, b = (int(x) for x in re.findall(r"\d+", css)[:3])
    return f"#{r:02x}{g:02x}{b:02x}"


def assert_visible_ring(page: Page, against: tuple[str, ...] = (contrast.PAGE, contrast.CARD)):
    """The focused element's outline: drawn, at least 2 px, and 3:1 against what is around it
    (the page and the cards, or a coloured band)."""
    ring = focused(page)
    assert ring["outline"] != "none" and ring["width"] >= 2, ring
    colour = hex_of(ring["colour"])
    for background in against:
        assert contrast.ratio(colour, background) >= 3, (colour, background, ring)


def type_into(page: Page, selector: str, text: str) -> None:
    tab_to(page, selector)
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


@pytest.fixture
def demo(live_server):
    services.seed_demo_stores()
    return {s.business_model: s for s in Store.objects.all()}


@pytest.mark.parametrize("model", ["general", "dropship", "cod", "pod", "single_product"])
def test_keyboard_only_purchase(page: Page, live_server, demo, model):
    store = demo[model]
    page.goto(f"{live_server.url}/s/{store.slug}/")

    if model == "general":
        # Live search: the result count is read out.
        type_into(page, "#home-q", "lamp")
        page.keyboard.press("Enter")
        expect(page.locator("h1")).to_have_text("Shop all")
        type_into(page, "#q", "lamp")
        expect(page.locator("#live-status")).to_have_text(
            re.compile(r"^\d+ products? matching “lamp”$")
        )
    if model == "single_product":
        tab_to(page, ".landing-hero button[type=submit]")
        assert_visible_ring(page, against=(store.primary_colour,))  # on the hero band
        page.keyboard.press("Enter")
        expect(page.locator("#add-result")).to_contain_text("Added")
    else:
        # The first product that is in stock, reached with Tab.
        product = store.products.filter(is_active=True).exclude(stock=0)
        product = product.order_by("-popularity").first()
        if model == "general":
            page.goto(f"{live_server.url}/s/{store.slug}/")
        tab_to(page, f".product-card a[href='{product.get_absolute_url()}']")
        assert_visible_ring(page)
        page.keyboard.press("Enter")
        expect(page.locator("h1")).to_have_text(product.title)
        if model == "pod":
            type_into(page, "#id_text", "Best Dad Ever")
            tab_to(page, "input[name=colour]:checked")
            page.keyboard.press("ArrowRight")  # the next readable print colour
            expect(page.locator("#preview .print")).to_have_text("Best Dad Ever")
        tab_to(page, ".add-form button[type=submit]")
        assert_visible_ring(page)
        page.keyboard.press("Enter")
        # The result is in a polite live region, with the cart's new count.
        expect(page.locator("#add-result")).to_contain_text("to your cart (1 item)")
    expect(page.locator("#cart-link .cart-count")).to_have_text("1")

    # The cart: change the quantity with the keyboard; focus stays on that row's quantity.
    tab_to(page, "#cart-link", backwards=True)
    page.keyboard.press("Enter")
    expect(page.locator("#cart-heading")).to_be_visible()
    quantity = tab_to(page, ".qty-form input[name=quantity]")
    page.keyboard.press("Control+A")
    page.keyboard.type("2")
    page.keyboard.press("Enter")
    expect(page.locator("#cart-link .cart-count")).to_have_text("2")
    expect(page.locator("#live-status")).to_contain_text("quantity 2. Your cart has 2 items")
    expect(page.locator(f"#{quantity['id']}")).to_be_focused()

    # A failed checkout: focus lands on the summary, the title says so, a link leads to the field.
    tab_to(page, "a.button.primary[href$='/checkout/']")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Checkout")
    tab_to(page, "button[type=submit].big")
    page.keyboard.press("Enter")
    expect(page.locator("#error-summary")).to_be_focused()
    assert page.title().startswith("Error: ")
    page.keyboard.press("Tab")
    assert focused(page)["href"] == "#id_email"
    page.keyboard.press("Enter")
    expect(page.locator("#id_email")).to_be_focused()

    page.keyboard.type("ann@example.com")
    type_into(page, "#id_name", "Ann Shopper")
    type_into(page, "#id_address", "1 Main Street")
    type_into(page, "#id_city", "Springfield")
    if store.market != "AE":
        type_into(page, "#id_postcode", "12345")
    type_into(page, "#id_phone", "+971 50 123 4567")
    if store.default_payment_method == "card":
        type_into(page, "#id_card_number", "4242 4242 4242 4242")
        type_into(page, "#id_card_expiry", "12/30")
        type_into(page, "#id_card_cvc", "123")
    tab_to(page, "button[type=submit].big")
    page.keyboard.press("Enter")
    if store.default_payment_method == "cod":
        expect(page.locator("h1")).to_contain_text("Confirm your cash-on-delivery order")
        tab_to(page, "button[type=submit].primary")
        page.keyboard.press("Enter")

    expect(page.locator("h1")).to_contain_text("Thank you")
    order = Order.objects.get()
    assert order.store == store and order.lines.get().quantity == 2


def test_on_a_phone_the_cart_keeps_its_headers_and_a_removal_moves_focus_to_the_heading(
    browser, live_server, demo
):
    store = demo["general"]
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    try:
        products = store.products.filter(stock__gte=3).order_by("-popularity")[:2]
        for product in products:
            page.goto(live_server.url + product.get_absolute_url())
            tab_to(page, ".add-form button[type=submit]")
            page.keyboard.press("Enter")
            expect(page.locator("#add-result")).to_contain_text("Added")
        page.goto(f"{live_server.url}/s/{store.slug}/cart/")
        # Screen readers still get the column headers; sighted users get each cell's label.
        for header in ("Item", "Price", "Quantity", "Total"):
            expect(page.get_by_role("columnheader", name=header)).to_have_count(1)
        expect(
            page.locator(".cart-table tbody tr").first.locator(".cell-label").first
        ).to_be_visible()
        assert (
            page.evaluate("getComputedStyle(document.querySelector('.cart-table thead')).display")
            != "none"
        )

        tab_to(page, ".cart-table button.link")
        page.keyboard.press("Enter")
        expect(page.locator("#cart-heading")).to_be_focused()
        expect(page.locator("#live-status")).to_contain_text(
            f"Removed {products[0].title}. Your cart has 1 item"
        )
    finally:
        context.close()
