"""Experiments: create one, dispatch its chunks to the workers, write a chunk, resume, cancel.

Like a simulation run (services/runs.py), an experiment is split into chunks a Celery task
claims, here one per store x sweep point x replication x span of days. A chunk runs the engine
and keeps only the store's daily figures (ExperimentDay: DailyFunnel's columns summed over
channels), so an experiment costs what the sampling costs, not what writing orders would.
`write_experiment_chunk` is idempotent in the same way as a run's chunk: in one transaction it
replaces whatever the experiment holds for that chunk's days and marks the chunk done, so a
retried, duplicated or resumed chunk leaves the rows of one uninterrupted experiment.

Replication r of an experiment uses seed + r, the same start date, days and demand streams as
`create_run(seed=seed + r, ...)`: its figures equal that run's (tests/test_experiments.py).

A sweep varies one parameter of one store: a store field (`delivery_days_max`, `markup`, ...)
or a traffic channel's field (`paid_social.daily_budget`). Each value is checked by the model's
own validation on a copy of the store (`Store.full_clean()`), so a value out of range gets the
field's own message before anything is queued; the store itself is never changed.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import connection, models, transaction
from django.db.models import F
from django.utils import timezone

from ..models import (
    FUNNEL_COUNT_FIELDS,
    MAX_POINTS,
    MAX_REPLICATIONS,
    PAID_CHANNELS,
    ChunkStatus,
    Experiment,
    ExperimentChunk,
    ExperimentDay,
    ExperimentKind,
    Product,
    RunStatus,
    Store,
    StoreChannel,
)
from ..simulation import engine, ledger
from ..simulation.params import CHANNELS, StoreParams
from .broker import check_broker
from .bulk_write import TableRows, insert_many, writer_turn
from .engine_params import store_params
from .rollup import ROLLUP_FIELDS, rollup_cells
from .runs import check_dates

# A chunk is a whole year unless told: an experiment writes ~one row per store-day, so a chunk's
# cost is the engine's, and fewer, longer tasks spend less on queueing and transactions. The
# busiest demo store's year is ~250,000 orders in a worker's memory (benchmarks/experiments.py).
EXPERIMENT_CHUNK_DAYS = 366
MAX_DAYS = 3650
CHANNEL_FIELDS = ("daily_sessions", "daily_budget", "cost_per_click", "conversion_rate")
# Store fields that are settings of the shop, not parameters of the simulation.
NOT_PARAMETERS = frozenset({"id", "is_active", "is_live"})


# --- Sweep parameters ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SweepParam:
    """A parameter a sweep varies: `field` of the store, or of its `channel`'s settings."""

    name: str  # as written: "delivery_days_max" or "paid_social.daily_budget"
    field: str
    channel: str = ""

    @classmethod
    def of(cls, name: str) -> SweepParam:
        """Split a name (unchecked: resolve_param checks it against a store)."""
        channel, dot, field = name.partition(".")
        return cls(name=name, field=field, channel=channel) if dot else cls(name, name)

    def parse(self, value: Any) -> Any:
        """A stored or typed value as the field's Python value (Decimal, int or bool)."""
        return self.model_field.to_python(value)

    @property
    def model_field(self) -> models.Field:
        model = StoreChannel if self.channel else Store
        return model._meta.get_field(self.field)


def sweepable_store_fields() -> list[str]:
    """Store fields a sweep can vary: every number or yes/no the simulation reads."""
    kinds = (models.DecimalField, models.IntegerField, models.BooleanField, models.FloatField)
    return [
        f.name
        for f in Store._meta.concrete_fields
        if isinstance(f, kinds) and f.editable and f.name not in NOT_PARAMETERS
    ]


