"""Reads: every dashboard figure, computed from the DailyFunnel rollup (never by scanning orders).

- definitions: what each figure means (METRICS), the waterfall's steps, lagged outcomes and when
  a cohort is mature;
- figures: per store totals and the formulas read from them (money through the ledger);
- queries: the selection, `compare_stores`, the channel breakdown and the drill-down;
- table: cells with intervals and the test against the baseline;
- exports: flat records for CSV, JSON and `manage.py compare`.
"""

from .definitions import LIVE, METRIC_BY_KEY, METRICS, WATERFALL_STEPS, MetricDef, mature_through
from .exports import DAILY_KEYS, RECORD_KEYS, comparison_records, daily_records, plain
from .figures import Cell, Comparison, DailyPoint, DailySeries, MetricRow, StoreFigures
from .queries import (
    SERIES_DAYS_MAX,
    as_of_for,
    channel_breakdown,
    compare_stores,
    funnel_rows,
    hourly_orders,
    resolve_run,
    store_orders,
)
from .table import build_table

__all__ = [
    "DAILY_KEYS",
    "LIVE",
    "METRICS",
    "METRIC_BY_KEY",
    "RECORD_KEYS",
    "SERIES_DAYS_MAX",
    "WATERFALL_STEPS",
    "Cell",
    "Comparison",
    "DailyPoint",
    "DailySeries",
    "MetricDef",
    "MetricRow",
    "StoreFigures",
    "as_of_for",
    "build_table",
    "channel_breakdown",
    "compare_stores",
    "comparison_records",
    "daily_records",
    "funnel_rows",
    "hourly_orders",
    "mature_through",
    "plain",
    "resolve_run",
    "store_orders",
]
