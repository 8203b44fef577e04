"""A scenario's debrief, read from its run: the story's metrics side by side with their 95%
intervals, its shocks with their dates, and a reading computed from those figures.

Reads only (stores.metrics.compare_stores over the rollup). The reading is built from the
numbers every time: which store led on each metric and by how much, whether the intervals say
the gap is real (95% intervals that do not overlap) or cannot tell, and what each shock did to
the metric it moves (its days against as many days before it, beside the unshocked twin).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from . import formatting as fmt
from .metrics import METRIC_BY_KEY, MetricDef, compare_stores
from .metrics.figures import Cell, Comparison
from .models import RunStatus, ScenarioRun, SimulationRun, Store
from .scenarios import Scenario, get_scenario
from .shock_marks import ShockMark, shock_marks
from .stats import Interval


@dataclass
class Figure:
    """One store's value of one metric, formatted, with its interval when it has one."""

    slug: str
    name: str
    metric: MetricDef
    value: Any
    interval: Interval | None = None
    enough_data: bool = True
    provisional: bool = False
    leads: bool = False

    @property
    def text(self) -> str:
        return fmt.metric_value(self.value, self.metric.kind)

    @property
    def interval_text(self) -> str:
        return fmt.interval_text(self.interval, self.metric.kind)


@dataclass
class DebriefRow:
    metric: MetricDef
    figures: list[Figure]
    sentence: str = ""


@dataclass
class ShockEffect:
    mark: ShockMark
    metric: MetricDef
    before: Figure | None
    during: Figure | None
    windows: tuple[tuple[int, int], tuple[int, int]]  # (first, last) run days of each
    controls: list[Figure] = field(default_factory=list)
    sentence: str = ""


@dataclass
class Debrief:
    started: ScenarioRun
    scenario: Scenario
    run: SimulationRun | None
    stores: list[Store]
    marks: list[ShockMark]
    rows: list[DebriefRow] = field(default_factory=list)
    effects: list[ShockEffect] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return self.run is not None and self.run.status == RunStatus.DONE

    @property
    def reading(self) -> str:
        """One paragraph: a sentence per metric, then one per shock."""
        sentences = [r.sentence for r in self.rows] + [e.sentence for e in self.effects]
        return " ".join(s for s in sentences if s)

    def day_of(self, day: date) -> int:
        return (day - self.run.start_date).days if self.run else 0


def build_debrief(started: ScenarioRun) -> Debrief:
    """The debrief of a started scenario; figures only once its run is done."""
    scenario = get_scenario(started.scenario)
    stores = sorted(started.stores.all(), key=lambda s: _recipe_position(s, scenario))
    run = started.run
    marks = shock_marks(stores, run) if run else []
    debrief = Debrief(started, scenario, run, stores, marks)
    if not debrief.ready:
        return debrief
    comparison = compare_stores(stores, run=run)
    names = {s.slug: s.name for s in stores}
    for key in scenario.metrics:
        figures = figures_of(comparison, key, names)
        row = DebriefRow(METRIC_BY_KEY[key], figures)
        row.sentence = metric_sentence(row.metric, figures)
        debrief.rows.append(row)
    watched = {(s.shock, s.start_day): s.metric for s in scenario.shocks}
    for mark in marks:
        key = watched.get((mark.name, debrief.day_of(mark.start))) or scenario.metrics[0]
        effect = shock_effect(debrief, mark, METRIC_BY_KEY[key], names)
        if effect:
            debrief.effects.append(effect)
    return debrief


def _recipe_position(store: Store, scenario: Scenario) -> int:
    """Stores in the recipe's order (its first is the baseline): slugs end with their key."""
    keys = [s.key.replace("_", "-") for s in scenario.stores]
    return next((i for i, key in enumerate(keys) if store.slug.endswith(f"-{key}")), len(keys))


def figures_of(comparison: Comparison, key: str, names: dict[str, str]) -> list[Figure]:
    """Each store's figure of one metric, the leader marked (by the metric's direction)."""
    metric = METRIC_BY_KEY[key]
    row = next(r for r in comparison.table if r.metric.key == key)
    figures = [_figure(cell, metric, names) for cell in row.cells]
    ranked = _ranked(figures)
    if len(ranked) > 1:
        ranked[0].leads = True
    return figures


def _figure(cell: Cell, metric: MetricDef, names: dict[str, str]) -> Figure:
    return Figure(
        slug=cell.slug,
        name=names.get(cell.slug, cell.slug),
        metric=metric,
        value=cell.value,
        interval=cell.interval,
        enough_data=cell.enough_data,
        provisional=cell.provisional,
    )


def _ranked(figures: list[Figure]) -> list[Figure]:
    """Best first: highest, or lowest where lower is better; figures without a value left out."""
    known = [f for f in figures if f.value is not None]
    lower_better = known and known[0].metric.higher_is_better is False
    return sorted(known, key=lambda f: float(f.value), reverse=not lower_better)


