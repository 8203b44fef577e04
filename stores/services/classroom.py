"""The classroom's writes: create a training session and its teams, run its clock, take the
teams' decisions, close rounds, and the trainer's controls (shocks, an order's outcome, the
leaderboard, the end).

Time: a session's stores live by its clock (stores/simulation/clock.py), never by the real
time. Each beat (`tick_sessions`) reveals their seeded traffic and orders up to the clock's
instant through live mode's own path (services.live.reveal_store) and moves their orders along
their planned timeline to that instant (services.lifecycle, realisation.realise): dispatch,
delivery, refusal, return, refund, chargeback and cash happen as the simulated days pass.

Rounds: closing a round writes (on a worker, or here with in_process) the rest of the current
simulated day under the decisions in force, then applies each team's decisions at midnight and
writes the round's days under them; the clock then stands at the round's end (and runs on if it
ran). Every simulated day is written once, by whichever comes first; the cursors make a retried
task write nothing twice.

The decisions in force between rounds and the operating costs they book are in
services.classroom_costs.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import UTC, datetime, time, timedelta
from typing import Any

import numpy as np
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify
from kombu.exceptions import OperationalError as KombuOperationalError

from .. import classroom
from ..models import (
    DECISION_KEYS,
    DailyFunnel,
    Decision,
    Order,
    OrderLine,
    OrderStatus,
    PaymentMethod,
    Product,
    Round,
    RoundStatus,
    SessionStatus,
    SimulationRun,
    Source,
    Store,
    StoreChannel,
    Team,
    TrainingSession,
)
from ..scenarios import get_scenario
from ..simulation import timeline
from ..simulation.clock import Clock
from . import lifecycle, live
from .broker import BrokerUnavailable, broker_url, check_broker
from .classroom_costs import (  # noqa: F401 - values_in_force*, book_shopper_order_costs: API
    book_costs,
    book_shopper_order_costs,
    costs_in_force,
    values_in_force,
    values_in_force_by_team,
)
from .engine_params import store_params
from .runs import create_run
from .shocks import USUAL, apply_live_shock, live_schedules
from .stores import clone_store, create_store_from_preset

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud in a room
DEFAULT_METRICS = ("conversion_rate", "cod_refusal_rate", "returns_rate", "contribution_margin")


class ClassroomError(ValueError):
    """A trainer's or team's request that cannot be done now; the message says why."""


# --- Creating a session -------------------------------------------------------------------------


def _free_slug(base: str) -> str:
    base = slugify(base)[:50] or "session"
    slug, n = base, 2
    while Store.objects.filter(slug=slug).exists():
        slug = f"{base}-{n}"
        n += 1
    return slug


def _code() -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))
        if not Team.objects.filter(code=code).exists():
            return code


@transaction.atomic
def create_session(
    *,
    name: str,
    scenario: str = "",
    template_store: Store | None = None,
    reference_stores: Iterable[Store] = (),
    teams: int = 2,
    team_names: list[str] | None = None,
    seed: int = 1,
    seconds_per_day: float = 60,
    traffic_scale: int = 10,
    round_days: int = 7,
    history_days: int = 0,
    bounds: dict[str, Any] | None = None,
) -> TrainingSession:
    """A session in its own stores: a template (the scenario's first store, or a copy of the
    chosen store), a clone of it for each team, and copies of any reference stores. The clock
    is not started (start_session); a history run, if asked for, is created, not dispatched.

    Raises ValueError or ValidationError naming the bad input; nothing is saved then.
    """
    if not 0 <= teams <= 20:
        raise ValueError(f"teams must be from 0 to 20, not {teams}.")
    if bool(scenario) == bool(template_store):
        raise ValueError("Create a session from a scenario or from a chosen store (one of them).")
    session = TrainingSession(
        name=name,
        scenario=scenario,
        seed=seed,
        seconds_per_day=seconds_per_day,
        traffic_scale=traffic_scale,
        round_days=round_days,
        history_days=history_days,
    )
    session.full_clean(exclude=["template"])
    session.save()
    prefix = f"c{session.pk}"
    if scenario:
        recipe = get_scenario(scenario)
        session.metrics = list(recipe.metrics)
        base = recipe.stores[0]
        template = create_store_from_preset(
            base.preset,
            name=f"{name} template ({base.name})"[:120],
            slug=_free_slug(f"{prefix}-template"),
            **base.overrides,
        )
    else:
        session.metrics = list(DEFAULT_METRICS)
        template = clone_store(
            template_store,
            name=f"{name} template ({template_store.name})"[:120],
            slug=_free_slug(f"{prefix}-template"),
        )
    # The template sells nothing: a reference for decisions, out of every storefront list.
    Store.objects.filter(pk=template.pk).update(is_active=False, is_live=False)
    template.refresh_from_db()
    session.template = template
    lever_bounds = classroom.default_bounds(classroom.Template.of(template))
    for key, bound in (bounds or {}).items():
        if key not in lever_bounds:
            raise ValidationError({"bounds": f"{key}: this session's stores have no such lever."})
        lever_bounds[key] = bound
    session.bounds = lever_bounds
    session.save(update_fields=["metrics", "template", "bounds"])
    names = team_names or [f"Team {chr(ord('A') + i)}" for i in range(teams)]
    stores = []
    for team_name in names[:teams]:
        store = clone_store(
            template,
            name=f"{team_name} ({name})"[:120],
            slug=_free_slug(f"{prefix}-{team_name}"),
        )
        Store.objects.filter(pk=store.pk).update(is_active=True)
        Team.objects.create(session=session, name=team_name, code=_code(), store=store)
        stores.append(store)
    for reference in reference_stores:
        copy = clone_store(
            reference,
            name=f"{reference.name} ({name})"[:120],
            slug=_free_slug(f"{prefix}-{reference.slug}"),
        )
        Store.objects.filter(pk=copy.pk).update(is_active=True)
        stores.append(copy)
    if not stores:
        raise ValueError("A session needs at least one team or one reference store.")
    # The session runs its stores at `traffic_scale` times their visits and budgets: a store
    # that size holds that much stock and needs that much capital, or its cash balance would
    # sink by the scale (a COD store at x10 fell 115,000 below zero in 12 days on 25,000).
    Store.objects.filter(pk__in=[s.pk for s in stores]).update(
        starting_capital=F("starting_capital") * traffic_scale
    )
    session.stores.set(stores)
    Round.objects.create(session=session, number=1, days=round_days)
    if history_days:
        origin = session_origin(timezone.now())
        session.history_run = create_run(
            days=history_days,
            seed=seed,
            stores=stores,
            start_date=timezone.localdate(origin) - timedelta(days=history_days),
        )
        session.save(update_fields=["history_run"])
    return session


def session_origin(real_now: datetime) -> datetime:
    """A session's first simulated instant: the start of the real day it starts on."""
    today = timezone.localdate(real_now)
    return timezone.make_aware(datetime.combine(today, time(0)))


