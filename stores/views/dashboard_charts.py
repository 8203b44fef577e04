"""Server-rendered SVG charts for the dashboard: geometry only, the templates place it.

No JavaScript chart library and no CDN: the page stays light on a projector laptop, and the
charts come out identical in a screenshot, a print and a slide.

Every store keeps one style wherever it appears (its position among all stores, not among the
stores shown): a colour with at least 3:1 contrast on white, a marker shape, and past the
palette a dash pattern, so two lines stay apart without colour (under colour-vision
deficiencies, in grey print). Each line is labelled at its end with its store's name, and each
chart has a data table for readers who cannot see it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from html import escape  # the standard library's: Django's adds a lazy-text check per call

from django.utils.safestring import SafeString, mark_safe

from stores.formatting import money, money_short

# Each colour at least 3:1 against white (WCAG 1.4.11); chosen in this order to keep the
# colours as far apart as possible (CIELAB distance) in normal vision and in simulated
# deuteranopia, protanopia and tritanopia (Machado et al. 2009), so the first stores of a
# comparison differ most. Marker shapes and dashes tell them apart without colour anyway.
PALETTE = (
    "#0072b2", "#d55e00", "#662619", "#7300e6", "#191966",
    "#555555", "#973a0c", "#00a352", "#6d00a3", "#194c66",
)  # fmt: skip
MARKERS = ("circle", "square", "triangle", "diamond", "down", "plus", "cross", "bar")
DASHES = ("", "7 4", "2 3")


@dataclass(frozen=True)
class Style:
    colour: str
    marker: str
    dash: str


def store_style(index: int) -> Style:
    return Style(
        PALETTE[index % len(PALETTE)],
        MARKERS[index % len(MARKERS)],
        DASHES[(index // len(PALETTE)) % len(DASHES)],
    )


def marker_svg(shape: str, x: float, y: float, colour: str, r: float = 4.0) -> str:
    """A small filled shape centred on (x, y)."""
    if shape == "circle":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" fill="{colour}"/>'
    if shape == "square":
        s = r * 0.9
        return f'<rect x="{x - s:.1f}" y="{y - s:.1f}" width="{2 * s:.1f}" height="{2 * s:.1f}" fill="{colour}"/>'  # noqa: E501
    points = {
        "triangle": ((0, -1.2), (1.1, 0.8), (-1.1, 0.8)),
        "down": ((0, 1.2), (1.1, -0.8), (-1.1, -0.8)),
        "diamond": ((0, -1.3), (1.1, 0), (0, 1.3), (-1.1, 0)),
    }.get(shape)
    if points:
        path = " ".join(f"{x + dx * r:.1f},{y + dy * r:.1f}" for dx, dy in points)
        return f'<polygon points="{path}" fill="{colour}"/>'
    stroke = f'stroke="{colour}" stroke-width="2.4" stroke-linecap="square"'
    if shape == "plus":
        return (
            f'<path d="M{x - r:.1f} {y:.1f}H{x + r:.1f}M{x:.1f} {y - r:.1f}V{y + r:.1f}" {stroke}/>'  # noqa: E501
        )
    if shape == "cross":
        d = r * 0.8
        return f'<path d="M{x - d:.1f} {y - d:.1f}L{x + d:.1f} {y + d:.1f}M{x - d:.1f} {y + d:.1f}L{x + d:.1f} {y - d:.1f}" {stroke}/>'  # noqa: E501
    return f'<rect x="{x - r:.1f}" y="{y - r * 0.45:.1f}" width="{2 * r:.1f}" height="{r * 0.9:.1f}" fill="{colour}"/>'  # noqa: E501


def swatch_svg(style: Style, label: str = "") -> SafeString:
    """A legend key: a stretch of the store's line with its marker (for tables and legends)."""
    dash = f' stroke-dasharray="{style.dash}"' if style.dash else ""
    title = f"<title>{escape(label)}</title>" if label else ""
    return mark_safe(  # noqa: S308 - colour and shape come from our tables, the label is escaped
        f'<svg class="key" viewBox="0 0 28 12" width="28" height="12" aria-hidden="true">{title}'
        f'<line x1="1" y1="6" x2="27" y2="6" stroke="{style.colour}" stroke-width="2.5"{dash}/>'
        f"{marker_svg(style.marker, 14, 6, style.colour, 3.6)}</svg>"
    )


@dataclass
class Line:
    label: str
    style: Style
    points: list[tuple[float, float]]
    end_label_y: float = 0.0