def resolve_param(store: Store, name: str) -> SweepParam:
    """The parameter `name` names on `store`; ValidationError naming it when it names none."""
    name = (name or "").strip()
    if not name:
        raise ValidationError("Name the parameter to sweep (e.g. delivery_days_max).")
    if "." in name:
        channel, _, field = name.partition(".")
        if channel not in CHANNELS:
            raise ValidationError(
                f"{name!r}: {channel!r} is not a traffic channel (channels: {', '.join(CHANNELS)})."
            )
        if field not in CHANNEL_FIELDS:
            raise ValidationError(
                f"{name!r}: {field!r} is not a channel setting "
                f"(settings: {', '.join(CHANNEL_FIELDS)})."
            )
        if not store.channels.filter(channel=channel).exists():
            raise ValidationError(f"{name!r}: the store {store.slug} has no {channel} channel.")
        return SweepParam.of(name)
    try:
        Store._meta.get_field(name)
    except FieldDoesNotExist:
        raise ValidationError(
            f"{name!r} is not a store parameter. Sweep a store field "
            f"({', '.join(sweepable_store_fields())}) or a channel's setting as "
            f"channel.setting (e.g. paid_social.daily_budget)."
        ) from None
    if name not in sweepable_store_fields():
        raise ValidationError(
            f"{name!r} is not a number the simulation reads, so a sweep cannot vary it."
        )
    return SweepParam.of(name)


@dataclass
class StoreVariant:
    """A store as one sweep point sees it: unsaved copies, the saved store untouched."""

    store: Store
    channels: list[StoreChannel]
    products: list[Product]

    def params(self) -> StoreParams:
        return store_params(self.store, channels=self.channels, products=self.products)


def store_variant(
    store: Store,
    param: SweepParam | None = None,
    value: Any = None,
    *,
    channels: Sequence[StoreChannel] | None = None,
    products: Sequence[Product] | None = None,
) -> StoreVariant:
    """`store` with `param` set to `value` (none: the store as it is).

    `markup` is the catalogue's price level: the store's field only prices products generated
    later, so a sweep of it scales every product's price by value / the store's markup (packs
    keep their saving), which is what a shop changing its price level does.
    """
    if channels is None:
        channels = list(store.channels.all())
    if products is None:
        products = list(store.products.filter(is_active=True).order_by("pk"))
    variant = StoreVariant(copy.copy(store), [copy.copy(c) for c in channels], list(products))
    if param is None:
        return variant
    if param.channel:
        for channel in variant.channels:
            if channel.channel == param.channel:
                setattr(channel, param.field, value)
        return variant
    setattr(variant.store, param.field, value)
    if param.field == "markup" and store.markup:
        factor = Decimal(value) / Decimal(store.markup)
        variant.products = [copy.copy(p) for p in products]
        for p in variant.products:
            p.price = (p.price * factor).quantize(Decimal("0.01"))
    return variant


