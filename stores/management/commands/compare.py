"""Print the stores' figures side by side: `manage.py compare [--stores a,b] [--format json]`.

The same filters and definitions as the dashboard (stores.forms_dashboard, stores.metrics).
"""

from __future__ import annotations

import csv
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from stores import metrics, services
from stores.formatting import chance, difference, money, pct
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
    """A plain-text table, one line per store; rates with their 95% interval."""
    cells = {(c.slug, r.metric.key): c for r in comparison.table for c in r.cells}
    headers = ["store", "model", "sessions", "orders", "conversion (95% CI)", "AOV",
               "net sales", "returns", "COD refusal", "gross profit", "platform fees",
               "contribution", "ad spend"]  # fmt: skip
    if comparison.baseline:
        headers += ["conv. vs base (pp)", "P(beat)"]
    lines = [headers]
    for row in comparison.rows:
        conv = cells[(row.slug, "conversion_rate")]
        ci = f" ({pct(conv.interval.low)}-{pct(conv.interval.high)})" if conv.interval else ""
        line = [
            row.slug,
            row.model,
            f"{row.sessions:,}",
            f"{row.orders:,}",
            pct(row.conversion_rate) + ci,
            money(row.aov),
            money(row.net_sales),
            pct(row.returns_rate) + ("*" if row.returns_provisional else ""),
            pct(row.cod_refusal_rate) + ("*" if row.cod_refusal_provisional else ""),
            money(row.gross_profit),
            money(row.platform_fees),
            money(row.contribution),
            money(row.ad_spend),
        ]
        if comparison.baseline:
            if conv.is_baseline:
                line += ["baseline", ""]
            elif not conv.enough_data:
                line += ["not enough data", ""]
            else:
                line += [
                    difference(conv.difference, "points"),
                    chance(conv.chance_to_beat),
                ]
        lines.append(line)
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(headers))]
    text = [
        "  ".join(
            str(v).ljust(w) if i < 2 else str(v).rjust(w)
            for i, (v, w) in enumerate(zip(line, widths, strict=True))
        )
        for line in lines
    ]
    text.append(
        f"Returns, refusals: mature cohorts (placed before the return window closed) as of "
        f"{comparison.as_of:%Y-%m-%d %H:%M %Z}; * = provisional (no mature cohort yet). Money in store currency."
    )
    return "\n".join(text)
