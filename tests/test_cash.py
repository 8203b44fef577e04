"""Cash and capital: the daily cash balance from a starting capital, its low and the runway.

The definition (stores/simulation/cash.py) alone, then on a simulated run against the order
rows summed by hand, then where a trainer sees it: the comparison table, the drill-down's chart,
`compare --format json`, the exports and the admin's fields.
"""

import csv
import io
import json
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models.functions import TruncDate
from django.forms.models import model_to_dict
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from stores import metrics
from stores import services as simulation
from stores.metrics.cash import cash_timelines
from stores.models import (
    DailyFunnel,
    Order,
    OrderStatus,
    RunStoreCashFlows,
    RunStoreDay,
    SimulationRun,
    Store,
)
from stores.presets import PRESETS
from stores.services.rollup import MoneyDay, summarise_run
from stores.simulation.cash import CashTerms, DayFlows, cash_timeline

from .test_admin import change_form_data

D = Decimal
DAY1 = date(2026, 3, 2)


def _day(k: int) -> date:
    return DAY1 + timedelta(days=k)


# --- The definition, without a database ---------------------------------------------------------


def test_the_balance_starts_from_the_capital_and_moves_with_each_day_s_money():
    flows = {
        _day(0): DayFlows.of(ad_spend=D("300")),
        _day(1): DayFlows.of(cash_received=D("100"), fees_netted=D("3"), shipping_cost=D("10")),
        _day(3): DayFlows.of(cash_received=D("500"), refunds_paid=D("40")),
    }
    timeline = cash_timeline(CashTerms(D("1000")), _day(0), _day(4), flows)

    assert [d.balance for d in timeline.days] == [
        D("700"),
        D("787"),
        D("787"),
        D("1247"),
        D("1247"),
    ]
    assert (timeline.low, timeline.low_date) == (D("700"), _day(0))
    assert timeline.end == D("1247")
    assert timeline.totals["cash_received"] == D("600")
    assert timeline.totals["ad_spend"] == D("300")


def test_stock_bought_ahead_is_days_of_the_period_s_average_goods_paid_per_supplier_terms():
    # 10 days selling 50 of goods a day; 20 days of stock bought ahead; suppliers paid 3 days on.
    flows = {_day(k): DayFlows.of(goods_bought=D("50")) for k in range(10)}
    terms = CashTerms(D("5000"), stock_days=20, supplier_payment_days=3)
    timeline = cash_timeline(terms, _day(0), _day(9), flows)

    assert timeline.opening_stock == D("1000")
    out = [d.money_out for d in timeline.days]
    assert out[:3] == [D("0")] * 3  # nothing due yet
    assert out[3] == D("1050")  # the opening stock and the first day's replacement
    assert out[4:] == [D("50")] * 6
    # The last three days' purchases fall due after the period: not cash spent yet.
    assert timeline.totals["goods_paid"] == D("1000") + 7 * D("50")
    assert timeline.end == D("5000") - D("1350")


def test_without_stock_goods_are_paid_per_order_and_nothing_is_bought_ahead():
    flows = {_day(k): DayFlows.of(goods_bought=D("50")) for k in range(5)}
    timeline = cash_timeline(CashTerms(D("100"), stock_days=0), _day(0), _day(4), flows)

    assert timeline.opening_stock == 0
    assert [d.balance for d in timeline.days] == [D("50"), D("0"), D("-50"), D("-100"), D("-150")]
    assert (timeline.low, timeline.low_date) == (D("-150"), _day(4))
    assert timeline.runway_months == 0.0  # out of cash already


def test_runway_is_the_end_balance_over_the_last_30_days_net_burn():
    # 60 days: burning 10 a day (300 a month) from 10,000.
    flows = {_day(k): DayFlows.of(ad_spend=D("10")) for k in range(60)}
    timeline = cash_timeline(CashTerms(D("10000")), _day(0), _day(59), flows)

    assert timeline.monthly_burn == D("300")
    assert timeline.runway_months == pytest.approx((10000 - 600) / 300)


def test_runway_counts_only_the_last_30_days():
    # Heavy spend early, then cash grows: not burning, however low it went.
    flows = {_day(k): DayFlows.of(ad_spend=D("100")) for k in range(30)}
    flows |= {_day(k): DayFlows.of(cash_received=D("20")) for k in range(30, 60)}
    timeline = cash_timeline(CashTerms(D("5000")), _day(0), _day(59), flows)

    assert timeline.low == D("2000") and timeline.low_date == _day(29)
    assert not timeline.burning
    assert timeline.runway_months is None


