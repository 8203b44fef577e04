"""The figures of a comparison: per store (or channel) totals and the formulas read from them.

Values only; stores.metrics.queries fills them from the rollup. Every money figure is the
ledger's (stores/simulation/ledger.py), every lagged rate counts its mature cohorts only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from .. import stats
from ..choices import Channel
from ..simulation import ledger
from ..simulation.cash import CashTimeline
from .definitions import LAGGED, METRIC_BY_KEY, SETTLED, MetricDef

ZERO = Decimal("0")
CENT = Decimal("0.01")


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
    # Per lagged outcome (definitions.LAGGED): the last mature placement day, and the sums of
    # its rollup columns over the mature cohorts.
    mature_through: dict[str, date] = field(default_factory=dict)
    totals: dict[str, Any] = field(default_factory=dict, repr=False)
    mature: dict[str, dict[str, int]] = field(default_factory=dict, repr=False)
    paid_net_sales: Decimal = ZERO
    paid_new_customers: int = 0
    # The selection holds orders placed after mature_through["settled"], whose refunds,
    # refusals, chargebacks or payouts can still change its money.
    unsettled: bool = False
    days: int = 0
    # The store's days (clusters of the delta-method intervals); None outside compare_stores.
    series: DailySeries | None = field(default=None, repr=False)
    # The daily cash balance (stores.metrics.cash); None where no order rows were read.
    cash: CashTimeline | None = field(default=None, repr=False)
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

    # Sales and margins: the ledger's definitions over the summed lines.
    @property
    def net_sales(self) -> Decimal:
        return ledger.net_sales(self)

    @property
    def fees(self) -> Decimal:
        return ledger.fees(self)

    # The waterfall's split of the two shipping lines: parcels refused at the door apart.
    @property
    def shipping_kept(self) -> Decimal:
        return self.shipping_cost - self.refused_forward_shipping

    @property
    def returns_shipping(self) -> Decimal:
        return self.return_shipping_cost - self.refused_return_shipping

    @property
    def refused_shipping(self) -> Decimal:
        return ledger.refused_shipping(self)

    @property
    def gross_profit(self) -> Decimal:
        return ledger.gross_profit(self)

    @property
    def contribution(self) -> Decimal:
        return ledger.contribution(self)

    @property
    def gross_margin(self) -> float | None:
        return ledger.gross_margin(self)

    @property
    def contribution_margin(self) -> float | None:
        return ledger.contribution_margin(self)

    @property
    def cash_collected(self) -> Decimal:
        return ledger.cash_collected(self)

    @property
    def aov(self) -> Decimal | None:
        if not self.orders:
            return None
        return (ledger.charged(self) / self.orders).quantize(CENT)

    @property
    def net_sales_per_session(self) -> Decimal | None:
        return (self.net_sales / self.sessions).quantize(CENT) if self.sessions else None

    @property
    def contribution_per_session(self) -> Decimal | None:
        return (self.contribution / self.sessions).quantize(CENT) if self.sessions else None

    # Funnel
    @property
    def conversion_rate(self) -> float | None:
        return ledger.ratio(self.converted, self.sessions)

    @property
    def add_to_cart_rate(self) -> float | None:
        return ledger.ratio(self.adds_to_cart, self.sessions)

    @property
    def abandoned_carts(self) -> int:
        return max(0, self.adds_to_cart - self.converted)

    @property
    def cart_abandonment(self) -> float | None:
        return ledger.ratio(self.abandoned_carts, self.adds_to_cart)

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
    def _lagged(self, outcome: str) -> tuple[dict[str, int], bool]:
        mature = self.mature.get(outcome) or {}
        denominator = _LAGGED_DENOMINATOR[outcome]
        if denominator(mature):
            return mature, False
        # Nothing mature yet; with nothing at all there is nothing to be provisional about.
        return self.totals, bool(self.totals and denominator(self.totals))

    @property
    def returns_numerator(self) -> int:
        src, _ = self._lagged("returns")
        return src["returned_orders"] + src["refunded_orders"]

    @property
    def returns_denominator(self) -> int:
        return self._lagged("returns")[0]["delivered_orders"]

    @property
    def returns_provisional(self) -> bool:
        return self._lagged("returns")[1]

    @property
    def returns_rate(self) -> float | None:
        return ledger.ratio(self.returns_numerator, self.returns_denominator)

    @property
    def refusal_numerator(self) -> int:
        return self._lagged("refusal")[0]["cod_refused"]

    @property
    def refusal_denominator(self) -> int:
        return self._lagged("refusal")[0]["cod_shipped"]

    @property
    def cod_refusal_provisional(self) -> bool:
        return self._lagged("refusal")[1]

    @property
    def cod_refusal_rate(self) -> float | None:
        return ledger.ratio(self.refusal_numerator, self.refusal_denominator)

    @property
    def chargeback_numerator(self) -> int:
        return self._lagged("chargeback")[0]["chargebacks"]

    @property
    def chargeback_denominator(self) -> int:
        return _prepaid(self._lagged("chargeback")[0])

    @property
    def chargeback_provisional(self) -> bool:
        return self._lagged("chargeback")[1]

    @property
    def chargeback_rate(self) -> float | None:
        return ledger.ratio(self.chargeback_numerator, self.chargeback_denominator)

    def provisional(self, key: str) -> bool:
        lagged = {
            "returns_rate": self.returns_provisional,
            "cod_refusal_rate": self.cod_refusal_provisional,
            "chargeback_rate": self.chargeback_provisional,
        }
        if key in lagged:
            return lagged[key]
        return self.unsettled and METRIC_BY_KEY[key].settles

    # Acquisition, retention and cash
    @property
    def repeat_orders(self) -> int:
        """Orders by customers who had bought before (every order not a new customer's)."""
        return self.orders - self.new_customers

    @property
    def repeat_order_share(self) -> float | None:
        return ledger.ratio(self.repeat_orders, self.orders)

    @property
    def cac(self) -> Decimal | None:
        """Paid CAC: ad spend / customers whose first order came through a paid channel."""
        if not self.paid_new_customers or not self.ad_spend:
            return None
        return (self.ad_spend / self.paid_new_customers).quantize(CENT)

    @property
    def roas(self) -> float | None:
        return ledger.ratio(self.paid_net_sales, self.ad_spend)

    @property
    def platform_fees(self) -> Decimal:
        """The ledger's platform_fee line: commission and a managed platform's unit fees."""
        return self.platform_fee

    @property
    def cash_lag_days(self) -> float | None:
        return ledger.ratio(self.totals["cash_lag_days"], self.cash_orders)

    # Cash balance (stores/simulation/cash.py defines it)
    @property
    def cash_low(self) -> Decimal | None:
        return self.cash.low if self.cash else None

    @property
    def cash_low_date(self) -> date | None:
        return self.cash.low_date if self.cash else None

    @property
    def cash_end(self) -> Decimal | None:
        return self.cash.end if self.cash else None

    @property
    def runway_months(self) -> float | None:
        return self.cash.runway_months if self.cash else None

    def note(self, key: str) -> str:
        """A word a figure needs beside its value: the day of the cash low; "not burning"."""
        if not self.cash or not self.cash.day_count:
            return ""
        if key == "cash_low":
            return f"on {self.cash.low_date.isoformat()}"
        if key == "runway_months" and not self.cash.burning:
            return "not burning"
        return ""

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
        from .definitions import WATERFALL_STEPS

        return [(key, label, getattr(self, key), text) for key, label, text in WATERFALL_STEPS]

    def value(self, key: str) -> Any:
        return getattr(self, key)


def _prepaid(src: dict[str, int]) -> int:
    return src["orders"] - src["cod_orders"] if src else 0


_LAGGED_DENOMINATOR = {
    "returns": lambda src: src.get("delivered_orders", 0),
    "refusal": lambda src: src.get("cod_shipped", 0),
    "chargeback": _prepaid,
}
assert set(_LAGGED_DENOMINATOR) == {o.key for o in LAGGED}


@dataclass
class Cell:
    """One store x one metric: value, interval and the comparison with the baseline.

    `difference` is value - baseline in the metric's unit (`unit`: "points" for rates and
    margins, as a fraction; "money"; "days"; "times"; "percent" for counts, whose difference
    reads as `relative`). `relative` (value / baseline - 1) is set only for counts and values
    per session, and never against a baseline near zero.
    """

    slug: str
    value: Any
    interval: stats.Interval | None = None
    is_baseline: bool = False
    enough_data: bool = True  # this store's own sample is big enough for its interval
    comparable: bool = True  # ... and the baseline's too, for the comparison
    provisional: bool = False
    unit: str = ""
    difference: float | None = None
    difference_interval: stats.Interval | None = None
    relative: float | None = None
    relative_interval: stats.Interval | None = None
    chance_to_beat: float | None = None
    p_value: float | None = None
    q_value: float | None = None

    higher_is_better: bool | None = None
    note: str = ""  # shown beside the value (StoreFigures.note)

    @property
    def significant(self) -> bool:
        return self.q_value is not None and self.q_value <= 0.05

    @property
    def verdict(self) -> str:
        """ "better" / "worse" than the baseline when significant after BH, else ""."""
        if not self.significant or not self.difference or self.higher_is_better is None:
            return ""
        return "better" if (self.difference > 0) == self.higher_is_better else "worse"


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
        return ledger.ratio(self.converted, self.sessions)

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
    """One store's days (or weeks) as columns (money as float, rounded to the cent)."""

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
    as_of: datetime
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

    @property
    def unsettled_from(self) -> date | None:
        """The first placement day some store's money can still change on (charts shade from
        there): the earliest of the stores' settled cutoffs, plus a day."""
        days = [r.mature_through[SETTLED] for r in self.rows if SETTLED in r.mature_through]
        return min(days) + timedelta(days=1) if days else None
