"""Simulation runs: create one, dispatch its chunks to the workers, write a chunk, resume, cancel.

A run is split into chunks (store x span of days, a RunChunk row). `write_chunk` is idempotent:
in one transaction it deletes whatever the run already holds for that store and span, inserts the
orders, lines and funnel rows, and marks the chunk done. Order numbers are derived from (run,
store, day, sequence) and unique, so two racing copies of a chunk cannot both land: the loser's
transaction fails and its retry finds the chunk done. Any worker, any number of workers, any
order of chunks, any retry: the rows are those of one uninterrupted run.

Nothing is left "running" with nobody on it. `start_run` checks the broker before it creates
anything. A worker stamps a heartbeat on the chunk it writes, and Celery beat's
`requeue_stalled_chunks` queues again the chunks of running runs that have been silent for
CHUNK_STALE_SECONDS (a dead worker's, or one whose message was lost), without waiting for
Redis's visibility timeout or for a person to resume the run.

The engine (stores/simulation/) decides what happens; services.bulk_write stores it.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, connection, connections, transaction
from django.db.models import F, Q
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError

from ..models import ChunkStatus, RunChunk, RunStatus, SimulationRun, Store
from ..simulation import engine, realisation
from .broker import BrokerUnavailable, broker_url, check_broker, queued_chunk_ids
from .bulk_write import OrderBatch, delete_span, insert_many, writer_turn
from .engine_params import store_params
from .rollup import funnel_rows_from_result, summarise_run
from .shocks import ShockRequest, record_run_shocks, schedule_for

DEFAULT_CHUNK_DAYS = 92  # a run's longest chunk unless told: a quarter (see chunk_days_for)
WRITE_BATCH = 10_000  # orders prepared and inserted at a time (bounds a worker's memory)
STAGE_LIMIT = 100_000  # SQLite: orders of a chunk staged before its write turn (~40 MB of TEMP)
MAX_DAYS = 3650
# The calendar a run may cover. The engine numbers days from 1970-01-01 and seeds its random
# streams with that number, which must not be negative; an order's outcomes and payouts fall
# months after its day, so the last day stays far from the end of the calendar (year 9999).
# A --start of 0001-01-01 or 9999-12-31 used to fail in the engine after the run was created.
FIRST_DAY = date(1970, 1, 1)
LAST_DAY = date(2999, 12, 31)


def check_dates(start_date: date | None, days: int) -> None:
    """ValueError unless [start_date, start_date + days) lies within FIRST_DAY..LAST_DAY."""
    if start_date is None:
        return
    if start_date < FIRST_DAY or start_date > LAST_DAY - timedelta(days=max(days - 1, 0)):
        raise ValueError(
            f"The days simulated must fall between {FIRST_DAY} and {LAST_DAY}: "
            f"{days} day(s) from {start_date} do not."
        )


FIRST_HISTORY_SEED = 1  # the history `make run` gives a new database: the same for everyone

logger = logging.getLogger(__name__)


class NothingToSell(ValueError):
    """Stores without an active product: the engine has nothing to draw orders from."""

    def __init__(self, slugs: list[str]):
        self.slugs = slugs
        super().__init__(
            f"Store(s) without active products: {', '.join(slugs)}. Give them products first "
            '(the admin\'s "Generate a catalogue" action); no run was created.'
        )


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
    empty = [s.slug for s in stores if not s.products.filter(is_active=True).exists()]
    if empty:
        raise NothingToSell(empty)
    check_dates(start_date, days)
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


def start_run(**run_args) -> SimulationRun:
    """Create a run (create_run's arguments) and queue it on the workers.

    With the broker unreachable, raises BrokerUnavailable having created nothing: no run, no
    chunk, so nothing shows as "running" with no message queued.
    """
    check_broker()
    run = create_run(**run_args)
    try:
        dispatch_run(run)
    except BrokerUnavailable:
        # The broker went away between the check and the queueing. A few messages may have gone
        # out: a worker that takes one finds no chunk and skips it.
        run.delete()
        raise
    return run


def start_first_history(days: int) -> SimulationRun | None:
    """On a database that has never had a run, queue `days` of history (seed FIRST_HISTORY_SEED)
    for every active store with products, so the dashboard has a comparison to show; else None.

    `make run` calls it after seed_demo: a newcomer sees the demo stores side by side within a
    minute, and a later `make run` adds nothing.
    """
    if days < 1 or SimulationRun.objects.exists():
        return None
    stores = list(Store.objects.active().filter(products__is_active=True).distinct())
    if not stores:
        return None
    return start_run(days=days, seed=FIRST_HISTORY_SEED, stores=stores)


def dispatch_run(run: SimulationRun) -> int:
    """Queue a task for every chunk not yet done (once the current transaction commits; at once
    in autocommit). Returns the number of tasks queued.

    Used to start a run and to resume one: done chunks are skipped, and a chunk queued twice is
    written once. If the broker refuses the messages, the run is marked failed with the reason
    (never left "running" with nothing queued) and BrokerUnavailable is raised: from here in
    autocommit, from the commit inside a transaction.
    """
    now = timezone.now()
    SimulationRun.objects.filter(pk=run.pk).exclude(status=RunStatus.DONE).update(
        status=RunStatus.RUNNING, error="", finished_at=None
    )
    SimulationRun.objects.filter(pk=run.pk, started_at__isnull=True).update(started_at=now)
    ids = pending_chunk_ids(run)
    RunChunk.objects.filter(pk__in=ids).update(heartbeat_at=now)  # queued now: not silent

    def publish() -> None:
        try:
            _publish(ids)
        except BrokerUnavailable as exc:
            SimulationRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
                status=RunStatus.FAILED,
                error=f"Its chunks could not be queued. {exc}",
                finished_at=timezone.now(),
            )
            raise

    transaction.on_commit(publish)
    return len(ids)


def _publish(chunk_ids: list[int]) -> None:
    from ..tasks import simulate_chunk

    try:
        for chunk_id in chunk_ids:
            simulate_chunk.delay(chunk_id)
    except KombuOperationalError as exc:
        raise BrokerUnavailable(broker_url(), exc) from exc


def resume_run(run_id: int) -> int:
    """Re-dispatch a run's unfinished chunks (it was cancelled, or failed, or a worker died and
    nobody waited for the automatic re-queue). Raises BrokerUnavailable, changing nothing, when
    the broker does not answer."""
    check_broker()
    run = SimulationRun.objects.get(pk=run_id)
    return dispatch_run(run)


def requeue_stalled_chunks(*, now: datetime | None = None) -> list[int]:
    """Queue again the chunks of running runs that nobody holds; returns their ids.

    A chunk is silent when its heartbeat (queued, claimed, or refreshed by the worker writing it)
    is older than CHUNK_STALE_SECONDS: its worker died, or its message was lost. One whose
    message is still waiting in the queue (behind other work) is left to it. Celery beat runs
    this on a worker every RECOVERY_CHECK_SECONDS, so a worker is alive to take what it queues.
    A re-queued chunk counts as queued now, so it is not queued again for another
    CHUNK_STALE_SECONDS; and if its worker was only slow, the two copies are written once.
    """
    now = now or timezone.now()
    silent = (
        RunChunk.objects.filter(run__status=RunStatus.RUNNING)
        .exclude(status=ChunkStatus.DONE)
        .filter(Q(heartbeat_at__lt=silent_since(now)) | Q(heartbeat_at__isnull=True))
    )
    candidates = list(
        silent.order_by("run_id", "first_day", "store_id").values_list("pk", "run_id")
    )
    if not candidates:
        return []
    waiting = queued_chunk_ids()
    requeued: list[tuple[int, int]] = []
    # Claimed one by one, like a worker claims a chunk: two copies of this task (two beats by
    # mistake) re-queue each chunk once.
    with writer_turn(), transaction.atomic():
        for pk, run_id in candidates:
            if pk not in waiting and silent.filter(pk=pk).update(heartbeat_at=now):
                requeued.append((pk, run_id))
    if requeued:
        runs = sorted({run_id for _, run_id in requeued})
        logger.warning(
            "Re-queued %d chunk(s) of run(s) %s: nobody had worked on them for %d s "
            "(a worker died, or their message was lost).",
            len(requeued), ", ".join(f"#{r}" for r in runs), settings.CHUNK_STALE_SECONDS,
        )  # fmt: skip
        _publish([pk for pk, _ in requeued])
    return [pk for pk, _ in requeued]


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
        # This process holds every chunk left: beat's recovery must not hand them to a worker.
        run.chunks.exclude(status=ChunkStatus.DONE).update(heartbeat_at=timezone.now())
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
    `now` only stamps the bookkeeping (when the chunk was claimed and finished). While it works,
    a heartbeat keeps the chunk from looking abandoned (see chunk_heartbeat).
    """
    with chunk_heartbeat(chunk_id):
        return _write_chunk(chunk_id, now)


