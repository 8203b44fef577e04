"""A 20-minute training session, replayed in this process: when does each lagged outcome first
happen, and how long does a beat take?

    .venv/bin/python benchmarks/classroom_session.py [--minutes 20] [--seconds-per-day 60]
        [--rounds 2] [--scenario cod_vs_prepaid] [--scenario dropship_courier_delay]
        [--scenario souq-express --reference trenddrop]   # a chosen demo store + a reference

Each scenario gets a session with two teams at the given clock, beaten every 5 real seconds
(LIVE_TICK_SECONDS) for `--minutes` of real time, its clock moved by the real time passed in
(nothing waits). `--rounds N` closes a round (7 simulated days, written at once) after each
1/(N+1) of the time, as a trainer would. Prints, per scenario, the real time from the start at
which each order status (and the first cash) was first seen, and the beat's mean and worst
wall time. A figure, not a test: SQLite in a temporary folder (or DATABASE_URL's server).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
if not os.environ.get("DATABASE_URL"):
    os.environ.setdefault("SANDBOX_VAR_DIR", tempfile.mkdtemp(prefix="bench-classroom-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sandbox.settings")
os.environ.setdefault("TEST_DB_NAME", "test_bench_classroom")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from stores import services  # noqa: E402
from stores.models import Order, OrderStatus, Store  # noqa: E402
from stores.scenarios import SCENARIOS  # noqa: E402
from stores.services import classroom as sessions  # noqa: E402

TICK = 5.0
WATCHED = ("shipped", "delivered", "refused", "returned", "refunded", "charged_back")


def replay(
    scenario: str, minutes: float, seconds_per_day: float, rounds: int, references=()
) -> None:
    real = timezone.now()
    if scenario in SCENARIOS:
        session = sessions.create_session(
            name=scenario, scenario=scenario, teams=2, seconds_per_day=seconds_per_day, seed=1
        )
    else:  # a demo store's slug, with the reference stores beside the teams
        services.seed_demo_stores()
        session = sessions.create_session(
            name=scenario,
            template_store=Store.objects.get(slug=scenario),
            reference_stores=Store.objects.filter(slug__in=references),
            teams=2,
            seconds_per_day=seconds_per_day,
            seed=1,
        )
        scenario = f"{scenario} + {', '.join(references)}"
    sessions.start_session(session, real_now=real)
    orders = Order.objects.filter(store__in=session.stores.all())
    first: dict[str, float] = {}
    beats: list[float] = []
    total = minutes * 60
    closes = [total * (k + 1) / (rounds + 1) for k in range(rounds)]
    t = 0.0
    while t < total:
        t += TICK
        now = real + timedelta(seconds=t)
        if closes and t >= closes[0]:
            closes.pop(0)
            session.refresh_from_db()
            round_ = sessions.close_round(session, real_now=now)
            sessions.simulate_round(round_.pk, real_now=now)
        session.refresh_from_db()
        started = time.perf_counter()
        sessions.advance_session(session, real_now=now)
        beats.append(time.perf_counter() - started)
        seen = set(orders.values_list("status", flat=True).distinct())
        if orders.filter(cash_collected_at__isnull=False).exists():
            seen.add("cash")
        if orders.exists():
            seen.add("order")
        for status in seen:
            first.setdefault(status, t)
    session.refresh_from_db()
    sim_days = (session.sim_now(real + timedelta(seconds=total)) - session.sim_origin).days
    print(
        f"\n{scenario}: {minutes:g} real minutes at {seconds_per_day:g} s per simulated day, "
        f"{rounds} round(s) closed: {sim_days} simulated days, {orders.count()} orders"
    )
    for status in ("order", *WATCHED, "cash"):
        when = first.get(status)
        label = OrderStatus(status).label if status in OrderStatus.values else status
        print(f"  {label:24} " + (f"first after {when:6.0f} s" if when is not None else "never"))
    beats.sort()
    print(
        f"  beat: mean {1000 * sum(beats) / len(beats):.0f} ms, "
        f"95th percentile {1000 * beats[int(len(beats) * 0.95)]:.0f} ms, "
        f"worst {1000 * beats[-1]:.0f} ms ({len(beats)} beats)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=20)
    parser.add_argument("--seconds-per-day", type=float, default=60)
    parser.add_argument("--rounds", type=int, default=0)
    parser.add_argument(
        "--scenario", action="append", help="A scenario, or a demo store's slug (a chosen store)"
    )
    parser.add_argument("--reference", action="append", default=[], help="With a chosen store")
    args = parser.parse_args()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        for scenario in args.scenario or ["cod_vs_prepaid", "dropship_courier_delay"]:
            replay(scenario, args.minutes, args.seconds_per_day, args.rounds, args.reference)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
