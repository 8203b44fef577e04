"""The shock library: named events a trainer injects into stores, each with what it changes, by
how much, and the real-world event or source it mimics.

A shock is a set of parameter changes (stores/simulation/shocks.py) without dates; applying it
to a store gives them a first day and a duration (services.shocks records that with the run, or
with the store's live traffic). The admin, `manage.py shock list`, `simulate --shock` and the
scenarios all read SHOCKS; the figures are the issue's examples and model choices unless a
source says otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from .simulation.shocks import Change, Schedule, describe
from .sources import CREATIVE_REFRESH, MARKETPLACE_FEES

OPEN = "open"  # DAYS in a --shock spec: no end, whatever the shock's usual duration


@dataclass(frozen=True)
class ChangeSpec:
    """One change of a shock, before it has dates."""

    parameter: str
    operation: str
    value: float

    def at(self, first_day: date, days: int | None) -> Change:
        return Change(self.parameter, self.operation, self.value, first_day, days)

    def as_dict(self) -> dict[str, Any]:
        return {"parameter": self.parameter, "operation": self.operation, "value": self.value}

    def describe(self) -> str:
        return describe(self.parameter, self.operation, self.value)


@dataclass(frozen=True)
class ShockDef:
    key: str
    label: str
    summary: str  # what it changes and by how much, in words
    changes: tuple[ChangeSpec, ...]
    days: int | None  # its usual duration; None: it lasts (open-ended)
    mimics: str  # the real-world event
    source: str  # where the figure comes from

    def changes_from(self, first_day: date, days: int | None) -> tuple[Change, ...]:
        return tuple(c.at(first_day, days) for c in self.changes)

    @property
    def changes_text(self) -> str:
        return "; ".join(c.describe() for c in self.changes)

    @property
    def duration_text(self) -> str:
        return "open-ended" if self.days is None else f"{self.days} days"

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.key,
            "label": self.label,
            "summary": self.summary,
            "changes": [c.as_dict() for c in self.changes],
            "days": self.days,
            "mimics": self.mimics,
            "source": self.source,
        }


def _shock(*, changes: list[tuple[str, str, float]], **values: Any) -> ShockDef:
    return ShockDef(changes=tuple(ChangeSpec(*c) for c in changes), **values)


SEED_002_COSTS = (
    "seed 002: 'platform commissions and advertising costs are also increasing significantly'"
)
SEED_001_PRICE_WAR = (
    "seed 001: identical products sourced from 1688 lead to 'frequent price wars'; 'product "
    "prices keep falling, significantly compressing profit margins'"
)

SHOCKS: dict[str, ShockDef] = {
    s.key: s
    for s in (
        _shock(
            key="cpc_jump",
            label="CPC jump",
            summary="Cost per click x1.5 on every paid channel: the same budget buys a third "
            "fewer visits.",
            changes=[("paid.cost_per_click_cents", "multiply", 1.5)],
            days=None,
            mimics="Ad auctions getting dearer: Apple's App Tracking Transparency (iOS 14.5, "
            "April 2021) weakened social-ad targeting; more sellers bid for the same audiences.",
            source=f"{SEED_002_COSTS}; x1.5 is a model choice (the issue's example).",
        ),
        _shock(
            key="courier_delay",
            label="Courier delay",
            summary="Every parcel sent during it spends 7 more days in transit: COD refusals and "
            "late refunds rise.",
            changes=[("delivery_days", "add", 7)],
            days=30,
            mimics="A courier strike or a peak-season backlog (e.g. the Royal Mail strikes of "
            "late 2022).",
            source="model choice (the issue's example: delivery days +7 from day 120 to 150).",
        ),
        _shock(
            key="platform_fee_hike",
            label="Platform commission hike",
            summary="The platform's commission becomes 15% of sales (from 8% for a marketplace "
            "seller started at 8%).",
            changes=[("platform_fee_rate", "set", 0.15)],
            days=None,
            mimics="A marketplace changing its rules and fees: referral fees run from 8% to 15%.",
            source=f"{MARKETPLACE_FEES}; seed 002: 'constantly iterative rules and changing "
            "policies'.",
        ),
        _shock(
            key="price_war",
            label="Price war (matched)",
            summary="Competitors cut prices 15% and the store follows: every price x0.85, the "
            "market's prices too, so conversion holds while the margin shrinks.",
            changes=[("prices", "multiply", 0.85), ("market_price_factor", "multiply", 0.85)],
            days=None,
            mimics="Sellers of the same commodity products undercutting each other (product "
            "flooding).",
            source=f"{SEED_001_PRICE_WAR}; -15% is a model choice (the issue's example).",
        ),
        _shock(
            key="competitor_undercut",
            label="Competitors undercut (price held)",
            summary="Competitors cut prices 15% and the store holds its own: the market's prices "
            "x0.85, so the store looks dearer and converts less, by its price elasticity.",
            changes=[("market_price_factor", "multiply", 0.85)],
            days=None,
            mimics="A price war the store declines to join, relying on differentiation.",
            source="seed 000: 'avoidance of price wars increases margins'; seed 002: to 'get rid "
            "of price war, they must form differentiated competitive advantages'.",
        ),
        _shock(
            key="ad_account_ban",
            label="Ad account banned (paid social)",
            summary="The paid social account is suspended: no paid social budget, visits or spend.",
            changes=[("paid_social.daily_budget_cents", "set", 0)],
            days=10,
            mimics="An ad account disabled pending a policy review.",
            source="seed 002: 'many Amazon sellers' accounts were closed for unconscious "
            "platform policy violation'; 10 days is a model choice (the issue's example).",
        ),
        _shock(
            key="payout_hold",
            label="Payment processor holds payouts",
            summary="Money from prepaid orders charged during it reaches the store 30 days later "
            "than usual.",
            changes=[("payout_days", "add", 30)],
            days=30,
            mimics="A processor's reserve on a new or risky merchant (PayPal holds new sellers' "
            "funds for up to 21 days; Stripe may hold a reserve).",
            source="model choice (the issue's example: holding payouts 30 days); seed 001: "
            "'maintaining healthy cash flow is paramount'.",
        ),
        _shock(
            key="creative_burnout",
            label="Creatives stop being refreshed",
            summary="The store stops refreshing its ad creatives: ad fatigue compounds from the "
            "run's first day up to its cap (x3 cost per click) instead of starting over at "
            "every refresh.",
            changes=[("ad_refresh_days", "set", 0)],
            days=None,
            mimics="A single-product store riding one winning ad until the audience tires of it.",
            source=f"{CREATIVE_REFRESH}; seed 002: 'people always attracted to new contents ... "
            "there are traffics but no sales'.",
        ),
    )
}


def get_shock(key: str) -> ShockDef:
    try:
        return SHOCKS[key]
    except KeyError:
        raise ValueError(
            f"Unknown shock {key!r}; choose one of: {', '.join(sorted(SHOCKS))}."
        ) from None


def check_window(start_day: int, days: int | None, run_days: int | None = None) -> None:
    """Refuse a start day or duration that names no day of the run (ValueError naming it)."""
    if start_day < 0:
        raise ValueError(f"START_DAY must be 0 or more, not {start_day}.")
    if run_days is not None and start_day >= run_days:
        raise ValueError(
            f"START_DAY {start_day} is past the run's last day ({run_days - 1}: days count from 0)."
        )
    if days is not None and days < 1:
        raise ValueError(f"DAYS must be 1 or more, not {days}.")


@dataclass(frozen=True)
class ShockSpec:
    """A shock to apply: NAME:STORE_SLUG:START_DAY[:DAYS] on the command line."""

    name: str
    store_slug: str
    start_day: int
    days: int | None  # None: open-ended
    text: str = ""

    @classmethod
    def parse(cls, text: str) -> ShockSpec:
        """Parse and check everything but the store (ValueError naming the bad part)."""
        parts = text.split(":")
        if len(parts) not in (3, 4) or not all(parts[:3]):
            raise ValueError("it is not NAME:STORE_SLUG:START_DAY[:DAYS].")
        name, slug, start = parts[:3]
        shock = get_shock(name)
        start_day = _whole(start, "START_DAY")
        days = shock.days
        if len(parts) == 4:
            days = None if parts[3] == OPEN else _whole(parts[3], "DAYS")
        check_window(start_day, days)
        return cls(name, slug, start_day, days, text)


def _whole(value: str, what: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"{what} {value!r} is not a whole number.") from None


def schedule_of(shocks: Iterable[tuple[str, int, int | None]], start: date) -> Schedule:
    """A schedule from (shock name, start day, days) counted from `start` (tests, benchmarks)."""
    return Schedule(
        tuple(
            change
            for name, start_day, days in shocks
            for change in get_shock(name).changes_from(start + timedelta(days=start_day), days)
        )
    )
