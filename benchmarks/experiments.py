"""Benchmark: an experiment on Celery workers against the engine alone on the same work.

    python benchmarks/experiments.py [--stores 20] [--days 365] [--seeds 20] [--workers 2]
                                     [--scale 18] [--repeat 3] [--backend sqlite|postgres]

In a throwaway database (a temp SQLite file, or a `bench_experiments` database on the PostgreSQL
server of DATABASE_URL), `--stores` demo stores with every channel's traffic and budget
multiplied by `--scale` (18: a year of 20 stores is about two million orders, as in
simulation_write_path.py), then per repeat:
1. the engine alone: the experiment's work (every store x seed x day, the same parameters) in
   `--workers` processes, no Celery and no database: wall time, and CPU seconds in all;
2. the experiment: `--seeds` replications of the stores dispatched to `--workers` Celery worker
   processes (solo pool) on an embedded Redis, from dispatch to the last chunk: wall time, the
   workers' peak resident memory, and the time to read the figures back (summarise).
Prints min / median / max over the repeats and the machine's load average; asserts nothing.
Other processes on the machine show in the figures.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
sys.path.insert(0, str(BASE_DIR / "benchmarks"))

from simulation_write_path import make_stores, peak_rss_mb  # noqa: E402

START = "2025-01-06"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stores", type=int, default=20)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--scale", type=float, default=18.0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--backend", default="sqlite", choices=("sqlite", "postgres"))
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args)))
        return
    env = backend_env(args.backend)
    if env is None:
        raise SystemExit(f"{args.backend}: no server reachable")
    cmd = [sys.executable, __file__, "--child"] + [
        f"--{name}={getattr(args, name)}"
        for name in ("stores", "days", "seeds", "workers", "scale", "repeat", "backend")
    ]
    print(f"{args.backend}: running {args.repeat} repeat(s) ...", flush=True)
    done = subprocess.run(cmd, env=env, cwd=BASE_DIR, capture_output=True, text=True)
    shutil.rmtree(env["SANDBOX_VAR_DIR"], ignore_errors=True)
    if done.returncode:
        print(done.stdout[-3000:], done.stderr[-6000:])
        raise SystemExit("benchmark failed")
    report(json.loads(done.stdout.strip().splitlines()[-1]), args)


def backend_env(backend: str) -> dict[str, str] | None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "sandbox.settings", "DEBUG": "False"}
    env.setdefault("SECRET_KEY", "benchmark-only-secret-key-not-used-for-anything-real-123")
    env["SANDBOX_VAR_DIR"] = tempfile.mkdtemp(prefix="bench-exp-")
    env.pop("REDIS_URL", None)  # the child starts its own Redis
    if backend == "sqlite":
        env.pop("DATABASE_URL", None)
        env["SQLITE_PATH"] = str(Path(env["SANDBOX_VAR_DIR"]) / "bench.sqlite3")
        return env
    import psycopg

    server = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    base = server.rsplit("/", 1)[0]
    try:
        with psycopg.connect(base + "/postgres", autocommit=True, connect_timeout=3) as conn:
            conn.execute("DROP DATABASE IF EXISTS bench_experiments")
            conn.execute("CREATE DATABASE bench_experiments")
    except psycopg.OperationalError:
        return None
    env["DATABASE_URL"] = base + "/bench_experiments"
    env.pop("TEST_DB_NAME", None)
    return env


# --- The child: one backend ---------------------------------------------------------------------


def child(args) -> dict:
    import django

    port = free_port()
    os.environ["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"  # before settings are read
    django.setup()
    from django.core.management import call_command
    from django.db import connection, connections

    from sandbox.localredis import start_local_redis
    from stores.services.engine_params import store_params

    call_command("migrate", verbosity=0)
    stores = make_stores(args.stores, args.scale)
    params = [store_params(s) for s in stores]
    redis = start_local_redis(port, Path(os.environ["SANDBOX_VAR_DIR"]) / "redis")
    connections.close_all()
    workers = start_workers(args.workers)
    out = {"backend": connection.vendor, "repeats": [], "load_before": os.getloadavg()}
    try:
        for _ in range(args.repeat):
            engine_wall, engine_cpu, orders = engine_alone(params, args)
            out["repeats"].append(
                {
                    "engine_wall": engine_wall,
                    "engine_cpu": engine_cpu,
                    "orders": orders,
                    **experiment_on_workers(stores, args, workers),
                }
            )
        out["worker_peak_mb"] = [vm_hwm_mb(w.pid) for w in workers]
    finally:
        for w in workers:
            w.send_signal(signal.SIGTERM)
        for w in workers:
            try:
                w.wait(timeout=20)
            except subprocess.TimeoutExpired:
                w.kill()
        if redis is not None:
            redis.terminate()
    out["load_after"] = os.getloadavg()
    return out


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_workers(count: int) -> list[subprocess.Popen]:
    from sandbox.celery import app

    log = open(Path(os.environ["SANDBOX_VAR_DIR"]) / "workers.log", "w")  # noqa: SIM115
    procs = [
        subprocess.Popen(
            [
                str(BASE_DIR / ".venv/bin/celery"),
                "-A",
                "sandbox",
                "worker",
                "-P",
                "solo",
                "-c",
                "1",
                "-l",
                "warning",
                "--without-gossip",
                "--without-mingle",
                "-n",
                f"bench{i}@%h",
            ],
            cwd=BASE_DIR,
            env=os.environ.copy(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        for i in range(count)
    ]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if len(app.control.ping(timeout=0.5)) >= count:
            return procs
    raise RuntimeError("the Celery workers did not answer within a minute")


def _engine_share(tasks: list, ready, go, queue) -> None:
    from datetime import date

    from stores.simulation import engine

    start = date.fromisoformat(START)
    ready.put(True)
    go.wait()  # timed from here: imports and process start-up are not the engine's work
    cpu = time.process_time()
    orders = 0
    for params, seed, days in tasks:
        result = engine.simulate(params, seed=seed, first_day=start, days=days, origin=start)
        orders += len(result.orders)
    queue.put((time.process_time() - cpu, orders, peak_rss_mb()))


def engine_alone(params: list, args) -> tuple[float, float, int]:
    """The experiment's work for the engine only, shared out as the workers share the chunks."""
    tasks = [(p, 1 + r, args.days) for r in range(args.seeds) for p in params]
    ctx = mp.get_context("spawn")
    ready, queue, go = ctx.Queue(), ctx.Queue(), ctx.Event()
    procs = [
        ctx.Process(target=_engine_share, args=(tasks[w :: args.workers], ready, go, queue))
        for w in range(args.workers)
    ]
    for p in procs:
        p.start()
    for _ in procs:
        ready.get()
    t = time.perf_counter()
    go.set()
    shares = [queue.get() for _ in procs]
    wall = time.perf_counter() - t
    for p in procs:
        p.join()
    return wall, sum(s[0] for s in shares), sum(s[1] for s in shares)


