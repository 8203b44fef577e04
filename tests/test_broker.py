"""Redis down: `simulate` and the admin's actions say so in one line, fast, and create nothing.

No Redis listens at the broker's address in these tests (the `no_broker` fixture points the
Celery app at a free port nobody opened). The 3 s bound is what a trainer would accept before
thinking the command hangs; it is not a benchmark.
"""

from __future__ import annotations

import subprocess
import sys
import time
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.urls import reverse

from stores import services
from stores.models import AppliedShock, RunChunk, RunStatus, ScenarioRun, SimulationRun, Store
from stores.services import broker, runs

USER_PATIENCE = 3.0  # seconds


def expected_line(url: str, alternative: str) -> str:
    return f"Cannot reach Redis at {url}: is it running? Start everything with `make run`, {alternative}."


@pytest.fixture
def two_stores(make_store):
    return [make_store("cod"), make_store("pod")]


def test_simulate_says_redis_is_unreachable_in_one_line_and_creates_nothing(two_stores, no_broker):
    started = time.monotonic()
    with pytest.raises(CommandError) as failure:
        call_command("simulate", "--days", "30", "--seed", "1", stdout=StringIO())
    elapsed = time.monotonic() - started

    assert str(failure.value) == expected_line(no_broker, "or use --in-process")
    assert elapsed < USER_PATIENCE
    assert not SimulationRun.objects.exists() and not RunChunk.objects.exists()


def test_a_broker_that_accepts_but_never_answers_is_given_up_on_just_as_fast(
    two_stores, silent_broker
):
    started = time.monotonic()
    with pytest.raises(CommandError) as failure:
        call_command("simulate", "--days", "30", "--seed", "1", stdout=StringIO())
    elapsed = time.monotonic() - started

    assert str(failure.value) == expected_line(silent_broker, "or use --in-process")
    assert elapsed < USER_PATIENCE
    assert not SimulationRun.objects.exists()


def test_the_admin_action_says_redis_is_unreachable_and_creates_nothing(
    staff_client, two_stores, no_broker
):
    started = time.monotonic()
    response = staff_client.post(
        reverse("admin:stores_store_changelist"),
        {"action": "simulate_90_days", "_selected_action": [s.pk for s in two_stores]},
        follow=True,
    )
    elapsed = time.monotonic() - started

    assert response.status_code == 200
    assert elapsed < USER_PATIENCE
    [message] = list(response.context["messages"])
    assert message.level_tag == "error"
    assert str(message).startswith(f"Cannot reach Redis at {no_broker}: is it running?")
    assert "queued" not in response.text
    assert not SimulationRun.objects.exists() and not RunChunk.objects.exists()


def test_resuming_with_redis_down_says_so_and_leaves_the_run_as_it_was(
    staff_client, two_stores, no_broker
):
    run = services.create_run(days=4, seed=2, stores=two_stores)
    services.cancel_run(run.pk)

    with pytest.raises(CommandError, match="Cannot reach Redis at .*or use --in-process"):
        call_command("simulate", "--resume", str(run.pk), stdout=StringIO())
    response = staff_client.post(
        reverse("admin:stores_simulationrun_changelist"),
        {"action": "resume_runs", "_selected_action": [run.pk]},
        follow=True,
    )

    assert "Cannot reach Redis at" in response.text
    run.refresh_from_db()
    assert run.status == RunStatus.CANCELLED


def test_resume_in_process_needs_no_broker(two_stores, no_broker):
    run = services.create_run(days=4, seed=3, stores=two_stores)
    services.cancel_run(run.pk)

    call_command("simulate", "--resume", str(run.pk), "--in-process", stdout=StringIO())

    run.refresh_from_db()
    assert run.status == RunStatus.DONE and run.chunks_done == run.chunks_total


