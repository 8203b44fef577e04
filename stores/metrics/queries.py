"""Reads: every dashboard figure, computed from the DailyFunnel rollup (never by scanning orders).

Selection (the same for the dashboard, its exports and `manage.py compare`):
- `run`: a SimulationRun (or its id) = that run's rows only; LIVE = rows outside any run (shoppers
  and the live trickle); None = every row, in and outside runs. Two runs over the same days of
  one store then add up, so the dashboard picks one run by default when there is any.
- `date_from` / `date_to`: placement day (cohort), inclusive. `channel`: one acquisition channel.
  `market`: the stores selling in that market (a store has one market). `source`: "synthetic",
  "shopper" or None for both.

`as_of` is the moment the figures stand at: for a run, the end of its last day (its rows are
realised as of then); otherwise now. Lagged outcomes (returns, COD refusals, chargebacks) count
the cohorts old enough for that outcome to have happened (definitions.mature_through); with no
mature cohort in the selection a rate falls back to every cohort and is flagged provisional.
"""

from __future__ import annotations

import hashlib
import math
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import accumulate, groupby
from operator import itemgetter
from typing import Any

import numpy as np
from django.core.cache import cache
from django.db import connection
from django.db.models import (
    Case,
    DateField,
    DecimalField,
    F,
    FloatField,
    Func,
    IntegerField,
    Max,
    Min,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast
from django.utils import timezone

from ..models import (
    PAID_CHANNELS,
    AppliedShock,
    DailyFunnel,
    Order,
    Product,
    RunStatus,
    RunStoreDay,
    RunStoreWeek,
    SimulationRun,
    Source,
    Store,
)
from ..services.engine_params import timeline_rules
from ..services.rollup import COLUMNS
from ..simulation import ledger
from ..simulation.shocks import slowest_rules
from .cash import cash_timelines
from .definitions import (
    COUNT_COLUMNS,
    LAGGED,
    LIVE,
    MONEY_COLUMNS,
    SETTLED,
    as_of_instant,
    mature_through,
)
from .figures import Comparison, DailySeries, StoreFigures
from .table import build_table

ZERO = Decimal("0")
CENT = Decimal("0.01")
MONEY = DecimalField(max_digits=16, decimal_places=2)
FLOAT = FloatField()
LAGGED_COLUMNS = tuple(dict.fromkeys(c for o in LAGGED for c in o.columns))

Cutoffs = dict[int, dict[str, date]]  # store id -> lagged outcome -> last mature placement day


def resolve_run(run: SimulationRun | int | str | None) -> SimulationRun | str | None:
    if run is None or run == LIVE or isinstance(run, SimulationRun):
        return run
    return SimulationRun.objects.get(pk=int(run))


def funnel_rows(
    store_ids: Iterable[int],
    *,
    run: SimulationRun | str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    channel: str | None = None,
    source: str | None = None,
):
    """The DailyFunnel rows of a selection (see the module docstring)."""
    return selection(
        DailyFunnel.objects.filter(store_id__in=list(store_ids)),
        "date",
        run=run,
        date_from=date_from,
        date_to=date_to,
        channel=channel,
        source=source,
    )


def selection(rows, day_field: str, *, run, date_from, date_to, channel, source):
    """A dashboard selection applied to rows that have a run, a day (`day_field`: the funnel's
    date, an order's placement day), a channel and a source: the one definition of what "run",
    "from", "to", "channel" and "traffic" pick, for the rollup and the order rows alike."""
    if run == LIVE:
        rows = rows.filter(run__isnull=True)
    elif run is not None:
        rows = rows.filter(run=run)
    if date_from:
        rows = rows.filter(**{f"{day_field}__gte": date_from})
    if date_to:
        rows = rows.filter(**{f"{day_field}__lte": date_to})
    if channel:
        rows = rows.filter(channel=channel)
    if source:
        if source not in Source.values:
            raise ValueError(f"source must be one of {', '.join(Source.values)}, not {source!r}")
        rows = rows.filter(source=source)
    return rows


def as_of_for(run: SimulationRun | str | None) -> datetime:
    """The moment a selection's figures stand at: a run's end (its rows are realised as of
    then), or now for live and shoppers' data."""
    if isinstance(run, SimulationRun):
        return run.as_of
    return timezone.now()


def cutoffs_for(stores: list[Store], as_of: datetime, run=None) -> Cutoffs:
    """Each store's last mature placement day per lagged outcome: by its date rules, its
    slowest supplier, and the shocks that slowed it in the selection (a courier delay makes
    the cohorts it touched wait longer). Two queries."""
    ids = [s.id for s in stores]
    leads = dict(
        Product.objects.filter(store__in=ids, is_active=True)
        .values("store_id")
        .annotate(lead=Max("supplier_lead_days"))
        .values_list("store_id", "lead")
        .order_by()
    )
    shocks = AppliedShock.objects.filter(store__in=ids)
    if isinstance(run, SimulationRun):
        shocks = shocks.filter(run=run)
    elif run == LIVE:
        shocks = shocks.filter(run__isnull=True)
    changes: dict[int, list] = defaultdict(list)
    for shock in shocks.order_by("pk"):
        changes[shock.store_id].extend(shock.as_changes())
    out = {}
    for s in stores:
        rules = timeline_rules(s, leads.get(s.id) or 0)
        if changes.get(s.id):
            rules = slowest_rules(rules, changes[s.id])
        out[s.id] = mature_through(rules, as_of)
    return out


def cents(value: Decimal | None) -> Decimal:
    """A money sum to the cent. SQLite adds decimal columns as binary floats (8245.94999999999
    for 8245.95); rounding to the cent is exact while the float error stays under half a cent,
    which holds far beyond any sum the sandbox makes. PostgreSQL sums are exact already."""
    return ZERO if value is None else value.quantize(CENT)


def _paid_net_sales() -> Sum:
    return Sum(ledger.net_sales(COLUMNS), filter=Q(channel__in=list(PAID_CHANNELS)))


def _paid_new_customers() -> Sum:
    return Sum("new_customers", filter=Q(channel__in=list(PAID_CHANNELS)))


def _empty_figures(store: Store, cutoffs: dict[str, date], channel: str | None = None):
    fig = StoreFigures(
        slug=store.slug,
        name=store.name,
        model=store.business_model,
        model_label=store.get_business_model_display(),
        colour=store.primary_colour,
        store_id=store.id,
        channel=channel,
        mature_through=cutoffs,
    )
    fig.totals = dict.fromkeys(COUNT_COLUMNS, 0)
    fig.totals.update(dict.fromkeys(MONEY_COLUMNS, ZERO))
    fig.mature = {o.key: dict.fromkeys(o.columns, 0) for o in LAGGED}
    return fig


def compare_stores(
    stores: Iterable[Store],
    *,
    run: SimulationRun | int | str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    channel: str | None = None,
    market: str | None = None,
    source: str | None = None,
    baseline: Store | str | None = None,
    as_of: date | datetime | None = None,
    series: str = "auto",
) -> Comparison:
    """Per-store figures, the KPI table against a baseline, and the time series.

    Six queries: the stores' lead times (for maturity), the sums per store x period, the
    lagged counts of the days around each maturity date, and the three of the daily cash
    balances (stores.metrics.cash); one more when neither a run nor both dates bound the span. `baseline` is a Store or a slug among `stores` (default: none, no
    comparison). Stores outside `market` are left out. `series` is "day", "week" or "auto": by day up
    to SERIES_DAYS_MAX days, by week (Monday to Sunday) beyond. The intervals of money per
    session use the same periods as clusters.
    """
    if series not in ("auto", "day", "week"):
        raise ValueError(f"series must be auto, day or week, not {series!r}")
    store_list = [s for s in _store_list(stores) if not market or s.market == market]
    run = resolve_run(run)
    key = _cache_key(store_list, run, (date_from, date_to, channel, market, source,
                                       getattr(baseline, "slug", baseline), as_of, series))  # fmt: skip
    cached = cache.get(key) if key else None
    if cached is not None:
        return cached
    comparison = _compare(store_list, run, date_from, date_to, channel, market, source,
                          baseline, as_of, series)  # fmt: skip
    if key:
        cache.set(key, comparison, COMPARISON_CACHE_SECONDS)
    return comparison


# A finished run's figures never change (its rows stand at its end, whenever they are read):
# its comparisons are kept this long, per selection, so that the class's clicks on the same run
# (presentation mode, the metrics shown, the charts' stores) skip the queries. The cache hands
# back a copy (Django's caches pickle), and the key holds each store's last edit.
COMPARISON_CACHE_SECONDS = 600


def _cache_key(stores: list[Store], run, selection: tuple) -> str | None:
    if not (isinstance(run, SimulationRun) and run.status == RunStatus.DONE and run.summarised_at):
        return None
    parts = (run.pk, run.summarised_at, [(s.pk, s.updated_at) for s in stores], selection)
    return "compare:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def _compare(
    store_list: list[Store],
    run,
    date_from: date | None,
    date_to: date | None,
    channel: str | None,
    market: str | None,
    source: str | None,
    baseline: Store | str | None,
    as_of: date | datetime | None,
    series: str,
) -> Comparison:
    as_of = as_of_instant(as_of) if as_of is not None else as_of_for(run)
    cutoffs = cutoffs_for(store_list, as_of, run) if store_list else {}
    rows = funnel_rows(
        cutoffs, run=run, date_from=date_from, date_to=date_to, channel=channel, source=source
    )
    by_week = series == "week" or (
        series == "auto" and _span_days(rows, run, date_from, date_to) > SERIES_DAYS_MAX
    )
    # A finished run over all its channels reads its summary: per store x day (6x fewer rows),
    # or per store x week when the series is weekly and the dates cut no week (~40x fewer).
    summary, weekly_rows = None, False
    if _summarised(run) and not channel and source in (None, Source.SYNTHETIC):
        whole_weeks = (not date_from or date_from.weekday() == 0) and (
            not date_to or date_to.weekday() == 6
        )
        weekly_rows = by_week and whole_weeks
        days = RunStoreDay.objects.filter(run=run, store_id__in=list(cutoffs))
        days = days.filter(date__gte=date_from) if date_from else days
        days = days.filter(date__lte=date_to) if date_to else days
        summary = days
        if weekly_rows:
            summary = RunStoreWeek.objects.filter(run=run, store_id__in=list(cutoffs))
            summary = summary.filter(date__gte=date_from) if date_from else summary
            summary = summary.filter(date__lte=date_to) if date_to else summary
    figures = {s.id: _empty_figures(s, cutoffs[s.id]) for s in store_list}
    series_by_slug: dict[str, DailySeries] = {}
    if store_list:
        _fill_from_period_rows(
            summary if summary is not None else rows,
            figures,
            series_by_slug,
            cutoffs,
            by_week,
            summary=summary is not None,
            weekly_rows=weekly_rows,
            day_rows=days if summary is not None else rows,
        )

    timelines = cash_timelines(
        store_list, run=run, as_of=as_of, date_from=date_from, date_to=date_to,
        channel=channel, source=source, rows=rows,
    )  # fmt: skip
    for store_id, timeline in timelines.items():
        figures[store_id].cash = timeline
    row_list = [figures[s.id] for s in store_list]
    base = _pick_baseline(row_list, baseline)
    return Comparison(
        rows=row_list,
        baseline=base,
        table=build_table(row_list, base),
        series=series_by_slug,
        granularity="week" if by_week else "day",
        as_of=as_of,
        selection={
            "run": run.pk if isinstance(run, SimulationRun) else run,
            "date_from": date_from,
            "date_to": date_to,
            "channel": channel,
            "market": market,
            "source": source,
            "baseline": base.slug if base else None,
        },
    )