def test_a_short_period_is_scaled_to_a_month():
    flows = {_day(k): DayFlows.of(ad_spend=D("10")) for k in range(10)}
    timeline = cash_timeline(CashTerms(D("1000")), _day(0), _day(9), flows)

    assert timeline.monthly_burn == D("300")
    assert timeline.runway_months == pytest.approx(900 / 300)


def test_flows_outside_the_period_and_an_empty_period_are_ignored():
    flows = {_day(-1): DayFlows.of(ad_spend=D("999")), _day(5): DayFlows.of(ad_spend=D("999"))}
    timeline = cash_timeline(CashTerms(D("10")), _day(0), _day(1), flows)
    assert [d.balance for d in timeline.days] == [D("10"), D("10")]

    empty = cash_timeline(CashTerms(D("10")), _day(1), _day(0), {})
    assert empty.days == [] and empty.low is None and empty.runway_months is None


def test_every_preset_states_its_cash_terms_and_only_stock_holders_buy_ahead():
    for key, preset in PRESETS.items():
        for name in ("starting_capital", "stock_days", "supplier_payment_days"):
            assert name in preset.store and len(preset.store[name].source) > 10, (key, name)
    assert PRESETS["dropship"].store["stock_days"].value == 0
    assert PRESETS["pod"].store["stock_days"].value == 0
    for key in ("general", "vertical", "cod", "brand"):
        assert PRESETS[key].store["stock_days"].value > 0, key
    # seed 002: dropshipping needs very little capital; the general store the most stock
    assert PRESETS["dropship"].store["starting_capital"].value < (
        PRESETS["general"].store["starting_capital"].value
    )


# --- On a simulated run: the balance reconciles with the order rows -----------------------------


@pytest.fixture
def simulated(make_store):
    stores = [
        # holds stock (60 days) and pays its supplier 10 days after each purchase
        make_store("general", slug="cash-general", supplier_payment_days=10),
        make_store("cod", slug="cash-cod"),  # COD: cash when the courier remits
        make_store("dropship", slug="cash-drop"),  # prepaid, no stock
        make_store("marketplace", slug="cash-market"),  # the platform pays out on a cycle
    ]
    run = simulation.create_run(days=45, seed=5, stores=stores, chunk_days=15)
    simulation.run_in_process(run)
    return run, stores


def _by_hand(store: Store, run) -> list[tuple[date, Decimal]]:
    """Each day's end balance, summed from the order and funnel rows one by one."""
    first = run.start_date
    last = first + timedelta(days=run.days - 1)
    net: dict[date, Decimal] = defaultdict(Decimal)
    bought: dict[date, Decimal] = defaultdict(Decimal)
    for o in Order.objects.filter(store=store, run=run):
        if o.cash_collected_at:
            day = timezone.localdate(o.cash_collected_at)
            net[day] += o.gross_sales - o.discount - o.payment_fee - o.platform_fee - o.cod_fee
        outcome_day = timezone.localdate(o.outcome_at or o.placed_at)
        if o.status != OrderStatus.REFUSED:
            net[outcome_day] -= o.refund
        net[outcome_day] -= o.return_shipping_cost + o.chargeback_fee
        net[o.placed_date] -= o.shipping_cost
        bought[o.placed_date] += o.goods_cost
    for f in DailyFunnel.objects.filter(store=store, run=run):
        net[f.date] -= f.ad_spend + f.other_cost
    lag = timedelta(days=store.supplier_payment_days)
    opening = (sum(bought.values(), D("0")) * store.stock_days / run.days).quantize(D("0.01"))
    net[first + lag] -= opening
    for day, goods in bought.items():
        net[day + lag] -= goods
    balance, out = store.starting_capital, []
    for k in range(run.days):
        day = first + timedelta(days=k)
        balance += net[day]
        out.append((day, balance))
    assert last == out[-1][0]
    return out


def test_every_store_s_daily_balance_reconciles_with_its_order_rows(simulated):
    run, stores = simulated
    comparison = metrics.compare_stores(stores, run=run)

    for store in stores:
        row = comparison.row(store.slug)
        by_hand = _by_hand(store, run)
        assert [(d.date, d.balance) for d in row.cash.days] == by_hand, store.slug
        low = min(by_hand, key=lambda day_balance: day_balance[1])
        assert (row.cash_low, row.cash_low_date) == (low[1], low[0])
        assert row.cash_end == by_hand[-1][1]
        # Every payout and every refund of the run is inside its span: the totals are the
        # comparison's own cash lines.
        assert row.cash.totals["cash_received"] == row.cash_received
        assert row.cash.totals["refunds_paid"] == row.refunds_paid
        assert row.cash.totals["ad_spend"] == row.ad_spend


