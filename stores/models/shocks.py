"""Shocks applied to stores, and scenarios started for a class: what explains a run afterwards.

A shock applied to a run is recorded with it (AppliedShock with its run): the chunk writer builds
the store's schedule from these rows, so a resumed or retried chunk simulates exactly what the
first attempt did, and a debrief can say what happened when. A shock applied to a store's live
traffic has no run.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import models
from django.utils import timezone

from ..simulation.shocks import Change
from .runs import SimulationRun
from .stores import Store


class AppliedShock(models.Model):
    """A shock of the library applied to one store from a day, for a number of days or
    open-ended: in a simulation run, or (no run) to the store's live traffic."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="shocks")
    run = models.ForeignKey(
        SimulationRun,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="shocks",
        help_text="Empty: the store's live traffic.",
    )
    name = models.CharField(max_length=40, help_text="The shock's name in the library.")
    label = models.CharField(max_length=120)
    start_date = models.DateField(help_text="The first day it applies to.")
    days = models.PositiveIntegerField(null=True, blank=True, help_text="Empty: open-ended.")
    changes = models.JSONField(
        help_text="The parameter changes as applied: [{parameter, operation, value}, ...]."
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["start_date", "pk"]
        indexes = [models.Index(fields=["run", "store"], name="shock_run_store")]

    def __str__(self) -> str:
        return f"{self.label} on {self.store} from {self.start_date}"

    @property
    def end_date(self) -> date | None:
        """The last day it applies to (None: open-ended)."""
        return None if self.days is None else self.start_date + timedelta(days=self.days - 1)

    @property
    def start_day(self) -> int | None:
        """Days from the run's first day (None for live traffic)."""
        return (self.start_date - self.run.start_date).days if self.run_id else None

    def as_changes(self) -> tuple[Change, ...]:
        return tuple(
            Change(c["parameter"], c["operation"], c["value"], self.start_date, self.days)
            for c in self.changes
        )

    def changes_text(self) -> str:
        return "; ".join(change.describe() for change in self.as_changes())


class ScenarioRun(models.Model):
    """A scenario of the library (stores/scenarios.py) started for a class: its own stores
    (named with its prefix), its simulation run and its debrief. Removing it removes those and
    nothing else."""

    scenario = models.CharField(max_length=40, help_text="The scenario's name in the library.")
    prefix = models.CharField(
        max_length=30, help_text="Starts its stores' names and slugs, so classes run side by side."
    )
    seed = models.PositiveBigIntegerField()
    run = models.OneToOneField(
        SimulationRun,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="scenario_run",
    )
    stores = models.ManyToManyField(Store, related_name="scenario_runs")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.prefix}: {self.scenario} (seed {self.seed})"