def sweep_values(store: Store, param: SweepParam, raw_values: Iterable[Any]) -> list[Any]:
    """Each value as the field's Python value, checked as the model checks it: the field's own
    conversion and validators, then Store.clean() (or StoreChannel.clean()) on a copy.

    ValidationError lists every bad value with the reason, naming the parameter.
    """
    raw_values = list(raw_values)
    if not raw_values:
        raise ValidationError(f"Give the values of {param.name} to try (e.g. 1,2,4,8).")
    if len(raw_values) > MAX_POINTS:
        raise ValidationError(f"At most {MAX_POINTS} values per sweep, not {len(raw_values)}.")
    field = param.model_field
    errors, values = [], []
    channels = list(store.channels.all())
    for raw in raw_values:
        text = str(raw).strip()
        try:
            if not text.isascii():  # Decimal() and float() read other scripts' digits as 0-9
                raise ValidationError("use the digits 0-9 and a point, e.g. 1.5.")
            value = param.parse(text)
            if value is None:
                raise ValidationError(field.error_messages["null"])
            variant = store_variant(store, param, value, channels=channels, products=[])
            target = (
                next(c for c in variant.channels if c.channel == param.channel)
                if param.channel
                else variant.store
            )
            target.full_clean(validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            errors.append(f"{param.name}={text}: {_reasons(exc)}")
            continue
        values.append(value)
    if errors:
        raise ValidationError(errors)
    if len(set(values)) != len(values):
        raise ValidationError(f"The values of {param.name} repeat: give each once.")
    return values


def _reasons(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(
            f"{name}: {' '.join(messages)}" for name, messages in exc.message_dict.items()
        )
    return " ".join(exc.messages)


def stored_value(value: Any) -> Any:
    """A checked value as Experiment.values keeps it: a Decimal as its exact text ("0.25")."""
    return str(value) if isinstance(value, Decimal) else value


def number(value: Any) -> Any:
    """A sweep value for JSON and charts: 0.25, 4, true (a whole Decimal reads as an int)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


# --- Creating, dispatching, cancelling ----------------------------------------------------------


def create_replication(
    stores: Iterable[Store],
    *,
    replications: int,
    days: int,
    seed: int = 1,
    baseline: Store | None = None,
    start_date: date | None = None,
    chunk_days: int | None = None,
    common_random_numbers: bool = True,
) -> Experiment:
    """The stores over `replications` seeds (seed, seed + 1, ...), compared with `baseline`
    (default: the first store)."""
    stores = list(stores)
    if not stores:
        raise ValidationError("Choose at least one store.")
    if baseline is None:
        baseline = stores[0]
    if baseline.pk not in {s.pk for s in stores}:
        raise ValidationError(f"The baseline {baseline.slug} is not among the stores.")
    return _create(
        ExperimentKind.REPLICATE,
        stores,
        replications=replications,
        days=days,
        seed=seed,
        baseline=baseline,
        start_date=start_date,
        chunk_days=chunk_days,
        common_random_numbers=common_random_numbers,
    )


def create_sweep(
    store: Store,
    *,
    param: str,
    values: Iterable[Any],
    replications: int,
    days: int,
    seed: int = 1,
    start_date: date | None = None,
    chunk_days: int | None = None,
    common_random_numbers: bool = True,
) -> Experiment:
    """`param` of `store` set to each of `values` in turn, `replications` seeds at each."""
    resolved = resolve_param(store, param)
    checked = sweep_values(store, resolved, values)
    return _create(
        ExperimentKind.SWEEP,
        [store],
        replications=replications,
        days=days,
        seed=seed,
        baseline=store,
        start_date=start_date,
        chunk_days=chunk_days,
        common_random_numbers=common_random_numbers,
        param=resolved.name,
        values=[stored_value(v) for v in checked],
    )


@transaction.atomic
def _create(
    kind: str,
    stores: list[Store],
    *,
    replications: int,
    days: int,
    seed: int,
    baseline: Store,
    start_date: date | None,
    chunk_days: int | None,
    common_random_numbers: bool,
    param: str = "",
    values: list | None = None,
) -> Experiment:
    if not 1 <= replications <= MAX_REPLICATIONS:
        raise ValidationError(
            f"Seeds must be between 1 and {MAX_REPLICATIONS}, not {replications}."
        )
    if not 1 <= days <= MAX_DAYS:
        raise ValidationError(f"Days must be between 1 and {MAX_DAYS}, not {days}.")
    if seed < 0:
        raise ValidationError("The seed must be zero or positive.")
    try:
        check_dates(start_date, days)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None
    chunk_days = chunk_days or min(days, EXPERIMENT_CHUNK_DAYS)
    if chunk_days < 1:
        raise ValidationError("Chunk days must be at least 1.")
    empty = [s.slug for s in stores if not s.products.filter(is_active=True).exists()]
    if empty:
        raise ValidationError(f"Store(s) without active products: {', '.join(empty)}.")
    experiment = Experiment.objects.create(
        kind=kind,
        seed=seed,
        replications=replications,
        start_date=start_date or (timezone.now().date() - timedelta(days=days)),
        days=days,
        chunk_days=chunk_days,
        common_random_numbers=common_random_numbers,
        baseline=baseline,
        param=param,
        values=values or [],
    )
    experiment.stores.set(stores)
    chunks = [
        ExperimentChunk(
            experiment=experiment,
            store=store,
            point=point,
            replication=replication,
            first_day=first,
            day_count=min(chunk_days, days - first),
        )
        for replication in range(replications)
        for point in range(experiment.point_count)
        for store in stores
        for first in range(0, days, chunk_days)
    ]
    ExperimentChunk.objects.bulk_create(chunks, batch_size=1000)
    experiment.chunks_total = len(chunks)
    experiment.save(update_fields=["chunks_total"])
    return experiment


def pending_chunk_ids(experiment: Experiment) -> list[int]:
    """Unfinished chunks, a replication at a time: an experiment stopped halfway holds whole
    replications rather than a little of every one."""
    return list(
        experiment.chunks.exclude(status=ChunkStatus.DONE)
        .order_by("replication", "point", "first_day", "store_id")
        .values_list("pk", flat=True)
    )  # fmt: skip


def dispatch_experiment(experiment: Experiment) -> int:
    """Queue a task for every chunk not yet done (after the current transaction commits).

    Starts an experiment, or resumes one whose worker died or that was cancelled: done chunks
    are skipped, and a chunk queued twice is written once. Returns the number of tasks queued.
    """
    from ..tasks import simulate_experiment_chunk

    _start(experiment.pk)
    ids = pending_chunk_ids(experiment)
    transaction.on_commit(lambda: [simulate_experiment_chunk.delay(i) for i in ids])
    return len(ids)


def resume_experiment(experiment_id: int) -> int:
    """Re-dispatch an experiment's unfinished chunks (a worker died, or it was cancelled).
    Raises BrokerUnavailable, changing nothing, when the broker does not answer."""
    check_broker()
    return dispatch_experiment(Experiment.objects.get(pk=experiment_id))


def cancel_experiment(experiment_id: int) -> bool:
    """Stop an experiment: queued chunks skip when they start. False if it had already ended."""
    return bool(
        Experiment.objects.filter(
            pk=experiment_id, status__in=[RunStatus.PENDING, RunStatus.RUNNING]
        ).update(status=RunStatus.CANCELLED, finished_at=timezone.now())
    )


def fail_experiment(chunk_id: int, error: str) -> None:
    """A chunk gave up after its retries: mark its experiment failed, with the reason."""
    ids = ExperimentChunk.objects.filter(pk=chunk_id).values("experiment_id")
    Experiment.objects.filter(pk__in=ids, status=RunStatus.RUNNING).update(
        status=RunStatus.FAILED, error=error[:2000], finished_at=timezone.now()
    )


def run_experiment_in_process(
    experiment: Experiment, *, on_progress: Callable[[int, int], None] | None = None
) -> Experiment:
    """Write every unfinished chunk here (no worker), in order."""
    _start(experiment.pk)
    for chunk_id in pending_chunk_ids(experiment):
        outcome = write_experiment_chunk(chunk_id)
        experiment.refresh_from_db(fields=["chunks_done", "chunks_total", "status"])
        if on_progress:
            on_progress(experiment.chunks_done, experiment.chunks_total)
        if outcome == CANCELLED:
            break
    experiment.refresh_from_db()
    return experiment


def _start(experiment_id: int) -> None:
    """Mark an experiment running (again, after a cancel or a failure); done if nothing is left."""
    Experiment.objects.filter(pk=experiment_id).exclude(status=RunStatus.DONE).update(
        status=RunStatus.RUNNING, error="", finished_at=None
    )
    Experiment.objects.filter(pk=experiment_id, started_at__isnull=True).update(
        started_at=timezone.now()
    )
    _finish_if_complete(experiment_id)


def _finish_if_complete(experiment_id: int) -> None:
    Experiment.objects.filter(
        pk=experiment_id, status=RunStatus.RUNNING, chunks_done__gte=F("chunks_total")
    ).update(status=RunStatus.DONE, finished_at=timezone.now())


# --- Writing a chunk ----------------------------------------------------------------------------

WRITTEN, ALREADY_DONE, CANCELLED, MISSING = "written", "already done", "cancelled", "missing"


def chunk_params(chunk: ExperimentChunk) -> StoreParams:
    """The engine's parameters of a chunk's store at the chunk's sweep point."""
    experiment, store = chunk.experiment, chunk.store
    if not experiment.is_sweep:
        return store_params(store)
    param = SweepParam.of(experiment.param)
    return store_variant(store, param, param.parse(experiment.values[chunk.point])).params()


def write_experiment_chunk(chunk_id: int, *, now: datetime | None = None) -> str:
    """Simulate one chunk and store its daily figures; safe to call any number of times."""
    now = now or timezone.now()
    chunk = (
        ExperimentChunk.objects.select_related("experiment", "store").filter(pk=chunk_id).first()
    )
    if chunk is None:
        return MISSING
    experiment = chunk.experiment
    if experiment.status == RunStatus.CANCELLED:
        return CANCELLED
    if chunk.status == ChunkStatus.DONE:
        return ALREADY_DONE
    claimed = _try_claim(chunk.pk, experiment.pk, now)
    params = chunk_params(chunk)
    first_day = experiment.start_date + timedelta(days=chunk.first_day)
    # The engine runs outside the transaction so the write lock is held only while writing.
    result = engine.simulate(
        params,
        seed=experiment.seed + chunk.replication,
        first_day=first_day,
        days=chunk.day_count,
        origin=experiment.start_date,
        common_random_numbers=experiment.common_random_numbers,
    )
    figures = daily_figures(params, result, experiment.settled_as_of(params.rules))
    orders = len(result.orders)
    del result  # the chunk's orders are not needed past this point: free them before writing
    dates = [(first_day + timedelta(days=i)).isoformat() for i in range(chunk.day_count)]
    rows = TableRows.of(
        ExperimentDay,
        {"date": dates, **figures},
        experiment_id=experiment.pk,
        point=chunk.point,
        replication=chunk.replication,
        store_id=chunk.store_id,
    )
    with writer_turn(), transaction.atomic():
        locked = ExperimentChunk.objects.select_for_update().get(pk=chunk.pk)
        if locked.status == ChunkStatus.DONE:
            return ALREADY_DONE
        if Experiment.objects.filter(pk=experiment.pk, status=RunStatus.CANCELLED).exists():
            return CANCELLED
        if not claimed:
            _mark_claimed(chunk.pk, experiment.pk, now)
        ExperimentDay.objects.filter(
            experiment_id=experiment.pk,
            point=chunk.point,
            replication=chunk.replication,
            store_id=chunk.store_id,
            date__gte=dates[0],
            date__lte=dates[-1],
        ).delete()
        with connection.cursor() as cursor:
            insert_many(cursor, rows.insert_sql(), rows.tuples())
        ExperimentChunk.objects.filter(pk=chunk.pk).update(
            status=ChunkStatus.DONE, orders_simulated=orders, finished_at=now
        )
        Experiment.objects.filter(pk=experiment.pk).update(chunks_done=F("chunks_done") + 1)
        _finish_if_complete(experiment.pk)
    return WRITTEN


def daily_figures(
    params: StoreParams, result: engine.SimulationResult, as_of: datetime
) -> dict[str, np.ndarray]:
    """ExperimentDay's columns for each simulated day: the funnel and the order rollup of
    DailyFunnel (rollup_cells, the same arrays a run's rows come from) summed over channels,
    and the paid channels' net sales (the ledger's) and new customers. Money in cents."""
    days, n_ch = result.days, len(CHANNELS)
    f = result.funnel
    out = {name: getattr(f, name).sum(axis=1) for name in FUNNEL_COUNT_FIELDS}
    out.update({name: getattr(f, name).sum(axis=1) for name in ledger.DAILY_COST_LINES})
    cells = rollup_cells(params, result, as_of)
    if cells is None:
        cells = {name: np.zeros(days * n_ch, dtype=np.int64) for name in ROLLUP_FIELDS}
    by_channel = {name: cells[name].reshape(days, n_ch) for name in ROLLUP_FIELDS}
    out.update({name: v.sum(axis=1) for name, v in by_channel.items()})
    paid = [CHANNELS.index(c) for c in sorted(PAID_CHANNELS)]
    paid_lines = ledger.Lines({name: v[:, paid].sum(axis=1) for name, v in by_channel.items()})
    out["paid_net_sales"] = ledger.net_sales(paid_lines)
    out["paid_new_customers"] = paid_lines.new_customers
    return {name: np.asarray(v, dtype=np.int64) for name, v in out.items()}


def _try_claim(chunk_id: int, experiment_id: int, now: datetime) -> bool:
    """Count an attempt at the chunk, mark it running; returns whether it did (on SQLite it
    skips rather than wait for another worker's write turn: the write then claims it)."""
    with writer_turn(wait=False) as turn:
        if not turn:
            return False
        with transaction.atomic():
            _mark_claimed(chunk_id, experiment_id, now)
    return True


def _mark_claimed(chunk_id: int, experiment_id: int, now: datetime) -> None:
    ExperimentChunk.objects.filter(pk=chunk_id).exclude(status=ChunkStatus.DONE).update(
        status=ChunkStatus.RUNNING, attempts=F("attempts") + 1, claimed_at=now
    )
    Experiment.objects.filter(pk=experiment_id, status=RunStatus.PENDING).update(
        status=RunStatus.RUNNING, started_at=timezone.now()
    )
