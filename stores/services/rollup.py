"""The order rollup: DailyFunnel's order columns, the sums of the order rows by placement day.

The dashboards read DailyFunnel only, so every write that creates orders or changes their status
or money must refresh the rollup of the (store, run, placement days) it touched. The rule has two
forms: `rebuild_rollup` sums the order rows in SQL (checkout, the lifecycle, live mode), and
`rollup_from_result` sums the engine's arrays before they are written (a simulated chunk of
~25,000 orders, where reading them back would cost more than writing them). A test holds the two
equal (tests/test_simulation_services.py). Money lines are the ledger's (simulation/ledger.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal

import numpy as np
from django.db import connection, transaction
from django.db.models import Count, DurationField, ExpressionWrapper, F, FloatField, Q, Sum
from django.db.models.functions import Cast, Coalesce, TruncDate

from ..models import (
    FUNNEL_COUNT_FIELDS,
    ROLLUP_COUNT_FIELDS,
    DailyFunnel,
    Order,
    OrderLine,
    OrderStatus,
    PaymentMethod,
    Source,
)
from ..simulation import engine, ledger, realisation
from ..simulation.cash import fees_netted
from ..simulation.params import (
    CHANNELS,
    CHARGED_BACK,
    REFUNDED,
    REFUSED,
    RETURNED,
    StoreParams,
)
from .bulk_write import TableRows

MONEY_FIELDS = ledger.ORDER_LINES + ledger.CASH_LINES + ledger.REFUSED_SHIPPING_LINES
COUNT_FIELDS = ROLLUP_COUNT_FIELDS
FUNNEL_COUNTS = FUNNEL_COUNT_FIELDS
DAILY_COSTS = ledger.DAILY_COST_LINES
ROLLUP_FIELDS = MONEY_FIELDS + COUNT_FIELDS
ZERO = Decimal("0")


class _Columns:
    """The ledger's lines as F() expressions, so its formulas build SQL."""

    def __getattr__(self, name: str) -> F:
        return F(name)


COLUMNS = _Columns()

_cash = Q(cash_collected_at__isnull=False)
_cod = Q(payment_method=PaymentMethod.COD)
AGGREGATES = {
    **{name: Sum(name) for name in ledger.ORDER_LINES},
    "cash_received": Sum(ledger.charged(COLUMNS), filter=_cash),
    "refunds_paid": Sum("refund", filter=~Q(status=OrderStatus.REFUSED)),
    "refused_forward_shipping": Sum("shipping_cost", filter=Q(status=OrderStatus.REFUSED)),
    "refused_return_shipping": Sum("return_shipping_cost", filter=Q(status=OrderStatus.REFUSED)),
    "orders": Count("id"),
    "new_customers": Count("id", filter=Q(is_new_customer=True)),
    "delivered_orders": Count("id", filter=Q(delivered_at__isnull=False)),
    "returned_orders": Count("id", filter=Q(status=OrderStatus.RETURNED)),
    "refunded_orders": Count("id", filter=Q(status=OrderStatus.REFUNDED)),
    "chargebacks": Count("id", filter=Q(status=OrderStatus.CHARGED_BACK)),
    "cod_orders": Count("id", filter=_cod),
    "cod_shipped": Count("id", filter=_cod & Q(shipped_at__isnull=False)),
    "cod_refused": Count("id", filter=_cod & Q(status=OrderStatus.REFUSED)),
    "cash_orders": Count("id", filter=_cash),
    "cash_lag": Sum(
        ExpressionWrapper(F("cash_collected_at") - F("placed_at"), output_field=DurationField()),
        filter=_cash,
    ),
}


def _as_days(lag: timedelta | int | None) -> int:
    if lag is None:
        return 0
    if isinstance(lag, timedelta):
        return round(lag.total_seconds() / 86400)
    return round(lag / 86_400_000_000)  # some backends hand back microseconds


