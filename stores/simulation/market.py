"""The store's market over time: competitors' price pressure, and a premium store's ramp.

Seed 001 contrasts product flooding with premium. A flooding store's competitors sell the same
goods and keep cutting prices: the market's prices fall at `price_pressure_per_year` from the
run's first day (through the same `market_price_factor` a price-war shock moves), so at a fixed
markup the store looks dearer every month and converts less (its price elasticity does the
rest). A premium store pays for content and brand up front and ramps: its conversion and its
organic and referral traffic start at `ramp_start` of their settled level and rise linearly to
it over `ramp_days`, while `brand_build_cost` is spent each of those days (booked as the day's
other cost).

Both are off at 0 (no pressure; no ramp days) and then change nothing the engine draws: the
funnel uses the arrays prepared once, exactly as before these mechanics existed.
"""

from __future__ import annotations

from dataclasses import replace

from .params import StoreParams

YEAR_DAYS = 365.25
# The channels a premium store's reputation feeds (search ranking, reviews, word of mouth);
# paid channels buy their visits, and email and direct follow the list of past buyers.
RAMPED_CHANNELS = frozenset({"organic_search", "referral"})
# The clamp on price's effect on conversion (engine._Prepared): a price never more than
# triples conversion or cuts it below a fifth.
PRICE_FACTOR_BOUNDS = (0.2, 3.0)


def price_factor(market_over_markup: float, elasticity: float) -> float:
    """How much price moves conversion: (market's markup / the store's) ** elasticity, clamped."""
    low, high = PRICE_FACTOR_BOUNDS
    return min(high, max(low, market_over_markup**elasticity))


def market_level(p: StoreParams, days_since_origin: int) -> float:
    """The market's prices on a day relative to the run's first day (1.0 without pressure)."""
    if p.price_pressure_per_year <= 0:
        return 1.0
    return (1.0 - p.price_pressure_per_year) ** (max(0, days_since_origin) / YEAR_DAYS)


def ramp(p: StoreParams, days_since_origin: int) -> float:
    """A premium store's share of its settled conversion and organic traffic on a day."""
    if p.ramp_days <= 0 or days_since_origin >= p.ramp_days:
        return 1.0
    start = min(1.0, max(0.0, p.ramp_start))
    return start + (1.0 - start) * max(0, days_since_origin) / p.ramp_days


def brand_cost_cents(p: StoreParams, days_since_origin: int) -> int:
    """The content and brand spend booked on a day: every day of the ramp, none after."""
    if p.ramp_days <= 0 or not 0 <= days_since_origin < p.ramp_days:
        return 0
    return p.brand_build_cost_cents


def is_static(p: StoreParams) -> bool:
    """True when neither mechanic applies: the engine's prepared arrays hold every day."""
    return p.price_pressure_per_year <= 0 and p.ramp_days <= 0


def conversion_multiplier(
    p: StoreParams, market_over_markup: float, days_since_origin: int
) -> float:
    """The day's conversion relative to the store's prepared rates (which price at day 0)."""
    multiplier = ramp(p, days_since_origin)
    level = market_level(p, days_since_origin)
    if level != 1.0:
        today = price_factor(market_over_markup * level, p.price_elasticity)
        multiplier *= today / price_factor(market_over_markup, p.price_elasticity)
    return multiplier


def settled(p: StoreParams) -> StoreParams:
    """The store as it stands, with no clock of its own: live traffic simulates one day at a time
    from that day (no run origin), so a premium store would otherwise stay on its first ramp day
    and pay its brand budget forever. A live store is taken as settled: no ramp, no pressure."""
    if is_static(p):
        return p
    return replace(p, price_pressure_per_year=0.0, ramp_days=0)
