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


@dataclass
class DayFlows:
    """The money that moves on one day, by line (goods: bought that day, paid per the terms)."""

    cash_received: Decimal = ZERO
    goods_bought: Decimal = ZERO  # goods sold that day (replaced, or bought per order)
    shipping_cost: Decimal = ZERO
    fees_netted: Decimal = ZERO
    refunds_paid: Decimal = ZERO
    return_shipping_cost: Decimal = ZERO
    chargeback_fee: Decimal = ZERO
    ad_spend: Decimal = ZERO
    other_cost: Decimal = ZERO

    def add(self, **amounts: Decimal) -> None:
        for name, amount in amounts.items():
            setattr(self, name, getattr(self, name) + (amount or ZERO))


@dataclass(frozen=True)
class CashDay:
    date: date
    money_in: Decimal
    money_out: Decimal
    balance: Decimal  # at the end of the day

    @property
    def net(self) -> Decimal:
        return self.money_in - self.money_out


@dataclass
class CashTimeline:
    """A store's cash over the period: a balance per day from its starting capital."""

    starting_capital: Decimal
    days: list[CashDay] = field(default_factory=list)
    opening_stock: Decimal = ZERO  # goods bought ahead on the first day
    totals: dict[str, Decimal] = field(default_factory=dict)  # each line over the period

    @property
    def end(self) -> Decimal | None:
        return self.days[-1].balance if self.days else None

    @property
    def low_day(self) -> CashDay | None:
        """The day the balance was lowest (the first such day); None without days."""
        return min(self.days, key=lambda d: d.balance) if self.days else None

    @property
    def low(self) -> Decimal | None:
        return self.low_day.balance if self.days else None

    @property
    def low_date(self) -> date | None:
        return self.low_day.date if self.days else None

    @property
    def monthly_burn(self) -> Decimal | None:
        """Money out - money in over the last 30 days, per 30 days (negative: cash grows)."""
        if not self.days:
            return None
        window = self.days[-RUNWAY_WINDOW_DAYS:]
        out = sum((d.money_out - d.money_in for d in window), ZERO)
        return out * MONTH_DAYS / len(window)

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
    bought = sum((f.goods_bought for d, f in flows.items() if first_day <= d <= last_day), ZERO)
    # Stock bought ahead: that many days of the period's average goods per day.
    timeline.opening_stock = (bought * terms.stock_days / span).quantize(Decimal("0.01"))
    goods_due: dict[date, Decimal] = {}
    lag = timedelta(days=terms.supplier_payment_days)
    purchases = [(first_day, timeline.opening_stock)] + [
        (d, f.goods_bought) for d, f in flows.items() if first_day <= d <= last_day
    ]
    for day, amount in purchases:
        goods_due[day + lag] = goods_due.get(day + lag, ZERO) + amount
    totals = dict.fromkeys(IN_LINES + OUT_LINES, ZERO)
    balance = terms.starting_capital
    empty = DayFlows()
    for k in range(span):
        day = first_day + timedelta(days=k)
        f = flows.get(day, empty)
        lines = {
            "cash_received": f.cash_received,
            "goods_paid": goods_due.get(day, ZERO),
            "shipping_cost": f.shipping_cost,
            "fees_netted": f.fees_netted,
            "refunds_paid": f.refunds_paid,
            "return_shipping_cost": f.return_shipping_cost,
            "chargeback_fee": f.chargeback_fee,
            "ad_spend": f.ad_spend,
            "other_cost": f.other_cost,
        }
        for name, amount in lines.items():
            totals[name] += amount
        money_in = sum((lines[n] for n in IN_LINES), ZERO)
        money_out = sum((lines[n] for n in OUT_LINES), ZERO)
        balance += money_in - money_out
        timeline.days.append(CashDay(day, money_in, money_out, balance))
    timeline.totals = totals
    return timeline
