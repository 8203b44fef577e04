"""Default parameters of each store model, each default with its public source.

The only source of a store's defaults: the Store model's field defaults are COMMON's values, and
a store built for a business model (ORM, admin add form, clone, `create_store_from_preset`) takes
that model's preset for every parameter not given. Every value can then be edited in the admin.
The figures come from ../shared/product/PARAMETERS.md; where a figure is a modelling choice of
ours rather than a published number, the source says "model choice".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .choices import BusinessModel, Channel, Market, PaymentMethod, ReturnShippingPayer
from .simulation.catalogue import CatalogueSpec


@dataclass(frozen=True)
class Cited:
    value: Any
    source: str


def cite(value: Any, source: str) -> Cited:
    return Cited(value, source)


# Sources, named once and referred to by every default that uses them.
LITTLEDATA_CR = "Littledata, ~2,800 Shopify stores (2023): 1.4% average session conversion"
LITTLEDATA_CR_LOW_AOV = "Littledata (2023): stores with AOV < $60 convert ~4.6%"
LITTLEDATA_ATC = "Littledata (2022): add-to-cart rate 5.9% average, top 20% > 9.8%"
BAYMARD = "Baymard Institute: ~70% cart abandonment (average of 46 studies)"
CHANNEL_CR = "Agency benchmarks (2026): email 4-5.5%, direct 3-3.8%, organic 2-2.8%, paid search 1.5-3%, referral ~2%, paid social 0.8-1.5%"  # noqa: E501
NRF_RETURNS = "NRF / Appriss (2021-2024): online returns ~17.6-20.8% of sales"
STRIPE = "Stripe public pricing: 2.9% + $0.30, $15 per dispute"
STRIPE_PAYOUT = "Stripe docs (payout schedule): US accounts are paid out daily, 2 business days after the charge"  # noqa: E501
CHARGEBACKS = "Payment processors' guides: typical chargeback rate 0.3-0.9%"
DROP_TRANSIT = (
    "Carriers' and marketplace guides (2025): China->US ePacket 7-15 business days, standard 15-45"  # noqa: E501
)
DROP_PROCESSING = "Dropshipping guides: supplier processing 1-5 business days"
DROP_RETURNS = "Industry blogs (2025): dropship returns 16-20%; cross-border return shipping $15-40"
COD_SHARE = "Aramex: COD 70-80% of orders in the Middle East; GoKwik (2022): India ~60%"
COD_REFUSAL = "Unicommerce/Shipway (2025): COD RTO 22% at 1-2 days, 27% at 3-5, 35% after 5; seed 002: ~20% rejected"  # noqa: E501
COD_UPLIFT = "Regional study (2024): up to +30% orders when COD is offered (UAE)"
COD_FEE = "Indian couriers' rate cards (2026): higher of a fixed fee or 1.5-2.5%; reverse leg ~70% of forward"  # noqa: E501
COD_REMIT = "Regional study (2024): COD remittance ~2 weeks"
POD_COST = "POD guides (2026): blank + print ~$8-12; $10 to make + $5 to ship on a $20 retail price"
POD_RETURNS = (
    "POD providers' policies: reprint/refund only faulty or wrong items; no change-of-mind returns"  # noqa: E501
)
SINGLE_ADS = "Marketing blog (2026): ad spend 20-30% of sales for single-product stores"
RETURNS_BY_CATEGORY = "Retail analytics blog: returns by category: home 10-15%, electronics 8-12%, beauty 5-10%, apparel 20-30%"  # noqa: E501
DROP_MARGIN = "Industry blogs: dropship net margin 10-15% on average, 15-20% good"
DROP_PROMISE = "the store's own promise ('arrives in 10-25 days'): a buyer claims once it is broken"  # noqa: E501
POD_MARGIN = (
    "POD guides (2025): margin ~20% typical, 30%+ strong ($20 price - $10 to make - $5 to ship)"  # noqa: E501
)
CREATIVE_REFRESH = (
    "model choice: ad creative refreshed every two months, after which an audience tires again"  # noqa: E501
)
AMAZON_PAYOUT = "Amazon seller payments (2023-): funds released 7 days after delivery (DD+7), paid out every 14 days"  # noqa: E501
PAID_CPP = "SuperAds, $3B of ad spend (2025): ~$44 paid social cost per purchase; First Page Sage (2024): CAC $61-91"  # noqa: E501
COD_REMIT_TARGET = "Regional study (2024): COD cash ~2 weeks after delivery"
DOMESTIC_COURIER = (
    "model choice: a domestic courier in the UAE dispatches next day and delivers in 1-3 days"  # noqa: E501
)
MARKETPLACE_FEES = "Marketplace fee schedules: referral fee mostly 8-15%"
# Managed platforms (seed 003; PARAMETERS.md "Platform models").
SEED_003_ROLES = "seed 003: semi-hosted merchants keep product selection and pricing; the platform handles logistics and customer service"  # noqa: E501
SEED_003_TRAFFIC = "seed 003: the platform allocates the traffic (Temu 'prioritizing traffic allocation to semi-hosted sellers')"  # noqa: E501
SEED_003_WAREHOUSING = "seed 003: 'increased logistics costs from overseas warehousing'; the per-unit figure is a model choice"  # noqa: E501
SEED_003_PRICING = "seed 003: fully hosted sellers 'cannot adjust pricing ... squeezing profit margins'; the figure is a model choice"  # noqa: E501
SEMI_FEES = "Temu semi-managed fee guide, ecer.com (2025): service fee typically 10-20% of sales"
PLATFORM_PAYOUT = (
    "Seller Q&A, hb2b.com (2025): paid ~45 days after the sale, later with returns or disputes"  # noqa: E501
)
SEMI_DELIVERY = "56ok.com (2025): semi-managed US windows: preparation 2 business days, delivery at most 14 business days"  # noqa: E501
FULL_MANAGED = "56ok.com (2025): fully managed: the seller supplies at a wholesale price to the platform's warehouses; the platform prices, fulfils and serves; delivery typically 7-10 days"  # noqa: E501
PLATFORM_CUSTOMER = "seed 002/003: the platform keeps the customer; the seller sees no buyer's data and no repeat buyer"  # noqa: E501
# The fictional platform both managed models sell on (standing for Temu, SHEIN or TikTok Shop).
PLATFORM_NAME = "Bazaaro"
MODEL_CHOICE = "model choice (no public figure): tune in the admin"
REPEAT_RATE = "MobiLoud (2026), via e-com.wiki: repeat customer rate ~25-30% over 12 months (Shopify stores ~27%); Bluecore/Shopify: 12-month DTC retention ~31%"  # noqa: E501
REPEAT_SHOPPERS = "Yotpo repeat-customer statistics: ~15% of online shoppers are repeat customers; about a third of revenue from returning customers"  # noqa: E501
REPEAT_INTERVAL = "model choice (no public figure; Shopify (2022) measures reorders over 2x the typical repeat interval): tune in the admin"  # noqa: E501
SINGLE_REPEAT = "model choice (no public figure): one hero product (a posture corrector) that few buyers need twice; near zero"  # noqa: E501
FLOODING_REPEAT = (
    "seed 000: product inconsistency hinders a stable customer base; near zero (model choice)"  # noqa: E501
)
OFF = "off unless the model needs it (its preset turns it on)"
# Cash and capital (seed 002: "the capital chain breaks"). No public figure gives a store's
# starting capital, how much stock it buys ahead or its supplier's terms: model choices, stated.
CAPITAL = "model choice (no public figure): the owner's money on day one; seed 002: the initial traffic is bought by burning money on ads until the capital chain breaks"  # noqa: E501
STOCK_AHEAD = "model choice (no public figure): days of expected sales bought up front and replenished as they sell"  # noqa: E501
DROP_CAPITAL = (
    "model choice (no public figure); seed 002: a dropshipping project needs very little capital"  # noqa: E501
)
NO_STOCK_DROP = "seed 000: dropshipping needs no inventory pre-purchasing; goods bought per order"
NO_STOCK_POD = "POD guides: made to order, the print partner is paid per order; no stock"
SUPPLIER_TERMS = (
    "model choice (no public figure): a new seller pays its supplier on purchase (no trade credit)"  # noqa: E501
)
# Competition and the premium ramp (seed 001). No public figure gives a market's yearly price
# fall, a premium store's ramp or its brand budget: model choices, stated.
PRICE_PRESSURE = "model choice (no public figure); seed 001: homogeneous products bring 'frequent price wars', 'product prices keep falling, significantly compressing profit margins'"  # noqa: E501
EXPANSION_PRESSURE = "model choice (no public figure): flooding within one category meets the same price war as general flooding, from fewer competitors; a third of the general store's rate"  # noqa: E501
EXPANSION = "seed 001: product flooding 'casts a wide net' with large quantities of products; here within one category"  # noqa: E501
PREMIUM_MARKUP = "seed 001/002: a few high-quality, differentiated products escape the price war; the figure is a model choice"  # noqa: E501
PREMIUM_RAMP = "model choice (no public figure); seed 001: sellers 'failed in transitioning to a premium product strategy or continue to suffer losses on this path'"  # noqa: E501
BRAND_BUILD = "model choice (no public figure); seed 001: 'refining every aspect from product appearance and accessories to packaging and listing visuals', 'incurring heavy current losses for hypothetical future profits'"  # noqa: E501
# A channel's conversion rate when nothing else is known: the average store (Littledata).
CHANNEL_CONVERSION = Decimal("0.014")


@dataclass(frozen=True)
class ChannelPreset:
    channel: str
    conversion_rate: Cited
    daily_sessions: int = 0
    daily_budget: Decimal = Decimal("0")
    cost_per_click: Decimal = Decimal("0")


@dataclass(frozen=True)
class Target:
    """A cited range an outcome of the model should land in (stores/simulation/calibration.py).

    `low`/`high` bound the mean over seeds; `source` says where the range comes from."""

    low: float
    high: float
    source: str


@dataclass(frozen=True)
class Preset:
    key: str
    label: str
    summary: str
    store: dict[str, Cited]
    channels: tuple[ChannelPreset, ...]
    catalogue: CatalogueSpec
    theme: dict[str, str] = field(default_factory=dict)  # colours, tagline, banner
    # Outcomes the sources cite for this model, and why an outcome is not judged here.
    targets: dict[str, Target] = field(default_factory=dict)
    not_judged: dict[str, str] = field(default_factory=dict)

    def store_values(self) -> dict[str, Any]:
        """Every parameter of a store of this model (lists copied: callers may change them)."""
        return {name: _copy(cited.value) for name, cited in self.store.items()}

    def defaults(self) -> dict[str, Any]:
        """Every value a new store of this model starts with: parameters and theme."""
        return {**self.store_values(), **DEFAULT_THEME, **self.theme}

    def sources(self) -> dict[str, str]:
        return {name: cited.source for name, cited in self.store.items()}

    def channel_values(self, owns_customer_data: bool = True) -> list[dict[str, Any]]:
        """StoreChannel field values; a store without its customers' data gets no email channel."""
        return [
            {
                "channel": cp.channel,
                "daily_sessions": cp.daily_sessions,
                "daily_budget": cp.daily_budget,
                "cost_per_click": cp.cost_per_click,
                "conversion_rate": cp.conversion_rate.value,
            }
            for cp in self.channels
            if owns_customer_data or cp.channel != Channel.EMAIL
        ]