def test_the_money_day_is_the_stores_calendar_day_in_any_time_zone(simulated):
    run, stores = simulated
    orders = Order.objects.filter(run=run, cash_collected_at__isnull=False)
    fast = orders.annotate(day=MoneyDay("cash_collected_at")).values_list("pk", "day")
    django_way = orders.annotate(day=TruncDate("cash_collected_at")).values_list("pk", "day")
    assert sorted(fast) == sorted(django_way)
    # Another calendar: the days move with it, and the balance still reconciles by hand (the
    # run's summaries are written in the calendar in force, as a deployment's would be).
    with override_settings(TIME_ZONE="Asia/Dubai"), timezone.override("Asia/Dubai"):
        summarise_run(run.pk)
        run.refresh_from_db()
        comparison = metrics.compare_stores(stores, run=run)
        for store in stores:
            days = [(d.date, d.balance) for d in comparison.row(store.slug).cash.days]
            assert days == _by_hand(store, run), store.slug


def test_what_each_model_does_to_cash_shows_in_the_balance(simulated):
    run, stores = simulated
    comparison = metrics.compare_stores(stores, run=run)
    general, cod, drop, market = (comparison.row(s.slug) for s in stores)

    # A stock holder spends on stock before it sells; a dropshipper buys nothing ahead.
    assert general.cash.opening_stock > 0 and drop.cash.opening_stock == 0

    # COD cash comes two weeks after delivery (card orders' within days): the first two weeks
    # bring a COD store a far smaller part of its money than a prepaid store's.
    def early_share(row) -> float:
        return float(sum(d.money_in for d in row.cash.days[:14]) / row.cash.totals["cash_received"])

    assert early_share(cod) < 0.5 * early_share(drop)
    # The marketplace pays out after delivery, every 14 days: money comes in on few days.
    assert 0 < sum(1 for d in market.cash.days if d.money_in) <= 4


def test_buying_stock_ahead_deepens_the_low_and_supplier_credit_softens_it(make_store):
    kwargs = {"with_catalogue": True}
    no_stock = make_store("general", slug="ahead-0", stock_days=0, **kwargs)
    stock = make_store("general", slug="ahead-60", stock_days=60, **kwargs)
    credit = make_store("general", slug="ahead-credit", stock_days=60, supplier_payment_days=30)
    run = simulation.create_run(days=30, seed=2, stores=[no_stock, stock, credit], chunk_days=30)
    simulation.run_in_process(run)
    rows = {r.slug: r for r in metrics.compare_stores([no_stock, stock, credit], run=run).rows}

    assert rows["ahead-60"].cash_low < rows["ahead-0"].cash_low
    assert rows["ahead-credit"].cash_low > rows["ahead-60"].cash_low


def test_a_date_range_starts_the_capital_on_its_first_day(simulated):
    run, stores = simulated
    store = stores[2]
    date_from = run.start_date + timedelta(days=20)
    date_to = run.start_date + timedelta(days=34)
    timeline = cash_timelines([store], run=run, as_of=run.as_of, date_from=date_from,
                              date_to=date_to)[store.id]  # fmt: skip

    assert timeline.days[0].date == date_from and timeline.days[-1].date == date_to
    assert timeline.starting_capital == store.starting_capital
    # The range's cohorts only, and their money only as far as it arrived by the range's end.
    in_range = Order.objects.filter(
        store=store, run=run, placed_date__gte=date_from, placed_date__lte=date_to
    )
    arrived = [
        o for o in in_range
        if o.cash_collected_at and timezone.localdate(o.cash_collected_at) <= date_to
    ]  # fmt: skip
    assert timeline.totals["cash_received"] == sum(
        (o.gross_sales - o.discount for o in arrived), D("0")
    )
    assert len(arrived) < in_range.count()  # the last days' payouts come after the range


