"""Customers who come back (issue 14): a pool of past buyers per store, repeat orders drawn from
it, owned traffic that grows with it, and the read side (repeat-order share, cohorts)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from io import StringIO

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from django.db.models import Min

from stores import metrics, services
from stores.metrics.cohorts import store_cohorts
from stores.models import Order
from stores.services.engine_params import params_from_preset
from stores.simulation import engine

START = date(2025, 1, 1)


def _year(model: str, seed: int = 1, **overrides) -> engine.SimulationResult:
    return engine.simulate(
        params_from_preset(model, store_key=3, **overrides), seed=seed, first_day=START, days=365
    )


def test_a_brand_keeps_its_customers_and_a_flooding_store_does_not():
    brand, general = _year("brand"), _year("general")
    brand_share = 1 - brand.orders.is_new.mean()
    general_share = 1 - general.orders.is_new.mean()
    assert brand_share > 0.18, brand_share  # the preset's 30% chance of a next order, ramping up
    assert general_share < 0.05, general_share  # near zero for product flooding (seed 000)
    # A platform seller owns no customers: nobody comes back through the store.
    assert _year("marketplace").orders.is_new.all()


def test_repeat_orders_are_by_customers_who_bought_before():
    o = _year("brand").orders
    first_seen: dict[int, int] = {}
    rows = zip(o.customer.tolist(), o.is_new.tolist(), o.day.tolist(), strict=True)
    for k, (who, new, day) in enumerate(rows):
        if new:
            assert who not in first_seen, f"order {k}: a new customer who had bought before"
            first_seen[who] = day
        else:
            assert first_seen.get(who, day) < day, (
                f"order {k}: a repeat by nobody who bought before"
            )
    # New customers are numbered in order of their first order, from 0.
    assert sorted(first_seen) == list(range(len(first_seen)))


def test_email_and_direct_grow_with_the_list():
    result = _year("brand")
    f = result.funnel
    email, direct = f.channels.index("email"), f.channels.index("direct")
    assert f.sessions[:7, email].sum() < 50  # a new store has almost nobody to write to
    assert f.sessions[-30:, email].sum() > 10 * f.sessions[:30, email].sum() / 3
    assert f.sessions[-30:, direct].sum() > f.sessions[:30, direct].sum() * 1.2
    # Without a chance of coming back, nobody does, and email brings nobody.
    none = _year("brand", repeat_purchase_rate=0)
    assert none.orders.is_new.all()
    assert none.funnel.sessions[:, email].sum() == 0


def test_the_same_seed_gives_the_same_buyers_and_a_later_span_the_same_rows():
    a, b = _year("vertical", seed=4), _year("vertical", seed=4)
    for name in engine.ORDER_ARRAYS:
        assert np.array_equal(getattr(a.orders, name), getattr(b.orders, name)), name
    assert not np.array_equal(a.orders.customer, _year("vertical", seed=5).orders.customer)
    # A span starting later rebuilds the pool from the earlier days: the rows of a chunk do not
    # depend on how a run is cut.
    params = params_from_preset("vertical", store_key=3)
    later = engine.simulate(params, seed=4, first_day=START + timedelta(200), days=40, origin=START)
    span = (a.orders.day >= 200) & (a.orders.day < 240)
    for name in ("customer", "is_new", "channel", "placed_at", "gross_sales"):
        assert np.array_equal(getattr(a.orders, name)[span], getattr(later.orders, name)), name
    assert np.array_equal(a.funnel.sessions[200:240], later.funnel.sessions)


@pytest.fixture
def year_of_stores(demo_stores, make_store):
    """A simulated year of the general demo store and a DTC brand, written by the run path in
    uneven chunks."""
    brand = make_store("brand", slug="brand-dtc")
    general = demo_stores["general"]
    run = services.create_run(
        days=365, seed=11, stores=[general, brand], start_date=START, chunk_days=100
    )
    services.run_in_process(run)
    return run, general, brand


@pytest.mark.django_db
def test_a_year_of_rows_repeat_share_brand_above_flooding(year_of_stores):
    run, general, brand = year_of_stores
    comparison = metrics.compare_stores([general, brand], run=run)
    share = {row.slug: row.repeat_order_share for row in comparison.rows}
    assert share["brand-dtc"] > 0.18
    assert share[general.slug] < 0.05
    assert share["brand-dtc"] - share[general.slug] > 0.12
    # The comparison table carries it with its interval, and the export by name.
    cells = {(c.slug, r.metric.key): c for r in comparison.table for c in r.cells}
    assert cells[("brand-dtc", "repeat_order_share")].interval.low > 0.15
    out = StringIO()
    call_command("compare", "--format", "json", "--run", str(run.pk), stdout=out)
    records = {r["slug"]: r for r in json.loads(out.getvalue())["stores"]}
    assert records["brand-dtc"]["repeat_order_share"] == pytest.approx(share["brand-dtc"], abs=1e-6)


@pytest.mark.django_db
def test_written_repeat_orders_reference_a_customer_who_bought_before(year_of_stores):
    run, _, brand = year_of_stores
    orders = Order.objects.filter(run=run, store=brand)
    assert not orders.filter(customer_number__isnull=True).exists()
    first = dict(
        orders.values("customer_number")
        .annotate(first=Min("placed_at"))
        .values_list("customer_number", "first")
    )
    repeats = list(orders.filter(is_new_customer=False).values_list("customer_number", "placed_at"))
    assert len(repeats) > 500
    assert all(first[c] < placed for c, placed in repeats)
    # ... and every new customer's order is that customer's first (across chunk boundaries).
    news = orders.filter(is_new_customer=True).values_list("customer_number", "placed_at")
    assert all(first[c] == placed for c, placed in news)
    assert orders.filter(is_new_customer=True).count() == len(first)


@pytest.mark.django_db
def test_cohorts_by_first_order_month(year_of_stores, django_assert_num_queries):
    run, general, brand = year_of_stores
    with django_assert_num_queries(3):  # buyers, shoppers, the months' ad spend: whatever the size
        cohorts = store_cohorts(brand, run=run)
    assert [c.month for c in cohorts] == [date(2025, m, 1) for m in range(1, 13)]
    orders = Order.objects.filter(run=run, store=brand)
    assert sum(c.orders for c in cohorts) == orders.count()
    assert sum(c.customers for c in cohorts) == orders.filter(is_new_customer=True).count()
    january, december = cohorts[0], cohorts[-1]
    # An old cohort has had a year to come back; the last one a few weeks.
    assert january.repeat_rate > 0.2 > december.repeat_rate
    assert january.orders_per_customer > 1.2
    assert january.contribution_per_customer > december.contribution_per_customer
    assert january.paid_cac is not None and january.contribution_to_cac is not None
    flooding = store_cohorts(general, run=run)[0]
    assert flooding.repeat_rate < 0.1 < january.repeat_rate


@pytest.mark.django_db
def test_cohorts_command_and_exports(year_of_stores, staff_client):
    run, _, brand = year_of_stores
    out = StringIO()
    call_command("cohorts", brand.slug, "--run", str(run.pk), "--format", "json", stdout=out)
    data = json.loads(out.getvalue())
    assert [c["month"] for c in data["cohorts"]][:2] == ["2025-01", "2025-02"]
    assert data["cohorts"][0]["repeat_rate"] > 0.2
    out = StringIO()
    call_command("cohorts", brand.slug, "--run", str(run.pk), stdout=out)
    assert "2025-01" in out.getvalue() and "contribution/CAC" in out.getvalue()
    with pytest.raises(CommandError, match="no-such-store|No store"):
        call_command("cohorts", "no-such-store")
    page = staff_client.get(f"/dashboard/store/{brand.slug}/cohorts/?run={run.pk}")
    assert page.status_code == 200
    assert b"2025-01" in page.content
    csv = staff_client.get(f"/dashboard/store/{brand.slug}/cohorts.csv?run={run.pk}")
    assert csv.status_code == 200
    assert csv.content.decode("utf-8-sig").splitlines()[0].startswith("month,customers,")
    js = staff_client.get(f"/dashboard/store/{brand.slug}/cohorts.json?run={run.pk}").json()
    assert js["cohorts"] == data["cohorts"]
    assert staff_client.get(f"/dashboard/store/{brand.slug}/cohorts.xml").status_code == 404
    bad = staff_client.get(f"/dashboard/store/{brand.slug}/cohorts.csv?run=abc")
    assert bad.status_code == 400


def test_a_quiet_store_over_two_years_keeps_its_buyers():
    # Most days without an order (the pool's counts must still cover every day), and a pool
    # that works as well with a few hundred buyers.
    params = params_from_preset("brand", store_key=3).with_traffic_scaled(0.02)
    result = engine.simulate(params, seed=1, first_day=START, days=800)
    assert (result.funnel.converted.sum(axis=1) == 0).sum() > 400
    assert 0.15 < 1 - result.orders.is_new.mean() < 0.4
