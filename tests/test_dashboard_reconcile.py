"""On a real simulated run, every dashboard total equals the sums over the order and funnel rows."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import F
from django.urls import reverse

from stores import metrics
from stores import services as simulation
from stores.models import DailyFunnel, Order, RunStatus, RunStoreDay, SimulationRun
from stores.simulation.ledger import ORDER_COST_LINES


@pytest.fixture
def simulated(make_store):
    stores = [
        make_store("general", slug="sim-general"),
        make_store("cod", slug="sim-cod"),
        make_store("dropship", slug="sim-drop"),
    ]
    run = simulation.create_run(days=14, seed=11, stores=stores, chunk_days=7)
    simulation.run_in_process(run)
    return run, stores


def _order_sums(store, run) -> dict:
    orders = list(Order.objects.filter(store=store, run=run))
    sums = {c: sum((getattr(o, c) for o in orders), Decimal("0")) for c in ORDER_COST_LINES}
    sums["orders"] = len(orders)
    sums["gross_sales"] = sum((o.gross_sales for o in orders), Decimal("0"))
    sums["net_sales"] = sum((o.net_sales for o in orders), Decimal("0"))
    sums["order_contribution"] = sum((o.order_contribution for o in orders), Decimal("0"))
    return sums


def test_totals_reconcile_with_orders_and_funnel_rows_to_the_cent(simulated):
    run, stores = simulated
    comparison = metrics.compare_stores(stores, run=run)

    total_orders = 0
    for store in stores:
        row = comparison.row(store.slug)
        sums = _order_sums(store, run)
        funnel = list(DailyFunnel.objects.filter(store=store, run=run))
        total_orders += sums["orders"]

        assert row.orders == sums["orders"]
        assert row.gross_sales == sums["gross_sales"]
        assert row.net_sales == sums["net_sales"]
        for column in ORDER_COST_LINES:
            assert getattr(row, column) == sums[column], (store.slug, column)
        assert row.sessions == sum(f.sessions for f in funnel)
        assert row.converted == sum(f.converted for f in funnel)
        assert row.ad_spend == sum((f.ad_spend for f in funnel), Decimal("0"))
        spend = sum((f.ad_spend + f.other_cost for f in funnel), Decimal("0"))
        assert row.contribution == sums["order_contribution"] - spend
        assert sum(p.net_sales for p in comparison.daily if p.slug == store.slug) == row.net_sales
        assert sum(p.contribution for p in comparison.daily if p.slug == store.slug) == (
            row.contribution
        )
    assert total_orders > 50  # the run really wrote orders


def test_dashboard_json_shows_the_same_reconciled_totals(simulated, staff_client):
    run, stores = simulated
    response = staff_client.get(
        reverse("dashboard:export", args=["table", "json"]), {"run": str(run.pk)}
    )

    records = {r["slug"]: r for r in response.json()["stores"]}
    assert set(records) == {s.slug for s in stores}
    for store in stores:
        sums = _order_sums(store, run)
        assert records[store.slug]["orders"] == sums["orders"]
        assert records[store.slug]["net_sales"] == str(sums["net_sales"].quantize(Decimal("0.01")))


def test_a_finished_runs_summary_gives_the_figures_of_its_funnel_rows(simulated):
    from stores.models import RunStoreDay, RunStoreWeek

    run, stores = simulated
    run.refresh_from_db()
    assert run.summarised_at is not None  # written with the run's last chunk
    assert RunStoreDay.objects.filter(run=run).count() == 14 * len(stores)
    weeks = {
        d - timedelta(days=d.weekday())
        for d in (run.start_date + timedelta(days=i) for i in range(14))
    }
    assert RunStoreWeek.objects.filter(run=run).count() == len(weeks) * len(stores)

    fast = metrics.comparison_records(metrics.compare_stores(stores, run=run, baseline="sim-cod"))
    run.summarised_at = None  # the same comparison over the run's DailyFunnel rows
    slow = metrics.comparison_records(metrics.compare_stores(stores, run=run, baseline="sim-cod"))
    assert fast == slow
    by_week = metrics.compare_stores(stores, run=run, series="week")
    run.refresh_from_db()
    weekly = metrics.compare_stores(stores, run=run, series="week")
    assert metrics.comparison_records(weekly) == metrics.comparison_records(by_week)
    assert metrics.daily_records(weekly) == metrics.daily_records(by_week)
    # Dates that cut a week read the daily summary: still the same figures.
    cut = {"date_from": run.start_date + timedelta(days=2), "series": "week"}
    fast = metrics.compare_stores(stores, run=run, **cut)
    run.summarised_at = None
    assert metrics.comparison_records(fast) == metrics.comparison_records(
        metrics.compare_stores(stores, run=run, **cut)
    )


def test_a_finished_run_s_comparison_is_kept_as_a_copy_and_never_stale(
    simulated, django_assert_num_queries
):
    run, stores = simulated
    first = metrics.compare_stores(stores, run=run, baseline="sim-cod")
    with django_assert_num_queries(0):  # the same selection again: no query
        again = metrics.compare_stores(stores, run=run, baseline="sim-cod")
    assert metrics.comparison_records(again) == metrics.comparison_records(first)
    again.rows[0].name = "changed by a view"  # what a caller does to its copy stays there
    assert metrics.compare_stores(stores, run=run, baseline="sim-cod").rows[0].name != (
        "changed by a view"
    )
    # Another selection is computed afresh; a store's edit (its name) shows at once.
    assert metrics.compare_stores(stores, run=run).baseline is None
    stores[0].name = "Renamed store"
    stores[0].save()
    renamed = metrics.compare_stores(stores, run=run, baseline="sim-cod")
    assert renamed.rows[0].name == "Renamed store"


def test_a_running_run_is_read_afresh_each_time(simulated):
    run, stores = simulated
    SimulationRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING)
    run.refresh_from_db()
    before = metrics.compare_stores(stores, run=run).rows[0].orders
    DailyFunnel.objects.filter(run=run, store=stores[0]).update(orders=F("orders") + 1)
    RunStoreDay.objects.filter(run=run, store=stores[0]).update(orders=F("orders") + 1)
    assert metrics.compare_stores(stores, run=run).rows[0].orders > before
