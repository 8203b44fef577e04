"""Shocks in the engine alone (no database): dated changes apply to exactly their days, a day's
rows do not depend on the days simulated with it, and every library shock does what it says."""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import date, timedelta
from decimal import Decimal
from functools import cache

import numpy as np
import pytest

from stores.services.engine_params import params_from_preset
from stores.shocks import SHOCKS, ShockSpec, get_shock, schedule_of
from stores.simulation import engine, realisation
from stores.simulation.params import COD, DELIVERED, REFUSED
from stores.simulation.shocks import PARAMETERS, Change, Schedule, apply

START = date(2025, 1, 6)
FAR_FUTURE = 10**11
MODELS = ("general", "dropship", "cod", "pod", "single_product", "vertical", "brand", "marketplace")


@cache
def preset(key: str):
    return params_from_preset(key)


def run(params, days: int = 90, seed: int = 3, first_day: date = START, origin: date = START):
    return engine.simulate(params, seed=seed, first_day=first_day, days=days, origin=origin)


def shocked(key: str, *shocks: tuple[str, int, int | None]):
    return preset(key).with_shocks(schedule_of(shocks, START))


def paid_social(result) -> int:
    return result.funnel.channels.index("paid_social")


def test_a_cpc_jump_raises_spend_per_paid_session_by_its_factor_from_its_day_only():
    before = run(preset("general"))
    after = run(shocked("general", ("cpc_jump", 30, None)))
    j = paid_social(after)
    spend, sessions = after.funnel.ad_spend[:, j], after.funnel.sessions[:, j]

    # Days before the shock are the unshocked run's, to the session and the cent.
    assert np.array_equal(after.funnel.sessions[:30], before.funnel.sessions[:30])
    assert np.array_equal(after.funnel.ad_spend[:30], before.funnel.ad_spend[:30])
    per_session_before = spend[:30].sum() / sessions[:30].sum()
    per_session_after = spend[30:].sum() / sessions[30:].sum()
    assert 40 < per_session_before <= 50  # the preset's $0.50 a click, less on capped days
    assert per_session_after / per_session_before == pytest.approx(1.5, rel=0.02)
    assert sessions[30:].sum() < 0.75 * before.funnel.sessions[30:, j].sum()


def test_a_dated_change_ends_after_its_days():
    base = run(preset("general"))
    ban = run(shocked("general", ("ad_account_ban", 20, 10)))
    j = paid_social(ban)

    assert ban.funnel.sessions[20:30, j].sum() == 0 and ban.funnel.ad_spend[20:30, j].sum() == 0
    assert np.array_equal(ban.funnel.sessions[:20], base.funnel.sessions[:20])
    # After it, every channel but the owned ones is the unshocked run's again (email and direct
    # also carry the past buyers coming back, and the ban won fewer of them).
    bought = [c not in ("email", "direct") for c in ban.funnel.channels]
    assert np.array_equal(ban.funnel.sessions[30:, bought], base.funnel.sessions[30:, bought])
    assert np.array_equal(ban.funnel.ad_spend[30:], base.funnel.ad_spend[30:])


def _rows(result) -> list[tuple]:
    o = result.orders
    first = result.first_day.toordinal()
    return sorted(
        zip(
            (first + o.day).tolist(), o.seq.tolist(), o.placed_at.tolist(),
            o.gross_sales.tolist(), o.outcome.tolist(), o.delivered_at.tolist(),
            o.platform_fee.tolist(), strict=True,
        )
    )  # fmt: skip


def test_same_seed_and_schedule_give_the_same_rows_whatever_the_chunking():
    params = shocked("cod", ("courier_delay", 17, 30), ("cpc_jump", 40, None), ("price_war", 55, 9))
    whole = run(params, days=90)
    chunks = [
        run(params, days=n, first_day=START + timedelta(days=first))
        for first, n in ((0, 25), (25, 25), (50, 40))  # boundaries inside the shocks
    ]

    assert _rows(whole) == [row for c in chunks for row in _rows(c)]
    assert np.array_equal(whole.funnel.sessions, np.vstack([c.funnel.sessions for c in chunks]))
    assert np.array_equal(whole.funnel.ad_spend, np.vstack([c.funnel.ad_spend for c in chunks]))
    assert _rows(run(params, days=90)) == _rows(whole)  # and again, the same