# Past this many days the series (and the clusters of the intervals) are weekly: a year of daily
# points per store is noise on a slide, and grouping by week makes the main query of a 20-store
# year several times lighter (benchmarks/dashboard_queries.py).
SERIES_DAYS_MAX = 120

# The main query of compare_stores: every column summed per store x period. Store totals, the
# series and the clusters of the intervals come from it; the mature cohort counts too, but for the
# week holding a store's maturity dates (see _mature_counts).
_PERIOD_SUMS = (
    *((c, False) for c in COUNT_COLUMNS),
    *((c, True) for c in MONEY_COLUMNS),
    ("paid_net_sales", True),
    ("paid_new_customers", False),
)
_PAID_SUMS = {"paid_net_sales": _paid_net_sales, "paid_new_customers": _paid_new_customers}


class WeekStart(Func):
    """The Monday of a date's week, with each database's built-in date functions (a Python
    function registered in SQLite, as Django's TruncWeek is there, would run once per row).

    On SQLite the expression must stay exactly as the index of migration 0003 spells it
    (funnel_store_week): that index hands the rows over already in (store, week) order, so the
    grouping streams instead of sorting 43,800 wide rows.
    """

    output_field = DateField()

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="date(%(expressions)s, '-6 days', 'weekday 1')", **extra)  # fmt: skip

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="CAST(DATE_TRUNC('week', %(expressions)s) AS date)", **extra)  # fmt: skip


