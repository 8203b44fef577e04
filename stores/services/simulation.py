"""Simulation writes: create a run, write one chunk of it, advance order lifecycles, live ticks.

The engine (stores/simulation/engine.py) decides what happens; this module turns a Store into the
engine's frozen parameters and writes what the engine returns.

A run is split into chunks (store x span of days, a RunChunk row). `write_chunk` is idempotent:
in one transaction it deletes whatever the run already holds for that store and span, inserts the
orders, lines and funnel rows, rebuilds the rollup, and marks the chunk done. Order numbers are
derived from (run, store, day, sequence) and unique, so two racing copies of a chunk cannot both
land: the loser's transaction fails and its retry finds the chunk done. Any worker, any number of
workers, any order of chunks, any retry: the rows are those of one uninterrupted run.
"""

from __future__ import annotations

import fcntl
import functools
import itertools
import json
import logging
import os
import sqlite3
from collections.abc import Callable, Iterable
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone

from ..models import (
    ChunkStatus,
    DailyFunnel,
    Order,
    OrderLine,
    OrderStatus,
    PaymentMethod,
    Product,
    ReturnShippingPayer,
    RunChunk,
    RunStatus,
    SimulationRun,
    Source,
    Store,
    StoreChannel,
)
from ..simulation import engine
from ..simulation.params import (
    CHANNELS,
    CHARGED_BACK,
    DELIVERED,
    PAYMENT_METHODS,
    REFUNDED,
    REFUSED,
    RETURNED,
    STATUSES,
    CatalogueSummary,
    ChannelParams,
    StoreParams,
)
from .rollup import rebuild_rollup

log = logging.getLogger(__name__)

DEFAULT_CHUNK_DAYS = 92  # a run's longest chunk unless told: a quarter (see chunk_days_for)
WRITE_BATCH = 10_000  # orders prepared and inserted at a time (bounds a worker's memory)
WAL_AUTOCHECKPOINT = 1000  # SQLite's default, restored after a write turn (see _sqlite_writer_turn)
WRITER_CACHE_KIB = 64 * 1024
WAL_TRUNCATE_BYTES = 128 * 1024 * 1024  # SQLite: a write turn empties a WAL this big first
STAGE_LIMIT = 100_000  # SQLite: orders of a chunk staged before its write turn (~40 MB of TEMP)
MAX_DAYS = 3650
LIVE_SEED = 20_261_123  # live traffic is seeded too: a store's live day replays identically


def _cents(amount: Decimal | int | float | None) -> int:
    return int((Decimal(amount or 0) * 100).to_integral_value())


def _e4(rate: Decimal | float) -> int:
    return int((Decimal(rate) * 10_000).to_integral_value())


# --- Store -> engine parameters -------------------------------------------------------------------


def catalogue_summary(products: Iterable[Product]) -> CatalogueSummary:
    products = [p for p in products if p.is_active]
    return CatalogueSummary(
        product_ids=tuple(p.pk or 0 for p in products),
        titles=tuple(p.title for p in products),
        prices_cents=tuple(_cents(p.price) for p in products),
        unit_costs_cents=tuple(_cents(p.unit_cost) for p in products),
        popularity=tuple(float(p.popularity) for p in products),
        customizable=tuple(bool(p.is_customizable) for p in products),
        bundle_quantity=tuple(int(p.bundle_quantity or 1) for p in products),
        supplier_lead_days=tuple(int(p.supplier_lead_days or 0) for p in products),
    )


def store_params(
    store: Store,
    *,
    channels: Iterable[StoreChannel] | None = None,
    products: Iterable[Product] | None = None,
) -> StoreParams:
    """The engine's view of a store. Reads its channels and active products unless given them
    (unsaved objects work too, which is how a preset is simulated without a database)."""
    if channels is None:
        channels = store.channels.all()
    if products is None:
        products = store.products.filter(is_active=True).order_by("pk")
    return StoreParams(
        key=store.pk or 0,
        business_model=store.business_model,
        channels=tuple(
            ChannelParams(
                channel=c.channel,
                daily_sessions=int(c.daily_sessions),
                daily_budget_cents=_cents(c.daily_budget) if c.is_paid else 0,
                cost_per_click_cents=_cents(c.cost_per_click),
                conversion_rate=float(c.conversion_rate),
            )
            for c in sorted(channels, key=lambda c: CHANNELS.index(c.channel))
        ),
        catalogue=catalogue_summary(products),
        fees=store.fee_schedule,
        payment_methods=tuple(store.payment_methods or ("card",)),
        default_payment_method=store.default_payment_method,
        chargeback_rate=float(store.chargeback_rate),
        dispute_fee_cents=_cents(store.dispute_fee),
        cod_share=float(store.cod_share),
        cod_conversion_uplift=float(store.cod_conversion_uplift),
        cod_refusal_base=float(store.cod_refusal_base),
        cod_refusal_per_day=float(store.cod_refusal_per_day),
        cod_remittance_days=int(store.cod_remittance_days),
        shipping_cost_cents=_cents(store.shipping_cost),
        return_shipping_cost_cents=_cents(store.return_shipping_cost),
        handling_days=(int(store.handling_days_min), int(store.handling_days_max)),
        delivery_days=(int(store.delivery_days_min), int(store.delivery_days_max)),
        late_after_days=int(store.late_after_days),
        late_refund_rate=float(store.late_refund_rate),
        late_chargeback_share=float(store.late_chargeback_share),
        return_window_days=int(store.return_window_days),
        store_pays_returns=store.return_shipping_paid_by == ReturnShippingPayer.STORE,
        return_rate=float(store.return_rate),
        defect_rate=float(store.defect_rate),
        returns_restockable=bool(store.returns_restockable),
        price_elasticity=float(store.price_elasticity),
        product_view_rate=float(store.product_view_rate),
        add_to_cart_rate=float(store.add_to_cart_rate),
        checkout_rate=float(store.checkout_rate),
        extra_items_mean=float(store.extra_items_mean),
        bundle_take_rate=float(store.bundle_take_rate),
        bundle_discount_e4=_e4(store.bundle_discount),
        repeat_purchase_rate=float(store.repeat_purchase_rate),
        ad_fatigue_per_day=float(store.ad_fatigue_per_day),
        stockout_rate=float(store.stockout_rate),
        sku_daily_cost_cents=_cents(store.sku_daily_cost),
        owns_customer_data=bool(store.owns_customer_data),
    )


