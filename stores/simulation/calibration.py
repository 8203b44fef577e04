"""What a simulated store's outcomes come to, in the terms its presets' sources cite them.

Pure Python (no Django). `outcomes` reads one simulation of a store, every order realised once
all its outcomes have happened (the timeline's horizons), and returns the figures that public
sources give for real stores: conversion, cart abandonment, AOV, returns, COD refusals by
delivery time, chargebacks, delivery days, margins, the ad share of sales, paid CAC and cash
lags. `stores/presets.py` holds each preset's cited range for them, and `manage.py calibrate`
writes the comparison to docs/calibration.md (a test keeps every figure in its range).

The definitions are the dashboard's (docs/metrics.md), by orders, on fully mature cohorts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import engine, ledger, realisation, timeline
from .params import CHANNELS, CHARGED_BACK, PAID_CHANNELS, REFUNDED, REFUSED, RETURNED

# COD refusal by days from order to the door, as Unicommerce/Shipway report India's RTO.
REFUSAL_BANDS = (("cod_refusal_1_2_days", 1, 2), ("cod_refusal_3_5_days", 3, 5),
                 ("cod_refusal_6_plus_days", 6, 10_000))  # fmt: skip


@dataclass(frozen=True)
class Outcome:
    key: str
    label: str
    kind: str  # rate | money | days
    definition: str


OUTCOMES = (
    Outcome("conversion_rate", "Session conversion", "rate", "converted sessions / sessions"),
    Outcome("cart_abandonment", "Cart abandonment", "rate",
            "1 - converted sessions / sessions with an add to cart"),
    Outcome("aov", "AOV", "money", "(gross sales - discounts) / orders"),
    Outcome("returns_rate", "Returns rate", "rate",
            "orders returned or refunded / orders delivered"),
    Outcome("cod_refusal_rate", "COD refusal rate", "rate",
            "COD orders refused at the door / COD orders shipped"),
    *(Outcome(key, f"COD refusal, {lo}-{hi} days" if hi < 100 else f"COD refusal, >{lo - 1} days",
              "rate", "the same, for parcels at the door after this many days from the order")
      for key, lo, hi in REFUSAL_BANDS),
    Outcome("chargeback_rate", "Chargeback rate", "rate",
            "orders charged back / prepaid orders"),
    Outcome("delivery_days", "Delivery days", "days",
            "mean days from order to the door, delivered orders"),
    Outcome("gross_margin", "Gross margin", "rate", "gross profit / net sales"),
    Outcome("margin_after_fulfilment", "Margin after making and shipping", "rate",
            "(net sales - goods or production - shipping both ways) / net sales"),
    Outcome("contribution_margin", "Contribution margin", "rate",
            "contribution (after every fee, ad spend and operating cost) / net sales"),
    Outcome("ad_share", "Ad spend / net sales", "rate", "paid social and search spend / net sales"),
    Outcome("paid_cac", "Paid CAC", "money",
            "ad spend / new customers whose first order came through a paid channel"),
    Outcome("cash_lag_prepaid", "Cash lag, prepaid", "days",
            "mean days from order to the money reaching the store, prepaid orders"),
    Outcome("cash_lag_cod", "Cash lag, COD", "days",
            "mean days from order to the courier's remittance, COD orders kept"),
)  # fmt: skip
OUTCOME_BY_KEY = {o.key: o for o in OUTCOMES}


def _rate(numerator, denominator) -> float | None:
    return ledger.ratio(int(numerator), int(denominator))


def outcomes(p: engine.StoreParams, result: engine.SimulationResult) -> dict[str, float | None]:
    """Every outcome of OUTCOMES for one simulated store, all its orders settled."""
    f, o = result.funnel, result.orders
    settled = timeline.horizons(p.rules).settled
    last_day = engine.day_ordinal(result.first_day) + result.days
    real = realisation.realise_orders(p, o, (last_day + settled + 1) * engine.DAY)
    lines = {name: int(v.sum()) for name, v in realisation.money_lines(o, real).items()}
    lines["ad_spend"], lines["other_cost"] = int(f.ad_spend.sum()), int(f.other_cost.sum())
    money = ledger.Lines(lines)
    net = ledger.net_sales(money)

    cod, delivered = o.is_cod, real.delivered_at >= 0
    door_days = (o.delivered_at - o.placed_at) // engine.DAY
    out: dict[str, float | None] = {
        "conversion_rate": _rate(f.converted.sum(), f.sessions.sum()),
        "cart_abandonment": None,
        "aov": ledger.ratio(ledger.charged(money), len(o) * 100),
        "returns_rate": _rate(np.isin(real.status, [RETURNED, REFUNDED]).sum(), delivered.sum()),
        "cod_refusal_rate": _rate((cod & (real.status == REFUSED)).sum(), cod.sum()),
        "chargeback_rate": _rate((real.status == CHARGED_BACK).sum(), (~cod).sum()),
        "delivery_days": float(door_days[delivered].mean()) if delivered.any() else None,
        "gross_margin": ledger.gross_margin(money),
        "margin_after_fulfilment": ledger.ratio(
            net - money.goods_cost - money.shipping_cost - money.return_shipping_cost, net
        ),
        "contribution_margin": ledger.contribution_margin(money),
        "ad_share": ledger.ratio(money.ad_spend, net),
    }
    carts = f.adds_to_cart.sum()
    if carts:
        out["cart_abandonment"] = 1 - int(f.converted.sum()) / int(carts)
    for key, lo, hi in REFUSAL_BANDS:
        band = cod & (door_days >= lo) & (door_days <= hi)
        out[key] = _rate((band & (real.status == REFUSED)).sum(), band.sum())
    paid = np.isin(o.channel, [CHANNELS.index(c) for c in PAID_CHANNELS])
    out["paid_cac"] = ledger.ratio(money.ad_spend / 100, (paid & o.is_new).sum())
    cashed = real.cash_at >= 0
    lag = (real.cash_at - o.placed_at) / engine.DAY
    out["cash_lag_prepaid"] = float(lag[cashed & ~cod].mean()) if (cashed & ~cod).any() else None
    out["cash_lag_cod"] = float(lag[cashed & cod].mean()) if (cashed & cod).any() else None
    return out
