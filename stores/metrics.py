"""Reads: every dashboard figure, computed from the DailyFunnel rollup (never by scanning orders).

One place for each definition: METRICS holds the label, numerator / denominator and direction of
every figure; the dashboard's tooltips, the glossary page and docs/metrics.md say the same thing.

Selection (the same for the dashboard, its exports and `manage.py compare`):
- `run`: a SimulationRun (or its id) = that run's rows only; LIVE = rows outside any run (shoppers
  and the live trickle); None = every row, in and outside runs. Two runs over the same days of
  one store then add up, so the dashboard picks one run by default when there is any.
- `date_from` / `date_to`: placement day (cohort), inclusive. `channel`: one acquisition channel.
  `market`: the stores selling in that market (a store has one market). `source`: "synthetic",
  "shopper" or None for both.

Lagged outcomes (returns, COD refusals, chargebacks) are counted on mature cohorts only: a placement
day is mature when day <= as_of - (handling_days_max + delivery_days_max + return_window_days) of
its store. With no mature cohort in the selection the rate falls back to every cohort and is
flagged provisional. `as_of` is today, or for a run the earlier of today and its last day.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from itertools import groupby
from operator import itemgetter, sub
from typing import Any

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

from . import stats
from .models import (
    FUNNEL_COUNT_FIELDS,
    ORDER_COST_FIELDS,
    PAID_CHANNELS,
    ROLLUP_COUNT_FIELDS,
    Channel,
    DailyFunnel,
    Order,
    SimulationRun,
    Source,
    Store,
)

LIVE = "live"  # run selector: rows outside any simulation run
ZERO = Decimal("0")
CENT = Decimal("0.01")
MONEY = DecimalField(max_digits=16, decimal_places=2)
FLOAT = FloatField()

COUNT_COLUMNS = FUNNEL_COUNT_FIELDS + ROLLUP_COUNT_FIELDS
MONEY_COLUMNS = (
    "gross_sales",
    "discount",
    "refund",
    *ORDER_COST_FIELDS,
    "ad_spend",
    "other_cost",
    "cash_collected",
)
# Counted on mature cohorts only (see the module docstring).
MATURE_COLUMNS = (
    "orders",
    "cod_orders",
    "delivered_orders",
    "returned_orders",
    "refunded_orders",
    "chargebacks",
    "cod_shipped",
    "cod_refused",
)

_net = F("gross_sales") - F("discount") - F("refund")


# --- Definitions --------------------------------------------------------------------------------


@dataclass(frozen=True)
class MetricDef:
    key: str
    label: str
    kind: str  # count | rate | money | money_ratio | ratio (a share) | multiple | days
    definition: str
    higher_is_better: bool | None = True  # None: neither (sessions of a store are not "better")
    lagged: bool = False
    # For rates: the StoreFigures attributes holding the numerator and the denominator.
    numerator: str = ""
    denominator: str = ""


METRICS: tuple[MetricDef, ...] = (
    MetricDef("sessions", "Sessions", "count", "Visits; a session ends after 30 minutes of inactivity.", None),
    MetricDef("orders", "Orders", "count", "Orders placed (every status, cancelled included)."),
    MetricDef(
        "conversion_rate", "Conversion rate", "rate",
        "Sessions that placed an order / sessions. Not orders / sessions.",
        numerator="converted", denominator="sessions",
    ),
    MetricDef(
        "add_to_cart_rate", "Add-to-cart rate", "rate",
        "Sessions with an add to cart / sessions.",
        numerator="adds_to_cart", denominator="sessions",
    ),
    MetricDef(
        "cart_abandonment", "Cart abandonment", "rate",
        "1 - converted sessions / sessions with an add to cart.",
        higher_is_better=False, numerator="abandoned_carts", denominator="adds_to_cart",
    ),
    MetricDef(
        "aov", "Average order value", "money_ratio",
        "(Gross sales - discounts) / orders placed, before refunds. Interval: delta method, days as clusters.",
    ),
    MetricDef(
        "net_sales", "Net sales", "money",
        "Gross sales (price x quantity) - discounts - refunds, refunds booked when they happen.",
    ),
    MetricDef(
        "net_sales_per_session", "Net sales per session", "money_ratio",
        "Net sales / sessions. Interval: delta method, days as clusters.",
    ),
    MetricDef(
        "returns_rate", "Returns rate", "rate",
        "Orders returned or refunded / orders delivered, counted by orders, on mature cohorts "
        "(placed at least handling + delivery + return window days ago).",
        higher_is_better=False, lagged=True,
        numerator="returns_numerator", denominator="returns_denominator",
    ),
    MetricDef(
        "cod_refusal_rate", "COD refusal rate", "rate",
        "COD orders refused at the door / COD orders shipped, on mature cohorts.",
        higher_is_better=False, lagged=True,
        numerator="refusal_numerator", denominator="refusal_denominator",
    ),
    MetricDef(
        "chargeback_rate", "Chargeback rate", "rate",
        "Orders charged back / prepaid (non-COD) orders, on mature cohorts.",
        higher_is_better=False, lagged=True,
        numerator="chargeback_numerator", denominator="chargeback_denominator",
    ),
    MetricDef("gross_profit", "Gross profit", "money", "Net sales - cost of goods (production cost for POD)."),
    MetricDef("gross_margin", "Gross margin", "ratio", "Gross profit / net sales."),
    MetricDef(
        "contribution_margin", "Contribution", "money",
        "Net sales - goods - shipping (both legs) - payment, COD, chargeback and platform fees "
        "- ad spend - other operating costs.",
    ),
    MetricDef(
        "contribution_per_session", "Contribution per session", "money_ratio",
        "Contribution / sessions. Interval: delta method, days as clusters.",
    ),
    MetricDef("contribution_rate", "Contribution margin", "ratio", "Contribution / net sales."),
    MetricDef("ad_spend", "Ad spend", "money", "Spend on paid social and paid search.", None),
    MetricDef("cac", "CAC", "money", "Ad spend / new customers.", higher_is_better=False),
    MetricDef("roas", "ROAS", "multiple", "Net sales of orders from paid channels / ad spend."),
    MetricDef(
        "cash_collected", "Cash collected", "money",
        "(Gross sales - discounts) of orders whose money has arrived (COD: when the courier remits).",
    ),
    MetricDef(
        "cash_lag_days", "Cash lag", "days",
        "Average days from order to cash arriving, over orders whose cash has arrived.",
        higher_is_better=False,
    ),
)  # fmt: skip
METRIC_BY_KEY = {m.key: m for m in METRICS}

WATERFALL_STEPS = (
    ("net_sales", "Net sales", "Gross sales - discounts - refunds."),
    ("goods_cost", "Goods", "Cost of goods or production."),
    ("shipping_cost", "Shipping", "Forward shipping to the buyer."),
    ("fees", "Fees", "Payment, COD, chargeback and platform fees."),
    ("ad_spend", "Ad spend", "Paid social and paid search."),
    ("return_shipping_cost", "Returns & refusals", "Reverse shipping of returned or refused parcels."),
    ("other_cost", "Other costs", "Operating costs (per-SKU upkeep)."),
    ("contribution_margin", "Contribution", "What is left."),
)  # fmt: skip
FEE_COLUMNS = ("payment_fee", "cod_fee", "chargeback_fee", "platform_fee")


# --- Figures ------------------------------------------------------------------------------------


@dataclass
class StoreFigures:
    """Every figure of one store (or one channel of a store) under the current selection."""

    slug: str
    name: str
    model: str
    model_label: str = ""
    colour: str = "#1f4e79"
    store_id: int | None = None
    channel: str | None = None
    mature_through: date | None = None
    totals: dict[str, Any] = field(default_factory=dict, repr=False)
    mature: dict[str, int] = field(default_factory=dict, repr=False)
    paid_net_sales: Decimal = ZERO
    days: int = 0
    # The store's days (clusters of the delta-method intervals); None outside compare_stores.
    series: DailySeries | None = field(default=None, repr=False)
    _estimates: dict[str, stats.Estimate | None] = field(default_factory=dict, repr=False)

    def __getattr__(self, name: str) -> Any:
        # Raw column sums (sessions, goods_cost, ...) read straight from the totals.
        totals = self.__dict__.get("totals", {})
        if name in totals:
            return totals[name]
        raise AttributeError(name)

    @property
    def channel_label(self) -> str:
        return Channel(self.channel).label if self.channel else "All channels"

    # Sales and margins
    @property
    def net_sales(self) -> Decimal:
        return self.gross_sales - self.discount - self.refund

    @property
    def fees(self) -> Decimal:
        return sum((self.totals[c] for c in FEE_COLUMNS), ZERO)

    @property
    def order_costs(self) -> Decimal:
        return sum((self.totals[c] for c in ORDER_COST_FIELDS), ZERO)

    @property
    def gross_profit(self) -> Decimal:
        return self.net_sales - self.goods_cost

    @property
    def contribution_margin(self) -> Decimal:
        return self.net_sales - self.order_costs - self.ad_spend - self.other_cost

    @property
    def gross_margin(self) -> float | None:
        return _ratio(self.gross_profit, self.net_sales)

    @property
    def contribution_rate(self) -> float | None:
        return _ratio(self.contribution_margin, self.net_sales)

    @property
    def aov(self) -> Decimal | None:
        if not self.orders:
            return None
        return ((self.gross_sales - self.discount) / self.orders).quantize(CENT)

    @property
    def net_sales_per_session(self) -> Decimal | None:
        return (self.net_sales / self.sessions).quantize(CENT) if self.sessions else None

    @property
    def contribution_per_session(self) -> Decimal | None:
        if not self.sessions:
            return None
        return (self.contribution_margin / self.sessions).quantize(CENT)

    # Funnel
    @property
    def conversion_rate(self) -> float | None:
        return _ratio(self.converted, self.sessions)

    @property
    def add_to_cart_rate(self) -> float | None:
        return _ratio(self.adds_to_cart, self.sessions)

    @property
    def abandoned_carts(self) -> int:
        return max(0, self.adds_to_cart - self.converted)

    @property
    def cart_abandonment(self) -> float | None:
        return _ratio(self.abandoned_carts, self.adds_to_cart)

    @property
    def funnel(self) -> list[tuple[str, int]]:
        return [
            ("Sessions", self.sessions),
            ("Product view", self.product_views),
            ("Add to cart", self.adds_to_cart),
            ("Checkout", self.reached_checkout),
            ("Order", self.converted),
        ]

    # Lagged outcomes: mature cohorts when there are any, otherwise every cohort (provisional).
    def _lagged(self, numerator: tuple[str, ...], denominator: str) -> tuple[int, int, bool]:
        if self.mature.get(denominator):
            src, provisional = self.mature, False
        else:  # nothing mature yet; with nothing at all there is nothing to be provisional about
            src, provisional = self.totals, bool(self.totals[denominator])
        return sum(src[n] for n in numerator), src[denominator], provisional

    @property
    def returns_numerator(self) -> int:
        return self._lagged(("returned_orders", "refunded_orders"), "delivered_orders")[0]

    @property
    def returns_denominator(self) -> int:
        return self._lagged(("returned_orders", "refunded_orders"), "delivered_orders")[1]

    @property
    def returns_provisional(self) -> bool:
        return self._lagged(("returned_orders", "refunded_orders"), "delivered_orders")[2]

    @property
    def returns_rate(self) -> float | None:
        return _ratio(self.returns_numerator, self.returns_denominator)

    @property
    def refusal_numerator(self) -> int:
        return self._lagged(("cod_refused",), "cod_shipped")[0]

    @property
    def refusal_denominator(self) -> int:
        return self._lagged(("cod_refused",), "cod_shipped")[1]

    @property
    def cod_refusal_provisional(self) -> bool:
        return self._lagged(("cod_refused",), "cod_shipped")[2]

    @property
    def cod_refusal_rate(self) -> float | None:
        return _ratio(self.refusal_numerator, self.refusal_denominator)

    def _prepaid(self, src: dict) -> int:
        return src["orders"] - src["cod_orders"]

    @property
    def chargeback_provisional(self) -> bool:
        return not self._prepaid(self.mature) and bool(self._prepaid(self.totals))

    @property
    def chargeback_numerator(self) -> int:
        src = self.totals if self.chargeback_provisional else self.mature
        return src["chargebacks"]

    @property
    def chargeback_denominator(self) -> int:
        src = self.totals if self.chargeback_provisional else self.mature
        return self._prepaid(src)

    @property
    def chargeback_rate(self) -> float | None:
        return _ratio(self.chargeback_numerator, self.chargeback_denominator)

    def provisional(self, key: str) -> bool:
        return {
            "returns_rate": self.returns_provisional,
            "cod_refusal_rate": self.cod_refusal_provisional,
            "chargeback_rate": self.chargeback_provisional,
        }.get(key, False)

    # Acquisition and cash
    @property
    def cac(self) -> Decimal | None:
        if not self.new_customers or not self.ad_spend:
            return None
        return (self.ad_spend / self.new_customers).quantize(CENT)

    @property
    def roas(self) -> float | None:
        return _ratio(self.paid_net_sales, self.ad_spend)

    @property
    def cash_lag_days(self) -> float | None:
        return _ratio(self.totals["cash_lag_days"], self.cash_orders)

    # Statistics
    def estimate(self, key: str) -> stats.Estimate | None:
        """Delta-method estimate of a money ratio over days (see stats.ratio_estimate)."""
        if key not in self._estimates:
            s = self.series
            numerator, denominator = {
                "net_sales_per_session": (s.net_sales, s.sessions),
                "contribution_per_session": (s.contribution, s.sessions),
                "aov": (s.sales, s.orders),
            }[key] if s else ([], [])  # fmt: skip
            self._estimates[key] = stats.ratio_estimate(numerator, denominator)
        return self._estimates[key]

    def waterfall(self) -> list[tuple[str, str, Decimal, str]]:
        """(key, label, amount, help) steps from net sales down to contribution."""
        values = {
            "net_sales": self.net_sales,
            "goods_cost": self.goods_cost,
            "shipping_cost": self.shipping_cost,
            "fees": self.fees,
            "ad_spend": self.ad_spend,
            "return_shipping_cost": self.return_shipping_cost,
            "other_cost": self.other_cost,
            "contribution_margin": self.contribution_margin,
        }
        return [(key, label, values[key], text) for key, label, text in WATERFALL_STEPS]

    def value(self, key: str) -> Any:
        return getattr(self, key)


def _ratio(numerator, denominator) -> float | None:
    if not denominator:
        return None
    return float(numerator) / float(denominator)


# --- Cells of the comparison table ---------------------------------------------------------------


@dataclass
class Cell:
    """One store x one metric: value, interval and the comparison with the baseline."""

    slug: str
    value: Any
    interval: stats.Interval | None = None
    is_baseline: bool = False
    enough_data: bool = True
    provisional: bool = False
    relative: float | None = None  # value / baseline - 1
    relative_interval: stats.Interval | None = None
    chance_to_beat: float | None = None
    p_value: float | None = None
    q_value: float | None = None

    higher_is_better: bool | None = None

    @property
    def significant(self) -> bool:
        return self.q_value is not None and self.q_value <= 0.05

    @property
    def verdict(self) -> str:
        """ "better" / "worse" than the baseline when significant after BH, else ""."""
        if not self.significant or self.relative is None or self.higher_is_better is None:
            return ""
        return "better" if (self.relative > 0) == self.higher_is_better else "worse"


@dataclass
class MetricRow:
    metric: MetricDef
    cells: list[Cell]


@dataclass
class DailyPoint:
    """One store x day. Money is kept as float (charts and interval arithmetic want floats, and
    building thousands of Decimals per request costs more than the query); the Decimal
    properties give it to the cent."""

    slug: str
    date: date
    sessions: int
    converted: int
    orders: int
    net_sales_f: float
    contribution_f: float
    ad_spend_f: float

    @property
    def conversion_rate(self) -> float | None:
        return _ratio(self.converted, self.sessions)

    @property
    def net_sales(self) -> Decimal:
        return Decimal(f"{self.net_sales_f:.2f}")

    @property
    def contribution(self) -> Decimal:
        return Decimal(f"{self.contribution_f:.2f}")

    @property
    def ad_spend(self) -> Decimal:
        return Decimal(f"{self.ad_spend_f:.2f}")


@dataclass
class DailySeries:
    """One store's days as columns (money as float, rounded to the cent)."""

    slug: str
    days: list[date]
    sessions: list[int]
    converted: list[int]
    orders: list[int]
    sales: list[float]  # gross sales - discounts: the numerator of AOV
    net_sales: list[float]
    contribution: list[float]
    ad_spend: list[float]

    def points(self) -> list[DailyPoint]:
        return list(
            map(
                DailyPoint,
                [self.slug] * len(self.days),
                self.days,
                self.sessions,
                self.converted,
                self.orders,
                self.net_sales,
                self.contribution,
                self.ad_spend,
            )
        )


