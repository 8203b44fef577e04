"""Server time of the comparison page and its JSON on one simulated year of 20 stores, beside the
naive aggregation over the order rows.

    .venv/bin/python benchmarks/dashboard_queries.py [--orders-naive 300000] [--repeat 7]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python benchmarks/dashboard_queries.py

What it builds, in a throwaway test database (SQLite under a temporary SANDBOX_VAR_DIR, or a
`test_...` database on the DATABASE_URL server):
- 20 stores (the five demo models, four of each) and, for each, 365 days x 6 channels of
  DailyFunnel rows (43,800 rows): the table the dashboard reads. Their order columns add up to
  about 2 million orders (~46 per store x day x channel), as a real simulated year would.
- For the naive side, `--orders-naive` order rows inserted by executemany (writing 2 million
  order rows through the ORM takes far longer than the point needs). The naive aggregation over
  them is timed, and its time is scaled linearly to 2 million orders: a full scan grouped by
  store grows with the rows it reads. The scaled figure is labelled as such.

The dashboard timings are the median of `--repeat` requests through Django's test Client
(URL routing, the view, its aggregate queries, the template), after one warm-up request.
Figures depend on the machine; they are printed, never asserted.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
if not os.environ.get("DATABASE_URL"):
    os.environ.setdefault("SANDBOX_VAR_DIR", tempfile.mkdtemp(prefix="bench-dashboard-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sandbox.settings")
os.environ.setdefault("TEST_DB_NAME", "test_bench_dashboard")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count, Q, Sum  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from stores import metrics, services  # noqa: E402
from stores.models import (  # noqa: E402
    ORDER_COST_LINES,
    Channel,
    DailyFunnel,
    Order,
    OrderStatus,
    Store,
)
from stores.presets import DEMO_MODELS  # noqa: E402

STORES = 20
LOAD = [0.0, 0.0, 0.0]
DAYS = 365
FULL_YEAR_ORDERS = 2_000_000
START = date(2025, 1, 1)
D = Decimal


def build_stores() -> list[Store]:
    stores = []
    for i in range(STORES):
        model = DEMO_MODELS[i % len(DEMO_MODELS)]
        stores.append(
            services.create_store_from_preset(
                model, name=f"Bench {model} {i}", slug=f"bench-{i}", with_catalogue=False
            )
        )
    return stores


def build_funnel(stores: list[Store], rng: random.Random) -> int:
    """43,800 funnel rows whose order columns sum to about two million orders."""
    per_row = FULL_YEAR_ORDERS / (STORES * DAYS * len(Channel.values))
    rows = []
    for store in stores:
        for day in range(DAYS):
            for channel in Channel.values:
                orders = max(0, int(rng.gauss(per_row, per_row / 4)))
                sessions = int(orders / rng.uniform(0.012, 0.04)) + 1
                gross = D(orders) * D(str(round(rng.uniform(30, 90), 2)))
                delivered = int(orders * 0.9)
                rows.append(
                    DailyFunnel(
                        store=store, date=START + timedelta(days=day), channel=channel,
                        source="synthetic", sessions=sessions,
                        product_views=sessions // 2, adds_to_cart=sessions // 15,
                        reached_checkout=sessions // 25, converted=orders,
                        ad_spend=D(sessions // 4) if channel.startswith("paid") else D(0),
                        other_cost=D("3.50"), orders=orders, new_customers=int(orders * 0.8),
                        items=orders + orders // 3, gross_sales=gross, discount=gross / 20,
                        refund=gross / 12, goods_cost=gross * D("0.4"),
                        shipping_cost=D(orders * 5), return_shipping_cost=D(orders // 10 * 6),
                        payment_fee=gross * D("0.03"), delivered_orders=delivered,
                        returned_orders=delivered // 8, refunded_orders=delivered // 50,
                        chargebacks=orders // 200, cod_orders=orders // 3,
                        cod_shipped=orders // 3, cod_refused=orders // 15,
                        cash_collected=gross * D("0.85"), cash_orders=int(orders * 0.85),
                        cash_lag_days=orders * 4,
                    )
                )  # fmt: skip
    for row in rows:  # two places, as the columns hold
        for name in ("gross_sales", "discount", "refund", "goods_cost", "payment_fee",
                     "cash_collected"):  # fmt: skip
            setattr(row, name, getattr(row, name).quantize(D("0.01")))
    DailyFunnel.objects.bulk_create(rows, batch_size=2000)
    return sum(r.orders for r in rows)


def build_orders(stores: list[Store], n: int, rng: random.Random) -> None:
    """n order rows by executemany, spread over the stores and the year."""
    fields = [f for f in Order._meta.concrete_fields if not f.primary_key]
    columns = [f.column for f in fields]
    defaults = {f.attname: f.get_default() for f in fields}
    statuses = [OrderStatus.DELIVERED] * 8 + [OrderStatus.RETURNED, OrderStatus.REFUSED]
    sql = 'INSERT INTO "{}" ({}) VALUES ({})'.format(
        Order._meta.db_table,
        ", ".join(f'"{c}"' for c in columns),
        ", ".join(["%s"] * len(columns)),
    )
    batch = []
    with connection.cursor() as cursor:
        for i in range(n):
            store = stores[i % len(stores)]
            day = START + timedelta(days=rng.randrange(DAYS))
            placed = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
            gross = D(rng.randrange(1500, 12000)) / 100
            values = dict(defaults)
            values.update(
                store_id=store.id, number=f"B{i}", source="synthetic",
                channel=Channel.values[i % 6], payment_method="cod" if i % 3 == 0 else "card",
                status=statuses[i % len(statuses)], placed_at=placed, placed_date=day,
                shipped_at=placed + timedelta(days=2), gross_sales=gross,
                goods_cost=(gross * D("0.4")).quantize(D("0.01")), shipping_cost=D("5.00"),
                payment_fee=(gross * D("0.03")).quantize(D("0.01")),
            )  # fmt: skip
            if values["status"] != OrderStatus.REFUSED:
                values["delivered_at"] = placed + timedelta(days=6)
            batch.append(tuple(f.get_db_prep_save(values[f.attname], connection) for f in fields))
            if len(batch) == 5000:
                cursor.executemany(sql, batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)


def naive_aggregation(stores: list[Store], as_of: date) -> list[dict]:
    """What a dashboard without the rollup would run: every order row, grouped by store."""
    mature = Q()
    for store in stores:
        mature |= Q(store_id=store.id, placed_date__lte=metrics.mature_through(store, as_of))
    return list(
        Order.objects.values("store_id")
        .annotate(
            orders=Count("id"),
            new_customers=Count("id", filter=Q(is_new_customer=True)),
            delivered=Count("id", filter=mature & Q(delivered_at__isnull=False)),
            returned=Count("id", filter=mature & Q(status=OrderStatus.RETURNED)),
            cod_shipped=Count("id", filter=mature & Q(payment_method="cod", shipped_at__isnull=False)),
            cod_refused=Count("id", filter=mature & Q(status=OrderStatus.REFUSED)),
            **{c: Sum(c) for c in ("gross_sales", "discount", "refund", *ORDER_COST_LINES)},
        )
        .order_by()
    )  # fmt: skip


def timed(fn, repeat: int) -> tuple[float, float, object]:
    """Median wall time and median CPU time of this process, in ms.

    On SQLite the database work runs inside this process, so CPU time is the server time without
    the other processes of a busy machine; on PostgreSQL it leaves out the database server's
    share, so read the wall time there.
    """
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
    parser.add_argument("--orders-naive", type=int, default=300_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        rng = random.Random(2026)
        t0 = time.perf_counter()
        stores = build_stores()
        rollup_orders = build_funnel(stores, rng)
        t1 = time.perf_counter()
        build_orders(stores, args.orders_naive, rng)
        with connection.cursor() as cursor:
            # Planner statistics, as autovacuum (PostgreSQL) would have them on a live database;
            # without them PostgreSQL sizes the grouping for 2,000 rows and spills to disk.
            cursor.execute("ANALYZE")
        t2 = time.perf_counter()
        print(f"database: {connection.vendor}")
        print(f"built {STORES} stores x {DAYS} days x 6 channels = "
              f"{DailyFunnel.objects.count():,} funnel rows standing for {rollup_orders:,} orders "
              f"({t1 - t0:.1f} s); {args.orders_naive:,} order rows for the naive side "
              f"({t2 - t1:.1f} s)")  # fmt: skip

        user = get_user_model().objects.create_superuser("bench", "b@example.com", "x-bench-1")
        client = Client()
        client.force_login(user)
        as_of = START + timedelta(days=DAYS - 1)
        query = "?run=all"

        def page():
            response = client.get("/dashboard/" + query)
            assert response.status_code == 200, response.status_code
            return response

        def page_json():
            response = client.get("/dashboard/export/table.json" + query)
            assert response.status_code == 200
            return response

        def compare_only():
            return metrics.compare_stores(stores, as_of=as_of)

        LOAD[:] = os.getloadavg()
        page_ms, page_cpu, response = timed(page, args.repeat)
        json_ms, json_cpu, _ = timed(page_json, args.repeat)
        compare_ms, compare_cpu, _ = timed(compare_only, args.repeat)
        with CaptureQueriesContext(connection) as ctx:
            page()
        page_queries = len(ctx.captured_queries)
        naive_ms, naive_cpu, naive_rows = timed(
            lambda: naive_aggregation(stores, as_of), max(3, args.repeat // 2)
        )
        scale = FULL_YEAR_ORDERS / args.orders_naive
        table = [
            ("comparison page /dashboard/ (20 stores, full HTML)", page_ms, page_cpu),
            ("comparison JSON /dashboard/export/table.json", json_ms, json_cpu),
            ("  of which metrics.compare_stores (2 queries + stats)", compare_ms, compare_cpu),
            (f"naive Order aggregation, {args.orders_naive:,} rows (measured)", naive_ms, naive_cpu),
            ("naive Order aggregation, scaled to 2,000,000 rows", naive_ms * scale, naive_cpu * scale),
        ]  # fmt: skip

        print()
        print(f"load average before timing: {LOAD[0]:.1f} (1 min) on {os.cpu_count()} CPUs")
        print(f"{'what':<58}{'wall ms':>10}{'CPU ms':>10}")
        for label, wall, cpu in table:
            print(f"{label:<58}{wall:>10.1f}{cpu:>10.1f}")
        print()
        print(f"page: {page_queries} queries, {len(response.content) / 1024:.0f} KiB of HTML; "
              f"naive grouped {len(naive_rows)} stores")  # fmt: skip
        print(f"naive (scaled) / dashboard JSON, wall time: {naive_ms * scale / json_ms:.0f}x")
        for label, wall, cpu in table[:2]:
            verdict = "met" if wall <= 150 else "missed on wall time"
            if wall > 150:
                verdict += f", {'met' if cpu <= 150 else 'missed'} on CPU time"
            print(f"target 150 ms, {label.split(' (')[0].strip()}: {verdict}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
