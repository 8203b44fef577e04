"""Where orders stand at a moment (pure Python, numpy; no Django): realisation.

The engine (engine.py) plans each order's whole life when it is placed: its dates and its
final outcome. Realising orders at a moment `as_of` reads that plan: the status each order has
reached by then, the dates that have happened, and its money as booked so far (a refund, the
return leg, a chargeback fee only once their day has come). A run's orders are realised once,
at the end of its last day; live and shoppers' orders move forward as the lifecycle service
realises them again (services/lifecycle.py). Each order is realised with the parameters of the
day it was placed (a shock's dated changes: simulation/shocks.py).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np

from . import fees, timeline
from .engine import DAY, EPOCH_ORDINAL, Orders
from .params import (
    CHARGED_BACK,
    DELIVERED,
    PLACED,
    REFUSED,
    RETURNED,
    SHIPPED,
    StoreParams,
)


@dataclass
class Realised:
    """Where orders stand at a moment: status code, realised dates (-1 = not yet) and money."""

    status: np.ndarray
    shipped_at: np.ndarray
    delivered_at: np.ndarray
    cash_at: np.ndarray
    refund: np.ndarray
    goods_cost: np.ndarray
    return_shipping_cost: np.ndarray
    cod_fee: np.ndarray
    chargeback_fee: np.ndarray

    @property
    def refunds_paid(self) -> np.ndarray:
        """Refunds of money once taken: every refund but a refused parcel's (never paid for)."""
        return np.where(self.status == REFUSED, 0, self.refund)


def realise(
    p: StoreParams,
    as_of: int,
    *,
    placed_at: np.ndarray,
    shipped_at: np.ndarray,
    delivered_at: np.ndarray,
    outcome_at: np.ndarray,
    outcome: np.ndarray,
    is_cod: np.ndarray,
    gross_sales: np.ndarray,
    discount: np.ndarray,
    goods_cost: np.ndarray,
) -> Realised:
    """The one rule for what has happened to orders by `as_of` (epoch seconds), and its money.

    Booked at placement (not here): gross sales, discount, goods, forward shipping, payment and
    platform fees. Booked when they happen: the COD fee when the courier collects the cash at the
    door; refund, return leg, dispute fee and restocked goods when the outcome arrives. A refused
    parcel pays no COD fee but costs both shipping legs; its goods come back to stock.

    Under a schedule of shocks each order follows the parameters of the day it was placed.
    """
    arrays = {
        "placed_at": placed_at, "shipped_at": shipped_at, "delivered_at": delivered_at,
        "outcome_at": outcome_at, "outcome": outcome, "is_cod": is_cod,
        "gross_sales": gross_sales, "discount": discount, "goods_cost": goods_cost,
    }  # fmt: skip
    if p.shocks:
        return _realise_by_placement_day(p, as_of, arrays)
    return _realise(p, as_of, **arrays)


def _realise_by_placement_day(p: StoreParams, as_of: int, arrays: dict) -> Realised:
    """realise() for each group of orders placed under the same active changes, reassembled."""
    schedule, base = p.shocks, replace(p, shocks=None)
    placed_day = np.asarray(arrays["placed_at"]) // DAY
    days, where = np.unique(placed_day, return_inverse=True)
    keys = [schedule.active_ordinal(EPOCH_ORDINAL + int(d)) for d in days.tolist()]
    distinct = sorted(set(keys))
    if len(distinct) <= 1:
        return _realise(schedule.params_for(base, (distinct or [()])[0]), as_of, **arrays)
    group_of_day = np.array([distinct.index(k) for k in keys], dtype=np.int64)
    group = group_of_day[where]
    parts = []
    for g, key in enumerate(distinct):
        take = np.flatnonzero(group == g)
        subset = {name: np.asarray(v)[take] for name, v in arrays.items()}
        parts.append((take, _realise(schedule.params_for(base, key), as_of, **subset)))
    out = {}
    for f in fields(Realised):
        first = getattr(parts[0][1], f.name)
        column = np.empty(len(placed_day), dtype=first.dtype)
        for take, part in parts:
            column[take] = getattr(part, f.name)
        out[f.name] = column
    return Realised(**out)


def _realise(
    p: StoreParams,
    as_of: int,
    *,
    placed_at: np.ndarray,
    shipped_at: np.ndarray,
    delivered_at: np.ndarray,
    outcome_at: np.ndarray,
    outcome: np.ndarray,
    is_cod: np.ndarray,
    gross_sales: np.ndarray,
    discount: np.ndarray,
    goods_cost: np.ndarray,
) -> Realised:
    charged = gross_sales - discount
    has_shipped = shipped_at <= as_of
    reached_door = delivered_at <= as_of
    final = outcome_at <= as_of
    refused = outcome == REFUSED
    delivered = reached_door & ~refused
    status = np.where(has_shipped, SHIPPED, PLACED)
    status = np.where(delivered, DELIVERED, status)
    status = np.where(final & (outcome != DELIVERED), outcome, status).astype(np.int8)
    done = final & (outcome != DELIVERED)
    refund = np.where(done, charged, 0)
    restocked = done & (refused | ((outcome == RETURNED) & p.returns_restockable))
    goods_kept = np.where(restocked, 0, goods_cost)
    pays_return = refused | ((outcome == RETURNED) & p.store_pays_returns)
    return_leg = np.where(done & pays_return, p.return_shipping_cost_cents, 0)
    cod_fee = np.where(is_cod & delivered, fees.cod_fee_cents(p.fees, charged), 0)
    chargeback_fee = np.where(done & (outcome == CHARGED_BACK), p.dispute_fee_cents, 0)
    cash_due = timeline.cash_due(p.rules, placed_at, delivered_at, is_cod)
    cash_at = np.where((cash_due <= as_of) & (~is_cod | delivered), cash_due, -1)
    return Realised(
        status=status,
        shipped_at=np.where(has_shipped, shipped_at, -1),
        delivered_at=np.where(delivered, delivered_at, -1),
        cash_at=cash_at,
        refund=refund.astype(np.int64),
        goods_cost=goods_kept.astype(np.int64),
        return_shipping_cost=return_leg.astype(np.int64),
        cod_fee=np.asarray(cod_fee, dtype=np.int64),
        chargeback_fee=chargeback_fee.astype(np.int64),
    )


# The ledger's order lines by when they are booked: at placement (the Orders arrays), or when
# an outcome happens (Realised; goods_cost drops there when goods come back to stock).
PLACEMENT_LINES = ("gross_sales", "discount", "shipping_cost", "payment_fee", "platform_fee")
OUTCOME_LINES = ("refund", "goods_cost", "return_shipping_cost", "cod_fee", "chargeback_fee")


def money_lines(orders: Orders, real: Realised) -> dict[str, np.ndarray]:
    """Every ledger line (ledger.ORDER_LINES) of each order as realised, in cents."""
    return {
        **{name: getattr(orders, name) for name in PLACEMENT_LINES},
        **{name: getattr(real, name) for name in OUTCOME_LINES},
    }


def realise_orders(p: StoreParams, orders: Orders, as_of: int) -> Realised:
    return realise(
        p,
        as_of,
        placed_at=orders.placed_at,
        shipped_at=orders.shipped_at,
        delivered_at=orders.delivered_at,
        outcome_at=orders.outcome_at,
        outcome=orders.outcome,
        is_cod=orders.is_cod,
        gross_sales=orders.gross_sales,
        discount=orders.discount,
        goods_cost=orders.goods_cost,
    )
