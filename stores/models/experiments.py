"""Experiments: the same stores over many seeds, or one store's parameter over a range of values.

An experiment runs the engine on the workers like a simulation run (in chunks a task claims:
ExperimentChunk) but writes no order rows: only each store's daily figures, the columns of
DailyFunnel summed over channels (ExperimentDay). The metrics read them with the same
definitions as a run's rows (stores/metrics/experiments.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from ..choices import ChunkStatus, ExperimentKind, RunStatus
from ..simulation import ledger, timeline
from .orders import FUNNEL_COUNT_FIELDS, ROLLUP_COUNT_FIELDS
from .runs import end_of_span
from .stores import Store

MAX_REPLICATIONS = 200
MAX_POINTS = 40


class Experiment(models.Model):
    """Replications (stores x K seeds) or a sweep (one store's parameter x values x K seeds)."""

    kind = models.CharField(max_length=10, choices=ExperimentKind.choices)
    seed = models.PositiveBigIntegerField(help_text="Replication r uses seed + r.")
    replications = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(MAX_REPLICATIONS)],
        help_text="Seeds per store (and per value of a sweep).",
    )
    start_date = models.DateField()
    days = models.PositiveIntegerField(validators=[MinValueValidator(1), MaxValueValidator(3650)])
    chunk_days = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    common_random_numbers = models.BooleanField(
        default=True, help_text="Every store sees the same demand stream (less noise between them)."
    )
    stores = models.ManyToManyField(Store, related_name="experiments")
    baseline = models.ForeignKey(
        Store, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    param = models.CharField(
        max_length=60, blank=True, help_text="Sweep: a store field, or channel.field."
    )
    values = models.JSONField(default=list, blank=True, help_text="Sweep: the values tried.")
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.PENDING)
    chunks_total = models.PositiveIntegerField(default=0)
    chunks_done = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        if self.kind == ExperimentKind.SWEEP:
            return f"Experiment #{self.pk}: sweep of {self.param} ({self.replications} seeds)"
        return f"Experiment #{self.pk}: {self.replications} replications"

    @property
    def is_sweep(self) -> bool:
        return self.kind == ExperimentKind.SWEEP

    @property
    def seeds(self) -> list[int]:
        return [self.seed + r for r in range(self.replications)]

    @property
    def point_count(self) -> int:
        """Sweep values, or the one configuration of a replication."""
        return len(self.values) if self.is_sweep else 1

    @property
    def progress(self) -> float:
        return self.chunks_done / self.chunks_total if self.chunks_total else 0.0

    @property
    def is_active(self) -> bool:
        return self.status in (RunStatus.PENDING, RunStatus.RUNNING)

    @property
    def as_of(self) -> datetime:
        """The end of the span's last day (a run's rows stand there)."""
        return end_of_span(self.start_date, self.days)

    def settled_as_of(self, rules: timeline.Rules) -> datetime:
        """When every order of the span has its final outcome and its money, under `rules` (a
        store's, at a sweep point): an experiment's aggregates stand there. Read at the span's
        end, a slower configuration would be flattered by the refusals, returns and
        chargebacks still to come, and a sweep's best value with it."""
        return self.as_of + timedelta(days=timeline.horizons(rules).settled + 1)


class ExperimentChunk(models.Model):
    """One store x sweep point x replication x span of days: the unit of work a task claims."""

    experiment = models.ForeignKey(Experiment, on_delete=models.CASCADE, related_name="chunks")
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    point = models.PositiveSmallIntegerField(default=0, help_text="Index into the sweep's values.")
    replication = models.PositiveSmallIntegerField()
    first_day = models.PositiveIntegerField(help_text="Day offset from the start date.")
    day_count = models.PositiveIntegerField()
    status = models.CharField(
        max_length=10, choices=ChunkStatus.choices, default=ChunkStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    orders_simulated = models.PositiveIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["experiment", "replication", "point", "store", "first_day"]
        constraints = [
            models.UniqueConstraint(
                fields=["experiment", "store", "point", "replication", "first_day"],
                name="one_experiment_chunk_per_span",
            )
        ]


# ExperimentDay's figure columns: DailyFunnel's, under the same names, summed over channels, plus
# the two sums over the paid channels the metrics read (paid CAC and ROAS). Money in whole cents.
EXPERIMENT_COUNT_FIELDS = FUNNEL_COUNT_FIELDS + ROLLUP_COUNT_FIELDS + ("paid_new_customers",)
EXPERIMENT_MONEY_FIELDS = (
    ledger.ORDER_LINES
    + ledger.DAILY_COST_LINES
    + ledger.CASH_LINES
    + ledger.REFUSED_SHIPPING_LINES
    + ("paid_net_sales",)
)


class ExperimentDay(models.Model):
    """One store x day of one replication (and sweep point): what the metrics need, no orders.

    A year of 20 stores over 20 seeds is 146,000 of these rows, where a run of the same work
    would write some 40 million orders.
    """

    experiment = models.ForeignKey(
        Experiment, on_delete=models.CASCADE, related_name="day_rows", db_index=False
    )
    point = models.PositiveSmallIntegerField(default=0)
    replication = models.PositiveSmallIntegerField()
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+", db_index=False)
    date = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["experiment", "point", "store", "replication", "date"],
                name="one_experiment_day",
            )
        ]
        indexes = [models.Index(fields=["store"], name="experiment_day_store")]

    def __str__(self) -> str:
        return f"{self.experiment_id}/{self.point}/{self.replication} {self.store_id} {self.date}"


# Declared from the lists above so that the columns cannot drift from DailyFunnel's.
for _name in EXPERIMENT_COUNT_FIELDS:
    ExperimentDay.add_to_class(_name, models.PositiveIntegerField(default=0))
for _name in EXPERIMENT_MONEY_FIELDS:
    ExperimentDay.add_to_class(_name, models.BigIntegerField(default=0, help_text="Cents."))
