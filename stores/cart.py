"""The shopper's cart, kept in the Django session (one cart per store).

The session holds product ids, quantities, customisation and the price the shopper saw when
adding; prices charged always come from the Product rows at checkout (the seen price only lets
checkout notice a change and ask the shopper to confirm the new total).

Each cart also holds an idempotency key, made when its first item goes in and dropped when it
is ordered: checkout claims it in the database, so the cart becomes at most one order however
many times (or however concurrently) it is submitted.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import MutableMapping
from dataclasses import dataclass, field
from decimal import Decimal

from .models import Product, Store

MAX_QUANTITY = 10  # per line: a training shop, not a wholesaler
MAX_LINES = 30


class CartError(ValueError):
    """A cart change the shop refuses; the message is shown to the shopper."""


@dataclass
class CartLine:
    key: str
    product: Product
    quantity: int
    seen_price: Decimal
    customization: dict = field(default_factory=dict)

    @property
    def unit_price(self) -> Decimal:
        return self.product.price

    @property
    def line_total(self) -> Decimal:
        return self.product.price * self.quantity

    @property
    def price_changed(self) -> bool:
        return self.seen_price != self.product.price


def _line_key(product_id: int, customization: dict) -> str:
    if not customization:
        return str(product_id)
    digest = hashlib.sha1(json.dumps(customization, sort_keys=True).encode()).hexdigest()[:10]
    return f"{product_id}-{digest}"


class Cart:
    """A view of one store's cart in a session mapping."""

    def __init__(self, session: MutableMapping, store: Store):
        self.session = session
        self.store = store
        self.session_key = f"cart:{store.pk}"
        self.key_session_key = f"cart-key:{store.pk}"
        self._lines: list[CartLine] | None = None

    @property
    def raw(self) -> dict:
        return self.session.get(self.session_key, {})

    def _save(self, raw: dict) -> None:
        self.session[self.session_key] = raw
        self._lines = None
        if raw and not self.session.get(self.key_session_key):
            self.session[self.key_session_key] = secrets.token_urlsafe(16)

    @property
    def checkout_key(self) -> str:
        """The key checkout claims for this cart's order (made now for a cart that had none)."""
        key = self.session.get(self.key_session_key)
        if not key:
            key = self.session[self.key_session_key] = secrets.token_urlsafe(16)
        return key

    def __len__(self) -> int:
        return sum(item["qty"] for item in self.raw.values())

    def add(self, product: Product, quantity: int, customization: dict | None = None) -> str:
        if product.store_id != self.store.pk or not product.is_active:
            raise CartError("That product is not sold by this store.")
        customization = customization or {}
        raw = dict(self.raw)
        key = _line_key(product.pk, customization)
        current = raw.get(key, {}).get("qty", 0)
        total = current + quantity
        if quantity < 1 or total > MAX_QUANTITY:
            raise CartError(f"You can order between 1 and {MAX_QUANTITY} of an item.")
        if key not in raw and len(raw) >= MAX_LINES:
            raise CartError(f"A cart holds at most {MAX_LINES} different items.")
        if product.stock is not None and total > product.stock:
            raise CartError(f"Only {product.stock} left of {product.title}.")
        raw[key] = {
            "product": product.pk,
            "qty": total,
            "price": str(raw.get(key, {}).get("price", product.price)),
            "custom": customization,
        }
        self._save(raw)
        return key

    def set_quantity(self, key: str, quantity: int) -> None:
        raw = dict(self.raw)
        if key not in raw:
            raise CartError("That item is no longer in your cart.")
        if quantity < 0 or quantity > MAX_QUANTITY:
            raise CartError(f"You can order between 1 and {MAX_QUANTITY} of an item.")
        if quantity == 0:
            del raw[key]
        else:
            # The same stock rule as adding: a quantity typed in the cart is refused here, not
            # only later by checkout, after the shopper has typed an address.
            line = next((line for line in self.lines() if line.key == key), None)
            stock = line.product.stock if line is not None else None
            if stock is not None and quantity > stock:
                raise CartError(f"Only {stock} left of {line.product.title}.")
            raw[key] = {**raw[key], "qty": quantity}
        self._save(raw)

    def remove(self, key: str) -> None:
        self.set_quantity(key, 0)

    def accept_current_prices(self) -> None:
        """The shopper has seen the new prices: remember them as seen."""
        raw = {key: dict(item) for key, item in self.raw.items()}
        for line in self.lines():
            raw[line.key]["price"] = str(line.product.price)
        self._save(raw)

    def clear(self) -> None:
        """Empty the cart after its order: the next cart gets a new key."""
        self.session.pop(self.session_key, None)
        self.session.pop(self.key_session_key, None)
        self._lines = None

    def lines(self) -> list[CartLine]:
        """The cart's lines with their current products (one query), dropping vanished ones."""
        if self._lines is None:
            raw = self.raw
            ids = {item["product"] for item in raw.values()}
            products = (
                {p.pk: p for p in self.store.products.filter(pk__in=ids, is_active=True)}
                if ids
                else {}
            )
            self._lines = [
                CartLine(
                    key=key,
                    product=products[item["product"]],
                    quantity=item["qty"],
                    seen_price=Decimal(item["price"]),
                    customization=item.get("custom") or {},
                )
                for key, item in raw.items()
                if item["product"] in products
            ]
        return self._lines

    @property
    def total(self) -> Decimal:
        return sum((line.line_total for line in self.lines()), Decimal("0"))

    @property
    def seen_total(self) -> Decimal:
        return sum((line.seen_price * line.quantity for line in self.lines()), Decimal("0"))

    @property
    def prices_changed(self) -> bool:
        return any(line.price_changed for line in self.lines())

    @property
    def count(self) -> int:
        return sum(line.quantity for line in self.lines())