@transaction.atomic
def start_session(session: TrainingSession, *, real_now: datetime | None = None) -> None:
    """Start the clock at the session's first simulated day: its stores' traffic from there."""
    real_now = real_now or timezone.now()
    session = TrainingSession.objects.select_for_update().get(pk=session.pk)
    if session.status != SessionStatus.READY:
        raise ClassroomError(f"Session #{session.pk} has started already.")
    origin = session_origin(real_now)
    session.status, session.sim_origin, session.started_at = (
        SessionStatus.RUNNING,
        origin,
        real_now,
    )
    clock = Clock(float(session.seconds_per_day), real_now, origin, running=True)
    fields = session.set_clock(clock)
    session.save(update_fields=["status", "sim_origin", "started_at", *fields])
    session.stores.update(live_revealed_until=origin, is_live=False)


def _locked(session: TrainingSession) -> TrainingSession:
    return TrainingSession.objects.select_for_update().get(pk=session.pk)


def _running(session: TrainingSession) -> None:
    if session.status == SessionStatus.ENDED:  # not "is ended: it has ended."
        raise ClassroomError(f"Session #{session.pk} has ended: its clock and rounds are final.")
    if session.status != SessionStatus.RUNNING:
        raise ClassroomError(
            f"Session #{session.pk} is {session.get_status_display().lower()}: start it first."
        )


