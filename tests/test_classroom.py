"""The classroom: a session on an accelerated clock, teams' decisions, rounds, the leaderboard
(reconciled to the cent with the order rows) and the trainer's controls. Services only, with
real time passed in; the worker and browser tests are in test_classroom_pipeline.py and
test_browser_classroom.py."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from stores import classroom, services
from stores.leaderboard import build_debrief, build_leaderboard, round_records
from stores.metrics import LIVE
from stores.metrics.cash import cash_timelines
from stores.models import (
    DECISION_KEYS,
    DailyFunnel,
    Order,
    OrderStatus,
    PaymentMethod,
    RoundStatus,
    SessionStatus,
    Source,
    Store,
)
from stores.services import classroom as sessions
from stores.services import live
from stores.simulation import ledger
from stores.simulation.clock import Clock

pytestmark = pytest.mark.django_db

REAL = timezone.now().replace(microsecond=0)


def at(seconds: float):
    """A real moment, `seconds` after the test's start."""
    return REAL + timedelta(seconds=seconds)


@pytest.fixture
def session(db):
    s = sessions.create_session(
        name="Monday class", scenario="cod_vs_prepaid", teams=2, seed=5, seconds_per_day=60
    )
    sessions.start_session(s, real_now=REAL)
    s.refresh_from_db()
    return s


# --- The clock -------------------------------------------------------------------------------


def test_the_clock_runs_a_simulated_day_per_minute_pauses_without_backlog_and_steps():
    clock = Clock(60, REAL, REAL, running=True)
    assert clock.sim_at(at(30)) == REAL + timedelta(hours=12)
    paused = clock.paused(at(60))
    assert paused.sim_at(at(600)) == REAL + timedelta(days=1)  # no time passes while paused
    resumed = paused.resumed(at(600))
    assert resumed.sim_at(at(630)) == REAL + timedelta(days=1, hours=12)  # no backlog
    stepped = resumed.stepped(at(630), 86_400 * 2)
    assert stepped.sim_at(at(630)) == REAL + timedelta(days=3, hours=12)
    faster = stepped.with_speed(at(630), 6)
    assert faster.sim_at(at(636)) == REAL + timedelta(days=4, hours=12)
    with pytest.raises(ValueError):
        Clock(0, REAL, REAL)


# --- A session -------------------------------------------------------------------------------


def test_a_session_owns_its_stores_and_their_orders_arrive_within_seconds_of_its_start(session):
    teams = list(session.teams.select_related("store"))
    assert [t.name for t in teams] == ["Team A", "Team B"]
    assert {t.store for t in teams} == set(session.stores.all())
    assert not session.template.is_active  # the template sells nothing
    assert all(len(t.code) == 6 for t in teams)
    assert not Store.objects.on_real_clock().filter(pk__in=[t.store_id for t in teams]).exists()

    written = sessions.advance_session(session, real_now=at(30))  # half a simulated day

    assert written > 0
    orders = Order.objects.filter(store__team__session=session)
    assert orders.count() == written
    assert all(
        session.sim_origin < o.placed_at <= session.sim_origin + timedelta(hours=12) for o in orders
    )


def test_every_lagged_outcome_happens_on_the_session_clock_and_the_real_time_leaves_it(session):
    sessions.advance_session(session, real_now=at(30 * 60))  # 30 simulated days
    statuses = set(
        Order.objects.filter(store__team__session=session).values_list("status", flat=True)
    )
    assert {OrderStatus.DELIVERED, OrderStatus.REFUSED, OrderStatus.RETURNED} <= statuses

    # The global beat (live mode, the lifecycle by the real time) leaves the session alone.
    before = list(Order.objects.order_by("pk").values_list("status", "refund"))
    live.live_tick(now=at(30 * 60))
    assert list(Order.objects.order_by("pk").values_list("status", "refund")) == before