D = Decimal


def _copy(value: Any) -> Any:
    return list(value) if isinstance(value, list) else value


# Defaults every model shares unless its preset says otherwise: every parameter of a store.
COMMON: dict[str, Cited] = {
    "market": cite(Market.US, MODEL_CHOICE),
    "currency": cite("USD", "one currency across demo stores so margins compare directly"),
    "payment_methods": cite([PaymentMethod.CARD, PaymentMethod.PAYPAL], MODEL_CHOICE),
    "default_payment_method": cite(PaymentMethod.CARD, MODEL_CHOICE),
    "card_fee_rate": cite(D("0.029"), STRIPE),
    "card_fee_fixed": cite(D("0.30"), STRIPE),
    "dispute_fee": cite(D("15.00"), STRIPE),
    "chargeback_rate": cite(D("0.004"), CHARGEBACKS),
    "payout_days": cite(2, STRIPE_PAYOUT),
    "payout_cycle_days": cite(0, STRIPE_PAYOUT),
    "platform_collects_payment": cite(False, "an independent store takes its own payments"),
    "cod_share": cite(D("0"), OFF),
    "cod_conversion_uplift": cite(D("0"), OFF),
    "cod_fee_rate": cite(D("0.02"), COD_FEE),
    "cod_fee_min": cite(D("0.50"), COD_FEE),
    "cod_refusal_base": cite(D("0"), OFF),
    "cod_refusal_per_day": cite(D("0"), OFF),
    "cod_remittance_days": cite(14, COD_REMIT),
    "shipping_cost": cite(D("5.00"), MODEL_CHOICE),
    "return_shipping_cost": cite(D("6.00"), MODEL_CHOICE),
    "handling_days_min": cite(1, MODEL_CHOICE),
    "handling_days_max": cite(2, MODEL_CHOICE),
    "delivery_days_min": cite(3, MODEL_CHOICE),
    "delivery_days_max": cite(6, MODEL_CHOICE),
    "late_after_days": cite(21, MODEL_CHOICE),
    "late_refund_rate": cite(D("0"), OFF),
    "late_chargeback_share": cite(D("0"), OFF),
    "return_window_days": cite(30, MODEL_CHOICE),
    "return_shipping_paid_by": cite(ReturnShippingPayer.STORE, MODEL_CHOICE),
    "return_rate": cite(D("0.18"), NRF_RETURNS),
    "defect_rate": cite(D("0.01"), MODEL_CHOICE),
    "returns_restockable": cite(True, MODEL_CHOICE),
    "markup": cite(D("2.5"), MODEL_CHOICE),
    "price_elasticity": cite(D("0"), OFF),
    "product_view_rate": cite(D("0.55"), MODEL_CHOICE),
    "add_to_cart_rate": cite(D("0.059"), LITTLEDATA_ATC),
    "checkout_rate": cite(D("0.50"), BAYMARD),
    "extra_items_mean": cite(D("0.3"), MODEL_CHOICE),
    "bundle_take_rate": cite(D("0"), OFF),
    "repeat_purchase_rate": cite(D("0.10"), REPEAT_SHOPPERS),
    "repeat_days": cite(60, REPEAT_INTERVAL),
    "returning_email_share": cite(D("0.5"), MODEL_CHOICE),
    "ad_fatigue_per_day": cite(D("0"), OFF),
    "ad_refresh_days": cite(0, OFF),
    "stockout_rate": cite(D("0"), OFF),
    "sku_daily_cost": cite(D("0"), OFF),
    "platform_fee_rate": cite(D("0"), OFF),
    "fulfilment_fee": cite(D("0"), OFF),
    "warehousing_fee": cite(D("0"), OFF),
    "platform_retail_markup": cite(
        D("0"), "the seller sets its price (a fully managed platform sets it)"
    ),  # noqa: E501
    "owns_customer_data": cite(True, "an independent store owns its customer data (seed 002)"),
    "starting_capital": cite(D("10000.00"), CAPITAL),
    "stock_days": cite(30, STOCK_AHEAD),
    "supplier_payment_days": cite(0, SUPPLIER_TERMS),
    "price_pressure_per_year": cite(D("0"), OFF),
    "ramp_days": cite(0, OFF),
    "ramp_start": cite(D("1"), OFF),
    "brand_build_cost": cite(D("0"), OFF),
}
# The look of a store with no theme of its own.
DEFAULT_THEME = {
    "primary_colour": "#1f4e79",
    "accent_colour": "#f2a900",
    "tagline": "",
    "banner_text": "",
}