def test_a_schedule_that_starts_after_the_days_simulated_changes_nothing():
    later = shocked("pod", ("cpc_jump", 200, None), ("courier_delay", 150, 30))

    assert _rows(run(later, days=60)) == _rows(run(preset("pod"), days=60))


def test_a_courier_delay_slows_the_parcels_sent_during_it_and_raises_cod_refusals():
    base, delayed = (
        run(preset("cod"), days=120),
        run(shocked("cod", ("courier_delay", 30, 60)), 120),
    )
    o = delayed.orders
    door_days = (o.delivered_at - o.placed_at) // engine.DAY
    base_door = (base.orders.delivered_at - base.orders.placed_at) // engine.DAY
    inside = (o.day >= 30) & (o.day < 90)

    assert door_days[inside].mean() == pytest.approx(base_door.mean() + 7, abs=0.3)
    assert np.array_equal(door_days[o.day < 30], base_door[base.orders.day < 30])
    cod = o.payment == COD
    refused = lambda sel: (o.outcome[sel & cod] == REFUSED).mean()  # noqa: E731
    assert refused(inside) > refused(~inside) + 0.1  # refusal rises with delivery time


def test_orders_are_realised_with_the_parameters_of_their_placement_day():
    """A payout hold delays the money of the orders charged during it, whenever it is realised."""
    params = shocked("brand", ("payout_hold", 10, 20))
    result = run(params, days=40)
    o = result.orders
    real = realisation.realise_orders(params, o, FAR_FUTURE)
    lag_days = (real.cash_at - o.placed_at) / engine.DAY
    held = (o.day >= 10) & (o.day < 30)

    assert lag_days[held].min() >= 32 - 1e-9 and lag_days[held].max() <= 32
    assert lag_days[~held].max() <= 2
    # Realised in pieces (a chunk's batches) or whole, every order gets the same answer.
    half = len(o) // 2
    parts = [
        realisation.realise(params, FAR_FUTURE, **_arrays(o, slice(0, half))),
        realisation.realise(params, FAR_FUTURE, **_arrays(o, slice(half, None))),
    ]
    assert np.array_equal(np.concatenate([p.cash_at for p in parts]), real.cash_at)


def _arrays(o, span):
    return {
        "placed_at": o.placed_at[span], "shipped_at": o.shipped_at[span],
        "delivered_at": o.delivered_at[span], "outcome_at": o.outcome_at[span],
        "outcome": o.outcome[span], "is_cod": o.is_cod[span], "gross_sales": o.gross_sales[span],
        "discount": o.discount[span], "goods_cost": o.goods_cost[span],
    }  # fmt: skip


def test_a_platform_fee_hike_charges_the_new_rate_on_orders_placed_from_its_day():
    params = preset("marketplace")
    params = replace(params, fees=replace(params.fees, platform_fee_rate=Decimal("0.08")))
    result = run(params.with_shocks(schedule_of([("platform_fee_hike", 30, None)], START)), 60)
    o = result.orders
    rate = o.platform_fee / (o.gross_sales - o.discount)

    assert rate[o.day < 30] == pytest.approx(0.08, abs=0.001)
    assert rate[o.day >= 30] == pytest.approx(0.15, abs=0.001)


def test_a_matched_price_war_keeps_conversion_and_cuts_prices_an_undercut_costs_conversion():
    def funnel(key, *shocks):
        params = shocked(key, *shocks)
        result = run(params, days=180, seed=9)
        f = result.funnel
        o = result.orders
        late = o.day >= 60
        return (
            f.converted[60:].sum() / f.sessions[60:].sum(),
            (o.gross_sales[late].sum() / o.goods_cost[late].sum()),
        )

    conversion, markup = funnel("general")
    war_conversion, war_markup = funnel("general", ("price_war", 60, None))
    undercut_conversion, undercut_markup = funnel("general", ("competitor_undercut", 60, None))

    assert war_markup == pytest.approx(markup * 0.85, rel=0.02)
    assert war_conversion == pytest.approx(conversion, rel=0.03)
    assert undercut_markup == pytest.approx(markup, rel=0.02)
    # Conversion falls by (0.85)^elasticity: 0.85^0.8 = 0.878 for the general store.
    assert undercut_conversion / conversion == pytest.approx(0.85**0.8, rel=0.04)