def test_a_trainees_order_is_placed_on_the_session_clock_and_can_be_refused_by_the_dice(session):
    team = session.teams.select_related("store").first()
    store = team.store
    product = store.products.filter(is_active=True, stock__gt=0).first()
    sessions.advance_session(session, real_now=at(90))
    fates = []
    for i in range(40):
        before = session.sim_now()  # a real second is 24 simulated minutes: bracket the call
        order = services.place_order(
            store,
            [services.checkout.RequestedLine(product_id=product.pk, quantity=1)],
            email=f"trainee{i}@example.com",
            address=services.checkout.ShippingAddress("T", "1 Road", "Dubai", "0", phone="+971"),
            payment_method=PaymentMethod.COD,
            channel="direct",
        )
        assert before - timedelta(seconds=1) <= order.placed_at <= session.sim_now()
        fates.append(order.planned_outcome)
    # The engine's dice: about a fifth of COD parcels refused at the door (22% at 2 days).
    assert OrderStatus.REFUSED in fates and OrderStatus.DELIVERED in fates

    sessions.advance_session(session, real_now=at(90 + 6 * 60))  # six simulated days later
    shopper = Order.objects.filter(store=store, source=Source.SHOPPER)
    assert set(shopper.values_list("status", flat=True)) <= {
        OrderStatus.DELIVERED,
        OrderStatus.REFUSED,
        OrderStatus.RETURNED,
    }
    refused = shopper.filter(status=OrderStatus.REFUSED).first()
    assert refused.refund == refused.gross_sales and refused.return_shipping_cost > 0


# --- Decisions -------------------------------------------------------------------------------


def test_a_decision_out_of_the_trainers_bounds_is_refused_naming_its_field(session):
    team = session.teams.first()
    with pytest.raises(ValidationError) as caught:
        sessions.record_decision(team, {"markup": Decimal("9"), "courier": "express"})
    assert "markup" in caught.value.message_dict
    assert "out of bounds" in caught.value.message_dict["markup"][0]
    assert not team.decisions.exists()

    with pytest.raises(ValidationError) as caught:
        sessions.record_decision(team, {"paid_social.daily_budget": Decimal("100000")})
    assert "paid_social_budget" in caught.value.message_dict

    decision = sessions.record_decision(team, {"markup": Decimal("2.8"), "cod": False})
    assert (decision.markup, decision.cod, decision.courier) == (Decimal("2.8"), False, "standard")


def test_closing_a_round_applies_the_decisions_and_simulates_its_days(session):
    a, b = session.teams.select_related("store").order_by("pk")
    template_prices = dict(session.template.products.values_list("slug", "price"))
    sessions.record_decision(a, {"markup": Decimal("3.00"), "cod": False, "courier": "express"})
    sessions.record_decision(b, {"cod_call": True, "email.daily_spend": Decimal("20")})
    sessions.advance_session(session, real_now=at(100))

    round_ = sessions.close_round(session, real_now=at(110))
    sessions.simulate_round(round_.pk, real_now=at(120))

    round_.refresh_from_db()
    session.refresh_from_db()
    assert round_.status == RoundStatus.CLOSED and round_.days == 7
    assert round_.sim_start.hour == 0 and round_.sim_end == round_.sim_start + timedelta(days=7)
    assert session.sim_now(at(120)) == round_.sim_end  # the clock stands at the round's end
    assert session.current_round().number == 2
    a.store.refresh_from_db()
    assert a.store.payment_methods == ["card"] and a.store.cod_share == 0
    assert a.store.delivery_days_max < session.template.delivery_days_max
    slug, price = next(iter(template_prices.items()))
    factor = Decimal("3.00") / session.template.markup
    assert a.store.products.get(slug=slug).price == (price * factor).quantize(Decimal("0.01"))
    b.store.refresh_from_db()
    assert b.store.cod_refusal_base < session.template.cod_refusal_base
    # Orders on every day of the round; team A's none by COD, team B's calls booked as costs.
    days = Order.objects.filter(
        store=a.store, placed_at__gte=round_.sim_start, placed_at__lt=round_.sim_end
    ).dates("placed_at", "day")
    assert len(days) == 7
    assert not Order.objects.filter(
        store=a.store, placed_at__gte=round_.sim_start, payment_method=PaymentMethod.COD
    ).exists()
    cod_b = Order.objects.filter(
        store=b.store, placed_at__gt=round_.sim_start, payment_method=PaymentMethod.COD
    ).count()
    other = DailyFunnel.objects.filter(
        store=b.store, date__gte=round_.first_date, date__lte=round_.last_date
    ).aggregate(s=Sum("other_cost"))["s"]
    upkeep = b.store.sku_daily_cost * b.store.products.filter(is_active=True).count() * 7
    assert other - upkeep == Decimal("20") * 7 + classroom.COD_CALL_COST * cod_b