def default(name: str):
    """COMMON's value of one parameter: the Store model's field default."""
    return COMMON[name].value


# Outcomes every model is held to unless its preset says otherwise (calibration.OUTCOMES keys).
ORDINARY_CONVERSION = Target(
    0.008, 0.032,
    "Littledata (2023): 1.4% average, top 20% >= 3.2%; the range runs from about half the average to the top fifth",  # noqa: E501
)  # fmt: skip
COMMON_TARGETS: dict[str, Target] = {
    "conversion_rate": ORDINARY_CONVERSION,
    "cart_abandonment": Target(0.65, 0.75, BAYMARD + ", within 5 points"),
    "chargeback_rate": Target(0.003, 0.009, CHARGEBACKS),
    "cash_lag_prepaid": Target(1.5, 3.0, STRIPE_PAYOUT),
}
NOT_JUDGED = {
    "aov": "no cited basket size for this model (Triple Whale's category AOVs describe brands)",
    "contribution_margin": "no cited figure for this model",
}


def _targets(**overrides: Target) -> dict[str, Target]:
    return {**COMMON_TARGETS, **overrides}


def _store(**overrides: Cited) -> dict[str, Cited]:
    return {**COMMON, **overrides}


PRESETS: dict[str, Preset] = {
    BusinessModel.GENERAL: Preset(
        key=BusinessModel.GENERAL,
        label="General store",
        summary="Hundreds of unrelated SKUs, thin markup, long-tail demand, prepaid.",
        targets=_targets(
            returns_rate=Target(0.08, 0.15, RETURNS_BY_CATEGORY), paid_cac=Target(25, 95, PAID_CPP)
        ),
        not_judged=NOT_JUDGED,
        store=_store(
            markup=cite(D("1.7"), "seed 000/003: homogeneous products, price war -> thin markup"),
            price_elasticity=cite(D("0.8"), MODEL_CHOICE),
            add_to_cart_rate=cite(D("0.045"), LITTLEDATA_ATC),
            return_rate=cite(D("0.12"), RETURNS_BY_CATEGORY),
            stockout_rate=cite(D("0.06"), "seed 000: stockouts from limited supplier visibility"),
            sku_daily_cost=cite(D("0.02"), MODEL_CHOICE),
            extra_items_mean=cite(D("0.45"), MODEL_CHOICE),
            repeat_purchase_rate=cite(D("0.03"), FLOODING_REPEAT),
            repeat_days=cite(90, REPEAT_INTERVAL),
            # 15% a year: at a fixed markup the store loses ~12% of its conversion over a year
            # (elasticity 0.8), while its ads and SKU costs stay: its margin erodes
            price_pressure_per_year=cite(D("0.15"), PRICE_PRESSURE),
            # 600 SKUs in stock: the widest net needs the most goods bought ahead
            starting_capital=cite(D("25000.00"), CAPITAL),
            stock_days=cite(60, STOCK_AHEAD),
        ),
        channels=(
            ChannelPreset(Channel.PAID_SOCIAL, cite(D("0.009"), CHANNEL_CR), 0, D("60"), D("0.50")),
            ChannelPreset(Channel.PAID_SEARCH, cite(D("0.015"), CHANNEL_CR), 0, D("40"), D("0.70")),
            ChannelPreset(Channel.ORGANIC_SEARCH, cite(D("0.012"), CHANNEL_CR), 500),
            ChannelPreset(Channel.EMAIL, cite(D("0.030"), CHANNEL_CR), 60),
            ChannelPreset(Channel.DIRECT, cite(D("0.018"), CHANNEL_CR), 150),
            ChannelPreset(Channel.REFERRAL, cite(D("0.012"), CHANNEL_CR), 50),
        ),
        catalogue=CatalogueSpec(
            kind="general",
            size=600,
            categories=(
                "Kitchen",
                "Phone accessories",
                "Pet supplies",
                "Fitness",
                "Home decor",
                "Beauty",
                "Toys",
                "Garden",
                "Travel",
                "Office",
                "Car",
                "Jewellery",
                "Electronics",
                "Baby",
            ),  # fmt: skip
            cost_range=(2.5, 28.0),
            zipf_exponent=1.1,
        ),
        theme={
            "primary_colour": "#0b5394",
            "accent_colour": "#f1c232",
            "tagline": "Everything you need, all in one place",
            "banner_text": "Free shipping over $25 - 600+ products",
        },
    ),
    BusinessModel.DROPSHIP: Preset(
        key=BusinessModel.DROPSHIP,
        label="Dropshipping store",
        summary="No inventory: suppliers ship from abroad in 1-3 weeks; thin margins, late refunds.",
        targets=_targets(
            returns_rate=Target(0.16, 0.20, DROP_RETURNS),
            contribution_margin=Target(0.10, 0.20, DROP_MARGIN),
            delivery_days=Target(
                10,
                26,
                "supplier processing 1-5 days + ePacket 7-15 business days (carriers' guides)",
            ),  # noqa: E501
            paid_cac=Target(25, 95, PAID_CPP),
        ),
        not_judged={"aov": NOT_JUDGED["aov"]},
        store=_store(
            markup=cite(D("2.7"), DROP_MARGIN),
            shipping_cost=cite(D("3.50"), DROP_TRANSIT),
            return_shipping_cost=cite(D("22.00"), DROP_RETURNS),
            returns_restockable=cite(False, DROP_RETURNS),
            # with 1% defects and the late parcels' refunds: the cited 16-20% refunded
            return_rate=cite(D("0.14"), DROP_RETURNS),
            handling_days_min=cite(1, DROP_PROCESSING),
            handling_days_max=cite(5, DROP_PROCESSING),
            delivery_days_min=cite(9, DROP_TRANSIT),
            delivery_days_max=cite(25, DROP_TRANSIT),
            late_after_days=cite(25, DROP_PROMISE),
            late_refund_rate=cite(D("0.25"), MODEL_CHOICE),
            # most buyers ask the store first; the 6% who go to their bank put the store's
            # chargebacks (0.4% + ~0.25% of late claims) mid-range of the cited 0.3-0.9% (at 10%
            # they averaged 0.82% over nine seeds: any three seeds could land outside)
            late_chargeback_share=cite(D("0.06"), CHARGEBACKS),
            chargeback_rate=cite(D("0.004"), CHARGEBACKS),
            starting_capital=cite(D("3000.00"), DROP_CAPITAL),
            stock_days=cite(0, NO_STOCK_DROP),
        ),
        # Budgets are a model choice: at a ~$30 basket, paid clicks at 1.1% conversion cost more
        # than they sell, so a dropshipper lives mostly on organic and referral traffic.
        channels=(
            ChannelPreset(Channel.PAID_SOCIAL, cite(D("0.011"), CHANNEL_CR), 0, D("50"), D("0.60")),
            ChannelPreset(Channel.PAID_SEARCH, cite(D("0.018"), CHANNEL_CR), 0, D("20"), D("0.80")),
            ChannelPreset(Channel.ORGANIC_SEARCH, cite(D("0.015"), CHANNEL_CR), 250),
            ChannelPreset(Channel.EMAIL, cite(D("0.035"), CHANNEL_CR), 30),
            ChannelPreset(Channel.DIRECT, cite(D("0.020"), CHANNEL_CR), 80),
            ChannelPreset(Channel.REFERRAL, cite(D("0.015"), CHANNEL_CR), 60),
        ),
        catalogue=CatalogueSpec(
            kind="dropship",
            size=120,
            categories=(
                "Phone accessories",
                "Home decor",
                "Pet supplies",
                "Fitness",
                "Electronics",
            ),
            cost_range=(4.0, 25.0),
            zipf_exponent=0.9,
            stocked=False,
            suppliers=("Shenzhen Bright Trading Co.", "Yiwu Star Supply", "Guangzhou Home Goods"),
            supplier_lead_days=(1, 5),
        ),
        theme={
            "primary_colour": "#274e13",
            "accent_colour": "#e69138",
            "tagline": "Trending finds at unbeatable prices",
            "banner_text": "Worldwide shipping - arrives in 10-25 days",
        },
    ),
    BusinessModel.COD: Preset(
        key=BusinessModel.COD,
        label="Cash-on-delivery store",
        summary="Middle East market, pay the courier at the door; uplift, refusals, late cash.",
        targets=_targets(
            cod_refusal_rate=Target(
                0.19,
                0.27,
                "seed 002: ~20% rejected; Aramex (Middle East): 19%; Unicommerce (India): 26%",
            ),  # noqa: E501
            cod_refusal_1_2_days=Target(0.20, 0.24, COD_REFUSAL),
            cod_refusal_3_5_days=Target(0.25, 0.29, COD_REFUSAL),
            cod_refusal_6_plus_days=Target(0.31, 0.39, COD_REFUSAL),
            cash_lag_cod=Target(14, 21, COD_REMIT_TARGET),
            aov=Target(60, 100, "Triple Whale (2024): AOV $88 fashion accessories, $73 pet"),
            paid_cac=Target(25, 95, PAID_CPP),
        ),
        not_judged={"contribution_margin": NOT_JUDGED["contribution_margin"]},
        store=_store(
            market=cite(Market.AE, COD_SHARE),
            payment_methods=cite([PaymentMethod.COD, PaymentMethod.CARD], COD_SHARE),
            default_payment_method=cite(PaymentMethod.COD, COD_SHARE),
            cod_share=cite(D("0.75"), COD_SHARE),
            cod_conversion_uplift=cite(D("0.30"), COD_UPLIFT),
            cod_refusal_base=cite(D("0.22"), COD_REFUSAL),  # at the door within 2 days
            cod_refusal_per_day=cite(D("0.025"), COD_REFUSAL),  # 27% mid 3-5 days, 35% at 7
            cod_fee_rate=cite(D("0.02"), COD_FEE),
            cod_fee_min=cite(D("1.00"), COD_FEE),
            shipping_cost=cite(D("5.50"), MODEL_CHOICE),
            return_shipping_cost=cite(D("3.85"), COD_FEE),
            handling_days_min=cite(1, DOMESTIC_COURIER),
            handling_days_max=cite(1, DOMESTIC_COURIER),
            delivery_days_min=cite(1, DOMESTIC_COURIER),
            delivery_days_max=cite(3, DOMESTIC_COURIER),
            add_to_cart_rate=cite(D("0.065"), LITTLEDATA_ATC),
            return_rate=cite(D("0.08"), MODEL_CHOICE),
            return_window_days=cite(14, MODEL_CHOICE),
            # local stock for next-day dispatch; refused parcels come back to it
            starting_capital=cite(D("15000.00"), CAPITAL),
            stock_days=cite(30, STOCK_AHEAD),
        ),
        channels=(
            ChannelPreset(
                Channel.PAID_SOCIAL, cite(D("0.012"), CHANNEL_CR), 0, D("100"), D("0.45")
            ),
            ChannelPreset(Channel.PAID_SEARCH, cite(D("0.018"), CHANNEL_CR), 0, D("30"), D("0.60")),
            ChannelPreset(Channel.ORGANIC_SEARCH, cite(D("0.015"), CHANNEL_CR), 200),
            ChannelPreset(Channel.EMAIL, cite(D("0.035"), CHANNEL_CR), 30),
            ChannelPreset(Channel.DIRECT, cite(D("0.022"), CHANNEL_CR), 80),
            ChannelPreset(Channel.REFERRAL, cite(D("0.015"), CHANNEL_CR), 60),
        ),
        catalogue=CatalogueSpec(
            kind="cod",
            size=80,
            categories=("Modest fashion", "Fragrance", "Beauty", "Electronics", "Home decor"),
            cost_range=(6.0, 35.0),
            zipf_exponent=0.9,
        ),
        theme={
            "primary_colour": "#7f1d1d",
            "accent_colour": "#d4a017",
            "tagline": "Pay when it arrives - delivery across the UAE",
            "banner_text": "Cash on delivery available on every order",
        },
    ),
    BusinessModel.POD: Preset(
        key=BusinessModel.POD,
        label="Print-on-demand store",
        summary="Made to order with your text; high base cost, production delay, few returns.",
        targets=_targets(
            returns_rate=Target(0.0, 0.05, POD_RETURNS),
            margin_after_fulfilment=Target(0.20, 0.40, POD_MARGIN),
            aov=Target(20, 45, POD_COST),
            paid_cac=Target(25, 95, PAID_CPP),
        ),
        not_judged={"contribution_margin": "the POD guides' margin is after making and shipping"},
        store=_store(
            markup=cite(D("2.1"), POD_COST),
            price_elasticity=cite(D("0.2"), "seed 000: differentiation avoids the price war"),
            shipping_cost=cite(D("5.00"), POD_COST),
            handling_days_min=cite(2, "POD guides: production 2-5 days"),
            handling_days_max=cite(5, "POD guides: production 2-5 days"),
            return_rate=cite(D("0"), POD_RETURNS),
            defect_rate=cite(D("0.02"), POD_RETURNS),
            returns_restockable=cite(False, POD_RETURNS),
            add_to_cart_rate=cite(D("0.07"), LITTLEDATA_ATC),
            repeat_purchase_rate=cite(D("0.15"), REPEAT_SHOPPERS),
            starting_capital=cite(D("3000.00"), CAPITAL),
            stock_days=cite(0, NO_STOCK_POD),
        ),
        channels=(
            ChannelPreset(Channel.PAID_SOCIAL, cite(D("0.013"), CHANNEL_CR), 0, D("70"), D("0.55")),
            ChannelPreset(Channel.PAID_SEARCH, cite(D("0.020"), CHANNEL_CR), 0, D("30"), D("0.75")),
            ChannelPreset(Channel.ORGANIC_SEARCH, cite(D("0.020"), CHANNEL_CR), 220),
            ChannelPreset(Channel.EMAIL, cite(D("0.045"), CHANNEL_CR), 60),
            ChannelPreset(Channel.DIRECT, cite(D("0.030"), CHANNEL_CR), 80),
            ChannelPreset(Channel.REFERRAL, cite(D("0.020"), CHANNEL_CR), 70),
        ),
        catalogue=CatalogueSpec(
            kind="pod",
            size=13,
            categories=("Apparel", "Drinkware", "Accessories"),
            cost_range=(8.0, 14.0),
            zipf_exponent=0.8,
            stocked=False,
        ),
        theme={
            "primary_colour": "#4a148c",
            "accent_colour": "#00bfa5",
            "tagline": "Your words, printed just for you",
            "banner_text": "Made to order in 2-5 days",
        },
    ),
    BusinessModel.SINGLE_PRODUCT: Preset(
        key=BusinessModel.SINGLE_PRODUCT,
        label="Single-product store",
        summary="One hero product on a landing page, bundles, heavy ad spend that fatigues.",
        targets=_targets(
            conversion_rate=Target(
                0.032, 0.047, "Littledata (2023): top 20% >= 3.2%, top 10% >= 4.7%; AOV < $60 ~4.6%"
            ),  # noqa: E501
            ad_share=Target(0.20, 0.30, SINGLE_ADS),
            returns_rate=Target(0.176, 0.208, NRF_RETURNS),
        ),
        not_judged={
            "paid_cac": "judged by its ad share: at a $50 basket, ads at 20-30% of sales cost ~$13 a buyer, not the $44 average",  # noqa: E501
            **NOT_JUDGED,
        },
        store=_store(
            # a hero product sold at 3.5x cost keeps ads inside the cited 20-30% of sales
            markup=cite(D("3.5"), SINGLE_ADS),
            product_view_rate=cite(
                D("0.85"), "one landing page: nearly every visit sees the product"
            ),
            # the top fifth (> 9.8%): with its ~4% conversion, Baymard's ~70% abandonment
            add_to_cart_rate=cite(D("0.13"), LITTLEDATA_ATC),
            checkout_rate=cite(D("0.60"), BAYMARD),
            extra_items_mean=cite(D("0"), "one product: baskets grow through bundles"),
            bundle_take_rate=cite(D("0.35"), MODEL_CHOICE),
            ad_fatigue_per_day=cite(D("0.003"), MODEL_CHOICE),
            ad_refresh_days=cite(60, CREATIVE_REFRESH),
            return_rate=cite(D("0.175"), NRF_RETURNS),  # with 1% defects: ~18% returned
            repeat_purchase_rate=cite(D("0.03"), SINGLE_REPEAT),
            repeat_days=cite(90, REPEAT_INTERVAL),
            # one product in stock, heavy ads paid as they run
            starting_capital=cite(D("10000.00"), CAPITAL),
            stock_days=cite(30, STOCK_AHEAD),
        ),
        channels=(
            ChannelPreset(
                Channel.PAID_SOCIAL, cite(D("0.040"), LITTLEDATA_CR_LOW_AOV), 0, D("400"), D("0.60")
            ),  # noqa: E501
            ChannelPreset(
                Channel.PAID_SEARCH, cite(D("0.050"), LITTLEDATA_CR_LOW_AOV), 0, D("120"), D("1.00")
            ),  # noqa: E501
            ChannelPreset(Channel.ORGANIC_SEARCH, cite(D("0.030"), CHANNEL_CR), 60),
            ChannelPreset(Channel.EMAIL, cite(D("0.050"), CHANNEL_CR), 20),
            ChannelPreset(Channel.DIRECT, cite(D("0.040"), CHANNEL_CR), 40),
            ChannelPreset(Channel.REFERRAL, cite(D("0.030"), CHANNEL_CR), 30),
        ),
        catalogue=CatalogueSpec(
            kind="single_product",
            size=1,
            categories=("Wellness",),
            cost_range=(9.0, 13.0),
            bundle_sizes=(2, 3),
            bundle_discounts=(0.10, 0.20),
        ),
        theme={
            "primary_colour": "#0f3d3e",
            "accent_colour": "#ff6f3c",
            "tagline": "Stand tall in 14 days - or your money back",
            "banner_text": "Today only: save 20% on the 3-pack",
        },
    ),
}

