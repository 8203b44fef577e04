"""Load the storefront's pages served by gunicorn; print req/s (and as a share of a bare view), p95, p99.

    .venv/bin/python benchmarks/storefront_load.py [--connections 32] [--seconds 10] [--workers 4]

It builds a throwaway database under a temporary SANDBOX_VAR_DIR (migrate + seed_demo +
collectstatic), starts gunicorn with DEBUG off on loopback, and drives it from a second process:
wrk (Debian: apt-get install -y wrk) when installed, else a small threaded Python client. Each page
is loaded twice: "returning" shoppers (one session cookie, so the visit is already counted) and
"new" shoppers (no cookie: every request starts a session and writes its funnel count).

Each page's req/s is also printed as a ratio to a bare Django view (a constant response through
the same middleware and gunicorn, benchmarks/storefront_wsgi.py), and before the load runs the
script counts the database writes of a returning shopper's page view (in process, with Django's
test client on the same database): it should be zero.
Figures depend on the machine; they are printed, never asserted.
"""

from __future__ import annotations

import argparse
import http.client
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
STORE = "everything-emporium"

WRK_REPORT = """
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %d %.3f %.3f %.3f %d\\n",
    summary.requests, summary.duration, latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    summary.errors.status + summary.errors.connect + summary.errors.read
      + summary.errors.write + summary.errors.timeout))
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(env: dict) -> str:
    """A fresh database with the demo stores; returns a product path of the general store."""
    for args in (["migrate", "-v0"], ["seed_demo"], ["collectstatic", "--no-input", "-v0"]):
        subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True)
    slug = subprocess.run(
        [
            PYTHON,
            "manage.py",
            "shell",
            "-c",
            f"from stores.models import Product; print(Product.objects.filter(store__slug='{STORE}')"
            ".order_by('-popularity').values_list('slug', flat=True)[5])",
        ],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()[-1]
    return f"/s/{STORE}/p/{slug}/"


WRITES_SNIPPET = """
from django.db import connection
from django.test import Client
writes = []
def count(execute, sql, params, many, context):
    if sql.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE", "REPLACE")):
        writes.append(sql)
    return execute(sql, params, many, context)
client = Client()
paths = {paths!r}
for path in paths.values():
    client.get(path)  # the visit starts and each step is counted once
for name, path in paths.items():
    writes.clear()
    with connection.execute_wrapper(count):
        for _ in range({views}):
            assert client.get(path).status_code == 200
    print("WRITES", name, len(writes) / {views})
