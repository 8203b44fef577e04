"""Reads: each store's daily cash balance under a selection (stores/simulation/cash.py defines it).

A few queries whatever the number of stores: the day's costs from the rollup (by day), and the
orders' money by the day it moved - the payout or remittance day (money in, and the fees netted
from it) and the outcome day (refunds paid, reverse shipping, dispute fees). The rollup sums
orders by placement day, so those days come from the order rows (services.rollup.
money_day_sums), or, for a finished run, from its RunStoreCashFlows rows: every line of the
balance by day, packed once when the run was summarised, so the default selection of a
two-million-order run reads one row per store, not its orders or a row per store and day.

The selection is the dashboard's (queries.funnel_rows): a run (or live rows), the cohorts
placed between `date_from` and `date_to`, a channel, a source. The balance starts from the
store's starting capital on the selection's first day (a date range reads as a store that
opened that day) and runs to its last day: `date_to`, else the day the figures stand at
(a run's last day). Money due after that day has not moved yet.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from ..models import Order, RunStoreCashFlows, RunStoreDay, SimulationRun, Source, Store
from ..services.rollup import fetch_rows, float_sum, money_day_sums
from ..simulation.cash import (
    DAY_FLOWS,
    OUTCOME_FLOWS,
    RECEIVED_FLOWS,
    CashTerms,
    CashTimeline,
    FlowGrid,
    ordinal,
    timeline_of,
    unpack,
)
from .definitions import LIVE

ZERO = Decimal("0")

# The rollup's lines that move on the day they are booked (placement day, or the day spent).
DAY_LINES = ("goods_cost", "shipping_cost", "ad_spend", "other_cost")


def cash_terms(store: Store, scale: int = 1) -> CashTerms:
    """A store's cash terms; `scale`: the times its visits and budgets the selection ran at
    (live traffic's, settings.LIVE_TRAFFIC_SCALE), which its capital is read at too."""
    return CashTerms(
        starting_capital=store.starting_capital * scale,
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
    """Each store's cash timeline (by store id) under the selection: one query on a finished
    run's summaries, four over all data (the finished runs' summaries and the other rows),
    three on the order rows of any other selection (four for live traffic, sized at
    settings.LIVE_TRAFFIC_SCALE: _live_scales).

    `rows`: the selection's DailyFunnel rows when the caller has them (queries.funnel_rows)."""
    stores = list(stores)
    if not stores:
        return {}
    ids = [s.id for s in stores]
    last = last_cash_day(as_of, date_to).toordinal()
    # A finished run's money by the day it moved was packed once, when it was summarised. A
    # date_to needs nothing more (money that moved by that day belongs to orders placed by then,
    # and the timeline ends there); a first cohort day, a channel or the shoppers alone need the
    # order rows.
    from_summaries = not channel and not date_from and source in (None, Source.SYNTHETIC)
    if isinstance(run, SimulationRun) and run.summarised_at is not None and from_summaries:
        start = run.start_date.toordinal()
        grid = FlowGrid(ids, start, last)
        for store_id, first_day, cents_blob in _packed(run_id=run.pk, store_id__in=ids):
            grid.add_block(store_id, first_day.toordinal(), unpack(cents_blob))
        return _timelines(stores, grid, dict.fromkeys(ids, start), last)

    day_rows = fetch_rows(_day_costs(ids, run, date_from, date_to, channel, source, rows))
    first = _first_days(day_rows)
    starts = {}
    for store in stores:
        start = date_from or (run.start_date if isinstance(run, SimulationRun) else None)
        starts[store.id] = start.toordinal() if start else first.get(store.id)
    grid = FlowGrid(ids, min((o for o in starts.values() if o is not None), default=last), last)
    grid.add(day_rows, DAY_FLOWS)
    orders = _orders(ids, run, date_from, date_to, channel, source)
    if run is None and from_summaries:
        # All data: the finished runs' money from their summaries, the rest (live and shoppers'
        # orders, runs still being written) from the rows.
        done = SimulationRun.objects.filter(summarised_at__isnull=False).values("pk")
        for store_id, first_day, cents_blob in _packed(run_id__in=done, store_id__in=ids):
            grid.add_block(store_id, first_day.toordinal(), unpack(cents_blob), MOVED_FLOWS)
        # The runs listed, not joined: with every run finished, "run is null" reads the (run,
        # store) index, not all the orders of the stores (a join made SQLite scan two million).
        open_runs = [pk for (pk,) in SimulationRun.objects.filter(summarised_at__isnull=True)
                     .values_list("pk")]  # fmt: skip
        rest = Q(run__isnull=True) | Q(run_id__in=open_runs) if open_runs else Q(run__isnull=True)
        orders = orders.filter(rest)
    received, outcomes = money_day_sums(orders)
    grid.add(received, RECEIVED_FLOWS)
    grid.add(outcomes, OUTCOME_FLOWS)
    scales = _live_scales(ids) if run == LIVE else None
    return _timelines(stores, grid, starts, last, scales)


# The lines dated by the day the money moved (not the day booked): from a run's packed flows
# when its day costs come from the rows.
MOVED_FLOWS = RECEIVED_FLOWS + OUTCOME_FLOWS


def _packed(**where) -> list[tuple]:
    return list(
        RunStoreCashFlows.objects.filter(**where).values_list("store_id", "first_day", "cents")
    )


def _day_costs(ids, run, date_from, date_to, channel, source, rows):
    """The day's costs by store and day under the selection: the rollup's rows, or a finished
    run's summary (a row per store x day already, six times fewer rows)."""
    from .queries import funnel_rows

    synthetic = not channel and source in (None, Source.SYNTHETIC)
    if isinstance(run, SimulationRun) and run.summarised_at and synthetic:
        summary = RunStoreDay.objects.filter(run=run, store_id__in=ids)
        summary = summary.filter(date__gte=date_from) if date_from else summary
        summary = summary.filter(date__lte=date_to) if date_to else summary
        return summary.values_list("store_id", "date", *DAY_LINES)
    if rows is None:
        rows = funnel_rows(
            ids, run=run, date_from=date_from, date_to=date_to, channel=channel, source=source
        )
    return rows.values_list("store_id", "date").annotate(
        **{f"s_{c}": float_sum(c) for c in DAY_LINES}
    )


def _first_days(rows: list[tuple]) -> dict[int, int]:
    """Each store's first day (an ordinal) among rows of (store id, day, ...)."""
    ordinals = {day: ordinal(day) for day in {row[1] for row in rows}}  # a few hundred days
    first: dict[int, int] = {}
    for store_id, day, *_ in rows:
        o = ordinals[day]
        if o < first.get(store_id, o + 1):
            first[store_id] = o
    return first


def _timelines(
    stores, grid: FlowGrid, starts: dict, last: int, scales: dict[int, int] | None = None
) -> dict[int, CashTimeline]:
    out = {}
    for store in stores:
        terms = cash_terms(store, (scales or {}).get(store.id, 1))
        start = starts[store.id]
        if start is None or start > last:
            out[store.id] = CashTimeline(starting_capital=terms.starting_capital)
            continue
        out[store.id] = timeline_of(terms, date.fromordinal(start), grid.of(store.id, start))
    return out


def _live_scales(ids: list[int]) -> dict[int, int]:
    """Live traffic runs at settings.LIVE_TRAFFIC_SCALE times a store's visits and budgets
    (services.live): a store that size needs that much capital, or its live balance sinks by
    the scale. A training session's stores are sized already (their capital was multiplied by
    the session's scale when it made them), and a run's traffic is not scaled."""
    scale = int(getattr(settings, "LIVE_TRAFFIC_SCALE", 1))
    if scale == 1:
        return {}
    in_sessions = set(
        Store.objects.filter(pk__in=ids, training_sessions__isnull=False).values_list(
            "pk", flat=True
        )
    )
    return {store_id: scale for store_id in ids if store_id not in in_sessions}


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