@dataclass
class Comparison:
    rows: list[StoreFigures]
    baseline: StoreFigures | None
    table: list[MetricRow]
    series: dict[str, DailySeries]
    granularity: str  # "day" or "week": the period of `series` (a week starts on Monday)
    as_of: date
    selection: dict[str, Any]

    @property
    def daily(self) -> list[DailyPoint]:
        """Every store x day, store by store (built on demand: the page charts read `series`)."""
        return [
            p
            for row in self.rows
            if row.slug in self.series
            for p in self.series[row.slug].points()
        ]

    def row(self, slug: str) -> StoreFigures:
        for row in self.rows:
            if row.slug == slug:
                return row
        raise KeyError(slug)

    @property
    def dates(self) -> list[date]:
        return sorted({d for s in self.series.values() for d in s.days})


# --- Queries ------------------------------------------------------------------------------------


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
    rows = DailyFunnel.objects.filter(store_id__in=list(store_ids))
    if run == LIVE:
        rows = rows.filter(run__isnull=True)
    elif run is not None:
        rows = rows.filter(run=run)
    if date_from:
        rows = rows.filter(date__gte=date_from)
    if date_to:
        rows = rows.filter(date__lte=date_to)
    if channel:
        rows = rows.filter(channel=channel)
    if source:
        if source not in Source.values:
            raise ValueError(f"source must be one of {', '.join(Source.values)}, not {source!r}")
        rows = rows.filter(source=source)
    return rows


