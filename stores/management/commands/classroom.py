"""`manage.py classroom ...`: drive a training session from a terminal or a script.

- `classroom start SCENARIO --teams N [--minutes-per-day M] [--seed S] [--round-days D]`
  creates the session (a store per team, cloned from the scenario's first store), starts its
  clock and prints its id, the trainer's and projector's pages and each team's join link;
- `classroom decide SESSION TEAM --set markup=1.8 --set paid_social.daily_budget=300 ...`
  sets a team's decisions for the open round (TEAM: its name or code); a value out of the
  trainer's bounds is refused with the field named, as on the team's page;
- `classroom close-round SESSION [--in-process] [--no-wait]`: the round's days on the
  workers (or here), then the leaderboard;
- `classroom requeue-round SESSION [--in-process]`: a round the workers have not finished a
  minute after it closed (a worker stopped mid-round) queued again, or finished here;
- `classroom leaderboard SESSION [--format table|csv|json]` (with each team store's cash low
  and its day); `classroom export SESSION [--format csv|json]` (every round, with each team's
  decisions);
- `classroom clock SESSION pause|resume|step DAYS|speed SECONDS_PER_DAY`, `classroom tick
  SESSION` (bring its stores up to its clock without beat), `classroom end SESSION`.
"""

from __future__ import annotations

import csv
import json
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q
from django.urls import reverse

from stores import classroom, validation
from stores.forms_classroom import DecisionForm, SessionForm
from stores.leaderboard import build_leaderboard, round_records
from stores.metrics import METRIC_BY_KEY
from stores.models import RoundStatus, Team, TrainingSession
from stores.services import BrokerUnavailable, dispatch_run
from stores.services import classroom as sessions
from stores.services.broker import check_broker

SITE = "http://127.0.0.1:8000"  # where `make run` serves the site
FORMATS = ("table", "csv", "json")


