"""`manage.py experiment`: replications over seeds and one-parameter sweeps, on the workers.

    experiment replicate --stores A,B --seeds 20 --days 365 [--baseline A] [--format json]
    experiment sweep --store S --param NAME --values 1,2,4,8 --seeds 10 [--format json]
    experiment show ID | resume ID | cancel ID

The experiment's chunks go to the Celery workers (`--in-process` runs them here instead) while a
progress bar follows them; then the figures across seeds print as a table, CSV or JSON (the
shapes in docs/experiments.md, with the metric names of `compare --format json`). Bad store
names, parameters or values are refused before anything is queued, with the same messages as
the dashboard's form. Ctrl-C leaves the experiment running on the workers: `experiment resume
ID` follows it again (and re-queues what a dead worker left), `experiment cancel ID` stops it.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from stores.formatting import metric_value
from stores.forms_experiments import DEFAULT_DAYS, DEFAULT_SEEDS, ReplicateForm, SweepForm
from stores.metrics import METRIC_BY_KEY
from stores.metrics.experiments import (
    CSV_KEYS,
    DIRECTED,
    EXPERIMENT_METRICS,
    STORES_GONE,
    SUMMARY_KEYS,
    ExperimentOutcome,
    summarise,
)
from stores.models import Experiment, RunStatus
from stores.services import BrokerUnavailable, experiments
from stores.services.broker import check_broker
from stores.services.runs import check_dates

from .simulate import WITHOUT_A_WORKER, named_slugs

FORMATS = ("table", "csv", "json")
BAR_WIDTH = 30
STALL_HINT_SECONDS = 20


class Command(BaseCommand):
    help = "Replicate stores over many seeds, or sweep one parameter of a store over values."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)

        def common(p: CommandParser) -> None:
            p.add_argument("--seeds", default=str(DEFAULT_SEEDS), help="Replications (seeds).")
            p.add_argument("--days", default=str(DEFAULT_DAYS), help="Days simulated (1-3650).")
            p.add_argument("--seed", default="1", help="First seed; replication r uses seed + r.")
            p.add_argument("--start", default="", help="First day, YYYY-MM-DD (default: DAYS ago).")
            p.add_argument("--no-crn", action="store_true",
                           help="Each store its own demand stream (no common random numbers).")  # fmt: skip
            p.add_argument("--chunk-days", default="", help=argparse.SUPPRESS)
            output(p)
            p.add_argument("--in-process", action="store_true", help="Run here, no worker.")
            p.add_argument("--no-wait", action="store_true", help="Queue it and return at once.")

        def output(p: CommandParser) -> None:
            p.add_argument("--format", default="table", choices=FORMATS)
            p.add_argument(
                "--metric",
                default="contribution",
                help="The table's best value of a sweep is the best mean of this figure.",
            )

        replicate = sub.add_parser("replicate", help="The same stores over many seeds.")
        replicate.add_argument(
            "--stores", default=None, help="Comma-separated store slugs (default: every active)."
        )
        replicate.add_argument("--baseline", default="", help="Store slug compared against.")
        common(replicate)
        sweep = sub.add_parser("sweep", help="One parameter of one store over values.")
        sweep.add_argument("--store", default="", help="Store slug.")
        sweep.add_argument("--param", default="", help="Store field or channel.field.")
        sweep.add_argument("--values", default="", help="Comma-separated values.")
        common(sweep)
        for name, text in (
            ("show", "Print an experiment's figures."),
            ("resume", "Re-queue an experiment's unfinished chunks and follow it."),
            ("cancel", "Stop an experiment: workers skip its chunks not yet done."),
        ):
            p = sub.add_parser(name, help=text)
            p.add_argument("id", help="Experiment number.")
            if name != "cancel":
                output(p)
            if name == "resume":
                p.add_argument("--in-process", action="store_true", help="Run here, no worker.")

    def handle(self, *args: Any, **options: Any) -> None:
        self.progress_out = (
            self.stdout if options.get("format", "table") == "table" else self.stderr
        )
        picked = options.get("metric")
        if picked and picked not in {m.key for m in EXPERIMENT_METRICS}:
            # A cash figure is a metric of `compare`, not of an experiment: say which these are.
            raise CommandError(
                f"--metric {picked[:40]!r} is not a metric of an experiment "
                f"({', '.join(sorted(m.key for m in EXPERIMENT_METRICS))})."
            )
        action = options["action"]
        if action in ("replicate", "sweep"):
            experiment = self._create(action, options)
            self.progress_out.write(
                f"Experiment #{experiment.pk}: {experiment.replications} seed(s) from "
                f"{experiment.seed}, {experiment.days} days from {experiment.start_date}, "
                f"{experiment.chunks_total} chunks."
            )
            if options["in_process"]:
                experiments.run_experiment_in_process(experiment, on_progress=self._draw)
            else:
                experiments.dispatch_experiment(experiment)
                if options["no_wait"]:
                    self.progress_out.write(
                        f"Queued; follow it with `manage.py experiment resume {experiment.pk}`."
                    )
                    return
        else:
            experiment = self._get(options["id"])
            if action == "cancel":
                cancelled = experiments.cancel_experiment(experiment.pk)
                self.stdout.write(
                    f"Experiment #{experiment.pk} cancelled."
                    if cancelled
                    else f"Experiment #{experiment.pk} had already ended ({experiment.status})."
                )
                return
            if action == "resume":
                try:  # one created before its dates were checked can never be written
                    check_dates(experiment.start_date, experiment.days)
                except ValueError as exc:
                    text = f"Experiment #{experiment.pk} cannot be resumed. {exc}"
                    raise CommandError(text) from None
                if options["in_process"]:
                    experiments.run_experiment_in_process(experiment, on_progress=self._draw)
                else:
                    try:
                        queued = experiments.resume_experiment(experiment.pk)
                    except BrokerUnavailable as exc:
                        raise CommandError(exc.explain(WITHOUT_A_WORKER)) from None
                    self.progress_out.write(f"Re-queued {queued} unfinished chunk(s).")
        if action != "show" and experiment.is_active:
            experiment = self._wait(experiment)
            self.progress_out.write("")
        experiment.refresh_from_db()
        if experiment.status != RunStatus.DONE and action != "show":
            raise CommandError(
                f"Experiment #{experiment.pk} ended {experiment.status}. {experiment.error}".strip()
            )
        if not experiment.stores.exists():
            raise CommandError(STORES_GONE.format(pk=experiment.pk))
        self._print(summarise(experiment), options)

    def _create(self, action: str, options: dict) -> Experiment:
        data = {
            "seeds": options["seeds"],
            "days": options["days"],
            "seed": options["seed"],
            "start": options["start"],
            "independent_demand": options["no_crn"],
        }
        if action == "replicate":
            form = ReplicateForm(
                {
                    **data,
                    "stores": ",".join(named_slugs(options["stores"])),
                    "baseline": options["baseline"],
                }  # fmt: skip
            )
        else:
            form = SweepForm(
                {**data, "store": options["store"], "param": options["param"],
                 "values": options["values"]}
            )  # fmt: skip
        if not form.is_valid():
            raise CommandError(form.error_text())
        chunk_days = options["chunk_days"]
        if chunk_days and not chunk_days.isdigit():
            raise CommandError(f"--chunk-days {chunk_days!r} is not a whole number.")
        if not options["in_process"]:
            self._check_broker()  # before anything is created: none left "running", unqueued
        return form.create(chunk_days=int(chunk_days) if chunk_days else None)

    def _check_broker(self) -> None:
        try:
            check_broker()
        except BrokerUnavailable as exc:
            raise CommandError(exc.explain(WITHOUT_A_WORKER)) from None

    def _get(self, value: str) -> Experiment:
        # ASCII digits only: str.isdigit() passes "٣", which int() reads as 3.
        if not value.isascii() or not value.isdigit() or len(value) > 18:
            raise CommandError(f"{value[:30]!r} is not an experiment number.")
        experiment = Experiment.objects.filter(pk=int(value)).first()
        if experiment is None:
            raise CommandError(f"No experiment #{value}.")
        return experiment

    def _wait(self, experiment: Experiment) -> Experiment:
        last_done, last_change, hinted = -1, time.monotonic(), False
        while True:
            experiment.refresh_from_db()
            if experiment.chunks_done != last_done:
                self._draw(experiment.chunks_done, experiment.chunks_total)
                last_done, last_change = experiment.chunks_done, time.monotonic()
            if not experiment.is_active:
                return experiment
            if not hinted and time.monotonic() - last_change > STALL_HINT_SECONDS:
                hinted = True
                self.stderr.write(
                    "\nNo progress yet: is a worker running? Start one with "
                    "`celery -A sandbox worker`, or rerun with --in-process. Ctrl-C leaves the "
                    f"experiment queued; `experiment resume {experiment.pk}` follows it again."
                )
            time.sleep(0.5)

    def _draw(self, done: int, total: int) -> None:
        share = done / total if total else 1.0
        filled = round(BAR_WIDTH * share)
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        end = "\r" if sys.stdout.isatty() else "\n"
        self.progress_out.write(f"[{bar}] {done}/{total} chunks {share:4.0%}", ending=end)
        self.progress_out.flush()

    def _print(self, outcome: ExperimentOutcome, options: dict) -> None:
        fmt = options.get("format", "table")
        if fmt == "json":
            self.stdout.write(json.dumps(outcome.record(), indent=2))
        elif fmt == "csv":
            writer = csv.DictWriter(self.stdout, fieldnames=CSV_KEYS, lineterminator="\n")
            writer.writeheader()
            writer.writerows(outcome.rows())
        else:
            self.stdout.write(render_table(outcome, options.get("metric") or "contribution"))


def render_table(outcome: ExperimentOutcome, metric: str = "contribution") -> str:
    """Mean [5%-95%] per figure; replications add "ahead of the baseline in n of K worlds",
    a sweep marks the value with the best mean of `metric`."""
    experiment = outcome.experiment
    keys = list(SUMMARY_KEYS) if metric in SUMMARY_KEYS else [*SUMMARY_KEYS, metric]
    best = outcome.best_point(metric) if experiment.is_sweep else None
    headers = ([experiment.param] if experiment.is_sweep else []) + ["store"]
    headers += [METRIC_BY_KEY[k].label for k in keys]
    if not experiment.is_sweep:
        headers.append(f"{METRIC_BY_KEY[metric].label} ahead of {outcome.baseline}")
    lines = [headers]
    for point in outcome.points:
        for store in point.stores:
            line = []
            if experiment.is_sweep:
                mark = " *" if best is not None and point.index == best.index else ""
                line.append(f"{point.value}{mark}")
            line.append(store.slug)
            for key in keys:
                b = store.bands[key]
                kind = METRIC_BY_KEY[key].kind
                text = metric_value(b.mean, kind)
                if b.n > 1:
                    text += f" [{metric_value(b.p5, kind)} – {metric_value(b.p95, kind)}]"
                line.append(text)
            if not experiment.is_sweep:
                ahead = store.ahead.get(metric)
                if store.is_baseline:
                    line.append("baseline")
                elif ahead is None or metric not in DIRECTED:
                    line.append("–")
                else:
                    line.append(f"{ahead} of {store.compared[metric]} worlds")
            lines.append(line)
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(headers))]
    text = ["  ".join(str(v).ljust(w) for v, w in zip(line, widths, strict=True)) for line in lines]
    text.append(
        f"Mean [5th – 95th percentile] over {outcome.replications_done} of "
        f"{experiment.replications} seed(s) ({experiment.seed}–{experiment.seed + experiment.replications - 1}), "
        f"{experiment.days} days from {experiment.start_date}; every order followed until it "
        "settled (refusals, returns, chargebacks and payouts included)."
        + (f" * = best mean {METRIC_BY_KEY[metric].label.lower()}." if best else "")
    )
    return "\n".join(text)
