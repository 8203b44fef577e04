"""The money of an order and of a store: its lines, and the one definition of every figure.

Pure Python (no Django). Each formula takes `v`, anything whose attributes are named like the
lines: an Order row, a DailyFunnel row, a store's summed totals (wrap a dict in `Lines`), the
engine's arrays of cents, or Django F() expressions (`stores.services.rollup.COLUMNS`). So the
order admin, the rollup, the dashboard, the exports and the engine compute net sales and
contribution with the same code, and a reader finds each definition here by its name.

Lines booked on an order (revenue first, then costs):
- gross_sales: price x quantity, before anything else;
- discount: the bundle discount at checkout;
- refund: money handed back or never taken (returned, refused, refunded, charged back), booked
  when the outcome happens;
- goods_cost: goods kept (a restocked return or a refused parcel comes back to stock);
- shipping_cost: the forward leg; return_shipping_cost: the reverse leg of a returned or
  refused parcel (a refused parcel so costs both legs);
- payment_fee, cod_fee, chargeback_fee, platform_fee.
Lines booked per day and channel, not per order: ad_spend, other_cost (per-SKU upkeep).
Cash lines: cash_received (what buyers paid, once it reached the store: at capture for prepaid
orders, at the courier's remittance for COD) and refunds_paid (refunds of money once taken).

The daily cash balance over these lines (when each one moves, stock bought ahead, supplier
terms, cash low and runway) is defined in stores/simulation/cash.py.

Dollars and rates never share a name: `contribution` is money, `contribution_margin` the rate.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from functools import reduce
from operator import add
from typing import Any

REVENUE_LINES = ("gross_sales", "discount", "refund")
FEE_LINES = ("payment_fee", "cod_fee", "chargeback_fee", "platform_fee")
ORDER_COST_LINES = ("goods_cost", "shipping_cost", "return_shipping_cost", *FEE_LINES)
DAILY_COST_LINES = ("ad_spend", "other_cost")
ORDER_LINES = REVENUE_LINES + ORDER_COST_LINES
CASH_LINES = ("cash_received", "refunds_paid")
# Parts of two lines, for the waterfall: the forward and the reverse shipping legs of parcels
# refused at the door (a refused parcel costs both legs and sells nothing).
REFUSED_SHIPPING_LINES = ("refused_forward_shipping", "refused_return_shipping")


class Lines:
    """Attribute access over a mapping of line -> amount, for the formulas below."""

    __slots__ = ("_values",)

    def __init__(self, values: dict[str, Any]):
        self._values = values

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None


def _total(v: Any, names: tuple[str, ...]) -> Any:
    return reduce(add, (getattr(v, name) for name in names))


def charged(v: Any) -> Any:
    """What the buyer is asked to pay: gross sales - discounts (AOV's numerator; fees' base)."""
    return v.gross_sales - v.discount


def net_sales(v: Any) -> Any:
    """Gross sales - discounts - refunds (refunds booked when they happen)."""
    return charged(v) - v.refund


def fees(v: Any) -> Any:
    """Payment, COD, chargeback and platform fees."""
    return _total(v, FEE_LINES)


def order_costs(v: Any) -> Any:
    """Every cost booked on orders: goods, both shipping legs and every fee."""
    return _total(v, ORDER_COST_LINES)


def gross_profit(v: Any) -> Any:
    """Net sales - cost of the goods kept (production cost for POD)."""
    return net_sales(v) - v.goods_cost


def order_contribution(v: Any) -> Any:
    """Net sales - every cost booked on orders; before ad spend and daily operating costs."""
    return net_sales(v) - order_costs(v)


def contribution(v: Any) -> Any:
    """Net sales - goods - shipping (both legs) - fees - ad spend - other operating costs."""
    return order_contribution(v) - v.ad_spend - v.other_cost


def refused_shipping(v: Any) -> Any:
    """Both shipping legs of the parcels refused at the door."""
    return v.refused_forward_shipping + v.refused_return_shipping


def cash_collected(v: Any) -> Any:
    """Money received from buyers, net of the refunds paid back to them."""
    return v.cash_received - v.refunds_paid


def shopper_price(seller_price: Decimal, platform_markup: Decimal) -> Decimal:
    """What a shopper pays for an item the seller books at `seller_price`.

    On a fully managed platform the platform sets the retail price (seed 003: "sellers cannot
    adjust pricing") and pays the seller its wholesale price: the seller's gross sales are the
    wholesale price, the shopper pays wholesale x the platform's markup, and the difference is
    the platform's, never in the seller's books. A markup of 0 means the seller sets the price.
    """
    if not platform_markup:
        return seller_price
    return (seller_price * platform_markup).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def ratio(numerator: Any, denominator: Any) -> float | None:
    """numerator / denominator as a float; None when the denominator is zero or missing."""
    if not denominator:
        return None
    return float(numerator) / float(denominator)


def gross_margin(v: Any) -> float | None:
    """Gross profit / net sales (a rate)."""
    return ratio(gross_profit(v), net_sales(v))


def contribution_margin(v: Any) -> float | None:
    """Contribution / net sales (a rate)."""
    return ratio(contribution(v), net_sales(v))