def test_the_cash_balances_take_three_queries_whatever_the_number_of_stores(
    simulated, django_assert_num_queries
):
    run, stores = simulated
    scanned = SimulationRun.objects.get(pk=run.pk)
    scanned.summarised_at = None  # read as a running run is: the order rows
    with django_assert_num_queries(3):
        one = cash_timelines(stores[:1], run=scanned, as_of=run.as_of)
    with django_assert_num_queries(3):
        every = cash_timelines(stores, run=scanned, as_of=run.as_of)
    assert one[stores[0].id].days == every[stores[0].id].days
    # A finished run reads its packed flows: one query, not on the order rows.
    with django_assert_num_queries(1) as ctx:
        summarised = cash_timelines(stores, run=run, as_of=run.as_of)
    assert not any('"stores_order"' in q["sql"] for q in ctx.captured_queries)
    assert summarised == every


def test_all_data_reads_finished_runs_from_their_summaries_and_the_rest_from_the_rows(simulated):
    run, stores = simulated
    # A second run still being written (not summarised) beside the finished one.
    other = simulation.create_run(days=10, seed=6, stores=stores)
    simulation.run_in_process(other)
    SimulationRun.objects.filter(pk=other.pk).update(summarised_at=None)
    as_of = max(run.as_of, SimulationRun.objects.get(pk=other.pk).as_of)
    with_summaries = cash_timelines(stores, run=None, as_of=as_of)
    SimulationRun.objects.filter(pk=run.pk).update(summarised_at=None)  # every row scanned
    assert cash_timelines(stores, run=None, as_of=as_of) == with_summaries
    assert any(t.day_count for t in with_summaries.values())


def test_a_finished_run_s_cash_flows_are_its_orders_money_by_the_day_it_moved(simulated):
    run, stores = simulated
    packed = {row.store_id: row for row in RunStoreCashFlows.objects.filter(run=run)}
    assert set(packed) == {s.id for s in stores}
    for store in stores:
        row = packed[store.id]
        flows = row.flows()

        def on(line, day, flows=flows, row=row):
            k = (day - row.first_day).days
            return D(flows[line][k]) / 100 if 0 <= k < len(flows[line]) else D("0")

        received, refunded = defaultdict(lambda: D("0")), defaultdict(lambda: D("0"))
        for o in Order.objects.filter(run=run, store=store):
            if o.cash_collected_at:
                received[timezone.localdate(o.cash_collected_at)] += o.gross_sales - o.discount
            if o.refund and o.status != OrderStatus.REFUSED:
                refunded[timezone.localdate(o.outcome_at or o.placed_at)] += o.refund
        assert received and all(on("cash_received", d) == v for d, v in received.items())
        assert sum(flows["cash_received"]) == sum(received.values()) * 100, store.slug
        assert all(on("refunds_paid", d) == v for d, v in refunded.items()), store.slug
        assert sum(flows["refunds_paid"]) == sum(refunded.values()) * 100, store.slug
        # The day's costs are the run summary's, day by day.
        for day in RunStoreDay.objects.filter(run=run, store=store):
            assert on("goods_bought", day.date) == day.goods_cost
            assert on("ad_spend", day.date) == day.ad_spend
    # Cut at a day (date_to) the summaries give what the order rows give.
    scanned = SimulationRun.objects.get(pk=run.pk)
    scanned.summarised_at = None
    date_to = run.start_date + timedelta(days=30)
    assert cash_timelines(stores, run=run, as_of=run.as_of, date_to=date_to) == cash_timelines(
        stores, run=scanned, as_of=run.as_of, date_to=date_to
    )


# --- Where it shows ----------------------------------------------------------------------------


def test_the_comparison_table_has_a_cash_low_row_with_its_date_and_a_runway_row(
    simulated, staff_client
):
    run, stores = simulated
    response = staff_client.get(reverse("dashboard:compare"), {"run": run.pk})
    html = response.content.decode()
    comparison = metrics.compare_stores(stores, run=run)

    assert response.status_code == 200
    assert "Cash low" in html and "Runway" in html
    for row in comparison.rows:
        assert f"on {row.cash_low_date.isoformat()}" in html
    runway = next(
        r for r in response.context["comparison"].table if r.metric.key == "runway_months"
    )
    for cell in runway.cells:
        row = comparison.row(cell.slug)
        if row.runway_months is None:  # cash did not fall over the last 30 days: said so
            assert '<span class="value">not burning</span>' in cell.html
        else:
            assert f"{row.runway_months:.1f} mo" in cell.html
    keys = [r.metric.key for r in response.context["comparison"].table]
    assert "cash_low" in keys and "runway_months" in keys