def _span_days(rows, run, date_from: date | None, date_to: date | None) -> int:
    """Days between the first and the last day the selection can hold."""
    if isinstance(run, SimulationRun):
        first = max(run.start_date, date_from) if date_from else run.start_date
        last = run.start_date + timedelta(days=run.days - 1)
        last = min(last, date_to) if date_to else last
    elif date_from and date_to:
        first, last = date_from, date_to
    else:
        bounds = rows.aggregate(first=Min("date"), last=Max("date"))
        first, last = date_from or bounds["first"], date_to or bounds["last"]
    return (last - first).days + 1 if first and last else 0


def _summarised(run) -> bool:
    return isinstance(run, SimulationRun) and run.summarised_at is not None


def _period_rows(
    rows, by_week: bool, summary: bool = False, weekly_rows: bool = False
) -> list[tuple]:
    """(store_id, period, *sums in _PERIOD_SUMS order), straight from the cursor.

    Money is summed as double precision and rounded to the cent afterwards (exact far beyond any
    sandbox total). Reading the cursor directly skips Django's per-value converters, which cost
    more than the query itself on a year of 20 stores. Nothing but (store, period) in the GROUP
    BY: both follow an index, so SQLite aggregates as it reads (a maturity flag there made it sort
    every row first, half the time of the query).
    """
    annotations = {}
    for name, is_money in _PERIOD_SUMS:
        # Net sales, contribution and the like are differences of these sums, worked out per
        # period in Python: an expression inside SUM() would cost an evaluation per row.
        # RunStoreDay holds the paid channels' sums as columns of their own.
        total = _PAID_SUMS[name]() if name in _PAID_SUMS and not summary else Sum(name)
        annotations[f"s_{name}"] = Cast(total, FLOAT) if is_money else total
    period = F("date") if weekly_rows or not by_week else WeekStart("date")
    query = (
        rows.annotate(period=period)
        .values_list("store_id", "period")
        .annotate(**annotations)
        .order_by("store_id", "period")
    )
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _mature_counts(
    rows, period_rows: list[tuple], cutoffs: Cutoffs, by_week: bool
) -> dict[int, dict[str, dict[str, int]]]:
    """Each lagged outcome's columns summed over each store's placement days up to its cutoff.

    Periods that end by the cutoff come from the period sums. By week, a cutoff's own week is
    partly mature: its days are read by one more query, for those few days only (summing every
    mature row there instead costs a third of the main query).
    """
    at = {name: i + 2 for i, (name, _) in enumerate(_PERIOD_SUMS)}
    out = {s: {o.key: dict.fromkeys(o.columns, 0) for o in LAGGED} for s in cutoffs}
    # By day a period is mature when it is <= the cutoff; by week when its Monday comes before
    # the Monday of the cutoff's week (ISO strings compare as dates do).
    limits = {
        store_id: [
            (
                o,
                (_week_start(by_outcome[o.key]) - timedelta(days=1))
                if by_week
                else by_outcome[o.key],
            )
            for o in LAGGED
        ]
        for store_id, by_outcome in cutoffs.items()
    }
    # Rows come by store, then period: each store's running sums, read at each cutoff.
    for store_id, group in groupby(period_rows, key=itemgetter(0)):
        group = list(group)
        periods = [_as_date(row[1]) for row in group]
        running = {c: list(accumulate(row[at[c]] for row in group)) for c in LAGGED_COLUMNS}
        for o, limit in limits[store_id]:
            n = bisect_right(periods, limit)
            if n:
                outcome = out[store_id][o.key]
                for c in o.columns:
                    outcome[c] += running[c][n - 1]
    if not by_week:
        return out
    # The days of each cutoff's own week, up to the cutoff.
    windows = {
        store_id: [(o, _week_start(by_outcome[o.key]), by_outcome[o.key]) for o in LAGGED]
        for store_id, by_outcome in cutoffs.items()
    }
    days = sorted(
        {lo + timedelta(days=k) for w in windows.values() for _, lo, hi in w
         for k in range((hi - lo).days + 1)}
    )  # fmt: skip
    if not days:
        return out
    sums = {f"s_{c}": Sum(c) for c in LAGGED_COLUMNS}
    query = rows.filter(date__in=days).values_list("store_id", "date").annotate(**sums).order_by()
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        day_rows = cursor.fetchall()
    at_day = {c: i + 2 for i, c in enumerate(LAGGED_COLUMNS)}
    for row in day_rows:
        day, counts = _as_date(row[1]), out[row[0]]
        for o, lo, hi in windows[row[0]]:
            if lo <= day <= hi:
                for c in o.columns:
                    counts[o.key][c] += row[at_day[c]] or 0
    return out


