"""The comparison table: a cell per store x metric, with its interval and the difference from
the baseline in the metric's own unit (stores/stats.py does the arithmetic):

- rates and margins differ in percentage points: Newcombe's interval for two rates, a Beta
  chance to beat the baseline, a two-proportion z test;
- money differs by an amount; money per order or session with a delta-method interval over
  days (each day a cluster), and per session also in percent when the baseline is clearly
  above zero;
- counts differ in percent, never against a baseline near zero; days and multiples by amount.

Benjamini-Hochberg adjusts the p-values of every comparison on the page.
"""

from __future__ import annotations

from .. import stats
from .definitions import METRICS, MetricDef
from .figures import Cell, MetricRow, StoreFigures

# A count below this on the baseline is too near zero for a percentage to mean anything.
MIN_BASE_COUNT = 10


def build_table(rows: list[StoreFigures], baseline: StoreFigures | None) -> list[MetricRow]:
    """One MetricRow per metric, a Cell per store; q-values across every comparison made."""
    table = [MetricRow(m, [_cell(m, row, baseline) for row in rows]) for m in METRICS]
    tested = [c for r in table for c in r.cells if c.p_value is not None]
    for cell, q in zip(tested, stats.benjamini_hochberg([c.p_value for c in tested]), strict=True):
        cell.q_value = q
    return table


def _cell(metric: MetricDef, row: StoreFigures, base: StoreFigures | None) -> Cell:
    value = row.value(metric.key)
    cell = Cell(
        slug=row.slug,
        value=value,
        is_baseline=base is not None and row.slug == base.slug,
        provisional=row.provisional(metric.key),
        higher_is_better=metric.higher_is_better,
        unit=metric.difference_unit,
        note=row.note(metric.key),
    )
    compare = base is not None and not cell.is_baseline
    base_value = base.value(metric.key) if compare else None
    if metric.kind == "rate":
        _rate_cell(cell, metric, row, base if compare else None)
    elif metric.kind == "money_ratio":
        _money_ratio_cell(cell, metric, row, base if compare else None)
    elif compare and value is not None and base_value is not None:
        cell.difference = float(value) - float(base_value)
        if metric.kind == "count" and base_value >= MIN_BASE_COUNT:
            cell.relative = float(value) / float(base_value) - 1
    return cell


def _rate_cell(cell: Cell, metric: MetricDef, row: StoreFigures, base) -> None:
    n, d = getattr(row, metric.numerator), getattr(row, metric.denominator)
    cell.interval = stats.wilson(n, d)
    cell.enough_data = d >= stats.MIN_SAMPLE
    if base is None:
        return
    bn, bd = getattr(base, metric.numerator), getattr(base, metric.denominator)
    cell.comparable = cell.enough_data and bd >= stats.MIN_SAMPLE
    if not cell.comparable:
        return
    diff = stats.difference_of_rates(n, d, bn, bd)
    cell.difference, cell.difference_interval, cell.p_value = (
        diff.value,
        diff.interval,
        diff.p_value,
    )
    lower_better = metric.higher_is_better is False
    cell.chance_to_beat = stats.chance_to_beat(n, d, bn, bd, lower_is_better=lower_better)


def _money_ratio_cell(cell: Cell, metric: MetricDef, row: StoreFigures, base) -> None:
    est = row.estimate(metric.key)
    denom = row.orders if metric.key == "aov" else row.sessions
    cell.enough_data = est is not None and denom >= stats.MIN_SAMPLE
    cell.interval = est.interval if est else None
    if base is None:
        return
    base_est = base.estimate(metric.key)
    base_denom = base.orders if metric.key == "aov" else base.sessions
    cell.comparable = cell.enough_data and base_est is not None and base_denom >= stats.MIN_SAMPLE
    if not cell.comparable:
        return
    diff = stats.difference_of_estimates(est, base_est)
    cell.difference, cell.difference_interval, cell.p_value = (
        diff.value,
        diff.interval,
        diff.p_value,
    )
    chance = stats.chance_to_beat_estimate(est, base_est)
    cell.chance_to_beat = 1 - chance if metric.higher_is_better is False else chance
    # In percent only against a baseline clearly above zero (its whole interval).
    if metric.relative_too and base_est.interval.low > 0:
        rel = stats.relative_difference_of_estimates(est, base_est)
        if rel:
            cell.relative, cell.relative_interval, _ = rel