"""


def returning_writes(env: dict, paths: dict[str, str], views: int = 20) -> dict[str, float]:
    """Database writes per returning shopper's page view, per page (in process)."""
    code = WRITES_SNIPPET.format(paths=paths, views=views)
    out = subprocess.run(
        [PYTHON, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env={**env, "DEBUG": "true"},  # the test client needs no HTTPS redirect
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return {
        line.split()[1]: float(line.split()[2])
        for line in out.splitlines()
        if line.startswith("WRITES")
    }


def wait_until_up(base: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + f"/s/{STORE}/", timeout=2).read()
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("gunicorn did not come up")


def session_cookie(base: str, path: str) -> str:
    response = urllib.request.urlopen(base + path, timeout=5)
    for header in response.headers.get_all("Set-Cookie") or []:
        if header.startswith("sessionid="):
            return header.split(";")[0]
    raise SystemExit("no session cookie set")


def run_wrk(url: str, connections: int, seconds: int, cookie: str) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_REPORT)
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-s", script.name, url]
    if cookie:
        cmd[1:1] = ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    os.unlink(script.name)
    line = next(line for line in out.splitlines() if line.startswith("RESULT"))
    requests, micros, p50, p95, p99, errors = line.split()[1:]
    return {
        "rps": int(requests) / (int(micros) / 1e6),
        "p50": float(p50),
        "p95": float(p95),
        "p99": float(p99),
        "errors": int(errors),
    }


def run_python(host: str, port: int, path: str, connections: int, seconds: int, cookie: str):
    """Fallback client: one keep-alive connection per thread, latencies in milliseconds."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds
    headers = {"Cookie": cookie} if cookie else {}

    def worker() -> None:
        conn = http.client.HTTPConnection(host, port, timeout=30)
        mine = []
        while time.monotonic() < stop:
            start = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    errors[0] += 1
            except OSError:
                errors[0] += 1
                conn = http.client.HTTPConnection(host, port, timeout=30)
                continue
            mine.append((time.perf_counter() - start) * 1000)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - began
    cuts = statistics.quantiles(latencies, n=100)
    return {
        "rps": len(latencies) / elapsed,
        "p50": cuts[49],
        "p95": cuts[94],
        "p99": cuts[98],
        "errors": errors[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--client", choices=["auto", "wrk", "python"], default="auto")
    args = parser.parse_args()

    var_dir = tempfile.mkdtemp(prefix="storefront-bench-")
    env = {
        **os.environ,
        "SANDBOX_VAR_DIR": var_dir,
        "DEBUG": "false",
        "SECRET_KEY": "benchmark-only-" + "x" * 40,
        "SECURE_SSL_REDIRECT": "false",
        "LOG_LEVEL": "ERROR",
    }
    env.pop("DATABASE_URL", None)
    product_path = prepare(env)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [
            str(Path(PYTHON).parent / "gunicorn"),
            "--pythonpath=benchmarks",
            "storefront_wsgi:application",
            f"--bind=127.0.0.1:{port}",
            f"--workers={args.workers}",
            "--log-level=error",
        ],
        cwd=ROOT,
        env=env,
    )
    use_wrk = args.client == "wrk" or (args.client == "auto" and shutil.which("wrk"))
    pages = {
        "bare view": "/__bare__/",
        "home": f"/s/{STORE}/",
        "catalogue": f"/s/{STORE}/catalogue/?sort=price_asc&page=3",
        "product": product_path,
        "landing": "/s/postureup/",
    }
    store_pages = {k: v for k, v in pages.items() if k != "bare view"}
    writes = returning_writes(env, {k.split()[0]: v for k, v in store_pages.items()})
    try:
        wait_until_up(base)
        cookie = session_cookie(base, pages["home"])
        for path in pages.values():  # count the returning shopper's steps before measuring
            urllib.request.urlopen(urllib.request.Request(base + path, headers={"Cookie": cookie}))
        client = "wrk" if use_wrk else "python threads"
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"machine: {os.cpu_count()} CPUs, load average before the runs {load}")
        print(
            f"gunicorn {args.workers} sync workers, SQLite, DEBUG off; client: {client}, "
            f"{args.connections} connections, {args.seconds}s per run, loopback"
        )
        print(
            "database writes per returning shopper's page view: "
            + ", ".join(f"{name} {count:g}" for name, count in writes.items())
        )
        print(
            f"{'page':<10} {'shopper':<10} {'req/s':>8} {'x bare':>7} {'p50 ms':>8} "
            f"{'p95 ms':>8} {'p99 ms':>8} errors"
        )
        bare = None
        for name, path in pages.items():
            for label, jar in (("returning", cookie), ("new", "")):
                if use_wrk:
                    r = run_wrk(base + path, args.connections, args.seconds, jar)
                else:
                    r = run_python("127.0.0.1", port, path, args.connections, args.seconds, jar)
                if name == "bare view" and label == "returning":
                    bare = r["rps"]
                share = f"{r['rps'] / bare:.2f}" if bare else "-"
                print(
                    f"{name:<10} {label:<10} {r['rps']:>8.0f} {share:>7} {r['p50']:>8.1f} "
                    f"{r['p95']:>8.1f} {r['p99']:>8.1f} {r['errors']}"
                )
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"load average after the runs {load} (other work on the machine skews the figures)")
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