@transaction.atomic
def rebuild_rollup(
    store_id: int, days: Iterable[date], *, run_id: int | None = None, source: str | None = None
) -> int:
    """Recompute the order columns for one store's placement days (within a run, or outside runs).

    Creates funnel rows for (day, channel, source) keys that have orders but no row yet, and zeroes
    the order columns of rows whose orders are gone. Returns the number of rows written.
    """
    days = sorted(set(days))
    if not days:
        return 0
    orders = Order.objects.filter(store_id=store_id, placed_date__in=days, run_id=run_id)
    rows = DailyFunnel.objects.filter(store_id=store_id, date__in=days, run_id=run_id)
    if source:
        orders, rows = orders.filter(source=source), rows.filter(source=source)
    keys = ("placed_date", "channel", "source")
    # Annotations carry a prefix: named like the columns, they would shadow them inside F().
    annotated = orders.values(*keys).annotate(**{f"t_{k}": v for k, v in AGGREGATES.items()})
    totals = {
        (t["placed_date"], t["channel"], t["source"]): {
            k.removeprefix("t_"): v for k, v in t.items() if k.startswith("t_")
        }
        for t in annotated.order_by()
    }
    items = (
        OrderLine.objects.filter(order__in=orders)
        .values("order__placed_date", "order__channel", "order__source")
        .annotate(n=Sum("quantity"))
        .order_by()
    )
    for row in items:
        key = (row["order__placed_date"], row["order__channel"], row["order__source"])
        totals[key]["items"] = row["n"]

    existing = {(r.date, r.channel, r.source): r for r in rows}
    to_update, to_create = [], []
    for key in existing.keys() | totals.keys():
        row = existing.get(key)
        if row is None:
            day, channel, src = key
            row = DailyFunnel(
                store_id=store_id, date=day, channel=channel, source=src, run_id=run_id
            )
            to_create.append(row)
        else:
            to_update.append(row)
        _fill(row, totals.get(key))
    DailyFunnel.objects.bulk_create(to_create, batch_size=500)
    _update(to_update)
    return len(to_create) + len(to_update)


