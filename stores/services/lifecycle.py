"""The order lifecycle: move orders along their planned timeline as the dates pass.

Synthetic and shoppers' orders alike carry their planned dates (dispatch, door, outcome); this
service realises what has happened by a moment (shipped, delivered, refused, returned, refunded,
charged back, cash collected) with the money each step books, through the engine's one rule
(realisation.realise), and refreshes the rollup of the days it touched.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

import numpy as np
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from ..models import Order, OrderStatus, PaymentMethod, Store
from ..simulation import realisation
from ..simulation.params import DELIVERED, STATUSES
from .bulk_write import money_column, timestamps
from .engine_params import cents, store_params
from .rollup import rebuild_rollup
from .shocks import live_schedules

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
    """Filters for a store's orders whose next planned event may have come: not yet at the
    door, an outcome due, or money still to arrive (a processor's payout, a COD remittance).

    One filter per kind of event, each narrow enough for an index, rather than one OR; the
    lifecycle rule itself (realisation.realise) decides what moved.
    """
    return [
        Q(status__in=[OrderStatus.PLACED, OrderStatus.SHIPPED]),
        Q(status=OrderStatus.DELIVERED, outcome_at__lte=now),  # kept orders have no outcome_at
        Q(cash_collected_at__isnull=True, placed_at__lte=now) & ~Q(status=OrderStatus.REFUSED),
    ]


def advance_lifecycle(
    *, now: datetime | None = None, store_ids: Iterable[int] | None = None
) -> int:
    """Move the orders outside runs (live mode's and shoppers') along their planned timeline
    (shipped, delivered, refused, returned, refunded, charged back, cash collected) as the
    dates pass, with the money each step realises, and rebuild the rollup of the days touched.
    Returns the number of orders changed.

    A run's orders are not moved: they stand as of the run's end (SimulationRun.as_of).
    Without `store_ids`, the stores of training sessions are left to their sessions' clocks.
    """
    now = now or timezone.now()
    as_of = int(now.timestamp())
    # Live orders and shoppers' orders alike: checkout plans the same timeline.
    synthetic = Order.objects.filter(run__isnull=True, planned_shipped_at__isnull=False)
    stores = Store.objects.all()  # few stores; asking which have orders would scan every order
    if store_ids is not None:
        stores = stores.filter(pk__in=list(store_ids))
    else:
        # A training session moves its own stores' orders by its clock (services.classroom):
        # by the real time, which its clock runs ahead of, they would move backwards.
        stores = stores.on_real_clock()
    changed_total = 0
    stores = list(stores)
    # Live shocks: each order lives by the terms of the day it was placed.
    schedules = live_schedules(s.pk for s in stores)
    for store in stores:
        params = store_params(store, products=[]).with_shocks(schedules.get(store.pk))
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
    money = lambda name: np.array([cents(v) for v in col[name]], dtype=np.int64)  # noqa: E731
    planned = np.array([codes[v] for v in col["planned_outcome"]], dtype=np.int8)
    outcome_at = _epoch(col["outcome_at"])
    real = realisation.realise(
        params,
        as_of,
        placed_at=_epoch(col["placed_at"]),
        shipped_at=_epoch(col["planned_shipped_at"]),
        delivered_at=_epoch(col["planned_delivered_at"]),
        outcome_at=outcome_at,
        outcome=planned,
        is_cod=np.array([m == PaymentMethod.COD for m in col["payment_method"]]),
        gross_sales=money("gross_sales"),
        discount=money("discount"),
        goods_cost=money("goods_cost"),
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
            columns.append(money_column(values))
        else:
            columns.append(timestamps(values))
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