def _money(value: float | None) -> Decimal:
    return Decimal(f"{value or 0.0:.2f}") + ZERO  # + ZERO turns -0.00 into 0.00


def _fill_from_period_rows(
    rows,
    figures: dict[int, StoreFigures],
    series: dict,
    cutoffs: Cutoffs,
    by_week: bool,
    *,
    summary: bool = False,
    weekly_rows: bool = False,
    day_rows=None,
) -> None:
    """Store totals, mature counts, the series and the interval clusters from the period sums.

    Column-wise (zip, sum, map) rather than row by row: this runs on every dashboard request.
    """
    names = [name for name, _ in _PERIOD_SUMS]
    at = {name: i + 2 for i, name in enumerate(names)}
    period_rows = _period_rows(rows, by_week, summary, weekly_rows)
    mature = _mature_counts(rows if day_rows is None else day_rows, period_rows, cutoffs, by_week)
    for store_id, group in groupby(period_rows, key=itemgetter(0)):
        group = list(group)
        fig = figures[store_id]
        columns = list(zip(*group, strict=True))
        col = {name: columns[at[name]] for name in names}
        fig.totals = {c: int(sum(col[c])) for c in COUNT_COLUMNS}
        fig.totals.update({c: _money(sum(col[c])) for c in MONEY_COLUMNS})
        # No paid-channel row in a period gives NULL there.
        fig.paid_net_sales = _money(sum(filter(None, col["paid_net_sales"])))
        fig.paid_new_customers = int(sum(filter(None, col["paid_new_customers"])))
        fig.mature = mature[store_id]
        settled = cutoffs[store_id][SETTLED]
        last_day = 6 if by_week else 0
        fig.unsettled = any(
            orders and _as_date(period) + timedelta(days=last_day) > settled
            for period, orders in zip(columns[1], col["orders"], strict=True)
        )

        # The ledger's formulas over the periods' columns (floats, rounded to the cent).
        lines = ledger.Lines({c: np.asarray(col[c], dtype=float) for c in MONEY_COLUMNS})
        money = [ledger.charged(lines), ledger.net_sales(lines), ledger.contribution(lines)]
        values = [
            [_as_date(d) for d in columns[1]],
            list(col["sessions"]),
            list(col["converted"]),
            list(col["orders"]),
            *(np.round(m, 2).tolist() for m in money),
            np.round(lines.ad_spend, 2).tolist(),
        ]
        fig.series = series[fig.slug] = DailySeries(fig.slug, *values)
        fig.days = len(values[0])