def test_the_drill_down_draws_the_daily_balance_with_a_data_table(simulated, staff_client):
    run, stores = simulated
    store = stores[1]
    response = staff_client.get(reverse("dashboard:store", args=[store.slug]), {"run": run.pk})
    html = response.content.decode()
    row = response.context["row"]

    chart = response.context["cash_chart"]
    assert chart.title == "Cash balance" and not chart.empty
    assert len(chart.table_rows) == run.days
    assert chart.table_rows[0][0] == run.start_date.isoformat()
    assert f"lowest {row.cash_low:,.2f}".replace("-", "−") in chart.note
    assert 'aria-label="Cash balance' in html and "Data table: cash balance" in html
    assert "Cash low" in html and row.cash_low_date.isoformat() in html


def test_compare_json_and_the_exports_carry_cash_low_its_date_and_runway(simulated, staff_client):
    run, stores = simulated
    out = io.StringIO()
    call_command("compare", "--run", str(run.pk), "--format", "json", stdout=out)
    records = json.loads(out.getvalue())
    records = records["stores"] if isinstance(records, dict) else records
    comparison = metrics.compare_stores(stores, run=run)

    for record in records:
        row = comparison.row(record["slug"])
        assert record["cash_low"] == str(row.cash_low)
        assert record["cash_low_date"] == row.cash_low_date.isoformat()
        expected = row.runway_months
        assert record["runway_months"] == (None if expected is None else round(expected, 6))

    for fmt in ("csv", "json"):
        url = reverse("dashboard:export", kwargs={"what": "table", "fmt": fmt})
        response = staff_client.get(url, {"run": run.pk})
        assert response.status_code == 200
        if fmt == "csv":
            rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
        else:
            rows = response.json()["stores"]
        by_slug = {r["slug"]: r for r in rows}
        for store in stores:
            row = comparison.row(store.slug)
            assert by_slug[store.slug]["cash_low"] == str(row.cash_low)
            assert by_slug[store.slug]["cash_low_date"] == row.cash_low_date.isoformat()


# --- The admin's fields --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("starting_capital", "-100", "greater than or equal to 0"),
        ("starting_capital", "abc", "Enter a number"),
        ("stock_days", "-5", "greater than or equal to 0"),
        ("stock_days", "400", "less than or equal to 365"),
        ("supplier_payment_days", "1.5", "whole number"),
        ("supplier_payment_days", "366", "less than or equal to 365"),
    ],
)
def test_a_bad_cash_term_in_the_admin_names_the_field_and_saves_nothing(
    staff_client, demo_stores, field, value, message
):
    store = demo_stores["general"]
    url = reverse("admin:stores_store_change", args=[store.pk])
    before = model_to_dict(Store.objects.get(pk=store.pk))

    response = staff_client.post(url, change_form_data(store, **{field: value}))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert field in errors and any(message in e for e in errors[field]), errors.get(field)
    assert model_to_dict(Store.objects.get(pk=store.pk)) == before


def test_the_admin_saves_good_cash_terms_and_shows_their_sources(staff_client, demo_stores):
    store = demo_stores["cod"]
    url = reverse("admin:stores_store_change", args=[store.pk])
    page = staff_client.get(url).content.decode()
    assert "Cash and capital" in page and "starting capital" in page.lower()

    data = change_form_data(
        store, starting_capital="4200.50", stock_days="15", supplier_payment_days="30"
    )
    response = staff_client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    store.refresh_from_db()
    assert (store.starting_capital, store.stock_days, store.supplier_payment_days) == (
        D("4200.50"), 15, 30,
    )  # fmt: skip


@override_settings(LIVE_TRAFFIC_SCALE=30)
def test_live_traffic_s_balance_starts_from_capital_at_the_scale_it_runs_at(make_store):
    store = make_store("cod")
    start = datetime(2026, 3, 2, tzinfo=UTC)
    simulation.set_live([store], True, now=start)
    simulation.live_tick(now=start + timedelta(days=3))

    live = cash_timelines([store], run=metrics.LIVE, as_of=start + timedelta(days=3))[store.id]

    # Live mode sells at 30 times the store's visits and budgets, and buys its stock ahead at
    # that size: its capital is read at that size too.
    assert live.starting_capital == store.starting_capital * 30
    assert live.day_count == 3 and live.low > 0
    first = live.days[0]
    assert first.balance == live.starting_capital + first.money_in - first.money_out
    # A run's traffic is not scaled, nor its capital.
    run = simulation.create_run(days=3, seed=1, stores=[store], start_date=date(2026, 1, 1))
    simulation.run_in_process(run)
    run.refresh_from_db()
    timeline = cash_timelines([store], run=run, as_of=run.as_of)[store.id]
    assert timeline.starting_capital == store.starting_capital
