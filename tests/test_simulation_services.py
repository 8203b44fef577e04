"""Writing simulation runs: chunks, idempotence, exact money, lifecycle, live ticks, the command."""

from __future__ import annotations

import fcntl
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from io import StringIO
from pathlib import Path
from unittest.mock import patch

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count, Sum
from django.utils import timezone

from stores import services
from stores.models import (
    ChunkStatus,
    DailyFunnel,
    Order,
    OrderLine,
    OrderStatus,
    RunChunk,
    RunStatus,
    SimulationRun,
    Source,
)
from stores.services import bulk_write, runs
from stores.services import live as live_service
from stores.services.rollup import ROLLUP_FIELDS
from stores.simulation import engine, realisation
from stores.simulation.ledger import ORDER_COST_LINES
from stores.simulation.params import STATUSES

START = date(2026, 1, 5)
START_UTC = datetime(2026, 1, 5, tzinfo=UTC)
NOW = timezone.make_aware(datetime(2026, 3, 1, 12))
ORDER_KEY = ("store_id", "placed_at", "channel", "payment_method", "status", "gross_sales",
             "discount", "refund", "goods_cost", "cod_fee", "planned_outcome", "outcome_at")  # fmt: skip


def order_rows(run) -> list[tuple]:
    return list(
        Order.objects.filter(run=run).order_by("placed_at", "number").values_list(*ORDER_KEY)
    )


def funnel_rows(run) -> list[tuple]:
    fields = ("store_id", "date", "channel", "sessions", "converted", "ad_spend", *ROLLUP_FIELDS)
    return list(
        DailyFunnel.objects.filter(run=run)
        .order_by("store_id", "date", "channel")
        .values_list(*fields)
    )


def start_plus(days: int) -> datetime:
    return timezone.make_aware(datetime.combine(START, datetime.min.time())) + timedelta(days=days)


def write_all(run, now=NOW) -> None:
    for chunk in run.chunks.order_by("-first_day"):  # any order gives the same rows
        assert services.write_chunk(chunk.pk, now=now) == "written"


@pytest.fixture
def two_stores(make_store):
    return [make_store("cod"), make_store("single_product")]


def test_a_run_writes_orders_lines_and_funnel_rows_and_finishes(two_stores):
    run = services.create_run(days=10, seed=1, stores=two_stores, start_date=START, chunk_days=4)
    assert run.chunks_total == 6 and run.status == RunStatus.PENDING

    write_all(run)

    run.refresh_from_db()
    assert (run.status, run.chunks_done, run.progress) == (RunStatus.DONE, 6, 1.0)
    orders = Order.objects.filter(run=run)
    assert orders.count() == sum(c.orders_written for c in run.chunks.all()) > 0
    assert not orders.filter(lines__isnull=True).exists()
    assert DailyFunnel.objects.filter(run=run).count() == 10 * sum(
        s.channels.count() for s in two_stores
    )
    assert set(orders.values_list("source", flat=True)) == {Source.SYNTHETIC}
    # Times are stored as UTC instants: each order sits on its placement day, in day order.
    for o in orders:
        assert o.placed_at.astimezone(UTC).date() == o.placed_date
        assert o.placed_at < o.planned_shipped_at < o.planned_delivered_at
        if o.planned_outcome == OrderStatus.DELIVERED:
            assert o.outcome_at is None  # nothing more will happen to a kept order
        else:
            assert o.planned_delivered_at <= o.outcome_at
    assert (
        orders.filter(
            placed_at__gte=START_UTC, placed_at__lt=START_UTC + timedelta(days=10)
        ).count()
        == orders.count()
    )
    funnel = DailyFunnel.objects.filter(run=run).aggregate(c=Sum("converted"), o=Sum("orders"))
    assert funnel["c"] == funnel["o"] == orders.count()


