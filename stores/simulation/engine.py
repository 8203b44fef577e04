"""The seeded simulation engine: a store's parameters and a span of days in, funnel and orders out.

Pure Python with numpy; no Django. Every store x day draws from its own random streams derived
from the run's seed, so the output of a day never depends on which other days are simulated with
it, in which order, or by how many workers. Sessions are counted per day and channel; orders come
out one by one (as parallel arrays) with their lines, timeline, planned outcome and every money
line in integer cents.

Mechanics, in the order a visit meets them:
- traffic: paid channels buy budget / cost-per-click visits (the cost per click rises each day an
  audience tires); unpaid channels have a daily level; returning buyers add visits by email
  (only where the store owns its customers' data) and direct, in proportion to the store's
  list of past buyers (see "customers" below); a weekly rhythm, an optional yearly season and
  log-normal daily noise;
- funnel: product view -> add to cart -> checkout -> order, each step a subset of the previous;
  the channel's conversion rate sets how many sessions add to cart, so good channels fill more
  carts while cart abandonment stays a property of the store; a markup above the market's lowers
  conversion (price elasticity); offering COD lifts checkout completion; stock-outs lose orders;
- basket: 1 + Poisson(extra items) lines, products by popularity (a long tail for a general
  store), bundles for a single-product store;
- fulfilment: handling (supplier processing or production) then transit;
- outcome: COD refused at the door (more often the longer delivery took), chargebacks, refunds of
  late parcels, returns inside the return window (defects only for print on demand).

Customers: every buyer joins the store's pool of past buyers (numbered from 0 in order of their
first order, per run). A past buyer visits again on a day with a chance that decays with the days
since their last order, exp(-(t - 1) / repeat_days), scaled so that an order is followed by
another one with probability repeat_purchase_rate in the long run. Those visits come by email
(returning_email_share of them) or direct, go through the funnel at the channel's own rates, and
the orders they make are repeat orders: each carries the number of a past buyer, drawn among the
pool with weights by the days since their last order. The pool is a function of the days since
the run's origin, so a span of days starting later first replays the earlier days' traffic (not
their orders' baskets and outcomes) to rebuild it: a chunk's rows are the same whichever chunks
are simulated with it.

Competition (market.py): the market's prices may fall day by day from the run's origin (price
pressure: conversion falls at a fixed markup), and a premium store ramps its conversion and
organic traffic over its first days while paying its brand-building cost. Both off, the day's
draws are exactly those of a store without them.

Shocks (shocks.py): a store's parameters may carry a schedule of dated changes. Each day is
simulated with the parameters of the changes active that day (derived arrays are cached per
distinct set of active changes), and each order is realised with the parameters of the day it
was placed.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, replace
from datetime import date

import numpy as np

from . import fees, market, timeline
from .params import (
    CHANNELS,
    CHARGED_BACK,
    COD,
    DELIVERED,
    PAYMENT_METHODS,
    REFUNDED,
    REFUSED,
    RETURNED,
    StoreParams,
)
from .retention import RETENTION_HORIZON, BuyerPool

DAY = timeline.DAY
EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
# The markup at which price does not move conversion (model choice: a typical 2x keystone).
REFERENCE_MARKUP = 2.0
# Monday first; averages 1. Model choice: weekend evenings and Sundays sell more online.
WEEKLY_RHYTHM = np.array([1.05, 1.03, 1.00, 0.98, 0.93, 0.92, 1.09])
DAY_NOISE = 0.10  # log-normal sigma of a day's traffic shock (all channels)
CHANNEL_NOISE = 0.15  # and of each channel's own shock
# Ad fatigue compounds daily but levels off: past this multiple the store would refresh its
# creative or audience rather than pay more (model choice).
AD_FATIGUE_CAP = 3.0
SECOND_ITEM_QUANTITY = 0.08  # chance a line carries two units
CUSTOM_TEXTS = ("Anna", "Best Dad", "Team Leo", "Est. 2019", "Carpe Diem", "Mia & Sam", "Go!")
CUSTOM_COLOURS = ("black", "white", "navy", "heather grey", "red", "forest green")

# Spawn keys: (purpose, store key, day). With common random numbers the demand stream drops the
# store key, so every store in a run sees the same daily demand noise. A shopper's order has a
# stream of its own (plan_order).
_DEMAND, _STORE, _SHOPPER, _RETAIN = 0, 1, 2, 3
# The channels that draw a demand shock of their own, in a fixed order: the demand stream has
# the same shape for every store, so common random numbers line up. A managed platform's
# allocated visits move with the market's search demand (they are the platform's search and
# recommendation results), so they share organic search's shock rather than draw a new one,
# which would shift every other store's draws.
NOISE_CHANNELS = CHANNELS[:6]
NOISE_OF = {
    **{c: i for i, c in enumerate(NOISE_CHANNELS)},
    "platform": NOISE_CHANNELS.index("organic_search"),
}


def day_ordinal(day: date) -> int:
    return day.toordinal() - EPOCH_ORDINAL


def day_streams(
    seed: int, store_key: int, day: date, *, common_random_numbers: bool
) -> tuple[np.random.Generator, np.random.Generator]:
    """The (demand, store) random generators of one store x day, derived from the run's seed."""
    d = day_ordinal(day)
    demand_key = (_DEMAND, d) if common_random_numbers else (_DEMAND, d, store_key)
    demand = np.random.Generator(
        np.random.PCG64(np.random.SeedSequence(seed, spawn_key=demand_key))
    )
    own = np.random.Generator(
        np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(_STORE, store_key, d)))
    )
    return demand, own