def as_of_date(run: SimulationRun | str | None) -> date:
    today = timezone.localdate()
    if isinstance(run, SimulationRun):
        return min(today, run.start_date + timedelta(days=run.days - 1))
    return today


def mature_through(store: Store, as_of: date) -> date:
    """Last placement day whose returns, refusals and chargebacks have had time to happen."""
    window = store.handling_days_max + store.delivery_days_max + store.return_window_days
    return as_of - timedelta(days=window)


def _aggregates() -> dict[str, Any]:
    paid = Q(channel__in=list(PAID_CHANNELS))
    return {
        **{f"t_{c}": Sum(c) for c in COUNT_COLUMNS + MONEY_COLUMNS},
        "t_paid_net_sales": Sum(_net, filter=paid, output_field=MONEY),
    }


def cents(value: Decimal | None) -> Decimal:
    """A money sum to the cent. SQLite adds decimal columns as binary floats (8245.94999999999
    for 8245.95); rounding to the cent is exact while the float error stays under half a cent,
    which holds far beyond any sum the sandbox makes. PostgreSQL sums are exact already."""
    return ZERO if value is None else value.quantize(CENT)


Sums = tuple[dict[str, Any], dict[str, int], Decimal]  # totals, mature-cohort counts, paid net


def _grouped_sums(rows, key: str, cutoffs: dict[int, date]) -> dict[Any, Sums]:
    """Column sums per `key` (store or channel), with the lagged counts of mature cohorts.

    The rows are grouped by (key, mature?) with the maturity test evaluated once per row in a
    CASE; a filtered SUM per lagged column would repeat it eight times per row (measured: most
    of the query's time on a year of 20 stores).
    """
    if not cutoffs:
        return {}
    mature = Case(
        When(_mature_q(cutoffs), then=Value(1)), default=Value(0), output_field=IntegerField()
    )
    parts: dict[Any, list[dict]] = defaultdict(list)
    values = rows.annotate(is_mature=mature).values(key, "is_mature").annotate(**_aggregates())
    for v in values.order_by():
        parts[v[key]].append(v)
    out = {}
    for k, group in parts.items():
        totals: dict[str, Any] = {c: sum(g[f"t_{c}"] or 0 for g in group) for c in COUNT_COLUMNS}
        totals.update(
            {c: cents(sum((g[f"t_{c}"] or ZERO for g in group), ZERO)) for c in MONEY_COLUMNS}
        )
        ripe = next((g for g in group if g["is_mature"]), None)
        mature_counts = {c: (ripe[f"t_{c}"] or 0) if ripe else 0 for c in MATURE_COLUMNS}
        paid = cents(sum((g["t_paid_net_sales"] or ZERO for g in group), ZERO))
        out[k] = (totals, mature_counts, paid)
    return out


