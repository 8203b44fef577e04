"""An experiment's figures: StoreFigures per store x replication (x sweep point), and across seeds
the mean, the 5-95% band and how often each store came out ahead of the baseline.

The figures are built from ExperimentDay rows, whose columns are DailyFunnel's under the same
names, read with compare_stores' rules (each store's maturity dates from its own date rules, as
of Experiment.settled_as_of: every cohort is mature), so every figure is the ledger's and
StoreFigures' definition: one replication's figures equal those of a run with its seed once its
orders settled (tests/test_experiments.py holds them equal).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
from django.db.models import Count, Max, Q, Sum

from ..models import (
    EXPERIMENT_COUNT_FIELDS,
    EXPERIMENT_MONEY_FIELDS,
    Experiment,
    ExperimentDay,
    Product,
    Store,
)
from ..services.engine_params import timeline_rules
from ..services.experiments import SweepParam, number, store_variant
from .definitions import (
    CASH_KEYS,
    LAGGED,
    METRIC_BY_KEY,
    METRICS,
    SETTLED,
    MetricDef,
    mature_through,
)
from .exports import RECORD_KEYS, plain
from .figures import StoreFigures

# The figures an experiment reports: every figure of `compare --format json` but the store's
# name and model, under the same keys; but the cash balance, which needs the order rows (an
# experiment keeps each store's daily figures only).
EXPERIMENT_KEYS = tuple(k for k in RECORD_KEYS if k not in ("slug", "name", "model", *CASH_KEYS))
# The metrics a person can pick for an experiment (the page's picker, the command's --metric):
# a cash figure is not among them, since an experiment has none to show.
EXPERIMENT_METRICS = tuple(m for m in METRICS if m.key in EXPERIMENT_KEYS)
# Deleting a store deletes its figures in every experiment: one whose stores are all gone has
# nothing to show (summarise would return points with no store in them).
STORES_GONE = "Experiment #{pk} has no figures left: its store(s) were deleted."
# Figures with a better direction, for "ahead of the baseline" (sessions or ad spend are not
# better or worse for being higher; neither is a cost line on its own).
DIRECTED = tuple(
    m.key for m in METRICS if m.higher_is_better is not None and m.key not in CASH_KEYS
)
BAND = (5, 95)  # percentiles of the band across replications
# The figures a summary table shows first (the command's table, the page's table).
SUMMARY_KEYS = ("conversion_rate", "orders", "net_sales", "cod_refusal_rate", "returns_rate",
                "contribution", "contribution_margin")  # fmt: skip

Key = tuple[int, int, int]  # (point, replication, store id)


def experiment_figures(experiment: Experiment) -> dict[Key, StoreFigures]:
    """StoreFigures for every point x replication x store with rows. The maturity dates come
    from each store's date rules at its sweep point, as compare_stores takes them from the
    store's."""
    stores = list(experiment.stores.all())
    leads = dict(
        Product.objects.filter(store__in=stores, is_active=True)
        .values("store_id")
        .annotate(lead=Max("supplier_lead_days"))
        .values_list("store_id", "lead")
        .order_by()
    )
    out: dict[Key, StoreFigures] = {}
    # A query per sweep point x store, whose maturity dates are constants there: one query with
    # a date per point and store in every row's filter cost several times more on SQLite.
    for point in range(experiment.point_count):
        for store in stores:
            rules = timeline_rules(point_store(experiment, store, point), leads.get(store.id) or 0)
            cutoffs = mature_through(rules, experiment.settled_as_of(rules))
            rows = ExperimentDay.objects.filter(experiment=experiment, point=point, store=store)
            for v in rows.values("replication").annotate(**_sums(cutoffs)).order_by():
                out[(point, v["replication"], store.id)] = _figures(store, cutoffs, v)
    return out


def _sums(cutoffs: dict[str, date]) -> dict[str, Any]:
    """Every column summed; the lagged outcomes' columns over their mature cohorts; the orders
    of cohorts whose money can still change."""
    sums = {f"t_{c}": Sum(c) for c in EXPERIMENT_COUNT_FIELDS + EXPERIMENT_MONEY_FIELDS}
    for o in LAGGED:
        mature = Q(date__lte=cutoffs[o.key])
        sums.update({f"m_{o.key}_{c}": Sum(c, filter=mature) for c in o.columns})
    sums["unsettled_orders"] = Sum("orders", filter=Q(date__gt=cutoffs[SETTLED]))
    sums["day_count"] = Count("id")
    return sums


