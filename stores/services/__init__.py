"""Writes. Views, admin actions, commands and tasks call these; none of them writes models directly.

- stores: create a store from a preset, generate its catalogue, clone it, reset its data.
- rollup: rebuild the order columns of the daily funnel table from the order rows.
"""

from .rollup import rebuild_rollup
from .stores import (
    clone_store,
    create_store_from_preset,
    generate_catalogue,
    reset_store_data,
    seed_demo_stores,
)

__all__ = [
    "clone_store",
    "create_store_from_preset",
    "generate_catalogue",
    "rebuild_rollup",
    "reset_store_data",
    "seed_demo_stores",
]