def _empty_sums() -> Sums:
    totals: dict[str, Any] = dict.fromkeys(COUNT_COLUMNS, 0)
    totals.update(dict.fromkeys(MONEY_COLUMNS, ZERO))
    return totals, dict.fromkeys(MATURE_COLUMNS, 0), ZERO


def _mature_q(cutoffs: dict[int, date]) -> Q:
    """Rows of mature cohorts: one clause per distinct cutoff (stores of a model share one)."""
    by_cutoff: dict[date, list[int]] = defaultdict(list)
    for store_id, cutoff in cutoffs.items():
        by_cutoff[cutoff].append(store_id)
    q = Q()
    for cutoff, ids in by_cutoff.items():
        q |= Q(store_id__in=ids, date__lte=cutoff)
    return q


def _store_list(stores) -> list[Store]:
    if isinstance(stores, Store):
        return [stores]
    return list(stores)


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
    as_of: date | None = None,
    series: str = "auto",
) -> Comparison:
    """Per-store figures, the KPI table against a baseline, and the time series. One query, plus
    a small one for the weeks of the maturity dates when the series is by week, and one more when
    neither a run nor both dates bound the span.

    `baseline` is a Store or a slug among `stores` (default: the first store). Stores outside
    `market` are left out. `series` is "day", "week" or "auto": by day up to SERIES_DAYS_MAX days,
    by week (Monday to Sunday) beyond. The intervals of money per session use the same periods
    as clusters.
    """
    if series not in ("auto", "day", "week"):
        raise ValueError(f"series must be auto, day or week, not {series!r}")
    store_list = [s for s in _store_list(stores) if not market or s.market == market]
    run = resolve_run(run)
    as_of = as_of or as_of_date(run)
    cutoffs = {s.id: mature_through(s, as_of) for s in store_list}
    rows = funnel_rows(
        cutoffs, run=run, date_from=date_from, date_to=date_to, channel=channel, source=source
    )

    figures = {s.id: _figures(s, None, cutoffs[s.id]) for s in store_list}
    by_week = series == "week" or (
        series == "auto" and _span_days(rows, run, date_from, date_to) > SERIES_DAYS_MAX
    )
    series_by_slug: dict[str, DailySeries] = {}
    if store_list:
        _fill_from_period_rows(rows, figures, series_by_slug, cutoffs, by_week)

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
# week holding a store's maturity date (see _mature_counts).
_PERIOD_SUMS = (
    *((c, False) for c in COUNT_COLUMNS),
    *((c, True) for c in MONEY_COLUMNS),
    ("paid_net_sales", True),
)


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


