"""In Chromium: a trainer starts a scenario from the admin, a real Celery worker writes its
history, and the debrief page follows the run until it shows the reading."""

import pytest
from playwright.sync_api import Page, expect

from stores.models import ScenarioRun
from tests.test_pipeline import thread_worker  # noqa: F401  (a fixture; broker: conftest's)

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_trainer_starts_a_scenario_from_the_admin_and_reaches_its_debrief(
    django_user_model,
    thread_worker,  # noqa: F811
    page: Page,
    live_server,
):
    django_user_model.objects.create_superuser("coach", "coach@example.com", "pw-test-9")
    page.goto(live_server.url + "/admin/login/?next=/admin/stores/scenariorun/")
    page.fill("#id_username", "coach")
    page.fill("#id_password", "pw-test-9")
    page.click("input[type=submit]")

    page.click("text=Start a scenario")
    page.check("input[name=scenario][value=payout_hold]")
    page.fill("#id_seed", "7")
    page.fill("#id_prefix", "Room 4")
    page.click("input[type=submit]")

    started = ScenarioRun.objects.get()
    expect(page).to_have_url(f"{live_server.url}/scenarios/{started.pk}/")
    reading = page.locator("#reading")
    expect(reading).to_be_visible(timeout=90_000)  # the page reloads itself until the run is done
    expect(reading).to_contain_text("Room 4 DTC brand (control)")
    expect(reading).to_contain_text("Payment processor holds payouts hit Room 4 DTC brand (held)")
    expect(page.locator('#debrief-table tr[data-metric="cash_collected"] td')).to_have_count(2)
    expect(page.locator("#debrief-shocks")).to_contain_text("payout_days + 30")
