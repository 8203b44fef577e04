"""The classroom's pages: thin adapters over services.classroom (writes) and stores.leaderboard
(reads).

- trainer pages (the dashboard permission): the sessions and a form to start one; a session's
  control page (clock, rounds, teams with join links and QR codes, shocks, trainees' orders,
  the leaderboard's visibility, the end); the projector's screen; the debrief and exports;
- a team's page: its code is its key (no account), and it shows that team's store, decisions
  and figures only, with the leaderboard once the trainer reveals it.
Pages that change while the clock runs refresh their live part with htmx ("page.html#part").
"""

from __future__ import annotations

import copy
import csv
import json
from datetime import timedelta
from typing import Any

import segno
from django.contrib import messages
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from stores import formatting as fmt
from stores import metrics, services
from stores.access import dashboard_required
from stores.forms_classroom import DecisionForm, OrderOutcomeForm, SessionForm, ShockForm
from stores.leaderboard import build_debrief, build_leaderboard, round_records
from stores.models import (
    Order,
    OrderStatus,
    RoundStatus,
    SessionStatus,
    Source,
    Team,
    TrainingSession,
)
from stores.services import classroom as sessions

from . import dashboard as dashboard_views
from . import dashboard_charts as charts

REFRESH_SECONDS = 4
HOURLY_UP_TO_DAYS = 2  # charts by simulated hour for a session's first days, then by day
SCREEN_METRICS = ("orders", "contribution", "cash_collected")


def _session(pk: int) -> TrainingSession:
    return get_object_or_404(TrainingSession.objects.select_related("template"), pk=pk)


def _clock(session: TrainingSession) -> dict[str, Any]:
    """What the clock says, for a page."""
    if session.sim_origin is None:
        return {"started": False}
    now = session.sim_now()
    return {
        "started": True,
        "now": now,
        "day": (now - session.sim_origin) // timedelta(days=1) + 1,
        "running": session.clock_running,
        "simulating": session.rounds.filter(status=RoundStatus.SIMULATING).exists(),
    }


def qr_svg(url: str, label: str) -> str:
    """A QR code of a join link, as inline SVG (drawn here: no image service)."""
    code = segno.make(url, error="m")
    svg = code.svg_inline(scale=4, dark="#000", light="#fff", title=label, svgclass="qr")
    return mark_safe(
        svg.replace("<svg ", '<svg role="img" aria-label="QR code: ' + label + '" ', 1)
    )  # noqa: S308 - our URL and our team name


# --- Trainer: sessions -------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@dashboard_required
def index(request: HttpRequest) -> HttpResponse:
    form = SessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        session = form.create()
        if session.history_run:
            services.dispatch_run(session.history_run)
        sessions.start_session(session)
        messages.success(request, f"{session.name} started: hand out the teams' join links.")
        return redirect("classroom:session", pk=session.pk)
    listed = TrainingSession.objects.prefetch_related("teams")[:30]
    status = 400 if request.method == "POST" else 200
    return render(
        request, "classroom/index.html", {"form": form, "sessions": listed}, status=status
    )


def _trainer_context(request: HttpRequest, session: TrainingSession) -> dict[str, Any]:
    board = build_leaderboard(session)
    teams = list(session.teams.select_related("store"))
    round_ = session.current_round()
    submitted = (
        set(round_.decisions.filter(carried_over=False).values_list("team_id", flat=True))
        if round_
        else set()
    )
    for team in teams:
        link = request.build_absolute_uri(reverse("classroom:team", args=[team.code]))
        team.join_link, team.qr = link, qr_svg(link, f"join {team.name}")
        team.submitted = team.pk in submitted
    trainee_orders = list(
        Order.objects.filter(store__in=[t.store for t in teams], source=Source.SHOPPER)
        .select_related("store__team")
        .order_by("-placed_at")[:20]
    )
    return {
        "session": session,
        "clock": _clock(session),
        "round": round_,
        "round_stalled": round_ is not None and sessions.round_stalled(round_),
        "board": board,
        "teams": teams,
        "trainee_orders": trainee_orders,
        "refresh_seconds": REFRESH_SECONDS if session.status == SessionStatus.RUNNING else None,
    }


