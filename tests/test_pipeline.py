"""The real pipeline: runs fanned out to real Celery workers over a real Redis.

A worker runs in a thread of this process (celery.contrib.testing) or, for the crash test, as a
`celery worker` subprocess that is killed with SIGKILL mid-run. Both share the test database (a
file for SQLite, a server database for PostgreSQL), so the tests use committed transactions.
"""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.db.models import Count
from django.utils import timezone

from sandbox.celery import app
from stores import services
from stores.management.commands.simulate import Command as SimulateCommand
from stores.models import ChunkStatus, Order, RunStatus, SimulationRun
from stores.tasks import simulate_chunk

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

START = date(2025, 1, 6)  # long past: every cohort is mature, so rows do not depend on "now"
BASE_DIR = Path(settings.BASE_DIR)
KEY = ("store_id", "placed_at", "channel", "payment_method", "status", "gross_sales", "refund",
       "goods_cost", "cod_fee", "planned_outcome")  # fmt: skip


@pytest.fixture
def thread_worker(clean_queue):
    with start_worker(
        app, pool="solo", concurrency=1, perform_ping_check=False, shutdown_timeout=30
    ):
        yield


@pytest.fixture
def stores(make_store):
    return [make_store("cod"), make_store("pod"), make_store("single_product")]


def wait_for(run: SimulationRun, condition, timeout: float = 90.0) -> SimulationRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if condition(run):
            return run
        time.sleep(0.05)
    raise AssertionError(
        f"Run #{run.pk} stuck at {run.chunks_done}/{run.chunks_total} ({run.status})."
    )


def finished(run: SimulationRun) -> bool:
    return run.status not in (RunStatus.PENDING, RunStatus.RUNNING)


def rows(run: SimulationRun) -> list[tuple]:
    return list(Order.objects.filter(run=run).order_by("placed_at", "number").values_list(*KEY))


def reference_rows(stores, **run_args) -> list[tuple]:
    """What one uninterrupted run of the same configuration writes, in this process."""
    run = services.create_run(stores=stores, start_date=START, **run_args)
    services.run_in_process(run)
    return rows(run)


def assert_no_duplicates(run: SimulationRun) -> None:
    dupes = Order.objects.filter(run=run).values("number").annotate(n=Count("id")).filter(n__gt=1)
    assert not dupes.exists()
    run.refresh_from_db()
    assert run.chunks_done == run.chunks_total
    assert Order.objects.filter(run=run).count() == sum(c.orders_written for c in run.chunks.all())


def test_a_run_fans_out_to_a_worker_and_matches_an_in_process_run(stores, thread_worker):
    run = services.create_run(days=6, seed=31, stores=stores, start_date=START, chunk_days=2)
    services.dispatch_run(run)

    run = wait_for(run, finished)

    assert run.status == RunStatus.DONE and run.progress == 1.0
    assert_no_duplicates(run)
    assert rows(run) == reference_rows(stores, days=6, seed=31, chunk_days=3)


def test_chunks_queued_twice_are_written_once(stores, thread_worker):
    run = services.create_run(days=4, seed=32, stores=stores, start_date=START, chunk_days=1)
    services.dispatch_run(run)
    for chunk in run.chunks.all():  # a duplicated delivery of every message
        simulate_chunk.delay(chunk.pk)

    wait_for(run, finished)
    services.resume_run(run.pk)  # nothing left to do: a no-op
    marker = services.create_run(days=1, seed=1, stores=stores[:1], start_date=START)
    services.dispatch_run(marker)
    wait_for(marker, finished)  # the solo worker has drained every earlier message

    assert_no_duplicates(run)
    assert rows(run) == reference_rows(stores, days=4, seed=32, chunk_days=4)


def test_a_cancelled_run_stops_writing(stores, thread_worker):
    run = services.create_run(days=4, seed=33, stores=stores, start_date=START, chunk_days=1)
    services.cancel_run(run.pk)
    for chunk in run.chunks.all():
        simulate_chunk.delay(chunk.pk)
    marker = services.create_run(days=1, seed=1, stores=stores[:1], start_date=START)
    services.dispatch_run(marker)
    wait_for(marker, finished)

    run.refresh_from_db()
    assert (run.status, run.chunks_done) == (RunStatus.CANCELLED, 0)
    assert not Order.objects.filter(run=run).exists()


