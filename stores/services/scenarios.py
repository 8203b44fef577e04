"""Scenarios for a class: start one from the library (its stores, its run with its shocks),
and remove one (its stores, runs and orders, nothing else).

The recipes live in stores/scenarios.py; the debrief reads a started scenario back
(stores/debrief.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from ..models import DailyFunnel, Order, OrderLine, ScenarioRun, SimulationRun, Store
from ..scenarios import Scenario, get_scenario
from .runs import create_run
from .shocks import USUAL, ShockRequest
from .stores import create_store_from_preset

PREFIX_MAX = 20


def scenario_slugs(scenario: Scenario, prefix: str) -> list[str]:
    """The slugs of a scenario's stores under a prefix: <prefix>-<store key>."""
    base = slugify(prefix)[:PREFIX_MAX]
    return [f"{base}-{s.key.replace('_', '-')}" for s in scenario.stores]


def check_prefix(scenario: Scenario, prefix: str) -> None:
    """Refuse a prefix that makes no slug or whose stores exist already (ValidationError)."""
    if not slugify(prefix):
        raise ValidationError(
            {"prefix": "Use letters or digits (the stores' slugs start with it)."}
        )
    taken = Store.objects.filter(slug__in=scenario_slugs(scenario, prefix)).values_list(
        "slug", flat=True
    )
    if taken:
        raise ValidationError(
            {"prefix": f"Stores {', '.join(sorted(taken))} exist already: choose another prefix."}
        )


@transaction.atomic
def start_scenario(key: str, *, seed: int, prefix: str = "") -> ScenarioRun:
    """Create a scenario's stores and its pending run (with the recipe's shocks recorded).

    The caller dispatches the run (services.dispatch_run) or writes it in process
    (services.run_in_process). Without a prefix the stores' names start with "S<number>".
    Raises ValueError or ValidationError naming the bad input; nothing is saved then.
    """
    scenario = get_scenario(key)
    started = ScenarioRun.objects.create(scenario=key, prefix=prefix or "-", seed=seed)
    prefix = prefix or f"S{started.pk}"
    check_prefix(scenario, prefix)
    stores = {}
    for recipe, slug in zip(scenario.stores, scenario_slugs(scenario, prefix), strict=True):
        stores[recipe.key] = create_store_from_preset(
            recipe.preset, name=f"{prefix} {recipe.name}"[:120], slug=slug, **recipe.overrides
        )
    run = create_run(
        days=scenario.days,
        seed=seed,
        stores=list(stores.values()),
        shocks=[
            ShockRequest(
                s.shock, stores[s.store], s.start_day, USUAL if s.days == "usual" else s.days
            )
            for s in scenario.shocks
        ],
    )
    started.prefix, started.run = prefix, run
    started.save(update_fields=["prefix", "run"])
    started.stores.set(stores.values())
    return started


@dataclass(frozen=True)
class RemovedScenario:
    stores: int
    runs: int
    orders: int


@transaction.atomic
def remove_scenario(started: ScenarioRun) -> RemovedScenario:
    """Delete a started scenario's stores (with their orders, funnel rows, shocks) and its run.

    Touches nothing outside it: another scenario's stores and runs, the demo stores and their
    runs stay as they were (a run that also covered other stores keeps their rows).
    """
    store_ids = list(started.stores.values_list("pk", flat=True))
    orders = Order.objects.filter(store_id__in=store_ids)
    count = orders.count()
    OrderLine.objects.filter(order__store_id__in=store_ids).delete()
    orders.delete()
    DailyFunnel.objects.filter(store_id__in=store_ids).delete()
    runs = SimulationRun.objects.filter(pk=started.run_id)
    # The scenario's run, unless someone added other stores' rows to it since.
    runs = runs.exclude(stores__in=Store.objects.exclude(pk__in=store_ids))
    run_count = runs.count()
    runs.delete()
    Store.objects.filter(pk__in=store_ids).delete()
    started.delete()
    return RemovedScenario(stores=len(store_ids), runs=run_count, orders=count)