def params_from_preset(preset_key: str, *, store_key: int = 1, **overrides: Any) -> StoreParams:
    """A preset's parameters with its generated catalogue, without touching the database."""
    from ..presets import get_preset
    from ..simulation.catalogue import generate_catalogue as catalogue_specs
    from .stores import CATALOGUE_SEED

    preset = get_preset(preset_key)
    values = {**preset.store_values(), **overrides}
    store = Store(pk=store_key, business_model=preset.key, preset=preset.key, **values)
    channels = [StoreChannel(**v) for v in preset.channel_values(store.owns_customer_data)]
    specs = catalogue_specs(preset.catalogue, float(store.markup), CATALOGUE_SEED)
    products = [
        Product(
            pk=i,
            title=s.title,
            price=s.price,
            unit_cost=s.unit_cost,
            popularity=s.popularity,
            is_customizable=s.is_customizable,
            bundle_quantity=s.bundle_quantity,
            supplier_lead_days=s.supplier_lead_days,
        )
        for i, s in enumerate(specs, start=1)
    ]
    return store_params(store, channels=channels, products=products)


# --- Runs ---------------------------------------------------------------------------------------


@transaction.atomic
def create_run(
    *,
    days: int,
    seed: int,
    stores: Iterable[Store] | None = None,
    start_date: date | None = None,
    chunk_days: int | None = None,
    common_random_numbers: bool = True,
) -> SimulationRun:
    """A pending run over [start_date, start_date + days) with one RunChunk per store x span.

    The default start is `days` ago, so the run ends today and its latest cohorts are immature
    (their outcomes are realised later by the lifecycle service as the dates pass). The default
    span is chunk_days_for(days).
    """
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"days must be between 1 and {MAX_DAYS}, not {days}.")
    if seed < 0:
        raise ValueError("seed must be zero or positive.")
    if chunk_days is None:
        chunk_days = chunk_days_for(days)
    if chunk_days < 1:
        raise ValueError("chunk_days must be at least 1.")
    stores = list(stores if stores is not None else Store.objects.active())
    if not stores:
        raise ValueError("No stores to simulate.")
    start_date = start_date or (timezone.now().date() - timedelta(days=days))
    run = SimulationRun.objects.create(
        seed=seed,
        start_date=start_date,
        days=days,
        chunk_days=chunk_days,
        common_random_numbers=common_random_numbers,
    )
    run.stores.set(stores)
    chunks = [
        RunChunk(run=run, store=store, first_day=first, day_count=min(chunk_days, days - first))
        for store in stores
        for first in range(0, days, chunk_days)
    ]
    RunChunk.objects.bulk_create(chunks)
    run.chunks_total = len(chunks)
    run.save(update_fields=["chunks_total"])
    return run