def experiment_on_workers(stores, args, workers) -> dict:
    from datetime import date

    from stores.metrics.experiments import summarise
    from stores.models import ExperimentChunk
    from stores.services import experiments

    experiment = experiments.create_replication(
        stores,
        replications=args.seeds,
        days=args.days,
        seed=1,
        start_date=date.fromisoformat(START),
    )
    cpu = sum(cpu_seconds(w.pid) for w in workers)
    t = time.perf_counter()
    experiments.dispatch_experiment(experiment)
    while True:
        experiment.refresh_from_db()
        if not experiment.is_active:
            break
        time.sleep(0.1)
    wall = time.perf_counter() - t
    cpu = sum(cpu_seconds(w.pid) for w in workers) - cpu
    t = time.perf_counter()
    outcome = summarise(experiment)
    read = time.perf_counter() - t
    simulated = sum(ExperimentChunk.objects.filter(experiment=experiment).values_list(
        "orders_simulated", flat=True))  # fmt: skip
    return {
        "status": experiment.status,
        "chunks": experiment.chunks_total,
        "experiment_wall": wall,
        "experiment_cpu": cpu,
        "experiment_orders": simulated,
        "summarise": read,
        "replications_done": outcome.replications_done,
    }


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (a busy machine stretches wall time, not this)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def vm_hwm_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# --- Report -------------------------------------------------------------------------------------


def spread(values: list[float]) -> str:
    return f"{min(values):6.1f} {statistics.median(values):6.1f} {max(values):6.1f}"


def report(r: dict, args) -> None:
    reps = r["repeats"]
    w = args.workers
    print()
    print(
        f"{args.seeds} replications of {args.stores} stores x {args.days} days "
        f"(traffic x{args.scale:g}), {w} workers, {r['backend']}; "
        f"{reps[0]['orders']:,} simulated orders per repeat"
    )
    print(f"{'':44} {'min':>6} {'median':>6} {'max':>6}")
    print(f"{'engine alone, wall s (' + str(w) + ' processes)':44} "
          f"{spread([x['engine_wall'] for x in reps])}")  # fmt: skip
    print(f"{'engine alone, CPU s (all processes)':44} {spread([x['engine_cpu'] for x in reps])}")
    print(f"{'experiment on Celery, wall s':44} {spread([x['experiment_wall'] for x in reps])}")
    print(f"{'experiment on Celery, CPU s (all workers)':44} "
          f"{spread([x['experiment_cpu'] for x in reps])}")  # fmt: skip
    for label, kind in (("wall", "wall"), ("CPU", "cpu")):
        ratio = [x[f"experiment_{kind}"] / x[f"engine_{kind}"] for x in reps]
        print(f"{'experiment / engine alone, ' + label + ' (per core)':44} "
              f"{min(ratio):6.2f} {statistics.median(ratio):6.2f} {max(ratio):6.2f}")  # fmt: skip
    print(
        f"{'reading the figures back (summarise), s':44} {spread([x['summarise'] for x in reps])}"
    )
    orders_match = all(x["experiment_orders"] == x["orders"] for x in reps)
    print(f"experiment simulated the same orders as the engine alone: {orders_match}; "
          f"status {', '.join(sorted({x['status'] for x in reps}))}")  # fmt: skip
    peaks = ", ".join(f"{m:.0f}" for m in r["worker_peak_mb"])
    print(f"peak resident memory per worker, MB: {peaks}")
    print(
        "load average (1, 5, 15 min): before "
        + " ".join(f"{x:.2f}" for x in r["load_before"])
        + ", after "
        + " ".join(f"{x:.2f}" for x in r["load_after"])
        + f" on {os.cpu_count()} cores"
    )
    print("Targets: experiment <= 60 s with two workers; <= 1.4x the engine alone per core; "
          "<= 300 MB per worker.")  # fmt: skip


if __name__ == "__main__":
    main()
