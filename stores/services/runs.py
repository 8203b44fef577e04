"""Simulation runs: create one, dispatch its chunks to the workers, write a chunk, resume, cancel.

A run is split into chunks (store x span of days, a RunChunk row). `write_chunk` is idempotent:
in one transaction it deletes whatever the run already holds for that store and span, inserts the
orders, lines and funnel rows, and marks the chunk done. Order numbers are derived from (run,
store, day, sequence) and unique, so two racing copies of a chunk cannot both land: the loser's
transaction fails and its retry finds the chunk done. Any worker, any number of workers, any
order of chunks, any retry: the rows are those of one uninterrupted run.

The engine (stores/simulation/) decides what happens; services.bulk_write stores it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from ..models import ChunkStatus, RunChunk, RunStatus, SimulationRun, Store
from ..simulation import engine
from .bulk_write import OrderBatch, delete_span, insert_many, writer_turn
from .engine_params import store_params
from .rollup import funnel_rows_from_result
from .shocks import ShockRequest, record_run_shocks, schedule_for

DEFAULT_CHUNK_DAYS = 92  # a run's longest chunk unless told: a quarter (see chunk_days_for)
WRITE_BATCH = 10_000  # orders prepared and inserted at a time (bounds a worker's memory)
STAGE_LIMIT = 100_000  # SQLite: orders of a chunk staged before its write turn (~40 MB of TEMP)
MAX_DAYS = 3650


@transaction.atomic
def create_run(
    *,
    days: int,
    seed: int,
    stores: Iterable[Store] | None = None,
    start_date: date | None = None,
    chunk_days: int | None = None,
    common_random_numbers: bool = True,
    shocks: Iterable[ShockRequest] = (),
) -> SimulationRun:
    """A pending run over [start_date, start_date + days) with one RunChunk per store x span,
    and the shocks applied to its stores recorded with it (services.shocks).

    The default start is `days` ago, so the run ends at the start of today and its latest
    cohorts are immature: its rows stand as of that moment (SimulationRun.as_of), so the same
    seed gives the same rows whenever the run is written or read. The default span is
    chunk_days_for(days).
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
    record_run_shocks(run, shocks)
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
    """Simulate and write one chunk; safe to call any number of times (see the module doc).

    Its orders are realised as of the run's end (SimulationRun.as_of), whenever this runs;
    `now` only stamps the bookkeeping (when the chunk was claimed and finished).
    """
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
    params = store_params(store).with_shocks(schedule_for(store.pk, run.pk))
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
    as_of = run.as_of
    real = engine.realise_orders(params, result.orders, int(as_of.timestamp()))
    spans = [slice(a, a + WRITE_BATCH) for a in range(0, len(numbers), WRITE_BATCH)]

    def batch(span: slice) -> OrderBatch:
        return OrderBatch.build(
            store,
            params,
            result,
            numbers=numbers,
            run_id=run.pk,
            as_of=as_of,
            select=span,
            real=real,
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
    funnel = funnel_rows_from_result(store.pk, run.pk, params, result, days, as_of)
    with writer_turn(), transaction.atomic():
        locked = RunChunk.objects.select_for_update().get(pk=chunk.pk)
        if locked.status == ChunkStatus.DONE:
            return ALREADY_DONE
        if SimulationRun.objects.filter(pk=run.pk, status=RunStatus.CANCELLED).exists():
            return CANCELLED
        if not claimed:
            _mark_claimed(chunk.pk, run.pk, now)
        delete_span(run.pk, store.pk, days)
        for prepared in ready or (batch(span) for span in spans):
            prepared.insert()
        with connection.cursor() as cursor:
            insert_many(cursor, funnel.insert_sql(), funnel.tuples())
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
    with writer_turn(wait=False) as turn:
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
