"""The engine's view of a store: frozen parameters built from a Store, its channels and products.

The engine (stores/simulation/) never imports Django; this adapter turns model rows (saved or
not) into its dataclasses, with money in integer cents, so any caller can simulate a store:
the chunk writer, live mode, the lifecycle, or a preset without a database (params_from_preset).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from ..models import Product, ReturnShippingPayer, Store, StoreChannel
from ..simulation import timeline
from ..simulation.params import CHANNELS, CatalogueSummary, ChannelParams, StoreParams


def cents(amount: Decimal | int | float | None) -> int:
    return int((Decimal(amount or 0) * 100).to_integral_value())


def rate_e4(rate: Decimal | float) -> int:
    return int((Decimal(rate) * 10_000).to_integral_value())


def catalogue_summary(products: Iterable[Product]) -> CatalogueSummary:
    products = [p for p in products if p.is_active]
    return CatalogueSummary(
        product_ids=tuple(p.pk or 0 for p in products),
        titles=tuple(p.title for p in products),
        prices_cents=tuple(cents(p.price) for p in products),
        unit_costs_cents=tuple(cents(p.unit_cost) for p in products),
        popularity=tuple(float(p.popularity) for p in products),
        customizable=tuple(bool(p.is_customizable) for p in products),
        bundle_quantity=tuple(int(p.bundle_quantity or 1) for p in products),
        supplier_lead_days=tuple(int(p.supplier_lead_days or 0) for p in products),
    )


def store_params(
    store: Store,
    *,
    channels: Iterable[StoreChannel] | None = None,
    products: Iterable[Product] | None = None,
) -> StoreParams:
    """The engine's view of a store. Reads its channels and active products unless given them
    (unsaved objects work too, which is how a preset is simulated without a database)."""
    if channels is None:
        channels = store.channels.all()
    if products is None:
        products = store.products.filter(is_active=True).order_by("pk")
    catalogue = catalogue_summary(products)
    return StoreParams(
        key=store.pk or 0,
        business_model=store.business_model,
        channels=tuple(
            ChannelParams(
                channel=c.channel,
                daily_sessions=int(c.daily_sessions),
                daily_budget_cents=cents(c.daily_budget) if c.is_paid else 0,
                cost_per_click_cents=cents(c.cost_per_click),
                conversion_rate=float(c.conversion_rate),
            )
            for c in sorted(channels, key=lambda c: CHANNELS.index(c.channel))
        ),
        catalogue=catalogue,
        fees=store.fee_schedule,
        rules=timeline_rules(store, max(catalogue.supplier_lead_days, default=0)),
        payment_methods=tuple(store.payment_methods or ("card",)),
        default_payment_method=store.default_payment_method,
        chargeback_rate=float(store.chargeback_rate),
        dispute_fee_cents=cents(store.dispute_fee),
        cod_share=float(store.cod_share),
        cod_conversion_uplift=float(store.cod_conversion_uplift),
        cod_refusal_base=float(store.cod_refusal_base),
        cod_refusal_per_day=float(store.cod_refusal_per_day),
        shipping_cost_cents=cents(store.shipping_cost),
        return_shipping_cost_cents=cents(store.return_shipping_cost),
        late_refund_rate=float(store.late_refund_rate),
        late_chargeback_share=float(store.late_chargeback_share),
        store_pays_returns=store.return_shipping_paid_by == ReturnShippingPayer.STORE,
        return_rate=float(store.return_rate),
        defect_rate=float(store.defect_rate),
        returns_restockable=bool(store.returns_restockable),
        price_elasticity=float(store.price_elasticity),
        product_view_rate=float(store.product_view_rate),
        add_to_cart_rate=float(store.add_to_cart_rate),
        checkout_rate=float(store.checkout_rate),
        extra_items_mean=float(store.extra_items_mean),
        bundle_take_rate=float(store.bundle_take_rate),
        repeat_purchase_rate=float(store.repeat_purchase_rate),
        repeat_days=float(store.repeat_days),
        returning_email_share=float(store.returning_email_share),
        ad_fatigue_per_day=float(store.ad_fatigue_per_day),
        ad_refresh_days=int(store.ad_refresh_days),
        stockout_rate=float(store.stockout_rate),
        sku_daily_cost_cents=cents(store.sku_daily_cost),
        owns_customer_data=bool(store.owns_customer_data),
        price_pressure_per_year=float(store.price_pressure_per_year),
        ramp_days=int(store.ramp_days),
        ramp_start=float(store.ramp_start),
        brand_build_cost_cents=cents(store.brand_build_cost),
    )


def params_from_preset(preset_key: str, *, store_key: int = 1, **overrides: Any) -> StoreParams:
    """A preset's parameters with its generated catalogue, without touching the database."""
    from ..presets import get_preset
    from .stores import catalogue_products

    preset = get_preset(preset_key)
    store = Store(pk=store_key, business_model=preset.key, **overrides)
    channels = [StoreChannel(**v) for v in preset.channel_values(store.owns_customer_data)]
    products = catalogue_products(store)
    for i, product in enumerate(products, start=1):
        product.pk = i
    return store_params(store, channels=channels, products=products)


def timeline_rules(store: Store, max_lead_days: int = 0) -> timeline.Rules:
    """A store's date rules; `max_lead_days` is its slowest supplier's lead time (products)."""
    return timeline.Rules(
        handling_days=(int(store.handling_days_min), int(store.handling_days_max)),
        delivery_days=(int(store.delivery_days_min), int(store.delivery_days_max)),
        return_window_days=int(store.return_window_days),
        late_after_days=int(store.late_after_days),
        cod_remittance_days=int(store.cod_remittance_days),
        payout_days=int(store.payout_days),
        payout_after_delivery=bool(store.platform_collects_payment),
        payout_cycle_days=int(store.payout_cycle_days),
        max_lead_days=int(max_lead_days or 0),
    )