def _update(rows: list[DailyFunnel]) -> None:
    """UPDATE ... WHERE id = %s once per row, sent as one executemany.

    bulk_update builds a CASE WHEN per field over every row, which costs milliseconds a row here
    (25 fields); a prepared statement per row is some hundred times faster.
    """
    if not rows:
        return
    fields = [DailyFunnel._meta.get_field(name) for name in ROLLUP_FIELDS]
    quote = connection.ops.quote_name
    sets = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    sql = f"UPDATE {quote(DailyFunnel._meta.db_table)} SET {sets} WHERE {quote('id')} = %s"
    params = [
        [f.get_db_prep_save(getattr(row, f.attname), connection) for f in fields] + [row.pk]
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _fill(row: DailyFunnel, total: dict | None) -> None:
    total = total or {}
    for name in MONEY_FIELDS:
        setattr(row, name, total.get(name) or ZERO)
    for name in COUNT_FIELDS:
        if name != "cash_lag_days":
            setattr(row, name, total.get(name) or 0)
    row.cash_lag_days = _as_days(total.get("cash_lag"))


def funnel_rows_from_result(
    store_id: int,
    run_id: int | None,
    params: StoreParams,
    result: engine.SimulationResult,
    days: list[date],
    as_of: datetime,
) -> TableRows:
    """A simulated chunk's funnel rows, with the order rollup of the same arrays the orders
    came from (equal to what rebuild_rollup would compute from the rows once written)."""
    f = result.funnel
    rollup = rollup_from_result(params, result, as_of)
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


def rollup_from_result(
    params: StoreParams, result: engine.SimulationResult, as_of: datetime
) -> dict[tuple[int, int], dict]:
    """Per (day index, channel code): the order columns of DailyFunnel, from the arrays."""
    cells = rollup_cells(params, result, as_of)
    if cells is None:
        return {}
    n_ch = len(CHANNELS)
    out = {}
    for k in np.flatnonzero(cells["orders"]).tolist():
        row = {name: int(cells[name][k]) / 100 for name in MONEY_FIELDS}
        row.update({name: int(cells[name][k]) for name in COUNT_FIELDS})
        out[divmod(k, n_ch)] = row
    return out


def rollup_cells(
    params: StoreParams, result: engine.SimulationResult, as_of: datetime
) -> dict[str, np.ndarray] | None:
    """DailyFunnel's order columns (ROLLUP_FIELDS) as arrays over the cells day index x channel
    code (cell = day * len(CHANNELS) + channel), money in cents; None without orders.

    Each cell's cash_lag_days is rounded to whole days, as a row of DailyFunnel holds it.
    """
    o = result.orders
    if not len(o):
        return None
    real = realisation.realise_orders(params, o, int(as_of.timestamp()))
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
    cells = {name: total(v) for name, v in realisation.money_lines(o, real).items()}
    cells["cash_received"] = total(ledger.charged(o), cash)
    cells["refunds_paid"] = total(real.refunds_paid)
    refused = real.status == REFUSED
    cells["refused_forward_shipping"] = total(o.shipping_cost, refused)
    cells["refused_return_shipping"] = total(real.return_shipping_cost, refused)
    cells.update(
        orders=total(np.ones(len(o))),
        new_customers=total(o.is_new),
        items=items,
        delivered_orders=total(real.delivered_at >= 0),
        returned_orders=total(real.status == RETURNED),
        refunded_orders=total(real.status == REFUNDED),
        chargebacks=total(real.status == CHARGED_BACK),
        cod_orders=total(is_cod),
        cod_shipped=total(is_cod & (real.shipped_at >= 0)),
        cod_refused=total(is_cod & (real.status == REFUSED)),
        cash_orders=total(cash),
    )
    lag_seconds = total(real.cash_at - o.placed_at, cash)
    # Python's round (half to even) per cell, as a DailyFunnel row has always been written.
    cells["cash_lag_days"] = np.rint(lag_seconds / engine.DAY).astype(np.int64)
    return cells


class MoneyDay(TruncDate):
    """The day (in the stores' calendar) a datetime column falls on. On SQLite, with the
    calendar in UTC (the default), SQLite's own date() reads the stored UTC text: Django's
    TruncDate calls a Python function there once per row, seven times slower over a run's
    orders. Any other time zone takes Django's way."""

    def as_sqlite(self, compiler, connection, **extra):
        if self.get_tzname() in ("UTC", "Etc/UTC"):
            sql, params = compiler.compile(self.lhs)
            return f"date({sql})", params
        return self.as_sql(compiler, connection)


def money_day_sums(orders) -> tuple[list[tuple], list[tuple]]:
    """The orders' money by store and the day it moved (two queries): rows of (store id, day,
    cash received, fees netted from it) on the payout or remittance day, and rows of (store id,
    day, refunds paid, return legs, dispute fees) on the outcome day. Sums are floats (round
    them to the cent): Django's Decimal converters cost as much as the queries."""
    received = (
        orders.filter(cash_collected_at__isnull=False)
        .annotate(day=MoneyDay("cash_collected_at"))
        .values_list("store_id", "day")
        .annotate(a=float_sum(ledger.charged(COLUMNS)), b=float_sum(fees_netted(COLUMNS)))
    )
    outcomes = (
        orders.filter(Q(refund__gt=0) | Q(return_shipping_cost__gt=0) | Q(chargeback_fee__gt=0))
        .annotate(day=MoneyDay(Coalesce("outcome_at", "placed_at")))
        .values_list("store_id", "day")
        .annotate(
            a=float_sum("refund", filter=~Q(status=OrderStatus.REFUSED)),
            b=float_sum("return_shipping_cost"),
            c=float_sum("chargeback_fee"),
        )
    )
    return fetch_rows(received), fetch_rows(outcomes)


def float_sum(expression, **extra) -> Cast:
    return Cast(Sum(expression, **extra), FloatField())


def fetch_rows(query) -> list[tuple]:
    """A values_list query's rows straight from the cursor (no per-value converters)."""
    sql, params = query.order_by().query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _cash_flows(run_id: int, days: list[dict]) -> list[dict]:
    """A finished run's RunStoreCashFlows rows: each store's day costs (its RunStoreDay rows,
    `days`) and its orders' money by the day it moved (money_day_sums), packed by line and day."""
    from ..simulation.cash import DAY_FLOWS, OUTCOME_FLOWS, RECEIVED_FLOWS, FlowGrid, ordinal, pack

    received, outcomes = money_day_sums(Order.objects.filter(run_id=run_id))
    day_rows = [
        (d["store_id"], d["date"], *(d[c] for c in ("goods_cost", "shipping_cost", "ad_spend",
                                                     "other_cost")))
        for d in days
    ]  # fmt: skip
    rows = (day_rows, received, outcomes)
    store_ids = sorted({row[0] for found in rows for row in found})
    if not store_ids:
        return []
    days_seen = {ordinal(row[1]) for found in rows for row in found}
    first = min(days_seen)
    grid = FlowGrid(store_ids, first, max(days_seen))
    for found, lines in zip(rows, (DAY_FLOWS, RECEIVED_FLOWS, OUTCOME_FLOWS), strict=True):
        grid.add(found, lines)
    first_day = date.fromordinal(first)
    return [
        {"store_id": store_id, "first_day": first_day, "cents": pack(grid.of(store_id))}
        for store_id in store_ids
    ]


def summarise_run(run_id: int) -> int:
    """Write a finished run's RunStoreDay and RunStoreWeek rows: its funnel rows summed over
    channels and sources, per store and day and per store and week (the dashboard's fast path
    for that run), and its RunStoreCashFlows rows (its money by the day it moved, for the cash
    balance). Idempotent. Returns the number of day rows."""
    from django.utils import timezone

    from ..models import (
        PAID_CHANNELS,
        RunStoreCashFlows,
        RunStoreDay,
        RunStoreWeek,
        SimulationRun,
    )

    paid = Q(channel__in=list(PAID_CHANNELS))
    columns = [*COUNT_FIELDS, *MONEY_FIELDS, *FUNNEL_COUNTS, *DAILY_COSTS]
    sums = (
        DailyFunnel.objects.filter(run_id=run_id)
        .values("store_id", "date")
        .annotate(
            **{f"t_{c}": Sum(c) for c in columns},
            t_paid_net_sales=Sum(ledger.net_sales(COLUMNS), filter=paid),
            t_paid_new_customers=Sum("new_customers", filter=paid),
        )
        .order_by()
    )
    names = [*columns, "paid_net_sales", "paid_new_customers"]
    days = [
        {
            "store_id": v["store_id"],
            "date": v["date"],
            **{name: v[f"t_{name}"] or 0 for name in names},
        }
        for v in sums
    ]
    weeks: dict[tuple[int, date], dict] = {}
    for day in days:
        monday = day["date"] - timedelta(days=day["date"].weekday())
        week = weeks.setdefault(
            (day["store_id"], monday),
            {"store_id": day["store_id"], "date": monday, **dict.fromkeys(names, 0)},
        )
        for name in names:
            week[name] += day[name]
    cash_flows = _cash_flows(run_id, days)
    with transaction.atomic():
        for model, values in (
            (RunStoreDay, days),
            (RunStoreWeek, weeks.values()),
            (RunStoreCashFlows, cash_flows),
        ):
            model.objects.filter(run_id=run_id).delete()
            model.objects.bulk_create((model(run_id=run_id, **v) for v in values), batch_size=1000)
        SimulationRun.objects.filter(pk=run_id).update(summarised_at=timezone.now())
    return len(days)


def ensure_run_summary(run) -> None:
    """Summarise a finished run that has no RunStoreDay rows yet (one written before they
    existed); anything else is left alone."""
    from ..models import RunStatus, SimulationRun

    if (
        isinstance(run, SimulationRun)
        and run.status == RunStatus.DONE
        and run.summarised_at is None
    ):
        summarise_run(run.pk)
        run.refresh_from_db(fields=["summarised_at"])
