"""Benchmark: how fast the simulation writes orders, against the ways Django could write them.

    python benchmarks/simulation_write_path.py [--stores 20] [--days 365] [--workers 2]
                                               [--backends sqlite,postgres] [--scale 12]

For each backend, in a throwaway database (a temp SQLite file; a `bench_sim` database on the
PostgreSQL server of DATABASE_URL, default postgres://postgres@127.0.0.1:5432):
1. the same rows (a 30-day sample of five stores, one per model) written four ways, in orders/s:
   the full write path (sample with the engine, write orders, lines and funnel rows, one
   transaction per chunk: services.write_chunk), per-object ORM save(), bulk_create, and raw
   executemany of the prepared rows (the floor any write path pays);
2. a full run: `--stores` stores x `--days` days written by `--workers` worker processes calling
   the same service a Celery task calls (no broker in the way), wall time and the workers' peak
   resident memory.
Demo presets sell ~15-25 orders a day; --scale (default 18) multiplies every channel's traffic
and budget so that a year of 20 stores is about two million orders. Prints figures; asserts
nothing. The machine's other load shows in the figures: run it on a quiet machine.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

SAMPLE_DAYS = 30
SAVE_SAMPLE = 1500  # orders written one save() at a time (slow; a smaller sample suffices)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stores", type=int, default=20)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--scale", type=float, default=18.0)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--child", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args)))
        return
    results = []
    for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
        env = backend_env(backend)
        if env is None:
            print(f"{backend}: skipped (no server reachable)")
            continue
        cmd = [sys.executable, __file__, "--child", backend] + [
            f"--{name}={getattr(args, name)}" for name in ("stores", "days", "workers", "scale")
        ]
        print(f"{backend}: running ...", flush=True)
        done = subprocess.run(cmd, env=env, cwd=BASE_DIR, capture_output=True, text=True)
        shutil.rmtree(env["SANDBOX_VAR_DIR"], ignore_errors=True)  # ~1 GB of SQLite per run
        if done.returncode:
            print(done.stdout[-2000:], done.stderr[-4000:])
            raise SystemExit(f"{backend} benchmark failed")
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    report(results, args)


def backend_env(backend: str) -> dict[str, str] | None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "sandbox.settings", "DEBUG": "False"}
    env.setdefault("SECRET_KEY", "benchmark-only-secret-key-not-used-for-anything-real-123")
    env["SANDBOX_VAR_DIR"] = tempfile.mkdtemp(prefix="bench-sim-")
    if backend == "sqlite":
        env.pop("DATABASE_URL", None)
        env["SQLITE_PATH"] = str(Path(env["SANDBOX_VAR_DIR"]) / "bench.sqlite3")
        return env
    import psycopg

    server = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    base = server.rsplit("/", 1)[0]
    try:
        with psycopg.connect(base + "/postgres", autocommit=True, connect_timeout=3) as conn:
            conn.execute("DROP DATABASE IF EXISTS bench_sim")
            conn.execute("CREATE DATABASE bench_sim")
    except psycopg.OperationalError:
        return None
    env["DATABASE_URL"] = base + "/bench_sim"
    return env


# --- The child: one backend ---------------------------------------------------------------------


def child(args) -> dict:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    stores = make_stores(args.stores, args.scale)
    out = {"backend": connection.vendor, "stores": args.stores, "days": args.days}
    out.update(compare_writers(stores[:5]))
    out.update(full_run(stores, args.days, args.workers))
    return out


def make_stores(count: int, scale: float):
    from django.db.models import F

    from stores import services
    from stores.models import StoreChannel
    from stores.presets import BENCHMARK_MODELS

    stores = [
        services.create_store_from_preset(
            BENCHMARK_MODELS[i % len(BENCHMARK_MODELS)], name=f"Bench {i}", slug=f"bench-{i}"
        )
        for i in range(count)
    ]
    StoreChannel.objects.update(
        daily_sessions=F("daily_sessions") * scale, daily_budget=F("daily_budget") * scale
    )
    return stores


def compare_writers(stores) -> dict:
    from datetime import date, timedelta

    from django.db import connection, transaction
    from django.utils import timezone

    from stores import services
    from stores.models import DailyFunnel, Order, OrderLine, SimulationRun
    from stores.services import bulk_write, engine_params, rollup, runs
    from stores.simulation import engine

    start = date(2025, 1, 1)
    now = timezone.now()

    # 1. The full write path, as a worker runs it.
    run = services.create_run(days=SAMPLE_DAYS, seed=1, stores=stores, start_date=start)
    t = time.perf_counter()
    for chunk_id in runs.pending_chunk_ids(run):
        services.write_chunk(chunk_id, now=now)
    write_path = time.perf_counter() - t
    orders = Order.objects.filter(run=run).count()
    out = {"sample_orders": orders, "write_path": orders / write_path}

    # The same rows, prepared in advance, for the other writers (new numbers: they are unique).
    prepared = []
    for i, store in enumerate(stores):
        params = engine_params.store_params(store)
        result = engine.simulate(params, seed=1, first_day=start, days=SAMPLE_DAYS)
        prepared.append((store, params, result, i))

    def fresh_run():
        return SimulationRun.objects.create(seed=1, start_date=start, days=SAMPLE_DAYS)

    def batches(run_id, tag):
        for store, params, result, _ in prepared:
            o = result.orders
            numbers = [
                f"{tag}{run_id}-{store.pk}-{d}-{s}" for d, s in zip(o.day, o.seq, strict=True)
            ]
            yield (
                store,
                params,
                result,
                bulk_write.OrderBatch.build(
                    store, params, result, numbers=numbers, run_id=run_id, as_of=now
                ),
            )

    # 2. Raw executemany of the prepared rows (orders, lines, funnel rows); on PostgreSQL also
    # COPY, which is what the write path uses there.
    def insert_prepared(tag: str) -> float:
        run = fresh_run()
        ready = list(batches(run.pk, tag))
        t = time.perf_counter()
        for store, params, result, batch in ready:
            with transaction.atomic():
                batch.insert()
                days = [start + timedelta(days=k) for k in range(SAMPLE_DAYS)]
                funnel = rollup.funnel_rows_from_result(store.pk, run.pk, params, result, days, now)
                with connection.cursor() as cursor:
                    bulk_write.insert_many(cursor, funnel.insert_sql(), funnel.tuples())
        return orders / (time.perf_counter() - t)

    if connection.vendor == "postgresql":
        out["copy"] = insert_prepared("C")
    # The floor: plain executemany of the same rows, whatever the path does on this backend
    # (staged INSERT ... SELECT on SQLite, COPY on PostgreSQL).
    path_insert, path_staged = bulk_write.insert_many, bulk_write.OrderBatch._insert_staged
    bulk_write.insert_many = lambda cursor, sql, rows: cursor.executemany(sql, rows)
    bulk_write.OrderBatch._insert_staged = _executemany_insert
    try:
        out["executemany"] = insert_prepared("X")
    finally:
        bulk_write.insert_many, bulk_write.OrderBatch._insert_staged = path_insert, path_staged

    # 3. bulk_create and 4. save() of model instances carrying the same values.
    def instances(run_id, tag, limit=None):
        objs = []
        for _store, _params, _result, batch in batches(run_id, tag):
            names = [*batch.orders.names, *batch.orders.constants]
            line_names = [*batch.lines.names, *batch.lines.constants]
            line_rows = batch.lines.tuples()
            k = 0
            for row, n_lines in zip(batch.orders.tuples(), batch.line_counts, strict=True):
                order = Order(**_fields(Order, dict(zip(names, row, strict=True))))
                lines = []
                for line_row in line_rows[k : k + n_lines]:
                    values = dict(zip(line_names, line_row, strict=True))
                    del values["order_id"]  # set to the order once it has an id
                    values["customization"] = json.loads(values["customization"])
                    lines.append(OrderLine(**_fields(OrderLine, values)))
                k += n_lines
                objs.append((order, lines))
                if limit and len(objs) >= limit:
                    return objs
        return objs

    run = fresh_run()
    objs = instances(run.pk, "B")
    funnel = [DailyFunnel(store=store, run=run, date=start, channel=c.channel, source="synthetic")
              for store in stores for c in store.channels.all()]  # fmt: skip
    t = time.perf_counter()
    with transaction.atomic():
        Order.objects.bulk_create([o for o, _ in objs], batch_size=1000)
        lines = []
        for order, order_lines in objs:
            for line in order_lines:
                line.order = order
                lines.append(line)
        OrderLine.objects.bulk_create(lines, batch_size=1000)
        DailyFunnel.objects.bulk_create(funnel)
    out["bulk_create"] = len(objs) / (time.perf_counter() - t)

    run = fresh_run()
    objs = instances(run.pk, "S", limit=SAVE_SAMPLE)
    t = time.perf_counter()
    with transaction.atomic():
        for order, lines in objs:
            order.save()
            for line in lines:
                line.order = order
                line.save()
    out["save"] = len(objs) / (time.perf_counter() - t)
    return out


def _executemany_insert(batch) -> int:
    """OrderBatch's direct insert with plain executemany: orders, their ids read back, lines."""
    return batch.insert_direct(write=lambda cursor, sql, rows: cursor.executemany(sql, rows))


