"""`manage.py calibrate [--format markdown|json]`: every preset's outcomes against its sources.

docs/calibration.md is this command's Markdown output.
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError, CommandParser

from stores.calibration import DAYS, SEEDS, calibrate, markdown
from stores.presets import PRESETS


class Command(BaseCommand):
    help = "Simulate every preset and compare its outcomes with the ranges its sources cite."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", default="markdown", choices=("markdown", "json"))
        parser.add_argument("--presets", default="", help="Comma-separated preset keys.")

    def handle(self, *args, **options) -> None:
        keys = tuple(k.strip() for k in options["presets"].split(",") if k.strip())
        unknown = [k for k in keys if k not in PRESETS]
        if unknown:
            raise CommandError(
                f"Unknown preset(s): {', '.join(unknown)}; choose from {', '.join(PRESETS)}."
            )
        reports = calibrate(keys or None)
        if options["format"] == "markdown":
            self.stdout.write(markdown(reports, seeds=SEEDS, days=DAYS))
            return
        payload = {
            "seeds": list(SEEDS),
            "days": DAYS,
            "presets": [
                {
                    "key": r.key,
                    "outcomes": {
                        row.outcome.key: {
                            "mean": row.mean,
                            "per_seed": row.values,
                            "low": row.target.low if row.target else None,
                            "high": row.target.high if row.target else None,
                            "within": row.within,
                            "source": row.target.source if row.target else row.not_judged,
                        }
                        for row in r.rows
                    },
                }
                for r in reports
            ],
        }
        self.stdout.write(json.dumps(payload, indent=2))