def metric_sentence(metric: MetricDef, figures: list[Figure]) -> str:
    """Who led on a metric, by how much, and whether the intervals say the gap is real."""
    ranked = _ranked(figures)
    label = _lower(metric.label)
    if not ranked:
        return f"No store has a {label} yet."
    if len(ranked) == 1:
        return f"{ranked[0].name} had a {label} of {ranked[0].text}."
    first, second = ranked[0], ranked[1]
    if first.text == second.text:
        level = [f.name for f in figures if f.value is not None and f.text == first.text]
        text = f"{_and(level)} were level on {label} at {first.text}"
        if len(level) < len(ranked):
            text += f"; {ranked[-1].name} came last at {ranked[-1].text}"
        return text + "."
    verb = {True: "led on", False: "had the lowest", None: "had the highest"}[
        metric.higher_is_better
    ]
    text = (
        f"{first.name} {verb} {label} at {first.text} against {second.name}'s {second.text} "
        f"({gap_text(metric, first.value, second.value)})"
    )
    text += "; " + evidence(first, second)
    if len(ranked) > 2:
        text += f"; {ranked[-1].name} came last at {ranked[-1].text}"
    if any(f.provisional for f in ranked):
        text += " (provisional: no cohort is old enough yet for every outcome)"
    return text + "."


def gap_text(metric: MetricDef, a: Any, b: Any) -> str:
    diff = abs(float(a) - float(b))
    kind = metric.kind
    if kind in ("rate", "ratio"):
        return f"{diff * 100:.1f} points apart"
    if kind == "days":
        return f"{diff:.1f} days apart"
    if kind == "months":
        return f"{diff:.1f} months apart"
    if kind == "multiple":
        return f"{diff:.2f}x apart"
    if kind == "count":
        return f"{fmt.count(round(diff))} apart"
    low = min(abs(float(a)), abs(float(b)))
    if low and (float(a) > 0) == (float(b) > 0):
        return f"{fmt.money(diff)} apart, {diff / low:.0%} of the smaller"
    return f"{fmt.money(diff)} apart"


def _lower(label: str) -> str:
    """'Conversion rate' -> 'conversion rate'; acronyms ('COD refusal rate', 'CAC') stay."""
    return label if label[:2].isupper() else label[0].lower() + label[1:]


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


# Why a figure has no interval to test a gap with (the kinds of stores.metrics.METRICS).
NO_INTERVAL = {
    "money": "a total, which has no interval here",
    "ratio": "a ratio of totals, which has no interval here",
    "multiple": "a ratio of totals, which has no interval here",
    "days": "an average lag, which has no interval here",
    "months": "a runway from one cash timeline, which has no interval here",
    "count": "a count, which has no interval here",
}


def evidence(a: Figure, b: Figure) -> str:
    """What the 95% intervals of two figures say about their gap."""
    if a.metric.kind in NO_INTERVAL:
        return NO_INTERVAL[a.metric.kind]
    if not (a.enough_data and b.enough_data) or a.interval is None or b.interval is None:
        return "too few observations for an interval to settle it"
    if overlap(a.interval, b.interval):
        return (
            f"their 95% intervals ({a.interval_text} and {b.interval_text}) overlap, so this "
            "history cannot tell them apart"
        )
    return (
        f"their 95% intervals ({a.interval_text} and {b.interval_text}) do not overlap, so the "
        "gap is real"
    )


def overlap(a: Interval, b: Interval) -> bool:
    return a.low <= b.high and b.low <= a.high


def shock_effect(
    debrief: Debrief, mark: ShockMark, metric: MetricDef, names: dict[str, str]
) -> ShockEffect | None:
    """The metric on the shocked store over the shock's days (within the run) against as many
    days just before it, beside the stores of its model that no shock touched."""
    run = debrief.run
    first, last = run.start_date, run.start_date + timedelta(days=run.days - 1)
    start = max(mark.start, first)
    end = min(mark.end or last, last)
    if start > last or start <= first:
        return None  # no days before it to compare with
    length = (end - start).days + 1
    before_start = max(first, start - timedelta(days=length))
    shocked = next(s for s in debrief.stores if s.slug == mark.store_slug)
    touched = {m.store_slug for m in debrief.marks}
    controls = [
        s
        for s in debrief.stores
        if s.slug not in touched and s.business_model == shocked.business_model
    ]
    windows = []
    for lo, hi in ((before_start, start - timedelta(days=1)), (start, end)):
        comparison = compare_stores(
            [shocked, *controls], run=run, date_from=lo, date_to=hi, series="day"
        )
        windows.append(figures_of(comparison, metric.key, names))
    before, during = windows[0][0], windows[1][0]
    effect = ShockEffect(
        mark=mark,
        metric=metric,
        before=before,
        during=during,
        windows=((debrief.day_of(before_start), debrief.day_of(start) - 1),
                 (debrief.day_of(start), debrief.day_of(end))),
        controls=windows[1][1:],
    )  # fmt: skip
    effect.sentence = effect_sentence(effect)
    return effect


def effect_sentence(e: ShockEffect) -> str:
    (b0, b1), (d0, d1) = e.windows
    label = _lower(e.metric.label)
    text = (
        f"{e.mark.label} hit {e.during.name} on day {d0} ({e.mark.start:%d %b}): its {label} "
        f"went from {e.before.text} on days {b0}-{b1} to {e.during.text} on days {d0}-{d1}"
    )
    if e.before.value is not None and e.during.value is not None:
        text += f" ({gap_text(e.metric, e.during.value, e.before.value)})"
        text += "; " + evidence(e.before, e.during).replace("this history", "these days")
    for control in e.controls:
        text += f"; over the same days {control.name} had {control.text}"
    return text + "."