def _fields(model, values: dict) -> dict:
    by_column = {f.column: f.attname for f in model._meta.concrete_fields}
    from django.utils.dateparse import parse_date, parse_datetime

    out = {}
    for column, value in values.items():
        name = by_column[column]
        field = model._meta.get_field(name.removesuffix("_id") if name.endswith("_id") else name)
        kind = field.get_internal_type()
        if value is not None and kind == "DateTimeField":
            value = parse_datetime(value + "+00:00")
        elif value is not None and kind == "DateField":
            value = parse_date(value)
        elif value is not None and kind == "DecimalField":
            from decimal import Decimal

            value = Decimal(f"{value:.2f}")
        out[name] = value
    return out


def _worker(chunk_ids: list[int], queue) -> None:
    import django

    django.setup()
    from stores import services

    for chunk_id in chunk_ids:
        services.write_chunk(chunk_id)
    queue.put(peak_rss_mb())


def peak_rss_mb() -> float:
    """This process's peak resident memory. VmHWM, not ru_maxrss: Linux carries ru_maxrss across
    exec, so a spawned worker would report the memory of the process that forked it."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def full_run(stores, days: int, workers: int) -> dict:
    from django.db import connections

    from stores import services
    from stores.models import Order
    from stores.services import runs

    run = services.create_run(days=days, seed=2, stores=stores)
    ids = runs.pending_chunk_ids(run)
    connections.close_all()  # each worker process opens its own connection
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    t = time.perf_counter()
    procs = [ctx.Process(target=_worker, args=(ids[w::workers], queue)) for w in range(workers)]
    for p in procs:
        p.start()
    peaks = [queue.get() for _ in procs]
    for p in procs:
        p.join()
    wall = time.perf_counter() - t
    run.refresh_from_db()
    orders = Order.objects.filter(run=run).count()
    return {
        "run_status": run.status,
        "run_orders": orders,
        "run_seconds": wall,
        "run_orders_per_s": orders / wall,
        "worker_peak_mb": max(peaks),
        "workers": workers,
    }


def report(results: list[dict], args) -> None:
    print()
    print(f"Write path vs other writers (same rows: 5 stores x {SAMPLE_DAYS} days), orders/s")
    print(f"{'backend':10} {'orders':>8} {'write path':>11} {'save()':>9} {'bulk_create':>12} "
          f"{'executemany':>12} {'path/raw':>9}")  # fmt: skip
    for r in results:
        print(
            f"{r['backend']:10} {r['sample_orders']:>8} {r['write_path']:>11,.0f} {r['save']:>9,.0f} "
            f"{r['bulk_create']:>12,.0f} {r['executemany']:>12,.0f} "
            f"{r['write_path'] / r['executemany']:>9.2f}"
        )
        if "copy" in r:
            print(
                f"{'':10} raw COPY of the same rows: {r['copy']:,.0f} orders/s (the path uses COPY)"
            )
    print()
    print(f"Full run: {args.stores} stores x {args.days} days, {args.workers} worker processes")
    print(
        f"{'backend':10} {'orders':>10} {'seconds':>8} {'orders/s':>10} {'peak MB/worker':>15} status"
    )
    for r in results:
        print(
            f"{r['backend']:10} {r['run_orders']:>10,} {r['run_seconds']:>8.1f} "
            f"{r['run_orders_per_s']:>10,.0f} {r['worker_peak_mb']:>15.0f} {r['run_status']}"
        )
    print("\nTargets: a year of 20 stores (~2M orders) <= 30 s on SQLite; write path >= 1/3 of "
          "executemany; <= 300 MB per worker.")  # fmt: skip


if __name__ == "__main__":
    main()
