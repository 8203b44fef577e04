"""In Chromium: a trainer opens the dashboard, changes a filter, sees the table change, downloads CSV."""

import csv
import io

import pytest
from playwright.sync_api import Page, expect

from tests.test_metrics import DAY1, _funnel, shop  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def trainer(django_user_model):
    return django_user_model.objects.create_superuser("coach", "coach@example.com", "pw-test-9")


def _log_in(page: Page, live_server) -> None:
    page.goto(live_server.url + "/admin/login/?next=/dashboard/")
    page.fill("#id_username", "coach")
    page.fill("#id_password", "pw-test-9")
    page.click("input[type=submit]")
    expect(page.locator("#results")).to_be_visible()


def test_filter_swaps_the_table_and_the_csv_follows_the_filter(
    shop,  # noqa: F811
    make_store,
    trainer,
    page: Page,
    live_server,
    tmp_path,
):
    other = make_store("cod", with_catalogue=False, slug="souq", name="Souq")
    _funnel(other, DAY1, "paid_social", "synthetic", sessions=700, converted=20, adds_to_cart=60)
    _log_in(page, live_server)
    sessions = page.locator('#kpi-table tr[data-metric="sessions"] td .value')
    expect(sessions.first).to_have_text("400")
    page.evaluate("document.body.dataset.marker = 'kept'")  # a full reload would drop this

    page.select_option("select[name=channel]", "paid_social")

    expect(sessions.first).to_have_text("100")
    expect(sessions.nth(1)).to_have_text("700")
    assert page.evaluate("document.body.dataset.marker") == "kept"  # only #results was swapped
    assert "channel=paid_social" in page.url  # the filter is in the address, ready to share

    with page.expect_download() as download_info:
        page.click("text=Table CSV")
    path = tmp_path / "table.csv"
    download_info.value.save_as(path)
    rows = {r["slug"]: r for r in csv.DictReader(io.StringIO(path.read_text("utf-8-sig")))}
    assert rows["hand"]["sessions"] == "100" and rows["souq"]["sessions"] == "700"


def test_bad_filter_in_the_address_shows_the_reason(trainer, page: Page, live_server):
    _log_in(page, live_server)
    page.goto(live_server.url + "/dashboard/?date_from=yesterday")
    expect(page.locator(".bad-request")).to_contain_text("date_from")