def test_a_worker_killed_mid_run_is_resumed_to_the_same_rows_without_duplicates(
    stores, worker_env, clean_queue
):
    run = services.create_run(days=30, seed=34, stores=stores, start_date=START, chunk_days=1)
    log = open(settings.VAR_DIR / "killed-worker.log", "w")  # noqa: SIM115
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "sandbox", "worker", "-P", "solo",
         "-c", "1", "-l", "warning", "--without-gossip", "--without-mingle"],
        cwd=BASE_DIR, env=worker_env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        services.dispatch_run(run)
        wait_for(run, lambda r: r.chunks_done >= 3 or worker.poll() is not None, timeout=60)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
        log.close()
    run.refresh_from_db()
    assert 3 <= run.chunks_done < run.chunks_total, (
        settings.VAR_DIR / "killed-worker.log"
    ).read_text()
    assert run.status == RunStatus.RUNNING  # stalled: nobody is working on it

    with start_worker(
        app, pool="solo", concurrency=1, perform_ping_check=False, shutdown_timeout=30
    ):
        services.resume_run(run.pk)
        run = wait_for(run, finished)

    assert run.status == RunStatus.DONE
    assert_no_duplicates(run)
    assert rows(run) == reference_rows(stores, days=30, seed=34, chunk_days=30)


def start_worker_process(name: str, env: dict[str, str], *extra: str) -> subprocess.Popen:
    """A `celery worker` in a session of its own (so its whole process group can be killed),
    logging to var/<name>-worker.log."""
    log = open(settings.VAR_DIR / f"{name}-worker.log", "w")  # noqa: SIM115 - the child keeps it
    with log:
        return subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "sandbox", "worker", "-n", f"{name}@%h",
             "-l", "warning", "--without-gossip", "--without-mingle", *extra],
            cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip


def stop_worker_process(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=10)


def wait_until_answering(names: list[str], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answered = {name for reply in app.control.ping(timeout=0.5) for name in reply}
        if all(any(a.startswith(f"{n}@") for a in answered) for n in names):
            return
    raise AssertionError(f"Workers {names} did not start; see var/*-worker.log.")


def in_group(claimed_by: str, group: int) -> bool:
    """Whether the process named by RunChunk.claimed_by ("host pid N") belongs to `group`."""
    try:
        return os.getpgid(int(claimed_by.rsplit(" ", 1)[-1])) == group
    except (ValueError, ProcessLookupError):
        return False


def test_a_killed_worker_s_chunk_is_requeued_by_itself_while_another_worker_lives(
    stores, worker_env, clean_queue, tmp_path
):
    # Seconds instead of the default 45 s and 15 s, so the test does not wait a minute.
    env = {**worker_env, "CHUNK_STALE_SECONDS": "3", "RECOVERY_CHECK_SECONDS": "1"}
    survivor = start_worker_process(
        "survivor", env, "-P", "solo", "-B", "-s", str(tmp_path / "beat-schedule")
    )
    doomed = start_worker_process("doomed", env, "-P", "prefork", "-c", "1")
    try:
        wait_until_answering(["survivor", "doomed"])
        run = services.create_run(days=540, seed=35, stores=stores, start_date=START, chunk_days=60)
        services.dispatch_run(run)
        # Kill the doomed worker (its main process and its pool child) just after it claims a
        # chunk, so it dies holding one in the middle of its work.
        held = None
        deadline = time.monotonic() + 60
        while held is None and time.monotonic() < deadline and not finished(run):
            just_now = timezone.now() - timedelta(seconds=0.05)
            for chunk in run.chunks.filter(status=ChunkStatus.RUNNING, claimed_at__gte=just_now):
                if in_group(chunk.claimed_by, doomed.pid):
                    os.killpg(doomed.pid, signal.SIGKILL)
                    held = chunk
                    break
            time.sleep(0.005)
        doomed.wait(timeout=10)
        assert held is not None, "the doomed worker never claimed a chunk"
        held.refresh_from_db()
        assert held.status == ChunkStatus.RUNNING  # it died with the chunk in hand

        run = wait_for(run, finished, timeout=120)  # nobody resumes it: beat re-queues the chunk
    finally:
        if doomed.poll() is None:
            os.killpg(doomed.pid, signal.SIGKILL)
        stop_worker_process(survivor)

    assert run.status == RunStatus.DONE, (settings.VAR_DIR / "survivor-worker.log").read_text()
    held.refresh_from_db()
    assert held.status == ChunkStatus.DONE and held.attempts == 2
    assert held.claimed_by.endswith(f" pid {survivor.pid}")  # the survivor wrote it
    assert_no_duplicates(run)
    assert rows(run) == reference_rows(stores, days=540, seed=35, chunk_days=90)


def test_the_waiting_hint_names_the_workers_that_answer_instead_of_asking_for_one(
    stores, thread_worker
):
    run = services.create_run(days=4, seed=36, stores=stores, start_date=START)
    SimulationRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING)  # nothing queued

    hint = SimulateCommand(stdout=io.StringIO()).stall_hint(run)

    assert "is a worker running" not in hint and "no worker answered" not in hint
    assert re.search(r"1 worker\(s\) up \(\S+@\S+\)", hint)
    assert f"run #{run.pk} has 0 chunk(s) being written, {run.chunks_total} queued" in hint
    assert "queued again by itself after 45 s of silence" in hint
