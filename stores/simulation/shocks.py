"""Dated parameter changes: what a shock does to a store's parameters, and on which days.

Pure Python; no Django. A `Change` sets, multiplies or adds to one parameter from a first day,
for a number of days or open-ended. A `Schedule` holds a store's changes; the engine asks it,
day by day, which changes are active and simulates that day with the parameters they give
(`apply`). A day's parameters depend on its date and the schedule only, so a day's rows never
depend on which other days are simulated with it, and the same seed and schedule give the same
rows. Changes apply in the schedule's order (set, then multiply, is not multiply, then set).

What a change applies to, by when it happens:
- traffic, funnel and baskets (cost per click, budgets, conversion, prices): the day's visits;
- an order's terms (fees, delivery days, refusal and return rates, payout delay): the orders
  placed that day, for their whole life (realisation.realise reads the placement day's parameters),
  so a courier delay slows the parcels sent during it and a payout hold delays the money of
  the orders charged during it.

Parameter names (PARAMETERS lists them all):
- a StoreParams field: `return_rate`, `shipping_cost_cents`, `market_price_factor`, ...;
- a date rule (timeline.Rules): `delivery_days` and `handling_days` change both ends of the
  range, `payout_days`, `cod_remittance_days`, ...;
- a fee rate (fees.FeeSchedule): `platform_fee_rate`, `card_fee_rate`, `cod_fee_rate`;
- a channel field: `paid_social.cost_per_click_cents`, `email.daily_sessions`, or `paid.<field>`
  for every paid channel of the store (a store without that channel is left alone);
- `prices`: every catalogue price, multiplied (a price cut); the market's prices, against which
  conversion judges the store's markup, are `market_price_factor`.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from .params import CHANNELS, PAID_CHANNELS, ChannelParams, StoreParams

OPERATIONS = ("set", "multiply", "add")

# How a parameter's value is kept after a change (and clamped: nothing goes below zero).
RATE, NUMBER, CENTS, DAYS, COUNT, RANGE, FEE_RATE, PRICES = (
    "rate", "number", "cents", "days", "count", "range", "fee rate", "prices",
)  # fmt: skip

_STORE_FIELDS = {
    **dict.fromkeys(
        (
            "chargeback_rate", "cod_share", "cod_refusal_base", "cod_refusal_per_day",
            "late_refund_rate", "late_chargeback_share", "return_rate", "defect_rate",
            "product_view_rate", "add_to_cart_rate", "checkout_rate", "bundle_take_rate",
            "repeat_purchase_rate", "stockout_rate", "returning_email_share",
        ),
        RATE,
    ),
    **dict.fromkeys(
        ("cod_conversion_uplift", "price_elasticity", "extra_items_mean", "ad_fatigue_per_day",
         "market_price_factor"),
        NUMBER,
    ),
    **dict.fromkeys(
        ("shipping_cost_cents", "return_shipping_cost_cents", "dispute_fee_cents",
         "sku_daily_cost_cents"),
        CENTS,
    ),
    "ad_refresh_days": DAYS,
}  # fmt: skip
_RULE_FIELDS = {
    "handling_days": RANGE,
    "delivery_days": RANGE,
    "return_window_days": DAYS,
    "late_after_days": DAYS,
    "cod_remittance_days": DAYS,
    "payout_days": DAYS,
    "payout_cycle_days": DAYS,
}
_FEE_FIELDS = dict.fromkeys(("card_fee_rate", "cod_fee_rate", "platform_fee_rate"), FEE_RATE)
_CHANNEL_FIELDS = {
    "daily_sessions": COUNT,
    "daily_budget_cents": CENTS,
    "cost_per_click_cents": CENTS,
    "conversion_rate": RATE,
}
CHANNEL_SELECTORS = (*CHANNELS, "paid")

PARAMETERS: dict[str, str] = {
    **_STORE_FIELDS,
    **_RULE_FIELDS,
    **_FEE_FIELDS,
    **{f"{c}.{name}": kind for c in CHANNEL_SELECTORS for name, kind in _CHANNEL_FIELDS.items()},
    "prices": PRICES,
}


@dataclass(frozen=True)
class Change:
    """`operation` `value` on `parameter` from `first_day`, for `days` days (None: open-ended)."""

    parameter: str
    operation: str
    value: float
    first_day: date
    days: int | None = None

    def __post_init__(self) -> None:
        kind = PARAMETERS.get(self.parameter)
        if kind is None:
            raise ValueError(f"Unknown parameter {self.parameter!r} (see shocks.PARAMETERS).")
        if self.operation not in OPERATIONS:
            raise ValueError(
                f"Unknown operation {self.operation!r}; choose one of {', '.join(OPERATIONS)}."
            )
        if not isinstance(self.value, int | float) or not math.isfinite(self.value):
            raise ValueError(f"The value of a change to {self.parameter} must be a finite number.")
        if kind == PRICES and (self.operation != "multiply" or self.value <= 0):
            raise ValueError("Prices can only be multiplied, by a positive factor.")
        if self.operation == "multiply" and self.value < 0:
            raise ValueError(f"Cannot multiply {self.parameter} by a negative factor.")
        if self.days is not None and self.days < 1:
            raise ValueError("A change lasts at least one day (or is open-ended: days=None).")

    @property
    def first_ordinal(self) -> int:
        return self.first_day.toordinal()

    @property
    def end_ordinal(self) -> float:
        """The ordinal of the first day after the change (infinity when open-ended)."""
        return math.inf if self.days is None else self.first_ordinal + self.days

    def is_active(self, day: date) -> bool:
        return self.first_ordinal <= day.toordinal() < self.end_ordinal

    def describe(self) -> str:
        return describe(self.parameter, self.operation, self.value)


def describe(parameter: str, operation: str, value: float) -> str:
    """'delivery_days + 7', 'paid.cost_per_click_cents x 1.5', 'platform_fee_rate = 0.15'."""
    symbol = {"set": "=", "multiply": "x", "add": "+"}[operation]
    text = f"{value:g}"
    if operation == "add" and value < 0:
        symbol, text = "-", f"{-value:g}"
    return f"{parameter} {symbol} {text}"


@dataclass(frozen=True)
class Schedule:
    """A store's dated changes, in the order they apply."""

    changes: tuple[Change, ...] = ()
    _bounds: tuple = field(default=(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "changes", tuple(self.changes))
        bounds = tuple((c.first_ordinal, c.end_ordinal) for c in self.changes)
        object.__setattr__(self, "_bounds", bounds)

    def __bool__(self) -> bool:
        return bool(self.changes)

    def active(self, day: date) -> tuple[int, ...]:
        """The positions of the changes active on `day`: the key of that day's parameters."""
        return self.active_ordinal(day.toordinal())

    def active_ordinal(self, ordinal: int) -> tuple[int, ...]:
        return tuple(i for i, (lo, hi) in enumerate(self._bounds) if lo <= ordinal < hi)

    def tag(self, day: date) -> str:
        """A short fingerprint of the changes active on `day` ("" when none): live mode adds it
        to the numbers of orders simulated under them, so a day re-simulated after a shock was
        applied mid-day never reuses a number already written."""
        active = self.active(day)
        if not active:
            return ""
        text = repr([self.changes[i] for i in active]).encode()
        return hashlib.blake2b(text, digest_size=3).hexdigest()

    def params_for(self, base: StoreParams, active: tuple[int, ...]) -> StoreParams:
        """`base` (without its schedule) with the changes at positions `active` applied."""
        return apply(base, [self.changes[i] for i in active])


def apply(params: StoreParams, changes) -> StoreParams:
    """The parameters with each change applied in turn (whatever their dates), and no schedule."""
    params = replace(params, shocks=None)
    for change in changes:
        params = _apply_one(params, change)
    return params


def slowest_rules(rules, changes):
    """The date rules at their slowest under `changes` (every change to a date rule applied
    together, each field kept where it is longer): an order placed while they were active may
    take that long, so a cohort is only mature once that has passed (stores.metrics)."""
    shifted = rules
    for change in changes:
        name = change.parameter
        if name not in _RULE_FIELDS:
            continue
        if PARAMETERS[name] == RANGE:
            low, high = (_keep(_operate(v, change), DAYS) for v in getattr(shifted, name))
            value = (min(low, high), max(low, high))
        else:
            value = _keep(_operate(getattr(shifted, name), change), PARAMETERS[name])
        shifted = replace(shifted, **{name: value})
    longer = {}
    for name in _RULE_FIELDS:
        base, moved = getattr(rules, name), getattr(shifted, name)
        if isinstance(base, tuple):
            longer[name] = tuple(max(a, b) for a, b in zip(base, moved, strict=True))
        else:
            longer[name] = max(base, moved)
    return replace(rules, **longer)


def _operate(current, change: Change):
    if change.operation == "set":
        return change.value
    if change.operation == "multiply":
        return current * change.value
    return current + change.value


def _keep(value, kind: str):
    """A changed value in its parameter's type, clamped to the values it can take."""
    if kind == RATE:
        return min(1.0, max(0.0, float(value)))
    if kind == NUMBER:
        return max(0.0, float(value))
    if kind in (CENTS, DAYS, COUNT):
        return max(0, math.floor(float(value) + 0.5))  # half up, whatever the platform
    if kind == FEE_RATE:
        return min(
            Decimal(1), max(Decimal(0), Decimal(repr(float(value))).quantize(Decimal("1e-6")))
        )
    raise AssertionError(kind)


def _apply_one(p: StoreParams, change: Change) -> StoreParams:
    name, kind = change.parameter, PARAMETERS[change.parameter]
    if name in _STORE_FIELDS:
        return replace(p, **{name: _keep(_operate(getattr(p, name), change), kind)})
    if name in _RULE_FIELDS:
        rules = p.rules
        if kind == RANGE:
            low, high = (_keep(_operate(v, change), DAYS) for v in getattr(rules, name))
            value = (min(low, high), max(low, high))
        else:
            value = _keep(_operate(getattr(rules, name), change), kind)
        return replace(p, rules=replace(rules, **{name: value}))
    if name in _FEE_FIELDS:
        current = float(getattr(p.fees, name))
        return replace(p, fees=replace(p.fees, **{name: _keep(_operate(current, change), kind)}))
    if kind == PRICES:
        cat = p.catalogue
        prices = tuple(_keep(price * change.value, CENTS) for price in cat.prices_cents)
        return replace(p, catalogue=replace(cat, prices_cents=prices))
    selector, field_name = name.split(".", 1)
    channels = tuple(
        _change_channel(c, field_name, change) if _selected(c, selector) else c for c in p.channels
    )
    return replace(p, channels=channels)


def _selected(channel: ChannelParams, selector: str) -> bool:
    return channel.channel in PAID_CHANNELS if selector == "paid" else channel.channel == selector


def _change_channel(c: ChannelParams, field_name: str, change: Change) -> ChannelParams:
    value = _keep(_operate(getattr(c, field_name), change), _CHANNEL_FIELDS[field_name])
    return replace(c, **{field_name: value})