def _write_chunk(chunk_id: int, now: datetime | None) -> str:
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
    params = store_params(store).with_traffic_scaled(float(store.traffic_scale()))
    params = params.with_shocks(schedule_for(store.pk, run.pk))
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
    real = realisation.realise_orders(params, result.orders, int(as_of.timestamp()))
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
        finished = SimulationRun.objects.filter(
            pk=run.pk, status=RunStatus.RUNNING, chunks_done__gte=F("chunks_total")
        ).update(status=RunStatus.DONE, finished_at=timezone.now())
        if finished:  # the last chunk: its rows never change now, so sum them for the dashboard
            summarise_run(run.pk)
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
        status=ChunkStatus.RUNNING,
        attempts=F("attempts") + 1,
        claimed_at=now,
        claimed_by=worker_name(),
        heartbeat_at=timezone.now(),
    )
    SimulationRun.objects.filter(pk=run_id, status=RunStatus.PENDING).update(
        status=RunStatus.RUNNING, started_at=timezone.now()
    )


def silent_since(now: datetime | None = None) -> datetime:
    """A chunk whose heartbeat is older than this has nobody on it (CHUNK_STALE_SECONDS)."""
    return (now or timezone.now()) - timedelta(seconds=settings.CHUNK_STALE_SECONDS)


