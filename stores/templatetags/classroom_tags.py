"""Template filters of the classroom pages."""

from __future__ import annotations

from typing import Any

from django import template

from stores import formatting
from stores.leaderboard import Standing, decision_text

register = template.Library()


@register.filter
def metric_text(standing: Standing, key: str) -> str:
    """A standing's figure of one metric, formatted as the dashboard formats it."""
    return standing.text(key)


@register.filter
def decisions_text(values: dict[str, Any]) -> str:
    """'markup 2.5 · cod off · courier express' (levers the store has)."""
    return " · ".join(f"{k} {decision_text(v)}" for k, v in values.items() if v is not None)


@register.filter
def amount(value: Any) -> str:
    """Money with thousands separators, as the dashboard shows it."""
    return formatting.money(value)


@register.filter
def count(value: Any) -> str:
    """A count with thousands separators (2,215), as the dashboard shows it."""
    return formatting.count(value)