@pytest.mark.django_db(transaction=True)
def test_redis_going_away_after_the_check_still_leaves_no_run(two_stores, no_broker, monkeypatch):
    monkeypatch.setattr(runs, "check_broker", lambda: None)  # it answered a moment ago

    with pytest.raises(services.BrokerUnavailable):
        services.start_run(days=10, seed=4, stores=two_stores)

    assert not SimulationRun.objects.exists() and not RunChunk.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_run_whose_chunks_cannot_be_queued_is_failed_with_the_reason_not_left_running(
    two_stores, no_broker
):
    run = services.create_run(days=10, seed=5, stores=two_stores)

    with pytest.raises(services.BrokerUnavailable):
        services.dispatch_run(run)  # autocommit: queued at once, and refused at once

    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert f"could not be queued. Cannot reach Redis at {no_broker}" in run.error


def test_a_password_in_the_broker_url_is_never_printed():
    exc = broker.BrokerUnavailable("redis://:s3cret@redis-host:6379/0")
    assert "s3cret" not in exc.explain() and "redis-host:6379" in exc.explain()


@pytest.mark.django_db(transaction=True)
def test_the_real_command_prints_one_line_and_no_traceback(two_stores, worker_env, no_broker):
    env = {**worker_env, "REDIS_URL": no_broker}

    result = subprocess.run(
        [sys.executable, "manage.py", "simulate", "--days", "30", "--seed", "1"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "CommandError: " + expected_line(env["REDIS_URL"], "or use --in-process")
    ]
    assert "Traceback" not in result.stdout + result.stderr
    assert not SimulationRun.objects.exists()


def test_a_shock_in_a_new_run_with_redis_down_says_so_and_creates_nothing(
    staff_client, two_stores, no_broker
):
    response = staff_client.post(
        reverse("admin:stores_store_changelist"),
        {"action": "apply_shock", "_selected_action": [s.pk for s in two_stores], "apply": "yes",
         "shock": "courier_delay", "target": "run", "start_day": "3", "history_days": "30"},
        follow=True,
    )  # fmt: skip

    assert response.status_code == 200
    [message] = list(response.context["messages"])
    assert message.level_tag == "error"
    assert str(message).startswith(f"Cannot reach Redis at {no_broker}: is it running?")
    assert not SimulationRun.objects.exists() and not AppliedShock.objects.exists()


def test_starting_a_scenario_with_redis_down_says_so_and_creates_no_store(staff_client, no_broker):
    response = staff_client.post(
        reverse("admin:stores_scenariorun_start"),
        {"scenario": "cod_vs_prepaid", "seed": "4", "prefix": ""},
    )

    assert response.status_code == 200
    assert f"Cannot reach Redis at {no_broker}: is it running?" in response.content.decode()
    assert "scenario start cod_vs_prepaid --seed 4 --in-process" in response.content.decode()
    assert not Store.objects.exists() and not ScenarioRun.objects.exists()


def test_experiments_from_the_admin_with_redis_down_say_so_and_change_nothing(
    staff_client, two_stores, no_broker, django_capture_on_commit_callbacks
):
    # "Replicate over 20 seeds" created the experiment, marked it running and then answered 500
    # (kombu's OperationalError from the queueing); resuming one did the same.
    from stores.models import Experiment, RunStatus
    from stores.services import experiments

    changelist = reverse("admin:stores_store_changelist")
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            changelist,
            {"action": "replicate_over_seeds", "_selected_action": [s.pk for s in two_stores]},
            follow=True,
        )
    [message] = list(response.context["messages"])
    assert message.level_tag == "error" and "Cannot reach Redis at" in str(message)
    assert not Experiment.objects.exists()

    form = experiments_form(two_stores)
    cancelled = form.create()
    experiments.cancel_experiment(cancelled.pk)
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("admin:stores_experiment_changelist"),
            {"action": "resume_experiments", "_selected_action": [cancelled.pk]},
            follow=True,
        )
    assert "Cannot reach Redis at" in response.text
    cancelled.refresh_from_db()
    assert cancelled.status == RunStatus.CANCELLED


def experiments_form(stores):
    from stores.forms_experiments import ReplicateForm

    form = ReplicateForm({"stores": ",".join(s.slug for s in stores), "seeds": 2, "days": 10,
                          "seed": 1})  # fmt: skip
    assert form.is_valid(), form.errors
    return form