def test_written_rollup_equals_a_rebuild_from_the_order_rows(two_stores):
    run = services.create_run(days=12, seed=2, stores=two_stores, start_date=START, chunk_days=5)
    write_all(run, now=start_plus(20))
    before = funnel_rows(run)

    for store in two_stores:
        days = [START + timedelta(days=i) for i in range(12)]
        services.rebuild_rollup(store.pk, days, run_id=run.pk, source=Source.SYNTHETIC)

    assert funnel_rows(run) == before


def test_money_is_exact_to_the_cent_and_the_identities_hold_per_order(two_stores):
    run = services.create_run(days=15, seed=3, stores=two_stores, start_date=START, chunk_days=15)
    write_all(run, now=start_plus(25))  # some cohorts mature, some not
    orders = list(Order.objects.filter(run=run))
    assert {o.status for o in orders} >= {OrderStatus.DELIVERED, OrderStatus.REFUSED}
    for o in orders:
        money = [o.gross_sales, o.discount, o.refund, *(getattr(o, f) for f in ORDER_COST_LINES)]
        assert all(m == m.quantize(Decimal("0.01")) and m >= 0 for m in money)
        lines = sum(line.unit_price * line.quantity for line in o.lines.all())
        assert lines == o.gross_sales
        if o.status == OrderStatus.REFUSED:
            assert o.delivered_at is None and o.cod_fee == 0 and o.return_shipping_cost > 0
            assert o.net_sales == 0
    day = DailyFunnel.objects.filter(run=run).aggregate(
        **{f: Sum(f) for f in ("gross_sales", "discount", "refund", *ORDER_COST_LINES)}
    )
    assert day["gross_sales"] == sum(o.gross_sales for o in orders)
    assert day["refund"] == sum(o.refund for o in orders)
    assert sum(day[f] for f in ORDER_COST_LINES) == sum(o.order_costs for o in orders)


def test_a_chunk_written_twice_or_redone_after_a_crash_leaves_one_copy(two_stores):
    run = services.create_run(days=6, seed=4, stores=two_stores[:1], start_date=START, chunk_days=6)
    chunk = run.chunks.get()
    assert services.write_chunk(chunk.pk, now=NOW) == "written"
    first = order_rows(run)

    assert services.write_chunk(chunk.pk, now=NOW) == "already done"
    # A worker died after committing but before acking: the chunk is redone from scratch.
    RunChunk.objects.filter(pk=chunk.pk).update(status=ChunkStatus.RUNNING)
    assert services.write_chunk(chunk.pk, now=NOW) == "written"

    assert order_rows(run) == first
    assert (
        Order.objects.filter(run=run)
        .values("number")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
        == 0
    )
    assert OrderLine.objects.filter(order__run=run).count() == sum(
        o.lines.count() for o in Order.objects.filter(run=run)
    )


def test_same_seed_same_rows_whatever_the_chunk_size_and_another_seed_differs(two_stores):
    a = services.create_run(days=9, seed=5, stores=two_stores, start_date=START, chunk_days=2)
    b = services.create_run(days=9, seed=5, stores=two_stores, start_date=START, chunk_days=9)
    c = services.create_run(days=9, seed=6, stores=two_stores, start_date=START, chunk_days=9)
    for run in (a, b, c):
        write_all(run)
    assert order_rows(a) == order_rows(b)
    assert [r[:5] for r in funnel_rows(a)] == [r[:5] for r in funnel_rows(b)]
    assert order_rows(a) != order_rows(c)


def test_a_cancelled_run_writes_nothing_more(two_stores):
    run = services.create_run(days=4, seed=7, stores=two_stores, start_date=START, chunk_days=2)
    first, *rest = run.chunks.all()
    services.write_chunk(first.pk, now=NOW)
    assert services.cancel_run(run.pk)

    assert [services.write_chunk(c.pk, now=NOW) for c in rest] == ["cancelled"] * len(rest)
    run.refresh_from_db()
    assert (run.status, run.chunks_done) == (RunStatus.CANCELLED, 1)