def chunk_days_for(days: int) -> int:
    """Even spans of at most DEFAULT_CHUNK_DAYS: a year is 92 + 92 + 92 + 89 days.

    Each chunk costs a few fixed queries, a transaction and a checkpoint whatever its size; at
    30-day chunks that was ~10% of a simulated year's time (benchmarks/simulation_write_path.py),
    while a quarter still gives a progress bar four steps per store and keeps a busy store's
    chunk (~25,000 orders at 18x the demo traffic) well under STAGE_LIMIT.
    """
    chunks = -(-days // DEFAULT_CHUNK_DAYS)
    return -(-days // chunks)


def pending_chunk_ids(run: SimulationRun) -> list[int]:
    return list(
        run.chunks.exclude(status=ChunkStatus.DONE).order_by("first_day", "store_id")
        .values_list("pk", flat=True)
    )  # fmt: skip


def dispatch_run(run: SimulationRun) -> int:
    """Queue a task for every chunk not yet done (after the current transaction commits).

    Used to start a run and to resume one whose worker died: done chunks are skipped, and a chunk
    queued twice is written once. Returns the number of tasks queued.
    """
    from ..tasks import simulate_chunk

    SimulationRun.objects.filter(pk=run.pk).exclude(status=RunStatus.DONE).update(
        status=RunStatus.RUNNING, error="", finished_at=None
    )
    SimulationRun.objects.filter(pk=run.pk, started_at__isnull=True).update(
        started_at=timezone.now()
    )
    ids = pending_chunk_ids(run)
    transaction.on_commit(lambda: [simulate_chunk.delay(chunk_id) for chunk_id in ids])
    return len(ids)


def resume_run(run_id: int) -> int:
    """Re-dispatch a run's unfinished chunks (a worker died, or it was cancelled)."""
    run = SimulationRun.objects.get(pk=run_id)
    return dispatch_run(run)


def cancel_run(run_id: int) -> bool:
    """Stop a run: queued chunks skip when they start. Returns False if it had already ended."""
    return bool(
        SimulationRun.objects.filter(pk=run_id, status__in=[RunStatus.PENDING, RunStatus.RUNNING])
        .update(status=RunStatus.CANCELLED, finished_at=timezone.now())
    )  # fmt: skip


def fail_run(chunk_id: int, error: str) -> None:
    """A chunk gave up after its retries: mark its run failed, with the reason, for the UI."""
    run_ids = RunChunk.objects.filter(pk=chunk_id).values("run_id")
    SimulationRun.objects.filter(pk__in=run_ids, status=RunStatus.RUNNING).update(
        status=RunStatus.FAILED, error=error[:2000], finished_at=timezone.now()
    )


def run_in_process(
    run: SimulationRun, *, on_progress: Callable[[int, int], None] | None = None
) -> SimulationRun:
    """Write every unfinished chunk of a run in this process (no worker), in order."""
    SimulationRun.objects.filter(pk=run.pk).exclude(status=RunStatus.DONE).update(
        status=RunStatus.RUNNING, started_at=timezone.now()
    )
    for chunk_id in pending_chunk_ids(run):
        outcome = write_chunk(chunk_id)
        run.refresh_from_db(fields=["chunks_done", "chunks_total", "status"])
        if on_progress:
            on_progress(run.chunks_done, run.chunks_total)
        if outcome == CANCELLED:
            break
    run.refresh_from_db()
    return run


# --- Writing a chunk ----------------------------------------------------------------------------

WRITTEN, ALREADY_DONE, CANCELLED, MISSING = "written", "already done", "cancelled", "missing"


def write_chunk(chunk_id: int, *, now: datetime | None = None) -> str:
    """Simulate and write one chunk; safe to call any number of times (see the module doc)."""
    now = now or timezone.now()
    chunk = RunChunk.objects.select_related("run", "store").filter(pk=chunk_id).first()
    if chunk is None:
        return MISSING
    run, store = chunk.run, chunk.store
    if run.status == RunStatus.CANCELLED:
        return CANCELLED
    if chunk.status == ChunkStatus.DONE:
        return ALREADY_DONE
    claimed = _try_claim(chunk.pk, run.pk, now)
    first_day = run.start_date + timedelta(days=chunk.first_day)
    params = store_params(store)
    # The engine runs outside the transaction so the write lock is held only while writing.
    result = engine.simulate(
        params,
        seed=run.seed,
        first_day=first_day,
        days=chunk.day_count,
        origin=run.start_date,
        common_random_numbers=run.common_random_numbers,
    )
    prefix = f"R{run.pk}-S{store.pk}-D"
    numbers = [
        f"{prefix}{chunk.first_day + d}-{s}"
        for d, s in zip(result.orders.day.tolist(), result.orders.seq.tolist(), strict=True)
    ]
    real = engine.realise_orders(params, result.orders, int(now.timestamp()))
    spans = [slice(a, a + WRITE_BATCH) for a in range(0, len(numbers), WRITE_BATCH)]

    def batch(span: slice) -> OrderBatch:
        return OrderBatch.build(
            store, params, result, numbers=numbers, run_id=run.pk, as_of=now, select=span, real=real
        )

    # A usual chunk is prepared before taking the write lock; a huge one is streamed in batches
    # inside the transaction so a worker's memory stays bounded. On SQLite, a chunk of up to
    # STAGE_LIMIT orders is staged batch by batch before the lock (see OrderBatch.stage) and the
    # last batch's insert writes them all.
    ready = [batch(spans[0])] if len(spans) == 1 else []
    if connection.vendor == "sqlite" and spans and len(numbers) <= STAGE_LIMIT:
        for k, span in enumerate(spans):
            ready = [batch(span)]
            ready[0].stage(append=k > 0)
    days = [first_day + timedelta(days=i) for i in range(chunk.day_count)]
    funnel = _funnel_rows(store.pk, run.pk, params, result, days, now)
    with _sqlite_writer_turn(), transaction.atomic():
        locked = RunChunk.objects.select_for_update().get(pk=chunk.pk)
        if locked.status == ChunkStatus.DONE:
            return ALREADY_DONE
        if SimulationRun.objects.filter(pk=run.pk, status=RunStatus.CANCELLED).exists():
            return CANCELLED
        if not claimed:
            _mark_claimed(chunk.pk, run.pk, now)
        _delete_span(run.pk, store.pk, days)
        for prepared in ready or (batch(span) for span in spans):
            prepared.insert()
        with connection.cursor() as cursor:
            _insert_many(cursor, funnel.insert_sql(), funnel.tuples())
        RunChunk.objects.filter(pk=chunk.pk).update(
            status=ChunkStatus.DONE, orders_written=len(result.orders), finished_at=now
        )
        SimulationRun.objects.filter(pk=run.pk).update(chunks_done=F("chunks_done") + 1)
        SimulationRun.objects.filter(
            pk=run.pk, status=RunStatus.RUNNING, chunks_done__gte=F("chunks_total")
        ).update(status=RunStatus.DONE, finished_at=timezone.now())
    return WRITTEN


def _try_claim(chunk_id: int, run_id: int, now: datetime) -> bool:
    """Count an attempt at the chunk, mark it running and its run started; returns whether it
    did.

    Bookkeeping only, so on SQLite a worker does not wait a whole write turn of another worker
    for it: if one is writing, this returns False and the chunk's own write transaction claims
    it instead.
    """
    with _sqlite_writer_turn(wait=False) as turn:
        if not turn:
            return False
        with transaction.atomic():
            _mark_claimed(chunk_id, run_id, now)
    return True


def _mark_claimed(chunk_id: int, run_id: int, now: datetime) -> None:
    RunChunk.objects.filter(pk=chunk_id).exclude(status=ChunkStatus.DONE).update(
        status=ChunkStatus.RUNNING, attempts=F("attempts") + 1, claimed_at=now
    )
    SimulationRun.objects.filter(pk=run_id, status=RunStatus.PENDING).update(
        status=RunStatus.RUNNING, started_at=timezone.now()
    )


@contextmanager
def _sqlite_writer_turn(*, wait: bool = True):
    """On SQLite, queue the workers' write transactions on a file lock; yields whether it got a
    turn (always, unless `wait` is False and another worker holds it).

    SQLite has one writer at a time and a waiting connection polls with growing sleeps; workers
    that block on a lock instead take turns the moment the file is free. Other writers (the web
    process) are unaffected: they still wait on SQLite's own busy timeout.

    The turn's commit does not checkpoint the WAL (copy its pages into the database file, which
    SQLite otherwise does in the commit of whichever transaction crosses 1000 pages): that copy
    runs after the turn, while the next worker writes (checkpoints and a writer run side by
    side in WAL mode), instead of inside the one-writer-at-a-time part. But the next writer
    starts before that copy ends, so SQLite never gets to reuse the WAL from its start and the
    file only grows: a turn that finds it over WAL_TRUNCATE_BYTES first copies what is left
    (little: the last turn's pages) and empties it, with every other writer held off.

    The writer's page cache (WRITER_CACHE_KIB, kept by the connection) serves the index
    inserts of big batches.
    """
    if connection.vendor != "sqlite":
        yield True
        return
    name = connection.settings_dict["NAME"]
    with open(f"{name}.writer-lock", "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_autocheckpoint = 0")
            cursor.execute(f"PRAGMA cache_size = -{WRITER_CACHE_KIB}")
            with suppress(OSError):
                if (
                    not connection.in_atomic_block
                    and os.path.getsize(f"{name}-wal") > WAL_TRUNCATE_BYTES
                ):
                    cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
            # A failure here must not hide the turn's own error; the next turn restores both.
            with suppress(DatabaseError), connection.cursor() as cursor:
                cursor.execute(f"PRAGMA wal_autocheckpoint = {WAL_AUTOCHECKPOINT}")
                if not connection.in_atomic_block:
                    cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")


def _delete_span(run_id: int | None, store_id: int, days: list[date]) -> None:
    orders = Order.objects.filter(
        run_id=run_id, store_id=store_id, placed_date__gte=days[0], placed_date__lte=days[-1]
    ).filter(source=Source.SYNTHETIC)
    OrderLine.objects.filter(order__in=orders).delete()
    orders.delete()
    DailyFunnel.objects.filter(
        run_id=run_id,
        store_id=store_id,
        source=Source.SYNTHETIC,
        date__gte=days[0],
        date__lte=days[-1],
    ).delete()


def _funnel_rows(
    store_id: int,
    run_id: int | None,
    params: StoreParams,
    result: engine.SimulationResult,
    days: list[date],
    as_of: datetime,
) -> TableRows:
    """Funnel rows with their order rollup computed from the same arrays the orders came from.

    This equals what rebuild_rollup would compute from the rows just written (a test holds the
    two together) at a fraction of the cost, which matters for a year of twenty stores.
    """
    f = result.funnel
    rollup = _rollup(params, result, as_of)
    records = []
    for i, day in enumerate(days):
        for j, channel in enumerate(f.channels):
            record = {
                "date": day.isoformat(),
                "channel": channel,
                "sessions": int(f.sessions[i, j]),
                "product_views": int(f.product_views[i, j]),
                "adds_to_cart": int(f.adds_to_cart[i, j]),
                "reached_checkout": int(f.reached_checkout[i, j]),
                "converted": int(f.converted[i, j]),
                "ad_spend": int(f.ad_spend[i, j]) / 100,
                "other_cost": int(f.other_cost[i, j]) / 100,
            }
            record.update(rollup.get((i, CHANNELS.index(channel)), {}))
            records.append(record)
    names = sorted({name for record in records for name in record})
    return TableRows.of(
        DailyFunnel,
        {name: [r.get(name, 0) for r in records] for name in names},
        store_id=store_id,
        run_id=run_id,
        source=Source.SYNTHETIC.value,
    )


def _rollup(
    params: StoreParams, result: engine.SimulationResult, as_of: datetime
) -> dict[tuple[int, int], dict]:
    """Per (day index, channel code): the order columns of DailyFunnel (see services.rollup)."""
    o = result.orders
    if not len(o):
        return {}
    real = engine.realise_orders(params, o, int(as_of.timestamp()))
    n_ch = len(CHANNELS)
    key = o.day * n_ch + o.channel
    size = result.days * n_ch
    is_cod = o.is_cod
    cash = real.cash_at >= 0

    def total(values, where=None) -> np.ndarray:
        values = np.asarray(values, dtype=np.int64)
        if where is not None:
            values = values * where
        return np.bincount(key, weights=values, minlength=size).round().astype(np.int64)

    items = np.bincount(
        key[result.lines.order], weights=result.lines.quantity, minlength=size
    ).astype(np.int64)
    money = {
        "gross_sales": total(o.gross),
        "discount": total(o.discount),
        "refund": total(real.refund),
        "goods_cost": total(real.goods_cost),
        "shipping_cost": total(o.shipping),
        "return_shipping_cost": total(real.return_shipping_cost),
        "payment_fee": total(o.payment_fee),
        "cod_fee": total(real.cod_fee),
        "chargeback_fee": total(real.chargeback_fee),
        "platform_fee": total(o.platform_fee),
        "cash_collected": total(o.gross - o.discount, cash),
    }
    counts = {
        "orders": total(np.ones(len(o))),
        "new_customers": total(o.is_new),
        "items": items,
        "delivered_orders": total(real.delivered_at >= 0),
        "returned_orders": total(real.status == RETURNED),
        "refunded_orders": total(real.status == REFUNDED),
        "chargebacks": total(real.status == CHARGED_BACK),
        "cod_orders": total(is_cod),
        "cod_shipped": total(is_cod & (real.shipped_at >= 0)),
        "cod_refused": total(is_cod & (real.status == REFUSED)),
        "cash_orders": total(cash),
    }
    lag_seconds = total(real.cash_at - o.placed_at, cash)
    out = {}
    for k in np.flatnonzero(counts["orders"]).tolist():
        row = {name: int(v[k]) / 100 for name, v in money.items()}
        row.update({name: int(v[k]) for name, v in counts.items()})
        row["cash_lag_days"] = round(int(lag_seconds[k]) / engine.DAY)
        out[divmod(k, n_ch)] = row
    return out


def _timestamps(seconds: np.ndarray) -> np.ndarray:
    """Epoch seconds -> 'YYYY-MM-DD HH:MM:SS' (UTC) strings, None where the value is -1.

    The format both SQLite (Django stores naive UTC text) and PostgreSQL (a UTC session) read.
    Built as a date string (one per day spanned) + a time-of-day string (a table of 86,400):
    twice as fast as numpy formatting each datetime, and a year of orders has ~14M of them.
    """
    seconds = np.asarray(seconds, dtype=np.int64)
    out = np.full(len(seconds), None, dtype=object)
    known = seconds >= 0
    if known.any():
        days, clock = np.divmod(seconds[known], engine.DAY)
        first = int(days.min())
        dates = np.arange(first, int(days.max()) + 1).astype("datetime64[D]").astype("U10")
        out[known] = dates.astype(object)[days - first] + _clock_texts()[clock]
    return out


@functools.cache
def _clock_texts() -> np.ndarray:
    """' HH:MM:SS' for every second of a day."""
    return np.array(
        [f" {s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(engine.DAY)],
        dtype=object,
    )


def _money(cents: np.ndarray) -> np.ndarray:
    # Whole cents / 100 as a float prints back as the exact two-place amount; both backends store
    # it exactly in a decimal(12, 2) column.
    return np.asarray(cents, dtype=np.int64) / 100


@dataclass
class TableRows:
    """Rows for one table: a value per row for `names` (an n x k object array) and one value for
    every row for each of `constants` (the columns a batch shares: its store, run, source, and
    every field left at its default).

    Kept apart, the shared values are handed to the database once per batch instead of once
    per row: on SQLite they are parameters of the INSERT ... SELECT that copies staged rows.
    """

    table: str
    names: list[str]
    values: np.ndarray
    constants: dict[str, Any]

    @classmethod
    def of(cls, model, columns: dict[str, Any], **constants: Any) -> TableRows:
        """`columns` maps a column to its values (a list or array, one per row). Every other
        concrete field, bar the primary key, gets its default, so a new field never breaks this.
        """
        names = list(columns)
        n = len(columns[names[0]]) if names else 0
        for f in model._meta.concrete_fields:
            if f.primary_key or f.column in columns or f.column in constants:
                continue
            default = f.get_db_prep_save(f.get_default(), connection)
            constants[f.column] = float(default) if isinstance(default, Decimal) else default
        values = np.empty((n, len(names)), dtype=object)
        for j, name in enumerate(names):
            values[:, j] = columns[name]
        return cls(model._meta.db_table, names, values, constants)

    def __len__(self) -> int:
        return len(self.values)

    def set_column(self, name: str, values: Any) -> None:
        self.values[:, self.names.index(name)] = values

    def insert_sql(self) -> str:
        return _insert_sql(self.table, [*self.names, *self.constants])

    def tuples(self) -> list[list]:
        """Whole rows, shared values included, for executemany or COPY."""
        shared = np.empty((len(self), len(self.constants)), dtype=object)
        shared[:] = list(self.constants.values()) or None
        return np.hstack([self.values, shared]).tolist()


@dataclass
class OrderBatch:
    """Rows ready to insert: built (on SQLite, staged) before the transaction, inserted in it."""

    orders: TableRows
    lines: TableRows  # order_id holds the position of the line's order in the batch
    line_counts: list[int]
    run_id: int | None
    store_id: int
    numbers: list[str]
    first_date: str
    last_date: str
    _stage_key: int = field(default=0, repr=False)  # which staging is this batch's (see stage)

    @classmethod
    def build(
        cls,
        store: Store,
        params: StoreParams,
        result: engine.SimulationResult,
        *,
        numbers: list[str],
        run_id: int | None,
        as_of: datetime,
        select: slice = slice(None),
        real: engine.Realised | None = None,
    ) -> OrderBatch:
        o = result.orders
        idx = np.arange(len(o))[select]
        assert select.step in (None, 1), "a contiguous span of orders"
        if real is None:
            real = engine.realise_orders(params, o, int(as_of.timestamp()))
        first = result.first_day.toordinal() - engine.EPOCH_ORDINAL
        placed_date = (first + o.day[idx]).astype("datetime64[D]").astype("U10").astype(object)
        n = len(idx)
        status = np.array(STATUSES, dtype=object)
        batch_numbers = numbers[select]
        # An order ships and arrives when planned, if it has yet: the same texts serve both.
        planned_shipped = _timestamps(o.shipped_at[idx])
        planned_delivered = _timestamps(o.delivered_at[idx])
        orders = TableRows.of(
            Order,
            {
                "number": batch_numbers,
                "channel": np.array(CHANNELS, dtype=object)[o.channel[idx]],
                "payment_method": np.array(PAYMENT_METHODS, dtype=object)[o.payment[idx]],
                "is_new_customer": o.is_new[idx],
                "status": status[real.status[idx]],
                "placed_at": _timestamps(o.placed_at[idx]),
                "placed_date": placed_date,
                "shipped_at": np.where(real.shipped_at[idx] >= 0, planned_shipped, None),
                "delivered_at": np.where(real.delivered_at[idx] >= 0, planned_delivered, None),
                "planned_outcome": status[o.outcome[idx]],
                # Empty for an order simply kept: outcome_at dates a return, refusal, refund or
                # chargeback, and the lifecycle finds pending ones by an index on
                # (status, outcome_at).
                "outcome_at": _timestamps(
                    np.where(o.outcome[idx] == DELIVERED, -1, o.outcome_at[idx])
                ),
                "cash_collected_at": _timestamps(real.cash_at[idx]),
                "planned_shipped_at": planned_shipped,
                "planned_delivered_at": planned_delivered,
                "gross_sales": _money(o.gross[idx]),
                "discount": _money(o.discount[idx]),
                "refund": _money(real.refund[idx]),
                "goods_cost": _money(real.goods_cost[idx]),
                "shipping_cost": _money(o.shipping[idx]),
                "return_shipping_cost": _money(real.return_shipping_cost[idx]),
                "payment_fee": _money(o.payment_fee[idx]),
                "cod_fee": _money(real.cod_fee[idx]),
                "chargeback_fee": _money(real.chargeback_fee[idx]),
                "platform_fee": _money(o.platform_fee[idx]),
            },
            store_id=store.pk,
            run_id=run_id,
            source=Source.SYNTHETIC.value,
        )

        # Lines of the selected orders, in order. Orders are contiguous and their lines follow
        # them in order, so a span of orders owns a contiguous span of lines.
        ln = result.lines
        if n:
            take = slice(
                int(o.line_start[idx[0]]), int(o.line_start[idx[-1]] + o.line_count[idx[-1]])
            )
        else:
            take = slice(0, 0)
        cat = params.catalogue
        products = ln.product[take]
        counts = o.line_count[idx]
        lines = TableRows.of(
            OrderLine,
            {
                "order_id": np.repeat(np.arange(n), counts),
                "product_id": np.array(cat.product_ids, dtype=object)[products],
                "title": np.array(cat.titles, dtype=object)[products],
                "quantity": ln.quantity[take],
                "unit_price": _money(ln.unit_price[take]),
                "unit_cost": _money(ln.unit_cost[take]),
                "customization": [json.dumps(c) if c else "{}" for c in ln.customization[take]],
            },
        )
        return cls(
            orders,
            lines,
            counts.tolist(),
            run_id,
            store.pk,
            batch_numbers,
            placed_date[0] if n else "",
            placed_date[-1] if n else "",
        )

    def stage(self, *, append: bool = False) -> None:
        """On SQLite, copy the varying columns into TEMP tables of this connection, ready for
        `insert`.

        Handing the values to SQLite is most of an insert's cost. Staged before the write
        transaction (TEMP tables are private to the connection; writing them takes no lock on
        the database file), that work overlaps the other worker's write turn, and the turn
        itself is one INSERT ... SELECT per table: about 2.4x less time holding the write lock
        for the same rows. Does nothing on PostgreSQL, where `insert` uses COPY.

        `append` adds to the rows staged last (batches of one chunk), and this batch's `insert`
        then writes them all.
        """
        if connection.vendor != "sqlite" or not len(self.orders):
            return
        staged = getattr(connection, "simulation_staged", None)
        if append and staged and staged[0] == id(connection.connection):
            _, key, before = staged
        else:
            key, before = next(_stage_keys), 0
        connection.ensure_connection()
        raw = connection.connection
        # Lines point at their order's position among the staged orders; `insert` adds the id
        # of the first one.
        lines = self.lines.values
        if before:
            lines = lines.copy()
            lines[:, self.lines.names.index("order_id")] += before
        for table, rows, values in (
            (_STAGED_ORDERS, self.orders, self.orders.values),
            (_STAGED_LINES, self.lines, lines),
        ):
            if not before:
                _temp_tables_in_memory(raw)
                raw.execute(f"DROP TABLE IF EXISTS temp.{table}")
                raw.execute(f"CREATE TEMP TABLE {table} ({', '.join(rows.names)})")
            _insert_values(raw, f"temp.{table}", rows.names, values)
        self._stage_key = key
        connection.simulation_staged = (id(raw), key, before + len(self.orders))

    def insert(self) -> int:
        if not len(self.orders):
            return 0
        if connection.vendor == "sqlite":
            return self._insert_staged()
        return self.insert_direct()

    def insert_direct(self, write: Callable[[Any, str, list], None] | None = None) -> int:
        """Orders, their ids read back by number, then lines; `write` defaults to _insert_many
        (COPY on PostgreSQL). The benchmark passes plain executemany to measure the floor."""
        write = write or _insert_many
        with connection.cursor() as cursor:
            write(cursor, self.orders.insert_sql(), self.orders.tuples())
            found = dict(
                Order.objects.filter(
                    run_id=self.run_id,
                    store_id=self.store_id,
                    placed_date__gte=self.first_date,
                    placed_date__lte=self.last_date,
                ).values_list("number", "pk")
            )
            ids = np.array([found[number] for number in self.numbers], dtype=object)
            lines = replace(self.lines, values=self.lines.values.copy())  # the batch stays as built
            lines.set_column("order_id", np.repeat(ids, self.line_counts))
            write(cursor, lines.insert_sql(), lines.tuples())
        return len(ids)

    def _insert_staged(self) -> int:
        staged = getattr(connection, "simulation_staged", None)
        if not staged or staged[:2] != (id(connection.connection), self._stage_key):
            self.stage()  # not staged yet, or another batch (or connection) has been since
        n = connection.simulation_staged[2]
        raw = connection.connection
        for rows, table, order_id in (
            (self.orders, _STAGED_ORDERS, None),
            (self.lines, _STAGED_LINES, "order_id"),
        ):
            shared = list(rows.constants.values())
            picked = [f"{name} + ?" if name == order_id else name for name in rows.names]
            if order_id:
                # The ids just assigned are consecutive: this transaction holds the write lock.
                shared = [raw.execute("SELECT last_insert_rowid()").fetchone()[0] - n + 1, *shared]
            raw.execute(
                f"INSERT INTO {rows.table} ({', '.join([*rows.names, *rows.constants])}) "
                f"SELECT {', '.join([*picked, *['?'] * len(rows.constants)])} "
                f"FROM temp.{table} ORDER BY rowid",
                shared,
            )
        for table in (_STAGED_ORDERS, _STAGED_LINES):
            raw.execute(f"DROP TABLE temp.{table}")
        connection.simulation_staged = None
        return n


_STAGED_ORDERS, _STAGED_LINES = "simulation_staged_orders", "simulation_staged_lines"
_stage_keys = itertools.count(1)
_ROWS_PER_INSERT = 500  # rows per multi-row INSERT when staging (~12,000 parameters)


def _insert_values(raw, table: str, names: list[str], values: np.ndarray) -> None:
    """Multi-row INSERTs of an n x k array, on a raw sqlite3 connection.

    A third faster than executemany of the same rows: one statement step per 500 rows, and
    the parameters come from one flat list instead of a tuple per row.
    """
    k = len(names)
    flat = values.ravel().tolist()
    one = f"({', '.join(['?'] * k)})"
    head = f"INSERT INTO {table} ({', '.join(names)}) VALUES "
    step = _ROWS_PER_INSERT * k
    full = head + ", ".join([one] * _ROWS_PER_INSERT)
    for start in range(0, len(flat), step):
        part = flat[start : start + step]
        sql = full if len(part) == step else head + ", ".join([one] * (len(part) // k))
        raw.execute(sql, part)


def _temp_tables_in_memory(raw) -> None:
    """TEMP tables in memory: the default, a temp file, is several times slower for a big batch.

    SQLite refuses the change inside a transaction that has used TEMP tables already; staging
    then still works, on the file.
    """
    if raw.execute("PRAGMA temp_store").fetchone()[0] != 2:  # 2 = MEMORY
        with suppress(sqlite3.OperationalError):
            raw.execute("PRAGMA temp_store = MEMORY")


def _insert_many(cursor, sql: str, rows: list) -> None:
    """executemany, or on PostgreSQL a COPY of the same rows (one round trip, no per-row parse).

    COPY's text format parses each value by its column type, so the same strings and floats
    serve both backends.
    """
    if connection.vendor != "postgresql":
        cursor.executemany(sql, rows)
        return
    head = sql.split(" VALUES ", 1)[0].removeprefix("INSERT INTO ")
    with cursor.cursor.copy(f"COPY {head} FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _insert_sql(table: str, names: list[str]) -> str:
    quote = connection.ops.quote_name
    cols = ", ".join(quote(name) for name in names)
    marks = ", ".join(["%s"] * len(names))
    return f"INSERT INTO {quote(table)} ({cols}) VALUES ({marks})"


# --- Lifecycle: realise planned outcomes as their dates pass ------------------------------------

LIFECYCLE_BATCH = 2000
LIFECYCLE_FIELDS = (
    "status",
    "shipped_at",
    "delivered_at",
    "cash_collected_at",
    "refund",
    "goods_cost",
    "return_shipping_cost",
    "cod_fee",
    "chargeback_fee",
)
MONEY_CHANGES = ("refund", "goods_cost", "return_shipping_cost", "cod_fee", "chargeback_fee")


def _epoch(values: list[datetime | None]) -> np.ndarray:
    return np.array([int(v.timestamp()) if v else -1 for v in values], dtype=np.int64)


def _due(store: Store, now: datetime) -> list[Q]:
    """Filters for a store's synthetic orders whose next planned event may have come.

    One filter per kind of event, each narrow enough for an index, rather than one OR that
    would scan every order a year-long run wrote; the lifecycle rule itself decides what moved.
    """
    due = [
        Q(status__in=[OrderStatus.PLACED, OrderStatus.SHIPPED]),
        Q(status=OrderStatus.DELIVERED, outcome_at__lte=now),  # kept orders have no outcome_at
    ]
    if store.offers_cod or store.cod_share:
        due.append(
            Q(
                payment_method=PaymentMethod.COD,
                cash_collected_at__isnull=True,
                delivered_at__lte=now - timedelta(days=store.cod_remittance_days),
            )
        )
    return due


def advance_lifecycle(
    *, now: datetime | None = None, store_ids: Iterable[int] | None = None
) -> int:
    """Move synthetic and shoppers' orders along (shipped, delivered, refused, returned, refunded, charged back,
    cash collected) as their planned dates pass, with the money each step realises, and rebuild
    the rollup of the days touched. Returns the number of orders changed."""
    now = now or timezone.now()
    as_of = int(now.timestamp())
    # Synthetic orders and shoppers' orders alike: checkout plans the same timeline.
    synthetic = Order.objects.filter(planned_shipped_at__isnull=False)
    stores = Store.objects.all()  # few stores; asking which have orders would scan every order
    if store_ids is not None:
        stores = stores.filter(pk__in=list(store_ids))
    changed_total = 0
    for store in stores:
        params = store_params(store, products=[])
        mine = synthetic.filter(store=store)
        due_ids = sorted(
            {pk for q in _due(store, now) for pk in mine.filter(q).values_list("pk", flat=True)}
        )
        for start in range(0, len(due_ids), LIFECYCLE_BATCH):
            changed_total += _advance_batch(
                store, params, due_ids[start : start + LIFECYCLE_BATCH], now, as_of
            )
    return changed_total


_LOAD = (
    "pk", "run_id", "source", "placed_date", "placed_at", "planned_shipped_at", "planned_delivered_at",
    "outcome_at", "planned_outcome", "payment_method", "gross_sales", "discount", "goods_cost",
    *LIFECYCLE_FIELDS,
)  # fmt: skip


def _advance_batch(store, params, ids, now, as_of) -> int:
    rows = list(Order.objects.filter(pk__in=ids).order_by("pk").values_list(*_LOAD))
    if not rows:
        return 0
    col = dict(zip(_LOAD, zip(*rows, strict=True), strict=True))
    codes = {name: i for i, name in enumerate(STATUSES)}
    money = lambda name: np.array([_cents(v) for v in col[name]], dtype=np.int64)  # noqa: E731
    planned = np.array([codes[v] for v in col["planned_outcome"]], dtype=np.int8)
    outcome_at = _epoch(col["outcome_at"])
    real = engine.realise(
        params,
        as_of,
        placed_at=_epoch(col["placed_at"]),
        shipped_at=_epoch(col["planned_shipped_at"]),
        delivered_at=_epoch(col["planned_delivered_at"]),
        outcome_at=outcome_at,
        outcome=planned,
        is_cod=np.array([m == PaymentMethod.COD for m in col["payment_method"]]),
        gross=money("gross_sales"),
        discount=money("discount"),
        goods=money("goods_cost"),
    )
    new = {
        "status": np.array(STATUSES, dtype=object)[real.status],
        "shipped_at": real.shipped_at,
        "delivered_at": real.delivered_at,
        "cash_collected_at": real.cash_at,
        "refund": real.refund,
        "goods_cost": real.goods_cost,
        "return_shipping_cost": real.return_shipping_cost,
        "cod_fee": real.cod_fee,
        "chargeback_fee": real.chargeback_fee,
        # A kept order has no outcome date (rows from before that rule lose theirs here).
        "outcome_at": np.where(planned == DELIVERED, -1, outcome_at),
    }
    old = {
        "status": np.array(col["status"], dtype=object),
        **{name: _epoch(col[name]) for name in ("shipped_at", "delivered_at", "cash_collected_at")},
        **{name: money(name) for name in MONEY_CHANGES},
        "outcome_at": outcome_at,
    }
    changed = np.zeros(len(rows), dtype=bool)
    for name, values in new.items():
        changed |= np.asarray(values != old[name], dtype=bool)
    if not changed.any():
        return 0
    names = list(new)
    columns = []
    for name in names:
        values = new[name][changed]
        if name == "status":
            columns.append(values.tolist())
        elif name in MONEY_CHANGES:
            columns.append(_money(values))
        else:
            columns.append(_timestamps(values))
    pks = np.array(col["pk"], dtype=object)[changed].tolist()
    table = connection.ops.quote_name(Order._meta.db_table)
    sets = ", ".join(f"{connection.ops.quote_name(n)} = %s" for n in names)
    sql = f"UPDATE {table} SET {sets} WHERE {connection.ops.quote_name('id')} = %s"
    touched: dict[tuple[int | None, str], set[date]] = {}
    for run_id, source, day in zip(
        np.array(col["run_id"], dtype=object)[changed].tolist(),
        np.array(col["source"], dtype=object)[changed].tolist(),
        np.array(col["placed_date"], dtype=object)[changed].tolist(),
        strict=True,
    ):
        touched.setdefault((run_id, source), set()).add(day)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, list(zip(*columns, pks, strict=True)))
        for (run_id, source), days in touched.items():
            rebuild_rollup(store.pk, days, run_id=run_id, source=source)
    return int(changed.sum())


# --- Live mode ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LiveTickResult:
    stores: int
    orders: int
    advanced: int

    def as_dict(self) -> dict[str, int]:
        return {"stores": self.stores, "orders": self.orders, "advanced": self.advanced}


def set_live(stores: Iterable[Store] | Any, live: bool, *, now: datetime | None = None) -> int:
    """Switch live mode on or off. Live traffic starts at the moment a store goes live: a store
    switched on mid-afternoon, or paused and resumed, gets no backlog of the hours it was off."""
    now = now or timezone.now()
    ids = [s.pk for s in stores]
    targets = Store.objects.filter(pk__in=ids)
    if not live:
        return targets.update(is_live=False, live_revealed_until=None)
    return targets.filter(is_live=False).update(is_live=True, live_revealed_until=now) + (
        targets.filter(is_live=True, live_revealed_until__isnull=True).update(
            live_revealed_until=now
        )
    )


def live_tick(*, now: datetime | None = None) -> LiveTickResult:
    """One beat of live mode: for each live store, reveal the orders and sessions of its seeded
    days between the previous beat (or the moment it went live) and `now`, then advance every
    order's lifecycle (synthetic and shoppers'). Each store's window and its cursor move in one
    transaction, so a replayed or overlapping tick writes nothing twice.

    settings.LIVE_TRAFFIC_SCALE multiplies live traffic and budgets (rates unchanged) so that a
    training room sees orders arrive within minutes rather than one an hour.
    """
    now = now or timezone.now()
    stores = list(Store.objects.live())
    written = 0
    scale = float(getattr(settings, "LIVE_TRAFFIC_SCALE", 1))
    for store in stores:
        params = store_params(store).with_traffic_scaled(scale)
        if not len(params.catalogue) or not params.channels:
            continue
        with transaction.atomic():
            # Re-read the cursor under the transaction: another tick may have moved it.
            start = Store.objects.filter(pk=store.pk).values_list("live_revealed_until", flat=True)[
                0
            ]
            if start is None or start >= now:
                Store.objects.filter(pk=store.pk, live_revealed_until__isnull=True).update(
                    live_revealed_until=now
                )
                continue
            day = start.astimezone(UTC).date()
            while day <= now.astimezone(UTC).date():
                written += _live_window(store, params, day, start, now)
                day += timedelta(days=1)
            Store.objects.filter(pk=store.pk).update(live_revealed_until=now)
    advanced = advance_lifecycle(now=now)
    return LiveTickResult(stores=len(stores), orders=written, advanced=advanced)


def _telescoped(total: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """The share of a day's count falling in [lo, hi) of the day, rounded so that consecutive
    windows add up to exactly the rounded share of their union."""
    return np.round(total * hi).astype(np.int64) - np.round(total * lo).astype(np.int64)


def _live_window(
    store: Store, params: StoreParams, day: date, start: datetime, end: datetime
) -> int:
    """Write the part of a store's seeded live day that falls in (start, end]."""
    day_start = engine.day_ordinal(day) * engine.DAY
    lo_ts = max(int(start.timestamp()), day_start)
    hi_ts = min(int(end.timestamp()), day_start + engine.DAY)
    if hi_ts <= lo_ts:
        return 0
    result = engine.simulate(params, seed=LIVE_SEED, first_day=day, days=1)
    o, f = result.orders, result.funnel
    first = int(np.searchsorted(o.placed_at, lo_ts, side="right"))  # orders come sorted by time
    last = int(np.searchsorted(o.placed_at, hi_ts, side="right"))
    if last > first:
        numbers = [f"L-S{store.pk}-{day:%Y%m%d}-{s}" for s in o.seq.tolist()]
        OrderBatch.build(
            store, params, result, numbers=numbers, run_id=None, as_of=end,
            select=slice(first, last),
        ).insert()  # fmt: skip
    lo, hi = (lo_ts - day_start) / engine.DAY, (hi_ts - day_start) / engine.DAY
    converted = np.zeros(len(f.channels), dtype=np.int64)
    positions = {CHANNELS.index(c): j for j, c in enumerate(f.channels)}
    for code in o.channel[first:last].tolist():
        converted[positions[code]] += 1
    steps = ("sessions", "product_views", "adds_to_cart", "reached_checkout")
    added = {name: _telescoped(getattr(f, name)[0], lo, hi) for name in steps}
    spend = _telescoped(f.ad_spend[0].astype(np.float64), lo, hi)
    upkeep = _telescoped(f.other_cost[0].astype(np.float64), lo, hi)
    for j, channel in enumerate(f.channels):
        row, _ = DailyFunnel.objects.get_or_create(
            store=store, date=day, channel=channel, source=Source.SYNTHETIC, run=None
        )
        row.converted += int(converted[j])
        floor = row.converted
        # Each funnel step stays a subset of the one before it.
        for name in reversed(steps):
            value = max(getattr(row, name) + int(added[name][j]), floor)
            setattr(row, name, value)
            floor = value
        row.ad_spend += Decimal(int(spend[j])) / 100
        row.other_cost += Decimal(int(upkeep[j])) / 100
        row.save(update_fields=[*steps, "converted", "ad_spend", "other_cost"])
    rebuild_rollup(store.pk, [day], run_id=None, source=Source.SYNTHETIC)
    return last - first


# --- Summary ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoreSummary:
    slug: str
    model: str
    sessions: int
    orders: int
    conversion_rate: float | None
    aov: Decimal | None
    net_sales: Decimal
    ad_spend: Decimal


def run_summary(run: SimulationRun) -> list[StoreSummary]:
    """Per-store totals of a run straight from its funnel rows (a fallback for the command)."""
    totals = (
        DailyFunnel.objects.filter(run=run)
        .values("store__slug", "store__business_model")
        .annotate(
            s=Sum("sessions"),
            c=Sum("converted"),
            n=Sum("orders"),
            g=Sum("gross_sales"),
            d=Sum("discount"),
            r=Sum("refund"),
            a=Sum("ad_spend"),
        )
        .order_by("store__slug")
    )
    out = []
    for t in totals:
        net = (t["g"] or 0) - (t["d"] or 0) - (t["r"] or 0)
        out.append(
            StoreSummary(
                slug=t["store__slug"],
                model=t["store__business_model"],
                sessions=t["s"] or 0,
                orders=t["n"] or 0,
                conversion_rate=(t["c"] / t["s"]) if t["s"] else None,
                aov=(((t["g"] or 0) - (t["d"] or 0)) / t["n"]).quantize(Decimal("0.01"))
                if t["n"]
                else None,
                net_sales=Decimal(net).quantize(Decimal("0.01")),
                ad_spend=Decimal(t["a"] or 0).quantize(Decimal("0.01")),
            )
        )
    return out
