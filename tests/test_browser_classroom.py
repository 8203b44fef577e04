"""In Chromium: a whole small training session. The trainer creates it from a scenario with two
teams; both teams set their decisions on their own pages (one value out of bounds is refused
with a message); a trainee orders from the team's store with cash on delivery; the trainer
closes two rounds (a real Celery worker simulates them) and reveals the leaderboard; the
trainee's order gets its outcome on the session's clock; the debrief shows the ranking.

The beat is a thread of this process here (each second, as Celery beat with LIVE_TICK_SECONDS
1 would): test_classroom_pipeline.py runs the real beat.
"""

from __future__ import annotations

import re
import threading

import pytest
from django.db import connection
from playwright.sync_api import Page, expect

from stores.leaderboard import build_leaderboard
from stores.models import Order, OrderStatus, Source, TrainingSession
from stores.services import classroom as sessions
from tests.test_browser_dashboard import numbers_that_misfit
from tests.test_pipeline import thread_worker  # noqa: F401  (a fixture; broker: conftest's)

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def open_page(browser):
    """Pages in contexts of their own, all closed when the test ends: a team's page left open
    goes on polling the shared live server through every later test."""
    contexts = []

    def open_(**options):
        context = browser.new_context(**options)
        contexts.append(context)
        return context.new_page()

    yield open_
    for context in contexts:
        context.close()


@pytest.fixture
def beat():
    stop = threading.Event()

    def run() -> None:
        try:
            while not stop.wait(1.0):
                sessions.tick_sessions()
        finally:
            connection.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join(timeout=30)


def log_in(page: Page, base: str) -> None:
    page.goto(base + "/admin/login/?next=/classroom/")
    page.fill("#id_username", "coach")
    page.fill("#id_password", "pw-test-9")
    page.click("input[type=submit]")


def decide(page: Page, link: str, values: dict[str, str]) -> None:
    page.goto(link)
    for name, value in values.items():
        field = page.locator(f"[name='{name}']")
        if field.first.get_attribute("type") == "radio":
            page.check(f"input[name='{name}'][value='{value}']")
        elif field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    page.click("#save-decisions")


def test_a_whole_small_session_from_creation_to_debrief(
    django_user_model,
    thread_worker,  # noqa: F811
    beat,
    open_page,
    live_server,
):
    django_user_model.objects.create_superuser("coach", "coach@example.com", "pw-test-9")
    trainer = open_page(viewport={"width": 1280, "height": 900})
    trainer.set_default_timeout(20_000)
    log_in(trainer, live_server.url)

    # The trainer creates the session from a scenario, two teams, two seconds a day.
    trainer.select_option("#id_scenario", "cod_vs_prepaid")
    trainer.fill("#id_name", "Friday workshop")
    trainer.fill("#id_teams", "2")
    trainer.fill("#id_seconds_per_day", "2")
    trainer.fill("#id_round_days", "3")
    trainer.click("text=Create and start")
    session = TrainingSession.objects.get(name="Friday workshop")
    expect(trainer).to_have_url(f"{live_server.url}/classroom/{session.pk}/")
    links = [a.get_attribute("href") for a in trainer.locator(".team-card p a").all()]
    links = [link for link in links if "/team/" in link]
    assert len(links) == 2

    team_a = open_page(viewport={"width": 390, "height": 844})
    team_b = open_page(viewport={"width": 1280, "height": 900})
    for page in (team_a, team_b):
        page.set_default_timeout(20_000)

    # Team A decides; team B tries a markup out of bounds first.
    decide(team_a, links[0], {"markup": "2.60", "courier": "express"})
    expect(team_a.locator(".messages")).to_contain_text("Decisions for round 1 saved")
    decide(team_b, links[1], {"markup": "9"})
    expect(team_b.locator("#error-summary")).to_contain_text("9 is out of bounds")
    expect(team_b.locator("#error-summary")).to_contain_text("Markup")
    decide(team_b, links[1], {"markup": "2.20", "cod": "off"})
    expect(team_b.locator(".messages")).to_contain_text("saved")

    # A trainee of team A orders from the team's store, cash on delivery.
    team_a.goto(links[0])
    team_a.click("#store-link")
    product = team_a.locator(".product-card a").first
    product.click()
    team_a.locator(".add-form button[type=submit]").click()
    expect(team_a.locator("#add-result")).to_contain_text("Added")
    team_a.goto(team_a.url.split("/p/")[0] + "/checkout/")
    team_a.fill("#id_email", "trainee@example.com")
    team_a.fill("#id_name", "Trainee A")
    team_a.fill("#id_address", "1 Main Street")
    team_a.fill("#id_city", "Dubai")
    team_a.fill("#id_phone", "+971 50 123 4567")
    team_a.check("input[name=payment_method][value=cod]")
    team_a.click("button:has-text('Place order')")
    team_a.click("button:has-text('Confirm order')")
    expect(team_a.locator("h1")).to_contain_text("Thank you")
    order = Order.objects.get(source=Source.SHOPPER)
    assert order.store.team.session == session
    assert order.placed_date >= session.sim_origin.date()

    # Round 1, then round 2 (team A switches COD off, team B keeps its decisions).
    trainer.goto(f"{live_server.url}/classroom/{session.pk}/")
    trainer.click("#close-round")
    expect(trainer.locator("#live")).to_contain_text("Round 2: open for decisions", timeout=60_000)
    decide(team_a, links[0], {"cod": "off"})
    trainer.reload()
    trainer.click("#close-round")
    expect(trainer.locator("#live")).to_contain_text("Round 3: open for decisions", timeout=60_000)
    trainer.click("#reveal")

    # The leaderboard, on the trainer's page and the teams': the ranking the figures give.
    board = build_leaderboard(TrainingSession.objects.get(pk=session.pk))
    expected = [s.team.name for s in board.standings]
    trainer.reload()
    names = trainer.locator("#leaderboard tbody th").all_inner_texts()
    assert names == expected
    team_b.goto(links[1])
    assert team_b.locator("#leaderboard tbody th").all_inner_texts() == expected
    expect(team_b.locator("#my-rounds tbody tr")).to_have_count(2)

    # The projector at 1024 x 768: every figure whole, on one line, in its own column.
    projector = open_page(viewport={"width": 1024, "height": 768})
    log_in(projector, live_server.url)
    projector.goto(f"{live_server.url}/classroom/{session.pk}/screen/")
    expect(projector.locator(".present-table tbody tr")).to_have_count(2)
    assert numbers_that_misfit(projector) == []
    assert projector.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    projector.close()

    # The trainee's order meets its planned outcome as the session's days pass.
    order.refresh_from_db()
    planned = order.get_planned_outcome_display()
    row = trainer.locator("#trainee-orders tr", has_text=order.number)
    expect(row.locator("td").nth(3)).to_have_text(planned, timeout=60_000)
    order.refresh_from_db()
    assert order.status == order.planned_outcome
    if order.planned_outcome == OrderStatus.REFUSED:
        assert order.refund == order.gross_sales and order.return_shipping_cost > 0

    # The end: the debrief ranks the teams as the leaderboard does, and reads the rounds.
    trainer.click("#end-session")
    expect(trainer).to_have_url(re.compile(rf"/classroom/{session.pk}/debrief/$"))
    final = build_leaderboard(TrainingSession.objects.get(pk=session.pk))
    assert trainer.locator("#leaderboard tbody th").all_inner_texts() == [
        s.team.name for s in final.standings
    ]
    expect(trainer.locator("#reading")).to_contain_text(
        f"{final.standings[0].team.name} finished first"
    )
    expect(trainer.locator("#reading")).to_contain_text("Round 2:")
    expect(trainer.locator("#rounds tbody tr")).to_have_count(4)


