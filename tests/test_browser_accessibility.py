"""axe-core in a real Chromium: no WCAG 2.2 A/AA violation on any storefront page type of any
demo store, nor on the admin pages the project customises, at 1280 px, at 390 px (a phone) and
at 200% zoom (a 640 px wide window drawn at twice the pixel density, what a 1280 px window
shows at 200%).

One browser for the suite, one context per viewport; each store is shopped once per viewport
(product, cart, a failed checkout, the COD confirmation, the order) and every page on the way is
checked. docs/accessibility.md says what is covered and how to run it.
"""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from stores import services
from stores.models import Store

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
VIEWPORTS = {
    "1280px": {"viewport": {"width": 1280, "height": 900}},
    "390px": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
    "200% zoom": {"viewport": {"width": 640, "height": 450}, "device_scale_factor": 2},
}
AXE = Axe()


def violations(page: Page, label: str) -> list[str]:
    """Every WCAG A/AA violation axe finds on the page as it is now, one line each; plus
    reflow (1.4.10), which axe does not test: nothing may need scrolling sideways."""
    result = AXE.run(page, options=AXE_OPTIONS).response
    found = [
        f"{label}: {v['id']} ({v['impact']}) {v['help']} -> "
        + "; ".join(" ".join(node["target"]) for node in v["nodes"][:5])
        for v in result["violations"]
    ]
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    if width[0] > width[1] + 2:  # a pixel or two is rounding
        found.append(f"{label}: reflow: the page is {width[0]} px wide in a {width[1]} px window")
    found.extend(f"{label}: reflow: cut off at the side: {html}" for html in page.evaluate(CLIPPED))
    return found


# Controls that stick out sideways from a box that clips them (overflow hidden), or from the
# window: on a narrow screen part of them cannot be seen or reached. A box that scrolls (a wide
# data table in a scrolling region, which WCAG exempts from reflow) does not count.
CLIPPED = """() => [...document.querySelectorAll('a, button, input, select, textarea')]
  .filter(e => e.offsetParent !== null)
  .filter(e => {
    const r = e.getBoundingClientRect();
    if (r.width <= 1) return false;  // visually hidden text for screen readers
    for (let p = e.parentElement; p; p = p.parentElement) {
      const overflow = getComputedStyle(p).overflowX;
      if (overflow === 'auto' || overflow === 'scroll') return false;  // reachable by scrolling
      if (overflow !== 'hidden' && overflow !== 'clip') continue;
      const box = p.getBoundingClientRect();
      if (r.right > box.right + 1 || r.left < box.left - 1) return true;
    }
    return r.right > window.innerWidth + 1;
  })
  .map(e => e.outerHTML.slice(0, 100))"""


def fill_address(page: Page, market: str) -> None:
    page.fill("#id_email", "ann@example.com")
    page.fill("#id_name", "Ann Shopper")
    page.fill("#id_address", "1 Main Street")
    page.fill("#id_city", "Springfield")
    if market != "AE":
        page.fill("#id_postcode", "12345")
    page.fill("#id_phone", "+971 50 123 4567")


