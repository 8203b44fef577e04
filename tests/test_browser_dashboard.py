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


@pytest.fixture
def ten_stores(make_store):
    """Ten stores with a simulated month, two of each demo model."""
    from stores import services

    stores = [
        make_store(key, slug=f"{key.replace('_', '-')}-{n}", name=f"{key.title()} store {n}")
        for n in (1, 2)
        for key in ("general", "dropship", "cod", "pod", "single_product")
    ]
    run = services.create_run(days=30, seed=5, stores=stores)
    services.run_in_process(run)
    return stores


def numbers_that_misfit(page: Page) -> list[str]:
    """The presentation table's numbers that wrap over two lines or run out of their cell (a
    fixed layout once broke "39,154.7|0" in two, then let a wide one run under its neighbour)."""
    return page.evaluate(
        """() => [...document.querySelectorAll('.present-table td .value')].filter(v => {
            const cell = v.closest('td').getBoundingClientRect(), r = v.getBoundingClientRect();
            return v.getClientRects().length > 1 || r.left < cell.left || r.right > cell.right;
        }).map(v => v.textContent)"""
    )


def _readable_presentation(page: Page, width: int, height: int) -> None:
    """No sideways scrolling, and no text on the table smaller than 16 px."""
    page.set_viewport_size({"width": width, "height": height})
    page.wait_for_timeout(100)
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{overflow}px of sideways scrolling at {width}x{height}"
    misfits = numbers_that_misfit(page)
    assert misfits == [], f"numbers broken or spilling at {width}x{height}: {misfits}"
    smallest = page.evaluate(
        """() => Math.min(...[...document.querySelectorAll(
            '.present-table th, .present-table td, .present-table td *, .present-table caption,'
            + ' .present-table th *, .selection, .legend li')]
          .filter(e => e.textContent.trim() && e.getClientRects().length)
          .map(e => parseFloat(getComputedStyle(e).fontSize)))"""
    )
    assert smallest >= 16, f"text of {smallest}px at {width}x{height}"


@pytest.mark.parametrize("count", [5, 10])
def test_presentation_mode_fits_a_projector_without_sideways_scrolling(
    ten_stores, trainer, page: Page, live_server, tmp_path, count
):
    _log_in(page, live_server)
    slugs = "&".join(f"stores={s.slug}" for s in ten_stores[:count])
    page.goto(f"{live_server.url}/dashboard/?present=1&baseline={ten_stores[0].slug}&{slugs}")
    rows = page.locator(".present-table tbody tr")
    expect(rows).to_have_count(count)
    expect(page.locator(".present-table thead th")).to_have_count(1 + 4)  # the default metrics
    for width, height in ((1024, 768), (1920, 1080)):
        _readable_presentation(page, width, height)
        page.screenshot(path=str(tmp_path / f"present-{count}-{width}.png"), full_page=True)
    # The charts draw at most five stores unless the trainer picks, and say so.
    labels = page.locator(".chart-grid .chart").first.locator("text.end-label")
    expect(labels).to_have_count(min(count, 5))


def test_presentation_metrics_and_baseline_are_remembered(
    ten_stores, trainer, page: Page, live_server
):
    _log_in(page, live_server)
    first, second = ten_stores[0].slug, ten_stores[1].slug
    page.goto(f"{live_server.url}/dashboard/?baseline={second}&show=net_sales&show=aov")
    page.goto(f"{live_server.url}/dashboard/?present=1")  # nothing named: the remembered ones
    expect(page.locator(".present-table thead th")).to_have_text(
        ["Store", "Average order value", "Net sales"]
    )
    expect(page.locator(".present-table .tag.base")).to_have_count(1)
    baseline_row = page.locator(".present-table tbody tr", has=page.locator(".tag.base"))
    expect(baseline_row).to_contain_text(ten_stores[1].name)
    assert first != second
