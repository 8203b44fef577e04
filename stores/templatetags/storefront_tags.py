"""Template helpers for the storefront: prices in the currency of the store's market
(stores/markets.py), product pictures, and the theme's keyboard focus ring."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.safestring import mark_safe

from stores import contrast, markets, pictures

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


@register.filter
def price(value: Decimal | int | None, store) -> str:
    """A books amount (USD) as the store's shoppers read it: "AED 73.45" in the UAE."""
    if value is None:
        return ""
    shown = markets.presentment(store.market)
    return shown.text(shown.convert(value))


@register.filter
def presentment(store) -> markets.Presentment:
    return markets.presentment(store.market)


@register.filter
def line_price(line, store) -> str:
    """A basket line: its converted unit price times its quantity."""
    shown = markets.presentment(store.market)
    return shown.text(shown.convert(line.unit_price) * line.quantity)


@register.filter
def lines_total(lines, store) -> str:
    """The sum of the lines as shown, so the shopper's own addition agrees with it."""
    shown = markets.presentment(store.market)
    return shown.text(sum((shown.convert(line.unit_price) * line.quantity for line in lines), 0))


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