def test_the_leaderboard_reconciles_to_the_cent_with_each_teams_order_rows(session):
    a, b = session.teams.order_by("pk")
    sessions.record_decision(a, {"markup": Decimal("3.2"), "cod_call": True})
    sessions.advance_session(session, real_now=at(200))
    sessions.simulate_round(sessions.close_round(session, real_now=at(200)).pk, real_now=at(200))
    sessions.advance_session(session, real_now=at(500))

    board = build_leaderboard(session, real_now=at(500))

    assert [s.rank for s in board.standings] == [1, 2]
    assert board.standings[0].contribution >= board.standings[1].contribution
    for standing in board.standings:
        store = standing.team.store
        orders = Order.objects.filter(store=store, run__isnull=True)
        funnel = DailyFunnel.objects.filter(store=store, run__isnull=True)
        contribution = sum((ledger.order_contribution(o) for o in orders), Decimal("0"))
        contribution -= sum((r.ad_spend + r.other_cost for r in funnel), Decimal("0"))
        cash = sum(
            (o.gross_sales - o.discount for o in orders if o.cash_collected_at), Decimal("0")
        ) - sum((o.refund for o in orders if o.status != OrderStatus.REFUSED), Decimal("0"))
        assert standing.contribution == contribution
        assert standing.cash == cash
    record = board.record()
    assert record["session"] == session.pk and record["round"] == 1
    assert {"team", "store", "rank", "contribution", "cash"} <= set(record["teams"][0])
    rows = round_records(board)
    assert [r["team"] for r in rows] == [s.team.name for s in board.rounds[0].standings]
    assert rows[0]["markup"] is not None


# --- Trainer controls ------------------------------------------------------------------------


def test_the_trainer_refuses_or_returns_a_trainees_order_through_the_lifecycle(session):
    store = session.teams.first().store
    product = store.products.filter(is_active=True, stock__gt=0).first()

    def order(method):
        return services.place_order(
            store,
            [services.checkout.RequestedLine(product_id=product.pk, quantity=1)],
            email="t@example.com",
            address=services.checkout.ShippingAddress("T", "1 Road", "Dubai", "0", phone="+971"),
            payment_method=method,
            channel="direct",
        )

    cod, card = order(PaymentMethod.COD), order(PaymentMethod.CARD)
    sessions.set_order_outcome(session, cod, "refuse")
    with pytest.raises(sessions.ClassroomError, match="cash-on-delivery"):
        sessions.set_order_outcome(session, card, "refuse")
    sessions.set_order_outcome(session, card, "return")

    sessions.advance_session(session, real_now=at(60 * 20))  # 20 simulated days
    cod.refresh_from_db()
    card.refresh_from_db()
    assert cod.status == OrderStatus.REFUSED and cod.refund == cod.gross_sales
    assert card.status == OrderStatus.RETURNED and card.refund == card.gross_sales
    row = DailyFunnel.objects.get(store=store, source=Source.SHOPPER, channel="direct")
    assert row.cod_refused == 1 and row.returned_orders == 1


def test_a_shock_hits_the_chosen_teams_from_the_sessions_day_and_the_end_shows_all(session):
    a, b = session.teams.select_related("store").order_by("pk")
    sessions.advance_session(session, real_now=at(180))  # day 3
    [shock] = sessions.apply_shock(session, "courier_delay", stores=[a.store], real_now=at(180))
    assert shock.start_date == timezone.localdate(session.sim_now(at(180)))
    with pytest.raises(sessions.ClassroomError):
        sessions.apply_shock(session, "cpc_jump", stores=[session.template])

    sessions.set_leaderboard(session, True)
    ended = sessions.end_session(session)
    assert ended.status == SessionStatus.ENDED and ended.leaderboard_visible
    debrief = build_debrief(ended)
    assert "Courier delay hit Team A" in debrief.reading
    assert debrief.board.standings[0].team.name in debrief.reading