def _period_rows(rows, by_week: bool) -> list[tuple]:
    """(store_id, period, *sums in _PERIOD_SUMS order), straight from the cursor.

    Money is summed as double precision and rounded to the cent afterwards (exact far beyond any
    sandbox total). Reading the cursor directly skips Django's per-value converters, which cost
    more than the query itself on a year of 20 stores. Nothing but (store, period) in the GROUP
    BY: both follow an index, so SQLite aggregates as it reads (a maturity flag there made it sort
    every row first, half the time of the query).
    """
    annotations = {}
    paid = Q(channel__in=list(PAID_CHANNELS))
    for name, is_money in _PERIOD_SUMS:
        # Net sales, contribution and the like are differences of these sums, worked out per
        # period in Python: an expression inside SUM() would cost an evaluation per row.
        total = Sum(_net, filter=paid) if name == "paid_net_sales" else Sum(name)
        annotations[f"s_{name}"] = Cast(total, FLOAT) if is_money else total
    query = (
        rows.annotate(period=WeekStart("date") if by_week else F("date"))
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
    rows, period_rows: list[tuple], cutoffs: dict[int, date], by_week: bool
) -> dict[int, dict[str, int]]:
    """MATURE_COLUMNS summed over each store's placement days up to its cutoff.

    Periods that end by the cutoff come from the period sums. By week, the cutoff's own week is
    partly mature: its days up to the cutoff are summed by a second query over at most seven days
    per store (summing every mature row there instead costs a third of the main query).
    """
    at = {name: i + 2 for i, (name, _) in enumerate(_PERIOD_SUMS)}
    # By day a period is mature when it is <= the cutoff; by week when its Monday comes before
    # the Monday of the cutoff's week.
    limit = {s: _week_start(c) for s, c in cutoffs.items()} if by_week else cutoffs
    out: dict[int, dict[str, int]] = {s: dict.fromkeys(MATURE_COLUMNS, 0) for s in cutoffs}
    for row in period_rows:
        period = _as_date(row[1])
        if period < limit[row[0]] or (not by_week and period == limit[row[0]]):
            counts = out[row[0]]
            for c in MATURE_COLUMNS:
                counts[c] += row[at[c]]
    if by_week:
        by_cutoff: dict[date, list[int]] = defaultdict(list)
        for store_id, cutoff in cutoffs.items():
            by_cutoff[cutoff].append(store_id)
        partial = Q()
        for cutoff, ids in by_cutoff.items():
            partial |= Q(store_id__in=ids, date__gte=_week_start(cutoff), date__lte=cutoff)
        sums = {c: Sum(c) for c in MATURE_COLUMNS}
        for v in rows.filter(partial).values("store_id").annotate(**sums).order_by():
            counts = out[v["store_id"]]
            for c in MATURE_COLUMNS:
                counts[c] += v[c] or 0
    return out


