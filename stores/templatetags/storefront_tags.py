"""Template helpers for the storefront: money in the store's currency."""

from __future__ import annotations

from decimal import Decimal

from django import template

register = template.Library()

SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "INR": "₹"}


@register.filter
def money(value: Decimal | int | None, currency: str = "USD") -> str:
    """12.5, "USD" -> "$12.50"; currencies without a short symbol print their code."""
    if value is None:
        return ""
    amount = f"{Decimal(value):,.2f}"
    symbol = SYMBOLS.get(currency)
    return f"{symbol}{amount}" if symbol else f"{currency} {amount}"