def shop_and_audit(page: Page, base: str, store: Store) -> list[str]:
    """Walk one store from its home page to a placed order, auditing each page type."""
    found: list[str] = []
    name = store.slug

    def check(label: str) -> None:
        found.extend(violations(page, f"{name} {label}"))

    page.goto(f"{base}/s/{store.slug}/")
    check("home" if store.business_model != "single_product" else "landing")
    if store.sells_on_platform:
        return found + platform_pages(page, base, store)
    if store.business_model != "single_product":
        page.goto(f"{base}/s/{store.slug}/catalogue/?q=a")
        check("catalogue")
    product = store.products.filter(is_active=True).exclude(stock=0).order_by("-popularity")[0]
    page.goto(f"{base}{product.get_absolute_url()}")
    if product.is_customizable:
        page.fill("#id_text", "Best Dad Ever")
        expect(page.locator("#preview .print")).to_have_text("Best Dad Ever")
    check("product")
    page.locator(".add-form button[type=submit]").click()
    expect(page.locator("#add-result")).to_contain_text("Added")
    page.goto(f"{base}/s/{store.slug}/cart/")
    check("cart")
    page.goto(f"{base}/s/{store.slug}/checkout/")
    page.click("button:has-text('Place order')")  # nothing filled in: every field refused
    expect(page.locator("#error-summary")).to_be_visible()
    check("checkout with errors")
    fill_address(page, store.market)
    if store.offers_cod:
        page.check("input[name=payment_method][value=cod]")
        page.click("button:has-text('Place order')")
        expect(page.locator("h1")).to_contain_text("Confirm your cash-on-delivery order")
        check("COD confirmation")
        page.click("button:has-text('Confirm order')")
    else:
        page.check("input[name=payment_method][value=card]")
        page.fill("#id_card_number", "4242 4242 4242 4242")
        page.fill("#id_card_expiry", "12/30")
        page.fill("#id_card_cvc", "123")
        page.click("button:has-text('Place order')")
    expect(page.locator("h1")).to_contain_text("Thank you")
    check("order confirmation")
    page.goto(f"{base}/s/{store.slug}/orders/find/")
    page.click("button:has-text('Find order')")  # refused: errors next to both fields
    check("lookup with errors")
    return found


def platform_pages(page: Page, base: str, store: Store) -> list[str]:
    """A managed platform's seller: its listing (audited as "home"), an item page, and the
    cart URL, which says the platform takes the orders. The links between them work."""
    found: list[str] = []
    product = store.products.filter(is_active=True).order_by("-popularity", "title")[0]
    page.click(f"a[href='{product.get_absolute_url()}']")
    expect(page.locator("h2")).to_contain_text("Buying happens on")
    found.extend(violations(page, f"{store.slug} platform item"))
    page.goto(f"{base}/s/{store.slug}/cart/")
    expect(page.locator("h1")).to_contain_text("No cart or checkout")
    found.extend(violations(page, f"{store.slug} platform cart"))
    page.click("text=listings")
    expect(page.locator("#sold-by")).to_contain_text(f"by {store.name}")
    return found


@pytest.fixture
def demo(live_server):
    services.seed_demo_stores()
    return list(Store.objects.order_by("name"))


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_no_wcag_violation_on_any_storefront_page_of_any_demo_store(
    browser, live_server, demo, viewport
):
    context = browser.new_context(**VIEWPORTS[viewport])
    page = context.new_page()
    page.set_default_timeout(15_000)
    missing: list[str] = []  # every request the pages make succeeds (the favicon included)
    page.on("response", lambda r: r.status == 404 and missing.append(r.url))
    found: list[str] = []
    try:
        page.goto(live_server.url + "/")
        found.extend(violations(page, "index"))
        for store in demo:
            found.extend(shop_and_audit(page, live_server.url, store))
    finally:
        context.close()
    assert found == [], f"{viewport}:\n" + "\n".join(found)
    assert missing == []


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_no_wcag_violation_on_the_customised_admin_pages(
    browser, live_server, demo, django_user_model, viewport
):
    django_user_model.objects.create_superuser("trainer", "t@example.com", "pw-test-1")
    context = browser.new_context(**VIEWPORTS[viewport])
    page = context.new_page()
    page.set_default_timeout(15_000)
    found: list[str] = []
    try:
        page.goto(live_server.url + "/admin/login/")
        page.fill("#id_username", "trainer")
        page.fill("#id_password", "pw-test-1")
        page.click("input[type=submit]")
        cod = next(s for s in demo if s.business_model == "cod")
        for label, path in [
            ("store list", "/admin/stores/store/"),
            ("store change page", f"/admin/stores/store/{cod.pk}/change/"),
            ("create from a preset", "/admin/stores/store/from-preset/"),
        ]:
            page.goto(live_server.url + path)
            found.extend(violations(page, label))
    finally:
        context.close()
    assert found == [], f"{viewport}:\n" + "\n".join(found)


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_no_wcag_violation_on_the_dashboard_pages(
    browser, live_server, demo, django_user_model, viewport
):
    """The comparison (a month of the demo stores, against a baseline), presentation mode, a
    store's drill-down (with its cash balance), its cohorts and the definitions; the charts'
    data tables opened too."""
    run = services.create_run(days=30, seed=3, stores=demo)
    services.run_in_process(run)
    django_user_model.objects.create_superuser("trainer", "t@example.com", "pw-test-1")
    context = browser.new_context(**VIEWPORTS[viewport])
    page = context.new_page()
    page.set_default_timeout(15_000)
    found: list[str] = []
    try:
        page.goto(live_server.url + "/admin/login/")
        page.fill("#id_username", "trainer")
        page.fill("#id_password", "pw-test-1")
        page.click("input[type=submit]")
        base = f"?run={run.pk}&baseline={demo[0].slug}"
        for label, path in [
            ("comparison", f"/dashboard/{base}"),
            ("presentation mode", f"/dashboard/{base}&present=1"),
            ("drill-down", f"/dashboard/store/{demo[1].slug}/?run={run.pk}"),
            ("cohorts", f"/dashboard/store/{demo[1].slug}/cohorts/?run={run.pk}"),
            ("definitions", "/dashboard/glossary/"),
        ]:
            page.goto(live_server.url + path)
            for summary in page.locator("details summary:visible").all():
                summary.click()  # the pickers and the charts' data tables, open
            found.extend(violations(page, label))
    finally:
        context.close()
    assert found == [], f"{viewport}:\n" + "\n".join(found)