@dataclass
class Funnel:
    """Per day x configured channel counts; arrays of shape (days, channels)."""

    channels: tuple[str, ...]
    sessions: np.ndarray
    product_views: np.ndarray
    adds_to_cart: np.ndarray
    reached_checkout: np.ndarray
    converted: np.ndarray
    ad_spend: np.ndarray  # cents
    other_cost: np.ndarray  # cents


ORDER_ARRAYS = (
    "day", "seq", "channel", "payment", "is_new", "customer", "placed_at", "shipped_at",
    "delivered_at", "outcome_at", "outcome", "gross_sales", "discount", "goods_cost",
    "shipping_cost", "payment_fee", "platform_fee", "line_start", "line_count",
)  # fmt: skip
LINE_ARRAYS = ("order", "product", "quantity", "unit_price", "unit_cost", "custom_code")


@dataclass
class Orders:
    """One entry per order. Times in epoch seconds; money in cents, named as the ledger names
    its lines; codes index the tuples in params (CHANNELS, PAYMENT_METHODS, STATUSES).
    `outcome` is the planned final status and `outcome_at` when it happens (the delivery
    itself for an order that is simply kept)."""

    day: np.ndarray
    seq: np.ndarray
    channel: np.ndarray
    payment: np.ndarray
    is_new: np.ndarray
    customer: np.ndarray  # the buyer's number in the store's pool (0 = its first buyer)
    placed_at: np.ndarray
    shipped_at: np.ndarray
    delivered_at: np.ndarray  # planned door date (the refusal date for a refused parcel)
    outcome_at: np.ndarray
    outcome: np.ndarray
    gross_sales: np.ndarray
    discount: np.ndarray
    goods_cost: np.ndarray  # the goods shipped (the ledger's goods_cost until a restock)
    shipping_cost: np.ndarray
    payment_fee: np.ndarray
    platform_fee: np.ndarray
    line_start: np.ndarray
    line_count: np.ndarray

    def __len__(self) -> int:
        return len(self.day)

    @property
    def is_cod(self) -> np.ndarray:
        return self.payment == COD


