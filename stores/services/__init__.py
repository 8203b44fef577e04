"""Writes. Views, admin actions, commands and tasks call these; none of them writes models directly.

- stores: create a store from a preset, its channels and catalogue; clone it (or make a COD
  store's prepaid twin), reset its data.
- shocks: shocks recorded with a run or a store's live traffic, read back as the engine's
  schedule; scenarios: start a scenario of the library for a class, remove one.
- engine_params: a Store as the engine's frozen parameters (money in cents, date rules).
- experiments: replications over seeds and one-parameter sweeps, on the workers like runs, keeping
  daily aggregates only.
- runs: seeded simulation runs in chunks over the Celery workers (create, dispatch, write a
  chunk, resume, cancel, re-queue a dead worker's chunks); bulk_write stores a chunk's rows fast
  on SQLite and PostgreSQL; broker: is Redis there, which workers answer, what is queued.
- lifecycle: move orders along their planned timeline as the dates pass.
- live: live mode's trickle of traffic and orders.
- rollup: keep DailyFunnel's order columns equal to the sums over the order rows.
- checkout: place a shopper's order (prices, fees and stock from the server).
- funnel: count shopper visits and funnel steps into the daily funnel table.
- classroom: training sessions on an accelerated clock, their teams, decisions and rounds.
"""

from . import classroom, experiments
from .broker import BrokerUnavailable
from .checkout import (
    AlreadyOrdered,
    CheckoutError,
    PricesChanged,
    delivery_estimate,
    place_order,
)
from .engine_params import params_from_preset, store_params
from .funnel import channel_for, record_step, touch_visit
from .lifecycle import advance_lifecycle
from .live import live_tick, set_live
from .rollup import ensure_run_summary, rebuild_rollup, summarise_run
from .runs import (
    NothingToSell,
    cancel_run,
    create_run,
    dispatch_run,
    requeue_stalled_chunks,
    resume_run,
    run_in_process,
    start_first_history,
    start_run,
    write_chunk,
)
from .stores import (
    add_preset_channels,
    clone_store,
    create_store_from_preset,
    generate_catalogue,
    prepaid_twin,
    reset_store_data,
    seed_demo_stores,
)

__all__ = [
    "AlreadyOrdered",
    "BrokerUnavailable",
    "NothingToSell",
    "CheckoutError",
    "PricesChanged",
    "add_preset_channels",
    "classroom",
    "advance_lifecycle",
    "cancel_run",
    "channel_for",
    "clone_store",
    "create_run",
    "create_store_from_preset",
    "delivery_estimate",
    "experiments",
    "dispatch_run",
    "ensure_run_summary",
    "generate_catalogue",
    "live_tick",
    "params_from_preset",
    "place_order",
    "prepaid_twin",
    "rebuild_rollup",
    "record_step",
    "requeue_stalled_chunks",
    "reset_store_data",
    "resume_run",
    "run_in_process",
    "seed_demo_stores",
    "set_live",
    "start_first_history",
    "start_run",
    "store_params",
    "summarise_run",
    "touch_visit",
    "write_chunk",
]
