"""In Chromium: a trainer starts a sweep from the experiments page and sees its curve appear."""

from __future__ import annotations

import pytest
from celery.contrib.testing.worker import start_worker
from playwright.sync_api import Page, expect

from sandbox.celery import app
from stores.models import Experiment, RunStatus

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(clean_queue):
    with start_worker(
        app, pool="solo", concurrency=1, perform_ping_check=False, shutdown_timeout=30
    ):
        yield


def test_a_sweep_started_from_the_page_draws_its_curve(
    make_store, django_user_model, worker, page: Page, live_server
):
    make_store("cod", slug="souq", name="Souq", delivery_days_min=1)
    django_user_model.objects.create_superuser("coach", "coach@example.com", "pw-test-9")
    page.goto(live_server.url + "/admin/login/?next=/dashboard/experiments/")
    page.fill("#id_username", "coach")
    page.fill("#id_password", "pw-test-9")
    page.click("input[type=submit]")

    sweep = page.locator("#sweep-form")
    sweep.locator("select[name=store]").select_option("souq")
    sweep.locator("input[name=param]").fill("delivery_days_max")
    sweep.locator("input[name=values]").fill("1,6,12")
    sweep.locator("input[name=seeds]").fill("2")
    sweep.locator("input[name=days]").fill("45")
    sweep.locator("button[type=submit]").click()

    # The page follows the workers, then draws the curve with its band and marks the best value.
    expect(page.locator("#experiment-status .run-status")).to_be_visible()
    page.evaluate("document.body.dataset.marker = 'kept'")  # a full reload would drop this
    curve = page.locator("#experiment-chart svg.curve")
    expect(curve).to_be_visible(timeout=60_000)
    expect(curve.locator("polygon.band")).to_have_count(1)
    expect(curve.locator("circle.point")).to_have_count(3)
    expect(page.locator("#experiment-chart figcaption")).to_contain_text(
        "best delivery_days_max: 1"
    )
    assert page.evaluate("document.body.dataset.marker") == "kept"  # htmx swapped the fragment
    experiment = Experiment.objects.get()
    assert experiment.status == RunStatus.DONE and experiment.values == [1, 6, 12]

    # Another figure, the same curve: refusals climb with the days in transit.
    page.select_option("select[name=metric]", "cod_refusal_rate")
    expect(page.locator("#experiment-chart figcaption")).to_contain_text("COD refusal rate")
    expect(page.locator("#experiment-table tbody tr")).to_have_count(3)
