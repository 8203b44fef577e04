"""A training session with a real Celery worker and beat: the room sees orders within 30 s of
the start at one real minute per simulated day, and with a faster clock a refused COD parcel,
a delivered order and a return within seconds; a round closed by the trainer is simulated by
the worker. Committed transactions: the worker is another process on the same database."""

from __future__ import annotations

import time

import pytest
from django.conf import settings

from stores.models import Order, OrderStatus, PaymentMethod, RoundStatus, Source
from stores.services import checkout
from stores.services import classroom as sessions

from .test_pipeline import start_worker_process, stop_worker_process, wait_until_answering

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker_with_beat(worker_env, clean_queue, tmp_path):
    """A `celery worker -B`: beat ticks the sessions every second (LIVE_TICK_SECONDS=1)."""
    env = {**worker_env, "LIVE_TICK_SECONDS": "1"}
    worker = start_worker_process(
        "classroom", env, "-P", "solo", "-B", "-s", str(tmp_path / "beat-schedule")
    )
    try:
        wait_until_answering(["classroom"])
        yield worker
    finally:
        stop_worker_process(worker)


def log() -> str:
    return (settings.VAR_DIR / "classroom-worker.log").read_text()


def wait_until(condition, timeout: float, what: str) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if condition():
            return time.monotonic() - start
        time.sleep(0.25)
    raise AssertionError(f"{what} did not happen within {timeout} s.\n{log()}")


def test_the_room_sees_orders_within_30_seconds_at_a_minute_per_day(worker_with_beat):
    session = sessions.create_session(
        name="Real pace", scenario="cod_vs_prepaid", teams=2, seconds_per_day=60, seed=11
    )
    stores = list(session.stores.all())
    sessions.start_session(session)
    started = time.monotonic()

    waited = wait_until(
        lambda: Order.objects.filter(store__in=stores).exists(), 30, "The first order"
    )

    assert time.monotonic() - started < 30
    print(f"first order {waited:.1f} s after the start")  # noqa: T201 - shown with -s


def test_outcomes_happen_on_a_fast_clock_and_the_worker_simulates_a_closed_round(
    worker_with_beat,
):
    session = sessions.create_session(
        name="Fast", scenario="cod_vs_prepaid", teams=2, seconds_per_day=2, seed=12
    )
    sessions.start_session(session)
    team = session.teams.select_related("store").first()
    product = team.store.products.filter(is_active=True, stock__gt=0).first()
    trainee = checkout.place_order(
        team.store,
        [checkout.RequestedLine(product_id=product.pk, quantity=1)],
        email="trainee@example.com",
        address=checkout.ShippingAddress("T", "1 Road", "Dubai", "0", phone="+971 50 1"),
        payment_method=PaymentMethod.COD,
        channel="direct",
    )
    mine = Order.objects.filter(store__team__session=session)

    def seen(status):
        return lambda: mine.filter(status=status).exists()

    # 2 s per simulated day: COD parcels reach the door after 2-4 days, returns come within
    # the 14-day window after delivery.
    for status in (OrderStatus.DELIVERED, OrderStatus.REFUSED, OrderStatus.RETURNED):
        waited = wait_until(seen(status), 60, f"A {status} order")
        print(f"first {status} order after {waited:.1f} s")  # noqa: T201
    trainee.refresh_from_db()
    wait_until(
        lambda: Order.objects.get(pk=trainee.pk).status == trainee.planned_outcome,
        30,
        "The trainee's order's outcome",
    )
    assert Order.objects.get(pk=trainee.pk).source == Source.SHOPPER

    sessions.record_decision(team, {"courier": "express"})
    round_ = sessions.close_round(session)
    sessions.dispatch_round(round_)
    wait_until(
        lambda: session.rounds.get(pk=round_.pk).status == RoundStatus.CLOSED,
        60,
        "The round's simulation",
    )
    round_.refresh_from_db()
    assert mine.filter(placed_at__gte=round_.sim_start, placed_at__lt=round_.sim_end).exists()
    session.refresh_from_db()
    assert session.clock_running  # it ran when the round closed: it runs on