@transaction.atomic
def pause(session: TrainingSession, *, real_now: datetime | None = None) -> TrainingSession:
    session = _locked(session)
    _running(session)
    fields = session.set_clock(session.clock.paused(real_now or timezone.now()))
    session.save(update_fields=fields)
    return session


@transaction.atomic
def resume(session: TrainingSession, *, real_now: datetime | None = None) -> TrainingSession:
    session = _locked(session)
    _running(session)
    if session.rounds.filter(status=RoundStatus.SIMULATING, sim_start__isnull=False).exists():
        raise ClassroomError("A round is being simulated: the clock runs again when it is done.")
    fields = session.set_clock(session.clock.resumed(real_now or timezone.now()))
    session.save(update_fields=fields)
    return session


@transaction.atomic
def step(
    session: TrainingSession, days: float, *, real_now: datetime | None = None
) -> TrainingSession:
    """Move the clock on by `days` simulated days at once (the next beat writes them)."""
    session = _locked(session)
    _running(session)
    if not 0 < days <= 90:
        raise ClassroomError(f"Step from a fraction of a day to 90 days, not {days}.")
    fields = session.set_clock(session.clock.stepped(real_now or timezone.now(), days * 86_400))
    session.save(update_fields=fields)
    return session


@transaction.atomic
def set_speed(
    session: TrainingSession, seconds_per_day: float, *, real_now: datetime | None = None
) -> TrainingSession:
    session = _locked(session)
    if not 0.5 <= seconds_per_day <= 86_400:
        raise ClassroomError(
            f"seconds_per_day: a simulated day lasts from 0.5 to 86400 real seconds, not "
            f"{seconds_per_day}."
        )
    fields = session.set_clock(
        session.clock.with_speed(real_now or timezone.now(), seconds_per_day)
    )
    session.save(update_fields=fields)
    return session


# --- The clock's beat ---------------------------------------------------------------------------


def tick_sessions(*, real_now: datetime | None = None) -> dict[int, int]:
    """One beat for every session whose clock runs: {session id: orders written}."""
    real_now = real_now or timezone.now()
    return {s.pk: advance_session(s, real_now=real_now) for s in TrainingSession.objects.ticking()}


def advance_session(session: TrainingSession, *, real_now: datetime | None = None) -> int:
    """Bring a session's stores up to its clock: their traffic and orders, then their orders'
    lifecycle. Nothing while a round is being simulated (the round's task moves the clock)."""
    if session.rounds.filter(status=RoundStatus.SIMULATING).exists():
        return 0
    if session.status != SessionStatus.RUNNING:
        return 0
    return bring_up_to(session, session.sim_now(real_now))


def bring_up_to(session: TrainingSession, sim: datetime) -> int:
    """Write every store of the session up to the simulated instant `sim`, then move the
    lifecycle of their orders to it. Returns the orders written."""
    stores = list(session.stores.filter(is_active=True))
    schedules = live_schedules(s.pk for s in stores)
    costs = costs_in_force(session)
    # The decisions in force name the orders: a day a round's decisions changed mid-way (a
    # beat that crossed midnight as the round closed) never reuses a number.
    versions = dict(
        session.teams.filter(in_force__isnull=False).values_list(
            "store_id", "in_force__round__number"
        )
    )
    written = 0
    for store in stores:
        params = store_params(store).with_traffic_scaled(float(session.traffic_scale))
        params = params.with_shocks(schedules.get(store.pk))
        cost = costs.get(store.pk)
        after = (lambda start, end, s=store, c=cost: book_costs(s, c, start, end)) if cost else None
        tag = f"r{versions[store.pk]}" if store.pk in versions else ""
        written += live.reveal_store(store, params, sim, seed=session.seed, tag=tag, after=after)
    lifecycle.advance_lifecycle(now=sim, store_ids=[s.pk for s in stores])
    return written