def _figures(store: Store, cutoffs: dict[str, date], v: dict[str, Any]) -> StoreFigures:
    fig = StoreFigures(
        slug=store.slug,
        name=store.name,
        model=store.business_model,
        model_label=store.get_business_model_display(),
        colour=store.primary_colour,
        store_id=store.id,
        mature_through=cutoffs,
    )
    fig.totals = {c: int(v[f"t_{c}"] or 0) for c in EXPERIMENT_COUNT_FIELDS}
    fig.totals.update({c: _money(v[f"t_{c}"]) for c in EXPERIMENT_MONEY_FIELDS})
    fig.paid_net_sales = fig.totals.pop("paid_net_sales")
    fig.paid_new_customers = fig.totals.pop("paid_new_customers")
    fig.mature = {o.key: {c: int(v[f"m_{o.key}_{c}"] or 0) for c in o.columns} for o in LAGGED}
    fig.unsettled = bool(v["unsettled_orders"])
    fig.days = v["day_count"]
    return fig


def point_store(experiment: Experiment, store: Store, point: int) -> Store:
    """The store as sweep point `point` sees it (an unsaved copy), or the store itself."""
    if not experiment.is_sweep:
        return store
    param = SweepParam.of(experiment.param)
    if param.channel:
        return store
    value = param.parse(experiment.values[point])
    return store_variant(store, param, value, channels=[], products=[]).store


def _money(cents: int | None) -> Decimal:
    return Decimal(int(cents or 0)).scaleb(-2)


# --- Across replications ------------------------------------------------------------------------


@dataclass
class Band:
    """One figure across replications: mean and the 5th and 95th percentiles (linear
    interpolation), over the replications where the figure exists; `n` of them."""

    mean: Any
    p5: Any
    p95: Any
    n: int

    def record(self) -> dict[str, Any]:
        return {"mean": plain(self.mean), "p5": plain(self.p5), "p95": plain(self.p95)}


def band(values: list[Any]) -> Band:
    known = [v for v in values if v is not None]
    if not known:
        return Band(None, None, None, 0)
    xs = np.array([float(v) for v in known])
    mean, p5, p95 = float(xs.mean()), *(float(np.percentile(xs, q)) for q in BAND)
    if isinstance(known[0], Decimal):  # money stays money: to the cent, as compare gives it
        mean, p5, p95 = (Decimal(f"{x:.2f}") + 0 for x in (mean, p5, p95))
    return Band(mean, p5, p95, len(known))


def is_ahead(metric: MetricDef, value: Any, base: Any) -> bool:
    """Strictly better than the baseline in the metric's direction (a tie is not ahead)."""
    if metric.higher_is_better:
        return value > base
    return value < base


@dataclass
class StoreOutcome:
    slug: str
    name: str
    model: str
    colour: str
    is_baseline: bool
    figures: list[StoreFigures]  # one per replication, in seed order (missing ones left out)
    bands: dict[str, Band] = field(default_factory=dict)
    # Per directed metric: replications where this store beat the baseline, out of `compared`
    # (those where both have the figure); None for the baseline itself.
    ahead: dict[str, int | None] = field(default_factory=dict)
    compared: dict[str, int] = field(default_factory=dict)

    def metrics_record(self) -> dict[str, dict[str, Any]]:
        return {key: self.bands[key].record() for key in EXPERIMENT_KEYS}

    def ahead_record(self) -> dict[str, int] | None:
        if self.is_baseline:
            return None
        return {key: self.ahead[key] for key in DIRECTED if self.ahead[key] is not None}


@dataclass
class PointOutcome:
    index: int
    value: Any  # the sweep's value at this point (None for replications)
    stores: list[StoreOutcome]

    def store(self, slug: str) -> StoreOutcome:
        return next(s for s in self.stores if s.slug == slug)


