"""Simulation runs and their chunks: the units of work the Celery workers claim."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from ..choices import ChunkStatus, RunStatus
from .stores import Store


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
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["run", "store", "first_day"]
        constraints = [
            models.UniqueConstraint(fields=["run", "store", "first_day"], name="one_chunk_per_span")
        ]
