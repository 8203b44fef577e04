"""Template helpers for the storefront: money in the store's currency, product pictures, and the
theme's keyboard focus ring."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.safestring import mark_safe

from stores import contrast, pictures

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


@register.simple_tag
def product_picture(product, css_class: str = "picture") -> str:
    """The product's drawn picture (stores.pictures): its category, its colour, its name."""
    return mark_safe(  # noqa: S308 - product_svg escapes every text it writes
        pictures.product_svg(product.title, product.category, product.slug, css_class)
    )


@register.filter
def focus_ring(store) -> str:
    """A focus ring colour that reaches 3:1 on the page whatever the theme's accent."""
    try:
        return contrast.focus_ring(store.primary_colour, store.accent_colour)
    except ValueError:  # a colour that is not #rrggbb (the admin refuses those)
        return contrast.INK
