"""Settings refuse an unsafe production configuration; a safe one passes `check --deploy`."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    # The browser tests set DJANGO_ALLOW_ASYNC_UNSAFE in this process; a deployment would not.
    inherited = {"DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environment = {k: v for k, v in os.environ.items() if k not in inherited}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_mode_refuses_the_development_secret_key():
    result = manage("check", DEBUG="false")

    assert result.returncode != 0
    assert "SECRET_KEY is the development key" in result.stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [("DEBUG", "maybe"), ("LOCAL_REDIS_PORT", "six"), ("CHUNK_STALE_SECONDS", "1"),
     ("RECOVERY_CHECK_SECONDS", "soon")],
)  # fmt: skip
def test_a_malformed_setting_names_the_variable(name, value):
    result = manage("check", **{name: value})

    assert result.returncode != 0
    assert f"{name}={value!r}" in result.stderr


def test_production_configuration_passes_check_deploy():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="shop.example.com",
    )

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout
