"""The daily cash balance of a store: the one definition of cash low, its date and runway.

Pure Python (no Django). The caller hands over a store's money by the day it moves
(`DayFlows`: what the ledger's lines add up to on each day, dated by the rules below) and its
cash terms; `cash_timeline` turns them into a balance per day.

When each line moves (the read side, stores/metrics/cash.py, dates the rows so):
- money in: what buyers paid (gross sales - discounts) on the day it reaches the store - the
  processor's or platform's payout, the courier's COD remittance (timeline.cash_due);
- netted from that payout on the same day: payment, platform and COD fees (the processor, the
  platform and the courier keep their fee from what they pay over);
- on the order's placement day: forward shipping;
- on the day the outcome happens: refunds paid back (not a refused parcel's: never paid),
  the reverse shipping leg, the dispute fee;
- on the day they are incurred: ad spend (paid as spent) and other operating costs;
- goods: a store that holds stock (`stock_days` > 0) buys that many days of expected sales up
  front on its first day, then replaces what it sells (the goods of each day's orders, less
  what came back to stock) the day they sell; a store without stock (dropship, POD) buys each
  order's goods when the order comes in. Either way the supplier is paid
  `supplier_payment_days` after the purchase. "Expected sales" are the goods cost per day of
  the period itself: the store forecasts its own demand right.
Payments that fall due after the last day (a supplier's bill not yet due) are not cash spent.

Runway, in months of 30 days: the balance at the end / the monthly net burn, where the net
burn is the money out minus the money in over the last 30 days (the whole period if shorter,
scaled to 30 days). Cash that did not fall over that window is "not burning" (no runway:
None); a balance already at or below zero has a runway of 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import numpy as np

ZERO = Decimal("0")
MONTH_DAYS = 30
RUNWAY_WINDOW_DAYS = 30

# Each day's money by line: in, then out.
IN_LINES = ("cash_received",)
OUT_LINES = (
    "goods_paid",
    "shipping_cost",
    "fees_netted",
    "refunds_paid",
    "return_shipping_cost",
    "chargeback_fee",
    "ad_spend",
    "other_cost",
)

# Fees the processor, the platform or the courier keep from the money they pay over.
NETTED_FEES = ("payment_fee", "platform_fee", "cod_fee")


def fees_netted(v: Any) -> Any:
    """Payment, platform and COD fees: netted from a payout or a remittance (ledger lines)."""
    return v.payment_fee + v.platform_fee + v.cod_fee


@dataclass(frozen=True)
class CashTerms:
    """A store's cash parameters (Store.starting_capital, stock_days, supplier_payment_days)."""

    starting_capital: Decimal
    stock_days: int = 0
    supplier_payment_days: int = 0


@dataclass(slots=True)
class DayFlows:
    """The money that moves on one day, by line, in whole cents (goods: bought that day, paid
    per the terms). Cents, not Decimals: a year of 20 stores is 7,300 days of nine lines, and
    integer sums are several times cheaper. `DayFlows.of(ad_spend=Decimal("300"))` takes money."""

    cash_received: int = 0
    goods_bought: int = 0  # goods sold that day (replaced, or bought per order)
    shipping_cost: int = 0
    fees_netted: int = 0
    refunds_paid: int = 0
    return_shipping_cost: int = 0
    chargeback_fee: int = 0
    ad_spend: int = 0
    other_cost: int = 0

    @classmethod
    def of(cls, **amounts: Decimal) -> DayFlows:
        return cls(**{name: cents(amount) for name, amount in amounts.items()})

    def add(self, **amounts: int) -> None:
        for name, amount in amounts.items():
            setattr(self, name, getattr(self, name) + amount)

    @property
    def money_out(self) -> int:
        """Cents out on the day, goods aside (they are paid per the supplier's terms)."""
        return (
            self.shipping_cost
            + self.fees_netted
            + self.refunds_paid
            + self.return_shipping_cost
            + self.chargeback_fee
            + self.ad_spend
            + self.other_cost
        )


def cents(amount: Decimal | float | int | None) -> int:
    """Money as whole cents (rounded to the nearest cent)."""
    return round((amount or 0) * 100)


def money(amount_cents: int) -> Decimal:
    """Whole cents as money, exactly."""
    return Decimal(amount_cents).scaleb(-2) + ZERO  # + ZERO: two places, never -0.00


@dataclass(frozen=True, slots=True)
class CashDay:
    date: date
    in_cents: int
    out_cents: int
    balance_cents: int  # at the end of the day

    @property
    def money_in(self) -> Decimal:
        return money(self.in_cents)

    @property
    def money_out(self) -> Decimal:
        return money(self.out_cents)

    @property
    def balance(self) -> Decimal:
        return money(self.balance_cents)

    @property
    def net(self) -> Decimal:
        return money(self.in_cents - self.out_cents)


