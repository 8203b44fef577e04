"""What each dashboard figure means: its label, formula, direction, and when a cohort is final.

One place for each definition: METRICS holds the label, numerator / denominator and direction of
every figure; the dashboard's tooltips, the glossary page and docs/metrics.md say the same thing.
Money formulas themselves live in the ledger (stores/simulation/ledger.py); the date rules that
decide maturity in the timeline (stores/simulation/timeline.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from ..models import FUNNEL_COUNT_FIELDS, ROLLUP_COUNT_FIELDS
from ..simulation import ledger, timeline

LIVE = "live"  # run selector: rows outside any simulation run

COUNT_COLUMNS = FUNNEL_COUNT_FIELDS + ROLLUP_COUNT_FIELDS
MONEY_COLUMNS = (
    ledger.ORDER_LINES + ledger.DAILY_COST_LINES + ledger.CASH_LINES + ledger.REFUSED_SHIPPING_LINES
)


@dataclass(frozen=True)
class MetricDef:
    key: str
    label: str
    kind: str  # count | rate | money | money_ratio | ratio (a share) | multiple | days | months
    definition: str
    higher_is_better: bool | None = True  # None: neither (sessions of a store are not "better")
    lagged: bool = False
    # Money that refunds, refusals, chargebacks or payouts still to come can change: marked
    # provisional while the selection holds cohorts that have not settled.
    settles: bool = False
    # For rates: the StoreFigures attributes holding the numerator and the denominator.
    numerator: str = ""
    denominator: str = ""
    # Against the baseline, a relative difference (in percent) besides the absolute one: for
    # values per session, whose volume differs from store to store.
    relative_too: bool = False

    @property
    def difference_unit(self) -> str:
        """How a difference from the baseline reads: percentage points for rates and margins,
        the amount for money, days, times; relative percent only for counts."""
        return {
            "count": "percent",
            "rate": "points",
            "ratio": "points",
            "money": "money",
            "money_ratio": "money",
            "multiple": "times",
            "days": "days",
            "months": "months",
        }[self.kind]


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
        settles=True,
    ),
    MetricDef(
        "net_sales_per_session", "Net sales per session", "money_ratio",
        "Net sales / sessions. Interval: delta method, days as clusters.", relative_too=True,
        settles=True,
    ),
    MetricDef(
        "returns_rate", "Returns rate", "rate",
        "Orders returned or refunded / orders delivered, counted by orders, on mature cohorts "
        "(placed long enough ago for every return window and refund claim to have closed).",
        higher_is_better=False, lagged=True,
        numerator="returns_numerator", denominator="returns_denominator",
    ),
    MetricDef(
        "cod_refusal_rate", "COD refusal rate", "rate",
        "COD orders refused at the door / COD orders shipped, on mature cohorts (placed long "
        "enough ago for every parcel to have reached the door).",
        higher_is_better=False, lagged=True,
        numerator="refusal_numerator", denominator="refusal_denominator",
    ),
    MetricDef(
        "chargeback_rate", "Chargeback rate", "rate",
        "Orders charged back / prepaid (non-COD) orders, on mature cohorts (placed long enough "
        "ago for a dispute to have landed: 60 days after the latest delivery).",
        higher_is_better=False, lagged=True,
        numerator="chargeback_numerator", denominator="chargeback_denominator",
    ),
    MetricDef("gross_profit", "Gross profit", "money", "Net sales - cost of goods (production cost for POD).", settles=True),
    MetricDef("gross_margin", "Gross margin", "ratio", "Gross profit / net sales.", settles=True),
    MetricDef(
        "contribution", "Contribution", "money",
        "Net sales - goods - shipping (both legs) - payment, COD, chargeback and platform fees "
        "- ad spend - other operating costs.", settles=True,
    ),
    MetricDef(
        "contribution_per_session", "Contribution per session", "money_ratio",
        "Contribution / sessions. Interval: delta method, days as clusters.", relative_too=True,
        settles=True,
    ),
    MetricDef("contribution_margin", "Contribution margin", "ratio", "Contribution / net sales.", settles=True),
    MetricDef(
        "platform_fees", "Platform fees", "money",
        "What a marketplace or managed platform charges the seller: commission on the sale "
        "plus, on a managed platform, its fulfilment and warehousing fees per unit.",
        higher_is_better=False,
    ),
    MetricDef("ad_spend", "Ad spend", "money", "Spend on paid social and paid search.", None),
    MetricDef(
        "cac", "Paid CAC", "money",
        "Ad spend / new customers whose first order came through a paid channel (paid social "
        "or paid search).", higher_is_better=False,
    ),
    MetricDef(
        "repeat_order_share", "Repeat-order share", "rate",
        "Orders by returning customers (who had bought from the store before) / orders placed.",
        numerator="repeat_orders", denominator="orders",
    ),
    MetricDef("roas", "ROAS", "multiple", "Net sales of orders from paid channels / ad spend.", settles=True),
    MetricDef(
        "cash_collected", "Cash collected", "money",
        "Money received from buyers (prepaid: when the processor or platform pays out; COD: "
        "when the courier remits), net of the refunds paid back to them.", settles=True,
    ),
    MetricDef(
        "cash_lag_days", "Cash lag", "days",
        "Average days from order to cash arriving, over orders whose cash has arrived.",
        higher_is_better=False, settles=True,
    ),
    MetricDef(
        "cash_low", "Cash low", "money",
        "The lowest daily cash balance, and the day it was reached. The balance starts from the "
        "store's starting capital on the first day; money in when it reaches the store (payout "
        "or COD remittance, less the fees netted from it); out: goods when the supplier is paid "
        "(stock bought ahead, then what sells replaced), shipping, refunds paid, ad spend, "
        "other costs.", settles=True,
    ),
    MetricDef(
        "runway_months", "Runway", "months",
        "Months the cash at the end lasts: end balance / (money out - money in over the last "
        "30 days); \"not burning\" when cash did not fall over those 30 days.", settles=True,
    ),
)  # fmt: skip
# Figures read from the order rows' days (stores.metrics.cash), which an experiment does not keep.
CASH_KEYS = ("cash_low", "cash_low_date", "runway_months")
METRIC_BY_KEY = {m.key: m for m in METRICS}

WATERFALL_STEPS = (
    ("net_sales", "Net sales", "Gross sales - discounts - refunds."),
    ("goods_cost", "Goods", "Cost of goods or production."),
    ("shipping_kept", "Shipping", "Forward shipping of the parcels not refused at the door."),
    ("fees", "Fees", "Payment, COD, chargeback and platform fees."),
    ("ad_spend", "Ad spend", "Paid social and paid search."),
    ("returns_shipping", "Returns", "Reverse shipping of returned parcels."),
    ("refused_shipping", "Refused at the door (both legs)", "Forward and reverse shipping of the parcels refused at the door."),
    ("other_cost", "Other costs", "Operating costs (per-SKU upkeep; in a training session also email sends and COD confirmation calls)."),
    ("contribution", "Contribution", "What is left."),
)  # fmt: skip


# --- Lagged outcomes and maturity ---------------------------------------------------------------


@dataclass(frozen=True)
class LaggedOutcome:
    """A rate whose outcomes arrive after the order: counted on cohorts old enough for every
    such outcome to have happened (the timeline's horizon of that outcome)."""

    key: str
    horizon: str  # the timeline.Horizons attribute that bounds it
    columns: tuple[str, ...]  # the rollup columns its numerator and denominator read


LAGGED = (
    LaggedOutcome("returns", "returns", ("returned_orders", "refunded_orders", "delivered_orders")),
    LaggedOutcome("refusal", "refusal", ("cod_refused", "cod_shipped")),
    LaggedOutcome("chargeback", "chargeback", ("chargebacks", "orders", "cod_orders")),
)


SETTLED = "settled"  # the key of mature_through's last placement day with nothing left to change


def as_of_instant(as_of: date | datetime) -> datetime:
    """A report date as the moment it stands for: a date means the end of that day (in the
    stores' calendar, settings.TIME_ZONE, as placement days are)."""
    if isinstance(as_of, datetime):
        return as_of
    return timezone.make_aware(datetime.combine(as_of + timedelta(days=1), time(0)))


def mature_through(rules: timeline.Rules, as_of: datetime) -> dict[str, date]:
    """For each lagged outcome, the last placement day whose outcomes have all happened by
    `as_of`: an order placed on day d has every such outcome by the end of d + horizon."""
    h = timeline.horizons(rules)
    today = timezone.localdate(as_of)
    cutoffs = {o.key: today - timedelta(days=getattr(h, o.horizon) + 1) for o in LAGGED}
    # ... and the last whose money has settled too: every outcome and every payout.
    cutoffs[SETTLED] = today - timedelta(days=h.settled + 1)
    return cutoffs