def _teams(session: TrainingSession) -> list[Team]:
    return list(session.teams.select_related("in_force", "store"))


def session_of(store: Store) -> TrainingSession | None:
    """The running or paused session whose clock a store lives by (None: the real time)."""
    return (
        TrainingSession.objects.filter(stores=store)
        .exclude(status=SessionStatus.READY)
        .order_by("-pk")
        .first()
    )


def store_now(store_id: int, real_now: datetime | None = None) -> datetime:
    """What time it is for a store: its session's clock, or the real time."""
    session = (
        TrainingSession.objects.filter(stores__pk=store_id)
        .exclude(status=SessionStatus.READY)
        .order_by("-pk")
        .first()
    )
    real_now = real_now or timezone.now()
    return session.sim_now(real_now) if session else real_now


# --- Decisions ----------------------------------------------------------------------------------


def decision_for(team: Team, round_: Round) -> Decision:
    """The team's decision for a round as it stands (unsaved: its last one, or the template's)."""
    existing = Decision.objects.filter(team=team, round=round_).first()
    if existing:
        return existing
    values = values_in_force(team)
    last = team.decisions.filter(round__number__lt=round_.number).order_by("-round__number")
    if last.exists():
        values = last.first().values()
    return Decision(team=team, round=round_, **_fields(values))


def _fields(values: dict[str, Any]) -> dict[str, Any]:
    return {DECISION_KEYS[k]: v for k, v in values.items() if k in DECISION_KEYS}


@transaction.atomic
def record_decision(team: Team, values: dict[str, Any]) -> Decision:
    """Set a team's decisions for the open round (the keys given; the others stay). Raises
    ValidationError naming each field out of the trainer's bounds (Decision.full_clean), or
    ClassroomError when no round is open; nothing is saved then."""
    session = team.session
    if session.is_ended:
        raise ClassroomError("The session has ended.")
    round_ = session.rounds.filter(status=RoundStatus.OPEN).order_by("number").first()
    if round_ is None:
        raise ClassroomError("No round is open for decisions right now: wait for the next one.")
    unknown = sorted(set(values) - set(DECISION_KEYS))
    if unknown:
        raise ValidationError({"__all__": f"Unknown decision(s): {', '.join(unknown)}."})
    offered = classroom.offered_levers(session)
    refused = [key for key in values if key not in offered]
    if refused:
        # Set anyway (a script, a stale page): said plainly, and nothing is saved.
        raise ValidationError(
            {DECISION_KEYS[k]: classroom.refusal(session.template, k) for k in refused}
        )
    decision = decision_for(team, round_)
    for key, value in values.items():
        setattr(decision, DECISION_KEYS[key], value)
    if decision.cod is False:
        decision.cod_call = False  # no COD order to call about
    decision.submitted_at, decision.carried_over = timezone.now(), False
    decision.full_clean(exclude=["team", "round"])
    decision.save()
    return decision


# --- Rounds -------------------------------------------------------------------------------------


