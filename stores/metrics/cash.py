"""Reads: each store's daily cash balance under a selection (stores/simulation/cash.py defines it).

A few queries whatever the number of stores: the day's costs from the rollup (by day), and the
orders' money by the day it moved - the payout or remittance day (money in, and the fees netted
from it) and the outcome day (refunds paid, reverse shipping, dispute fees). The rollup sums
orders by placement day, so those days come from the order rows (services.rollup.
money_day_sums), or, for a finished run, from its RunStoreCashDay rows: the same sums, written
once when it was summarised, so a two-million-order run is not scanned on every page.

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

from django.db.models import Q
from django.utils import timezone

from ..models import Order, RunStoreCashDay, RunStoreDay, SimulationRun, Source, Store
from ..services.rollup import (
    CASH_IN_LINES,
    OUTCOME_LINES,
    as_date,
    fetch_rows,
    float_sum,
    money_day_sums,
)
from ..simulation.cash import CashTerms, CashTimeline, DayFlows, cash_timeline, cents

ZERO = Decimal("0")

# The rollup's lines that move on the day they are booked (placement day, or the day spent).
DAY_LINES = ("goods_cost", "shipping_cost", "ad_spend", "other_cost")


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
    """Each store's cash timeline (by store id) under the selection: two queries on a finished
    run's summaries, four over all data (the finished runs' summaries and the other rows),
    three on the order rows of any other selection.

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
        # A finished run's summary: a row per store x day already (six times fewer rows), read
        # as it stands.
        rows = RunStoreDay.objects.filter(run=run, store_id__in=ids)
        rows = rows.filter(date__gte=date_from) if date_from else rows
        rows = rows.filter(date__lte=date_to) if date_to else rows
        by_day = rows.values_list("store_id", "date", *DAY_LINES)
    else:
        by_day = rows.values_list("store_id", "date").annotate(
            **{f"s_{c}": float_sum(c) for c in DAY_LINES}
        )
    flows: dict[int, dict[date, DayFlows]] = defaultdict(dict)
    first: dict[int, date] = {}
    for store_id, day, goods, shipping, ads, other in fetch_rows(by_day):
        day = as_date(day)
        flows[store_id][day] = DayFlows(  # one row per store x day
            goods_bought=cents(goods),
            shipping_cost=cents(shipping),
            ad_spend=cents(ads),
            other_cost=cents(other),
        )
        first[store_id] = min(first.get(store_id, day), day)

    def on(store_id: int, day) -> DayFlows:
        days = flows[store_id]
        day = as_date(day)
        found = days.get(day)
        if found is None:
            found = days[day] = DayFlows()
        return found

    # A finished run's money by the day it moved was summed once, when it was summarised. A
    # date_to needs nothing more (money that moved by that day belongs to orders placed by then,
    # and the timeline ends there); a first cohort day, a channel or the shoppers alone need the
    # order rows.
    from_summaries = not channel and not date_from and source in (None, Source.SYNTHETIC)
    received: list[tuple] = []
    outcomes: list[tuple] = []

    def summed(cash_rows, *, one_run: bool) -> None:
        cash_rows = cash_rows.filter(date__lte=date_to) if date_to else cash_rows
        lines = (*CASH_IN_LINES, *OUTCOME_LINES)
        by_store_day = (
            cash_rows.values_list("store_id", "date", *lines)  # a row per store x day already
            if one_run
            else cash_rows.values_list("store_id", "date").annotate(
                **{f"s_{line}": float_sum(line) for line in lines}
            )
        )
        for store_id, day, money_in, fees, *rest in fetch_rows(by_store_day):
            received.append((store_id, day, money_in, fees))
            outcomes.append((store_id, day, *rest))

    def scanned(orders) -> None:
        found_in, found_out = money_day_sums(orders)
        received.extend(found_in)
        outcomes.extend(found_out)

    orders = _orders(ids, run, date_from, date_to, channel, source)
    if summarised and from_summaries:
        summed(RunStoreCashDay.objects.filter(run=run, store_id__in=ids), one_run=True)
    elif run is None and from_summaries:
        # All data: the finished runs from their summaries, the rest (live and shoppers' orders,
        # runs still being written) from the rows.
        done = SimulationRun.objects.filter(summarised_at__isnull=False).values("pk")
        summed(RunStoreCashDay.objects.filter(run_id__in=done, store_id__in=ids), one_run=False)
        # The runs listed, not joined: with every run finished, "run is null" reads the (run,
        # store) index, not all the orders of the stores (a join made SQLite scan two million).
        open_runs = [pk for (pk,) in SimulationRun.objects.filter(summarised_at__isnull=True)
                     .values_list("pk")]  # fmt: skip
        rest = Q(run__isnull=True) | Q(run_id__in=open_runs) if open_runs else Q(run__isnull=True)
        scanned(orders.filter(rest))
    else:
        scanned(orders)
    for store_id, day, money_in, fees in received:
        f = on(store_id, day)
        f.cash_received += cents(money_in)
        f.fees_netted += cents(fees)
    for store_id, day, refunds, return_leg, dispute in outcomes:
        f = on(store_id, day)
        f.refunds_paid += cents(refunds)
        f.return_shipping_cost += cents(return_leg)
        f.chargeback_fee += cents(dispute)

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
    from .queries import selection

    return selection(
        Order.objects.filter(store_id__in=ids),
        "placed_date",
        run=run,
        date_from=date_from,
        date_to=date_to,
        channel=channel,
        source=source,
    )