@dataclass
class Lines:
    order: np.ndarray  # index into the Orders arrays
    product: np.ndarray  # index into the catalogue summary
    quantity: np.ndarray
    unit_price: np.ndarray
    unit_cost: np.ndarray
    # A line's customisation as a code: -1 for none, else text index * colours + colour index.
    # The dicts are built on first use: a year of a busy store has ~200,000 lines, and building
    # one Python object per line cost a tenth of the engine's time in callers that never read
    # them (experiments keep only aggregates).
    custom_code: np.ndarray

    def __len__(self) -> int:
        return len(self.order)

    @functools.cached_property
    def customization(self) -> list[dict | None]:
        """A dict per line for customisable products ({"text", "colour"}), else None."""
        colours = len(CUSTOM_COLOURS)
        return [
            None
            if c < 0
            else {"text": CUSTOM_TEXTS[c // colours], "colour": CUSTOM_COLOURS[c % colours]}
            for c in self.custom_code.tolist()
        ]


def _days_in(rng: np.random.Generator, bounds: tuple[int, int], n: int) -> np.ndarray:
    """n whole days drawn evenly in [low, high], taking as many random numbers from `rng`
    whatever the bounds: numpy's integers() takes none for a single value (low == high), which
    would shift every later draw of the day, so a store with 1-1 transit days and its clone with
    1-3 would no longer meet the same dice (common random numbers, an experiment's sweep)."""
    low, high = bounds
    draws = rng.integers(0, max(high - low + 1, 2), n)
    return low + draws if high > low else np.full(n, low, dtype=draws.dtype)


@dataclass
class SimulationResult:
    first_day: date
    days: int
    funnel: Funnel
    orders: Orders
    lines: Lines


class _Prepared:
    """Arrays derived once per call from the frozen parameters."""

    def __init__(self, p: StoreParams, *, keeps_customers: bool = True):
        cat = p.catalogue
        n = len(cat)
        if n == 0:
            raise ValueError(f"Store {p.key} has no active products to sell.")
        self.prices = np.array(cat.prices_cents, dtype=np.int64)
        self.costs = np.array(cat.unit_costs_cents, dtype=np.int64)
        popularity = np.array(cat.popularity, dtype=float).clip(min=0)
        self.custom = np.array(cat.customizable or (False,) * n, dtype=bool)
        self.bundle_qty = np.array(cat.bundle_quantity or (1,) * n, dtype=np.int64)
        self.lead = np.array(cat.supplier_lead_days or (0,) * n, dtype=np.int64)
        self.single = p.business_model == "single_product"
        if popularity.sum() <= 0:
            popularity = np.ones(n)
        if self.single:
            singles = np.flatnonzero(self.bundle_qty == 1)
            self.hero = int(singles[np.argmax(popularity[singles])]) if len(singles) else 0
            self.bundles = np.flatnonzero(self.bundle_qty > 1)
            weights = popularity[self.bundles]
            self.bundle_cdf = np.cumsum(weights) / weights.sum() if len(weights) else None
        self.cdf = np.cumsum(popularity) / popularity.sum()
        self.n_products = n

        self.channel_names = tuple(c.channel for c in p.channels)
        self.noise_index = np.array([NOISE_OF[c.channel] for c in p.channels], dtype=int)
        self.channel_code = np.array([CHANNELS.index(c.channel) for c in p.channels], np.int8)
        self.is_paid = np.array([c.is_paid for c in p.channels], dtype=bool)
        self.budget = np.array([c.daily_budget_cents for c in p.channels], dtype=float)
        self.cpc = np.array([c.cost_per_click_cents for c in p.channels], dtype=float)
        self.level = np.array([c.daily_sessions for c in p.channels], dtype=float)
        # Email is the list's channel: its visits are returning buyers' (see retention.BuyerPool), none fixed.
        is_email = np.array([c.channel == "email" for c in p.channels], dtype=bool)
        is_direct = np.array([c.channel == "direct" for c in p.channels], dtype=bool)
        if not p.owns_customer_data:
            self.level[is_email] = 0.0
        rates = np.array([c.conversion_rate for c in p.channels], dtype=float)
        base = np.where(self.is_paid, self.budget / np.where(self.cpc > 0, self.cpc, np.inf), 0)
        base = base + np.where(self.is_paid, 0, self.level)
        # The store's typical conversion: what its carts convert at, whatever the channel. The
        # channels' configured visits weigh it, email's included (the mix of a settled store),
        # although email's visits themselves come from the list of past buyers.
        self.reference_rate = float((rates * base).sum() / base.sum()) if base.sum() else 0.014
        if keeps_customers:
            self.level[is_email] = 0.0
        markup = float(self.prices.sum()) / max(float(self.costs.sum()), 1.0)
        # The market's markup over the store's: below 1 the store looks dear (market.py moves
        # it day by day under competitors' price pressure).
        # A catalogue given away (every price 0, which the admin allows at a cost of 0) looks
        # as cheap as a store can: price's effect on conversion sits at its clamp.
        self.market_over_markup = (
            REFERENCE_MARKUP * p.market_price_factor / markup if markup > 0 else math.inf
        )
        price_factor = market.price_factor(self.market_over_markup, p.price_elasticity)
        view = max(p.product_view_rate, 1e-9)
        cart = max(p.add_to_cart_rate, 1e-9)
        self.p_view = min(1.0, p.product_view_rate)
        self.p_cart = np.minimum(1.0, cart * rates * price_factor / self.reference_rate / view)
        self.p_checkout = min(1.0, p.checkout_rate)
        uplift = 1.0 + (p.cod_conversion_uplift if p.offers_cod else 0.0)
        per_checkout = self.reference_rate / cart / max(p.checkout_rate, 1e-9)
        self.p_order = min(1.0, per_checkout * uplift)

        prepaid = [m for m in p.payment_methods if m != "cod"] or ["card"]
        default = p.default_payment_method if p.default_payment_method in prepaid else prepaid[0]
        weights = np.array([3.0 if m == default else 1.0 for m in prepaid])
        self.prepaid_codes = np.array([PAYMENT_METHODS.index(m) for m in prepaid], dtype=np.int8)
        self.prepaid_cdf = np.cumsum(weights) / weights.sum()
        self.cod_share = p.cod_share if p.offers_cod else 0.0

        # Returning buyers' visits per unit of the pool's weight, by channel (see retention.BuyerPool).
        email_share = p.returning_email_share if p.owns_customer_data and is_email.any() else 0.0
        split = np.where(is_email, email_share, 0.0) + np.where(is_direct, 1.0 - email_share, 0.0)
        if not is_direct.any() and is_email.any() and p.owns_customer_data:
            split = np.where(is_email, 1.0, 0.0)
        # What a visit on each channel converts at, through every step of the funnel.
        converts = self.p_view * self.p_cart * self.p_checkout * self.p_order
        converts = converts * (1.0 - p.stockout_rate)
        per_visit = float((split * converts).sum())
        tau = max(1.0, p.repeat_days)
        self.decay = np.exp(-np.arange(int(RETENTION_HORIZON * tau) + 1) / tau)
        # A buyer's expected later orders are visit_rate * per_visit * sum(decay): that makes the
        # chance an order is followed by another repeat_purchase_rate (in the long run).
        rate = p.repeat_purchase_rate
        self.retains = keeps_customers and rate > 0 and per_visit > 0
        visit_rate = rate / (per_visit * float(self.decay.sum())) if self.retains else 0.0
        self.returning_level = split * visit_rate
        self.static = market.is_static(p)
        self.ramped = np.array([c.channel in market.RAMPED_CHANNELS for c in p.channels], bool)


def simulate(
    params: StoreParams,
    *,
    seed: int,
    first_day: date,
    days: int,
    origin: date | None = None,
    common_random_numbers: bool = True,
    customers: bool = True,
) -> SimulationResult:
    """Simulate `days` consecutive days from `first_day` for one store.

    `origin` is day 0 of the run (ad fatigue counts days from it, and the pool of past buyers
    is rebuilt from it); it defaults to first_day. `customers=False` keeps no pool (live
    traffic, revealed a day at a time): every order is a new buyer's and email brings the
    channel's configured daily visits, as a list of a fixed size would.
    """
    if days < 1:
        raise ValueError("days must be at least 1")
    schedule = params.shocks
    params = replace(params, shocks=None) if schedule else params
    prep = _Prepared(params, keeps_customers=customers)
    by_changes = {(): (params, prep)}  # active changes -> that day's parameters and arrays
    p = params
    origin = origin or first_day
    first = first_day.toordinal()
    n_ch = len(params.channels)
    shape = (days, n_ch)
    funnel = Funnel(
        channels=prep.channel_names,
        **{
            name: np.zeros(shape, dtype=np.int64)
            for name in (
                "sessions",
                "product_views",
                "adds_to_cart",
                "reached_checkout",
                "converted",
                "ad_spend",
                "other_cost",
            )  # fmt: skip
        },
    )
    order_parts: list[dict] = []
    line_parts: list[dict] = []
    n_orders = n_lines = 0
    pool = BuyerPool(origin.toordinal(), stream=_RETAIN)

    def day_of(ordinal: int) -> tuple[StoreParams, _Prepared]:
        if not schedule:
            return by_changes[()]
        active = schedule.active_ordinal(ordinal)
        if active not in by_changes:
            shocked = schedule.params_for(params, active)
            by_changes[active] = (shocked, _Prepared(shocked, keeps_customers=customers))
        return by_changes[active]

    # Rebuild the pool of past buyers from the days before this span (their traffic only).
    if first > origin.toordinal() and any(day_of(d)[1].retains for d in (first - 1, first)):
        scratch = Funnel(prep.channel_names, *(np.zeros((1, n_ch), np.int64) for _ in range(7)))
        for ordinal in range(origin.toordinal(), first):
            day = date.fromordinal(ordinal)
            demand, rng = day_streams(
                seed, params.key, day, common_random_numbers=common_random_numbers
            )
            p, prep = day_of(ordinal)
            returning = pool.returning(prep, seed, params.key, ordinal)
            orders_by_channel, back = _funnel_day(
                p, prep, demand, rng, day, origin, scratch, 0, returning, pool.rng
            )
            pool.buy(ordinal, orders_by_channel, back)
    for i in range(days):
        day = date.fromordinal(first + i)
        demand, rng = day_streams(
            seed, params.key, day, common_random_numbers=common_random_numbers
        )
        p, prep = day_of(first + i)
        returning = pool.returning(prep, seed, params.key, first + i)
        orders_by_channel, back = _funnel_day(
            p, prep, demand, rng, day, origin, funnel, i, returning, pool.rng
        )
        if orders_by_channel.sum() == 0:
            continue
        buyers = pool.buy(first + i, orders_by_channel, back)
        o, ln = _orders_day(p, prep, rng, day, i, orders_by_channel, buyers)
        ln["order"] += n_orders
        o["line_start"] += n_lines
        n_orders += len(o["day"])
        n_lines += len(ln["order"])
        order_parts.append(o)
        line_parts.append(ln)
    orders = Orders(**_concat(order_parts, ORDER_ARRAYS))
    lines = Lines(**_concat(line_parts, LINE_ARRAYS))
    return SimulationResult(first_day, days, funnel, orders, lines)


def _concat(parts: list[dict], names: tuple[str, ...]) -> dict[str, np.ndarray]:
    if not parts:
        return {name: np.zeros(0, dtype=np.int64) for name in names}
    return {name: np.concatenate([part[name] for part in parts]) for name in names}


def _funnel_day(
    p: StoreParams,
    prep: _Prepared,
    demand: np.random.Generator,
    rng: np.random.Generator,
    day: date,
    origin: date,
    funnel: Funnel,
    i: int,
    returning: np.ndarray | None = None,
    back_rng: np.random.Generator | None = None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Draw one day's sessions and funnel; returns the orders per channel, and of them the
    orders by returning buyers (None without any). `returning` is the expected visits of
    returning buyers per channel (before rhythm and noise), drawn from their own stream
    `back_rng` so that the other visitors' draws never depend on the pool."""
    # The demand stream has a fixed shape whatever the store, so common random numbers line up.
    z = demand.standard_normal(1 + len(NOISE_CHANNELS))
    shock = np.exp(DAY_NOISE * z[0] - DAY_NOISE**2 / 2) * np.exp(
        CHANNEL_NOISE * z[1 + prep.noise_index] - CHANNEL_NOISE**2 / 2
    )
    rhythm = WEEKLY_RHYTHM[day.weekday()]
    if p.seasonality:
        doy = day.timetuple().tm_yday
        rhythm *= 1 + p.seasonality * np.cos(2 * np.pi * (doy - p.season_peak_day) / 365.25)
    age = max(0, (day - origin).days)
    if p.ad_refresh_days:  # fatigue counts from the last creative refresh
        age %= p.ad_refresh_days
    cpc = prep.cpc * min(AD_FATIGUE_CAP, (1 + p.ad_fatigue_per_day) ** age)
    clicks = np.where(prep.is_paid & (cpc > 0), prep.budget / np.where(cpc > 0, cpc, 1), 0.0)
    level, p_cart, other_cost = prep.level, prep.p_cart, p.sku_daily_cost_cents * prep.n_products
    if not prep.static:  # competitors' price pressure, a premium store's ramp (market.py)
        since = (day - origin).days
        level = np.where(prep.ramped, level * market.ramp(p, since), level)
        p_cart = np.minimum(
            1.0, p_cart * market.conversion_multiplier(p, prep.market_over_markup, since)
        )
        other_cost += market.brand_cost_cents(p, since)
    expected = np.where(prep.is_paid, clicks, level) * rhythm * shock
    sessions = rng.poisson(expected)
    views = rng.binomial(sessions, prep.p_view)
    carts = rng.binomial(views, p_cart)
    checkouts = rng.binomial(carts, prep.p_checkout)
    would_order = rng.binomial(checkouts, prep.p_order)
    orders = rng.binomial(would_order, 1.0 - p.stockout_rate)
    back = None
    if returning is not None:  # returning buyers' visits, through the same funnel
        r = back_rng
        back_sessions = r.poisson(returning * rhythm * shock)
        back_views = r.binomial(back_sessions, prep.p_view)
        back_carts = r.binomial(back_views, p_cart)
        back_checkouts = r.binomial(back_carts, prep.p_checkout)
        back = r.binomial(r.binomial(back_checkouts, prep.p_order), 1.0 - p.stockout_rate)
        sessions, views = sessions + back_sessions, views + back_views
        carts, checkouts, orders = carts + back_carts, checkouts + back_checkouts, orders + back
    # A paid channel spends what its clicks cost, up to the day's budget.
    spend = np.minimum(prep.budget, np.round(sessions * cpc))
    funnel.sessions[i] = sessions
    funnel.product_views[i] = views
    funnel.adds_to_cart[i] = carts
    funnel.reached_checkout[i] = checkouts
    funnel.converted[i] = orders
    funnel.ad_spend[i] = np.where(prep.is_paid, spend, 0).astype(np.int64)
    funnel.other_cost[i] = allocate(other_cost, sessions)
    return orders, back


def allocate(total_cents: int, weights: np.ndarray) -> np.ndarray:
    """Split whole cents in proportion to weights so the parts add up exactly (largest remainder)."""
    weights = np.asarray(weights, dtype=float)
    out = np.zeros(len(weights), dtype=np.int64)
    if total_cents <= 0 or len(weights) == 0:
        return out
    if weights.sum() <= 0:
        out[0] = total_cents
        return out
    exact = total_cents * weights / weights.sum()
    out = np.floor(exact).astype(np.int64)
    short = total_cents - int(out.sum())
    if short:
        out[np.argsort(-(exact - out), kind="stable")[:short]] += 1
    return out


def _orders_day(
    p: StoreParams,
    prep: _Prepared,
    rng: np.random.Generator,
    day: date,
    i: int,
    orders_by_channel: np.ndarray,
    buyers: tuple[np.ndarray, int],
) -> tuple[dict, dict]:
    n = int(orders_by_channel.sum())
    channel = np.repeat(prep.channel_code, orders_by_channel)
    seconds = rng.integers(0, DAY, n)
    order = np.argsort(seconds, kind="stable")
    seconds, channel = seconds[order], channel[order]
    placed = day_ordinal(day) * DAY + seconds
    # Returning buyers hold the first orders of their channel's block before the time sort;
    # new buyers are numbered after the pool in the order they buy.
    customer, first_new = buyers
    customer = customer[order]
    is_new = customer < 0
    customer[is_new] = first_new + np.arange(int(is_new.sum()))

    cod = rng.random(n) < prep.cod_share
    prepaid = prep.prepaid_codes[np.searchsorted(prep.prepaid_cdf, rng.random(n), side="right")]
    payment = np.where(cod, COD, prepaid).astype(np.int8)

    # Basket.
    if prep.single:
        line_count = np.ones(n, dtype=np.int64)
        take_bundle = rng.random(n) < p.bundle_take_rate
        u = rng.random(n)
        product = np.full(n, prep.hero, dtype=np.int64)
        if prep.bundle_cdf is not None:
            picks = prep.bundles[np.searchsorted(prep.bundle_cdf, u, side="right")]
            product = np.where(take_bundle, picks, product)
    else:
        line_count = 1 + rng.poisson(p.extra_items_mean, n)
        product = np.searchsorted(prep.cdf, rng.random(int(line_count.sum())), side="right")
    product = np.minimum(product, prep.n_products - 1)
    n_lines = len(product)
    line_order = np.repeat(np.arange(n), line_count)
    line_start = np.concatenate(([0], np.cumsum(line_count)[:-1])).astype(np.int64)
    quantity = 1 + (rng.random(n_lines) < SECOND_ITEM_QUANTITY) * (not prep.single)
    unit_price = prep.prices[product]
    unit_cost = prep.costs[product]
    line_total = unit_price * quantity
    # A bundle is a product whose price carries its pack saving, in the shop and here alike:
    # nothing more comes off at checkout.
    gross = np.bincount(line_order, weights=line_total, minlength=n).astype(np.int64)
    discount = np.zeros(n, dtype=np.int64)
    goods = np.bincount(line_order, weights=unit_cost * quantity, minlength=n).astype(np.int64)
    charged = gross - discount  # ledger.charged
    payment_fee = np.where(cod, 0, fees.payment_fee_cents(p.fees, charged))
    units = np.bincount(line_order, weights=quantity * prep.bundle_qty[product], minlength=n)
    platform_fee = fees.platform_fee_cents(p.fees, charged, units.astype(np.int64))

    custom_u = rng.integers(0, 1 << 30, (n_lines, 2))
    custom_code = np.where(
        prep.custom[product],
        custom_u[:, 0] % len(CUSTOM_TEXTS) * len(CUSTOM_COLOURS)
        + custom_u[:, 1] % len(CUSTOM_COLOURS),
        -1,
    )

    # Fulfilment (timeline.py): supplier processing where a line has a lead time, else the
    # store's handling; then transit. Then the outcome.
    lead = np.maximum.reduceat(prep.lead[product], line_start)
    shipped, at_door, outcome, outcome_at = _plan_outcomes(p, rng, placed, cod, lead)

    orders = {
        "day": np.full(n, i, dtype=np.int64),
        "seq": np.arange(1, n + 1, dtype=np.int64),
        "channel": channel,
        "payment": payment,
        "is_new": is_new,
        "customer": customer.astype(np.int64),
        "placed_at": placed,
        "shipped_at": shipped,
        "delivered_at": at_door,
        "outcome_at": outcome_at,
        "outcome": outcome,
        "gross_sales": gross,
        "discount": discount,
        "goods_cost": goods,
        "shipping_cost": np.full(n, p.shipping_cost_cents, dtype=np.int64),
        "payment_fee": payment_fee.astype(np.int64),
        "platform_fee": np.asarray(platform_fee, dtype=np.int64),
        "line_start": line_start,
        "line_count": line_count.astype(np.int64),
    }
    lines = {
        "order": line_order.astype(np.int64),
        "product": product.astype(np.int64),
        "quantity": quantity.astype(np.int64),
        "unit_price": unit_price,
        "unit_cost": unit_cost,
        "custom_code": custom_code.astype(np.int64),
    }
    return orders, lines


def _plan_outcomes(
    p: StoreParams,
    rng: np.random.Generator,
    placed: np.ndarray,
    cod: np.ndarray,
    lead: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each order's timeline and final outcome, by the timeline's rules and the store's rates:
    (shipped_at, at the door, outcome code, outcome_at), times in epoch seconds.

    `lead` is each order's slowest supplier lead time in days (0: the store handles dispatch).
    A fixed number of draws per order, whichever branch it takes, so that an order's dice do
    not depend on the others'.
    """
    n = len(placed)
    rules = p.rules
    handling = _days_in(rng, rules.handling_days, n)
    dispatch = timeline.dispatch_days(rules, lead, handling)
    transit = _days_in(rng, rules.delivery_days, n)
    shipped = placed + dispatch * DAY
    at_door = shipped + transit * DAY
    door_days = dispatch + transit

    u = rng.random((n, 7))
    refusal = np.clip(
        p.cod_refusal_base + p.cod_refusal_per_day * np.maximum(0, door_days - 2), 0, 0.95
    )
    refused = cod & (u[:, 0] < refusal)
    random_chargeback = ~cod & (u[:, 1] < p.chargeback_rate)
    late_claim = ~cod & timeline.is_late(rules, door_days) & (u[:, 2] < p.late_refund_rate)
    late_chargeback = late_claim & (u[:, 3] < p.late_chargeback_share)
    returned = (u[:, 4] < p.defect_rate) | (u[:, 5] < p.return_rate)
    charged_back = random_chargeback | late_chargeback
    lag = u[:, 6]
    # Later rules win: a refusal stops everything, a chargeback overrides a refund claim.
    outcome = np.full(n, DELIVERED, dtype=np.int8)
    outcome_at = at_door.copy()
    for happens, status, after_door in (
        (returned, RETURNED, timeline.return_after_door(rules, lag)),
        (late_claim, REFUNDED, timeline.late_claim_after_door(lag)),
        (charged_back, CHARGED_BACK, timeline.chargeback_after_door(lag)),
        (refused, REFUSED, 0),
    ):
        outcome_at = np.where(happens, at_door + after_door, outcome_at)
        outcome = np.where(happens, status, outcome).astype(np.int8)
    return shipped, at_door, outcome, outcome_at


@dataclass(frozen=True)
class PlannedOrder:
    """One order's planned life (epoch seconds) and outcome (a code of params.STATUSES)."""

    shipped_at: int
    delivered_at: int  # at the door (the refusal, for a refused parcel)
    outcome: int
    outcome_at: int


def plan_order(
    p: StoreParams, *, placed_at: int, is_cod: bool, lead_days: int, key: int
) -> PlannedOrder:
    """The life of one order placed outside the engine (a shopper's), with the engine's own
    dice: the same rules and rates as a simulated order's, from a stream seeded by `key`
    (derived from the order, so the same order always gets the same fate)."""
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(key, spawn_key=(_SHOPPER,))))
    shipped, at_door, outcome, outcome_at = _plan_outcomes(
        p,
        rng,
        np.array([placed_at], dtype=np.int64),
        np.array([is_cod]),
        np.array([max(0, lead_days)], dtype=np.int64),
    )
    return PlannedOrder(int(shipped[0]), int(at_door[0]), int(outcome[0]), int(outcome_at[0]))