@transaction.atomic
def close_round(session: TrainingSession, *, real_now: datetime | None = None) -> Round:
    """Lock the open round's decisions (a team that submitted none keeps its last) and stop the
    clock; the caller then has its days simulated (tasks.simulate_round, or simulate_round)."""
    real_now = real_now or timezone.now()
    session = _locked(session)
    _running(session)
    round_ = session.rounds.filter(status=RoundStatus.OPEN).order_by("number").first()
    if round_ is None:
        raise ClassroomError("No open round to close (one is being simulated).")
    for team in _teams(session):
        decision = decision_for(team, round_)
        if decision.pk is None:
            decision.carried_over = True
            decision.save()
    round_.resume_clock = session.clock_running
    round_.status, round_.closing_at, round_.days = (
        RoundStatus.SIMULATING,
        real_now,
        session.round_days,
    )
    round_.save(update_fields=["resume_clock", "status", "closing_at", "days"])
    fields = session.set_clock(session.clock.paused(real_now))
    session.save(update_fields=fields)
    return round_


@transaction.atomic
def reopen_round(round_: Round) -> None:
    """Undo close_round when its days could not be queued: the round takes decisions again and
    the clock runs as before."""
    round_ = Round.objects.select_for_update().select_related("session").get(pk=round_.pk)
    if round_.status != RoundStatus.SIMULATING or round_.sim_start is not None:
        return
    Round.objects.filter(pk=round_.pk).update(status=RoundStatus.OPEN, closing_at=None)
    if round_.resume_clock:
        resume(round_.session)


def dispatch_round(round_: Round) -> None:
    """Queue the round's simulation on the workers once the transaction commits; the broker
    is checked first (BrokerUnavailable, changing nothing, when it does not answer)."""
    check_broker()

    def publish() -> None:
        from ..tasks import simulate_round as task

        try:
            task.delay(round_.pk)
        except KombuOperationalError as exc:
            Round.objects.filter(pk=round_.pk).update(error=f"Could not be queued: {exc}")
            raise BrokerUnavailable(broker_url(), exc) from exc

    transaction.on_commit(publish)


# A round whose days the workers have not finished this long after it closed (or whose task
# gave up) can be queued again by the trainer: a worker killed mid-round only hands its message
# back after the broker's visibility timeout (10 minutes), longer than a class should wait.
ROUND_STALL_SECONDS = 60


def round_stalled(round_: Round, *, real_now: datetime | None = None) -> bool:
    """Whether a round being simulated looks stuck: its task failed, or it closed more than
    ROUND_STALL_SECONDS ago and is not closed yet."""
    if round_.status != RoundStatus.SIMULATING:
        return False
    if round_.error:
        return True
    real_now = real_now or timezone.now()
    closing = round_.closing_at
    return closing is not None and (real_now - closing).total_seconds() > ROUND_STALL_SECONDS


def requeue_round(session: TrainingSession, *, real_now: datetime | None = None) -> Round:
    """Queue the simulating round's days again (the trainer's "Queue it again"). Safe while the
    first task still runs: each store's cursor is moved under a row lock, so the two write no
    day twice, and only the first to finish closes the round."""
    round_ = session.rounds.filter(status=RoundStatus.SIMULATING).order_by("number").first()
    if round_ is None:
        raise ClassroomError("No round is being simulated.")
    if not round_stalled(round_, real_now=real_now):
        raise ClassroomError(
            f"Round {round_.number} closed less than {ROUND_STALL_SECONDS} s ago: "
            "the workers are still on it."
        )
    Round.objects.filter(pk=round_.pk).update(error="")
    dispatch_round(round_)
    return round_