def worker_name() -> str:
    """Who claims a chunk, for the admin (and for a person looking for the process)."""
    return f"{socket.gethostname()} pid {os.getpid()}"


@contextmanager
def chunk_heartbeat(chunk_id: int) -> Iterator[None]:
    """Refresh the chunk's heartbeat_at every third of CHUNK_STALE_SECONDS while the block runs.

    From a thread with its own database connection, so a chunk whose engine or write takes long
    still shows its worker alive; when the worker dies the heartbeat stops with it. On SQLite a
    beat never waits for a write turn (another worker's, or this worker's own write): it skips
    and tries again next time. Inside a caller's transaction nobody else can see this chunk's
    claim anyway (and on SQLite the caller holds the write lock a beat would wait on), so no
    thread is started.
    """
    if connection.in_atomic_block:
        yield
        return
    stop = threading.Event()
    beat = threading.Thread(
        target=_beat, args=(chunk_id, stop), name=f"heartbeat-chunk-{chunk_id}", daemon=True
    )
    beat.start()
    try:
        yield
    finally:
        stop.set()
        beat.join()


def _beat(chunk_id: int, stop: threading.Event) -> None:
    interval = settings.CHUNK_STALE_SECONDS / 3
    try:
        while not stop.wait(interval):
            try:
                with writer_turn(wait=False) as turn:
                    if turn:
                        RunChunk.objects.filter(pk=chunk_id).exclude(
                            status=ChunkStatus.DONE
                        ).update(heartbeat_at=timezone.now())
            except DatabaseError:
                logger.warning("Chunk %d: heartbeat not written, retrying.", chunk_id)
    finally:
        connections.close_all()  # this thread's connections only
