"""Live mode: while a store is live, Celery beat reveals its seeded traffic and orders as time
passes, a few seconds at a time, and moves every order's lifecycle along.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ..models import DailyFunnel, Source, Store
from ..simulation import engine, market
from ..simulation.params import CHANNELS, StoreParams
from .bulk_write import OrderBatch
from .engine_params import store_params
from .lifecycle import advance_lifecycle
from .rollup import rebuild_rollup
from .shocks import live_schedules

LIVE_SEED = 20_261_123  # live traffic is seeded too: a store's live day replays identically


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
    # A training session's stores follow their session's clock (services.classroom), not this one.
    stores = list(Store.objects.live().on_real_clock())
    written = 0
    scale = float(getattr(settings, "LIVE_TRAFFIC_SCALE", 1))
    schedules = live_schedules(s.pk for s in stores)
    for store in stores:
        # Shocks apply after the scaling: the library's traffic shocks multiply or zero a
        # value, which scaling leaves alone.
        params = store_params(store).with_traffic_scaled(scale)
        params = params.with_shocks(schedules.get(store.pk))
        written += reveal_store(store, params, now)
    advanced = advance_lifecycle(now=now)
    return LiveTickResult(stores=len(stores), orders=written, advanced=advanced)


def reveal_store(
    store: Store,
    params: StoreParams,
    until: datetime,
    *,
    seed: int = LIVE_SEED,
    tag: str = "",
    after: Callable[[datetime, datetime], None] | None = None,
) -> int:
    """Write a store's seeded traffic and orders between its cursor (live_revealed_until) and
    `until`, and move the cursor, in one transaction; `after(start, until)` runs inside it (a
    training session books its decisions' costs there). `tag` names the store's settings in
    its order numbers, so a day re-simulated after they changed never reuses a number.
    Returns the orders written.

    Live mode calls it with the real time; a training session with its clock's time.
    """
    if not len(params.catalogue) or not params.channels:
        return 0
    written = 0
    with transaction.atomic():
        # Re-read the cursor under the transaction, locked: another tick may be moving it.
        cursor = Store.objects.select_for_update().filter(pk=store.pk)
        start = cursor.values_list("live_revealed_until", flat=True)[0]
        if start is None or start >= until:
            Store.objects.filter(pk=store.pk, live_revealed_until__isnull=True).update(
                live_revealed_until=until
            )
            return 0
        day = start.astimezone(UTC).date()
        while day <= until.astimezone(UTC).date():
            written += _live_window(store, params, day, start, until, seed=seed, tag=tag)
            day += timedelta(days=1)
        if after is not None:
            after(start, until)
        Store.objects.filter(pk=store.pk).update(live_revealed_until=until)
    return written


def _telescoped(total: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """The share of a day's count falling in [lo, hi) of the day, rounded so that consecutive
    windows add up to exactly the rounded share of their union."""
    return np.round(total * hi).astype(np.int64) - np.round(total * lo).astype(np.int64)


def _live_window(
    store: Store,
    params: StoreParams,
    day: date,
    start: datetime,
    end: datetime,
    *,
    seed: int,
    tag: str = "",
) -> int:
    """Write the part of a store's seeded live day that falls in (start, end]."""
    day_start = engine.day_ordinal(day) * engine.DAY
    lo_ts = max(int(start.timestamp()), day_start)
    hi_ts = min(int(end.timestamp()), day_start + engine.DAY)
    if hi_ts <= lo_ts:
        return 0
    # One day at a time: no pool of past buyers (email at its configured level; engine.simulate),
    # and the store settled (no premium ramp, no price pressure: market.settled)
    result = engine.simulate(
        market.settled(params), seed=seed, first_day=day, days=1, customers=False
    )
    o, f = result.orders, result.funnel
    first = int(np.searchsorted(o.placed_at, lo_ts, side="right"))  # orders come sorted by time
    last = int(np.searchsorted(o.placed_at, hi_ts, side="right"))
    if last > first:
        # Under shocks a day's orders differ from the same day's without them: the tag keeps
        # the numbers of a day re-simulated after a shock applied mid-day from colliding.
        tags = [tag, params.shocks.tag(day) if params.shocks else ""]
        suffix = "".join(f"-{t}" for t in tags if t)
        numbers = [f"L-S{store.pk}-{day:%Y%m%d}-{s}{suffix}" for s in o.seq.tolist()]
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
