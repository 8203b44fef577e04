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
from dataclasses import dataclass, field, fields
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
    if last_day < first_day:
        return CashTimeline(starting_capital=terms.starting_capital)
    span = (last_day - first_day).days + 1
    grid = np.zeros((len(FLOW_LINES), span), np.int64)
    for day, f in flows.items():
        k = (day - first_day).days
        if 0 <= k < span:
            grid[:, k] = [getattr(f, name) for name in FLOW_LINES]
    return timeline_of(terms, first_day, grid)


def timeline_of(terms: CashTerms, first_day: date, grid: np.ndarray) -> CashTimeline:
    """The timeline of a grid of cents: a row per line of FLOW_LINES (DayFlows' fields, in
    order), a column per day from `first_day`. The read side fills one such grid for every
    store of a comparison at once, rather than a DayFlows object per store and day."""
    timeline = CashTimeline(starting_capital=terms.starting_capital)
    span = grid.shape[1]
    if not span:
        return timeline
    money_in = grid[_IN_ROWS].sum(axis=0)
    money_out = grid[_OUT_ROWS].sum(axis=0)  # goods aside
    goods = grid[_GOODS_ROW]
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
    line_totals = dict(zip(FLOW_LINES, grid.sum(axis=1).tolist(), strict=True))
    line_totals["goods_paid"] = int(goods_paid.sum())
    timeline.totals = {name: money(line_totals[name]) for name in IN_LINES + OUT_LINES}
    return timeline


# DayFlows' fields, in order: the rows of a grid of flows (timeline_of).
FLOW_LINES = tuple(f.name for f in fields(DayFlows))
_IN_ROWS = [FLOW_LINES.index(name) for name in IN_LINES]
_OUT_ROWS = [FLOW_LINES.index(name) for name in OUT_LINES if name != "goods_paid"]
_GOODS_ROW = FLOW_LINES.index("goods_bought")


# Where each kind of row's sums go (DayFlows' fields): the day's costs (placement day, or the
# day spent), the money received with the fees netted from it, and the outcomes' money.
DAY_FLOWS = ("goods_bought", "shipping_cost", "ad_spend", "other_cost")
RECEIVED_FLOWS = ("cash_received", "fees_netted")
OUTCOME_FLOWS = ("refunds_paid", "return_shipping_cost", "chargeback_fee")


def ordinal(value: date | str) -> int:
    """A day (a date, or an ISO string as SQLite's cursor gives it) as its ordinal."""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return value.toordinal()


class FlowGrid:
    """Several stores' money by line and day in one array of whole cents: store x line
    (FLOW_LINES) x day, from `first` to `last` (money outside them is left out).

    Rows of (store id, day, *sums) are added column-wise with numpy: a year of 20 stores is some
    20,000 rows, and an object per store and day cost more than reading them."""

    def __init__(self, store_ids: list[int], first: int, last: int):
        """`first`, `last`: ordinals (date.toordinal())."""
        self.position = {store_id: k for k, store_id in enumerate(store_ids)}
        self.origin = first
        span = max(last - first + 1, 0)
        self.grid = np.zeros((len(store_ids), len(FLOW_LINES), span), np.int64)
        self._ordinals: dict = {}  # a day as the cursor gives it -> its ordinal

    def ordinals(self, values) -> np.ndarray:
        memo = self._ordinals
        out = np.empty(len(values), np.int64)
        for k, value in enumerate(values):
            o = memo.get(value)
            if o is None:
                o = memo[value] = ordinal(value)
            out[k] = o
        return out

    def add(self, rows: list[tuple], lines: tuple[str, ...]) -> None:
        """Rows of (store id, day, *sums in `lines`' order); sums are money (floats or Decimals
        of whole cents; None where nothing was summed)."""
        if not rows:
            return
        columns = list(zip(*rows, strict=True))
        stores = np.fromiter((self.position[s] for s in columns[0]), np.intp, len(rows))
        days = self.ordinals(columns[1]) - self.origin
        inside = (days >= 0) & (days < self.grid.shape[2])
        sums = np.nan_to_num(np.array(columns[2:], dtype=float), nan=0.0)
        amounts = np.rint(sums * 100).astype(np.int64)
        for line, values in zip(lines, amounts, strict=True):
            at = (stores[inside], FLOW_LINES.index(line), days[inside])
            np.add.at(self.grid, at, values[inside])

    def add_block(
        self, store_id: int, first: int, block: np.ndarray, lines: tuple[str, ...] = FLOW_LINES
    ) -> None:
        """A store's cents by line and day from the ordinal `first` (a row per FLOW_LINES line,
        as `of` gives them); only `lines` are taken."""
        lo = first - self.origin
        span = self.grid.shape[2]
        a, b = max(lo, 0), min(lo + block.shape[1], span)
        if a >= b:
            return
        rows = [FLOW_LINES.index(line) for line in lines]
        self.grid[self.position[store_id], rows, a:b] += block[rows, a - lo : b - lo]

    def of(self, store_id: int, start: int | None = None) -> np.ndarray:
        """A store's flows from the ordinal `start` (the grid's first day by default): a row per
        FLOW_LINES line, a column per day."""
        k = 0 if start is None else start - self.origin
        return self.grid[self.position[store_id], :, k:]


def pack(block: np.ndarray) -> bytes:
    """A store's flows (a row per FLOW_LINES line, a column per day) as bytes to store:
    little-endian 64-bit cents, line after line (unpack reverses it)."""
    return np.ascontiguousarray(block, dtype="<i8").tobytes()


def unpack(packed: bytes | memoryview) -> np.ndarray:
    return np.frombuffer(packed, dtype="<i8").reshape(len(FLOW_LINES), -1)
