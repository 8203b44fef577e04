"""Bulk writing of simulated rows: orders, lines and funnel rows by the ten thousand.

Storage plumbing only; what the rows hold is decided by the engine and services.runs. On
PostgreSQL rows go in with COPY. On SQLite (one writer at a time) each worker stages its rows in
in-memory TEMP tables before its turn and holds the write lock only for one INSERT ... SELECT
per table; the turns are queued on a file lock (`writer_turn`), and the WAL checkpoint runs
after a turn rather than inside it. benchmarks/simulation_write_path.py measures the whole path.
"""

from __future__ import annotations

import fcntl
import functools
import itertools
import json
import os
import sqlite3
from collections.abc import Callable
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import numpy as np
from django.db import DatabaseError, connection

from ..models import DailyFunnel, Order, OrderLine, Source, Store
from ..simulation import engine, realisation
from ..simulation.params import CHANNELS, DELIVERED, PAYMENT_METHODS, STATUSES, StoreParams

WAL_AUTOCHECKPOINT = 1000  # SQLite's default, restored after a write turn (see writer_turn)
WRITER_CACHE_KIB = 64 * 1024
WAL_TRUNCATE_BYTES = 128 * 1024 * 1024  # SQLite: a write turn empties a WAL this big first


@contextmanager
def writer_turn(*, wait: bool = True):
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


def delete_span(run_id: int | None, store_id: int, days: list[date]) -> None:
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


def timestamps(seconds: np.ndarray) -> np.ndarray:
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


def money_column(cents: np.ndarray) -> np.ndarray:
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
        real: realisation.Realised | None = None,
    ) -> OrderBatch:
        o = result.orders
        idx = np.arange(len(o))[select]
        assert select.step in (None, 1), "a contiguous span of orders"
        if real is None:
            real = realisation.realise_orders(params, o, int(as_of.timestamp()))
        first = result.first_day.toordinal() - engine.EPOCH_ORDINAL
        placed_date = (first + o.day[idx]).astype("datetime64[D]").astype("U10").astype(object)
        n = len(idx)
        status = np.array(STATUSES, dtype=object)
        batch_numbers = numbers[select]
        # An order ships and arrives when planned, if it has yet: the same texts serve both.
        planned_shipped = timestamps(o.shipped_at[idx])
        planned_delivered = timestamps(o.delivered_at[idx])
        orders = TableRows.of(
            Order,
            {
                "number": batch_numbers,
                "channel": np.array(CHANNELS, dtype=object)[o.channel[idx]],
                "payment_method": np.array(PAYMENT_METHODS, dtype=object)[o.payment[idx]],
                "is_new_customer": o.is_new[idx],
                # A run's pool numbers its buyers; a live tick's single day has no pool.
                "customer_number": o.customer[idx] if run_id is not None else None,
                "status": status[real.status[idx]],
                "placed_at": timestamps(o.placed_at[idx]),
                "placed_date": placed_date,
                "shipped_at": np.where(real.shipped_at[idx] >= 0, planned_shipped, None),
                "delivered_at": np.where(real.delivered_at[idx] >= 0, planned_delivered, None),
                "planned_outcome": status[o.outcome[idx]],
                # Empty for an order simply kept: outcome_at dates a return, refusal, refund or
                # chargeback, and the lifecycle finds pending ones by an index on
                # (status, outcome_at).
                "outcome_at": timestamps(
                    np.where(o.outcome[idx] == DELIVERED, -1, o.outcome_at[idx])
                ),
                "cash_collected_at": timestamps(real.cash_at[idx]),
                "planned_shipped_at": planned_shipped,
                "planned_delivered_at": planned_delivered,
                "gross_sales": money_column(o.gross_sales[idx]),
                "discount": money_column(o.discount[idx]),
                "refund": money_column(real.refund[idx]),
                "goods_cost": money_column(real.goods_cost[idx]),
                "shipping_cost": money_column(o.shipping_cost[idx]),
                "return_shipping_cost": money_column(real.return_shipping_cost[idx]),
                "payment_fee": money_column(o.payment_fee[idx]),
                "cod_fee": money_column(real.cod_fee[idx]),
                "chargeback_fee": money_column(real.chargeback_fee[idx]),
                "platform_fee": money_column(o.platform_fee[idx]),
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
                "unit_price": money_column(ln.unit_price[take]),
                "unit_cost": money_column(ln.unit_cost[take]),
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
        """Orders, their ids read back by number, then lines; `write` defaults to insert_many
        (COPY on PostgreSQL). The benchmark passes plain executemany to measure the floor."""
        write = write or insert_many
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


def insert_many(cursor, sql: str, rows: list) -> None:
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
