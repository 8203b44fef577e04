"""Competition over time (issue 14, seed 001): the flooding store's market cuts its prices, the
premium store pays for its brand and ramps (stores/simulation/market.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
import pytest

from stores.presets import PRESETS
from stores.services.engine_params import params_from_preset
from stores.simulation import engine, ledger, market, realisation, timeline

START = date(2025, 1, 1)
DAYS = 364  # four quarters of 91 days


def _year(params, seed: int) -> engine.SimulationResult:
    return engine.simulate(params, seed=seed, first_day=START, days=DAYS)


def _quarters(p, result) -> list[dict]:
    """Each quarter's contribution margin and conversion, every order settled."""
    o, f = result.orders, result.funnel
    settled = timeline.horizons(p.rules).settled
    as_of = (engine.day_ordinal(START) + DAYS + settled + 1) * engine.DAY
    money = realisation.money_lines(o, realisation.realise_orders(p, o, as_of))
    out = []
    for q in range(4):
        lo, hi = q * DAYS // 4, (q + 1) * DAYS // 4
        mine = (o.day >= lo) & (o.day < hi)
        lines = {name: int(v[mine].sum()) for name, v in money.items()}
        lines["ad_spend"] = int(f.ad_spend[lo:hi].sum())
        lines["other_cost"] = int(f.other_cost[lo:hi].sum())
        out.append(
            {
                "margin": ledger.contribution_margin(ledger.Lines(lines)),
                "conversion": f.converted[lo:hi].sum() / f.sessions[lo:hi].sum(),
                "other_cost": lines["other_cost"],
            }
        )
    return out


def test_a_flooding_store_under_price_pressure_loses_margin_quarter_on_quarter():
    # The general preset's own pressure (15% a year) against the same store without it, on the
    # same seeds and demand (common random numbers): the erosion is the pressure's, not noise.
    drops, control_drops = [], []
    for seed in (1, 2, 3):
        pressed = params_from_preset("general", store_key=3).with_traffic_scaled(4)
        assert pressed.price_pressure_per_year == pytest.approx(0.15)
        calm = replace(pressed, price_pressure_per_year=0.0)
        q, c = _quarters(pressed, _year(pressed, seed)), _quarters(calm, _year(calm, seed))
        assert q[3]["conversion"] < 0.93 * q[0]["conversion"]  # ~12% fewer buyers by Q4
        assert q[3]["margin"] < q[0]["margin"], (seed, q)
        drops.append(q[0]["margin"] - q[3]["margin"])
        control_drops.append(c[0]["margin"] - c[3]["margin"])
    # About two points of margin lost from the first quarter to the last (1.1-2.0 by seed),
    # while the same store without pressure gains (its few repeat buyers grow).
    assert np.mean(drops) > 0.01, drops
    assert min(d - c for d, c in zip(drops, control_drops, strict=True)) > 0.01


def test_a_premium_store_ramps_its_conversion_and_organic_traffic_and_pays_for_its_brand():
    p = params_from_preset("vertical_premium", store_key=3)
    assert (p.ramp_days, p.ramp_start) == (180, pytest.approx(0.4))
    result = _year(p, seed=1)
    q = _quarters(p, result)
    # Day 0 at 40%: the first quarter converts at about 0.4-0.7 of the settled rate.
    assert q[0]["conversion"] < 0.65 * q[3]["conversion"]
    assert q[1]["conversion"] < q[2]["conversion"]
    organic = result.funnel.channels.index("organic_search")
    first_month = result.funnel.sessions[:30, organic].mean()
    settled_month = result.funnel.sessions[-30:, organic].mean()
    assert first_month < 0.55 * settled_month
    # The brand budget is booked on each ramp day and stops after it.
    brand = p.brand_build_cost_cents
    assert brand == 15000
    other = result.funnel.other_cost.sum(axis=1)
    assert (other[:180] >= brand).all() and (other[180:] < brand).all()
    # It loses money while the brand builds, then earns.
    assert q[0]["margin"] < 0 < q[2]["margin"]


def test_the_ramp_and_pressure_follow_the_days_since_the_runs_origin():
    p = replace(
        params_from_preset("vertical_premium", store_key=3),
        price_pressure_per_year=0.2,
        price_elasticity=1.0,
    )
    assert market.ramp(p, 0) == pytest.approx(0.4)
    assert market.ramp(p, 90) == pytest.approx(0.7)
    assert market.ramp(p, 180) == market.ramp(p, 1000) == 1.0
    assert market.market_level(p, 0) == 1.0
    assert market.market_level(p, 365) == pytest.approx(0.8, abs=0.001)
    assert market.brand_cost_cents(p, 179) == 15000 and market.brand_cost_cents(p, 180) == 0


def test_zero_pressure_and_no_ramp_days_change_nothing_the_engine_draws():
    # ramp_start and brand_build_cost mean nothing without ramp days: the same rows, to the cent.
    base = params_from_preset("brand", store_key=3)
    idle = replace(base, ramp_start=0.2, brand_build_cost_cents=99_999)
    assert market.is_static(base) and market.is_static(idle)
    a, b = _year(base, seed=2), _year(idle, seed=2)
    for name in ("sessions", "converted", "other_cost", "ad_spend"):
        assert np.array_equal(getattr(a.funnel, name), getattr(b.funnel, name))
    assert np.array_equal(a.orders.gross_sales, b.orders.gross_sales)
    # Only the flooding models carry pressure and only the premium one a ramp.
    pressed = {k for k, pr in PRESETS.items() if pr.store["price_pressure_per_year"].value > 0}
    ramped = {k for k, pr in PRESETS.items() if pr.store["ramp_days"].value > 0}
    assert pressed == {"general", "vertical"} and ramped == {"vertical_premium"}


def test_live_traffic_takes_a_premium_store_as_settled():
    # Live traffic simulates each day as its own origin: without this the store would stay on
    # its first ramp day and pay its brand budget every day.
    p = params_from_preset("vertical_premium", store_key=3)
    live = market.settled(p)
    assert market.is_static(live) and live.brand_build_cost_cents == p.brand_build_cost_cents
    day = engine.simulate(live, seed=1, first_day=START, days=1, customers=False)
    assert day.funnel.other_cost.sum() < p.brand_build_cost_cents