@require_GET
@dashboard_required
@vary_on_headers("HX-Request")
def session_page(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(pk)
    context = _trainer_context(request, session)
    context["shock_form"] = ShockForm(session)
    context["order_form"] = OrderOutcomeForm()
    template = "classroom/session.html#live" if request.htmx else "classroom/session.html"
    return render(request, template, context)


ACTIONS = (
    "start",
    "pause",
    "resume",
    "step",
    "speed",
    "close-round",
    "requeue-round",
    "reveal",
    "hide",
    "end",
)


@require_POST
@dashboard_required
def control(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """The trainer's buttons: the clock, the round, the leaderboard, the end."""
    session = _session(pk)
    if action not in ACTIONS:
        raise Http404("No such control.")
    try:
        if action == "start":
            sessions.start_session(session)
        elif action == "pause":
            sessions.pause(session)
        elif action == "resume":
            sessions.resume(session)
        elif action == "step":
            sessions.step(session, _number(request.POST.get("days", "1"), "days"))
        elif action == "speed":
            sessions.set_speed(session, _number(request.POST.get("seconds_per_day"), "speed"))
        elif action == "close-round":
            services.broker.check_broker()
            round_ = sessions.close_round(session)
            try:
                sessions.dispatch_round(round_)
            except services.BrokerUnavailable:
                sessions.reopen_round(round_)
                raise
            messages.info(request, f"Round {round_.number} closed: the workers simulate its days.")
        elif action == "requeue-round":
            round_ = sessions.requeue_round(session)
            messages.info(request, f"Round {round_.number} queued again on the workers.")
        elif action in ("reveal", "hide"):
            sessions.set_leaderboard(session, action == "reveal")
        elif action == "end":
            sessions.end_session(session)
            return redirect("classroom:debrief", pk=session.pk)
    except (sessions.ClassroomError, ValueError) as exc:
        messages.error(request, str(exc))
    except services.BrokerUnavailable as exc:
        messages.error(request, exc.explain("start a worker (make run)"))
    return redirect("classroom:session", pk=session.pk)


def _number(value: str | None, label: str) -> float:
    try:
        return float(value or "")
    except ValueError:
        raise ValueError(f"{label}: enter a number.") from None


@require_POST
@dashboard_required
def shock(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(pk)
    form = ShockForm(session, request.POST)
    if form.is_valid():
        try:
            applied = sessions.apply_shock(
                session,
                form.cleaned_data["shock"],
                stores=form.stores(),
                days=form.cleaned_data["days"] or "usual",
            )
            messages.success(
                request,
                f"{applied[0].label} applied to {len(applied)} team(s) from "
                f"{applied[0].start_date:%d %b}.",
            )
        except (sessions.ClassroomError, ValueError) as exc:
            messages.error(request, str(exc))
    else:
        messages.error(request, form.error_text())
    return redirect("classroom:session", pk=session.pk)


@require_POST
@dashboard_required
def order_outcome(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(pk)
    form = OrderOutcomeForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.error_text())
        return redirect("classroom:session", pk=session.pk)
    order = Order.objects.filter(number=form.cleaned_data["number"]).first()
    try:
        if order is None:
            raise sessions.ClassroomError(f"No order {form.cleaned_data['number']}.")
        order = sessions.set_order_outcome(session, order, form.cleaned_data["outcome"])
        messages.success(
            request,
            f"Order {order.number} will be {order.get_planned_outcome_display().lower()} "
            f"on {order.outcome_at:%d %b %H:%M} (simulated).",
        )
    except sessions.ClassroomError as exc:
        messages.error(request, str(exc))
    return redirect("classroom:session", pk=session.pk)


# --- The projector -----------------------------------------------------------------------------


def _screen_context(session: TrainingSession) -> dict[str, Any]:
    stores = list(session.stores.order_by("pk"))
    now = session.sim_now()
    comparison = metrics.compare_stores(stores, run=None, as_of=now, series="day")
    shown = list(dict.fromkeys([*SCREEN_METRICS, *session.metrics]))
    dashboard_views._format_cells(comparison, only=set(shown), compact=True)
    styles = dashboard_views.store_styles(stores)
    recent = list(
        Order.objects.filter(store__in=stores, run__isnull=True)
        .select_related("store")
        .order_by("-placed_at")[:8]
    )
    counts = (
        Order.objects.filter(store__in=stores, run__isnull=True)
        .values_list("store_id", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    outcomes: dict[int, dict[str, int]] = {s.pk: {} for s in stores}
    for store_id, status, n in counts:
        outcomes[store_id][status] = n
    return {
        "session": session,
        "clock": _clock(session),
        "comparison": comparison,
        "present_table": dashboard_views._present_table(comparison, shown),
        "keys": {slug: charts.swatch_svg(style) for slug, style in styles.items()},
        "line_charts": _screen_charts(session, stores, comparison, styles, now),
        "recent": recent,
        "statuses": OrderStatus.choices,
        "outcomes": [(s, outcomes[s.pk]) for s in stores],
        "board": build_leaderboard(session, history=False) if session.leaderboard_visible else None,
        "refresh_seconds": REFRESH_SECONDS if session.status == SessionStatus.RUNNING else None,
    }


def _screen_charts(session, stores, comparison, styles, now) -> list:
    """Orders and net sales per simulated hour over a session's first days (so its first
    minutes draw), per simulated day after that; every period a visible point. Lines are
    named by team."""
    origin = session.sim_origin or now
    teams = dict(session.teams.values_list("store_id", "name"))
    stores = [_named(s, teams.get(s.pk)) for s in stores]
    money = lambda v: f"{v:,.0f}"  # noqa: E731
    if now - origin <= timedelta(days=HOURLY_UP_TO_DAYS):
        hours = metrics.hourly_orders(
            stores, since=origin, until=max(now, origin + timedelta(hours=1))
        )
        xs = [h for h, _, _ in next(iter(hours.values()), [])]
        series_orders = [(s.name, styles[s.slug], [n for _, n, _ in hours[s.slug]]) for s in stores]
        series_sales = [(s.name, styles[s.slug], [v for _, _, v in hours[s.slug]]) for s in stores]
        return [
            charts.line_chart(
                "Orders per simulated hour", xs, series_orders, money, tick_format="%a %H:%M"
            ),
            charts.line_chart(
                "Net sales per simulated hour", xs, series_sales, money, tick_format="%a %H:%M"
            ),
        ]
    xs = [d for d in comparison.dates if d >= origin.date()]
    index = {d: i for i, d in enumerate(xs)}

    def series(pick) -> list:
        out = []
        for s in stores:
            values: list[float | None] = [None] * len(xs)
            points = comparison.series.get(s.slug)
            if points:
                for p in points.points():
                    if p.date in index:
                        values[index[p.date]] = pick(p)
            out.append((s.name, styles[s.slug], values))
        return out

    return [
        charts.line_chart("Orders per simulated day", xs, series(lambda p: p.orders), money),
        charts.line_chart(
            "Net sales per simulated day", xs, series(lambda p: p.net_sales_f), money
        ),
        charts.line_chart(
            "Contribution per simulated day",
            xs,
            series(lambda p: p.contribution_f),
            money,
            note="after ad spend and other costs",
        ),
    ]


def _named(store, team_name: str | None):
    if team_name:
        store = copy.copy(store)
        store.name = team_name
    return store


@require_GET
@dashboard_required
@vary_on_headers("HX-Request")
def screen(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(pk)
    template = "classroom/screen.html#screen" if request.htmx else "classroom/screen.html"
    return render(request, template, _screen_context(session))


# --- Debrief and exports -----------------------------------------------------------------------


@require_GET
@dashboard_required
def debrief(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(pk)
    report = build_debrief(session)
    return render(request, "classroom/debrief.html", {"session": session, "debrief": report})


@require_GET
@dashboard_required
def export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    session = _session(pk)
    rows = round_records(build_leaderboard(session))
    name = f"session-{session.pk}-rounds.{fmt}"
    if fmt == "json":
        response = JsonResponse(
            {"session": session.pk, "name": session.name, "rounds": rows},
            json_dumps_params={"indent": 1},
        )
    elif fmt == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        if rows:
            writer = csv.DictWriter(response, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    else:
        raise Http404("rounds.csv or rounds.json")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- A team ------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def join(request: HttpRequest) -> HttpResponse:
    """Type the team code the trainer gave you."""
    code = (request.POST.get("code") or request.GET.get("code") or "").strip().upper()
    error = ""
    if code:
        if Team.objects.filter(code=code).exists():
            return redirect("classroom:team", code=code)
        error = "No team has that code: check it with your trainer."
    return render(
        request, "classroom/join.html", {"error": error, "code": code}, status=404 if error else 200
    )


def _team(code: str) -> Team:
    return get_object_or_404(
        Team.objects.select_related("store", "session__template", "in_force"), code=code.upper()
    )


def _team_context(team: Team, form: DecisionForm | None = None) -> dict[str, Any]:
    session = team.session
    board = build_leaderboard(session)
    mine = next((s for s in board.standings if s.team.pk == team.pk), None)
    rounds = [
        (result.round, next(s for s in result.standings if s.team.pk == team.pk))
        for result in board.rounds
    ]
    statuses = dict(
        Order.objects.filter(store=team.store)
        .values_list("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    round_ = session.current_round()
    return {
        "team": team,
        "session": session,
        "clock": _clock(session),
        "round": round_,
        "form": form
        or (DecisionForm(team) if round_ and round_.status == RoundStatus.OPEN else None),
        "mine": mine,
        "rounds": rounds,
        "statuses": statuses,
        "board": board if session.leaderboard_visible else None,
        "refresh_seconds": REFRESH_SECONDS if session.status == SessionStatus.RUNNING else None,
        "fmt": fmt,
    }


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def team_page(request: HttpRequest, code: str) -> HttpResponse:
    team = _team(code)
    if request.method == "POST":
        form = DecisionForm(team, request.POST)
        decision = form.save()
        if decision is not None:
            messages.success(request, f"Decisions for round {decision.round.number} saved.")
            return redirect("classroom:team", code=team.code)
        return render(request, "classroom/team.html", _team_context(team, form), status=400)
    template = "classroom/team.html#figures" if request.htmx else "classroom/team.html"
    return render(request, template, _team_context(team))


@require_GET
def team_json(request: HttpRequest, code: str) -> JsonResponse:
    """The team's standing as data (for a script, or a team's own spreadsheet)."""
    team = _team(code)
    board = build_leaderboard(team.session, history=False)
    mine = next(s for s in board.standings if s.team.pk == team.pk)
    keys = [m.key for m in board.metrics]
    payload = {"session": team.session.pk, **mine.record(keys)}
    if not team.session.leaderboard_visible:
        payload.pop("rank")
    return JsonResponse(json.loads(json.dumps(payload, default=str)))
