"""Recovery without a person: beat re-queues the chunks nobody holds, and only those.

The end-to-end case (a worker SIGKILLed mid-run, another finishing the run by itself) is in
test_pipeline.py; these tests pin the rules on a real broker without starting workers.
"""

from __future__ import annotations

import threading
import time
from datetime import date, timedelta
from io import StringIO

import pytest
from django.db import connection
from django.utils import timezone

from stores import services
from stores.management.commands.simulate import Command as SimulateCommand
from stores.models import ChunkStatus, RunChunk, RunStatus, SimulationRun
from stores.services import broker, runs
from stores.tasks import simulate_chunk

START = date(2025, 1, 6)


@pytest.fixture
def two_stores(make_store):
    return [make_store("cod"), make_store("pod")]


def set_chunk(chunk: RunChunk, status: str, silent_for: float | None) -> None:
    heartbeat = None if silent_for is None else timezone.now() - timedelta(seconds=silent_for)
    RunChunk.objects.filter(pk=chunk.pk).update(status=status, heartbeat_at=heartbeat)


def test_beat_requeues_a_dead_worker_s_chunk_and_a_lost_message_and_nothing_else(
    two_stores, clean_queue, settings
):
    settings.CHUNK_STALE_SECONDS = 45
    run = services.create_run(days=8, seed=1, stores=two_stores, start_date=START, chunk_days=2)
    SimulationRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING)
    dead, lost, waiting, alive, never_queued, *_ = run.chunks.order_by("pk")
    set_chunk(dead, ChunkStatus.RUNNING, silent_for=60)  # its worker died mid-chunk
    set_chunk(lost, ChunkStatus.PENDING, silent_for=60)  # its message is gone
    set_chunk(waiting, ChunkStatus.PENDING, silent_for=60)  # queued behind other work
    simulate_chunk.delay(waiting.pk)
    set_chunk(alive, ChunkStatus.RUNNING, silent_for=5)  # a worker is on it
    set_chunk(never_queued, ChunkStatus.PENDING, silent_for=None)  # "running" with nothing sent
    for chunk in run.chunks.exclude(
        pk__in=[dead.pk, lost.pk, waiting.pk, alive.pk, never_queued.pk]
    ):
        set_chunk(chunk, ChunkStatus.DONE, silent_for=600)
    cancelled = services.create_run(days=2, seed=2, stores=two_stores, start_date=START)
    services.cancel_run(cancelled.pk)
    set_chunk(cancelled.chunks.first(), ChunkStatus.RUNNING, silent_for=600)

    requeued = services.requeue_stalled_chunks()

    assert sorted(requeued) == sorted([dead.pk, lost.pk, never_queued.pk])
    assert broker.queued_chunk_ids() == {dead.pk, lost.pk, waiting.pk, never_queued.pk}
    assert services.requeue_stalled_chunks() == []  # they count as queued now


@pytest.mark.django_db(transaction=True)
def test_a_chunk_that_takes_longer_than_the_stale_threshold_is_not_taken_from_its_worker(
    two_stores, broker, settings, monkeypatch
):
    settings.CHUNK_STALE_SECONDS = 3  # the heartbeat beats every second
    simulate = runs.engine.simulate

    def slow_simulate(*args, **kwargs):
        time.sleep(4.5)  # a chunk with a lot of work, longer than the threshold
        return simulate(*args, **kwargs)

    monkeypatch.setattr(runs.engine, "simulate", slow_simulate)
    run = services.create_run(days=3, seed=3, stores=two_stores[:1], start_date=START)
    SimulationRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING)
    chunk = run.chunks.get()
    outcome = []

    def worker() -> None:
        try:
            outcome.append(runs.write_chunk(chunk.pk))
        finally:
            connection.close()

    writing = threading.Thread(target=worker)
    writing.start()
    time.sleep(3.8)  # past the threshold since the claim
    requeued_meanwhile = services.requeue_stalled_chunks()
    writing.join()

    assert requeued_meanwhile == []
    assert outcome == [runs.WRITTEN]
    chunk.refresh_from_db()
    assert chunk.status == ChunkStatus.DONE and chunk.attempts == 1
    assert chunk.claimed_by == runs.worker_name()


def test_an_in_process_run_keeps_its_chunks_from_the_workers(two_stores, clean_queue, settings):
    settings.CHUNK_STALE_SECONDS = 45
    run = services.create_run(days=6, seed=4, stores=two_stores, start_date=START, chunk_days=2)
    seen = []

    def on_progress(done: int, total: int) -> None:
        seen.append(services.requeue_stalled_chunks(now=timezone.now()))

    services.run_in_process(run, on_progress=on_progress)

    assert seen and all(requeued == [] for requeued in seen)


def test_the_waiting_hint_says_no_worker_answered_when_none_did(two_stores, clean_queue):
    run = services.start_run(days=4, seed=5, stores=two_stores, start_date=START)

    hint = SimulateCommand(stdout=StringIO()).stall_hint(run)

    assert "no worker answered: start one with `make run`" in hint
    assert f"--resume {run.pk}" in hint
