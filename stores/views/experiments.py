"""Experiments on the dashboard (staff only): start a replication or a sweep, follow its progress,
then read the curve with its band, the table, and the CSV and JSON exports.

Thin adapters: the forms (stores.forms_experiments) validate, the services create and dispatch,
stores.metrics.experiments computes every figure. While an experiment runs, htmx polls the
"status" fragment ("experiments/detail.html#status"), which carries the results once it ends.
"""

from __future__ import annotations

import csv
from typing import Any

from django.contrib.admin.views.decorators import staff_member_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from stores import formatting as fmt
from stores import services
from stores.forms_experiments import ReplicateForm, SweepForm
from stores.metrics import METRIC_BY_KEY
from stores.metrics.experiments import (
    CSV_KEYS,
    EXPERIMENT_METRICS,
    STORES_GONE,
    SUMMARY_KEYS,
    ExperimentOutcome,
    StoreOutcome,
    summarise,
)
from stores.models import Experiment, RunStatus
from stores.services import experiments
from stores.services.experiments import CHANNEL_FIELDS, number, sweepable_store_fields

from . import experiment_charts as charts

POLL_SECONDS = 2
DEFAULT_METRIC = "contribution"
PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#59a14f", "#b07aa1", "#76b7b2", "#edc948",
           "#9c755f", "#ff9da7", "#bab0ac")  # fmt: skip


@require_GET
@staff_member_required
def index(request: HttpRequest) -> HttpResponse:
    store = request.GET.get("store", "")
    replicate = ReplicateForm(initial={"stores": request.GET.get("stores", "")})
    sweep = SweepForm(initial={"store": store, "param": request.GET.get("param", "")})
    return _index(request, replicate, sweep)


def _index(
    request: HttpRequest, replicate: ReplicateForm, sweep: SweepForm, status: int = 200
) -> HttpResponse:
    def shown(form) -> dict[str, Any]:
        """What the form's inputs show: what was typed, else the initial values."""
        defaults = {name: field.initial for name, field in form.fields.items()}
        return {**defaults, **form.initial, **(form.data.dict() if form.is_bound else {})}

    chosen = shown(replicate).get("stores") or ""
    context = {
        "replicate": replicate,
        "sweep": sweep,
        "replicate_values": shown(replicate),
        "sweep_values": shown(sweep),
        "stores": replicate.active_stores,
        "chosen_stores": set((chosen or "").split(",")) - {""},
        "params": [*sweepable_store_fields(),
                   *(f"{c}.{f}" for c in ("paid_social", "paid_search") for f in CHANNEL_FIELDS)],
        "recent": Experiment.objects.prefetch_related("stores")[:20],
    }  # fmt: skip
    return render(request, "experiments/index.html", context, status=status)


@require_POST
@staff_member_required
def start(request: HttpRequest, kind: str) -> HttpResponse:
    """Create and dispatch a replication or a sweep; a bad value re-renders the form (400)."""
    if kind not in ("replicate", "sweep"):
        raise Http404("Start a replication or a sweep.")
    data = request.POST.copy()
    if kind == "replicate":
        data["stores"] = ",".join(request.POST.getlist("stores"))
        form = ReplicateForm(data)
        other = SweepForm()
    else:
        form = SweepForm(data)
        other = ReplicateForm(initial={"stores": ""})
    forms = (form, other) if kind == "replicate" else (other, form)
    if not form.is_valid():
        return _index(request, *forms, status=400)
    try:
        # Before anything is created: with Redis down the experiment would sit "running" with
        # nothing queued (and the page answered a 500).
        services.broker.check_broker()
    except services.BrokerUnavailable as exc:
        form.add_error(None, exc.explain())
        return _index(request, *forms, status=503)
    experiment = form.create()
    experiments.dispatch_experiment(experiment)
    return redirect("experiments:detail", pk=experiment.pk)


@require_GET
@staff_member_required
@vary_on_headers("HX-Request")
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, get_object_or_404(Experiment, pk=pk))


def _detail(
    request: HttpRequest, experiment: Experiment, problem: str = "", status: int = 200
) -> HttpResponse:
    metric = request.GET.get("metric") or DEFAULT_METRIC
    # Only a figure the experiment has (a bookmarked or typed cash metric falls back too).
    if metric not in {m.key for m in EXPERIMENT_METRICS}:
        metric = DEFAULT_METRIC
    context: dict[str, Any] = {
        "experiment": experiment,
        "stores": list(experiment.stores.order_by("name")),
        "metric": METRIC_BY_KEY[metric],
        "metrics": EXPERIMENT_METRICS,
        "poll_seconds": POLL_SECONDS if experiment.is_active else None,
        "problem": problem,
    }
    if not experiment.is_active and experiment.chunks_done:
        if context["stores"]:
            context.update(_results(summarise(experiment), metric))
        else:
            context["problem"] = STORES_GONE.format(pk=experiment.pk)
    template = "experiments/detail.html#status" if request.htmx else "experiments/detail.html"
    return render(request, template, context, status=status)


