"""Every dashboard figure on a small fixture whose answers were worked out by hand.

The fixture (one general store, as_of the end of 2026-06-30). A parcel is at the door within
2 handling + 6 transit = 8 days, so by the timeline's horizons cohorts are mature for refusals
up to 2026-06-22 (8 days), for returns up to 2026-05-23 (8 + 30-day window = 38 days) and for
chargebacks up to 2026-04-23 (8 + 60 = 68 days: day 1 is not):

day 1 = 2026-05-01, synthetic
  direct       200 sessions, 100 views, 20 carts, 12 checkouts, 4 converted, other cost 10
    o1 card delivered       gross 100, discount 10, goods 30, ship 5, fee 3.00
    o2 card returned        gross  50, refund 50,   goods 20, ship 5, back 6, fee 1.75
    o3 COD refused          gross  80,              goods 25, ship 5, back 6
    o4 COD delivered        gross  60,              goods 20, ship 5, COD fee 1.20, cash +14 days,
                            returning customer
  paid_social  100 sessions, 10 carts, 2 converted, ad spend 40
    o5 card charged back    gross  70, refund 70,   goods 20, ship 5, fee 2.33, dispute 15
    o7 card delivered       gross  90,              goods 30, ship 5, fee 2.91
day 2 = 2026-06-20 (not mature), shopper
  direct       100 sessions, 10 carts, 1 converted
    o6 card returned        gross  40, refund 40,   goods 10, ship 5, back 6, fee 1.46
"""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from stores import metrics, stats
from stores.models import DailyFunnel, Order, OrderLine, OrderStatus
from stores.services import rebuild_rollup

D = Decimal
DAY1, DAY2 = date(2026, 5, 1), date(2026, 6, 20)
AS_OF = date(2026, 6, 30)


def _order(store, number, day, **kw):
    placed = timezone.make_aware(datetime(day.year, day.month, day.day, 10))
    status = kw.pop("status", OrderStatus.DELIVERED)
    cash_days = kw.pop("cash_days", 0)
    values = {
        "store": store,
        "number": f"{store.slug}-{number}",
        "source": "synthetic",
        "channel": "direct",
        "payment_method": "card",
        "placed_at": placed,
        "placed_date": day,
        "status": status,
        "shipped_at": placed + timedelta(days=1),
        "shipping_cost": D("5.00"),
    }
    if status in (OrderStatus.DELIVERED, OrderStatus.RETURNED, OrderStatus.CHARGED_BACK):
        values["delivered_at"] = placed + timedelta(days=5)
    if cash_days is not None and status != OrderStatus.REFUSED:
        values["cash_collected_at"] = placed + timedelta(days=cash_days)
    values.update(kw)
    order = Order.objects.create(**values)
    OrderLine.objects.create(order=order, title="thing", quantity=1, unit_price=1, unit_cost=1)
    return order


def _funnel(store, day, channel, source, **counts):
    DailyFunnel.objects.create(store=store, date=day, channel=channel, source=source, **counts)


@pytest.fixture
def shop(make_store):
    store = make_store("general", with_catalogue=False, slug="hand", name="Hand")
    assert (store.handling_days_max, store.delivery_days_max, store.return_window_days) == (
        2,
        6,
        30,
    )
    _funnel(
        store,
        DAY1,
        "direct",
        "synthetic",
        sessions=200,
        product_views=100,
        adds_to_cart=20,
        reached_checkout=12,
        converted=4,
        other_cost=D("10"),
    )
    _funnel(
        store,
        DAY1,
        "paid_social",
        "synthetic",
        sessions=100,
        adds_to_cart=10,
        converted=2,
        ad_spend=D("40"),
    )
    _funnel(store, DAY2, "direct", "shopper", sessions=100, adds_to_cart=10, converted=1)
    _order(
        store,
        1,
        DAY1,
        gross_sales=D("100"),
        discount=D("10"),
        goods_cost=D("30"),
        payment_fee=D("3.00"),
    )
    _order(
        store,
        2,
        DAY1,
        status=OrderStatus.RETURNED,
        gross_sales=D("50"),
        refund=D("50"),
        goods_cost=D("20"),
        return_shipping_cost=D("6"),
        payment_fee=D("1.75"),
    )
    _order(
        store,
        3,
        DAY1,
        status=OrderStatus.REFUSED,
        payment_method="cod",
        gross_sales=D("80"),
        goods_cost=D("25"),
        return_shipping_cost=D("6"),
        cash_days=None,
    )
    _order(
        store,
        4,
        DAY1,
        payment_method="cod",
        gross_sales=D("60"),
        goods_cost=D("20"),
        cod_fee=D("1.20"),
        cash_days=14,
        is_new_customer=False,
    )
    _order(
        store,
        5,
        DAY1,
        status=OrderStatus.CHARGED_BACK,
        channel="paid_social",
        gross_sales=D("70"),
        refund=D("70"),
        goods_cost=D("20"),
        payment_fee=D("2.33"),
        chargeback_fee=D("15"),
    )
    _order(
        store,
        7,
        DAY1,
        channel="paid_social",
        gross_sales=D("90"),
        goods_cost=D("30"),
        payment_fee=D("2.91"),
    )
    _order(store, 6, DAY2, status=OrderStatus.RETURNED, source="shopper", gross_sales=D("40"),
           refund=D("40"), goods_cost=D("10"), return_shipping_cost=D("6"), payment_fee=D("1.46"))  # fmt: skip
    rebuild_rollup(store.id, [DAY1, DAY2])
    return store


