"""What the engine needs to know about a store: frozen values built by an adapter in services.

Money is held in integer cents and times in whole seconds since the Unix epoch (UTC), so that
the engine can work on arrays and every amount it produces is exact to the cent.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from .fees import FeeSchedule

# Channel and payment-method names as the database stores them (stores.models mirrors these;
# a test checks that the two lists agree).
CHANNELS = ("paid_social", "paid_search", "organic_search", "email", "direct", "referral")
PAID_CHANNELS = frozenset({"paid_social", "paid_search"})
PAYMENT_METHODS = ("card", "paypal", "upi", "cod")
COD = PAYMENT_METHODS.index("cod")

# Order statuses; the engine's outcome codes index into this tuple.
STATUSES = ("placed", "shipped", "delivered", "refused", "returned", "refunded", "charged_back")
PLACED, SHIPPED, DELIVERED, REFUSED, RETURNED, REFUNDED, CHARGED_BACK = range(len(STATUSES))


@dataclass(frozen=True)
class ChannelParams:
    channel: str
    daily_sessions: int = 0
    daily_budget_cents: int = 0
    cost_per_click_cents: int = 0
    conversion_rate: float = 0.014

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
    key: int  # the store's id: part of its random streams
    business_model: str
    channels: tuple[ChannelParams, ...]
    catalogue: CatalogueSummary
    fees: FeeSchedule
    payment_methods: tuple[str, ...] = ("card",)
    default_payment_method: str = "card"
    chargeback_rate: float = 0.004
    dispute_fee_cents: int = 1500
    cod_share: float = 0.0
    cod_conversion_uplift: float = 0.0
    cod_refusal_base: float = 0.0
    cod_refusal_per_day: float = 0.0
    cod_remittance_days: int = 14
    shipping_cost_cents: int = 500
    return_shipping_cost_cents: int = 500
    handling_days: tuple[int, int] = (1, 2)
    delivery_days: tuple[int, int] = (2, 5)
    late_after_days: int = 21
    late_refund_rate: float = 0.0
    late_chargeback_share: float = 0.0
    return_window_days: int = 30
    store_pays_returns: bool = True
    return_rate: float = 0.15
    defect_rate: float = 0.01
    returns_restockable: bool = True
    price_elasticity: float = 0.0
    product_view_rate: float = 0.55
    add_to_cart_rate: float = 0.059
    checkout_rate: float = 0.55
    extra_items_mean: float = 0.3
    bundle_take_rate: float = 0.0
    bundle_discount_e4: int = 0  # share in 1/10,000ths, so the discount is exact in cents
    repeat_purchase_rate: float = 0.1
    ad_fatigue_per_day: float = 0.0
    stockout_rate: float = 0.0
    sku_daily_cost_cents: int = 0
    owns_customer_data: bool = True
    # Demand shape (model choices; not store fields yet).
    seasonality: float = 0.0  # amplitude of a yearly cycle, 0.2 = +/-20%
    season_peak_day: int = 335  # day of year of the peak (early December)
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def offers_cod(self) -> bool:
        return "cod" in self.payment_methods

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
