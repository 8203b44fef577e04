"""How a figure reads: money, percentages, counts, intervals and chances, as text.

One module for the dashboard's templates (through stores.templatetags.dashboard_tags), the
management commands and the charts, so a rate reads the same on the projector and in a
terminal. None prints as an en dash ("–"): no figure, never zero.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any


def pct(value: float | None, places: int = 1) -> str:
    if value is None:
        return "–"
    # The minus sign money uses (−), and none on a value that rounds to zero: a negative margin
    # read "-16.3%" beside "−1,451.45", and a tiny one "-0.0%".
    value = float(value) * 100
    sign = "−" if round(value, int(places)) < 0 else ""
    return f"{sign}{abs(value):.{int(places)}f}%"


def signed_pct(value: float | None) -> str:
    if value is None:
        return "–"
    value = float(value) * 100
    return f"{_sign(round(value, 1))}{abs(value):.1f}%"


def money(value: Decimal | float | None) -> str:
    if value is None:
        return "–"
    value = float(value)
    sign = "−" if value < 0 else ""
    return f"{sign}{abs(value):,.2f}"


def count(value: int | None) -> str:
    return "–" if value is None else f"{int(value):,}"


def metric_value(value: Any, kind: str, *, whole_money: bool = False) -> str:
    """Format a figure by its metric kind (see stores.metrics.MetricDef.kind). `whole_money`
    (the projector's tables): amounts of 1,000 or more without their cents, which nobody at the
    back of the room reads and which make a number too wide for its column."""
    if value is None:
        return "–"
    if kind == "count":
        return count(value)
    if kind in ("rate", "ratio"):
        return pct(value)
    if kind == "multiple":
        return f"{float(value):.2f}×"
    if kind == "days":
        return f"{float(value):.1f} d"
    if kind == "months":
        return f"{float(value):.1f} mo"
    if whole_money and abs(float(value)) >= 1000:
        return ("−" if value < 0 else "") + f"{abs(float(value)):,.0f}"
    return money(value)


def interval_text(interval: Any, kind: str, *, whole_money: bool = False) -> str:
    if interval is None:
        return ""
    low = metric_value(interval.low, kind, whole_money=whole_money)
    return f"{low} – {metric_value(interval.high, kind, whole_money=whole_money)}"


def bar_width(part: int | None, whole: int | None) -> str:
    """Percentage width of a funnel bar, at least a sliver so a zero step still shows."""
    if not whole or not part:
        return "0.5%"
    return f"{max(0.5, 100 * part / whole):.1f}%"


def money_short(value: Decimal | float | None) -> str:
    """12345.6 -> "12.3k": waterfall labels must fit over a narrow bar."""
    if value is None:
        return "–"
    value = float(value)
    sign = "−" if value < 0 else ""
    value = abs(value)
    if value >= 1_000_000:
        return f"{sign}{value / 1_000_000:.1f}M"
    if value >= 10_000:
        return f"{sign}{value / 1000:.0f}k"
    if value >= 1000:
        return f"{sign}{value / 1000:.1f}k"
    return f"{sign}{value:.0f}"


def share(part: int | None, whole: int | None) -> str:
    if not whole or part is None:
        return ""
    return f"{100 * part / whole:.1f}%"


def chance(value: float | None) -> str:
    """A probability that never claims certainty: 0.99996 -> ">99.9%"."""
    if value is None:
        return "–"
    if value > 0.999:
        return ">99.9%"
    if value < 0.001:
        return "<0.1%"
    return f"{value * 100:.0f}%" if 0.01 <= value <= 0.99 else f"{value * 100:.1f}%"


def signed_points(fraction: float | None) -> str:
    """A difference of two rates as percentage points: 0.007 -> "+0.7 pp"."""
    if fraction is None:
        return "–"
    return f"{_sign(round(fraction * 100, 1))}{abs(fraction) * 100:.1f} pp"


def signed_money(value: Decimal | float | None) -> str:
    if value is None:
        return "–"
    return f"{_sign(round(float(value), 2))}{abs(float(value)):,.2f}"


def difference(value: float | None, unit: str) -> str:
    """A difference from the baseline in its unit (stores.metrics.MetricDef.difference_unit)."""
    if value is None:
        return "–"
    if unit == "points":
        return signed_points(value)
    if unit == "percent":
        return signed_pct(value)
    if unit == "money":
        return signed_money(value)
    if unit == "days":
        return f"{_sign(round(value, 1))}{abs(value):.1f} d"
    if unit == "months":
        return f"{_sign(round(value, 1))}{abs(value):.1f} mo"
    return f"{_sign(round(value, 2))}{abs(value):.2f}×"


def _sign(value: float) -> str:
    # A difference that rounds to nothing reads as "±0", never "-0".
    return "+" if value > 0 else ("−" if value < 0 else "±")
