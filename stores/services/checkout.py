"""Place a shopper's order: a real Order in the same tables, with every money line from the server.

The caller hands in product ids, quantities and customisation (never prices); this service reads
the current prices and costs, books the fees through the store's fee schedule, takes stock, and
rebuilds the store's shopper rollup for the day, all in one transaction. Any refusal raises
CheckoutError before anything is written.

A cart carries an idempotency key (stores.cart.Cart.checkout_key). The order's transaction
starts by claiming it (a unique row in CheckoutClaim), so two submissions of one cart that
overlap in time make one order: the other is refused with AlreadyOrdered, naming the order.
"""

from __future__ import annotations

import hashlib
import secrets
import string
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from ..models import (
    CheckoutClaim,
    Customer,
    Order,
    OrderLine,
    OrderStatus,
    PaymentMethod,
    Product,
    Source,
    Store,
)
from ..simulation import engine, timeline
from ..simulation.params import STATUSES
from . import classroom
from .engine_params import store_params, timeline_rules
from .funnel import ensure_row
from .rollup import rebuild_rollup
from .shocks import live_schedules

ZERO = Decimal("0")
PREPAID = frozenset({PaymentMethod.CARD, PaymentMethod.PAYPAL, PaymentMethod.UPI})
NUMBER_ALPHABET = "".join(c for c in string.ascii_uppercase + string.digits if c not in "O0I1")


# A managed platform's seller has no checkout of its own: the platform takes the order and the
# payment (seed 003); this sandbox simulates those orders rather than taking a shopper's.
PLATFORM_CHECKOUT_CLOSED = (
    "This listing is sold on {platform}: the platform takes the orders and the payment, not "
    "the seller. In this sandbox its orders are simulated; see them on the dashboard."
)


class CheckoutError(ValueError):
    """The order cannot be placed; the message is for the shopper. Nothing was written."""


class PricesChanged(CheckoutError):
    def __init__(self, new_total: Decimal):
        self.new_total = new_total
        super().__init__(
            f"Prices changed since you added these items: the new total is {new_total}. "
            "Please check your cart and confirm."
        )


class AlreadyOrdered(CheckoutError):
    """This cart's key was claimed by an order already (a double or concurrent submission)."""

    def __init__(self, order_number: str):
        self.order_number = order_number
        super().__init__(
            f"This cart was already ordered: order {order_number}."
            if order_number
            else "This cart was already ordered."
        )


def claimed_order_number(store: Store, key: str) -> str | None:
    """The order a cart key became, or None when the key was never claimed in this store."""
    if not key:
        return None
    return (
        CheckoutClaim.objects.filter(store=store, key=key)
        .values_list("order_number", flat=True)
        .first()
    )


def _claim(store: Store, key: str) -> None:
    """Insert the cart's claim, or raise AlreadyOrdered if another submission holds it.

    On PostgreSQL a concurrent insert of the same key waits for the first transaction and then
    fails; on SQLite the write lock taken at BEGIN IMMEDIATE serialises the two transactions.
    Either way the loser reads the committed claim and its order number.
    """
    try:
        with transaction.atomic():
            CheckoutClaim.objects.create(store=store, key=key)
    except IntegrityError:
        raise AlreadyOrdered(
            CheckoutClaim.objects.filter(key=key).values_list("order_number", flat=True).first()
            or ""
        ) from None


@dataclass(frozen=True)
class RequestedLine:
    product_id: int
    quantity: int
    seen_price: Decimal | None = None
    customization: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ShippingAddress:
    name: str
    address: str
    city: str
    postcode: str
    country: str = ""
    phone: str = ""


@dataclass(frozen=True)
class DeliveryEstimate:
    """Days from order to the door, and the dates they fall on."""

    min_days: int
    max_days: int
    earliest: date
    latest: date

    def __str__(self) -> str:
        return f"{self.earliest:%a %d %b} - {self.latest:%a %d %b} ({self.min_days}-{self.max_days} days)"  # noqa: E501


def delivery_estimate(
    store: Store, products: list[Product] | tuple[Product, ...] = (), today: date | None = None
) -> DeliveryEstimate:
    """The honest estimate, by the same rules the simulation plans orders with (timeline.py):
    the slowest supplier's lead time where a product has one, else the store's handling; then
    the courier's transit."""
    today = today or timezone.localdate(classroom.store_now(store.pk))
    low, high = timeline.door_range(timeline_rules(store), _lead_days(products))
    return DeliveryEstimate(low, high, today + timedelta(days=low), today + timedelta(days=high))