@dataclass(eq=False)
class CashTimeline:
    """A store's cash over the period: a balance per day from its starting capital.

    The days are held as arrays of cents (money in, money out, the balance at each day's end),
    so the comparison reads its low, end and burn without building 365 objects per store;
    `days` gives them one by one (the drill-down's chart, the exports)."""

    starting_capital: Decimal
    first_day: date | None = None
    in_cents: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    out_cents: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    balance_cents: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    opening_stock: Decimal = ZERO  # goods bought ahead on the first day
    totals: dict[str, Decimal] = field(default_factory=dict)  # each line over the period

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CashTimeline):
            return NotImplemented
        return (
            (self.starting_capital, self.first_day, self.opening_stock, self.totals)
            == (other.starting_capital, other.first_day, other.opening_stock, other.totals)
            and np.array_equal(self.in_cents, other.in_cents)
            and np.array_equal(self.out_cents, other.out_cents)
            and np.array_equal(self.balance_cents, other.balance_cents)
        )

    @property
    def day_count(self) -> int:
        return len(self.balance_cents)

    @property
    def days(self) -> list[CashDay]:
        first = self.first_day
        return [
            CashDay(first + timedelta(days=k), int(i), int(o), int(b))
            for k, (i, o, b) in enumerate(
                zip(self.in_cents, self.out_cents, self.balance_cents, strict=True)
            )
        ]

    @property
    def end(self) -> Decimal | None:
        return money(int(self.balance_cents[-1])) if len(self.balance_cents) else None

    @property
    def low_day(self) -> CashDay | None:
        """The day the balance was lowest (the first such day); None without days."""
        if not len(self.balance_cents):
            return None
        k = int(np.argmin(self.balance_cents))
        day = self.first_day + timedelta(days=k)
        return CashDay(
            day, int(self.in_cents[k]), int(self.out_cents[k]), int(self.balance_cents[k])
        )

    @property
    def low(self) -> Decimal | None:
        low = self.low_day
        return low.balance if low else None

    @property
    def low_date(self) -> date | None:
        low = self.low_day
        return low.date if low else None

    @property
    def monthly_burn(self) -> Decimal | None:
        """Money out - money in over the last 30 days, per 30 days (negative: cash grows)."""
        if not len(self.balance_cents):
            return None
        window = slice(-RUNWAY_WINDOW_DAYS, None)
        out = int(self.out_cents[window].sum() - self.in_cents[window].sum())
        return money(out) * MONTH_DAYS / len(self.out_cents[window])

    @property
    def burning(self) -> bool:
        burn = self.monthly_burn
        return burn is not None and burn > 0

    @property
    def runway_months(self) -> float | None:
        """Months the end balance lasts at the last 30 days' net burn; None when not burning."""
        if not self.burning:
            return None
        if self.end <= 0:
            return 0.0
        return float(self.end / self.monthly_burn)


def cash_timeline(
    terms: CashTerms, first_day: date, last_day: date, flows: Mapping[date, DayFlows]
) -> CashTimeline:
    """The balance at the end of each day from `first_day` to `last_day` (flows outside the
    span are ignored), starting from the terms' capital."""
    timeline = CashTimeline(starting_capital=terms.starting_capital)
    if last_day < first_day:
        return timeline
    span = (last_day - first_day).days + 1
    money_in = np.zeros(span, np.int64)
    money_out = np.zeros(span, np.int64)  # goods aside
    goods = np.zeros(span, np.int64)
    line_totals = dict.fromkeys(TOTAL_LINES, 0)
    for day, f in flows.items():
        k = (day - first_day).days
        if 0 <= k < span:
            money_in[k] = f.cash_received
            money_out[k] = f.money_out
            goods[k] = f.goods_bought
            for name in TOTAL_LINES:
                line_totals[name] += getattr(f, name)
    # Stock bought ahead: that many days of the period's average goods per day (to the cent,
    # half to even), on the first day; each day's goods replaced that day; the supplier paid
    # `supplier_payment_days` after each purchase (what falls due after the span is unpaid).
    opening = int((Decimal(int(goods.sum())) * terms.stock_days / span).quantize(Decimal(1)))
    purchases = goods.copy()
    purchases[0] += opening
    lag = terms.supplier_payment_days
    goods_paid = np.zeros(span, np.int64)
    if lag < span:
        goods_paid[lag:] = purchases[: span - lag]
    out = money_out + goods_paid
    timeline.first_day = first_day
    timeline.in_cents, timeline.out_cents = money_in, out
    timeline.balance_cents = cents(terms.starting_capital) + np.cumsum(money_in - out)
    timeline.opening_stock = money(opening)
    line_totals["goods_paid"] = int(goods_paid.sum())
    timeline.totals = {name: money(line_totals[name]) for name in IN_LINES + OUT_LINES}
    return timeline


# The lines summed straight from the day flows (goods are totalled as paid, per the terms).
TOTAL_LINES = tuple(n for n in IN_LINES + OUT_LINES if n != "goods_paid")
