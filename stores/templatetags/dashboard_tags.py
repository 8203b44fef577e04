"""Template filters for the dashboard: stores.formatting's functions, plus two template helpers."""

from __future__ import annotations

from typing import Any

from django import template

from stores import formatting

register = template.Library()

for _name in (
    "pct",
    "signed_pct",
    "money",
    "count",
    "metric_value",
    "interval_text",
    "bar_width",
    "money_short",
    "share",
    "chance",
):
    register.filter(_name, getattr(formatting, _name))


@register.filter
def querystring_with(querystring: str, pair: str) -> str:
    """'a=1&b=2' | querystring_with:'b=3' -> 'a=1&b=3' (replaces or adds one parameter)."""
    key, _, value = pair.partition("=")
    parts = [p for p in querystring.split("&") if p and p.split("=", 1)[0] != key]
    if value:
        parts.append(f"{key}={value}")
    return "&".join(parts)


@register.filter
def get_item(mapping: dict, key: str) -> Any:
    return mapping.get(key)