def _money(value: float | None) -> Decimal:
    return Decimal(f"{value or 0.0:.2f}") + ZERO  # + ZERO turns -0.00 into 0.00


def _fill_from_period_rows(
    rows, figures: dict[int, StoreFigures], series: dict, cutoffs: dict[int, date], by_week: bool
) -> None:
    """Store totals, mature counts, the series and the interval clusters from the period sums.

    Column-wise (zip, sum, map) rather than row by row: this runs on every dashboard request.
    """
    names = [name for name, _ in _PERIOD_SUMS]
    at = {name: i + 2 for i, name in enumerate(names)}
    cost_names = (*ORDER_COST_FIELDS, "ad_spend", "other_cost")
    period_rows = _period_rows(rows, by_week)
    mature = _mature_counts(rows, period_rows, cutoffs, by_week)
    for store_id, group in groupby(period_rows, key=itemgetter(0)):
        group = list(group)
        fig = figures[store_id]
        columns = list(zip(*group, strict=True))
        col = {name: columns[at[name]] for name in names}
        fig.totals = {c: int(sum(col[c])) for c in COUNT_COLUMNS}
        fig.totals.update({c: _money(sum(col[c])) for c in MONEY_COLUMNS})
        # No paid-channel row in a period gives NULL there.
        fig.paid_net_sales = _money(sum(filter(None, col["paid_net_sales"])))
        fig.mature = mature[store_id]

        periods = [_as_date(d) for d in columns[1]]
        sales = list(map(sub, col["gross_sales"], col["discount"]))
        net = list(map(sub, sales, col["refund"]))
        costs = map(sum, zip(*(col[c] for c in cost_names), strict=True))
        contribution = list(map(sub, net, costs))
        values = [periods, list(col["sessions"]), list(col["converted"]), list(col["orders"]),
                  sales, net, contribution, list(col["ad_spend"])]  # fmt: skip
        for i in (4, 5, 6, 7):
            values[i] = [round(v, 2) for v in values[i]]
        fig.series = series[fig.slug] = DailySeries(fig.slug, *values)
        fig.days = len(values[0])


