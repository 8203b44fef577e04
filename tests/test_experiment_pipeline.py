"""Experiments through real Celery workers over a real Redis (the fixtures of test_pipeline)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings

from sandbox.celery import app
from stores.metrics.experiments import summarise
from stores.models import Experiment, RunStatus
from stores.services import experiments
from stores.tasks import simulate_experiment_chunk
from tests.test_experiments import START, day_rows
from tests.test_pipeline import BASE_DIR

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def pair(make_store):
    return [make_store("cod"), make_store("single_product")]


def wait_for(experiment: Experiment, condition, timeout: float = 90.0) -> Experiment:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        experiment.refresh_from_db()
        if condition(experiment):
            return experiment
        time.sleep(0.05)
    raise AssertionError(
        f"Experiment #{experiment.pk} stuck at {experiment.chunks_done}/"
        f"{experiment.chunks_total} ({experiment.status})."
    )


def finished(experiment: Experiment) -> bool:
    return not experiment.is_active


def reference(stores, **args) -> tuple[dict, list]:
    """What one uninterrupted experiment of the same configuration gives, in this process."""
    experiment = experiments.create_replication(stores, start_date=START, **args)
    experiments.run_experiment_in_process(experiment)
    return summarise(experiment).record(), [r[1:] for r in day_rows(experiment)]


def results(experiment: Experiment) -> tuple[dict, list]:
    return summarise(experiment).record(), [r[1:] for r in day_rows(experiment)]


def test_an_experiment_fans_out_to_a_worker_and_duplicates_are_written_once(pair, clean_queue):
    args = {"replications": 2, "days": 12, "seed": 21}
    experiment = experiments.create_replication(pair, start_date=START, chunk_days=4, **args)
    with start_worker(
        app, pool="solo", concurrency=1, perform_ping_check=False, shutdown_timeout=30
    ):
        experiments.dispatch_experiment(experiment)
        for chunk in experiment.chunks.all():  # a duplicated delivery of every message
            simulate_experiment_chunk.delay(chunk.pk)
        experiment = wait_for(experiment, finished)
        marker = experiments.create_replication(pair[:1], replications=1, days=1, seed=1)
        experiments.dispatch_experiment(marker)
        wait_for(marker, finished)  # the solo worker has drained every earlier message

    experiment.refresh_from_db()
    assert experiment.status == RunStatus.DONE and experiment.chunks_done == 2 * 2 * 3
    assert results(experiment) == reference(pair, **args)


def test_a_worker_killed_mid_experiment_is_resumed_to_identical_results(
    pair, worker_env, clean_queue
):
    args = {"replications": 3, "days": 30, "seed": 34}
    experiment = experiments.create_replication(pair, start_date=START, chunk_days=1, **args)
    log = open(settings.VAR_DIR / "killed-experiment-worker.log", "w")  # noqa: SIM115
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "sandbox", "worker", "-P", "solo",
         "-c", "1", "-l", "warning", "--without-gossip", "--without-mingle"],
        cwd=BASE_DIR, env=worker_env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        experiments.dispatch_experiment(experiment)
        wait_for(experiment, lambda e: e.chunks_done >= 3 or worker.poll() is not None, 60)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
        log.close()
    experiment.refresh_from_db()
    assert 3 <= experiment.chunks_done < experiment.chunks_total, (
        settings.VAR_DIR / "killed-experiment-worker.log"
    ).read_text()
    assert experiment.status == RunStatus.RUNNING  # stalled: nobody is working on it

    with start_worker(
        app, pool="solo", concurrency=1, perform_ping_check=False, shutdown_timeout=30
    ):
        experiments.resume_experiment(experiment.pk)
        experiment = wait_for(experiment, finished)

    assert experiment.status == RunStatus.DONE
    assert experiment.chunks_done == experiment.chunks_total
    assert results(experiment) == reference(pair, **args)
