"""The comparison table: a cell per store x metric, with its interval and the test against the
baseline (Wilson intervals and Beta chance to beat for rates, delta-method ratios for money per
session or order, Benjamini-Hochberg across every comparison on the page). See stores/stats.py.
"""

from __future__ import annotations

from .. import stats
from .definitions import METRICS, MetricDef
from .figures import Cell, MetricRow, StoreFigures


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
    )
    lower_better = metric.higher_is_better is False
    if metric.kind == "rate":
        n, d = getattr(row, metric.numerator), getattr(row, metric.denominator)
        cell.interval = stats.wilson(n, d)
        cell.enough_data = d >= stats.MIN_SAMPLE
        if base is None or cell.is_baseline:
            return cell
        bn, bd = getattr(base, metric.numerator), getattr(base, metric.denominator)
        cell.enough_data = cell.enough_data and bd >= stats.MIN_SAMPLE
        if not cell.enough_data:
            return cell
        rel = stats.relative_difference(n, d, bn, bd)
        if rel:
            cell.relative, cell.relative_interval, cell.p_value = rel
        cell.chance_to_beat = stats.chance_to_beat(n, d, bn, bd, lower_is_better=lower_better)
    elif metric.kind == "money_ratio":
        est = row.estimate(metric.key)
        denom = row.orders if metric.key == "aov" else row.sessions
        cell.enough_data = est is not None and denom >= stats.MIN_SAMPLE
        cell.interval = est.interval if est else None
        if base is None or cell.is_baseline:
            return cell
        base_est = base.estimate(metric.key)
        base_denom = base.orders if metric.key == "aov" else base.sessions
        cell.enough_data = cell.enough_data and base_est is not None
        cell.enough_data = cell.enough_data and base_denom >= stats.MIN_SAMPLE
        if not cell.enough_data:
            return cell
        rel = stats.relative_difference_of_estimates(est, base_est)
        if rel:
            cell.relative, cell.relative_interval, cell.p_value = rel
        else:
            cell.relative = _relative(value, base.value(metric.key))
        chance = stats.chance_to_beat_estimate(est, base_est)
        cell.chance_to_beat = 1 - chance if lower_better else chance
    elif base is not None and not cell.is_baseline:
        cell.relative = _relative(value, base.value(metric.key))
    return cell


def _relative(value, base_value) -> float | None:
    if value is None or base_value is None or not base_value or base_value < 0:
        return None
    return float(value) / float(base_value) - 1