def _as_date(value: date | str) -> date:
    # SQLite hands dates back as ISO strings when the cursor is read directly.
    return value if isinstance(value, date) else date.fromisoformat(value)


def _figures(store: Store, sums: Sums | None, cutoff: date, channel: str | None = None):
    fig = StoreFigures(
        slug=store.slug,
        name=store.name,
        model=store.business_model,
        model_label=store.get_business_model_display(),
        colour=store.primary_colour,
        store_id=store.id,
        channel=channel,
        mature_through=cutoff,
    )
    fig.totals, fig.mature, fig.paid_net_sales = sums or _empty_sums()
    return fig


def _pick_baseline(rows: list[StoreFigures], baseline) -> StoreFigures | None:
    if not rows:
        return None
    if baseline is None:
        return rows[0]
    slug = baseline.slug if isinstance(baseline, Store) else str(baseline)
    for row in rows:
        if row.slug == slug:
            return row
    raise ValueError(f"The baseline {slug!r} is not among the compared stores.")


def channel_breakdown(store: Store, **selection: Any) -> list[StoreFigures]:
    """The figures of one store split by acquisition channel (one query)."""
    run = resolve_run(selection.pop("run", None))
    as_of = selection.pop("as_of", None) or as_of_date(run)
    selection.pop("market", None)
    selection.pop("baseline", None)
    cutoff = mature_through(store, as_of)
    rows = funnel_rows([store.id], run=run, **selection)
    sums = _grouped_sums(rows, "channel", {store.id: cutoff})
    return [_figures(store, sums[c], cutoff, channel=c) for c in sorted(sums)]


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


# --- Statistics against the baseline --------------------------------------------------------------


def build_table(rows: list[StoreFigures], baseline: StoreFigures | None) -> list[MetricRow]:
    """One MetricRow per metric, a Cell per store; q-values across every comparison made."""
    table = [MetricRow(m, [_cell(m, row, baseline) for row in rows]) for m in METRICS]
    tested = [c for r in table for c in r.cells if c.p_value is not None]
    for cell, q in zip(tested, stats.benjamini_hochberg([c.p_value for c in tested]), strict=True):
        cell.q_value = q
    return table


