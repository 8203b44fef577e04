"""`manage.py cohorts STORE [--run N|live|all] [--from --to] [--format table|csv|json]`: a store's
retention by first-order month (stores.metrics.cohorts), under the dashboard's filters.
"""

from __future__ import annotations

import csv
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from stores.formatting import money, pct
from stores.forms_dashboard import DashboardFilterForm
from stores.metrics.cohorts import COHORT_KEYS, cohort_records, store_cohorts
from stores.models import SimulationRun

FORMATS = ("table", "csv", "json")


class Command(BaseCommand):
    help = "Print a store's cohorts by first-order month: customers, repeat rate, orders per "
    help += "customer, lifetime contribution per customer against the month's paid CAC."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("store", help="The store's slug.")
        parser.add_argument("--format", default="table", choices=FORMATS)
        parser.add_argument("--from", dest="date_from", default="", help="First day, YYYY-MM-DD.")
        parser.add_argument("--to", dest="date_to", default="", help="Last day, YYYY-MM-DD.")
        parser.add_argument(
            "--run",
            default="",
            help="Run number, 'live' (outside runs) or 'all' (default: latest).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        slug = options["store"].strip()
        form = DashboardFilterForm(
            {
                "stores": [slug],
                "date_from": options["date_from"],
                "date_to": options["date_to"],
                "run": options["run"],
            }
        )
        if not form.is_valid():
            raise CommandError(form.error_text())
        stores = [s for s in form.cleaned_data["store_list"] if s.slug == slug]
        data = form.cleaned_data
        if not stores and isinstance(data.get("run"), SimulationRun):
            # The store exists; the run read (by default the latest) did not simulate it. This
            # said "No store with the slug" after any scenario or one-store simulate.
            raise CommandError(
                f"Run #{data['run'].pk} did not simulate {slug}: choose a run that did "
                "(--run N) or every row (--run all)."
            )
        if not stores:
            raise CommandError(f"No store with the slug {slug!r}.")
        cohorts = store_cohorts(
            stores[0], run=data.get("run"), date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )  # fmt: skip
        records = cohort_records(cohorts)
        if options["format"] == "json":
            self.stdout.write(json.dumps({"store": slug, "cohorts": records}, indent=2))
        elif options["format"] == "csv":
            writer = csv.DictWriter(self.stdout, fieldnames=list(COHORT_KEYS), lineterminator="\n")
            writer.writeheader()
            writer.writerows(records)
        else:
            self.stdout.write(render_table(cohorts))


def render_table(cohorts) -> str:
    headers = ["first order", "customers", "repeat rate", "orders/customer",
               "contribution/customer", "paid CAC", "contribution/CAC"]  # fmt: skip
    lines = [headers]
    for c in cohorts:
        ratio = c.contribution_to_cac
        lines.append([
            c.month.strftime("%Y-%m"),
            f"{c.customers:,}",
            pct(c.repeat_rate),
            f"{c.orders_per_customer:.2f}" if c.orders_per_customer is not None else "-",
            money(c.contribution_per_customer),
            money(c.paid_cac),
            f"{ratio:.2f}x" if ratio is not None else "-",
        ])  # fmt: skip
    if len(lines) == 1:
        return "No customers in this selection."
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(headers))]
    text = [
        "  ".join(str(v).ljust(w) if i == 0 else str(v).rjust(w) for i, (v, w) in
                  enumerate(zip(line, widths, strict=True)))
        for line in lines
    ]  # fmt: skip
    text.append(
        "A cohort is the customers whose first order fell in that month; their later orders count "
        "for it. Contribution: the ledger's, before ad spend. Paid CAC: that month's."
    )
    return "\n".join(text)