def _lead_days(products) -> int:
    return max((p.supplier_lead_days or 0 for p in products), default=0)


@dataclass(frozen=True)
class Quote:
    gross_sales: Decimal
    goods_cost: Decimal
    payment_fee: Decimal
    cod_fee: Decimal  # what the courier will charge the store when it collects the cash
    estimate: DeliveryEstimate


def quote(store: Store, products_and_qty: list[tuple[Product, int]], method: str) -> Quote:
    gross = sum((p.price * q for p, q in products_and_qty), ZERO)
    fees = store.fee_schedule
    return Quote(
        gross_sales=gross,
        goods_cost=sum((p.unit_cost * q for p, q in products_and_qty), ZERO),
        payment_fee=fees.payment_fee(method, gross) if method in PREPAID else ZERO,
        cod_fee=fees.cod_fee(gross) if method == PaymentMethod.COD else ZERO,
        estimate=delivery_estimate(store, [p for p, _ in products_and_qty]),
    )


def _order_number(store: Store) -> str:
    suffix = "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(6))
    return f"{store.slug[:8].upper().rstrip('-')}-{suffix}"


def place_order(
    store: Store,
    lines: list[RequestedLine],
    *,
    email: str,
    address: ShippingAddress,
    payment_method: str,
    channel: str,
    accept_price_changes: bool = False,
    checkout_key: str = "",
) -> Order:
    """Create the order, its lines and customer; take stock; rebuild the day's shopper rollup.
    The order's life (dispatch, delivery, refusal, return, ...) is planned with the engine's
    own dice, at the time of the store's clock (a training session's, or the real one).

    Raises CheckoutError (nothing written) for an empty cart, a product of another store or no
    longer sold, a payment method the store does not offer, a bad quantity, not enough stock,
    or prices that changed since the shopper saw them (unless accept_price_changes); raises
    AlreadyOrdered when `checkout_key` (the cart's idempotency key) made an order already.
    """
    if not store.is_active:
        raise CheckoutError("This store is closed.")
    if store.sells_on_platform:
        raise CheckoutError(PLATFORM_CHECKOUT_CLOSED.format(platform=store.platform_name))
    if not lines:
        raise CheckoutError("Your cart is empty.")
    if payment_method not in (store.payment_methods or []):
        raise CheckoutError("This store does not offer that payment method.")
    for line in lines:
        if not 1 <= line.quantity <= 10:
            raise CheckoutError("Choose a quantity between 1 and 10 for each item.")
    email = email.strip().lower()
    if "@" not in email:
        raise CheckoutError("Enter a valid email address.")

    with transaction.atomic():
        if checkout_key:
            _claim(store, checkout_key)
        ids = {line.product_id for line in lines}
        products = {
            p.pk: p
            for p in Product.objects.select_for_update().filter(
                pk__in=ids, store=store, is_active=True
            )
        }
        if len(products) != len(ids):
            raise CheckoutError("An item in your cart is not sold by this store any more.")
        needed: dict[int, int] = {}
        for line in lines:
            needed[line.product_id] = needed.get(line.product_id, 0) + line.quantity
        for pid, qty in needed.items():
            product = products[pid]
            if product.stock is not None and product.stock < qty:
                raise CheckoutError(f"Only {product.stock} left of {product.title}.")
        pairs = [(products[line.product_id], line.quantity) for line in lines]
        q = quote(store, pairs, payment_method)
        changed = any(
            line.seen_price is not None and line.seen_price != products[line.product_id].price
            for line in lines
        )
        if changed and not accept_price_changes:
            raise PricesChanged(q.gross_sales)

        # A store in a training session lives by the session's clock, not the real time.
        session = classroom.session_of(store)
        now = session.sim_now() if session else timezone.now()
        placed_date = timezone.localdate(now)
        lead_days = _lead_days(p for p, _ in pairs)
        customer, created = Customer.objects.get_or_create(
            store=store, email=email, defaults={"name": address.name, "source": Source.SHOPPER}
        )
        is_new = created or not customer.orders.exists()
        fees = store.fee_schedule
        order_fields = {
            "store": store,
            "customer": customer,
            "email": email,
            "run": None,
            "source": Source.SHOPPER,
            "channel": channel,
            "payment_method": payment_method,
            "is_new_customer": is_new,
            "status": OrderStatus.PLACED,
            "placed_at": now,
            "placed_date": placed_date,
            # The money arrives later, by the timeline's rules: a processor's payout after the
            # charge, a courier's remittance after delivery (the lifecycle books it).
            "cash_collected_at": None,
            "gross_sales": q.gross_sales,
            "discount": ZERO,
            "goods_cost": q.goods_cost,
            "shipping_cost": store.shipping_cost,
            "payment_fee": q.payment_fee,
            "cod_fee": ZERO,  # booked by the lifecycle service when the cash is collected
            "platform_fee": fees.platform_fee(
                q.gross_sales, sum(qty * p.bundle_quantity for p, qty in pairs)
            ),
            "ship_name": address.name,
            "ship_address": address.address,
            "ship_city": address.city,
            "ship_postcode": address.postcode,
            "ship_country": address.country or store.market,
            "phone": address.phone,
        }
        order = None
        for _ in range(5):
            number = _order_number(store)
            try:
                with transaction.atomic():
                    order = Order.objects.create(
                        number=number,
                        **order_fields,
                        **_planned(store, now, payment_method, lead_days, number),
                    )
                break
            except IntegrityError:
                continue  # the random number was taken; draw another
        if order is None:
            raise CheckoutError("Could not allocate an order number; please try again.")
        if checkout_key:
            CheckoutClaim.objects.filter(key=checkout_key).update(order_number=order.number)
        OrderLine.objects.bulk_create(
            OrderLine(
                order=order,
                product=products[line.product_id],
                title=products[line.product_id].title,
                quantity=line.quantity,
                unit_price=products[line.product_id].price,
                unit_cost=products[line.product_id].unit_cost,
                customization=line.customization,
            )
            for line in lines
        )
        for pid, qty in needed.items():
            if products[pid].stock is not None:
                Product.objects.filter(pk=pid).update(stock=F("stock") - qty)
        # The row exists before the rollup looks, so the rollup updates it rather than racing a
        # visit counter to create it.
        ensure_row(store.pk, placed_date, channel)
        rebuild_rollup(store.pk, [placed_date], run_id=None, source=Source.SHOPPER)
        if session is not None:
            classroom.book_shopper_order_costs(session, order)
    return order