def _results(outcome: ExperimentOutcome, key: str) -> dict[str, Any]:
    metric = METRIC_BY_KEY[key]
    experiment = outcome.experiment

    def text(value: Any, kind: str) -> str:
        return fmt.metric_value(value, kind)

    def axis(value: float) -> str:
        kind = "money" if metric.kind == "money_ratio" else metric.kind
        return fmt.money_short(value) if kind == "money" else text(value, kind)

    def cells(store: StoreOutcome) -> list[tuple[str, str]]:
        out = []
        for k in SUMMARY_KEYS:
            b, kind = store.bands[k], METRIC_BY_KEY[k].kind
            out.append((text(b.mean, kind), f"{text(b.p5, kind)} – {text(b.p95, kind)}"))
        return out

    context: dict[str, Any] = {
        "outcome": outcome,
        "columns": [METRIC_BY_KEY[k] for k in SUMMARY_KEYS],
        "seeds_text": f"{outcome.replications_done} of {experiment.replications}",
    }
    if experiment.is_sweep:
        best = outcome.best_point(key)
        values = [number(p.value) for p in outcome.points]
        numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
        curve = []
        for i, p in enumerate(outcome.points):
            b = p.stores[0].bands[key]
            curve.append(
                charts.CurvePoint(
                    label=str(values[i]),
                    x=float(values[i]) if numeric else float(i),
                    mean=_float(b.mean),
                    p5=_float(b.p5),
                    p95=_float(b.p95),
                    best=best is not None and p.index == best.index,
                )
            )
        title = f"{metric.label} by {experiment.param}"
        context.update(
            chart=charts.curve_svg(title, curve, axis, x_label=experiment.param),
            chart_title=title,
            best=best and str(number(best.value)),
            rows=[
                (str(number(p.value)), best is not None and p.index == best.index,
                 cells(p.stores[0]))
                for p in outcome.points
            ],
        )  # fmt: skip
    else:
        point = outcome.points[0]
        rows = [
            charts.StoreBand(
                label=s.name,
                colour=PALETTE[i % len(PALETTE)],
                mean=_float(s.bands[key].mean),
                p5=_float(s.bands[key].p5),
                p95=_float(s.bands[key].p95),
                is_baseline=s.is_baseline,
            )
            for i, s in enumerate(point.stores)
        ]
        title = f"{metric.label}: mean and 5–95% band across seeds"
        context.update(
            chart=charts.bands_svg(title, rows, axis),
            chart_title=title,
            rows=[(s, cells(s), _ahead_text(s, key)) for s in point.stores],
        )
    return context


def _ahead_text(store: StoreOutcome, key: str) -> str:
    if store.is_baseline:
        return "baseline"
    ahead = store.ahead.get(key)
    if ahead is None:
        return "–"
    return f"ahead in {ahead} of {store.compared[key]} worlds"


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


@require_POST
@staff_member_required
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    experiments.cancel_experiment(get_object_or_404(Experiment, pk=pk).pk)
    return redirect("experiments:detail", pk=pk)


@require_POST
@staff_member_required
def resume(request: HttpRequest, pk: int) -> HttpResponse:
    experiment = get_object_or_404(Experiment, pk=pk)
    if experiment.status != RunStatus.DONE:
        try:
            experiments.resume_experiment(experiment.pk)
        except services.BrokerUnavailable as exc:
            return _detail(request, experiment, problem=exc.explain(), status=503)
    return redirect("experiments:detail", pk=pk)


@require_GET
@staff_member_required
def export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The figures across seeds: JSON in the command's shape, or CSV a row per figure."""
    experiment = get_object_or_404(Experiment, pk=pk)
    if fmt not in ("csv", "json"):
        return HttpResponse("Exports: .csv or .json\n", status=404, content_type="text/plain")
    if experiment.is_active:
        return HttpResponse(
            f"Experiment #{pk} is still running.\n", status=409, content_type="text/plain"
        )
    if not experiment.stores.exists():
        text = STORES_GONE.format(pk=pk)
        return HttpResponse(text + "\n", status=410, content_type="text/plain")
    outcome = summarise(experiment)
    filename = f"experiment-{pk}.{fmt}"
    if fmt == "json":
        response = JsonResponse(outcome.record(), json_dumps_params={"indent": 1})
    else:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response.write("\ufeff")  # spreadsheet programs then open it as UTF-8
        writer = csv.DictWriter(response, fieldnames=CSV_KEYS)
        writer.writeheader()
        writer.writerows(outcome.rows())
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
