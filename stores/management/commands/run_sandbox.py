"""Start everything a training session needs on one machine and stop it all on Ctrl-C.

Redis (embedded, when REDIS_URL is unset), a Celery worker, Celery beat and the web server. On a
database that has never had a simulation run, it also queues a seeded history of the stores on the
worker (`--history DAYS`, 90 by default), so the dashboard has a comparison to show at once.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

from sandbox.localredis import start_local_redis
from stores import services, validation
from stores.access import TRAINER_GROUP

ADMIN_USERNAME = "trainer"
PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _number_argument(label: str, rule: validation.NumberRule):
    def parse(value: str) -> int:
        try:
            return validation.whole_number(value, label, rule)
        except validation.InvalidInput as exc:
            raise argparse.ArgumentTypeError(exc.message) from None

    return parse


port_number = _number_argument("--port", validation.NumberRule(1, 65535, 5))
worker_count = _number_argument("--concurrency", validation.NumberRule(1, 64, 2))
history_days = _number_argument("--history", validation.NumberRule(0, 3650, 4))


def _die_with_parent() -> None:
    """In the child, before exec: Linux sends it SIGTERM if this command dies, even by SIGKILL."""
    # Not Linux: no prctl, and the command's finally block still stops the children.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _spawn(command: list[str]) -> subprocess.Popen:
    # A session of its own: Ctrl-C reaches this command only, which then stops the children in
    # order (web first, Redis last) instead of all of them racing to exit.
    return subprocess.Popen(
        command,
        cwd=settings.BASE_DIR,
        start_new_session=True,
        preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
    )


class Command(BaseCommand):
    help = "Run Redis (if REDIS_URL is unset), a Celery worker, Celery beat and the web server."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=port_number, default=8000)
        parser.add_argument(
            "--concurrency", type=worker_count, default=2, help="Celery worker processes."
        )
        parser.add_argument("--no-worker", action="store_true", help="Web only (and beat).")
        parser.add_argument(
            "--history",
            type=history_days,
            default=90,
            help="Days of history queued for the stores when the database has no run yet "
            "(0: none).",
        )

    def handle(self, *args, host: str, port: int, concurrency: int, no_worker: bool, **options):
        # Listen for SIGINT and SIGTERM before starting anything, so a stop request during
        # start-up still reaches the cleanup below; SIGHUP (the terminal closed) too.
        stop = {"now": False}

        def request_stop(signum, frame) -> None:
            stop["now"] = True

        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, request_stop)
        parent = os.getppid()
        children: list[tuple[str, subprocess.Popen]] = []
        failed = None
        try:
            self._start(children, host, port, concurrency, no_worker)
            if not stop["now"]:
                self._start_history(options["history"])
                self._print_welcome(host, port)
            while not stop["now"] and failed is None:
                time.sleep(0.5)
                if os.getppid() != parent:
                    break  # whoever started us (make, a shell) is gone: nobody can press Ctrl-C
                failed = next((name for name, proc in children if proc.poll() is not None), None)
        finally:
            self._stop(children)
        if failed:
            raise CommandError(f"The {failed} process exited unexpectedly; everything was stopped.")

    def _start(self, children, host: str, port: int, concurrency: int, no_worker: bool) -> None:
        var = Path(settings.VAR_DIR)
        var.mkdir(parents=True, exist_ok=True)
        if settings.REDIS_IS_LOCAL:
            redis = start_local_redis(settings.LOCAL_REDIS_PORT, var / "redis")
            if redis is None:
                self.stdout.write(f"Redis: already listening on port {settings.LOCAL_REDIS_PORT}.")
            else:
                children.append(("redis", redis))
                self.stdout.write(f"Redis: embedded server on port {settings.LOCAL_REDIS_PORT}.")
        else:
            self.stdout.write(f"Redis: {settings.REDIS_URL} (from REDIS_URL).")

        python = sys.executable
        celery = [python, "-m", "celery", "-A", "sandbox"]
        if not no_worker:
            worker = [*celery, "worker", "-l", "warning", "--concurrency", str(concurrency)]
            children.append(("worker", _spawn(worker)))
        beat_schedule = str(var / "celerybeat-schedule")
        children.append(("beat", _spawn([*celery, "beat", "-l", "warning", "-s", beat_schedule])))
        web = [python, "manage.py", "runserver", f"{host}:{port}", "--noreload"]
        children.append(("web", _spawn(web)))

    def _stop(self, children: list[tuple[str, subprocess.Popen]]) -> None:
        """Web first, Redis last; whatever has not exited 10 s after SIGTERM is killed."""
        if not children:
            return
        self.stdout.write("Stopping " + ", ".join(name for name, _ in reversed(children)) + " ...")
        for _, proc in reversed(children):
            if proc.poll() is None:
                proc.terminate()
        for _, proc in children:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)

    def _print_welcome(self, host: str, port: int) -> None:
        password = self._ensure_trainer_account()
        url = f"http://{host}:{port}/"
        self.stdout.write(self.style.SUCCESS(f"\nThe sandbox is up: {url}"))
        self.stdout.write(f"  Storefronts: {url}   Dashboard: {url}dashboard/   Admin: {url}admin/")
        if password:
            self.stdout.write(f"  Log in as {ADMIN_USERNAME!r} with password {password!r}")
            self.stdout.write(f"  (saved in {self._password_file()}; change it in the admin).")
        else:
            self.stdout.write(
                f"  Log in with your admin account ({ADMIN_USERNAME!r} was created earlier; "
                f"reset it with `python manage.py changepassword {ADMIN_USERNAME}`)."
            )
        self.stdout.write("  Press Ctrl-C to stop the web server, worker, beat and Redis.\n")

    def _start_history(self, days: int) -> None:
        """A first history for the stores of a database without any run (a newcomer's first
        `make run`); nothing on later runs."""
        try:
            run = services.start_first_history(days)
        except services.BrokerUnavailable as exc:
            self.stderr.write(f"No history queued: {exc}")
            return
        if run is not None:
            self.stdout.write(
                f"History: run #{run.pk} simulates the last {run.days} days of "
                f"{run.stores.count()} store(s) (seed {run.seed}) on the worker; the dashboard "
                "compares them as soon as its first chunks are written."
            )

    def _password_file(self) -> Path:
        return Path(settings.VAR_DIR) / "trainer-password.txt"

    def _ensure_trainer_account(self) -> str | None:
        """Create the trainer's superuser with a random password on first run; no fixed default.

        The account is in the Trainer group (the dashboard's permission), so it keeps its access
        if someone later takes its superuser status away.
        """
        users = get_user_model().objects
        path = self._password_file()
        user = users.filter(username=ADMIN_USERNAME).first()
        password = None
        if user is None:
            password = secrets.token_urlsafe(12)
            user = users.create_superuser(ADMIN_USERNAME, "trainer@example.com", password)
            path.write_text(password + "\n")
            path.chmod(0o600)
        group, _ = Group.objects.get_or_create(name=TRAINER_GROUP)
        user.groups.add(group)
        if password is None:
            return path.read_text().strip() if path.exists() else None
        return password