def test_funnel_and_sales_figures_match_the_hand_computation(shop):
    row = metrics.compare_stores([shop], as_of=AS_OF).rows[0]

    assert (row.sessions, row.converted, row.orders) == (400, 7, 7)
    assert row.conversion_rate == pytest.approx(7 / 400)
    assert row.add_to_cart_rate == pytest.approx(40 / 400)
    assert row.cart_abandonment == pytest.approx(1 - 7 / 40)
    assert row.gross_sales == D("490.00")
    assert row.net_sales == D("320.00")  # 490 - 10 discount - 160 refunds
    assert row.aov == D("68.57")  # (490 - 10) / 7 placed orders
    assert row.net_sales_per_session == D("0.80")
    assert [n for _, n in row.funnel] == [400, 100, 40, 12, 7]


def test_margin_figures_and_waterfall_match_the_hand_computation(shop):
    row = metrics.compare_stores([shop], as_of=AS_OF).rows[0]

    assert row.gross_profit == D("165.00")  # 320 - 155 goods
    # 320 - (155 goods + 35 ship + 18 return legs + 11.45 card + 1.20 COD + 15 dispute) - 40 - 10
    assert row.contribution == D("34.35")
    assert row.gross_margin == pytest.approx(165 / 320)
    steps = {key: amount for key, _, amount, _ in row.waterfall()}
    assert steps == {
        "net_sales": D("320.00"),
        "goods_cost": D("155.00"),
        "shipping_kept": D("30.00"),  # 35 forward legs - o3's, refused
        "fees": D("27.65"),
        "ad_spend": D("40.00"),
        "returns_shipping": D("12.00"),  # o2 and o6 sent back
        "refused_shipping": D("11.00"),  # o3: 5 out + 6 back, sold nothing
        "other_cost": D("10.00"),
        "contribution": D("34.35"),
    }
    assert row.contribution_margin == pytest.approx(34.35 / 320)


def test_lagged_outcomes_count_mature_cohorts_only(shop):
    row = metrics.compare_stores([shop], as_of=AS_OF).rows[0]

    assert row.mature_through == {
        "refusal": date(2026, 6, 22),
        "returns": date(2026, 5, 23),
        "chargeback": date(2026, 4, 23),
        "settled": date(2026, 4, 23),  # nothing left to change: the last of the horizons
    }
    # Day 1 only: delivered o1 o2 o4 o5 o7, returned o2 (o6 on day 2 is not mature yet).
    assert (row.returns_numerator, row.returns_denominator) == (1, 5)
    assert row.returns_rate == pytest.approx(0.2)
    assert not row.returns_provisional
    assert row.cod_refusal_rate == pytest.approx(0.5)  # o3 refused of o3, o4 shipped
    assert not row.cod_refusal_provisional
    # No cohort is old enough for its disputes: every cohort, flagged provisional.
    assert row.chargeback_rate == pytest.approx(1 / 5)  # o5 of 5 prepaid orders
    assert row.chargeback_provisional


def test_the_chargeback_rate_waits_for_the_disputes_of_its_cohorts(shop):
    row = metrics.compare_stores([shop], as_of=date(2026, 7, 10)).rows[0]

    assert row.mature_through["chargeback"] == date(2026, 5, 3)
    assert row.chargeback_rate == pytest.approx(1 / 4)  # o5 of 4 prepaid orders on day 1
    assert not row.chargeback_provisional


def test_lagged_outcomes_fall_back_to_every_cohort_marked_provisional(shop):
    row = metrics.compare_stores([shop], as_of=date(2026, 5, 5)).rows[0]

    assert row.returns_provisional and row.cod_refusal_provisional
    assert row.returns_rate == pytest.approx(2 / 6)  # o2 and o6 of 6 delivered, all cohorts
    table = {r.metric.key: r.cells[0] for r in metrics.compare_stores([shop]).table}
    assert table["returns_rate"].provisional is False  # today: both cohorts are mature