@dataclass
class ExperimentOutcome:
    experiment: Experiment
    points: list[PointOutcome]
    baseline: str | None
    replications_done: int  # replications with figures for every store and point

    @property
    def complete(self) -> bool:
        return self.replications_done == self.experiment.replications

    def best_point(self, key: str, slug: str | None = None) -> PointOutcome | None:
        """The sweep point whose mean is best for `key` (None for a figure with no direction)."""
        metric = METRIC_BY_KEY.get(key)
        if metric is None or metric.higher_is_better is None:
            return None
        slug = slug or self.baseline
        scored = [(p, p.store(slug).bands[key].mean) for p in self.points]
        scored = [(p, m) for p, m in scored if m is not None]
        if not scored:
            return None
        pick = max if metric.higher_is_better else min
        return pick(scored, key=lambda pm: pm[1])[0]

    def replicate_record(self) -> dict[str, Any]:
        """`experiment replicate --format json`: {"seeds", "baseline", "stores": [{"slug",
        "model", "metrics": {key: {"mean", "p5", "p95"}}, "ahead_of_baseline": {key: n}}]}."""
        point = self.points[0]
        return {
            "seeds": self.experiment.replications,
            "baseline": self.baseline,
            "stores": [
                {
                    "slug": s.slug,
                    "model": s.model,
                    "metrics": s.metrics_record(),
                    "ahead_of_baseline": s.ahead_record(),
                }
                for s in point.stores
            ],
        }

    def sweep_record(self) -> dict[str, Any]:
        """`experiment sweep --format json`: {"param", "seeds", "points": [{"value", "stores":
        [{"slug", "metrics": {key: {"mean", "p5", "p95"}}}]}]}."""
        return {
            "param": self.experiment.param,
            "seeds": self.experiment.replications,
            "points": [
                {
                    "value": number(p.value),
                    "stores": [{"slug": s.slug, "metrics": s.metrics_record()} for s in p.stores],
                }
                for p in self.points
            ],
        }

    def record(self) -> dict[str, Any]:
        return self.sweep_record() if self.experiment.is_sweep else self.replicate_record()

    def rows(self) -> list[dict[str, Any]]:
        """Flat rows for CSV: one per point x store x figure."""
        out = []
        for p in self.points:
            for s in p.stores:
                for key in EXPERIMENT_KEYS:
                    b = s.bands[key]
                    row = {"value": number(p.value), "slug": s.slug, "metric": key}
                    row.update(b.record())
                    row["replications"] = b.n
                    ahead = s.ahead.get(key)
                    row["ahead_of_baseline"] = ahead
                    row["compared"] = s.compared.get(key) if ahead is not None else None
                    out.append(row)
        return out


CSV_KEYS = ("value", "slug", "metric", "mean", "p5", "p95", "replications",
            "ahead_of_baseline", "compared")  # fmt: skip


def summarise(experiment: Experiment) -> ExperimentOutcome:
    """Bands and counts across the replications written so far (all of them once done)."""
    figures = experiment_figures(experiment)
    stores = list(experiment.stores.order_by("name", "id"))
    baseline = experiment.baseline if experiment.baseline_id else (stores[0] if stores else None)
    if baseline is not None:  # the baseline first, then the others by name
        stores.sort(key=lambda s: s.pk != baseline.pk)
    param = SweepParam.of(experiment.param) if experiment.is_sweep else None
    complete = [
        r
        for r in range(experiment.replications)
        if all((p, r, s.id) in figures for p in range(experiment.point_count) for s in stores)
    ]
    points = []
    for p in range(experiment.point_count):
        value = param.parse(experiment.values[p]) if param else None
        outcomes = []
        base_figs = [figures[(p, r, baseline.id)] for r in complete] if baseline else []
        for store in stores:
            figs = [figures[(p, r, store.id)] for r in complete]
            outcome = StoreOutcome(
                slug=store.slug,
                name=store.name,
                model=store.business_model,
                colour=store.primary_colour,
                is_baseline=baseline is not None and store.pk == baseline.pk,
                figures=figs,
                bands={key: band([f.value(key) for f in figs]) for key in EXPERIMENT_KEYS},
            )
            for key in DIRECTED:
                if outcome.is_baseline:
                    outcome.ahead[key] = None
                    continue
                pairs = [
                    (f.value(key), b.value(key))
                    for f, b in zip(figs, base_figs, strict=True)
                    if f.value(key) is not None and b.value(key) is not None
                ]
                outcome.compared[key] = len(pairs)
                outcome.ahead[key] = (
                    sum(is_ahead(METRIC_BY_KEY[key], v, b) for v, b in pairs) if pairs else None
                )
            outcomes.append(outcome)
        points.append(PointOutcome(index=p, value=value, stores=outcomes))
    return ExperimentOutcome(
        experiment=experiment,
        points=points,
        baseline=baseline.slug if baseline else None,
        replications_done=len(complete),
    )


def store_figures_by_replication(
    experiment: Experiment, store: Store, point: int = 0
) -> dict[int, StoreFigures]:
    """One store's figures per replication at one sweep point."""
    figures = experiment_figures(experiment)
    return {r: fig for (p, r, s), fig in figures.items() if p == point and s == store.id}