# Seed 001's two vertical paths: flooding within one category (vertical expansion) and the
# premium products a seller turns to, paying for the brand before it pays back.
PRESETS[BusinessModel.VERTICAL] = Preset(
    key=BusinessModel.VERTICAL,
    label="Vertical expansion",
    summary="Flooding within one category: many similar SKUs, thinner markup, some price pressure.",
    targets=_targets(returns_rate=Target(0.08, 0.15, RETURNS_BY_CATEGORY)),
    not_judged=NOT_JUDGED,
    store=_store(
        markup=cite(D("2.0"), EXPANSION),
        price_elasticity=cite(D("0.6"), MODEL_CHOICE),
        price_pressure_per_year=cite(D("0.05"), EXPANSION_PRESSURE),
        repeat_purchase_rate=cite(D("0.08"), REPEAT_SHOPPERS),
        add_to_cart_rate=cite(D("0.07"), LITTLEDATA_ATC),  # Baymard ~70% at its ~2% conversion
        return_rate=cite(D("0.12"), RETURNS_BY_CATEGORY),  # home and pet goods
        sku_daily_cost=cite(D("0.02"), MODEL_CHOICE),
        starting_capital=cite(D("15000.00"), CAPITAL),
        stock_days=cite(45, STOCK_AHEAD),
    ),
    channels=PRESETS[BusinessModel.POD].channels,
    catalogue=CatalogueSpec(
        kind="vertical",
        size=150,
        categories=("Pet supplies",),
        cost_range=(3.0, 20.0),
        zipf_exponent=1.0,
    ),  # fmt: skip
    theme={
        "primary_colour": "#1e3a8a",
        "accent_colour": "#fb923c",
        "tagline": "Every pet supply, one aisle",
        "banner_text": "150 pet essentials - new arrivals every week",
    },
)
PRESETS[BusinessModel.BRAND] = Preset(
    key=BusinessModel.BRAND,
    label="DTC brand",
    summary="Own brand, owned channels: email and repeat buyers carry more of the sales.",
    targets=_targets(returns_rate=Target(0.05, 0.10, RETURNS_BY_CATEGORY)),
    not_judged=NOT_JUDGED,
    store=_store(
        markup=cite(D("3.0"), MODEL_CHOICE),
        # seed 000/002: brands cultivate loyal customers and repeat purchases
        repeat_purchase_rate=cite(D("0.30"), REPEAT_RATE),
        repeat_days=cite(45, REPEAT_INTERVAL),  # beauty: consumables run out
        returning_email_share=cite(D("0.6"), MODEL_CHOICE),
        add_to_cart_rate=cite(D("0.10"), LITTLEDATA_ATC),  # top fifth; Baymard ~70% at ~3.1%
        return_rate=cite(D("0.07"), RETURNS_BY_CATEGORY),  # a beauty catalogue
        starting_capital=cite(D("20000.00"), CAPITAL),
        stock_days=cite(45, STOCK_AHEAD),
    ),
    channels=(
        ChannelPreset(Channel.PAID_SOCIAL, cite(D("0.013"), CHANNEL_CR), 0, D("80"), D("0.70")),
        ChannelPreset(Channel.ORGANIC_SEARCH, cite(D("0.025"), CHANNEL_CR), 250),
        ChannelPreset(Channel.EMAIL, cite(D("0.050"), CHANNEL_CR), 200),
        ChannelPreset(Channel.DIRECT, cite(D("0.035"), CHANNEL_CR), 150),
        ChannelPreset(Channel.REFERRAL, cite(D("0.020"), CHANNEL_CR), 60),
    ),
    catalogue=CatalogueSpec(kind="brand", size=30, categories=("Beauty",), cost_range=(6.0, 20.0)),
    theme={
        "primary_colour": "#5b1f4a",
        "accent_colour": "#f9c6dc",
        "tagline": "Our own skincare, made in small batches",
        "banner_text": "Members get early access to every new batch",
    },
)
PRESETS[BusinessModel.MARKETPLACE] = Preset(
    key=BusinessModel.MARKETPLACE,
    label="Marketplace seller",
    summary="Baseline: platform traffic and commission, no customer data, no email.",
    targets=_targets(
        returns_rate=Target(0.10, 0.15, RETURNS_BY_CATEGORY),
        cash_lag_prepaid=Target(13, 28, AMAZON_PAYOUT),
    ),
    not_judged=NOT_JUDGED,
    store=_store(
        platform_fee_rate=cite(D("0.15"), MARKETPLACE_FEES),
        owns_customer_data=cite(False, "seed 002: marketplaces keep the customer data"),
        markup=cite(D("2.0"), MODEL_CHOICE),
        repeat_purchase_rate=cite(D("0.02"), MODEL_CHOICE),
        add_to_cart_rate=cite(D("0.085"), LITTLEDATA_ATC),  # Baymard ~70% at its ~2.5%
        return_rate=cite(D("0.12"), RETURNS_BY_CATEGORY),  # home decor and kitchen
        platform_collects_payment=cite(True, AMAZON_PAYOUT),
        payout_days=cite(7, AMAZON_PAYOUT),
        payout_cycle_days=cite(14, AMAZON_PAYOUT),
        starting_capital=cite(D("10000.00"), CAPITAL),
        stock_days=cite(30, STOCK_AHEAD),
    ),
    channels=(
        ChannelPreset(Channel.ORGANIC_SEARCH, cite(D("0.025"), CHANNEL_CR), 800),
        ChannelPreset(Channel.PAID_SEARCH, cite(D("0.030"), CHANNEL_CR), 0, D("40"), D("0.45")),
    ),
    catalogue=CatalogueSpec(
        kind="marketplace", size=80, categories=("Home decor", "Kitchen"), cost_range=(4.0, 25.0)
    ),
)


