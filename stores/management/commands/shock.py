"""`manage.py shock list [--format json]`: the shock library (name, what it changes, by how
much, its usual duration, the event it mimics and its source).

`manage.py shock live NAME --stores a,b [--start-day N] [--days D | --open]` applies one to the
stores' live traffic from N days after today. In a simulation run, shocks are applied with
`simulate --shock NAME:STORE_SLUG:START_DAY[:DAYS]`.
"""

from __future__ import annotations

import json
from datetime import UTC, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from stores.forms_scenarios import LIVE, ApplyShockForm
from stores.models import Store
from stores.services.shocks import apply_live_shock
from stores.shocks import SHOCKS


class Command(BaseCommand):
    help = "List the shock library, or apply a shock to stores' live traffic."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        listing = actions.add_parser("list", help="The shocks: what each changes and why.")
        listing.add_argument("--format", default="table", choices=("table", "json"))
        live = actions.add_parser("live", help="Apply a shock to live stores from a day on.")
        live.add_argument("name", help="A shock's name (shock list).")
        live.add_argument("--stores", required=True, help="Comma-separated store slugs.")
        live.add_argument("--start-day", default="0", help="Days after today (0 = today).")
        live.add_argument("--days", default="", help="Default: the shock's usual duration.")
        live.add_argument("--open", action="store_true", help="No end.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "list":
            self._list(options["format"])
        else:
            self._live(options)

    def _list(self, output: str) -> None:
        if output == "json":
            self.stdout.write(json.dumps([s.as_dict() for s in SHOCKS.values()], indent=2))
            return
        for shock in SHOCKS.values():
            self.stdout.write(f"{shock.key}  {shock.label} ({shock.duration_text})")
            for label, text in (
                ("changes", shock.changes_text),
                ("what", shock.summary),
                ("mimics", shock.mimics),
                ("source", shock.source),
            ):
                self.stdout.write(f"  {label + ':':8} {text}")
            self.stdout.write("")

    def _live(self, options: dict[str, Any]) -> None:
        form = ApplyShockForm(
            {
                "shock": options["name"],
                "target": LIVE,
                "start_day": options["start_day"],
                "days": options["days"],
                "open_ended": options["open"],
            }
        )
        if not form.is_valid():
            raise CommandError(form.error_text())
        slugs = [s.strip() for s in options["stores"].split(",") if s.strip()]
        found = {s.slug: s for s in Store.objects.filter(slug__in=slugs)}
        unknown = [s for s in slugs if s not in found]
        if unknown or not slugs:
            raise CommandError(f"stores: unknown store(s): {', '.join(unknown) or '(none given)'}.")
        data = form.cleaned_data
        start = timezone.now().astimezone(UTC).date() + timedelta(days=data["start_day"])
        rows = apply_live_shock(
            data["shock"], [found[s] for s in slugs], start_date=start, days=data["resolved_days"]
        )
        for row in rows:
            end = row.end_date or "open-ended"
            self.stdout.write(f"{row.label} on {row.store.slug}: {row.start_date} to {end}")
