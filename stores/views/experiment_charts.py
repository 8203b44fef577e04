"""Server-rendered SVG for experiments: a sweep's curve with its 5-95% band, and the stores of a
replication as a mean with its band. Geometry here; numbers read through stores.formatting.

Like the dashboard's charts: no JavaScript library, no CDN, identical on screen and in a slide.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 720, 300
LEFT, RIGHT, TOP, BOTTOM = 72, 16, 16, 44


def nice_step(span: float, ticks: int = 4) -> float:
    """A round tick step (1, 2, 2.5 or 5 times a power of ten) giving about `ticks` intervals."""
    raw = span / ticks if span > 0 else 1.0
    power = 10 ** math.floor(math.log10(raw))
    return next((m * power for m in (1, 2, 2.5, 5) if m * power >= raw), 10 * power)


@dataclass
class Scale:
    """Values lo..hi onto pixels a..b, with round ticks."""

    lo: float
    hi: float
    a: float
    b: float

    @classmethod
    def nice(cls, values: Sequence[float], a: float, b: float, *, zero: bool = True) -> Scale:
        lo, hi = min(values), max(values)
        if zero:
            lo, hi = min(lo, 0.0), max(hi, 0.0)
        if hi == lo:
            hi = lo + (abs(lo) or 1.0)
        step = nice_step(hi - lo)
        return cls(step * math.floor(lo / step), step * math.ceil(hi / step), a, b)

    def __call__(self, v: float) -> float:
        return round(self.a + (self.b - self.a) * (v - self.lo) / (self.hi - self.lo), 1)

    def ticks(self) -> list[float]:
        step = nice_step(self.hi - self.lo)
        out, v = [], self.lo
        while v <= self.hi + step / 2:
            out.append(round(v, 10))
            v += step
        return out


@dataclass
class CurvePoint:
    label: str  # the swept value, as text
    x: float  # where it sits on the axis (the value itself, or its rank for non-numbers)
    mean: float | None
    p5: float | None
    p95: float | None
    best: bool = False


def curve_svg(
    title: str, points: Sequence[CurvePoint], fmt: Callable[[float], str], *, x_label: str
) -> SafeString:
    """The mean across seeds at each swept value, joined; its 5-95% band shaded; the best
    value ringed. Points without a figure (no COD orders, say) are left out of the line."""
    known = [p for p in points if p.mean is not None]
    if not known:
        return mark_safe('<p class="muted">No figure to draw for this metric.</p>')
    lo, hi = min(p.x for p in points), max(p.x for p in points)
    xs = (
        Scale(lo, hi, LEFT + 24, WIDTH - RIGHT - 24)
        if hi > lo
        else Scale(lo - 1, hi + 1, LEFT, WIDTH - RIGHT)
    )
    ys = Scale.nice([v for p in known for v in (p.mean, p.p5, p.p95)], HEIGHT - BOTTOM, TOP)
    parts = [
        f'<svg class="curve" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}">'
    ]
    for tick in ys.ticks():
        y = ys(tick)
        parts.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y}" y2="{y}"/>'
            f'<text class="tick" x="{LEFT - 6}" y="{y}" text-anchor="end" '
            f'dominant-baseline="middle">{escape(fmt(tick))}</text>'
        )
    for p in points:
        parts.append(
            f'<text class="tick" x="{xs(p.x)}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle">'
            f"{escape(p.label)}</text>"
        )
    parts.append(
        f'<text class="axis-label" x="{(LEFT + WIDTH - RIGHT) / 2}" y="{HEIGHT - 6}" '
        f'text-anchor="middle">{escape(x_label)}</text>'
    )
    upper = " ".join(f"{xs(p.x)},{ys(p.p95)}" for p in known)
    lower = " ".join(f"{xs(p.x)},{ys(p.p5)}" for p in reversed(known))
    parts.append(
        f'<polygon class="band" points="{upper} {lower}"><title>5–95% of seeds</title></polygon>'
    )
    line = " ".join(f"{xs(p.x)},{ys(p.mean)}" for p in known)
    parts.append(f'<polyline class="mean" points="{line}"/>')
    for p in known:
        text = f"{p.label}: {fmt(p.mean)} (5–95%: {fmt(p.p5)} – {fmt(p.p95)})"
        css = "point best" if p.best else "point"
        parts.append(
            f'<circle class="{css}" cx="{xs(p.x)}" cy="{ys(p.mean)}" r="{7 if p.best else 4}">'
            f"<title>{escape(text)}{' — best' if p.best else ''}</title></circle>"
        )
        if p.best:
            parts.append(
                f'<text class="best-label" x="{xs(p.x)}" y="{ys(p.p95) - 8}" '
                f'text-anchor="middle">best: {escape(p.label)}</text>'
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


@dataclass
class StoreBand:
    label: str
    colour: str
    mean: float | None
    p5: float | None
    p95: float | None
    is_baseline: bool = False


def bands_svg(title: str, rows: Sequence[StoreBand], fmt: Callable[[float], str]) -> SafeString:
    """A row per store: its 5-95% band across seeds as a bar, the mean as a dot."""
    known = [r for r in rows if r.mean is not None]
    if not known:
        return mark_safe('<p class="muted">No figure to draw for this metric.</p>')
    row_h, label_w = 30, 190
    height = TOP + row_h * len(rows) + 30
    xs = Scale.nice([v for r in known for v in (r.mean, r.p5, r.p95)], label_w, WIDTH - RIGHT)
    parts = [
        f'<svg class="bands" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{escape(title)}">'
    ]
    for tick in xs.ticks():
        x = xs(tick)
        parts.append(
            f'<line class="grid" x1="{x}" x2="{x}" y1="{TOP}" y2="{height - 26}"/>'
            f'<text class="tick" x="{x}" y="{height - 10}" text-anchor="middle">'
            f"{escape(fmt(tick))}</text>"
        )
    for i, r in enumerate(rows):
        y = TOP + row_h * i + row_h / 2
        name = escape(r.label) + (" (baseline)" if r.is_baseline else "")
        parts.append(
            f'<text class="row-label" x="{label_w - 10}" y="{y}" text-anchor="end" '
            f'dominant-baseline="middle">{name}</text>'
        )
        if r.mean is None:
            continue
        text = f"{r.label}: {fmt(r.mean)} (5–95%: {fmt(r.p5)} – {fmt(r.p95)})"
        x0, x1 = xs(r.p5), xs(r.p95)
        parts.append(
            f'<rect class="band" x="{x0}" y="{y - 7}" width="{max(x1 - x0, 1.5)}" height="14" '
            f'style="fill: {escape(r.colour)}"><title>{escape(text)}</title></rect>'
            f'<circle class="point" cx="{xs(r.mean)}" cy="{y}" r="5"><title>{escape(text)}'
            "</title></circle>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