def _platform_store(**overrides: Cited) -> dict[str, Cited]:
    """What both managed models share (seed 003): the platform takes the payment (no card fee
    for the seller) and pays out weeks after delivery, runs logistics and customer service (no
    shipping legs for the seller), and keeps the customer (no email, no repeat buyers)."""
    shared = {
        "platform_collects_payment": cite(True, SEED_003_ROLES),
        # after delivery (7-14 days from the order), on a weekly cycle: ~45 days from the sale
        "payout_days": cite(30, PLATFORM_PAYOUT),
        "payout_cycle_days": cite(7, PLATFORM_PAYOUT),
        "shipping_cost": cite(D("0"), SEED_003_ROLES),
        "return_shipping_cost": cite(D("0"), SEED_003_ROLES),
        "warehousing_fee": cite(D("0.40"), SEED_003_WAREHOUSING),
        "owns_customer_data": cite(False, PLATFORM_CUSTOMER),
        "repeat_purchase_rate": cite(D("0"), PLATFORM_CUSTOMER),
        "add_to_cart_rate": cite(D("0.085"), LITTLEDATA_ATC),  # Baymard ~70% at its ~2.5%
    }
    return _store(**{**shared, **overrides})


PLATFORM_NOT_JUDGED = {
    "paid_cac": "no paid channel: the platform allocates the seller's traffic (seed 003)",
    **NOT_JUDGED,
}
PRESETS[BusinessModel.SEMI_MANAGED] = Preset(
    key=BusinessModel.SEMI_MANAGED,
    label="Semi-managed platform seller",
    summary="Sets its prices; the platform brings traffic, fulfils, serves and pays weeks later.",
    targets=_targets(
        returns_rate=Target(0.10, 0.15, RETURNS_BY_CATEGORY),
        cash_lag_prepaid=Target(38, 52, PLATFORM_PAYOUT),
        delivery_days=Target(7, 16, SEMI_DELIVERY),
    ),
    not_judged=PLATFORM_NOT_JUDGED,
    store=_platform_store(
        platform_fee_rate=cite(D("0.15"), SEMI_FEES),
        fulfilment_fee=cite(D("3.00"), MODEL_CHOICE),
        markup=cite(D("2.0"), MODEL_CHOICE),
        return_rate=cite(D("0.12"), RETURNS_BY_CATEGORY),  # home decor and kitchen
        handling_days_min=cite(2, SEMI_DELIVERY),
        handling_days_max=cite(2, SEMI_DELIVERY),
        delivery_days_min=cite(5, SEMI_DELIVERY),
        delivery_days_max=cite(12, SEMI_DELIVERY),
    ),
    channels=(ChannelPreset(Channel.PLATFORM, cite(D("0.025"), SEED_003_TRAFFIC), 800),),
    catalogue=CatalogueSpec(
        kind="semi_managed",
        size=60,
        categories=("Home decor", "Kitchen", "Travel"),
        cost_range=(4.0, 22.0),
    ),
    theme={
        "primary_colour": "#7c2d12",
        "accent_colour": "#fdba74",
        "tagline": "Home and kitchen goods, sold on " + PLATFORM_NAME,
    },
)
PRESETS[BusinessModel.FULLY_MANAGED] = Preset(
    key=BusinessModel.FULLY_MANAGED,
    label="Fully-managed platform supplier",
    summary="Supplies at a wholesale price; the platform sets the price and does everything else.",
    targets=_targets(
        returns_rate=Target(0.176, 0.208, NRF_RETURNS),
        cash_lag_prepaid=Target(38, 52, PLATFORM_PAYOUT),
        delivery_days=Target(7, 10, FULL_MANAGED),
    ),
    not_judged=PLATFORM_NOT_JUDGED,
    store=_platform_store(
        # The platform's margin is its price over the wholesale price: no commission, and its
        # fulfilment is part of that margin; the seller still pays for the warehouse.
        platform_fee_rate=cite(D("0"), FULL_MANAGED),
        fulfilment_fee=cite(D("0"), FULL_MANAGED),
        markup=cite(D("1.3"), SEED_003_PRICING),  # the wholesale price over cost
        platform_retail_markup=cite(D("1.6"), FULL_MANAGED + "; the figure is a model choice"),
        return_rate=cite(D("0.175"), NRF_RETURNS),  # with 1% defects: ~18% returned
        payout_days=cite(30, PLATFORM_PAYOUT + " (semi-managed; taken for fully managed too)"),
        handling_days_min=cite(1, FULL_MANAGED),
        handling_days_max=cite(1, FULL_MANAGED),
        delivery_days_min=cite(6, FULL_MANAGED),
        delivery_days_max=cite(9, FULL_MANAGED),
    ),
    channels=(ChannelPreset(Channel.PLATFORM, cite(D("0.025"), SEED_003_TRAFFIC), 800),),
    catalogue=CatalogueSpec(
        kind="fully_managed",
        size=60,
        categories=("Fashion", "Jewellery", "Accessories"),
        cost_range=(3.0, 15.0),
    ),
    theme={
        "primary_colour": "#134e4a",
        "accent_colour": "#fcd34d",
        "tagline": "Fashion accessories, supplied to " + PLATFORM_NAME,
    },
)