def test_acquisition_and_cash_figures(shop):
    row = metrics.compare_stores([shop], as_of=AS_OF).rows[0]

    assert row.new_customers == 6
    assert row.paid_new_customers == 2  # o5 and o7, new customers through paid social
    assert row.cac == D("20.00")  # 40 / 2: paid spend over the customers it bought
    assert row.roas == pytest.approx(90 / 40)  # paid orders' net sales (0 + 90) / ad spend
    assert row.cash_received == D("400.00")  # gross - discount of o1 o2 o4 o5 o6 o7
    assert row.refunds_paid == D("160.00")  # o2 o5 o6 (o3 was refused: never paid)
    assert row.cash_collected == D("240.00")
    assert row.cash_lag_days == pytest.approx(14 / 6)


def test_filters_by_channel_source_and_date(shop):
    paid = metrics.compare_stores([shop], channel="paid_social", as_of=AS_OF).rows[0]
    assert (paid.sessions, paid.orders, paid.ad_spend, paid.net_sales) == (100, 2, 40, D("90"))

    synthetic = metrics.compare_stores([shop], source="synthetic", as_of=AS_OF).rows[0]
    shopper = metrics.compare_stores([shop], source="shopper", as_of=AS_OF).rows[0]
    assert (synthetic.sessions, shopper.sessions) == (300, 100)
    assert (synthetic.orders, shopper.orders) == (6, 1)

    day1 = metrics.compare_stores([shop], date_to=DAY1, as_of=AS_OF).rows[0]
    day2 = metrics.compare_stores([shop], date_from=DAY2, as_of=AS_OF).rows[0]
    assert day1.net_sales + day2.net_sales == D("320.00")
    assert day2.orders == 1

    assert metrics.compare_stores([shop], market="IN").rows == []


def test_channel_breakdown_adds_up_to_the_store(shop):
    parts = metrics.channel_breakdown(shop, as_of=AS_OF)

    assert [p.channel for p in parts] == ["direct", "paid_social"]
    assert sum(p.sessions for p in parts) == 400
    assert sum(p.contribution for p in parts) == D("34.35")
    assert sum(p.returns_numerator for p in parts) == 1  # the mature cohorts, as for the store


def test_daily_series_per_store_and_day(shop):
    comparison = metrics.compare_stores([shop], as_of=AS_OF)

    assert [(p.date, p.sessions, p.orders, p.net_sales) for p in comparison.daily] == [
        (DAY1, 300, 6, D("320.00")),
        (DAY2, 100, 1, D("0.00")),
    ]
    assert sum(p.contribution for p in comparison.daily) == D("34.35")


def test_table_cells_carry_wilson_intervals_and_the_minimum_sample_rule(shop, make_store):
    other = make_store("general", with_catalogue=False, slug="other")
    _funnel(other, DAY1, "direct", "synthetic", sessions=1000, converted=30, adds_to_cart=80)
    comparison = metrics.compare_stores([shop, other], baseline="hand", as_of=AS_OF)
    table = {r.metric.key: r.cells for r in comparison.table}

    base_cell, other_cell = table["conversion_rate"]
    assert base_cell.is_baseline and base_cell.interval == stats.wilson(7, 400)
    assert other_cell.unit == "points" and other_cell.relative is None  # rates: points only
    assert other_cell.difference == pytest.approx(30 / 1000 - 7 / 400)
    assert other_cell.difference_interval.low < other_cell.difference
    assert other_cell.chance_to_beat == pytest.approx(stats.chance_to_beat(30, 1000, 7, 400))
    assert other_cell.q_value is not None
    # 5 delivered orders are below the minimum sample: no verdict on returns.
    assert table["returns_rate"][0].enough_data is False


def test_unknown_baseline_is_refused(shop):
    with pytest.raises(ValueError, match="baseline"):
        metrics.compare_stores([shop], baseline="nope")


def test_dashboard_totals_reconcile_with_the_order_rows_to_the_cent(shop):
    row = metrics.compare_stores([shop], as_of=AS_OF).rows[0]
    orders = list(Order.objects.filter(store=shop))

    assert row.orders == len(orders)
    assert row.net_sales == sum(o.net_sales for o in orders)
    for column in ("gross_sales", "goods_cost", "shipping_cost", "payment_fee", "cod_fee"):
        assert getattr(row, column) == sum(getattr(o, column) for o in orders), column
    funnel = DailyFunnel.objects.filter(store=shop)
    order_contribution = sum(o.order_contribution for o in orders)
    spend = sum(f.ad_spend + f.other_cost for f in funnel)
    assert row.contribution == order_contribution - spend