def simulate_round(round_id: int, *, real_now: datetime | None = None) -> Round:
    """Write a closing round's days: the rest of the current simulated day under the decisions
    in force, then, from midnight, the round's days under its decisions; then close it, open
    the next one and let the clock run on from the round's end. Safe to run again after a
    crash: the stores' cursors make it write nothing twice."""
    round_ = Round.objects.select_related("session").get(pk=round_id)
    if round_.status != RoundStatus.SIMULATING:
        return round_
    session = round_.session
    try:
        if round_.sim_start is None:
            now = session.clock.sim_anchor  # the clock stopped when the round closed
            midnight = _next_midnight(now)
            bring_up_to(session, midnight)
            Round.objects.filter(pk=round_.pk).update(
                sim_start=midnight, sim_end=midnight + timedelta(days=round_.days)
            )
            round_.refresh_from_db()
        for team in _teams(session):
            decision = Decision.objects.get(team=team, round=round_)
            apply_decision(team, decision)
        bring_up_to(session, round_.sim_end)
    except Exception as exc:
        Round.objects.filter(pk=round_.pk).update(error=repr(exc)[:2000])
        raise
    with transaction.atomic():
        session = _locked(session)
        if Round.objects.filter(pk=round_.pk, status=RoundStatus.CLOSED).exists():
            return Round.objects.get(pk=round_.pk)  # a re-queued twin finished first
        clock = session.clock.jumped_to(real_now or timezone.now(), round_.sim_end)
        if round_.resume_clock and not session.is_ended:
            clock = clock.resumed(real_now or timezone.now())
        fields = session.set_clock(clock)
        session.save(update_fields=fields)
        Round.objects.filter(pk=round_.pk).update(
            status=RoundStatus.CLOSED, closed_at=timezone.now(), error=""
        )
        if not session.is_ended:
            Round.objects.get_or_create(
                session=session, number=round_.number + 1, defaults={"days": session.round_days}
            )
    round_.refresh_from_db()
    return round_


def _next_midnight(sim: datetime) -> datetime:
    day = sim.astimezone(UTC).date()
    midnight = datetime.combine(day, time(0), tzinfo=UTC)
    return midnight if midnight == sim else midnight + timedelta(days=1)


@transaction.atomic
def apply_decision(team: Team, decision: Decision) -> None:
    """Set the team's store as its decisions say, read against the template (prices, budgets,
    email visits, payment methods, refusal rates under a confirmation call, courier), and mark
    them in force. Applying the same decisions twice changes nothing."""
    template = classroom.Template.of(team.session.template)
    settings = classroom.settings_for(template, decision.values())
    store = Store.objects.select_for_update().get(pk=team.store_id)
    for name, value in settings.store.items():
        setattr(store, name, value)
    store.full_clean()
    store.save()
    for channel, budget in settings.budgets.items():
        StoreChannel.objects.filter(store=store, channel=channel).update(daily_budget=budget)
    for channel, sessions in settings.sessions.items():
        StoreChannel.objects.filter(store=store, channel=channel).update(daily_sessions=sessions)
    products = {p.slug: p for p in Product.objects.filter(store=store)}
    changed = []
    for slug, price in settings.prices.items():
        product = products.get(slug)
        if product is None:
            continue
        product.price = price
        if slug in settings.active:
            product.is_active = settings.active[slug]
        changed.append(product)
    Product.objects.bulk_update(changed, ["price", "is_active"], batch_size=500)
    Team.objects.filter(pk=team.pk).update(in_force=decision)
    team.in_force = decision


# --- Trainer controls ---------------------------------------------------------------------------


def apply_shock(
    session: TrainingSession,
    name: str,
    *,
    stores: Iterable[Store] | None = None,
    days: int | None | str = USUAL,
    real_now: datetime | None = None,
):
    """A shock of the library on some (default: all) of the session's stores, from the
    session's current simulated day (services.shocks.apply_live_shock)."""
    _running(session)
    own = {s.pk: s for s in session.stores.all()}
    chosen = list(own.values()) if stores is None else list(stores)
    strangers = [s.slug for s in chosen if s.pk not in own]
    if strangers:
        raise ClassroomError(f"Not this session's stores: {', '.join(strangers)}.")
    if not chosen:
        raise ClassroomError("Choose at least one team.")
    start = timezone.localdate(session.sim_now(real_now))
    return apply_live_shock(name, chosen, start_date=start, days=days)


OUTCOMES = {"refuse": OrderStatus.REFUSED, "return": OrderStatus.RETURNED}