def _cell(metric: MetricDef, row: StoreFigures, base: StoreFigures | None) -> Cell:
    value = row.value(metric.key)
    cell = Cell(
        slug=row.slug,
        value=value,
        is_baseline=base is not None and row.slug == base.slug,
        provisional=row.provisional(metric.key),
        higher_is_better=metric.higher_is_better,
    )
    lower_better = metric.higher_is_better is False
    if metric.kind == "rate":
        n, d = getattr(row, metric.numerator), getattr(row, metric.denominator)
        cell.interval = stats.wilson(n, d)
        cell.enough_data = d >= stats.MIN_SAMPLE
        if base is None or cell.is_baseline:
            return cell
        bn, bd = getattr(base, metric.numerator), getattr(base, metric.denominator)
        cell.enough_data = cell.enough_data and bd >= stats.MIN_SAMPLE
        if not cell.enough_data:
            return cell
        rel = stats.relative_difference(n, d, bn, bd)
        if rel:
            cell.relative, cell.relative_interval, cell.p_value = rel
        cell.chance_to_beat = stats.chance_to_beat(n, d, bn, bd, lower_is_better=lower_better)
    elif metric.kind == "money_ratio":
        est = row.estimate(metric.key)
        denom = row.orders if metric.key == "aov" else row.sessions
        cell.enough_data = est is not None and denom >= stats.MIN_SAMPLE
        cell.interval = est.interval if est else None
        if base is None or cell.is_baseline:
            return cell
        base_est = base.estimate(metric.key)
        base_denom = base.orders if metric.key == "aov" else base.sessions
        cell.enough_data = cell.enough_data and base_est is not None
        cell.enough_data = cell.enough_data and base_denom >= stats.MIN_SAMPLE
        if not cell.enough_data:
            return cell
        rel = stats.relative_difference_of_estimates(est, base_est)
        if rel:
            cell.relative, cell.relative_interval, cell.p_value = rel
        else:
            cell.relative = _relative(value, base.value(metric.key))
        chance = stats.chance_to_beat_estimate(est, base_est)
        cell.chance_to_beat = 1 - chance if lower_better else chance
    elif base is not None and not cell.is_baseline:
        cell.relative = _relative(value, base.value(metric.key))
    return cell


def _relative(value, base_value) -> float | None:
    if value is None or base_value is None or not base_value or base_value < 0:
        return None
    return float(value) / float(base_value) - 1


# --- Exports ------------------------------------------------------------------------------------

# Keys of a store record, in order: the contract of `manage.py compare --format json` and the CSV.
RECORD_KEYS = (
    "slug",
    "name",
    "model",
    "sessions",
    "orders",
    "conversion_rate",
    "add_to_cart_rate",
    "cart_abandonment",
    "aov",
    "gross_sales",
    "discount",
    "refund",
    "net_sales",
    "net_sales_per_session",
    "returns_rate",
    "cod_refusal_rate",
    "chargeback_rate",
    "goods_cost",
    "shipping_cost",
    "return_shipping_cost",
    "payment_fee",
    "cod_fee",
    "chargeback_fee",
    "platform_fee",
    "ad_spend",
    "other_cost",
    "gross_profit",
    "gross_margin",
    "contribution_margin",
    "contribution_per_session",
    "contribution_rate",
    "new_customers",
    "cac",
    "roas",
    "cash_collected",
    "cash_lag_days",
)


def plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value.quantize(CENT))
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, date):
        return value.isoformat()
    return value


def comparison_records(comparison: Comparison) -> list[dict[str, Any]]:
    """One flat dict per store: figures (rates as fractions, money as decimal strings) plus, per
    metric with statistics, `<key>_low` / `_high` and, against the baseline, `<key>_vs_baseline`
    (relative difference), `_vs_baseline_low` / `_high`, `_chance_to_beat`, `_q_value`."""
    records = []
    cells = {(c.slug, r.metric.key): c for r in comparison.table for c in r.cells}
    for row in comparison.rows:
        record = {key: plain(row.value(key)) for key in RECORD_KEYS}
        record["baseline"] = bool(comparison.baseline and row.slug == comparison.baseline.slug)
        record["mature_through"] = plain(row.mature_through)
        for metric in METRICS:
            cell = cells[(row.slug, metric.key)]
            if metric.kind in ("rate", "money_ratio"):
                record[f"{metric.key}_low"] = plain(cell.interval.low) if cell.interval else None
                record[f"{metric.key}_high"] = plain(cell.interval.high) if cell.interval else None
                record[f"{metric.key}_enough_data"] = cell.enough_data
            if metric.lagged:
                record[f"{metric.key}_provisional"] = cell.provisional
            if comparison.baseline is None:
                continue  # every record has the same keys (a CSV needs that); None on the baseline
            record[f"{metric.key}_vs_baseline"] = plain(cell.relative)
            if metric.kind in ("rate", "money_ratio"):
                ri = cell.relative_interval
                record[f"{metric.key}_vs_baseline_low"] = plain(ri.low) if ri else None
                record[f"{metric.key}_vs_baseline_high"] = plain(ri.high) if ri else None
                record[f"{metric.key}_chance_to_beat"] = plain(cell.chance_to_beat)
                record[f"{metric.key}_q_value"] = plain(cell.q_value)
        records.append(record)
    return records


DAILY_KEYS = (
    "slug",
    "date",
    "sessions",
    "converted",
    "orders",
    "conversion_rate",
    "net_sales",
    "ad_spend",
    "contribution",
)


def daily_records(comparison: Comparison) -> list[dict[str, Any]]:
    return [{k: plain(getattr(p, k)) for k in DAILY_KEYS} for p in comparison.daily]
