"""axe-core on the training layer's pages (experiments, a scenario's debrief with its shocks,
the admin's shock and scenario forms), at the three viewports of test_browser_accessibility."""

from __future__ import annotations

from datetime import date

import pytest

from stores import services
from stores.models import Store
from stores.services import experiments
from stores.services.scenarios import start_scenario
from tests.test_browser_accessibility import VIEWPORTS, violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_no_wcag_violation_on_the_training_pages(browser, live_server, django_user_model, viewport):
    services.seed_demo_stores()
    cod = Store.objects.get(business_model="cod")
    sweep = experiments.create_sweep(
        cod, param="delivery_days_max", values=["2", "6"], replications=2, days=30, seed=1,
        start_date=date(2025, 1, 6),
    )  # fmt: skip
    experiments.run_experiment_in_process(sweep)
    started = start_scenario("cod_vs_prepaid", seed=1, prefix="A11y")
    services.run_in_process(started.run)
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
        for label, path in [
            ("experiments", "/dashboard/experiments/"),
            ("a sweep", f"/dashboard/experiments/{sweep.pk}/"),
            ("a scenario's debrief", f"/scenarios/{started.pk}/"),
            ("the comparison with shocks", f"/dashboard/?run={started.run.pk}"),
            ("start a scenario (admin)", "/admin/stores/scenariorun/start/"),
        ]:
            page.goto(live_server.url + path)
            for summary in page.locator("details summary:visible").all():
                summary.click()
            found.extend(violations(page, label))
        # The admin's "Apply a shock" form: the action on a ticked store.
        page.goto(live_server.url + "/admin/stores/store/")
        page.locator(f"input[name=_selected_action][value='{cod.pk}']").check()
        page.select_option("select[name=action]", "apply_shock")
        page.locator("button[name=index], input[name=index]").first.click()
        found.extend(violations(page, "apply a shock (admin)"))
    finally:
        context.close()
    assert found == [], f"{viewport}:\n" + "\n".join(found)