@transaction.atomic
def set_order_outcome(
    session: TrainingSession, order: Order, what: str, *, real_now: datetime | None = None
) -> Order:
    """Refuse a trainee's COD order at the door, or have a trainee's order returned: its
    planned outcome changes, and the lifecycle realises it on the session's clock (at the
    door for a refusal; now, or the day after delivery, for a return) with its money."""
    if what not in OUTCOMES:
        raise ClassroomError(f"Choose refuse or return, not {what!r}.")
    _running(session)
    if not session.stores.filter(pk=order.store_id).exists():
        raise ClassroomError(f"Order {order.number} is not in this session's stores.")
    if order.source != Source.SHOPPER:
        raise ClassroomError("Only a trainee's own order can be refused or returned by hand.")
    order = Order.objects.select_for_update().get(pk=order.pk)
    now = session.sim_now(real_now)
    final = (OrderStatus.REFUSED, OrderStatus.RETURNED, OrderStatus.REFUNDED)
    if order.status in (*final, OrderStatus.CHARGED_BACK):
        raise ClassroomError(
            f"Order {order.number} is {order.get_status_display().lower()} already."
        )
    rules = store_params(order.store, products=[]).rules
    if what == "refuse":
        if order.payment_method != PaymentMethod.COD:
            raise ClassroomError("Only a cash-on-delivery parcel can be refused at the door.")
        if order.status == OrderStatus.DELIVERED:
            raise ClassroomError(f"Order {order.number} was delivered already.")
        order.planned_outcome, order.outcome_at = OrderStatus.REFUSED, order.planned_delivered_at
    else:
        door = order.planned_delivered_at
        window_end = door + timedelta(days=rules.return_window_days)
        if now > window_end:
            raise ClassroomError(
                f"Order {order.number}'s return window closed on {window_end:%d %b}."
            )
        earliest = door + timedelta(seconds=int(timeline.return_after_door(rules, np.zeros(1))[0]))
        order.planned_outcome, order.outcome_at = OrderStatus.RETURNED, max(earliest, now)
    order.save(update_fields=["planned_outcome", "outcome_at"])
    lifecycle.advance_lifecycle(now=now, store_ids=[order.store_id])
    order.refresh_from_db()
    return order


def set_leaderboard(session: TrainingSession, visible: bool) -> None:
    TrainingSession.objects.filter(pk=session.pk).update(leaderboard_visible=visible)
    session.leaderboard_visible = visible


@transaction.atomic
def end_session(session: TrainingSession, *, real_now: datetime | None = None) -> TrainingSession:
    """Stop the clock for good; the leaderboard and the debrief are shown to everyone."""
    real_now = real_now or timezone.now()
    session = _locked(session)
    if session.is_ended:
        return session
    if session.rounds.filter(status=RoundStatus.SIMULATING).exists():
        raise ClassroomError("A round is being simulated: end the session when it is done.")
    fields = session.set_clock(session.clock.paused(real_now))
    session.status, session.ended_at, session.leaderboard_visible = (
        SessionStatus.ENDED,
        real_now,
        True,
    )
    session.save(update_fields=[*fields, "status", "ended_at", "leaderboard_visible"])
    session.rounds.filter(status=RoundStatus.OPEN).delete()
    return session


@transaction.atomic
def remove_session(session: TrainingSession) -> int:
    """Delete a session with its stores (teams', references', the template) and everything
    they hold: its stores' dates run ahead of the real calendar, so they must not outlive it
    on the real clock. Returns the number of stores deleted."""
    ids = list(session.stores.values_list("pk", flat=True))
    if session.template_id:
        ids.append(session.template_id)
    orders = Order.objects.filter(store_id__in=ids)
    OrderLine.objects.filter(order__in=orders).delete()
    orders.delete()
    DailyFunnel.objects.filter(store_id__in=ids).delete()
    if session.history_run_id:
        SimulationRun.objects.filter(pk=session.history_run_id).delete()
    session.delete()
    Store.objects.filter(pk__in=ids).delete()
    return len(ids)