def test_the_check_fails_on_a_page_with_a_violation(browser, live_server, demo):
    """The audit is not vacuous: an unlabelled input and a faint focus colour are caught."""
    context = browser.new_context(**VIEWPORTS["1280px"])
    page = context.new_page()
    try:
        page.goto(live_server.url + f"/s/{demo[0].slug}/")
        assert violations(page, "home") == []
        page.evaluate(
            """() => {
              document.querySelector('main').insertAdjacentHTML('afterbegin',
                '<input type="text" name="x"><p style="color:#ccc">faint text</p>');
            }"""
        )
        found = violations(page, "home")
    finally:
        context.close()
    assert any(" label " in line for line in found)
    assert any("color-contrast" in line for line in found)


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_no_wcag_violation_on_the_classroom_pages(
    browser, live_server, django_user_model, viewport
):
    """A session one round in: the trainer's sessions and control page, the projector, the
    debrief; a team's join page, its page and its decisions refused out of bounds."""
    from stores.services import classroom as sessions

    session = sessions.create_session(name="Audit", scenario="cod_vs_prepaid", teams=2, seed=2)
    sessions.start_session(session)
    sessions.advance_session(session)
    sessions.simulate_round(sessions.close_round(session).pk)
    sessions.set_leaderboard(session, True)
    team = session.teams.first()
    django_user_model.objects.create_superuser("trainer", "t@example.com", "pw-test-1")
    context = browser.new_context(**VIEWPORTS[viewport])
    page = context.new_page()
    page.set_default_timeout(15_000)
    found: list[str] = []
    try:
        for label, path in [
            ("team join", "/team/"),
            ("team page", f"/team/{team.code}/"),
        ]:
            page.goto(live_server.url + path)
            found.extend(violations(page, label))
        page.fill("[name=markup]", "9")
        page.click("#save-decisions")
        expect(page.locator("#error-summary")).to_be_visible()
        found.extend(violations(page, "team page with errors"))
        page.goto(live_server.url + "/admin/login/")
        page.fill("#id_username", "trainer")
        page.fill("#id_password", "pw-test-1")
        page.click("input[type=submit]")
        for label, path in [
            ("classroom", "/classroom/"),
            ("session control", f"/classroom/{session.pk}/"),
            ("projector", f"/classroom/{session.pk}/screen/"),
            ("session debrief", f"/classroom/{session.pk}/debrief/"),
        ]:
            page.goto(live_server.url + path)
            for summary in page.locator("details summary:visible").all():
                summary.click()
            found.extend(violations(page, label))
    finally:
        context.close()
    assert found == [], f"{viewport}:\n" + "\n".join(found)