def test_a_run_stands_as_of_its_end_whenever_it_is_written_and_the_lifecycle_leaves_it(
    two_stores,
):
    early = services.create_run(days=8, seed=8, stores=two_stores, start_date=START, chunk_days=8)
    late = services.create_run(days=8, seed=8, stores=two_stores, start_date=START, chunk_days=8)
    write_all(early, now=start_plus(9))
    write_all(late, now=start_plus(80))

    assert early.as_of == start_plus(8)
    # The last days' orders are still under way as of the run's end ...
    assert Order.objects.filter(
        run=early, status__in=[OrderStatus.PLACED, OrderStatus.SHIPPED]
    ).exists()
    # ... and stay so: the same seed gives the same rows whatever the wall clock said.
    assert order_rows(early) == order_rows(late)
    rollup = lambda run: [r[1:] for r in funnel_rows(run)]  # noqa: E731
    assert rollup(early) == rollup(late)
    before = order_rows(early)
    assert services.advance_lifecycle(now=start_plus(200)) == 0
    assert order_rows(early) == before


def test_the_lifecycle_moves_live_orders_as_a_later_realisation_would(make_store):
    store = make_store("cod")
    day = date(2026, 3, 2)
    morning = timezone.make_aware(datetime.combine(day, datetime.min.time()))
    services.set_live([store], True, now=morning)
    services.live_tick(now=morning + timedelta(hours=20))
    live = Order.objects.filter(store=store, run=None)
    assert live.filter(status=OrderStatus.PLACED).exists()
    later = morning + timedelta(days=90)

    assert services.advance_lifecycle(now=later) > 0

    params = services.store_params(store).with_traffic_scaled(settings.LIVE_TRAFFIC_SCALE)
    result = engine.simulate(
        params, seed=live_service.LIVE_SEED, first_day=day, days=1, customers=False
    )
    real = realisation.realise_orders(params, result.orders, int(later.timestamp()))
    expected = {
        f"L-S{store.pk}-{day:%Y%m%d}-{seq}": (STATUSES[code], refund / 100, cod_fee / 100)
        for seq, code, refund, cod_fee in zip(
            result.orders.seq.tolist(),
            real.status.tolist(),
            real.refund.tolist(),
            real.cod_fee.tolist(),
            strict=True,
        )
    }
    rows = live.values_list("number", "status", "refund", "cod_fee")
    assert {n: (st, float(r), float(c)) for n, st, r, c in rows} == {
        n: expected[n] for n, *_ in rows
    }
    assert {st for _, st, _, _ in rows} >= {OrderStatus.DELIVERED, OrderStatus.REFUSED}
    assert services.advance_lifecycle(now=later) == 0


def test_live_ticks_reveal_the_day_once_and_count_the_funnel(make_store):
    store = make_store("general")
    morning = timezone.make_aware(datetime(2026, 3, 2, 9))
    services.set_live([store], True, now=morning.replace(hour=0))
    services.live_tick(now=morning)
    services.live_tick(now=morning)  # a replayed tick writes nothing twice
    live = Order.objects.filter(store=store, run=None, source=Source.SYNTHETIC)
    after_morning = live.count()
    services.live_tick(now=morning + timedelta(hours=8))

    assert live.count() > after_morning
    assert live.values("number").annotate(n=Count("id")).filter(n__gt=1).count() == 0
    today = DailyFunnel.objects.filter(
        store=store, run=None, date=morning.date(), source=Source.SYNTHETIC
    )
    totals = today.aggregate(c=Sum("converted"), o=Sum("orders"), s=Sum("sessions"))
    assert totals["c"] == totals["o"] == live.filter(placed_date=morning.date()).count()
    assert totals["s"] > totals["c"]
    # Days later, the morning's orders have moved along their lifecycle.
    services.live_tick(now=morning + timedelta(days=40))
    assert not live.filter(placed_date=morning.date(), status=OrderStatus.PLACED).exists()