def _as_date(value: date | str) -> date:
    # SQLite hands dates back as ISO strings when the cursor is read directly.
    return value if isinstance(value, date) else date.fromisoformat(value)


def _store_list(stores) -> list[Store]:
    if isinstance(stores, Store):
        return [stores]
    return list(stores)


def _pick_baseline(rows: list[StoreFigures], baseline) -> StoreFigures | None:
    """The store named as baseline; with none named there is none (never one picked for the
    trainer: the comparison says "no baseline" instead)."""
    if not rows or baseline is None:
        return None
    slug = baseline.slug if isinstance(baseline, Store) else str(baseline)
    for row in rows:
        if row.slug == slug:
            return row
    raise ValueError(f"The baseline {slug!r} is not among the compared stores.")


def channel_breakdown(store: Store, **selection: Any) -> list[StoreFigures]:
    """The figures of one store split by acquisition channel (two queries)."""
    run = resolve_run(selection.pop("run", None))
    as_of = selection.pop("as_of", None)
    as_of = as_of_instant(as_of) if as_of is not None else as_of_for(run)
    selection.pop("market", None)
    selection.pop("baseline", None)
    cutoffs = cutoffs_for([store], as_of, run)[store.id]
    rows = funnel_rows([store.id], run=run, **selection)
    # One flag per lagged outcome: is the row's placement day mature for it?
    flags = {f"m_{o.key}": _flag(cutoffs[o.key]) for o in LAGGED}
    sums = {f"t_{c}": Sum(c) for c in COUNT_COLUMNS + MONEY_COLUMNS}
    grouped = (
        rows.annotate(**flags, m_settled=_flag(cutoffs[SETTLED]))
        .values("channel", *flags, "m_settled")
        .annotate(**sums, t_paid_net_sales=_paid_net_sales(), t_paid_new=_paid_new_customers())
        .order_by()
    )
    figures: dict[str, StoreFigures] = {}
    for v in grouped:
        fig = figures.get(v["channel"])
        if fig is None:
            fig = figures[v["channel"]] = _empty_figures(store, cutoffs, channel=v["channel"])
        for c in COUNT_COLUMNS:
            fig.totals[c] += v[f"t_{c}"] or 0
        for c in MONEY_COLUMNS:
            fig.totals[c] = cents(fig.totals[c] + (v[f"t_{c}"] or ZERO))
        fig.paid_net_sales = cents(fig.paid_net_sales + (v["t_paid_net_sales"] or ZERO))
        fig.paid_new_customers += v["t_paid_new"] or 0
        fig.unsettled = fig.unsettled or (not v["m_settled"] and bool(v["t_orders"]))
        for o in LAGGED:
            if v[f"m_{o.key}"]:
                for c in o.columns:
                    fig.mature[o.key][c] += v[f"t_{c}"] or 0
    return [figures[c] for c in sorted(figures)]


