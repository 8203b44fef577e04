"""Thin Celery adapters: ids in, a service call, retries. Business rules live in services."""

from __future__ import annotations

from celery import Task, shared_task
from django.db import IntegrityError, InterfaceError, OperationalError

from . import services

# Transient database trouble (a locked SQLite file, a dropped connection) and the IntegrityError
# a racing duplicate of the same chunk gets: retry, and the retry finds the chunk done.
RETRY_ON = (OperationalError, InterfaceError, IntegrityError)


class ChunkTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:
        # Called once retries are exhausted (not on each retry): the run shows why it stopped.
        services.runs.fail_run(args[0], f"chunk {args[0]}: {exc!r}")


@shared_task(
    base=ChunkTask,
    acks_late=True,
    autoretry_for=RETRY_ON,
    retry_backoff=1,
    retry_backoff_max=30,
    retry_jitter=True,
    max_retries=8,
)
def simulate_chunk(chunk_id: int) -> str:
    """Write one store x span-of-days chunk of a simulation run (idempotent)."""
    return services.write_chunk(chunk_id)


@shared_task(autoretry_for=RETRY_ON, retry_backoff=1, max_retries=3)
def requeue_stalled_chunks() -> list[int]:
    """Celery beat, every RECOVERY_CHECK_SECONDS: queue again the chunks of running runs whose
    worker went silent (died) or whose message was lost. Returns their ids."""
    return services.requeue_stalled_chunks()


class ExperimentChunkTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:
        services.experiments.fail_experiment(args[0], f"chunk {args[0]}: {exc!r}")


@shared_task(
    base=ExperimentChunkTask,
    acks_late=True,
    autoretry_for=RETRY_ON,
    retry_backoff=1,
    retry_backoff_max=30,
    retry_jitter=True,
    max_retries=8,
)
def simulate_experiment_chunk(chunk_id: int) -> str:
    """Simulate one chunk of an experiment and keep its daily figures (idempotent)."""
    return services.experiments.write_experiment_chunk(chunk_id)


@shared_task(acks_late=True, autoretry_for=RETRY_ON, retry_backoff=1, max_retries=3)
def live_tick() -> dict:
    """Celery beat, every LIVE_TICK_SECONDS: traffic and orders "now" for live stores, and
    every order's lifecycle moved along as its dates pass."""
    return services.live_tick().as_dict()


@shared_task(acks_late=True, autoretry_for=RETRY_ON, retry_backoff=1, max_retries=3)
def classroom_tick() -> dict:
    """Celery beat, every LIVE_TICK_SECONDS: each running training session's stores brought up
    to its clock (traffic, orders, and their lifecycle)."""
    return {str(k): v for k, v in services.classroom.tick_sessions().items()}


@shared_task(
    acks_late=True, autoretry_for=RETRY_ON, retry_backoff=1, retry_backoff_max=30, max_retries=8
)
def simulate_round(round_id: int) -> int:
    """Write a closing round's days (idempotent: the stores' cursors skip what is written)."""
    return services.classroom.simulate_round(round_id).number