def test_live_traffic_starts_when_the_store_goes_live_and_a_pause_leaves_no_backlog(make_store):
    store = make_store("single_product")
    noon = timezone.make_aware(datetime(2026, 3, 2, 12))
    live = Order.objects.filter(store=store, run=None, source=Source.SYNTHETIC)
    services.set_live([store], True, now=noon)

    services.live_tick(now=noon)  # the moment it went live: nothing before noon appears
    assert not live.exists()
    services.live_tick(now=noon + timedelta(hours=1))
    first_hour = live.count()
    assert first_hour > 0 and not live.filter(placed_at__lte=noon).exists()

    services.set_live([store], False)
    services.live_tick(now=noon + timedelta(hours=5))  # paused: nothing is generated
    assert live.count() == first_hour
    services.set_live([store], True, now=noon + timedelta(hours=5))
    services.live_tick(now=noon + timedelta(hours=6))

    gap = (noon + timedelta(hours=1), noon + timedelta(hours=5))
    assert not live.filter(placed_at__gt=gap[0], placed_at__lte=gap[1]).exists()
    assert live.count() > first_hour
    row = DailyFunnel.objects.filter(store=store, date=noon.date(), run=None).aggregate(
        s=Sum("sessions"), c=Sum("converted"), o=Sum("orders")
    )
    assert row["c"] == row["o"] == live.count() and row["s"] > row["c"]