class Command(BaseCommand):
    help = "Start and drive a training session: teams, decisions, rounds, the leaderboard."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        start = actions.add_parser("start", help="Create a session and start its clock.")
        start.add_argument("scenario", help="A scenario's name (manage.py scenario list).")
        start.add_argument("--teams", default="2")
        start.add_argument("--minutes-per-day", default="1", help="Real minutes per day.")
        start.add_argument("--seed", default="1")
        start.add_argument("--round-days", default="7")
        start.add_argument("--traffic-scale", default="10")
        start.add_argument("--history-days", default="0")
        start.add_argument("--name", default="Workshop")
        decide = actions.add_parser("decide", help="Set a team's decisions for the open round.")
        decide.add_argument("session")
        decide.add_argument("team", help="The team's name or code.")
        decide.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
        close = actions.add_parser("close-round", help="Simulate the open round's days.")
        close.add_argument("session")
        close.add_argument("--in-process", action="store_true", help="Here, without a worker.")
        close.add_argument("--no-wait", action="store_true", help="Queue it and return.")
        requeue = actions.add_parser(
            "requeue-round", help="Queue a stalled round again (or finish it here)."
        )
        requeue.add_argument("session")
        requeue.add_argument("--in-process", action="store_true", help="Here, without a worker.")
        board = actions.add_parser("leaderboard", help="The teams ranked, now.")
        board.add_argument("session")
        board.add_argument("--format", default="table", choices=FORMATS)
        export = actions.add_parser("export", help="Every round's results and decisions.")
        export.add_argument("session")
        export.add_argument("--format", default="csv", choices=("csv", "json"))
        clock = actions.add_parser("clock", help="Pause, resume, step or re-speed the clock.")
        clock.add_argument("session")
        clock.add_argument("what", choices=("pause", "resume", "step", "speed"))
        clock.add_argument("value", nargs="?", default="1")
        tick = actions.add_parser("tick", help="Bring the session up to its clock now.")
        tick.add_argument("session")
        end = actions.add_parser("end", help="End the session (the debrief opens to all).")
        end.add_argument("session")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"].replace("-", "_")
        try:
            getattr(self, f"_{action}")(options)
        except sessions.ClassroomError as exc:
            raise CommandError(str(exc)) from None
        except BrokerUnavailable as exc:
            raise CommandError(exc.explain("add --in-process to simulate here")) from None

    def _session(self, value: str) -> TrainingSession:
        if not value.isascii() or not value.isdigit():
            raise CommandError(f"SESSION must be a session's number, not {value!r}.")
        session = TrainingSession.objects.filter(pk=int(value)).first()
        if session is None:
            raise CommandError(f"No training session #{value}.")
        return session

    def _start(self, options: dict[str, Any]) -> None:
        seconds = _number(options["minutes_per_day"], "minutes-per-day") * 60
        form = SessionForm(
            {
                "name": options["name"],
                "scenario": options["scenario"],
                "teams": options["teams"],
                "seconds_per_day": f"{seconds:.2f}",
                "round_days": options["round_days"],
                "traffic_scale": options["traffic_scale"],
                "history_days": options["history_days"],
                "seed": options["seed"],
            }
        )
        if not form.is_valid():
            raise CommandError(form.error_text())
        session = form.create()
        if session.history_run:
            dispatch_run(session.history_run)
        sessions.start_session(session)
        session.refresh_from_db()
        self.stdout.write(
            f"Session #{session.pk} ({session.name}): {session.scenario or 'chosen store'}, "
            f"{session.teams.count()} teams, {session.seconds_per_day:g} s per simulated day, "
            f"rounds of {session.round_days} days. Clock started at {session.sim_origin:%Y-%m-%d}."
        )
        self.stdout.write(f"  trainer:   {SITE}{reverse('classroom:session', args=[session.pk])}")
        self.stdout.write(f"  projector: {SITE}{reverse('classroom:screen', args=[session.pk])}")
        for team in session.teams.select_related("store"):
            link = reverse("classroom:team", args=[team.code])
            self.stdout.write(f"  {team.name}: code {team.code}  join {SITE}{link}")

    def _team(self, session: TrainingSession, value: str) -> Team:
        team = (
            session.teams.select_related("store", "session", "in_force")
            .filter(Q(name__iexact=value) | Q(code__iexact=value))
            .first()
        )
        if team is None:
            names = ", ".join(session.teams.values_list("name", flat=True))
            raise CommandError(f"No team {value!r} in session #{session.pk} (teams: {names}).")
        return team

    def _decide(self, options: dict[str, Any]) -> None:
        session = self._session(options["session"])
        team = self._team(session, options["team"])
        if not options["set"]:
            raise CommandError("Give at least one --set KEY=VALUE.")
        form = DecisionForm.from_settings(team, options["set"])
        if form.unknown:
            raise CommandError("\n".join(form.unknown))
        decision = form.save()
        if decision is None:
            raise CommandError(form.error_text())
        offered = classroom.offered_levers(session)  # not a platform seller's idle courier
        values = ", ".join(f"{k}={_text(v)}" for k, v in decision.values().items() if k in offered)
        self.stdout.write(f"{team.name}, round {decision.round.number}: {values}")

    def _close_round(self, options: dict[str, Any]) -> None:
        session = self._session(options["session"])
        if not options["in_process"]:
            check_broker()  # before the round closes: nothing changes if no worker can hear
        round_ = sessions.close_round(session)
        if options["in_process"]:
            sessions.simulate_round(round_.pk)
        else:
            try:
                sessions.dispatch_round(round_)
            except BrokerUnavailable:
                sessions.reopen_round(round_)
                raise
            if options["no_wait"]:
                self.stdout.write(f"Round {round_.number} queued on the workers.")
                return
            deadline = time.monotonic() + 600
            while round_.status != RoundStatus.CLOSED and time.monotonic() < deadline:
                time.sleep(0.2)
                round_.refresh_from_db()
                if round_.error:
                    raise CommandError(f"Round {round_.number} failed: {round_.error}")
            if round_.status != RoundStatus.CLOSED:
                raise CommandError(f"Round {round_.number} is still being simulated.")
        round_.refresh_from_db()
        self.stdout.write(
            f"Round {round_.number} closed: {round_.days} simulated days from "
            f"{round_.first_date} to {round_.last_date}."
        )
        self._print_board(session, "table")

    def _requeue_round(self, options: dict[str, Any]) -> None:
        session = self._session(options["session"])
        if options["in_process"]:
            round_ = session.rounds.filter(status=RoundStatus.SIMULATING).first()
            if round_ is None:
                raise CommandError("No round is being simulated.")
            round_ = sessions.simulate_round(round_.pk)
            self.stdout.write(f"Round {round_.number} finished here.")
            self._print_board(session, "table")
            return
        round_ = sessions.requeue_round(session)
        self.stdout.write(f"Round {round_.number} queued again on the workers.")

    def _leaderboard(self, options: dict[str, Any]) -> None:
        self._print_board(self._session(options["session"]), options["format"])

    def _print_board(self, session: TrainingSession, format: str) -> None:
        session.refresh_from_db()
        board = build_leaderboard(session)
        record = board.record()
        if format == "json":
            self.stdout.write(json.dumps(record, indent=2))
            return
        rows = record["teams"]
        keys = ["rank", "team", "store", "contribution", "cash", "cash_low", "cash_low_date"]
        keys += ["net_sales", "orders", *(m.key for m in board.extra_metrics)]
        if format == "csv":
            writer = csv.writer(self.stdout)
            writer.writerow(keys)
            for row in rows:
                writer.writerow([_text(row.get(k)) for k in keys])
            return
        self.stdout.write(
            f"Session #{session.pk}, after round {record['round']}, as of "
            f"{board.as_of:%Y-%m-%d %H:%M} (simulated):"
        )
        labels = [k if k in ("rank", "team", "store") else _label(k) for k in keys]
        table = [labels] + [[_text(row.get(k)) for k in keys] for row in rows]
        widths = [max(len(r[i]) for r in table) for i in range(len(keys))]
        for line in table:
            self.stdout.write("  ".join(v.rjust(w) for v, w in zip(line, widths, strict=True)))

    def _export(self, options: dict[str, Any]) -> None:
        session = self._session(options["session"])
        rows = round_records(build_leaderboard(session))
        if options["format"] == "json":
            self.stdout.write(json.dumps({"session": session.pk, "rounds": rows}, indent=2))
            return
        if rows:
            writer = csv.DictWriter(self.stdout, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)

    def _clock(self, options: dict[str, Any]) -> None:
        session = self._session(options["session"])
        what, value = options["what"], options["value"]
        if what in ("step", "speed"):
            number = _number(value, what)
        if what == "pause":
            session = sessions.pause(session)
        elif what == "resume":
            session = sessions.resume(session)
        elif what == "step":
            session = sessions.step(session, number)
        else:
            session = sessions.set_speed(session, number)
        state = "running" if session.clock_running else "paused"
        self.stdout.write(
            f"Session #{session.pk}: clock {state} at {session.sim_now():%Y-%m-%d %H:%M} "
            f"(simulated), {session.seconds_per_day:g} s per day."
        )

    def _tick(self, options: dict[str, Any]) -> None:
        session = self._session(options["session"])
        written = sessions.advance_session(session)
        self.stdout.write(f"Session #{session.pk}: {written} orders written.")

    def _end(self, options: dict[str, Any]) -> None:
        session = sessions.end_session(self._session(options["session"]))
        self.stdout.write(
            f"Session #{session.pk} ended. Debrief: "
            f"{SITE}{reverse('classroom:debrief', args=[session.pk])}"
        )
        self._print_board(session, "table")


def _label(key: str) -> str:
    if key == "cash_low_date":
        return "low on"
    metric = METRIC_BY_KEY.get(key)
    return metric.label if metric else key.replace("_", " ")


def _text(value: Any) -> str:
    if value is True:
        return "on"
    if value is False:
        return "off"
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


def _number(value: object, label: str) -> float:
    """A number typed in ASCII digits ("1", "0.5"): float() alone also reads other scripts'
    digits, "nan" and "inf"."""
    try:
        return float(validation.decimal_text(value, label, max_digits=12))
    except validation.InvalidInput as exc:
        raise CommandError(str(exc)) from None
