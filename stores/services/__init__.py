"""Writes. Views, admin actions, commands and tasks call these; none of them writes models directly.

- stores: create a store from a preset, generate its catalogue, clone it, reset its data.
- rollup: rebuild the order columns of the daily funnel table from the order rows.
- checkout: place a shopper's order (prices, fees and stock from the server).
- funnel: count shopper visits and funnel steps into the daily funnel table.
- simulation: seeded runs in chunks, order lifecycles, live ticks (engine in stores/simulation).
"""

from .checkout import (
    AlreadyOrdered,
    CheckoutError,
    PricesChanged,
    delivery_estimate,
    place_order,
)
from .funnel import channel_for, record_step, touch_visit
from .rollup import rebuild_rollup
from .simulation import (
    advance_lifecycle,
    cancel_run,
    create_run,
    dispatch_run,
    live_tick,
    resume_run,
    run_in_process,
    run_summary,
    set_live,
    store_params,
    write_chunk,
)
from .stores import (
    clone_store,
    create_store_from_preset,
    generate_catalogue,
    reset_store_data,
    seed_demo_stores,
)

__all__ = [
    "AlreadyOrdered",
    "CheckoutError",
    "PricesChanged",
    "channel_for",
    "delivery_estimate",
    "place_order",
    "record_step",
    "touch_visit",
    "clone_store",
    "create_store_from_preset",
    "generate_catalogue",
    "rebuild_rollup",
    "advance_lifecycle",
    "cancel_run",
    "create_run",
    "dispatch_run",
    "live_tick",
    "set_live",
    "resume_run",
    "run_in_process",
    "run_summary",
    "store_params",
    "write_chunk",
    "reset_store_data",
    "seed_demo_stores",
]