def test_simulate_command_in_process_prints_a_summary(two_stores):
    out = StringIO()
    slugs = ",".join(s.slug for s in two_stores)
    call_command(
        "simulate", "--days", "5", "--seed", "9", "--stores", slugs, "--in-process", stdout=out
    )
    text = out.getvalue()
    assert "100%" in text
    for store in two_stores:
        assert store.slug in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--days", "0", "--seed", "1"], "--days must be between"),
        (["--days", "ten", "--seed", "1"], "not a whole number"),
        (["--days", "5"], "Give --days N and --seed S"),
        (["--days", "5", "--seed", "-3"], "zero or positive"),
        (["--days", "5", "--seed", "1", "--stores", "no-such-store"], "Unknown or inactive"),
        (["--days", "5", "--seed", "1", "--start", "2026-13-01"], "YYYY-MM-DD"),
        (["--resume", "999999"], "No simulation run"),
        (["--days", "5", "--seed", "1", "--chunk-days", "0"], "--chunk-days must be at least 1"),
        # The engine counts days from 1970 and dates end in 9999: these were tracebacks from
        # inside the engine, after the run had been created.
        (["--days", "5", "--seed", "1", "--start", "0001-01-01"], "must fall between 1970-01-01"),
        (["--days", "5", "--seed", "1", "--start", "9999-12-31"], "must fall between 1970-01-01"),
        # An empty --stores (an unset shell variable) simulated every store.
        (["--days", "5", "--seed", "1", "--stores", ""], "--stores names no store"),
        (["--days", "5", "--seed", "1", "--stores", " , "], "--stores names no store"),
    ],
)
def test_simulate_command_rejects_bad_arguments(two_stores, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("simulate", *args, "--in-process", stdout=StringIO())
    assert not SimulationRun.objects.exists()


def test_a_run_left_from_before_dates_were_checked_cannot_be_resumed(two_stores):
    # It was created by `--start 0001-01-01` before that was refused: resuming it was a
    # traceback from inside the engine.
    run = services.create_run(days=3, seed=1, stores=two_stores)
    SimulationRun.objects.filter(pk=run.pk).update(start_date=date(1, 1, 1))
    with pytest.raises(CommandError, match=f"^Run #{run.pk} cannot be resumed. The days"):
        call_command("simulate", "--resume", str(run.pk), "--in-process", stdout=StringIO())


# SQLite stages a chunk's batches before the write turn up to STAGE_LIMIT orders, and streams
# them inside the transaction beyond it; PostgreSQL streams either way.
@pytest.mark.parametrize("stage_limit", [100_000, 0], ids=["staged", "beyond-stage-limit"])
def test_a_huge_chunk_streamed_in_batches_writes_the_same_rows(
    two_stores, monkeypatch, stage_limit
):
    whole = services.create_run(days=5, seed=10, stores=two_stores, start_date=START, chunk_days=5)
    write_all(whole)
    monkeypatch.setattr(runs, "WRITE_BATCH", 7)
    monkeypatch.setattr(runs, "STAGE_LIMIT", stage_limit)
    streamed = services.create_run(
        days=5, seed=10, stores=two_stores, start_date=START, chunk_days=5
    )
    write_all(streamed)

    assert order_rows(streamed) == order_rows(whole)
    lines = lambda run: list(  # noqa: E731
        OrderLine.objects.filter(order__run=run)
        .order_by("order__placed_at", "order__number", "pk")
        .values_list("order__placed_at", "title", "quantity", "unit_price", "customization")
    )
    assert lines(streamed) == lines(whole)


def test_a_chunk_that_gives_up_fails_its_run_with_the_reason(two_stores, broker):
    run = services.create_run(days=2, seed=11, stores=two_stores[:1], start_date=START)
    chunk = run.chunks.get()
    services.dispatch_run(run)  # queued after commit; nothing consumes it here

    runs.fail_run(chunk.pk, "chunk 1: OperationalError('disk full')")

    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and "disk full" in run.error
    services.resume_run(run.pk)  # a resumed run is running again, its error cleared
    run.refresh_from_db()
    assert (run.status, run.error) == (RunStatus.RUNNING, "")


def test_live_traffic_scale_multiplies_visits_not_rates(make_store, settings):
    store = make_store("single_product")
    evening = timezone.make_aware(datetime(2026, 3, 3, 22))
    settings.LIVE_TRAFFIC_SCALE = 1
    services.set_live([store], True, now=evening.replace(hour=0))
    services.live_tick(now=evening)
    funnel = DailyFunnel.objects.filter(store=store, run=None, date=evening.date())
    plain = funnel.aggregate(s=Sum("sessions"))["s"]
    DailyFunnel.objects.filter(store=store).delete()
    Order.objects.filter(store=store).delete()
    settings.LIVE_TRAFFIC_SCALE = 30
    services.set_live([store], False)
    services.set_live([store], True, now=evening.replace(hour=0))
    services.live_tick(now=evening)

    scaled = funnel.aggregate(s=Sum("sessions"), c=Sum("converted"))
    assert 20 * plain < scaled["s"] < 40 * plain
    assert 0.02 < scaled["c"] / scaled["s"] < 0.07  # single-product conversion, unchanged


@pytest.mark.parametrize(
    ("days", "spans"),
    [(365, [92, 92, 92, 89]), (90, [90]), (92, [92]), (185, [62, 62, 61]), (1, [1])],
)
def test_a_run_is_split_into_even_chunks_of_at_most_a_quarter(two_stores, days, spans):
    run = services.create_run(days=days, seed=1, stores=two_stores[:1], start_date=START)
    chunks = run.chunks.order_by("first_day")
    assert [c.day_count for c in chunks] == spans
    assert [c.first_day for c in chunks] == [sum(spans[:k]) for k in range(len(spans))]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the write turn is SQLite's")
def test_a_chunk_claimed_while_another_worker_writes_still_counts_its_attempt(two_stores):
    run = services.create_run(days=3, seed=12, stores=two_stores[:1], start_date=START)
    chunk = run.chunks.get()
    lock_path = f"{connection.settings_dict['NAME']}.writer-lock"
    with open(lock_path, "a") as other_worker:  # another process's turn, as flock sees it
        fcntl.flock(other_worker, fcntl.LOCK_EX)
        try:
            assert runs._try_claim(chunk.pk, run.pk, START_UTC) is False
        finally:
            fcntl.flock(other_worker, fcntl.LOCK_UN)
    chunk.refresh_from_db()
    assert chunk.status == ChunkStatus.PENDING and chunk.attempts == 0  # nothing written

    with patch.object(runs, "_try_claim", return_value=False):  # busy at claim time
        assert runs.write_chunk(chunk.pk) == runs.WRITTEN
    chunk.refresh_from_db()
    run.refresh_from_db()
    assert chunk.status == ChunkStatus.DONE and chunk.attempts == 1
    assert run.status == RunStatus.DONE and run.started_at is not None
    # The turn leaves the connection checkpointing again for whatever else it writes.
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint")
        assert cursor.fetchone()[0] == bulk_write.WAL_AUTOCHECKPOINT


def test_deleting_a_product_or_customer_keeps_the_orders_that_name_them(two_stores):
    from stores.models import Customer

    run = services.create_run(days=3, seed=13, stores=two_stores[:1], start_date=START)
    write_all(run)
    line = OrderLine.objects.filter(order__run=run).select_related("product").first()
    title, product = line.title, line.product
    sold = OrderLine.objects.filter(product=product).count()
    order = line.order
    customer = Customer.objects.create(store=order.store, email="kim@example.com")
    Order.objects.filter(pk=order.pk).update(customer=customer)

    product.delete()
    customer.delete()

    assert OrderLine.objects.filter(product=None, title=title).count() == sold
    order.refresh_from_db()
    assert order.customer is None and order.lines.exists()


def test_lookups_by_store_run_or_customer_use_an_index_without_their_own(two_stores):
    store = two_stores[0]
    run = services.create_run(days=2, seed=14, stores=[store], start_date=START)
    write_all(run)
    from stores.models import Customer

    customer = Customer.objects.create(store=store, email="lee@example.com")
    for queryset in (
        Order.objects.filter(store=store),
        Order.objects.filter(run=run),
        Order.objects.filter(customer=customer),
        Order.objects.filter(customer__in=[customer.pk]),
        DailyFunnel.objects.filter(store=store),
        DailyFunnel.objects.filter(run=run),
        OrderLine.objects.filter(order__in=[1, 2]),
        OrderLine.objects.filter(product__in=[1, 2]),  # what deleting products checks
    ):
        plan = queryset.explain()
        table = queryset.model._meta.db_table
        if connection.vendor == "sqlite":
            assert f"SEARCH {table} USING INDEX" in plan, (str(queryset.query), plan)
        else:  # tables this small are scanned unless told not to; told, can an index serve?
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL enable_seqscan = off")
            plan = queryset.explain()
            assert "Index Scan using" in plan or "Bitmap Index Scan on" in plan, plan
            assert f"Seq Scan on {table}" not in plan, plan


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's write-ahead log")
@pytest.mark.django_db(transaction=True)
def test_a_write_turn_empties_a_write_ahead_log_grown_past_its_limit(make_store, monkeypatch):
    # Workers take turns faster than SQLite can reuse the log from its start, so without this
    # the file would grow by every turn's pages for the whole run.
    run = services.create_run(days=3, seed=15, stores=[make_store("cod")], start_date=START)
    write_all(run)  # outside a transaction, as a worker writes: checkpointed, not emptied
    wal = Path(f"{connection.settings_dict['NAME']}-wal")
    grown = wal.stat().st_size
    assert grown > 0

    with bulk_write.writer_turn():
        assert wal.stat().st_size == grown  # under the limit: left alone
    monkeypatch.setattr(bulk_write, "WAL_TRUNCATE_BYTES", grown - 1)
    with bulk_write.writer_turn():
        assert wal.stat().st_size == 0
    assert Order.objects.filter(run=run).exists()  # every page made it to the database