@pytest.mark.skipif(
    not __import__("os").environ.get("DOCS_SCREENSHOTS"),
    reason="set DOCS_SCREENSHOTS=docs/screenshots to retake docs/classroom.md's pictures",
)
def test_docs_screenshots(django_user_model, open_page, live_server):
    """docs/classroom.md's screenshots: DOCS_SCREENSHOTS=docs/screenshots make test
    PYTEST_ARGS='-k docs_screenshots'."""
    import os
    from decimal import Decimal
    from pathlib import Path

    from stores.services import checkout

    out = Path(os.environ["DOCS_SCREENSHOTS"])
    session = sessions.create_session(
        name="Thursday workshop", scenario="cod_vs_prepaid", teams=3, seed=4, traffic_scale=10
    )
    sessions.start_session(session)
    a, b, c = session.teams.select_related("store").order_by("pk")
    session = sessions.step(session, 1.4)
    sessions.advance_session(session)
    session = sessions.pause(session)
    django_user_model.objects.create_superuser("coach", "coach@example.com", "pw-test-9")
    trainer = open_page(viewport={"width": 1366, "height": 900})
    log_in(trainer, live_server.url)
    trainer.goto(f"{live_server.url}/classroom/{session.pk}/screen/")
    trainer.screenshot(path=str(out / "classroom-projector-first-hours.png"), full_page=True)

    sessions.record_decision(a, {"markup": Decimal("2.8"), "cod_call": True})
    sessions.record_decision(b, {"cod": False, "courier": "express"})
    product = a.store.products.filter(is_active=True, stock__gt=0).first()
    checkout.place_order(
        a.store,
        [checkout.RequestedLine(product_id=product.pk, quantity=1)],
        email="trainee@example.com",
        address=checkout.ShippingAddress("T", "1 Road", "Dubai", "0", phone="+971 50 1"),
        payment_method="cod",
        channel="direct",
    )
    sessions.simulate_round(sessions.close_round(session).pk)
    session = sessions.step(session, 2)
    sessions.advance_session(session)
    sessions.record_decision(c, {"paid_social.daily_budget": Decimal("250")})
    sessions.simulate_round(sessions.close_round(session).pk)
    sessions.set_leaderboard(session, True)
    session = sessions.pause(session)
    trainer.goto(f"{live_server.url}/classroom/{session.pk}/")
    trainer.screenshot(path=str(out / "classroom-trainer.png"), full_page=True)
    trainer.goto(f"{live_server.url}/classroom/{session.pk}/screen/")
    trainer.screenshot(path=str(out / "classroom-projector.png"), full_page=True)
    phone = open_page(viewport={"width": 390, "height": 844}, is_mobile=True)
    phone.goto(f"{live_server.url}/team/{c.code}/")
    phone.fill("[name=markup]", "9")
    phone.click("#save-decisions")
    phone.screenshot(path=str(out / "classroom-team-phone.png"), full_page=True)
    sessions.end_session(session)
    trainer.goto(f"{live_server.url}/classroom/{session.pk}/debrief/")
    trainer.screenshot(path=str(out / "classroom-debrief.png"), full_page=True)
