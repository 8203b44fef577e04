"""Simulation runs and their chunks: the units of work the Celery workers claim."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from ..choices import ChunkStatus, RunStatus
from .stores import Store


class SimulationRunQuerySet(models.QuerySet):
    def with_data(self) -> SimulationRunQuerySet:
        """Runs with at least one chunk written: the only ones the dashboard may pick by default
        (a run that never started, or ended before writing anything, would show every store at 0).
        """
        return self.filter(chunks_done__gt=0)

    def worth_listing(self) -> SimulationRunQuerySet:
        """Runs a trainer may want to pick: those with data, and those still going. Not the ones
        that ended (failed, cancelled) before writing anything: the admin keeps them."""
        return self.filter(
            models.Q(chunks_done__gt=0)
            | models.Q(status__in=[RunStatus.PENDING, RunStatus.RUNNING])
        )


class SimulationRun(models.Model):
    """A batch of simulated days for a set of stores, fanned out over Celery workers in chunks."""

    seed = models.PositiveBigIntegerField()
    start_date = models.DateField()
    days = models.PositiveIntegerField(validators=[MinValueValidator(1), MaxValueValidator(3650)])
    chunk_days = models.PositiveSmallIntegerField(default=30, validators=[MinValueValidator(1)])
    common_random_numbers = models.BooleanField(
        default=True, help_text="Every store sees the same demand stream (less noise between them)."
    )
    stores = models.ManyToManyField(Store, related_name="runs")
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.PENDING)
    chunks_total = models.PositiveIntegerField(default=0)
    chunks_done = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    summarised_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When its RunStoreDay rows were written."
    )

    objects = SimulationRunQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Run #{self.pk} ({self.days} days, seed {self.seed})"

    @property
    def progress(self) -> float:
        return self.chunks_done / self.chunks_total if self.chunks_total else 0.0

    @property
    def as_of(self) -> datetime:
        """The moment a run's rows are realised at: the end of its last day. Its figures depend
        on its seed and this date only, never on when it was written or read."""
        return end_of_span(self.start_date, self.days)


def end_of_span(start_date: date, days: int) -> datetime:
    """The end of the last of `days` days from start_date: the moment a simulated span stands at
    (a run's rows, an experiment's aggregates)."""
    return timezone.make_aware(datetime.combine(start_date + timedelta(days=days), time(0)))


class RunChunk(models.Model):
    """One store x span of days of a run: the unit of work a Celery task claims."""

    run = models.ForeignKey(SimulationRun, on_delete=models.CASCADE, related_name="chunks")
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    first_day = models.PositiveIntegerField(help_text="Day offset from the run's start date.")
    day_count = models.PositiveIntegerField()
    status = models.CharField(
        max_length=10, choices=ChunkStatus.choices, default=ChunkStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    orders_written = models.PositiveIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(
        max_length=200, blank=True, help_text="The host and process that claimed it last."
    )
    heartbeat_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="The last sign that someone holds this chunk: its message was queued, or a "
        "worker claimed it or is still working on it. Silent for CHUNK_STALE_SECONDS, it is "
        "queued again.",
    )
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["run", "store", "first_day"]
        constraints = [
            models.UniqueConstraint(fields=["run", "store", "first_day"], name="one_chunk_per_span")
        ]