def test_comparison_query_count_is_constant(shop, make_store, django_assert_num_queries):
    stores = [shop, make_store("cod", with_catalogue=False)]
    # The span is known: the stores' supplier lead times and shocks (for maturity), the sums,
    # and the cash balances' three (the day's costs, the payout days, the outcome days).
    with django_assert_num_queries(6):
        metrics.compare_stores(stores, date_from=DAY1, date_to=DAY2, as_of=AS_OF)
    # All data: plus the first and last day (to pick day or week), and the finished runs' cash
    # summaries beside the other rows (and which runs are still open).
    with django_assert_num_queries(9):
        metrics.compare_stores(stores, as_of=AS_OF)


def test_weekly_series_keep_the_totals_and_merge_a_week_cut_by_maturity(make_store):
    store = make_store("general", with_catalogue=False, slug="weeks")
    monday, wednesday = date(2026, 5, 4), date(2026, 5, 6)
    for day in (monday, wednesday):
        _funnel(store, day, "direct", "synthetic", sessions=100, converted=3, orders=3,
                delivered_orders=3, returned_orders=1, gross_sales=D("90"))  # fmt: skip
    as_of = date(2026, 5, 5) + timedelta(days=38)  # returns: up to Tuesday 5 May are mature

    daily = metrics.compare_stores([store], as_of=as_of)
    weekly = metrics.compare_stores([store], as_of=as_of, series="week")

    assert daily.granularity == "day" and weekly.granularity == "week"
    assert [p.date for p in daily.daily] == [monday, wednesday]
    assert [(p.date, p.sessions, p.net_sales) for p in weekly.daily] == [(monday, 200, D("180.00"))]
    for comparison in (daily, weekly):
        row = comparison.rows[0]
        assert (row.sessions, row.net_sales) == (200, D("180.00"))
        assert (row.returns_numerator, row.returns_denominator) == (1, 3)  # Monday only


def test_weekly_series_count_each_mature_day_once_whatever_the_weekday_of_the_cutoff(make_store):
    store = make_store("general", with_catalogue=False, slug="cutoffs")  # mature after 38 days
    days = [date(2026, 4, 29), date(2026, 5, 4), date(2026, 5, 10), date(2026, 5, 11)]
    for day in days:  # a Wednesday, then Monday, Sunday and the next Monday
        _funnel(store, day, "direct", "synthetic", sessions=100, converted=3, orders=3,
                delivered_orders=3, returned_orders=1)  # fmt: skip

    for cutoff, mature_days in [
        (date(2026, 4, 28), 0),  # Tuesday before any row
        (date(2026, 5, 3), 1),  # Sunday: the first week whole
        (date(2026, 5, 9), 2),  # Saturday: Monday 4 May, not Sunday 10
        (date(2026, 5, 10), 3),  # Sunday: the second week whole
        (date(2026, 5, 11), 4),  # Monday
    ]:
        as_of = cutoff + timedelta(days=38)
        for series in ("day", "week"):
            row = metrics.compare_stores([store], as_of=as_of, series=series).rows[0]
            assert row.mature_through["returns"] == cutoff and row.sessions == 400
            # With no mature day the rate falls back to every day (provisional).
            expected = (mature_days, 3 * mature_days) if mature_days else (4, 12)
            assert (row.returns_numerator, row.returns_denominator) == expected, (cutoff, series)


def test_a_long_span_is_summed_by_week(make_store):
    store = make_store("general", with_catalogue=False, slug="long")
    start = date(2026, 1, 5)  # a Monday
    for i in range(0, 140, 2):
        _funnel(store, start + timedelta(days=i), "direct", "synthetic", sessions=10)

    comparison = metrics.compare_stores([store], as_of=date(2026, 9, 1))

    assert comparison.granularity == "week"
    assert all(p.date.weekday() == 0 for p in comparison.daily)
    assert sum(p.sessions for p in comparison.daily) == comparison.rows[0].sessions == 700


def test_records_use_fractions_and_decimal_strings(shop):
    record = metrics.comparison_records(metrics.compare_stores([shop], as_of=AS_OF))[0]

    assert record["net_sales"] == "320.00"
    assert record["conversion_rate"] == pytest.approx(0.0175)
    assert record["conversion_rate_low"] < 0.0175 < record["conversion_rate_high"]
    assert record["model"] == "general"