# Defined last so that the models before it keep their place (the calibration numbers its
# stores by it): seed 001's premium path, beside the vertical expansion above.
PRESETS[BusinessModel.VERTICAL_PREMIUM] = Preset(
    key=BusinessModel.VERTICAL_PREMIUM,
    label="Vertical premium",
    summary="A few premium products in one category: high markup, brand spend up front, a ramp.",
    targets=_targets(returns_rate=Target(0.176, 0.208, NRF_RETURNS)),
    not_judged=NOT_JUDGED,
    store=_store(
        markup=cite(D("3.2"), PREMIUM_MARKUP),
        price_elasticity=cite(D("0.2"), "seed 000: differentiation avoids the price war"),
        # seed 000: vertical premium "builds reputation and customer communities"; seed 002: the
        # vertical boutique's community; the 12-month repeat rates cited are ~25-30%
        repeat_purchase_rate=cite(D("0.22"), REPEAT_RATE),
        add_to_cart_rate=cite(D("0.07"), LITTLEDATA_ATC),
        # half a year of content and brand work: conversion and organic/referral traffic start
        # at 40% of their settled level and reach it by day 180
        ramp_days=cite(180, PREMIUM_RAMP),
        ramp_start=cite(D("0.4"), PREMIUM_RAMP),
        # ~$4,500 a month of photography, content and creators while the brand is unknown
        brand_build_cost=cite(D("150.00"), BRAND_BUILD),
        # the brand budget is paid before the sales come: a bigger purse than the expansion's
        starting_capital=cite(D("30000.00"), CAPITAL),
        stock_days=cite(45, STOCK_AHEAD),
    ),
    channels=PRESETS[BusinessModel.POD].channels,
    catalogue=CatalogueSpec(
        kind="vertical", size=60, categories=("Fitness",), cost_range=(8.0, 40.0)
    ),
    theme={
        "primary_colour": "#14532d",
        "accent_colour": "#bef264",
        "tagline": "Training gear chosen by coaches",
        "banner_text": "Fitness only - tested, explained, guaranteed",
    },
)
# One demo store per model a demo shows; seed_demo creates one store of each. (The marketplace
# preset stays a baseline for scenarios: a seller on a marketplace has no storefront of its own,
# and the two managed platforms show that contrast.)
DEMO_MODELS = (
    BusinessModel.GENERAL,
    BusinessModel.DROPSHIP,
    BusinessModel.COD,
    BusinessModel.POD,
    BusinessModel.SINGLE_PRODUCT,
    BusinessModel.VERTICAL,
    BusinessModel.VERTICAL_PREMIUM,
    BusinessModel.BRAND,
    BusinessModel.SEMI_MANAGED,
    BusinessModel.FULLY_MANAGED,
)
# The benchmarks' stores: the five independent models the recorded figures were measured on.
BENCHMARK_MODELS = DEMO_MODELS[:5]


def get_preset(key: str) -> Preset:
    try:
        return PRESETS[key]
    except KeyError:
        known = ", ".join(sorted(PRESETS))
        raise ValueError(f"Unknown preset {key!r}; choose one of: {known}.") from None
