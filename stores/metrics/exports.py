"""Exports: the comparison as flat records (CSV, JSON, `manage.py compare`) with stable keys.

Rates are fractions, money decimal strings to the cent, dates ISO. RECORD_KEYS is the contract
of `compare --format json` and the CSV: scripts read these names.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from .definitions import LAGGED, METRICS, SETTLED
from .figures import Comparison

CENT = Decimal("0.01")


# Keys of a store record, in order: the contract of `manage.py compare --format json` and the CSV.
RECORD_KEYS = (
    "slug",
    "name",
    "model",
    "sessions",
    "orders",
    "conversion_rate",
    "add_to_cart_rate",
    "cart_abandonment",
    "aov",
    "gross_sales",
    "discount",
    "refund",
    "net_sales",
    "net_sales_per_session",
    "returns_rate",
    "cod_refusal_rate",
    "chargeback_rate",
    "goods_cost",
    "shipping_cost",
    "return_shipping_cost",
    "payment_fee",
    "cod_fee",
    "chargeback_fee",
    "platform_fee",
    "platform_fees",
    "ad_spend",
    "other_cost",
    "gross_profit",
    "gross_margin",
    "contribution",
    "contribution_per_session",
    "contribution_margin",
    "new_customers",
    "repeat_order_share",
    "cac",
    "roas",
    "cash_received",
    "refunds_paid",
    "cash_collected",
    "cash_lag_days",
    "cash_low",
    "cash_low_date",
    "runway_months",
)


def plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value.quantize(CENT))
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def comparison_records(comparison: Comparison, marks: Sequence[Any] = ()) -> list[dict[str, Any]]:
    """One flat dict per store: figures (rates as fractions, money as decimal strings) plus, per
    metric with statistics, `<key>_low` / `_high`; `<key>_provisional` where the figure can
    still change; and against the baseline `<key>_vs_baseline`: the difference in the metric's
    unit (`<key>_vs_baseline_unit`: "points" for rates and margins, given as a fraction;
    "money"; "days"; "times"; "percent" for counts, given as a fraction), with
    `_vs_baseline_low` / `_high`, `_vs_baseline_relative` for counts and values per session,
    `_chance_to_beat` and `_q_value` where a test applies; `shocks`: the labels of the shocks
    (stores.shock_marks.ShockMark) applied to the store in the selection, joined by "; "."""
    records = []
    cells = {(c.slug, r.metric.key): c for r in comparison.table for c in r.cells}
    for row in comparison.rows:
        record = {key: plain(row.value(key)) for key in RECORD_KEYS}
        record["baseline"] = bool(comparison.baseline and row.slug == comparison.baseline.slug)
        for outcome in LAGGED:
            record[f"{outcome.key}_mature_through"] = plain(row.mature_through.get(outcome.key))
        record["settled_through"] = plain(row.mature_through.get(SETTLED))
        record["shocks"] = _labels(m for m in marks if m.store_slug == row.slug)
        for metric in METRICS:
            cell = cells[(row.slug, metric.key)]
            if metric.kind in ("rate", "money_ratio"):
                record[f"{metric.key}_low"] = plain(cell.interval.low) if cell.interval else None
                record[f"{metric.key}_high"] = plain(cell.interval.high) if cell.interval else None
                record[f"{metric.key}_enough_data"] = cell.enough_data
            if metric.lagged or metric.settles:
                record[f"{metric.key}_provisional"] = cell.provisional
            if comparison.baseline is None:
                continue  # every record has the same keys (a CSV needs that); None on the baseline
            key = f"{metric.key}_vs_baseline"
            money = metric.difference_unit == "money"
            record[key] = plain(_money(cell.difference) if money else cell.difference)
            record[f"{key}_unit"] = metric.difference_unit
            if metric.kind in ("rate", "money_ratio"):
                di = cell.difference_interval
                low, high = (di.low, di.high) if di else (None, None)
                record[f"{key}_low"] = plain(_money(low) if money else low)
                record[f"{key}_high"] = plain(_money(high) if money else high)
                record[f"{metric.key}_chance_to_beat"] = plain(cell.chance_to_beat)
                record[f"{metric.key}_q_value"] = plain(cell.q_value)
            if metric.kind == "count" or metric.relative_too:
                record[f"{key}_relative"] = plain(cell.relative)
        records.append(record)
    return records


def _money(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(f"{value:.2f}")


DAILY_KEYS = (
    "slug",
    "date",
    "sessions",
    "converted",
    "orders",
    "conversion_rate",
    "net_sales",
    "ad_spend",
    "contribution",
    "shocks",
)


def daily_records(comparison: Comparison, marks: Sequence[Any] = ()) -> list[dict[str, Any]]:
    """One record per store and day; `shocks`: the labels of the shocks in force that day."""
    records = []
    for point in comparison.daily:
        record = {k: plain(getattr(point, k)) for k in DAILY_KEYS[:-1]}
        record["shocks"] = _labels(
            m for m in marks if m.store_slug == point.slug and m.covers(point.date)
        )
        records.append(record)
    return records


def _labels(marks: Iterable[Any]) -> str:
    return "; ".join(dict.fromkeys(m.label for m in marks))
