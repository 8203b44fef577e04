"""Reads: each store's daily cash balance under a selection (stores/simulation/cash.py defines it).

Three queries whatever the number of stores: the day's costs from the rollup (by day), and the
order rows grouped by the day their money moved - the payout or remittance day (money in, and
the fees netted from it) and the outcome day (refunds paid, reverse shipping, dispute fees).
The rollup sums orders by placement day, so the days money moves on are read from the rows.

The selection is the dashboard's (queries.funnel_rows): a run (or live rows), the cohorts
placed between `date_from` and `date_to`, a channel, a source. The balance starts from the
store's starting capital on the selection's first day (a date range reads as a store that
opened that day) and runs to its last day: `date_to`, else the day the figures stand at
(a run's last day). Money due after that day has not moved yet.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import FloatField, Q, Sum
from django.db.models.functions import Cast, Coalesce, TruncDate
from django.utils import timezone

from ..models import Order, OrderStatus, RunStoreDay, SimulationRun, Source, Store
from ..services.rollup import COLUMNS
from ..simulation import ledger
from ..simulation.cash import CashTerms, CashTimeline, DayFlows, cash_timeline, fees_netted
from .definitions import LIVE

ZERO = Decimal("0")

# The rollup's lines that move on the day they are booked (placement day, or the day spent).
DAY_LINES = ("goods_cost", "shipping_cost", "ad_spend", "other_cost")


class MoneyDay(TruncDate):
    """The day (in the stores' calendar) a datetime column falls on. On SQLite, with the
    calendar in UTC (the default), SQLite's own date() reads the stored UTC text: Django's
    TruncDate calls a Python function there once per row, seven times slower over a run's
    orders. Any other time zone takes Django's way."""

    def as_sqlite(self, compiler, connection, **extra):
        if self.get_tzname() in ("UTC", "Etc/UTC"):
            sql, params = compiler.compile(self.lhs)
            return f"date({sql})", params
        return self.as_sql(compiler, connection)


def cash_terms(store: Store) -> CashTerms:
    return CashTerms(
        starting_capital=store.starting_capital,
        stock_days=int(store.stock_days),
        supplier_payment_days=int(store.supplier_payment_days),
    )


def last_cash_day(as_of: datetime, date_to: date | None = None) -> date:
    """The last day of a cash timeline: `date_to`, or the day `as_of` ends (a run's last day)."""
    last = timezone.localdate(as_of - timedelta(microseconds=1))
    return min(last, date_to) if date_to else last


def cash_timelines(
    stores: Iterable[Store],
    *,
    run: SimulationRun | str | None,
    as_of: datetime,
    date_from: date | None = None,
    date_to: date | None = None,
    channel: str | None = None,
    source: str | None = None,
    rows=None,
) -> dict[int, CashTimeline]:
    """Each store's cash timeline (by store id) under the selection; three queries.

    `rows`: the selection's DailyFunnel rows when the caller has them (queries.funnel_rows)."""
    from .queries import funnel_rows

    stores = list(stores)
    if not stores:
        return {}
    ids = [s.id for s in stores]
    if rows is None:
        rows = funnel_rows(
            ids, run=run, date_from=date_from, date_to=date_to, channel=channel, source=source
        )
    summarised = isinstance(run, SimulationRun) and run.summarised_at is not None
    if summarised and not channel and source in (None, Source.SYNTHETIC):
        # A finished run's summary: the same sums per store x day, six times fewer rows.
        rows = RunStoreDay.objects.filter(run=run, store_id__in=ids)
        rows = rows.filter(date__gte=date_from) if date_from else rows
        rows = rows.filter(date__lte=date_to) if date_to else rows
    flows: dict[int, dict[date, DayFlows]] = defaultdict(lambda: defaultdict(DayFlows))
    first: dict[int, date] = {}
    by_day = rows.values_list("store_id", "date").annotate(**{f"s_{c}": _sum(c) for c in DAY_LINES})
    for store_id, day, goods, shipping, ads, other in _fetch(by_day):
        day = _as_date(day)
        flows[store_id][day].add(
            goods_bought=_money(goods),
            shipping_cost=_money(shipping),
            ad_spend=_money(ads),
            other_cost=_money(other),
        )
        first[store_id] = min(first.get(store_id, day), day)

    orders = _orders(ids, run, date_from, date_to, channel, source)
    cash_day = MoneyDay("cash_collected_at")
    received = (
        orders.filter(cash_collected_at__isnull=False)
        .annotate(day=cash_day)
        .values_list("store_id", "day")
        .annotate(money_in=_sum(ledger.charged(COLUMNS)), fees=_sum(fees_netted(COLUMNS)))
    )
    for store_id, day, money_in, fees in _fetch(received):
        flows[store_id][_as_date(day)].add(cash_received=_money(money_in), fees_netted=_money(fees))

    outcome_day = MoneyDay(Coalesce("outcome_at", "placed_at"))
    outcomes = (
        orders.filter(Q(refund__gt=0) | Q(return_shipping_cost__gt=0) | Q(chargeback_fee__gt=0))
        .annotate(day=outcome_day)
        .values_list("store_id", "day")
        .annotate(
            refunds=_sum("refund", filter=~Q(status=OrderStatus.REFUSED)),
            return_leg=_sum("return_shipping_cost"),
            dispute=_sum("chargeback_fee"),
        )
    )
    for store_id, day, refunds, return_leg, dispute in _fetch(outcomes):
        flows[store_id][_as_date(day)].add(
            refunds_paid=_money(refunds),
            return_shipping_cost=_money(return_leg),
            chargeback_fee=_money(dispute),
        )

    last = last_cash_day(as_of, date_to)
    out = {}
    for store in stores:
        start = date_from or (run.start_date if isinstance(run, SimulationRun) else None)
        start = start or first.get(store.id)
        if start is None:
            out[store.id] = CashTimeline(starting_capital=store.starting_capital)
            continue
        out[store.id] = cash_timeline(cash_terms(store), start, last, flows.get(store.id, {}))
    return out


def _orders(ids, run, date_from, date_to, channel, source):
    """The order rows of a selection (the same selection as funnel_rows, on orders)."""
    orders = Order.objects.filter(store_id__in=ids)
    if run == LIVE:
        orders = orders.filter(run__isnull=True)
    elif run is not None:
        orders = orders.filter(run=run)
    if date_from:
        orders = orders.filter(placed_date__gte=date_from)
    if date_to:
        orders = orders.filter(placed_date__lte=date_to)
    if channel:
        orders = orders.filter(channel=channel)
    if source:
        orders = orders.filter(source=source)
    return orders


def _sum(expression, **extra) -> Cast:
    # Summed as double precision and rounded to the cent in Python, as queries._period_rows
    # does: exact far beyond any sandbox total, and Django's Decimal converters cost more than
    # the queries on a year of days.
    return Cast(Sum(expression, **extra), FloatField())


def _fetch(query) -> list[tuple]:
    """A values_list query's rows straight from the cursor (no per-value converters)."""
    sql, params = query.order_by().query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _money(value: float | None) -> Decimal:
    return Decimal(f"{value or 0.0:.2f}") + ZERO  # + ZERO turns -0.00 into 0.00


def _as_date(value: date | str) -> date:
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else date.fromisoformat(value)
