"""What the engine needs to know about a store: frozen values built by an adapter in services.

Money is held in integer cents and times in whole seconds since the Unix epoch (UTC), so that
the engine can work on arrays and every amount it produces is exact to the cent.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from .fees import FeeSchedule
from .timeline import Rules

if TYPE_CHECKING:
    from .shocks import Schedule

# Channel and payment-method names as the database stores them (stores.models mirrors these;
# a test checks that the two lists agree).
# "platform" (a managed platform's allocated visits) comes last: the codes of the others, and the
# demand noise they draw (engine.NOISE_CHANNELS), stay what they were before it existed.
CHANNELS = (
    "paid_social", "paid_search", "organic_search", "email", "direct", "referral", "platform",
)  # fmt: skip
PAID_CHANNELS = frozenset({"paid_social", "paid_search"})
PAYMENT_METHODS = ("card", "paypal", "upi", "cod")
COD = PAYMENT_METHODS.index("cod")

# Order statuses; the engine's outcome codes index into this tuple.
STATUSES = ("placed", "shipped", "delivered", "refused", "returned", "refunded", "charged_back")
PLACED, SHIPPED, DELIVERED, REFUSED, RETURNED, REFUNDED, CHARGED_BACK = range(len(STATUSES))


@dataclass(frozen=True)
class ChannelParams:
    channel: str
    conversion_rate: float
    daily_sessions: int = 0
    daily_budget_cents: int = 0
    cost_per_click_cents: int = 0

    @property
    def is_paid(self) -> bool:
        return self.channel in PAID_CHANNELS


@dataclass(frozen=True)
class CatalogueSummary:
    """The products a store sells, as parallel tuples (one entry per active product)."""

    product_ids: tuple[int, ...]
    titles: tuple[str, ...]
    prices_cents: tuple[int, ...]
    unit_costs_cents: tuple[int, ...]
    popularity: tuple[float, ...]
    customizable: tuple[bool, ...] = ()
    bundle_quantity: tuple[int, ...] = ()
    supplier_lead_days: tuple[int, ...] = ()  # 0 where the store handles dispatch itself

    def __len__(self) -> int:
        return len(self.product_ids)


@dataclass(frozen=True)
class StoreParams:
    """Every parameter the engine reads. No defaults for business numbers: the presets are the
    only source of those, and services.engine_params builds this from a Store."""

    key: int  # the store's id: part of its random streams
    business_model: str
    channels: tuple[ChannelParams, ...]
    catalogue: CatalogueSummary
    fees: FeeSchedule
    rules: Rules  # every date rule (timeline.py)
    payment_methods: tuple[str, ...]
    default_payment_method: str
    chargeback_rate: float
    dispute_fee_cents: int
    cod_share: float
    cod_conversion_uplift: float
    cod_refusal_base: float
    cod_refusal_per_day: float
    shipping_cost_cents: int
    return_shipping_cost_cents: int
    late_refund_rate: float
    late_chargeback_share: float
    store_pays_returns: bool
    return_rate: float
    defect_rate: float
    returns_restockable: bool
    price_elasticity: float
    product_view_rate: float
    add_to_cart_rate: float
    checkout_rate: float
    extra_items_mean: float
    bundle_take_rate: float
    repeat_purchase_rate: float  # a buyer's chance of ordering again (engine: the pool's hazard)
    repeat_days: float  # mean days from a buyer's order to their next, when they come back
    returning_email_share: float  # of returning buyers' visits, the share that come by email
    ad_fatigue_per_day: float
    ad_refresh_days: int  # 0: the creative is never refreshed (fatigue runs to the cap)
    stockout_rate: float
    sku_daily_cost_cents: int
    owns_customer_data: bool
    # Competition over time (market.py): the market's yearly price fall, and a premium store's
    # ramp with the content and brand spend of its ramp days. All 0: neither applies.
    price_pressure_per_year: float = 0.0
    ramp_days: int = 0
    ramp_start: float = 1.0  # the share of settled conversion and organic traffic on day 0
    brand_build_cost_cents: int = 0  # per day of the ramp
    # Demand shape (model choices; not store fields yet).
    seasonality: float = 0.0  # amplitude of a yearly cycle, 0.2 = +/-20%
    season_peak_day: int = 335  # day of year of the peak (early December)
    # The market's prices relative to normal (a knob for shocks, never a store field): below 1
    # in a price war, where the same markup then looks dearer to a shopper.
    market_price_factor: float = 1.0
    # Dated changes to these parameters (shocks.py); the engine applies them day by day.
    shocks: Schedule | None = None
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def offers_cod(self) -> bool:
        return "cod" in self.payment_methods

    def with_shocks(self, schedule: Schedule | None) -> StoreParams:
        """The same store under a schedule of dated changes (None or empty: none)."""
        return replace(self, shocks=schedule or None)

    def with_traffic_scaled(self, factor: float) -> StoreParams:
        """The same store with every channel's visits and ad budget multiplied (rates unchanged)."""
        if factor == 1:
            return self
        channels = tuple(
            replace(
                c,
                daily_sessions=round(c.daily_sessions * factor),
                daily_budget_cents=round(c.daily_budget_cents * factor),
            )
            for c in self.channels
        )
        return replace(self, channels=channels)