def test_two_sessions_never_share_a_store(session):
    other = sessions.create_session(name="Other class", scenario="price_war", teams=3)
    assert not set(other.stores.all()) & set(session.stores.all())
    assert other.template.business_model == "general"
    assert set(other.bounds) >= {"markup", "courier"}
    assert "cod" not in other.bounds  # the flooding store offers no COD


def test_a_shoppers_order_is_planned_with_the_same_dice_as_a_simulated_one():
    """engine.plan_order draws an order's timeline and outcome as the batch simulation does:
    over many orders, the refusals at the door follow the store's refusal rule, every date
    follows the timeline's, and the same key always gives the same plan."""
    from stores.services.engine_params import params_from_preset
    from stores.simulation import engine, timeline
    from stores.simulation.params import DELIVERED, REFUSED

    p = params_from_preset("cod")
    placed = 1_800_000_000
    plans = [
        engine.plan_order(p, placed_at=placed, is_cod=True, lead_days=0, key=k) for k in range(4000)
    ]
    low, high = timeline.door_range(p.rules)
    door_days = [(plan.delivered_at - placed) // engine.DAY for plan in plans]
    assert low <= min(door_days) and max(door_days) <= high
    refused = [plan for plan in plans if plan.outcome == REFUSED]
    expected = sum(
        min(0.95, p.cod_refusal_base + p.cod_refusal_per_day * max(0, d - 2)) for d in door_days
    ) / len(plans)
    assert len(refused) / len(plans) == pytest.approx(expected, abs=0.02)
    assert all(plan.outcome_at == plan.delivered_at for plan in refused)
    assert any(plan.outcome == DELIVERED for plan in plans)
    assert engine.plan_order(p, placed_at=placed, is_cod=True, lead_days=0, key=7) == plans[7]


def test_removing_a_session_removes_its_stores_and_nothing_else(session, make_store):
    other = make_store("cod")
    sessions.advance_session(session, real_now=at(60))
    ids = [*session.stores.values_list("pk", flat=True), session.template_id]
    assert Order.objects.filter(store_id__in=ids).exists()

    sessions.remove_session(session)

    assert not Store.objects.filter(pk__in=ids).exists()
    assert not Order.objects.filter(store_id__in=ids).exists()
    assert Store.objects.filter(pk=other.pk).exists()


# --- Levers a store model cannot use ----------------------------------------------------------


def test_a_platform_sellers_session_offers_no_ad_budget_or_courier(platform_session):
    assert list(platform_session.bounds) == ["markup"]
    assert classroom.offered_levers(platform_session) == ["markup"]
    team = platform_session.teams.first()
    assert "courier" not in sessions.values_in_force(team)

    for key, value, reason in (
        ("paid_social.daily_budget", Decimal("300"), "allocates all of this store's traffic"),
        ("paid_search.daily_budget", Decimal("300"), "allocates all of this store's traffic"),
        ("courier", "express", "ships this store's parcels"),
    ):
        with pytest.raises(ValidationError) as caught:
            sessions.record_decision(team, {"markup": Decimal("2.5"), key: value})
        (message,) = caught.value.message_dict[DECISION_KEYS[key]]
        assert message.startswith(f"{key}: not offered in this session: Bazaaro")
        assert reason in message
    assert not team.decisions.exists()  # nothing saved, the markup with them

    decision = sessions.record_decision(team, {"markup": Decimal("2.5")})
    assert decision.markup == Decimal("2.5") and decision.paid_social_budget is None


def test_an_independent_stores_session_still_offers_its_ad_budgets_and_courier(make_store):
    store = make_store("general", with_catalogue=False)
    s = sessions.create_session(name="Shop class", template_store=store, teams=1)
    offered = classroom.offered_levers(s)
    assert {"paid_social.daily_budget", "paid_search.daily_budget", "courier"} <= set(offered)


# --- The leaderboard's cash low ---------------------------------------------------------------


def _ran(teams: int, seconds: float):
    s = sessions.create_session(
        name=f"{teams} teams", scenario="cod_vs_prepaid", teams=teams, seed=5, seconds_per_day=60
    )
    sessions.start_session(s, real_now=REAL)
    s.refresh_from_db()
    sessions.advance_session(s, real_now=at(seconds))
    return s


def test_the_leaderboard_shows_each_team_stores_cash_low_from_the_cash_balance(session):
    sessions.advance_session(session, real_now=at(900))  # 15 simulated days

    board = build_leaderboard(session, real_now=at(900))

    stores = [s.team.store for s in board.standings]
    timelines = cash_timelines(stores, run=LIVE, as_of=board.as_of)
    for standing, record in zip(board.standings, board.record()["teams"], strict=True):
        timeline = timelines[standing.team.store_id]
        assert timeline.day_count >= 15
        assert standing.cash_low == timeline.low < standing.team.store.starting_capital
        assert standing.cash_low_date == timeline.low_date
        assert record["cash_low"] == str(timeline.low.quantize(Decimal("0.01")))
        assert record["cash_low_date"] == timeline.low_date.isoformat()
    # The ranking is unchanged: contribution, then cash collected.
    assert [s.team.pk for s in board.standings] == [
        s.team.pk for s in sorted(board.standings, key=lambda s: (-s.contribution, -s.cash))
    ]


@pytest.mark.parametrize("after_a_round", [False, True])
def test_the_leaderboard_reads_every_teams_cash_in_the_same_queries(
    django_assert_num_queries, after_a_round
):
    two, five = _ran(2, 600), _ran(5, 600)
    if after_a_round:  # the teams' decisions in force, else the template's
        for s in (two, five):
            sessions.record_decision(s.teams.first(), {"markup": Decimal("2.6")})
            sessions.simulate_round(sessions.close_round(s, real_now=at(600)).pk, real_now=at(600))
            s.refresh_from_db()

    with CaptureQueriesContext(connection) as small:
        build_leaderboard(two, real_now=at(600), history=False)
    with django_assert_num_queries(len(small.captured_queries)):  # as many for five teams
        board = build_leaderboard(five, real_now=at(600), history=False)
    assert len(board.standings) == 5 and all(s.cash_low is not None for s in board.standings)


# --- A session's stores at its traffic scale ----------------------------------------------------


def test_a_sessions_stores_hold_capital_in_proportion_to_the_traffic_they_run_at(session):
    template = session.template
    for team in session.teams.select_related("store"):
        assert team.store.starting_capital == template.starting_capital * session.traffic_scale
        assert team.store.traffic_scale() == session.traffic_scale
    assert Store.objects.create(name="Outside", slug="outside").traffic_scale() == 1
    # Twelve simulated days at x10 of a COD store buying its stock ahead: the balance dips by
    # the stock and the late remittances, and stays above zero, as the unscaled store's does
    # on its own capital (on the template's capital it fell some 115,000 below zero).
    sessions.advance_session(session, real_now=at(720))
    board = build_leaderboard(session, real_now=at(720))
    for standing in board.standings:
        assert 0 < standing.cash_low < standing.team.store.starting_capital


def test_a_sessions_history_runs_at_its_traffic_scale_as_its_rounds_do(make_store):
    store = make_store("general", slug="hist-base")
    s = sessions.create_session(
        name="History", template_store=store, teams=1, traffic_scale=10, history_days=5, seed=3
    )
    services.run_in_process(s.history_run)
    team_store = s.teams.get().store
    alone = services.create_run(days=5, seed=3, stores=[store], start_date=s.history_run.start_date)
    services.run_in_process(alone)

    def visits(store_id, run):
        rows = DailyFunnel.objects.filter(store_id=store_id, run=run)
        return rows.aggregate(n=Sum("sessions"))["n"]

    ratio = visits(team_store.pk, s.history_run) / visits(store.pk, alone)
    assert 9 < ratio < 11
