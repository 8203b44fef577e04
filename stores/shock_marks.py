"""Where shocks fall on a chart: one read for the dashboard's daily charts, its exports and the
scenario debrief.

`shock_marks(stores, run, date_from, date_to)` lists the shocks applied to those stores in that
selection (the dashboard's `run` semantics: a run or its id = that run's shocks; "live" = the
stores' live traffic; None = both) whose days meet [date_from, date_to], in one query.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from .metrics import LIVE
from .models import AppliedShock, SimulationRun, Store


@dataclass(frozen=True)
class ShockMark:
    """One shock on one store: a line at `start`, a band to `end` (the last day it applies to,
    inclusive; None: open-ended), and its label."""

    store_slug: str
    start: date
    end: date | None
    label: str
    name: str = ""  # the shock's name in the library
    changes: str = ""  # what changed: "delivery_days + 7"
    run_id: int | None = None

    def covers(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)

    def as_dict(self) -> dict[str, Any]:
        """Plain values (ISO dates) for JSON and CSV exports."""
        values = asdict(self)
        values["start"] = self.start.isoformat()
        values["end"] = self.end.isoformat() if self.end else None
        return values


def shock_marks(
    stores: Iterable[Store | int],
    run: SimulationRun | int | str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> list[ShockMark]:
    """The shocks of `stores` in the selection, ordered by start day and store."""
    ids = [s.pk if isinstance(s, Store) else int(s) for s in stores]
    rows = AppliedShock.objects.filter(store_id__in=ids).select_related("store")
    if run == LIVE:
        rows = rows.filter(run__isnull=True)
    elif run is not None:
        rows = rows.filter(run_id=run.pk if isinstance(run, SimulationRun) else int(run))
    if date_to:
        rows = rows.filter(start_date__lte=date_to)
    marks = [
        ShockMark(
            store_slug=row.store.slug,
            start=row.start_date,
            end=row.end_date,
            label=row.label,
            name=row.name,
            changes=row.changes_text(),
            run_id=row.run_id,
        )
        for row in rows.order_by("start_date", "store__slug", "pk")
    ]
    # The end is computed (start + days - 1), so the lower bound is checked here.
    return [m for m in marks if not date_from or m.end is None or m.end >= date_from]
