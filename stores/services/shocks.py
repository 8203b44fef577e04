"""Shocks applied to stores: recorded with a run (or with a store's live traffic), and read back
as the schedule the engine applies.

The rows are the one record of what a run simulated: the chunk writer builds each store's
schedule from them (`schedule_for`), so a retried or resumed chunk writes the same rows, and a
debrief can list every shock with its dates.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction

from ..models import AppliedShock, ChunkStatus, SimulationRun, Store
from ..shocks import check_window, get_shock
from ..simulation.shocks import Schedule

USUAL = "usual"  # a request's days: the shock's usual duration


@dataclass(frozen=True)
class ShockRequest:
    """Apply shock `name` to `store` from `start_day` (counted from the run's first day) for
    `days` days (None: open-ended; USUAL: the shock's usual duration)."""

    name: str
    store: Store
    start_day: int
    days: int | None | str = USUAL

    def resolved_days(self) -> int | None:
        return get_shock(self.name).days if self.days == USUAL else self.days


def check_requests(
    requests: Iterable[ShockRequest], run_days: int, stores: Iterable[Store]
) -> None:
    """Refuse an unknown shock, a store outside the run, or a day outside it (ValueError)."""
    slugs = {s.slug for s in stores}
    for request in requests:
        get_shock(request.name)
        if request.store.slug not in slugs:
            raise ValueError(f"Store {request.store.slug!r} is not among the run's stores.")
        check_window(request.start_day, request.resolved_days(), run_days)


def record_run_shocks(run: SimulationRun, requests: Iterable[ShockRequest]) -> list[AppliedShock]:
    """Record shocks with a run that has not started writing (create_run calls this)."""
    requests = list(requests)
    if not requests:
        return []
    check_requests(requests, run.days, run.stores.all())
    if run.chunks.filter(status=ChunkStatus.DONE).exists():
        raise ValueError(f"Run #{run.pk} has written chunks already: start a new run instead.")
    return _record(
        (r.name, r.store, run.start_date + timedelta(days=r.start_day), r.resolved_days(), run)
        for r in requests
    )


@transaction.atomic
def apply_live_shock(
    name: str, stores: Iterable[Store], *, start_date: date, days: int | None | str = USUAL
) -> list[AppliedShock]:
    """Apply a shock to stores' live traffic from `start_date` (live mode reads it from its
    next beat; what a store already revealed today stays as it was)."""
    shock = get_shock(name)
    days = shock.days if days == USUAL else days
    check_window(0, days)
    return _record((name, store, start_date, days, None) for store in stores)


def _record(rows) -> list[AppliedShock]:
    created = []
    for name, store, start, days, run in rows:
        shock = get_shock(name)
        created.append(
            AppliedShock(
                store=store,
                run=run,
                name=name,
                label=shock.label,
                start_date=start,
                days=days,
                changes=[c.as_dict() for c in shock.changes],
            )
        )
    return AppliedShock.objects.bulk_create(created)


def schedule_for(store_id: int, run_id: int | None) -> Schedule:
    """A store's recorded shocks in a run (run_id None: its live traffic), in the order they
    were applied."""
    rows = AppliedShock.objects.filter(store_id=store_id, run_id=run_id).order_by("pk")
    return Schedule(tuple(c for row in rows for c in row.as_changes()))


def live_schedules(store_ids: Iterable[int]) -> dict[int, Schedule]:
    """schedule_for(store, None) of several stores in one query."""
    by_store: dict[int, list] = {}
    rows = AppliedShock.objects.filter(store_id__in=list(store_ids), run__isnull=True)
    for row in rows.order_by("pk"):
        by_store.setdefault(row.store_id, []).extend(row.as_changes())
    return {store_id: Schedule(tuple(changes)) for store_id, changes in by_store.items()}
