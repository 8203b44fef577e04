"""Server time of the comparison page and its JSON on a simulated year of 20 stores (about two
million orders), beside one raw GROUP BY over those order rows.

    .venv/bin/python benchmarks/dashboard_queries.py [--repeat 9] [--scale 18]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python benchmarks/dashboard_queries.py

What it builds, in a throwaway test database (SQLite under a temporary SANDBOX_VAR_DIR, or a
`test_...` database on the DATABASE_URL server): 20 stores (the five demo models, four of each)
with their traffic multiplied by `--scale`, and one simulated run of 365 days written by the
real write path in this process, so the order rows, the DailyFunnel rollup and the run's
RunStoreDay summary are what a class would have.

It times, as the median of `--repeat` requests through Django's test Client after one warm-up:
- the comparison page for that run (the dashboard's default selection), and its JSON export:
  the first request of the selection (the cache emptied before each), and again (the finished
  run's comparison kept: metrics.queries.COMPARISON_CACHE_SECONDS);
- the same page over "all data" (every DailyFunnel row, not the run's summary), and the first
  request of a quarter's cohorts and of one channel (their cash balance reads the order rows:
  the run's packed cash flows cover all of its orders only);
- where the page's time goes: its SQL (the queries' own time), the rest of
  metrics.compare_stores (Python), and the view and template;
- one raw `GROUP BY store` over all the order rows, summing the money columns: the query the
  rollups exist to avoid. Measured on the same rows, not scaled.
Figures depend on the machine and its load; they are printed, never asserted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
if not os.environ.get("DATABASE_URL"):
    os.environ.setdefault("SANDBOX_VAR_DIR", tempfile.mkdtemp(prefix="bench-dashboard-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sandbox.settings")
os.environ.setdefault("TEST_DB_NAME", "test_bench_dashboard")

import django  # noqa: E402

django.setup()

from datetime import date  # noqa: E402

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from stores import metrics, services  # noqa: E402
from stores.models import Order, RunStoreDay  # noqa: E402
from stores.simulation.ledger import ORDER_LINES  # noqa: E402

STORES = 20
DAYS = 365
START = date(2025, 1, 1)


def build(scale: float):
    from simulation_write_path import make_stores  # the same stores as the write-path benchmark

    stores = make_stores(STORES, scale)
    run = services.create_run(days=DAYS, seed=2026, stores=stores, start_date=START)
    services.run_in_process(run)
    run.refresh_from_db()
    return stores, run


def raw_group_by() -> list[tuple]:
    """One GROUP BY over every order row: what a dashboard without rollups would run."""
    table = connection.ops.quote_name(Order._meta.db_table)
    sums = ", ".join(f"SUM({connection.ops.quote_name(c)})" for c in ORDER_LINES)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT store_id, COUNT(*), {sums} FROM {table} GROUP BY store_id")
        return cursor.fetchall()


def timed(fn, repeat: int) -> tuple[float, float, object]:
    """Median wall time and median CPU time of this process, in ms (on SQLite the database
    works inside this process, so CPU time leaves out the rest of a busy machine)."""
    fn()  # warm-up: connection, template and statement caches
    walls, cpus, result = [], [], None
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        result = fn()
        walls.append((time.perf_counter() - t0) * 1000)
        cpus.append((time.process_time() - c0) * 1000)
    return statistics.median(walls), statistics.median(cpus), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--scale", type=float, default=18.0)
    args = parser.parse_args()

    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        t0 = time.perf_counter()
        stores, run = build(args.scale)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # planner statistics, as a live database would have
        orders = Order.objects.count()
        print(f"database: {connection.vendor}")
        print(
            f"built {STORES} stores x {DAYS} days: {orders:,} orders, "
            f"{run.funnel_days.count():,} funnel rows, {RunStoreDay.objects.filter(run=run).count():,} run summary "
            f"rows ({time.perf_counter() - t0:.0f} s)"
        )

        user = get_user_model().objects.create_superuser("bench", "b@example.com", "x-bench-1")
        client = Client()
        client.force_login(user)
        selection = f"?run={run.pk}&baseline=bench-0"

        def get(url):
            def fetch():
                response = client.get(url)
                assert response.status_code == 200, response.status_code
                return response

            return fetch

        def cold(fn):
            """The first request of a selection: the finished run's comparison not kept yet."""

            def fetch():
                cache.clear()
                return fn()

            return fetch

        page = get("/dashboard/" + selection)
        export = get("/dashboard/export/table.json" + selection)
        load = os.getloadavg()[0]
        page_ms, page_cpu, response = timed(cold(page), args.repeat)
        json_ms, json_cpu, _ = timed(cold(export), args.repeat)
        warm_ms, warm_cpu, _ = timed(page, args.repeat)
        warm_json_ms, warm_json_cpu, _ = timed(export, args.repeat)
        all_ms, all_cpu, _ = timed(get("/dashboard/?run=all&baseline=bench-0"), args.repeat)
        # Selections whose cash balance needs the order rows (cohorts placed in a range, one
        # channel's orders): the packed flows of a finished run cover the whole run only.
        few = max(3, args.repeat // 3)
        quarter = f"{selection}&date_from=2025-04-01&date_to=2025-06-30"
        range_ms, range_cpu, _ = timed(cold(get("/dashboard/" + quarter)), few)
        channel_ms, channel_cpu, _ = timed(
            cold(get(f"/dashboard/{selection}&channel=paid_social")), few
        )
        compare_ms, compare_cpu, _ = timed(
            cold(lambda: metrics.compare_stores(stores, run=run, baseline="bench-0")), args.repeat
        )
        # The queries' own time: each query compare_stores ran, run again as the database got it
        # with its rows fetched (the timings Django records stop at execute(), and SQLite does
        # its work as the rows are read).
        cache.clear()
        with CaptureQueriesContext(connection) as ctx:
            metrics.compare_stores(stores, run=run, baseline="bench-0")
        statements = [q["sql"] for q in ctx.captured_queries]
        sql_ms = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            with connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)
                    cursor.fetchall()
            sql_ms.append((time.perf_counter() - t0) * 1000)
        cache.clear()
        with CaptureQueriesContext(connection) as ctx:
            page()
        page_queries = len(ctx.captured_queries)
        raw_ms, raw_cpu, raw_rows = timed(raw_group_by, max(3, args.repeat // 2))
        sql = statistics.median(sql_ms)

        print()
        print(f"load average before timing: {load:.1f} (1 min) on {os.cpu_count()} CPUs")
        print(f"{'what':<60}{'wall ms':>10}{'CPU ms':>10}")
        for label, wall, cpu in (
            ("comparison page, the run (the default selection)", page_ms, page_cpu),
            ("its JSON export", json_ms, json_cpu),
            ("comparison page again (the run's comparison kept)", warm_ms, warm_cpu),
            ("its JSON export again", warm_json_ms, warm_json_cpu),
            ("comparison page, all data (every funnel row)", all_ms, all_cpu),
            ("comparison page, one quarter of the run (first request)", range_ms, range_cpu),
            ("comparison page, one channel (first request)", channel_ms, channel_cpu),
            ("  metrics.compare_stores of the run", compare_ms, compare_cpu),
            (f"raw GROUP BY over {orders:,} order rows", raw_ms, raw_cpu),
        ):
            print(f"{label:<60}{wall:>10.1f}{cpu:>10.1f}")
        print()
        print(
            f"where the page's time goes (wall ms): SQL {sql:.1f} ({len(statements)} queries of "
            f"compare_stores), metrics in Python {compare_ms - sql:.1f}, view and template "
            f"{page_ms - compare_ms:.1f}; "
            f"{page_queries} queries, {len(response.content) / 1024:.0f} KiB of HTML"
        )
        print(
            f"raw GROUP BY / page: {raw_ms / page_ms:.1f}x; raw GROUP BY / JSON: "
            f"{raw_ms / json_ms:.1f}x (goal 10x); target 50 ms each, first request: "
            f"page {'met' if page_ms <= 50 else 'missed'}, JSON {'met' if json_ms <= 50 else 'missed'}"
            f"; again: page {'met' if warm_ms <= 50 else 'missed'}, JSON "
            f"{'met' if warm_json_ms <= 50 else 'missed'} (raw grouped {len(raw_rows)} stores)"
        )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
