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

from . import sources as src
from .choices import BusinessModel, Channel, Market, PaymentMethod, ReturnShippingPayer
from .simulation.catalogue import CatalogueSpec

# The fictional platform both managed models sell on (standing for Temu, SHEIN or TikTok Shop).
PLATFORM_NAME = "Bazaaro"


@dataclass(frozen=True)
class Cited:
    value: Any
    source: str


def cite(value: Any, source: str) -> Cited:
    return Cited(value, source)


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
    "market": cite(Market.US, src.MODEL_CHOICE),
    "currency": cite("USD", "one currency across demo stores so margins compare directly"),
    "payment_methods": cite([PaymentMethod.CARD, PaymentMethod.PAYPAL], src.MODEL_CHOICE),
    "default_payment_method": cite(PaymentMethod.CARD, src.MODEL_CHOICE),
    "card_fee_rate": cite(D("0.029"), src.STRIPE),
    "card_fee_fixed": cite(D("0.30"), src.STRIPE),
    "dispute_fee": cite(D("15.00"), src.STRIPE),
    "chargeback_rate": cite(D("0.004"), src.CHARGEBACKS),
    "payout_days": cite(2, src.STRIPE_PAYOUT),
    "payout_cycle_days": cite(0, src.STRIPE_PAYOUT),
    "platform_collects_payment": cite(False, "an independent store takes its own payments"),
    "cod_share": cite(D("0"), src.OFF),
    "cod_conversion_uplift": cite(D("0"), src.OFF),
    "cod_fee_rate": cite(D("0.02"), src.COD_FEE),
    "cod_fee_min": cite(D("0.50"), src.COD_FEE),
    "cod_refusal_base": cite(D("0"), src.OFF),
    "cod_refusal_per_day": cite(D("0"), src.OFF),
    "cod_remittance_days": cite(14, src.COD_REMIT),
    "shipping_cost": cite(D("5.00"), src.MODEL_CHOICE),
    "return_shipping_cost": cite(D("6.00"), src.MODEL_CHOICE),
    "handling_days_min": cite(1, src.MODEL_CHOICE),
    "handling_days_max": cite(2, src.MODEL_CHOICE),
    "delivery_days_min": cite(3, src.MODEL_CHOICE),
    "delivery_days_max": cite(6, src.MODEL_CHOICE),
    "late_after_days": cite(21, src.MODEL_CHOICE),
    "late_refund_rate": cite(D("0"), src.OFF),
    "late_chargeback_share": cite(D("0"), src.OFF),
    "return_window_days": cite(30, src.MODEL_CHOICE),
    "return_shipping_paid_by": cite(ReturnShippingPayer.STORE, src.MODEL_CHOICE),
    "return_rate": cite(D("0.18"), src.NRF_RETURNS),
    "defect_rate": cite(D("0.01"), src.MODEL_CHOICE),
    "returns_restockable": cite(True, src.MODEL_CHOICE),
    "markup": cite(D("2.5"), src.MODEL_CHOICE),
    "price_elasticity": cite(D("0"), src.OFF),
    "product_view_rate": cite(D("0.55"), src.MODEL_CHOICE),
    "add_to_cart_rate": cite(D("0.059"), src.LITTLEDATA_ATC),
    "checkout_rate": cite(D("0.50"), src.BAYMARD),
    "extra_items_mean": cite(D("0.3"), src.MODEL_CHOICE),
    "bundle_take_rate": cite(D("0"), src.OFF),
    "repeat_purchase_rate": cite(D("0.10"), src.REPEAT_SHOPPERS),
    "repeat_days": cite(60, src.REPEAT_INTERVAL),
    "returning_email_share": cite(D("0.5"), src.MODEL_CHOICE),
    "ad_fatigue_per_day": cite(D("0"), src.OFF),
    "ad_refresh_days": cite(0, src.OFF),
    "stockout_rate": cite(D("0"), src.OFF),
    "sku_daily_cost": cite(D("0"), src.OFF),
    "platform_fee_rate": cite(D("0"), src.OFF),
    "fulfilment_fee": cite(D("0"), src.OFF),
    "warehousing_fee": cite(D("0"), src.OFF),
    "platform_retail_markup": cite(
        D("0"), "the seller sets its price (a fully managed platform sets it)"
    ),  # noqa: E501
    "owns_customer_data": cite(True, "an independent store owns its customer data (seed 002)"),
    "starting_capital": cite(D("10000.00"), src.CAPITAL),
    "stock_days": cite(30, src.STOCK_AHEAD),
    "supplier_payment_days": cite(0, src.SUPPLIER_TERMS),
    "price_pressure_per_year": cite(D("0"), src.OFF),
    "ramp_days": cite(0, src.OFF),
    "ramp_start": cite(D("1"), src.OFF),
    "brand_build_cost": cite(D("0"), src.OFF),
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
    "cart_abandonment": Target(0.65, 0.75, src.BAYMARD + ", within 5 points"),
    "chargeback_rate": Target(0.003, 0.009, src.CHARGEBACKS),
    "cash_lag_prepaid": Target(1.5, 3.0, src.STRIPE_PAYOUT),
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
            returns_rate=Target(0.08, 0.15, src.RETURNS_BY_CATEGORY),
            paid_cac=Target(25, 95, src.PAID_CPP),
        ),
        not_judged=NOT_JUDGED,
        store=_store(
            markup=cite(D("1.7"), "seed 000/003: homogeneous products, price war -> thin markup"),
            price_elasticity=cite(D("0.8"), src.MODEL_CHOICE),
            add_to_cart_rate=cite(D("0.045"), src.LITTLEDATA_ATC),
            return_rate=cite(D("0.12"), src.RETURNS_BY_CATEGORY),
            stockout_rate=cite(D("0.06"), "seed 000: stockouts from limited supplier visibility"),
            sku_daily_cost=cite(D("0.02"), src.MODEL_CHOICE),
            extra_items_mean=cite(D("0.45"), src.MODEL_CHOICE),
            repeat_purchase_rate=cite(D("0.03"), src.FLOODING_REPEAT),
            repeat_days=cite(90, src.REPEAT_INTERVAL),
            # 15% a year: at a fixed markup the store loses ~12% of its conversion over a year
            # (elasticity 0.8), while its ads and SKU costs stay: its margin erodes
            price_pressure_per_year=cite(D("0.15"), src.PRICE_PRESSURE),
            # 600 SKUs in stock: the widest net needs the most goods bought ahead
            starting_capital=cite(D("25000.00"), src.CAPITAL),
            stock_days=cite(60, src.STOCK_AHEAD),
        ),
        channels=(
            ChannelPreset(
                Channel.PAID_SOCIAL, cite(D("0.009"), src.CHANNEL_CR), 0, D("60"), D("0.50")
            ),
            ChannelPreset(
                Channel.PAID_SEARCH, cite(D("0.015"), src.CHANNEL_CR), 0, D("40"), D("0.70")
            ),
            ChannelPreset(Channel.ORGANIC_SEARCH, cite(D("0.012"), src.CHANNEL_CR), 500),
            ChannelPreset(Channel.EMAIL, cite(D("0.030"), src.CHANNEL_CR), 60),
            ChannelPreset(Channel.DIRECT, cite(D("0.018"), src.CHANNEL_CR), 150),
            ChannelPreset(Channel.REFERRAL, cite(D("0.012"), src.CHANNEL_CR), 50),
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
            returns_rate=Target(0.16, 0.20, src.DROP_RETURNS),
            contribution_margin=Target(0.10, 0.20, src.DROP_MARGIN),
            delivery_days=Target(
                10,
                26,
                "supplier processing 1-5 days + ePacket 7-15 business days (carriers' guides)",
            ),  # noqa: E501
            paid_cac=Target(25, 95, src.PAID_CPP),
        ),
        not_judged={"aov": NOT_JUDGED["aov"]},
        store=_store(
            markup=cite(D("2.7"), src.DROP_MARGIN),
            shipping_cost=cite(D("3.50"), src.DROP_TRANSIT),
            return_shipping_cost=cite(D("22.00"), src.DROP_RETURNS),
            returns_restockable=cite(False, src.DROP_RETURNS),
            # with 1% defects and the late parcels' refunds: the cited 16-20% refunded
            return_rate=cite(D("0.14"), src.DROP_RETURNS),
            handling_days_min=cite(1, src.DROP_PROCESSING),
            handling_days_max=cite(5, src.DROP_PROCESSING),
            delivery_days_min=cite(9, src.DROP_TRANSIT),
            delivery_days_max=cite(25, src.DROP_TRANSIT),
            late_after_days=cite(25, src.DROP_PROMISE),
            late_refund_rate=cite(D("0.25"), src.MODEL_CHOICE),
            # most buyers ask the store first; the 6% who go to their bank put the store's
            # chargebacks (0.4% + ~0.25% of late claims) mid-range of the cited 0.3-0.9% (at 10%
            # they averaged 0.82% over nine seeds: any three seeds could land outside)
            late_chargeback_share=cite(D("0.06"), src.CHARGEBACKS),
            chargeback_rate=cite(D("0.004"), src.CHARGEBACKS),
            starting_capital=cite(D("3000.00"), src.DROP_CAPITAL),
            stock_days=cite(0, src.NO_STOCK_DROP),
        ),
        # Budgets are a model choice: at a ~$30 basket, paid clicks at 1.1% conversion cost more
        # than they sell, so a dropshipper lives mostly on organic and referral traffic.
        channels=(
            ChannelPreset(
                Channel.PAID_SOCIAL, cite(D("0.011"), src.CHANNEL_CR), 0, D("50"), D("0.60")
            ),
            ChannelPreset(
                Channel.PAID_SEARCH, cite(D("0.018"), src.CHANNEL_CR), 0, D("20"), D("0.80")
            ),
            ChannelPreset(Channel.ORGANIC_SEARCH, cite(D("0.015"), src.CHANNEL_CR), 250),
            ChannelPreset(Channel.EMAIL, cite(D("0.035"), src.CHANNEL_CR), 30),
            ChannelPreset(Channel.DIRECT, cite(D("0.020"), src.CHANNEL_CR), 80),
            ChannelPreset(Channel.REFERRAL, cite(D("0.015"), src.CHANNEL_CR), 60),
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
            cod_refusal_1_2_days=Target(0.20, 0.24, src.COD_REFUSAL),
            cod_refusal_3_5_days=Target(0.25, 0.29, src.COD_REFUSAL),
            cod_refusal_6_plus_days=Target(0.31, 0.39, src.COD_REFUSAL),
            cash_lag_cod=Target(14, 21, src.COD_REMIT_TARGET),
            aov=Target(60, 100, "Triple Whale (2024): AOV $88 fashion accessories, $73 pet"),
            paid_cac=Target(25, 95, src.PAID_CPP),
        ),
        not_judged={"contribution_margin": NOT_JUDGED["contribution_margin"]},
        store=_store(
            market=cite(Market.AE, src.COD_SHARE),
            payment_methods=cite([PaymentMethod.COD, PaymentMethod.CARD], src.COD_SHARE),
            default_payment_method=cite(PaymentMethod.COD, src.COD_SHARE),
            cod_share=cite(D("0.75"), src.COD_SHARE),
            cod_conversion_uplift=cite(D("0.30"), src.COD_UPLIFT),
            cod_refusal_base=cite(D("0.22"), src.COD_REFUSAL),  # at the door within 2 days
            cod_refusal_per_day=cite(D("0.025"), src.COD_REFUSAL),  # 27% mid 3-5 days, 35% at 7
            cod_fee_rate=cite(D("0.02"), src.COD_FEE),
            cod_fee_min=cite(D("1.00"), src.COD_FEE),
            shipping_cost=cite(D("5.50"), src.MODEL_CHOICE),
            return_shipping_cost=cite(D("3.85"), src.COD_FEE),
            handling_days_min=cite(1, src.DOMESTIC_COURIER),
            handling_days_max=cite(1, src.DOMESTIC_COURIER),
            delivery_days_min=cite(1, src.DOMESTIC_COURIER),
            delivery_days_max=cite(3, src.DOMESTIC_COURIER),
            add_to_cart_rate=cite(D("0.065"), src.LITTLEDATA_ATC),
            return_rate=cite(D("0.08"), src.MODEL_CHOICE),
            return_window_days=cite(14, src.MODEL_CHOICE),
            # local stock for next-day dispatch; refused parcels come back to it
            starting_capital=cite(D("15000.00"), src.CAPITAL),
            stock_days=cite(30, src.STOCK_AHEAD),
        ),
        channels=(
            ChannelPreset(
                Channel.PAID_SOCIAL, cite(D("0.012"), src.CHANNEL_CR), 0, D("100"), D("0.45")
            ),
            ChannelPreset(
                Channel.PAID_SEARCH, cite(D("0.018"), src.CHANNEL_CR), 0, D("30"), D("0.60")
            ),
            ChannelPreset(Channel.ORGANIC_SEARCH, cite(D("0.015"), src.CHANNEL_CR), 200),
            ChannelPreset(Channel.EMAIL, cite(D("0.035"), src.CHANNEL_CR), 30),
            ChannelPreset(Channel.DIRECT, cite(D("0.022"), src.CHANNEL_CR), 80),
            ChannelPreset(Channel.REFERRAL, cite(D("0.015"), src.CHANNEL_CR), 60),
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
            returns_rate=Target(0.0, 0.05, src.POD_RETURNS),
            margin_after_fulfilment=Target(0.20, 0.40, src.POD_MARGIN),
            aov=Target(20, 45, src.POD_COST),
            paid_cac=Target(25, 95, src.PAID_CPP),
        ),
        not_judged={"contribution_margin": "the POD guides' margin is after making and shipping"},
        store=_store(
            markup=cite(D("2.1"), src.POD_COST),
            price_elasticity=cite(D("0.2"), "seed 000: differentiation avoids the price war"),
            shipping_cost=cite(D("5.00"), src.POD_COST),
            handling_days_min=cite(2, "POD guides: production 2-5 days"),
            handling_days_max=cite(5, "POD guides: production 2-5 days"),
            return_rate=cite(D("0"), src.POD_RETURNS),
            defect_rate=cite(D("0.02"), src.POD_RETURNS),
            returns_restockable=cite(False, src.POD_RETURNS),
            add_to_cart_rate=cite(D("0.07"), src.LITTLEDATA_ATC),
            repeat_purchase_rate=cite(D("0.15"), src.REPEAT_SHOPPERS),
            starting_capital=cite(D("3000.00"), src.CAPITAL),
            stock_days=cite(0, src.NO_STOCK_POD),
        ),
        channels=(
            ChannelPreset(
                Channel.PAID_SOCIAL, cite(D("0.013"), src.CHANNEL_CR), 0, D("70"), D("0.55")
            ),
            ChannelPreset(
                Channel.PAID_SEARCH, cite(D("0.020"), src.CHANNEL_CR), 0, D("30"), D("0.75")
            ),
            ChannelPreset(Channel.ORGANIC_SEARCH, cite(D("0.020"), src.CHANNEL_CR), 220),
            ChannelPreset(Channel.EMAIL, cite(D("0.045"), src.CHANNEL_CR), 60),
            ChannelPreset(Channel.DIRECT, cite(D("0.030"), src.CHANNEL_CR), 80),
            ChannelPreset(Channel.REFERRAL, cite(D("0.020"), src.CHANNEL_CR), 70),
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
            ad_share=Target(0.20, 0.30, src.SINGLE_ADS),
            returns_rate=Target(0.176, 0.208, src.NRF_RETURNS),
        ),
        not_judged={
            "paid_cac": "judged by its ad share: at a $50 basket, ads at 20-30% of sales cost ~$13 a buyer, not the $44 average",  # noqa: E501
            **NOT_JUDGED,
        },
        store=_store(
            # a hero product sold at 3.5x cost keeps ads inside the cited 20-30% of sales
            markup=cite(D("3.5"), src.SINGLE_ADS),
            product_view_rate=cite(
                D("0.85"), "one landing page: nearly every visit sees the product"
            ),
            # the top fifth (> 9.8%): with its ~4% conversion, Baymard's ~70% abandonment
            add_to_cart_rate=cite(D("0.13"), src.LITTLEDATA_ATC),
            checkout_rate=cite(D("0.60"), src.BAYMARD),
            extra_items_mean=cite(D("0"), "one product: baskets grow through bundles"),
            bundle_take_rate=cite(D("0.35"), src.MODEL_CHOICE),
            ad_fatigue_per_day=cite(D("0.003"), src.MODEL_CHOICE),
            ad_refresh_days=cite(60, src.CREATIVE_REFRESH),
            return_rate=cite(D("0.175"), src.NRF_RETURNS),  # with 1% defects: ~18% returned
            repeat_purchase_rate=cite(D("0.03"), src.SINGLE_REPEAT),
            repeat_days=cite(90, src.REPEAT_INTERVAL),
            # one product in stock, heavy ads paid as they run
            starting_capital=cite(D("10000.00"), src.CAPITAL),
            stock_days=cite(30, src.STOCK_AHEAD),
        ),
        channels=(
            ChannelPreset(
                Channel.PAID_SOCIAL,
                cite(D("0.040"), src.LITTLEDATA_CR_LOW_AOV),
                0,
                D("400"),
                D("0.60"),
            ),  # noqa: E501
            ChannelPreset(
                Channel.PAID_SEARCH,
                cite(D("0.050"), src.LITTLEDATA_CR_LOW_AOV),
                0,
                D("120"),
                D("1.00"),
            ),  # noqa: E501
            ChannelPreset(Channel.ORGANIC_SEARCH, cite(D("0.030"), src.CHANNEL_CR), 60),
            ChannelPreset(Channel.EMAIL, cite(D("0.050"), src.CHANNEL_CR), 20),
            ChannelPreset(Channel.DIRECT, cite(D("0.040"), src.CHANNEL_CR), 40),
            ChannelPreset(Channel.REFERRAL, cite(D("0.030"), src.CHANNEL_CR), 30),
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
    targets=_targets(returns_rate=Target(0.08, 0.15, src.RETURNS_BY_CATEGORY)),
    not_judged=NOT_JUDGED,
    store=_store(
        markup=cite(D("2.0"), src.EXPANSION),
        price_elasticity=cite(D("0.6"), src.MODEL_CHOICE),
        price_pressure_per_year=cite(D("0.05"), src.EXPANSION_PRESSURE),
        repeat_purchase_rate=cite(D("0.08"), src.REPEAT_SHOPPERS),
        add_to_cart_rate=cite(D("0.07"), src.LITTLEDATA_ATC),  # Baymard ~70% at its ~2% conversion
        return_rate=cite(D("0.12"), src.RETURNS_BY_CATEGORY),  # home and pet goods
        sku_daily_cost=cite(D("0.02"), src.MODEL_CHOICE),
        starting_capital=cite(D("15000.00"), src.CAPITAL),
        stock_days=cite(45, src.STOCK_AHEAD),
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
    targets=_targets(returns_rate=Target(0.05, 0.10, src.RETURNS_BY_CATEGORY)),
    not_judged=NOT_JUDGED,
    store=_store(
        markup=cite(D("3.0"), src.MODEL_CHOICE),
        # seed 000/002: brands cultivate loyal customers and repeat purchases
        repeat_purchase_rate=cite(D("0.30"), src.REPEAT_RATE),
        repeat_days=cite(45, src.REPEAT_INTERVAL),  # beauty: consumables run out
        returning_email_share=cite(D("0.6"), src.MODEL_CHOICE),
        add_to_cart_rate=cite(D("0.10"), src.LITTLEDATA_ATC),  # top fifth; Baymard ~70% at ~3.1%
        return_rate=cite(D("0.07"), src.RETURNS_BY_CATEGORY),  # a beauty catalogue
        starting_capital=cite(D("20000.00"), src.CAPITAL),
        stock_days=cite(45, src.STOCK_AHEAD),
    ),
    channels=(
        ChannelPreset(Channel.PAID_SOCIAL, cite(D("0.013"), src.CHANNEL_CR), 0, D("80"), D("0.70")),
        ChannelPreset(Channel.ORGANIC_SEARCH, cite(D("0.025"), src.CHANNEL_CR), 250),
        ChannelPreset(Channel.EMAIL, cite(D("0.050"), src.CHANNEL_CR), 200),
        ChannelPreset(Channel.DIRECT, cite(D("0.035"), src.CHANNEL_CR), 150),
        ChannelPreset(Channel.REFERRAL, cite(D("0.020"), src.CHANNEL_CR), 60),
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
        returns_rate=Target(0.10, 0.15, src.RETURNS_BY_CATEGORY),
        cash_lag_prepaid=Target(13, 28, src.AMAZON_PAYOUT),
    ),
    not_judged=NOT_JUDGED,
    store=_store(
        platform_fee_rate=cite(D("0.15"), src.MARKETPLACE_FEES),
        owns_customer_data=cite(False, "seed 002: marketplaces keep the customer data"),
        markup=cite(D("2.0"), src.MODEL_CHOICE),
        repeat_purchase_rate=cite(D("0.02"), src.MODEL_CHOICE),
        add_to_cart_rate=cite(D("0.085"), src.LITTLEDATA_ATC),  # Baymard ~70% at its ~2.5%
        return_rate=cite(D("0.12"), src.RETURNS_BY_CATEGORY),  # home decor and kitchen
        platform_collects_payment=cite(True, src.AMAZON_PAYOUT),
        payout_days=cite(7, src.AMAZON_PAYOUT),
        payout_cycle_days=cite(14, src.AMAZON_PAYOUT),
        starting_capital=cite(D("10000.00"), src.CAPITAL),
        stock_days=cite(30, src.STOCK_AHEAD),
    ),
    channels=(
        ChannelPreset(Channel.ORGANIC_SEARCH, cite(D("0.025"), src.CHANNEL_CR), 800),
        ChannelPreset(Channel.PAID_SEARCH, cite(D("0.030"), src.CHANNEL_CR), 0, D("40"), D("0.45")),
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
        "platform_collects_payment": cite(True, src.SEED_003_ROLES),
        # after delivery (7-14 days from the order), on a weekly cycle: ~45 days from the sale
        "payout_days": cite(30, src.PLATFORM_PAYOUT),
        "payout_cycle_days": cite(7, src.PLATFORM_PAYOUT),
        "shipping_cost": cite(D("0"), src.SEED_003_ROLES),
        "return_shipping_cost": cite(D("0"), src.SEED_003_ROLES),
        "warehousing_fee": cite(D("0.40"), src.SEED_003_WAREHOUSING),
        "owns_customer_data": cite(False, src.PLATFORM_CUSTOMER),
        "repeat_purchase_rate": cite(D("0"), src.PLATFORM_CUSTOMER),
        "add_to_cart_rate": cite(D("0.085"), src.LITTLEDATA_ATC),  # Baymard ~70% at its ~2.5%
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
        returns_rate=Target(0.10, 0.15, src.RETURNS_BY_CATEGORY),
        cash_lag_prepaid=Target(38, 52, src.PLATFORM_PAYOUT),
        delivery_days=Target(7, 16, src.SEMI_DELIVERY),
    ),
    not_judged=PLATFORM_NOT_JUDGED,
    store=_platform_store(
        platform_fee_rate=cite(D("0.15"), src.SEMI_FEES),
        fulfilment_fee=cite(D("3.00"), src.MODEL_CHOICE),
        markup=cite(D("2.0"), src.MODEL_CHOICE),
        return_rate=cite(D("0.12"), src.RETURNS_BY_CATEGORY),  # home decor and kitchen
        handling_days_min=cite(2, src.SEMI_DELIVERY),
        handling_days_max=cite(2, src.SEMI_DELIVERY),
        delivery_days_min=cite(5, src.SEMI_DELIVERY),
        delivery_days_max=cite(12, src.SEMI_DELIVERY),
    ),
    channels=(ChannelPreset(Channel.PLATFORM, cite(D("0.025"), src.SEED_003_TRAFFIC), 800),),
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
        returns_rate=Target(0.176, 0.208, src.NRF_RETURNS),
        cash_lag_prepaid=Target(38, 52, src.PLATFORM_PAYOUT),
        delivery_days=Target(7, 10, src.FULL_MANAGED),
    ),
    not_judged=PLATFORM_NOT_JUDGED,
    store=_platform_store(
        # The platform's margin is its price over the wholesale price: no commission, and its
        # fulfilment is part of that margin; the seller still pays for the warehouse.
        platform_fee_rate=cite(D("0"), src.FULL_MANAGED),
        fulfilment_fee=cite(D("0"), src.FULL_MANAGED),
        markup=cite(D("1.3"), src.SEED_003_PRICING),  # the wholesale price over cost
        platform_retail_markup=cite(D("1.6"), src.FULL_MANAGED + "; the figure is a model choice"),
        return_rate=cite(D("0.175"), src.NRF_RETURNS),  # with 1% defects: ~18% returned
        payout_days=cite(30, src.PLATFORM_PAYOUT + " (semi-managed; taken for fully managed too)"),
        handling_days_min=cite(1, src.FULL_MANAGED),
        handling_days_max=cite(1, src.FULL_MANAGED),
        delivery_days_min=cite(6, src.FULL_MANAGED),
        delivery_days_max=cite(9, src.FULL_MANAGED),
    ),
    channels=(ChannelPreset(Channel.PLATFORM, cite(D("0.025"), src.SEED_003_TRAFFIC), 800),),
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
    targets=_targets(returns_rate=Target(0.176, 0.208, src.NRF_RETURNS)),
    not_judged=NOT_JUDGED,
    store=_store(
        markup=cite(D("3.2"), src.PREMIUM_MARKUP),
        price_elasticity=cite(D("0.2"), "seed 000: differentiation avoids the price war"),
        # seed 000: vertical premium "builds reputation and customer communities"; seed 002: the
        # vertical boutique's community; the 12-month repeat rates cited are ~25-30%
        repeat_purchase_rate=cite(D("0.22"), src.REPEAT_RATE),
        add_to_cart_rate=cite(D("0.07"), src.LITTLEDATA_ATC),
        # half a year of content and brand work: conversion and organic/referral traffic start
        # at 40% of their settled level and reach it by day 180
        ramp_days=cite(180, src.PREMIUM_RAMP),
        ramp_start=cite(D("0.4"), src.PREMIUM_RAMP),
        # ~$4,500 a month of photography, content and creators while the brand is unknown
        brand_build_cost=cite(D("150.00"), src.BRAND_BUILD),
        # the brand budget is paid before the sales come: a bigger purse than the expansion's
        starting_capital=cite(D("30000.00"), src.CAPITAL),
        stock_days=cite(45, src.STOCK_AHEAD),
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