def _planned(store: Store, now: datetime, method: str, lead_days: int, number: str) -> dict:
    """The order's planned life by the engine's own dice (engine.plan_order): the timeline's
    rules and the store's rates (refusal at the door for COD, returns, late refunds,
    chargebacks) that a simulated order of the same day would meet, seeded by its number. The
    lifecycle service then ships, delivers, refuses or refunds it as the dates pass, and books
    the COD fee and the cash when the courier collects."""
    params = store_params(store, products=[])
    schedule = live_schedules([store.pk]).get(store.pk)
    if schedule:  # a shock on the store's live traffic sets the terms of today's orders
        params = schedule.params_for(params, schedule.active(now.astimezone(UTC).date()))
    key = int.from_bytes(hashlib.blake2b(number.encode(), digest_size=8).digest(), "big")
    plan = engine.plan_order(
        params,
        placed_at=int(now.timestamp()),
        is_cod=method == PaymentMethod.COD,
        lead_days=lead_days,
        key=key,
    )
    outcome = STATUSES[plan.outcome]
    return {
        "planned_outcome": outcome,
        "planned_shipped_at": _instant(plan.shipped_at, now),
        "planned_delivered_at": _instant(plan.delivered_at, now),
        # A kept order has no outcome date (the lifecycle's rule).
        "outcome_at": None if outcome == OrderStatus.DELIVERED else _instant(plan.outcome_at, now),
    }


def _instant(epoch: int, now: datetime) -> datetime:
    """Epoch seconds as a datetime; the engine works in whole seconds, so the fraction of a
    second of `now` is kept, and every planned date stays after the placement."""
    return datetime.fromtimestamp(epoch, UTC) + timedelta(microseconds=now.microsecond)
