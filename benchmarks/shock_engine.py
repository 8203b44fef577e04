"""Benchmark: the engine alone (no database) on a year of 20 stores, with and without shocks.

    python benchmarks/shock_engine.py [--stores 20] [--days 365] [--scale 18] [--repeat 3]

Simulates every store in quarter-long chunks (as a run's workers do) and realises its orders as
of the run's end (as the chunk writer does), once with no shocks and once with a schedule of
four shocks per store (a CPC jump from day 60, a courier delay on days 120-149, a price war from
day 200, an ad account ban on days 300-309: eight distinct sets of active changes in the year).
Prints the best of `--repeat` wall and CPU times of each (CPU time, this process's, moves
less with the machine's other load); asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import date, timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sandbox.settings")

START = date(2025, 1, 6)
CHUNK_DAYS = 92
SHOCKS = (("cpc_jump", 60, None), ("courier_delay", 120, 30), ("price_war", 200, None),
          ("ad_account_ban", 300, 10))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stores", type=int, default=20)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--scale", type=float, default=18.0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    import django

    django.setup()
    from stores.presets import BENCHMARK_MODELS
    from stores.services.engine_params import params_from_preset

    stores = [
        params_from_preset(
            BENCHMARK_MODELS[i % len(BENCHMARK_MODELS)], store_key=i + 1
        ).with_traffic_scaled(args.scale)
        for i in range(args.stores)
    ]
    plain = best(lambda: year(stores, args.days), args.repeat)
    print(f"{args.stores} stores x {args.days} days, traffic x{args.scale:g}")
    print(f"  no shocks:   {plain[0]:6.2f} s wall, {plain[1]:6.2f} s CPU  ({plain[2]:,} orders)")
    try:
        from stores.shocks import schedule_of
    except ImportError:
        print("  with shocks: (this version has no shocks)")
        return
    shocked = [p.with_shocks(schedule_of(SHOCKS, START)) for p in stores]
    timed = best(lambda: year(shocked, args.days), args.repeat)
    print(
        f"  with shocks: {timed[0]:6.2f} s wall, {timed[1]:6.2f} s CPU  ({timed[2]:,} orders)  "
        f"CPU {timed[1] / plain[1]:.2f}x"
    )


def year(stores, days: int) -> int:
    from stores.simulation import engine, realisation

    as_of = int(time.mktime((START + timedelta(days=days)).timetuple()))
    orders = 0
    for params in stores:
        for first in range(0, days, CHUNK_DAYS):
            result = engine.simulate(
                params,
                seed=7,
                first_day=START + timedelta(days=first),
                days=min(CHUNK_DAYS, days - first),
                origin=START,
            )
            realisation.realise_orders(params, result.orders, as_of)
            orders += len(result.orders)
    return orders


def best(work, repeat: int) -> tuple[float, float, int]:
    walls, cpus, n = [], [], 0
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        n = work()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    return min(walls), min(cpus), n


if __name__ == "__main__":
    main()
