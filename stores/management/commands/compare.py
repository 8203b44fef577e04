"""Print the stores' figures side by side: `manage.py compare [--stores a,b] [--format json]`.

The same filters and definitions as the dashboard (stores.forms_dashboard, stores.metrics).
"""

from __future__ import annotations

import csv
import json
import textwrap
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from stores import metrics, services
from stores.formatting import chance, difference, metric_value, money, pct
from stores.forms_dashboard import DashboardFilterForm
from stores.shock_marks import shock_marks

FORMATS = ("table", "csv", "json")


class Command(BaseCommand):
    help = "Print per-store figures (sessions, conversion, AOV, net sales, margins, ...)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--stores", default="", help="Comma-separated store slugs.")
        parser.add_argument("--format", default="table", choices=FORMATS)
        parser.add_argument("--from", dest="date_from", default="", help="First day, YYYY-MM-DD.")
        parser.add_argument("--to", dest="date_to", default="", help="Last day, YYYY-MM-DD.")
        parser.add_argument("--channel", default="", help="One acquisition channel.")
        parser.add_argument("--market", default="", help="Only stores selling in this market.")
        parser.add_argument("--source", default="", help="synthetic or shopper (default both).")
        parser.add_argument(
            "--run",
            default="",
            help="Run number, 'live' (outside runs) or 'all' (default: latest).",
        )
        parser.add_argument("--baseline", default="", help="Store slug to compare against.")

    def handle(self, *args: Any, **options: Any) -> None:
        slugs = [s.strip() for s in options["stores"].split(",") if s.strip()]
        form = DashboardFilterForm(
            {
                "stores": slugs,
                "date_from": options["date_from"],
                "date_to": options["date_to"],
                "channel": options["channel"],
                "market": options["market"],
                "source": options["source"],
                "run": options["run"],
                "baseline": options["baseline"],
            }
        )
        if not form.is_valid():
            raise CommandError(form.error_text())
        stores = form.cleaned_data["store_list"]
        if not stores and form.all_stores:
            # Stores exist: the selection left them all out, and seed_demo would not help.
            raise CommandError(
                " ".join(
                    [
                        "No store matches the selection (--stores, --market and the run's stores).",
                        *form.notices,  # e.g. "Run #3 did not simulate Glow Theory: left out."
                    ]
                )
            )
        if not stores:
            raise CommandError("No store matches: create some with `manage.py seed_demo`.")
        services.ensure_run_summary(form.cleaned_data.get("run"))
        comparison = metrics.compare_stores(stores, **form.selection())
        data = form.cleaned_data
        marks = shock_marks(stores, data.get("run"), data.get("date_from"), data.get("date_to"))
        records = metrics.comparison_records(comparison, marks)
        if options["format"] == "json":
            shocks = [m.as_dict() for m in marks]
            self.stdout.write(json.dumps({"stores": records, "shocks": shocks}, indent=2))
        elif options["format"] == "csv":
            writer = csv.DictWriter(self.stdout, fieldnames=list(records[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows(records)
        else:
            self.stdout.write(render_table(comparison))


def render_table(comparison: metrics.Comparison) -> str:
    """A plain-text table in three blocks of one line per store (traffic and conversion; sales
    and margins; profit and cash), each narrow enough for a 100-column terminal: one line of
    sixteen figures was 170 columns wide and wrapped into a jumble. Rates with their 95%
    interval; the cash columns as the dashboard shows them."""
    cells = {(c.slug, r.metric.key): c for r in comparison.table for c in r.cells}
    traffic = [["store", "model", "sessions", "orders", "conversion (95% CI)"]]
    if comparison.baseline:
        traffic[0] += ["conv. vs base", "P(beat)"]
    sales = [
        ["store", "AOV", "net sales", "returns", "COD refusal", "gross profit", "platform fees"]
    ]
    cash = [["store", "contribution", "ad spend", "cash low", "low on", "runway"]]
    for row in comparison.rows:
        conv = cells[(row.slug, "conversion_rate")]
        ci = f" ({pct(conv.interval.low)}-{pct(conv.interval.high)})" if conv.interval else ""
        line = [
            row.slug,
            row.model,
            f"{row.sessions:,}",
            f"{row.orders:,}",
            pct(row.conversion_rate) + ci,
        ]
        if comparison.baseline:
            if conv.is_baseline:
                line += ["baseline", ""]
            elif not conv.enough_data:
                line += ["no data yet", ""]
            else:
                line += [difference(conv.difference, "points"), chance(conv.chance_to_beat)]
        traffic.append(line)
        sales.append(
            [
                row.slug,
                money(row.aov),
                money(row.net_sales),
                pct(row.returns_rate) + ("*" if row.returns_provisional else ""),
                pct(row.cod_refusal_rate) + ("*" if row.cod_refusal_provisional else ""),
                money(row.gross_profit),
                money(row.platform_fees),
            ]
        )
        cash.append([row.slug, money(row.contribution), money(row.ad_spend), *cash_cells(row)])
    text = []
    for block, left in ((traffic, 2), (sales, 1), (cash, 1)):
        text += _aligned(block, left) + [""]
    note = (
        f"Returns, refusals: mature cohorts (placed before the return window closed) as of "
        f"{comparison.as_of:%Y-%m-%d %H:%M %Z}; * = provisional (no mature cohort yet). Cash low: "
        "the lowest daily balance, from the store's starting capital; runway: months the last "
        "balance lasts at the last 30 days' burn. Money in store currency."
    )
    text += textwrap.wrap(note, 100)
    return "\n".join(text)


def cash_cells(row: metrics.StoreFigures) -> list[str]:
    """Cash low, its day and the runway, as the dashboard's store card reads them: nothing
    without a cash timeline; "not burning" where cash did not fall (the runway is None)."""
    if row.cash is None or not row.cash.day_count:
        return [money(None), "", money(None)]
    runway = row.note("runway_months") or metric_value(row.runway_months, "months")
    return [money(row.cash_low), row.cash_low_date.isoformat(), runway]


def _aligned(lines: list[list[str]], left: int) -> list[str]:
    """Columns padded to their widest cell; the first `left` columns (names) to the left."""
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))]
    return [
        "  ".join(
            v.ljust(w) if i < left else v.rjust(w)
            for i, (v, w) in enumerate(zip(line, widths, strict=True))
        ).rstrip()
        for line in lines
    ]
