"""`manage.py scenario list | start | debrief | remove`: the scenario library from a terminal.

- `scenario list [--format json]`: each scenario's question, stores, shocks, history and metrics;
- `scenario start NAME --seed S [--prefix P] [--in-process] [--no-wait]`: create its stores,
  simulate their history on the workers (or here) with a progress bar, print the debrief URL;
- `scenario debrief ID [--format json]`: the debrief's figures, shocks and reading;
- `scenario remove ID`: delete its stores, run and orders (nothing else).

It extends `simulate`, whose progress bar and per-store summary it shows.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.urls import reverse

from stores import services
from stores.debrief import Debrief, build_debrief
from stores.forms_scenarios import StartScenarioForm
from stores.metrics import METRIC_BY_KEY, plain
from stores.models import RunStatus, ScenarioRun
from stores.scenarios import SCENARIOS
from stores.services import BrokerUnavailable
from stores.services.broker import check_broker
from stores.services.scenarios import remove_scenario, start_scenario
from stores.shocks import SHOCKS, get_shock

from .simulate import WITHOUT_A_WORKER, positive_int
from .simulate import Command as SimulateCommand

SITE = "http://127.0.0.1:8000"  # where `make run` serves the site


class Command(SimulateCommand):
    help = "List, start, debrief or remove the scenarios of the library."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        listing = actions.add_parser("list", help="The scenarios and their questions.")
        listing.add_argument("--format", default="table", choices=("table", "json", "markdown"))
        start = actions.add_parser("start", help="Create a scenario's stores and history.")
        start.add_argument("name", help="A scenario's name (scenario list).")
        start.add_argument("--seed", required=True, help="Random seed (same seed, same rows).")
        start.add_argument("--prefix", default="", help="Starts its stores' names and slugs.")
        start.add_argument("--in-process", action="store_true", help="Write it here, no worker.")
        start.add_argument("--no-wait", action="store_true", help="Dispatch and return at once.")
        debrief = actions.add_parser("debrief", help="Print a started scenario's debrief.")
        debrief.add_argument("id", help="The started scenario's number (scenario start says).")
        debrief.add_argument("--format", default="table", choices=("table", "json"))
        remove = actions.add_parser("remove", help="Delete a scenario's stores, run and orders.")
        remove.add_argument("id")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['action']}")(options)

    def _list(self, options: dict[str, Any]) -> None:
        if options["format"] == "json":
            self.stdout.write(json.dumps([s.as_dict() for s in SCENARIOS.values()], indent=2))
            return
        if options["format"] == "markdown":
            self.stdout.write(scenarios_markdown())
            return
        for s in SCENARIOS.values():
            self.stdout.write(f"{s.key}  {s.title} ({len(s.stores)} stores, {s.days} days)")
            self.stdout.write(f"  question: {s.question}")
            stores = ", ".join(f"{r.name} ({r.preset})" for r in s.stores)
            self.stdout.write(f"  stores:   {stores}")
            shocks = ", ".join(f"{x.shock} on {x.store} from day {x.start_day}" for x in s.shocks)
            self.stdout.write(f"  shocks:   {shocks or 'none'}")
            self.stdout.write(f"  metrics:  {', '.join(s.metrics)}")
            self.stdout.write("")

    def _start(self, options: dict[str, Any]) -> None:
        form = StartScenarioForm(
            {"scenario": options["name"], "seed": options["seed"], "prefix": options["prefix"]}
        )
        if not form.is_valid():
            raise CommandError(form.error_text())
        if not options["in_process"]:
            # Before its stores are created: with Redis down they stayed behind, with a failed
            # run, and the command ended in a traceback.
            try:
                check_broker()
            except BrokerUnavailable as exc:
                raise CommandError(exc.explain(WITHOUT_A_WORKER)) from None
        data = form.cleaned_data
        started = start_scenario(data["scenario"], seed=data["seed"], prefix=data["prefix"])
        run = started.run
        self.stdout.write(
            f"Scenario #{started.pk} ({started.prefix}): {SCENARIOS[started.scenario].title}; "
            f"run #{run.pk}, {run.days} days from {run.start_date}, seed {run.seed}."
        )
        for store in started.stores.order_by("pk"):
            self.stdout.write(f"  store: {store.name} ({store.slug})")
        for shock in run.shocks.select_related("store", "run"):
            self.stdout.write(f"  shock: {shock.label} on {shock.store.slug} from day "
                              f"{shock.start_day} ({shock.start_date})")  # fmt: skip
        url = reverse("scenarios:debrief", args=[started.pk])
        if options["in_process"]:
            services.run_in_process(run, on_progress=self._draw)
        else:
            services.dispatch_run(run)
            if options["no_wait"]:
                self.stdout.write(f"Dispatched. Debrief: {SITE}{url} (follows the run).")
                return
        run = self._wait(run)
        self.stdout.write("")
        if run.status != RunStatus.DONE:
            raise CommandError(f"Run #{run.pk} ended {run.status}. {run.error}".strip())
        self._summary(run)
        self.stdout.write(f"Debrief: {SITE}{url}  (or: manage.py scenario debrief {started.pk})")

    def _started(self, value: str) -> ScenarioRun:
        number = positive_int(value)
        started = ScenarioRun.objects.select_related("run").filter(pk=number).first()
        if started is None:
            raise CommandError(f"No started scenario #{number}.")
        return started

    def _debrief(self, options: dict[str, Any]) -> None:
        report = build_debrief(self._started(options["id"]))
        if options["format"] == "json":
            self.stdout.write(json.dumps(debrief_record(report), indent=2, default=str))
            return
        if not report.ready:
            run = report.run
            state = (
                f"run #{run.pk} is {run.status}, {run.chunks_done}/{run.chunks_total}"
                if run
                else "no run"
            )
            raise CommandError(f"No debrief yet: {state}.")
        width = max(len(s.name) for s in report.stores)
        self.stdout.write(f"{report.scenario.title}: {report.scenario.question}\n")
        self.stdout.write(
            f"{'':28}" + "".join(f"{s.name[-width:]:>{width + 2}}" for s in report.stores)
        )
        for row in report.rows:
            cells = "".join(
                f"{f.text + ('*' if f.leads else ''):>{width + 2}}" for f in row.figures
            )
            self.stdout.write(f"{row.metric.label:28}{cells}")
        self.stdout.write("(* ahead on that figure)\n")
        for mark in report.marks:
            self.stdout.write(f"shock: {mark.label} on {mark.store_slug}, {mark.start} to "
                              f"{mark.end or 'the end'}: {mark.changes}")  # fmt: skip
        self.stdout.write("\n" + report.reading)

    def _remove(self, options: dict[str, Any]) -> None:
        started = self._started(options["id"])
        name = str(started)
        removed = remove_scenario(started)
        self.stdout.write(
            f"Removed {name}: {removed.stores} stores, {removed.runs} run(s), "
            f"{removed.orders} orders."
        )


def scenarios_markdown() -> str:
    """docs/scenarios.md: every scenario for the trainer, and the shock library."""
    lines = [
        "# Scenarios: lessons drawn from the seed documents",
        "",
        "Generated by `python manage.py scenario list --format markdown > docs/scenarios.md` from",
        "`stores/scenarios.py` and `stores/shocks.py`; a test fails when they disagree.",
        "",
        "A scenario is a recipe: stores from presets (plus overrides), days of history ending",
        "today, shocks on a timeline, the 3-4 metrics that tell the story, and the question for",
        "the class. Start one from the admin (*Scenario runs > Start a scenario*) or with",
        "`python manage.py scenario start NAME --seed S [--prefix P] [--in-process]`: it creates",
        "its stores (named with a prefix, `S<number>` by default, so several classes run side by",
        "side), simulates the history on the workers and opens the debrief at `/scenarios/<id>/`:",
        "the metrics side by side with 95% intervals, the shocks with their dates, and a reading",
        "computed from the figures (who led on what, by how much, whether the intervals say the",
        "gap is real, and what each shock did to its metric against the days before it and the",
        "unshocked twin). `python manage.py scenario debrief ID [--format json]` prints the same.",
        "*Remove* in the admin, or `scenario remove ID`, deletes a scenario's stores, run and",
        "orders, and nothing else.",
        "",
        '"What the class should see" was read from seed 1 in a fresh database. A store\'s',
        "number is part of its random streams, so another seed, or stores created before it",
        "(other numbers), move the figures within their intervals; the tests check these",
        'claims with other numbers too. A twin store ("control") draws the same demand shocks as the',
        "store it mirrors (common random numbers) but its own visitors and orders, so twins",
        "differ a little even without a shock: the intervals say by how much is noise.",
        "",
    ]
    for s in SCENARIOS.values():
        lines += [f"## {s.title} (`{s.key}`)", "", f"**Question.** {s.question}", ""]
        lines += ["| store | preset | overrides | in the lesson |", "|---|---|---|---|"]
        for r in s.stores:
            overrides = ", ".join(f"{k} = {_text(v)}" for k, v in r.overrides.items()) or "none"
            lines.append(f"| {r.name} | {r.preset} | {overrides} | {r.role} |")
        lines += ["", f"**History.** {s.days} days, ending today.", ""]
        if s.shocks:
            lines += [
                "| shock | store | from day | for | what it changes |",
                "|---|---|---|---|---|",
            ]
            for x in s.shocks:
                shock = get_shock(x.shock)
                days = shock.days if x.days == "usual" else x.days
                span = "the rest of the history" if days is None else f"{days} days"
                store = s.store(x.store).name
                lines.append(f"| {shock.label} | {store} | {x.start_day} | {span} | "
                             f"{shock.changes_text} |")  # fmt: skip
        else:
            lines.append("**Shocks.** None: the stores differ by their parameters only.")
        labels = ", ".join(f"{METRIC_BY_KEY[k].label} (`{k}`)" for k in s.metrics)
        lines += [
            "",
            f"**Metrics.** {labels}.",
            "",
            f"**From the seeds.** {s.seeds}",
            "",
            f"**What the class should see.** {s.expect}",
            "",
            f"Start it: `python manage.py scenario start {s.key} --seed 1`",
            "",
        ]
    lines += [
        "## The shock library",
        "",
        "`python manage.py shock list [--format json]`; apply one in a run with",
        "`simulate --shock NAME:STORE_SLUG:START_DAY[:DAYS]` (START_DAY counts from the run's",
        "first day; DAYS defaults to the shock's usual duration, `open` for no end), to stores'",
        "live traffic with `shock live NAME --stores a,b` or the admin action *Apply a shock*.",
        "Changes to traffic, funnel and prices apply to each day's visits; changes to an order's",
        "terms (fees, delivery days, payout delay) to the orders placed on those days, for their",
        "whole life. A run records its shocks, so it is explained and re-simulated identically.",
        "",
        "| shock | changes | usual duration | what happens | mimics | source |",
        "|---|---|---|---|---|---|",
    ]
    for shock in SHOCKS.values():
        lines.append(
            f"| {shock.label} (`{shock.key}`) | `{shock.changes_text}` | {shock.duration_text} "
            f"| {shock.summary} | {shock.mimics} | {shock.source} |"
        )
    return "\n".join(lines)


def _text(value: Any) -> str:
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value)


def debrief_record(report: Debrief) -> dict[str, Any]:
    """A debrief as plain values, for scripts."""
    run = report.run
    return {
        "scenario": report.scenario.key,
        "title": report.scenario.title,
        "question": report.scenario.question,
        "prefix": report.started.prefix,
        "seed": report.started.seed,
        "run": run.pk if run else None,
        "status": run.status if run else None,
        "stores": [{"slug": s.slug, "name": s.name} for s in report.stores],
        "metrics": [
            {
                "metric": row.metric.key,
                "figures": [
                    {
                        "slug": f.slug,
                        "value": plain(f.value),
                        "low": f.interval.low if f.interval else None,
                        "high": f.interval.high if f.interval else None,
                        "leads": f.leads,
                        "provisional": f.provisional,
                    }
                    for f in row.figures
                ],
                "reading": row.sentence,
            }
            for row in report.rows
        ],
        "shocks": [m.as_dict() for m in report.marks],
        "effects": [e.sentence for e in report.effects],
        "reading": report.reading,
    }
