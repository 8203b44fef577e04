"""The order timeline is one rule: the engine's dates stay inside the horizons the timeline
reports, checkout promises what the engine delivers, and the dashboard's mature cohorts are
exactly the orders old enough for their outcomes."""

from datetime import date, timedelta

import numpy as np
import pytest
from django.utils import timezone

from stores import metrics, services
from stores.models import Order, OrderStatus, PaymentMethod
from stores.presets import PRESETS
from stores.services.engine_params import params_from_preset, timeline_rules
from stores.simulation import engine, realisation, timeline
from stores.simulation.params import DELIVERED, PLACED, REFUSED, RETURNED, SHIPPED

START = date(2026, 1, 5)
DAY = timeline.DAY


@pytest.mark.parametrize("key", sorted(PRESETS))
def test_every_outcome_date_falls_inside_the_horizon_the_timeline_reports(key):
    p = params_from_preset(key)
    result = engine.simulate(p, seed=9, first_day=START, days=120)
    o = result.orders
    h = timeline.horizons(p.rules)
    # An order placed on day d has each event by the end of day d + its horizon.
    day_end = (engine.day_ordinal(START) + o.day + 1) * DAY

    assert len(o) > 100
    assert (o.shipped_at <= day_end + h.dispatch * DAY).all()
    assert (o.delivered_at <= day_end + h.door * DAY).all()
    final = o.outcome != DELIVERED
    assert (o.outcome_at[final] <= (day_end + h.settled * DAY)[final]).all()
    for code, horizon in (
        (REFUSED, h.refusal),
        (RETURNED, h.returned),
        (engine.REFUNDED, h.late_refund),
        (engine.CHARGED_BACK, h.chargeback),
    ):
        kind = o.outcome == code
        assert (o.outcome_at[kind] <= (day_end + horizon * DAY)[kind]).all(), (key, code)
    real = realisation.realise_orders(p, o, int(day_end.max() + h.settled * DAY))
    paid = real.cash_at >= 0
    assert (real.cash_at[paid] <= (day_end + h.cash * DAY)[paid]).all()
    # Nothing is left to happen once every horizon has passed.
    assert not np.isin(real.status, [PLACED, SHIPPED]).any()


def test_the_dropship_chargeback_horizon_outlasts_the_return_window():
    p = params_from_preset("dropship")
    h = timeline.horizons(p.rules)

    # Supplier lead up to 5 days, then up to 25 days of transit; disputes up to 60 days later.
    assert (h.dispatch, h.door, h.chargeback) == (5, 30, 90)
    assert h.returns == 30 + p.rules.return_window_days
    assert h.settled == 90


@pytest.mark.parametrize("key", sorted(PRESETS))
def test_checkout_promises_the_delivery_days_the_engine_plans(make_store, key):
    store = make_store(key)
    products = list(store.products.filter(is_active=True).order_by("pk"))
    p = services.store_params(store)
    result = engine.simulate(p, seed=3, first_day=START, days=60)
    o, lines = result.orders, result.lines
    door_days = (o.delivered_at - o.placed_at) // DAY

    for i in range(0, len(o), max(1, len(o) // 200)):  # about 200 orders of each store
        basket = lines.product[o.line_start[i] : o.line_start[i] + o.line_count[i]]
        estimate = services.delivery_estimate(store, [products[j] for j in basket])
        assert estimate.min_days <= door_days[i] <= estimate.max_days, (key, i)


def test_the_mature_chargeback_rate_is_the_rate_over_orders_old_enough_for_disputes(make_store):
    stores = [make_store("general"), make_store("dropship")]
    run = services.create_run(days=150, seed=5, stores=stores, start_date=START)
    services.run_in_process(run)
    comparison = metrics.compare_stores(stores, run=run)

    for store in stores:
        row = comparison.row(store.slug)
        h = timeline.horizons(timeline_rules(store, 5 if store.business_model == "dropship" else 0))
        cutoff = timezone.localdate(run.as_of) - timedelta(days=h.chargeback + 1)
        old_enough = Order.objects.filter(store=store, run=run, placed_date__lte=cutoff).exclude(
            payment_method=PaymentMethod.COD
        )
        charged_back = old_enough.filter(status=OrderStatus.CHARGED_BACK).count()

        assert row.mature_through["chargeback"] == cutoff
        assert not row.chargeback_provisional
        assert (row.chargeback_numerator, row.chargeback_denominator) == (
            charged_back,
            old_enough.count(),
        )
        # Every dispute of those cohorts has landed: none is still to come.
        assert not old_enough.filter(
            planned_outcome=OrderStatus.CHARGED_BACK, outcome_at__gt=run.as_of
        ).exists()


def test_a_courier_delay_makes_the_cohorts_it_touched_wait_longer_for_maturity(make_store):
    from stores.services.shocks import ShockRequest

    plain, delayed = make_store("cod"), make_store("cod")
    run = services.create_run(
        days=60,
        seed=2,
        stores=[plain, delayed],
        start_date=START,
        shocks=[ShockRequest("courier_delay", delayed, 30, 20)],
    )
    services.run_in_process(run)
    rows = {r.slug: r for r in metrics.compare_stores([plain, delayed], run=run).rows}

    for outcome in ("refusal", "returns", "chargeback"):
        assert rows[delayed.slug].mature_through[outcome] < rows[plain.slug].mature_through[outcome]
    # Every COD parcel of a cohort counted as mature has reached the door by the run's end.
    cutoff = rows[delayed.slug].mature_through["refusal"]
    late = Order.objects.filter(
        run=run, store=delayed, placed_date__lte=cutoff, planned_delivered_at__gt=run.as_of
    )
    assert not late.exists()
