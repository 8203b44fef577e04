"""Server-rendered SVG charts for the dashboard: geometry only, the templates draw it.

No JavaScript chart library and no CDN: the page stays light on a projector laptop, and the
charts come out identical in a screenshot, a print and a slide.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from stores.formatting import money, money_short

# Tableau 10: distinct on a projector and for most colour-blind viewers; cycles past ten stores.
PALETTE = (
    "#4e79a7", "#f28e2b", "#e15759", "#59a14f", "#b07aa1",
    "#76b7b2", "#edc948", "#9c755f", "#ff9da7", "#bab0ac",
)  # fmt: skip
DASHES = ("", "6 3", "2 3")


def store_colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def store_dash(index: int) -> str:
    return DASHES[(index // len(PALETTE)) % len(DASHES)]


@dataclass
class Line:
    label: str
    colour: str
    dash: str
    points: str  # "x,y x,y ..." for <polyline>


@dataclass
class LineChart:
    title: str
    note: str
    width: int
    height: int
    lines: list[Line] = field(default_factory=list)
    y_ticks: list[tuple[float, str]] = field(default_factory=list)
    x_ticks: list[tuple[float, str]] = field(default_factory=list)
    left: int = 64
    bottom: int = 28
    top: int = 10
    right: int = 12

    @property
    def plot_bottom(self) -> int:
        return self.height - self.bottom

    @property
    def plot_right(self) -> int:
        return self.width - self.right

    @property
    def empty(self) -> bool:
        return not self.lines

    def svg(self) -> SafeString:
        """The chart as inline SVG (built here rather than in a template: a 20-store page
        draws thousands of elements, and template lookups cost several times more each)."""
        parts = [
            f'<svg viewBox="0 0 {self.width} {self.height}" role="img" '
            f'aria-label="{escape(self.title)}">'
        ]
        for y, label in self.y_ticks:
            parts.append(
                f'<line class="grid" x1="{self.left}" x2="{self.plot_right}" y1="{y}" y2="{y}"/>'
                f'<text class="tick" x="{self.left - 6}" y="{y}" text-anchor="end" '
                f'dominant-baseline="middle">{escape(label)}</text>'
            )
        anchors = ["start", "middle", "end"] if len(self.x_ticks) == 3 else ["start", "end"]
        for (x, label), anchor in zip(self.x_ticks, anchors + ["middle"] * 3, strict=False):
            parts.append(
                f'<text class="tick" x="{x}" y="{self.height - 8}" text-anchor="{anchor}">'
                f"{escape(label)}</text>"
            )
        for line in self.lines:
            dash = f' stroke-dasharray="{line.dash}"' if line.dash else ""
            parts.append(
                f'<polyline fill="none" stroke="{line.colour}" stroke-width="2" '
                f'stroke-linejoin="round"{dash} points="{line.points}">'
                f"<title>{escape(line.label)}</title></polyline>"
            )
        parts.append("</svg>")
        return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def _nice_step(span: float, ticks: int = 4) -> float:
    """A round tick step (1, 2, 2.5 or 5 times a power of ten) giving about `ticks` intervals."""
    raw = span / ticks if span > 0 else 1.0
    power = 10 ** math.floor(math.log10(raw))
    for multiple in (1, 2, 2.5, 5, 10):
        if multiple * power >= raw:
            return multiple * power
    return 10 * power


def line_chart(
    title: str,
    dates: Sequence[date],
    series: Sequence[tuple[str, str, str, Sequence[float | None]]],
    fmt: Callable[[float], str],
    *,
    note: str = "",
    width: int = 640,
    height: int = 240,
) -> LineChart:
    """series: (label, colour, dash, values aligned with dates; None = no data that day)."""
    chart = LineChart(title=title, note=note, width=width, height=height)
    values = [v for _, _, _, vs in series for v in vs if v is not None]
    if not dates or not values:
        return chart
    lo, hi = min(0.0, min(values)), max(values)
    if hi == lo:
        hi = lo + 1
    step = _nice_step(hi - lo)
    lo = step * (lo // step)
    hi = step * -(-hi // step)
    x0, x1 = chart.left, chart.plot_right
    y0, y1 = chart.plot_bottom, chart.top
    n = len(dates)

    def x(i: int) -> float:
        return x0 + (x1 - x0) * (i / (n - 1) if n > 1 else 0.5)

    def y(v: float) -> float:
        return y0 - (y0 - y1) * (v - lo) / (hi - lo)

    tick = lo
    while tick <= hi + step / 2:
        chart.y_ticks.append((round(y(tick), 1), fmt(tick)))
        tick += step
    for i in sorted({0, n // 2, n - 1}):
        chart.x_ticks.append((round(x(i), 1), dates[i].strftime("%d %b")))
    for label, colour, dash, vs in series:
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(vs) if v is not None)
        if points:
            chart.lines.append(Line(label, colour, dash, points))
    return chart


@dataclass
class Bar:
    label: str
    amount: Decimal
    x: float
    y: float
    w: float
    h: float
    kind: str  # total | cost | result
    help: str = ""
    short_label: str = ""
    text_x: float = 0
    text_y: float = 0


@dataclass
class Waterfall:
    width: int
    height: int
    bars: list[Bar]
    zero_y: float
    label_y: float

    def svg(self, title: str) -> SafeString:
        parts = [
            f'<svg viewBox="0 0 {self.width} {self.height}" role="img" '
            f'aria-label="Margin waterfall of {escape(title)}">',
            f'<line class="zero" x1="0" x2="{self.width}" y1="{self.zero_y}" y2="{self.zero_y}"/>',
        ]
        for bar in self.bars:
            sign = "−" if bar.kind == "cost" else ""
            parts.append(
                f'<g class="step {bar.kind}"><rect x="{bar.x}" y="{bar.y}" width="{bar.w}" '
                f'height="{bar.h}"><title>{escape(bar.label)}: {money(bar.amount)} — '
                f"{escape(bar.help)}</title></rect>"
                f'<text class="amount" x="{bar.text_x}" y="{bar.text_y}" text-anchor="middle">'
                f"{sign}{money_short(bar.amount)}</text>"
                f'<text class="label" x="{bar.text_x}" y="{self.label_y}" text-anchor="middle">'
                f"{escape(bar.short_label)}</text></g>"
            )
        parts.append("</svg>")
        return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def waterfall(
    steps: Sequence[tuple[str, str, Decimal, str]], *, width: int = 560, height: int = 260
) -> Waterfall:
    """Net sales as a full bar, each cost hanging down from the running total, contribution last."""
    top, bottom, left, right = 26, 30, 4, 4
    running = Decimal("0")
    levels = [Decimal("0")]
    for key, _, amount, _ in steps:
        if key == "net_sales":
            running = amount
        elif key != "contribution":
            running -= amount
        levels.append(running)
    lo, hi = float(min(levels)), float(max(levels))
    if hi == lo:
        hi = lo + 1
    plot_h = height - top - bottom

    def y(v: float) -> float:
        return top + plot_h * (hi - v) / (hi - lo)

    slot = (width - left - right) / len(steps)
    bars: list[Bar] = []
    running = Decimal("0")
    for i, (key, label, amount, text) in enumerate(steps):
        if key == "net_sales":
            start, end, kind = Decimal("0"), amount, "total"
        elif key == "contribution":
            start, end, kind = Decimal("0"), amount, "result"
        else:
            start, end, kind = running, running - amount, "cost"
        running = end if key != "contribution" else running
        y_a, y_b = y(float(start)), y(float(end))
        bar_x, bar_w = left + i * slot + slot * 0.1, slot * 0.8
        bars.append(
            Bar(
                label=label,
                amount=amount,
                x=round(bar_x, 1),
                y=round(min(y_a, y_b), 1),
                w=round(bar_w, 1),
                h=round(max(abs(y_b - y_a), 1.0), 1),
                kind="loss" if kind == "result" and amount < 0 else kind,
                help=text,
                short_label=SHORT_LABELS.get(key, label),
                text_x=round(bar_x + bar_w / 2, 1),
                # Above a bar that rises from zero; under the top of a cost (it hangs down).
                text_y=round(min(y_a, y_b) - 5, 1),
            )
        )
    return Waterfall(
        width=width, height=height, bars=bars, zero_y=round(y(0.0), 1), label_y=height - 14
    )


SHORT_LABELS = {
    "net_sales": "Net sales",
    "goods_cost": "Goods",
    "shipping_cost": "Shipping",
    "fees": "Fees",
    "ad_spend": "Ads",
    "return_shipping_cost": "Returns",
    "other_cost": "Other",
    "contribution": "Contrib.",
}


def rolling_ratio(
    numerators: Sequence[float], denominators: Sequence[float], window: int = 7
) -> list[float | None]:
    """Trailing-window sum(num) / sum(den): daily conversion is too noisy to read otherwise."""
    out: list[float | None] = []
    for i in range(len(numerators)):
        lo = max(0, i - window + 1)
        den = sum(denominators[lo : i + 1])
        out.append(sum(numerators[lo : i + 1]) / den if den else None)
    return out