@dataclass
class LineChart:
    title: str
    note: str
    width: int
    height: int
    lines: list[Line] = field(default_factory=list)
    y_ticks: list[tuple[float, str]] = field(default_factory=list)
    x_ticks: list[tuple[float, str]] = field(default_factory=list)
    shade: tuple[float, float] | None = None  # x range of cohorts still settling
    # Events (shocks): x where each starts, x where it ends (None: past the chart's end), label.
    marks: list[tuple[float, float | None, str]] = field(default_factory=list)
    # The data table: column headings and one row per period.
    table_head: list[str] = field(default_factory=list)
    table_rows: list[list[str]] = field(default_factory=list)
    left: int = 64
    bottom: int = 28
    top: int = 14
    right: int = 170  # room for the stores' names at the end of their lines
    marker_every: int = 1

    @property
    def plot_bottom(self) -> int:
        return self.height - self.bottom

    @property
    def plot_right(self) -> int:
        return self.width - self.right

    @property
    def empty(self) -> bool:
        return not self.lines

    def table_html(self) -> SafeString:
        """The chart's values as an HTML table (built here for the same reason as svg())."""
        head = "".join(f'<th scope="col">{escape(h)}</th>' for h in self.table_head)
        body = "".join(
            f'<tr><th scope="row">{escape(row[0])}</th>'
            + "".join(f"<td>{escape(v)}</td>" for v in row[1:])
            + "</tr>"
            for row in self.table_rows
        )
        return mark_safe(  # noqa: S308 - every text above is escaped
            f'<table class="data"><caption class="visually-hidden">{escape(self.title)}'
            f"</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        )

    def svg(self) -> SafeString:
        """The chart as inline SVG (built here rather than in a template: a 20-store page
        draws thousands of elements, and template lookups cost several times more each)."""
        desc = f"{len(self.lines)} stores; the table below gives every value."
        parts = [
            f'<svg viewBox="0 0 {self.width} {self.height}" role="img" '
            f'aria-label="{escape(self.title)}: {escape(desc)}">'
        ]
        if self.shade:
            x0, x1 = self.shade
            parts.append(
                f'<rect class="settling" x="{x0:.1f}" y="{self.top}" width="{max(x1 - x0, 2):.1f}" '
                f'height="{self.plot_bottom - self.top}"><title>Cohorts still settling: their '
                f"returns, refusals, chargebacks or payouts are still to come</title></rect>"
                f'<text class="settling-label" x="{x1 - 4:.1f}" y="{self.top + 12}" '
                f'text-anchor="end">still settling</text>'
            )
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
        for k, (x, end, label) in enumerate(self.marks):
            # A band over the days the event lasts, a dashed line where it starts, and its label
            # (staggered so that events close together stay readable).
            x_end = self.plot_right if end is None else max(end, x + 2)
            parts.append(
                f'<rect class="event-band" x="{x:.1f}" y="{self.top}" width="{x_end - x:.1f}" '
                f'height="{self.plot_bottom - self.top}"/>'
                f'<line class="event" x1="{x:.1f}" x2="{x:.1f}" y1="{self.top}" '
                f'y2="{self.plot_bottom}"><title>{escape(label)}</title></line>'
                f'<text class="event-label" x="{x + 3:.1f}" y="{self.top + 28 + 15 * (k % 3)}">'
                f"{escape(short_name(label, 28))}</text>"
            )
        for line in self.lines:
            s = line.style
            dash = f' stroke-dasharray="{s.dash}"' if s.dash else ""
            points = " ".join(f"{x:.1f},{y:.1f}" for x, y in line.points)
            parts.append(
                f'<g class="series"><title>{escape(line.label)}</title>'
                f'<polyline fill="none" stroke="{s.colour}" stroke-width="2.5" '
                f'stroke-linejoin="round"{dash} points="{points}"/>'
            )
            shown = line.points[:: self.marker_every]
            if line.points and shown[-1] != line.points[-1]:
                shown.append(line.points[-1])
            parts.extend(marker_svg(s.marker, x, y, s.colour) for x, y in shown)
            if line.points:
                x, y = line.points[-1]
                parts.append(
                    f'<text class="end-label" x="{self.plot_right + 8}" y="{line.end_label_y:.1f}" '
                    f'dominant-baseline="middle" fill="{s.colour}">{escape(short_name(line.label))}'
                    "</text>"
                )
            parts.append("</g>")
        parts.append("</svg>")
        return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def _period(d: date | datetime) -> str:
    return d.strftime("%Y-%m-%d %H:%M") if isinstance(d, datetime) else d.isoformat()


def short_name(label: str, limit: int = 18) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _nice_step(span: float, ticks: int = 4) -> float:
    """A round tick step (1, 2, 2.5 or 5 times a power of ten) giving about `ticks` intervals."""
    raw = span / ticks if span > 0 else 1.0
    power = 10 ** math.floor(math.log10(raw))
    for multiple in (1, 2, 2.5, 5, 10):
        if multiple * power >= raw:
            return multiple * power
    return 10 * power


def _spread(ys: list[float], gap: float, low: float, high: float) -> list[float]:
    """Move label positions apart by at least `gap`, keeping their order, inside [low, high]."""
    order = sorted(range(len(ys)), key=lambda i: ys[i])
    placed = [ys[i] for i in order]
    for k in range(1, len(placed)):
        placed[k] = max(placed[k], placed[k - 1] + gap)
    overflow = placed[-1] - high if placed else 0
    if overflow > 0:
        placed = [y - overflow for y in placed]
        for k in range(len(placed) - 2, -1, -1):
            placed[k] = min(placed[k], placed[k + 1] - gap)
    placed = [max(low, y) for y in placed]
    out = [0.0] * len(ys)
    for k, i in enumerate(order):
        out[i] = placed[k]
    return out


def line_chart(
    title: str,
    dates: Sequence[date],
    series: Sequence[tuple[str, Style, Sequence[float | None]]],
    fmt: Callable[[float], str],
    *,
    note: str = "",
    shade_from: date | None = None,
    marks: Sequence[tuple[date, date | None, str]] = (),
    width: int = 720,
    height: int = 260,
    tick_format: str = "%d %b",
) -> LineChart:
    """series: (label, style, values aligned with dates; None = no data that period). `dates`
    may be datetimes (a training session's simulated hours): `tick_format` labels them."""
    chart = LineChart(title=title, note=note, width=width, height=height)
    values = [v for _, _, vs in series for v in vs if v is not None]
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
        chart.x_ticks.append((round(x(i), 1), dates[i].strftime(tick_format)))
    if shade_from is not None and shade_from <= dates[-1]:
        first = next(i for i, d in enumerate(dates) if d >= shade_from)
        start = x(first) - ((x(1) - x(0)) / 2 if n > 1 and first else 0)
        chart.shade = (max(start, x0), x1)
    for start, end, label in marks:
        if dates[0] <= start <= dates[-1]:
            i = max(k for k, d in enumerate(dates) if d <= start)
            j = (
                None
                if end is None or end >= dates[-1]
                else max(k for k, d in enumerate(dates) if d <= end)
            )
            chart.marks.append((x(i), None if j is None else x(j), label))
    chart.marker_every = max(1, n // 12)  # a dozen markers per line at most: shapes stay legible
    for label, style, vs in series:
        points = [(x(i), y(v)) for i, v in enumerate(vs) if v is not None]
        if points:
            chart.lines.append(Line(label, style, points))
    ends = _spread([line.points[-1][1] for line in chart.lines], 15, y1 + 6, y0 - 4)
    for line, end in zip(chart.lines, ends, strict=True):
        line.end_label_y = end
    chart.table_head = ["Period", *(label for label, _, _ in series)]
    chart.table_rows = [
        [_period(d), *("–" if vs[i] is None else fmt(vs[i]) for _, _, vs in series)]
        for i, d in enumerate(dates)
    ]
    if marks:  # the events in force each period, for whoever reads the table instead
        chart.table_head.append("Shocks")
        for row, d in zip(chart.table_rows, dates, strict=True):
            row.append("; ".join(lb for s, e, lb in marks if s <= d and (e is None or d <= e)))
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
        summary = "; ".join(f"{b.label} {money(b.amount)}" for b in self.bars)
        parts = [
            f'<svg viewBox="0 0 {self.width} {self.height}" role="img" '
            f'aria-label="Margin waterfall of {escape(title)}: {escape(summary)}">',
            f'<line class="zero" x1="0" x2="{self.width}" y1="{self.zero_y}" y2="{self.zero_y}"/>',
        ]
        for bar in self.bars:
            sign = "−" if bar.kind in ("cost", "refused") and bar.amount else ""
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


def waterfall_extent(steps: Sequence[tuple[str, str, Decimal, str]]) -> tuple[float, float]:
    """The lowest and highest running total a store's waterfall reaches (for a shared scale)."""
    running, levels = Decimal("0"), [Decimal("0")]
    for key, _, amount, _ in steps:
        if key == "net_sales":
            running = amount
        elif key != "contribution":
            running -= amount
        levels.append(running)
        if key == "contribution":
            levels.append(amount)
    return float(min(levels)), float(max(levels))


def waterfall(
    steps: Sequence[tuple[str, str, Decimal, str]],
    *,
    width: int = 620,
    height: int = 270,
    scale: tuple[float, float] | None = None,
) -> Waterfall:
    """Net sales as a full bar, each cost hanging down from the running total, contribution
    last. `scale` (low, high) puts several stores on one scale; by default each fills its own."""
    top, bottom, left, right = 26, 30, 4, 4
    lo, hi = scale or waterfall_extent(steps)
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
                kind="loss"
                if kind == "result" and amount < 0
                else ("refused" if key == "refused_shipping" else kind),
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
    "shipping_kept": "Shipping",
    "fees": "Fees",
    "ad_spend": "Ads",
    "returns_shipping": "Returns",
    "refused_shipping": "Refused",
    "other_cost": "Other",
    "contribution": "Contrib.",
}


def rolling_mean(values: Sequence[float | None], window: int = 7) -> list[float | None]:
    """Trailing-window mean of the known values (None where the window holds none)."""
    out: list[float | None] = []
    for i in range(len(values)):
        known = [v for v in values[max(0, i - window + 1) : i + 1] if v is not None]
        out.append(sum(known) / len(known) if known and values[i] is not None else None)
    return out


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