@pytest.mark.parametrize("name", list(SHOCKS))
@pytest.mark.parametrize("model", MODELS)
def test_every_library_shock_applies_to_every_model(name, model):
    base = preset(model)
    changes = get_shock(name).changes_from(START, None)
    after = apply(base, changes)

    assert after.shocks is None
    changed = {f.name for f in fields(after) if getattr(after, f.name) != getattr(base, f.name)}
    assert changed <= {"channels", "catalogue", "fees", "rules", "market_price_factor",
                       "ad_refresh_days"}  # fmt: skip
    result = run(base.with_shocks(Schedule(changes)), days=3)
    assert len(result.orders) == len(result.orders.placed_at)


def test_changes_apply_in_order_and_values_stay_in_range():
    p = preset("cod")
    day = START
    twice = apply(
        p, [Change("return_rate", "multiply", 20.0, day), Change("cod_share", "add", -2, day)]
    )
    assert twice.return_rate == 1.0 and twice.cod_share == 0.0  # clamped to a probability
    ordered = apply(
        p, [Change("delivery_days", "set", 5, day), Change("delivery_days", "add", 2, day)]
    )
    assert ordered.rules.delivery_days == (7, 7)
    paid = apply(p, [Change("paid.daily_budget_cents", "multiply", 2, day)])
    for before, after in zip(p.channels, paid.channels, strict=True):
        factor = 2 if before.is_paid else 1
        assert after.daily_budget_cents == before.daily_budget_cents * factor
    halved = apply(p, [Change("prices", "multiply", 0.5, day)]).catalogue.prices_cents
    assert halved == tuple((price + 1) // 2 for price in p.catalogue.prices_cents)  # half up


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("price", "multiply", 0.9), "Unknown parameter"),
        (("return_rate", "double", 2), "Unknown operation"),
        (("prices", "set", 10), "only be multiplied"),
        (("return_rate", "multiply", -1), "negative factor"),
        (("return_rate", "add", float("nan")), "finite number"),
    ],
)
def test_a_bad_change_is_refused_naming_what_is_wrong(change, message):
    with pytest.raises(ValueError, match=message):
        Change(*change, START)


def test_every_parameter_a_change_can_name_applies():
    p = preset("single_product")
    for name in PARAMETERS:
        operation = "multiply" if name == "prices" else "add"
        apply(p, [Change(name, operation, 1, START)])  # no error


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("cpc_jump:shop", "not NAME:STORE_SLUG:START_DAY"),
        ("cpc:shop:3", "Unknown shock 'cpc'"),
        ("cpc_jump:shop:x", "START_DAY 'x' is not a whole number"),
        ("cpc_jump:shop:-1", "START_DAY must be 0 or more"),
        ("cpc_jump:shop:3:0", "DAYS must be 1 or more"),
    ],
)
def test_a_bad_shock_spec_is_refused_naming_the_bad_part(text, message):
    with pytest.raises(ValueError, match=message):
        ShockSpec.parse(text)


def test_a_shock_spec_takes_the_usual_duration_unless_told():
    assert ShockSpec.parse("courier_delay:shop:3").days == 30
    assert ShockSpec.parse("courier_delay:shop:3:12").days == 12
    assert ShockSpec.parse("courier_delay:shop:3:open").days is None


def test_the_tag_of_a_day_names_its_active_changes():
    schedule = schedule_of([("cpc_jump", 5, 3)], START)

    assert schedule.tag(START) == ""
    assert schedule.tag(START + timedelta(days=5)) == schedule.tag(START + timedelta(days=7))
    assert len(schedule.tag(START + timedelta(days=5))) == 6
    assert schedule.tag(START + timedelta(days=8)) == ""


def test_every_shock_in_the_library_is_documented():
    for shock in SHOCKS.values():
        assert shock.label and shock.summary and shock.mimics and shock.source
        assert shock.changes and all(c.parameter in PARAMETERS for c in shock.changes)


def test_orders_simply_kept_stay_delivered_under_a_schedule():
    params = shocked("pod", ("courier_delay", 0, None))
    result = run(params, days=20)
    real = realisation.realise_orders(params, result.orders, FAR_FUTURE)

    kept = result.orders.outcome == DELIVERED
    assert (real.delivered_at[kept] >= 0).all()