def _flag(cutoff: date) -> Case:
    """1 on rows placed by `cutoff`, else 0."""
    return Case(
        When(date__lte=cutoff, then=Value(1)), default=Value(0), output_field=IntegerField()
    )


def store_orders(store: Store, **selection: Any):
    """The order rows behind a store's figures (drill-down list; paginate it)."""
    run = resolve_run(selection.get("run"))
    orders = Order.objects.filter(store=store)
    if run == LIVE:
        orders = orders.filter(run__isnull=True)
    elif run is not None:
        orders = orders.filter(run=run)
    if selection.get("date_from"):
        orders = orders.filter(placed_date__gte=selection["date_from"])
    if selection.get("date_to"):
        orders = orders.filter(placed_date__lte=selection["date_to"])
    if selection.get("channel"):
        orders = orders.filter(channel=selection["channel"])
    if selection.get("source"):
        orders = orders.filter(source=selection["source"])
    return orders.order_by("-placed_at", "-id")


def hourly_orders(
    stores: Iterable[Store], *, since: datetime, until: datetime
) -> dict[str, list[tuple[datetime, int, float]]]:
    """Per store (slug), each hour in [since, until): the orders placed outside runs and their
    net sales (the ledger's), as they stand. A training session's first simulated hours, when
    a daily chart would have a single point."""
    stores = list(stores)
    start = since.replace(minute=0, second=0, microsecond=0)
    hours = max(1, math.ceil((until - start).total_seconds() / 3600))
    out = {s.slug: [[start + timedelta(hours=h), 0, 0.0] for h in range(hours)] for s in stores}
    slugs = {s.id: s.slug for s in stores}
    rows = Order.objects.filter(
        store_id__in=list(slugs), run__isnull=True, placed_at__gte=start, placed_at__lt=until
    ).values_list("store_id", "placed_at", *ledger.REVENUE_LINES)
    for store_id, placed_at, *money in rows:
        slot = out[slugs[store_id]][int((placed_at - start).total_seconds() // 3600)]
        slot[1] += 1
        slot[2] += float(
            ledger.net_sales(ledger.Lines(dict(zip(ledger.REVENUE_LINES, money, strict=True))))
        )
    return {slug: [tuple(slot) for slot in slots] for slug, slots in out.items()}
