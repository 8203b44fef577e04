"""The classroom's levers: what a team may decide each round, what each decision does to its
store, and the model choices behind them (each with its source, or marked a model choice).

A team's store is a clone of the session's template store. A decision is read against the
template, never against the store's current values, so the same decisions always give the
same store whatever was decided before:
- markup: every price is the template's x markup / the template's markup (a pack keeps its
  saving), to the cent;
- paid_social.daily_budget, paid_search.daily_budget: the channel's daily ad budget;
- email.daily_spend: money spent on sends each day buys email visits at EMAIL_VISIT_COST
  each, up to EMAIL_LIST_CAP x the template's (the list is only so big); booked as an
  operating cost of the email channel;
- cod: offer cash on delivery (the template's COD share) or switch it off (its prepaid twin);
- cod_call: phone each COD buyer before dispatch: refusals at the door fall by
  COD_CALL_REFUSAL_CUT, and each COD order costs COD_CALL_COST, booked as an operating cost of
  its channel and day;
- courier: economy, standard (the template's) or express, which change the transit days and
  the forward shipping cost (COURIERS);
- bundle: sell the multi-packs (stores that have them) or not.

A session offers only the levers its stores can use (`not_offered`): none for a channel, an
email list, COD or packs the template lacks, and neither ad budgets nor a courier for a managed
platform's seller, whose traffic and parcels are the platform's (`not_for_model`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .models import Channel, Courier, Product, Store, StoreChannel, TrainingSession

CENT = Decimal("0.01")

# A confirmation call before dispatch: Retner (2026), on D2C brands in India: confirmation
# calls cut COD returns-to-origin by 10-15% (small brands) to 20-35% (aggressive filtering).
# 30% is a model choice inside that range. The call's cost is a model choice (a call-centre or
# voice-bot call costs tens of cents); buyers who cancel on the call are not modelled apart:
# the call only lowers the refusal rate.
COD_CALL_REFUSAL_CUT = Decimal("0.30")
COD_CALL_COST = Decimal("0.40")
COD_CALL_SOURCE = (
    "Retner (2026): pre-dispatch confirmation calls cut COD RTO by 10-35%; 30% and $0.40 a "
    "call are model choices"
)
# Email: model choice, a visit from an email costs about this much in sends and content.
EMAIL_VISIT_COST = Decimal("0.25")
EMAIL_LIST_CAP = 4  # at most this many times the template's email visits (the list's size)


@dataclass(frozen=True)
class CourierOption:
    label: str
    transit_add: int  # days added to both ends of the transit range (economy)
    transit_factor: float  # transit days multiplied, rounded up, at least 1 (express)
    shipping_factor: Decimal  # forward shipping cost multiplied
    source: str = "model choice"


COURIERS: dict[str, CourierOption] = {
    Courier.ECONOMY: CourierOption("Economy", 2, 1.0, Decimal("0.80")),
    Courier.STANDARD: CourierOption("Standard", 0, 1.0, Decimal("1")),
    Courier.EXPRESS: CourierOption("Express", 0, 0.5, Decimal("1.50")),
}


@dataclass(frozen=True)
class Lever:
    key: str
    label: str
    kind: str  # number | money | switch | choice
    help: str


LEVERS = {
    lever.key: lever
    for lever in (
        Lever("markup", "Markup (price / unit cost)", "number", "Every price moves with it."),
        Lever("paid_social.daily_budget", "Paid social budget per day", "money", "Ad spend."),
        Lever("paid_search.daily_budget", "Paid search budget per day", "money", "Ad spend."),
        Lever(
            "email.daily_spend",
            "Email spend per day",
            "money",
            f"Each ${EMAIL_VISIT_COST} buys about one visit, up to {EMAIL_LIST_CAP}x today's.",
        ),
        Lever("cod", "Cash on delivery", "switch", "Conversion rises; some parcels are refused."),
        Lever(
            "cod_call",
            "COD confirmation call",
            "switch",
            f"{COD_CALL_REFUSAL_CUT:.0%} fewer refusals, ${COD_CALL_COST} per COD order.",
        ),
        Lever("courier", "Courier", "choice", "Faster parcels cost more to ship."),
        Lever("bundle", "Multi-pack offer", "switch", "Sell the 2- and 3-packs."),
    )
}


@dataclass(frozen=True)
class Template:
    """What decisions are read against: the template store, its channels and products."""

    store: Store
    channels: dict[str, StoreChannel]
    products: list[Product]

    @classmethod
    def of(cls, store: Store) -> Template:
        return cls(
            store=store,
            channels={c.channel: c for c in store.channels.all()},
            products=list(store.products.order_by("pk")),
        )

    @property
    def has_packs(self) -> bool:
        return any((p.bundle_quantity or 1) > 1 for p in self.products)

    def email_sessions(self) -> int:
        email = self.channels.get(Channel.EMAIL)
        return int(email.daily_sessions) if email and self.store.owns_customer_data else 0


PAID_BUDGETS = {
    Channel.PAID_SOCIAL: "paid_social.daily_budget",
    Channel.PAID_SEARCH: "paid_search.daily_budget",
}


def not_for_model(store: Store) -> dict[str, str]:
    """The levers a store's business model cannot use, each with the reason a team is told. A
    managed platform's seller (docs/models.md, seed 003) buys no traffic (the platform
    allocates all of it) and ships nothing (the platform's logistics carry its parcels): a paid
    channel's budget or a courier would be a control that does nothing, or that gives express
    parcels for free (its shipping cost is the platform's, 0 for the seller)."""
    if not store.sells_on_platform:
        return {}
    who = _platform_of(store)
    traffic = f"{who} allocates all of this store's traffic: there are no ads to buy"
    return {
        **dict.fromkeys(PAID_BUDGETS.values(), traffic),
        "courier": f"{who} ships this store's parcels with its own logistics",
    }


def model_note(store: Store) -> str:
    """One sentence for a team's page on the levers its store model lacks ("" if none)."""
    if not store.sells_on_platform:
        return ""
    return (
        f"No ad budget or courier to choose: {_platform_of(store)} allocates all of this "
        "store's traffic and ships its parcels."
    )


def _platform_of(store: Store) -> str:
    return f"{store.platform_name} ({store.get_business_model_display().lower()})"


def not_offered(template: Template) -> dict[str, str]:
    """Every lever that means nothing for stores cloned from `template`, with the reason."""
    reasons = not_for_model(template.store)
    for channel, key in PAID_BUDGETS.items():
        if channel not in template.channels:
            reasons.setdefault(key, f"this store has no {Channel(channel).label.lower()} channel")
    if not template.email_sessions():
        reasons["email.daily_spend"] = "this store has no email list of its own customers"
    if not template.store.offers_cod:
        reasons["cod"] = reasons["cod_call"] = "this store does not take cash on delivery"
    if not template.has_packs:
        reasons["bundle"] = "this store sells no multi-packs"
    return reasons


def levers_of(template: Template) -> list[str]:
    """The decision keys that mean something for stores cloned from `template`."""
    reasons = not_offered(template)
    return [key for key in LEVERS if key not in reasons]


def offered_levers(session: TrainingSession) -> list[str]:
    """The decisions a session's teams can take: the levers its bounds list, less any that its
    store model cannot use (a session created before that rule may list them)."""
    barred = not_for_model(session.template) if session.template else {}
    return [key for key in session.bounds if key not in barred]


def refusal(template_store: Store | None, key: str) -> str:
    """What a team is told when it sets a lever its session does not offer."""
    reason = not_offered(Template.of(template_store)).get(key) if template_store else None
    return f"{key}: not offered in this session" + (f": {reason}." if reason else ".")


def starting_values(template: Template) -> dict[str, Any]:
    """The decisions that leave the template as it is (every team's round 0), for the levers
    it offers."""
    offered = set(levers_of(template))
    values: dict[str, Any] = {"markup": _round(template.store.markup)}
    for channel, key in PAID_BUDGETS.items():
        if key in offered:
            values[key] = template.channels[channel].daily_budget
    if "email.daily_spend" in offered:
        values["email.daily_spend"] = template.email_sessions() * EMAIL_VISIT_COST
    if "cod" in offered:
        values["cod"], values["cod_call"] = True, False
    if "courier" in offered:
        values["courier"] = Courier.STANDARD
    if "bundle" in offered:
        values["bundle"] = True
    return values


def default_bounds(template: Template) -> dict[str, dict[str, Any]]:
    """Bounds a trainer starts from: markup from 1.2 to twice the template's; budgets and email
    spend from 0 to three times the template's (300 where it has none); every switch and
    courier allowed."""
    start = starting_values(template)
    bounds: dict[str, dict[str, Any]] = {}
    for key in levers_of(template):
        kind = LEVERS[key].kind
        if key == "markup":
            high = max(Decimal("2"), _round(template.store.markup * 2))
            bounds[key] = {"min": "1.20", "max": str(high)}
        elif kind == "money":
            high = _round(Decimal(start[key]) * 3) or Decimal("300")
            bounds[key] = {"min": "0", "max": str(high)}
        elif kind == "switch":
            bounds[key] = {"allowed": [True, False]}
        else:
            bounds[key] = {"allowed": [c.value for c in Courier]}
    return bounds


@dataclass
class StoreSettings:
    """What a team's store becomes under a set of decisions (applied by services.classroom)."""

    store: dict[str, Any] = field(default_factory=dict)
    budgets: dict[str, Decimal] = field(default_factory=dict)  # channel -> daily budget
    sessions: dict[str, int] = field(default_factory=dict)  # channel -> daily sessions
    prices: dict[str, Decimal] = field(default_factory=dict)  # product slug -> price
    active: dict[str, bool] = field(default_factory=dict)  # product slug -> sold


def settings_for(template: Template, values: dict[str, Any]) -> StoreSettings:
    """The store fields, channel budgets, prices and active products the decisions give."""
    t = template.store
    out = StoreSettings()
    markup = Decimal(str(values.get("markup") or t.markup))
    out.store["markup"] = markup
    for product in template.products:
        price = (product.price * markup / t.markup).quantize(CENT, rounding=ROUND_HALF_UP)
        out.prices[product.slug] = price
        if (product.bundle_quantity or 1) > 1:
            out.active[product.slug] = bool(values.get("bundle", True)) and product.is_active
    for channel in (Channel.PAID_SOCIAL, Channel.PAID_SEARCH):
        key = f"{channel}.daily_budget"
        if key in values and values[key] is not None and channel in template.channels:
            out.budgets[channel] = Decimal(str(values[key]))
    if template.email_sessions() and values.get("email.daily_spend") is not None:
        out.sessions[Channel.EMAIL] = email_sessions(template, values["email.daily_spend"])
    cod = values.get("cod")
    if t.offers_cod and cod is not None:
        methods = list(t.payment_methods) if cod else [m for m in t.payment_methods if m != "cod"]
        methods = methods or ["card"]
        out.store["payment_methods"] = methods
        out.store["cod_share"] = t.cod_share if cod else Decimal("0")
        default = t.default_payment_method
        out.store["default_payment_method"] = default if default in methods else methods[0]
        cut = (1 - COD_CALL_REFUSAL_CUT) if cod and values.get("cod_call") else Decimal("1")
        out.store["cod_refusal_base"] = (t.cod_refusal_base * cut).quantize(Decimal("0.0001"))
        out.store["cod_refusal_per_day"] = (t.cod_refusal_per_day * cut).quantize(Decimal("0.0001"))
    courier = COURIERS[values.get("courier") or Courier.STANDARD]
    low, high = (_transit(d, courier) for d in (int(t.delivery_days_min), int(t.delivery_days_max)))
    out.store["delivery_days_min"], out.store["delivery_days_max"] = low, high
    out.store["shipping_cost"] = (t.shipping_cost * courier.shipping_factor).quantize(
        CENT, rounding=ROUND_HALF_UP
    )
    return out


def email_sessions(template: Template, spend: Any) -> int:
    """Email visits a day's spend buys: spend / EMAIL_VISIT_COST, at most EMAIL_LIST_CAP x the
    template's."""
    bought = int(Decimal(str(spend)) / EMAIL_VISIT_COST)
    return min(bought, EMAIL_LIST_CAP * template.email_sessions())


@dataclass(frozen=True)
class DailyCosts:
    """The operating costs a team's decisions add (booked by services.classroom)."""

    email_per_day: Decimal = Decimal("0")
    per_cod_order: Decimal = Decimal("0")

    @property
    def any(self) -> bool:
        return bool(self.email_per_day or self.per_cod_order)


def daily_costs(values: dict[str, Any] | None) -> DailyCosts:
    if not values:
        return DailyCosts()
    email = Decimal(str(values.get("email.daily_spend") or 0))
    call = COD_CALL_COST if values.get("cod") and values.get("cod_call") else Decimal("0")
    return DailyCosts(email_per_day=email, per_cod_order=call)


def _transit(days: int, courier: CourierOption) -> int:
    return max(1, math.ceil(days * courier.transit_factor)) + courier.transit_add


def _round(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)
