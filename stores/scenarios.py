"""The scenario library: lessons drawn from the seed documents, each a named recipe.

A recipe says which stores to create (a preset plus overrides), how many days of history to
simulate, which shocks to apply to which store and when, which 3-4 metrics tell the story, and
the question for the class. `services.scenarios.start_scenario` builds one for a class (its
stores named with a prefix, so several classes run side by side); `stores.debrief` reads it
back: the metrics side by side with intervals, the shocks, and a reading computed from the
data. docs/scenarios.md describes each one for the trainer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

D = Decimal


@dataclass(frozen=True)
class ScenarioStore:
    key: str  # the end of its slug: <prefix>-<key>
    preset: str
    name: str
    overrides: dict[str, Any] = field(default_factory=dict)
    role: str = ""  # what it stands for in the lesson


@dataclass(frozen=True)
class ScenarioShock:
    shock: str  # a key of stores.shocks.SHOCKS
    store: str  # a ScenarioStore.key
    start_day: int
    days: int | None | str = "usual"  # "usual": the shock's usual duration; None: open-ended
    metric: str = ""  # the metric its before/after reading watches (default: the first)


@dataclass(frozen=True)
class Scenario:
    key: str
    title: str
    question: str
    stores: tuple[ScenarioStore, ...]
    days: int  # history to simulate, ending today
    metrics: tuple[str, ...]  # keys of stores.metrics.METRICS, the story's figures
    shocks: tuple[ScenarioShock, ...] = ()
    seeds: str = ""  # the passage of the seed documents it illustrates
    expect: str = ""  # what the class should see (docs/scenarios.md; never shown as a reading)

    @property
    def baseline(self) -> str:
        return self.stores[0].key

    def store(self, key: str) -> ScenarioStore:
        return next(s for s in self.stores if s.key == key)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.key,
            "title": self.title,
            "question": self.question,
            "days": self.days,
            "stores": [
                {"key": s.key, "preset": s.preset, "name": s.name, "role": s.role,
                 "overrides": {k: _plain(v) for k, v in s.overrides.items()}}
                for s in self.stores
            ],
            "shocks": [
                {"shock": s.shock, "store": s.store, "start_day": s.start_day, "days": s.days,
                 "metric": s.metric}
                for s in self.shocks
            ],
            "metrics": list(self.metrics),
            "seeds": self.seeds,
        }  # fmt: skip


def _plain(value: Any) -> Any:
    return float(value) if isinstance(value, Decimal) else value


PREPAID = {"payment_methods": ["card"], "default_payment_method": "card", "cod_share": D("0")}

SCENARIOS: dict[str, Scenario] = {
    s.key: s
    for s in (
        Scenario(
            key="cod_vs_prepaid",
            title="COD vs prepaid vs a slow courier",
            question="Does cash on delivery's conversion uplift pay for the parcels refused at "
            "the door, and what does a slow courier do to the refusals?",
            stores=(
                ScenarioStore(
                    "cod",
                    "cod",
                    "COD store",
                    role="the COD preset: 75% of orders paid at the door, delivered in 2-4 days",
                ),
                ScenarioStore(
                    "prepaid",
                    "cod",
                    "Prepaid twin",
                    PREPAID,
                    role="the same store, market and courier with COD switched off",
                ),
                ScenarioStore(
                    "slow",
                    "cod",
                    "COD, slow courier",
                    {"delivery_days_min": 4, "delivery_days_max": 8},
                    role="the COD store with a courier taking 4-8 days",
                ),
            ),  # fmt: skip
            days=180,
            metrics=(
                "conversion_rate",
                "cod_refusal_rate",
                "contribution_per_session",
                "cash_lag_days",
            ),  # fmt: skip
            seeds="seed 002 (COD): 'about 20% of the goods delivered to customers are rejected "
            "and need to be returned to the warehouse'; seed 000: COD builds trust where "
            "digital payment is underdeveloped.",
            expect="COD converts about 30% better than its prepaid twin (intervals apart). About "
            "a fifth to a quarter of COD parcels are refused at the door, around a third with the "
            "slow courier. Contribution per session of the COD store and its twin is close "
            "(intervals overlap): the uplift about pays for the refusals, while the slow "
            "courier's extra refusals cost it up to 8 cents a session against the COD store (0 "
            "to 8 over seeds and store numbers: one history's noise can hide the gap). COD cash comes about 12 days after the order on "
            "average (two weeks after delivery), the twin's in 2.",
        ),
        Scenario(
            key="price_war",
            title="Product flooding vs vertical premium under a price war",
            question="When competitors cut prices, who loses more: the store selling the same "
            "commodity products, or the differentiated premium store?",
            stores=(
                ScenarioStore(
                    "flooding",
                    "general",
                    "Flooding store",
                    role="600 homogeneous SKUs at a 1.7x markup, price-sensitive buyers",
                ),
                ScenarioStore(
                    "premium",
                    "vertical_premium",
                    "Vertical premium",
                    {"ramp_days": 0, "price_pressure_per_year": D("0")},
                    role="one category, differentiated products at a 3.2x markup, "
                    "buyers who care less about price; an established brand (no ramp)",
                ),
            ),  # fmt: skip
            days=180,
            shocks=(
                ScenarioShock("price_war", "flooding", 60, None, metric="gross_margin"),
                ScenarioShock("competitor_undercut", "premium", 60, None, metric="conversion_rate"),
            ),  # fmt: skip
            metrics=(
                "contribution_margin",
                "gross_margin",
                "conversion_rate",
                "contribution_per_session",
            ),  # fmt: skip
            seeds="seed 001: identical products from 1688 lead to 'frequent price wars'; "
            "'product prices keep falling, significantly compressing profit margins'; seed 002: "
            "'if sellers want to get rid of price war, they must form differentiated competitive "
            "advantages'.",
            expect="From day 60 the flooding store matches a 15% price cut: its conversion "
            "holds but its gross margin falls by about ten points (from ~42% to ~32%) and its "
            "contribution per session turns negative; the premium store holds its prices and "
            "loses too little conversion for its intervals to tell (price elasticity 0.2), "
            "keeping a contribution margin near 50%.",
        ),
        Scenario(
            key="flooding_vs_premium",
            title="A year of product flooding against the move to premium",
            question="The flooding store's competitors keep cutting prices; a premium store pays "
            "for its brand up front. Which one is earning by the end of the year, and what if "
            "the premium store's reputation builds slowly?",
            stores=(
                ScenarioStore(
                    "flooding",
                    "general",
                    "Flooding store",
                    role="600 homogeneous SKUs at a fixed 1.7x markup; the market's prices "
                    "fall 15% a year",
                ),
                ScenarioStore(
                    "premium",
                    "vertical_premium",
                    "Premium, six-month ramp",
                    role="a few premium products at 3.2x; $150 a day of brand and content for "
                    "180 days while conversion and organic traffic rise from 40% to full",
                ),
                ScenarioStore(
                    "slow",
                    "vertical_premium",
                    "Premium, slow ramp",
                    {"ramp_days": 365, "ramp_start": D("0.1")},
                    role="the same premium store whose reputation builds over the whole year "
                    "from 10%, paying the brand budget every day of it",
                ),
            ),  # fmt: skip
            days=364,
            metrics=("contribution", "contribution_margin", "conversion_rate", "cash_low"),
            seeds="seed 001: 'as competition intensifies, product prices keep falling, "
            "significantly compressing profit margins'; sellers 'either failed in transitioning "
            "to a premium product strategy or continue to suffer losses on this path'; 'the "
            "strategy of incurring heavy current losses for hypothetical future profits is "
            "fundamentally unsuitable for most small and medium-sized sellers'.",
            expect="Over the year the flooding store loses money (a contribution margin of "
            "about -3%) and its conversion falls quarter by quarter as the market's prices drop "
            "under its fixed markup: its last quarter's margin is one to two points below its "
            "first (the daily charts show it; tests/test_competition.py measures it). The "
            "premium store with a six-month ramp loses money in its first months, paying $150 "
            "a day for its brand while selling to a fraction of its later audience, then earns: "
            "over the year its contribution is the largest by far (about $116,000 with seed 1, "
            "a margin near 38%). The same store with a slow ramp about breaks even over the "
            "year (a few thousand dollars) and its cash runs down to about zero: its $30,000 "
            "of capital is spent before the brand pays back. The transition often fails.",
        ),
        Scenario(
            key="single_product_ads",
            title="A single-product store rides paid social, then loses it",
            question="What happens to a store that lives on one winning ad when the audience "
            "tires of it and clicks get dearer?",
            stores=(
                ScenarioStore(
                    "rider",
                    "single_product",
                    "Hero product",
                    role="stops refreshing its creatives at day 60; CPCs jump at day 120",
                ),
                ScenarioStore(
                    "control",
                    "single_product",
                    "Hero product (control)",
                    role="the same store, refreshing its creatives, no CPC jump",
                ),
            ),  # fmt: skip
            days=240,
            shocks=(
                ScenarioShock("creative_burnout", "rider", 60, None, metric="cac"),
                ScenarioShock("cpc_jump", "rider", 120, None, metric="cac"),
            ),
            metrics=("cac", "roas", "contribution_per_session", "contribution"),
            seeds="seed 002: 'the initial traffic of independent stations is through burning "
            "money on advertising'; 'there are traffics but no sales'; seed 000: a "
            "single-product store needs 'significant investment'.",
            expect="Both stores buy customers through their ads at ~$16-17 (paid CAC) for 60 "
            "days. Then the rider's paid CAC climbs as fatigue compounds (~$29 over days 60-239) "
            "and again after the CPC jump (~$38 over days 120-239) while the control's stays at "
            "~$16: over the history the "
            "rider's ROAS is about 2 against 3, and its contribution per session about half the "
            "control's (intervals apart).",
        ),
        Scenario(
            key="dropship_courier_delay",
            title="Dropshipping through a courier delay",
            question="A dropshipper already ships in 10-30 days: what do two months of courier "
            "delays cost it, and for how long?",
            stores=(
                ScenarioStore(
                    "delayed",
                    "dropship",
                    "Dropship store",
                    role="its courier adds 7 days to every parcel sent on days 60-119",
                ),
                ScenarioStore(
                    "control",
                    "dropship",
                    "Dropship store (control)",
                    role="the same store, no delay",
                ),
            ),  # fmt: skip
            days=240,
            shocks=(ScenarioShock("courier_delay", "delayed", 60, 60, metric="returns_rate"),),
            metrics=(
                "returns_rate",
                "chargeback_rate",
                "contribution_margin",
                "contribution_per_session",
            ),  # fmt: skip
            seeds="seed 002 (drop-shipping): 'the biggest drawback' is 'the low profit margins'; "
            "seed 000: dropshipping is asset-light but depends on the supplier's shipping.",
            expect="Parcels sent during the delay arrive in ~27 days instead of ~20, so most "
            "miss the store's 25-day promise: refunds of late parcels rise from ~4% to ~12-15% "
            "of those orders and the returns rate of the delay's cohorts rises (with two months "
            "of a small store's orders the intervals may or may not separate: seed 1 shows +2 "
            "points within the noise, seed 2 +9 points beyond it); chargebacks follow weeks "
            "later. Over the whole history the two stores stay close: the damage is real but "
            "diluted in the totals, which is why the debrief also reads the delay's own days.",
        ),
        Scenario(
            key="brand_vs_marketplace",
            title="Brand DTC vs marketplace seller",
            question="The marketplace brings traffic; the brand owns its customers. What does "
            "each pay for it when the platform raises its commission?",
            stores=(
                ScenarioStore(
                    "brand",
                    "brand",
                    "DTC brand",
                    role="own site, email list and repeat buyers, pays for its ads",
                ),
                ScenarioStore(
                    "marketplace",
                    "marketplace",
                    "Marketplace seller",
                    {"platform_fee_rate": D("0.08")},
                    role="platform traffic, 8% commission until day 90, no customer "
                    "data, paid after delivery every 14 days",
                ),
            ),  # fmt: skip
            days=240,
            shocks=(
                ScenarioShock(
                    "platform_fee_hike", "marketplace", 90, None, metric="contribution_margin"
                ),
            ),  # fmt: skip
            metrics=(
                "contribution_margin",
                "repeat_order_share",
                "conversion_rate",
                "cash_lag_days",
            ),  # fmt: skip
            seeds="seed 002: on platforms 'platform commissions and advertising costs are also "
            "increasing significantly', with 'constantly iterative rules and changing "
            "policies'; an independent station keeps its customers' data; seed 003: platforms "
            "set the terms of semi-managed sellers.",
            expect="The brand converts better (~2.8% against ~2.5%) and keeps a contribution "
            "margin near 45% against the marketplace seller's ~15%. About a fifth of the "
            "brand's orders are repeat orders by past buyers coming back by email and direct "
            "(its list grows from nothing over the months); none of the seller's: the platform "
            "keeps the customer. The commission hike on day 90 takes about six points off the "
            "seller's contribution margin (from ~19% to ~13%, seed 1): the seven extra points "
            "of commission, within the days' noise. Its cash arrives "
            "~20 days after the order (the platform pays after delivery, every 14 days), the "
            "brand's in 2.",
        ),
        Scenario(
            key="payout_hold",
            title="A payment processor holds the money",
            question="Profit is not cash: what does a 30-day payout hold do to a healthy store?",
            stores=(
                ScenarioStore(
                    "held",
                    "brand",
                    "DTC brand (held)",
                    role="its processor holds the payouts of orders charged in its last 30 days",
                ),
                ScenarioStore(
                    "control",
                    "brand",
                    "DTC brand (control)",
                    role="the same store, paid out as usual",
                ),
            ),  # fmt: skip
            days=90,
            shocks=(ScenarioShock("payout_hold", "held", 60, 30, metric="cash_collected"),),
            metrics=(
                "cash_collected",
                "net_sales",
                "net_sales_per_session",
                "contribution_per_session",
            ),  # fmt: skip
            seeds="seed 001: 'in volatile markets, maintaining healthy cash flow is paramount'; "
            "'the strategy of incurring heavy current losses for hypothetical future profits is "
            "fundamentally unsuitable for most small and medium-sized sellers'.",
            expect="Sales and contribution per session are the control's (their intervals "
            "overlap), but by the end the held store has collected about 40% less cash: none of "
            "the money of its last 30 days' orders has arrived (its cash collected over those "
            "days is below zero: refunds still go out), although every one of those sales is "
            "booked. More than a third, because a brand's list of past buyers grows: its last "
            "30 days sell more than its first. What the held store lacks is exactly what the "
            "control collected over those days.",
        ),
    )
}


def get_scenario(key: str) -> Scenario:
    try:
        return SCENARIOS[key]
    except KeyError:
        raise ValueError(
            f"Unknown scenario {key!r}; choose one of: {', '.join(sorted(SCENARIOS))}."
        ) from None
