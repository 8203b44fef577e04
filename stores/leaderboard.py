"""The classroom's reads: the leaderboard, each round's results beside each team's decisions,
the session's debrief and its exports.

Every figure comes from stores.metrics.compare_stores over the teams' stores (their rows
outside runs: the session's traffic and the trainees' own orders), as of the session's clock,
so money is the ledger's and reconciles with the order rows (tests/test_classroom.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from . import formatting as fmt
from .debrief import figures_of, gap_text, metric_sentence
from .metrics import LIVE, METRIC_BY_KEY, MetricDef, compare_stores, plain
from .metrics.figures import Comparison, StoreFigures
from .models import AppliedShock, Round, RoundStatus, Team, TrainingSession
from .models.classroom import DECISION_KEYS

# Shown with every standing, whatever the scenario: what the ranking reads, and the cash
# balance's low (the brief's lesson on cash: profit is not cash; stores.simulation.cash).
HEADLINE = ("contribution", "cash_collected", "cash_low", "net_sales", "orders")


@dataclass
class Standing:
    team: Team
    figures: StoreFigures
    decisions: dict[str, Any]
    rank: int = 0

    @property
    def contribution(self) -> Decimal:
        return self.figures.contribution

    @property
    def cash(self) -> Decimal:
        return self.figures.cash_collected

    @property
    def cash_low(self) -> Decimal | None:
        """The lowest daily cash balance of the team's store over the session so far (from its
        starting capital; stores.metrics.cash), None before its first day has figures."""
        return self.figures.cash_low if self._has_cash_days else None

    @property
    def cash_low_date(self) -> date | None:
        return self.figures.cash_low_date if self._has_cash_days else None

    @property
    def _has_cash_days(self) -> bool:
        return bool(self.figures.cash and self.figures.cash.day_count)

    def text(self, key: str) -> str:
        metric = METRIC_BY_KEY[key]
        return fmt.metric_value(self.figures.value(key), metric.kind)

    def record(self, metrics: list[str]) -> dict[str, Any]:
        f = self.figures
        return {
            "team": self.team.name,
            "store": self.team.store.slug,
            "rank": self.rank,
            "contribution": plain(f.contribution),
            "cash": plain(f.cash_collected),
            "cash_low": plain(self.cash_low),
            "cash_low_date": plain(self.cash_low_date),
            "net_sales": plain(f.net_sales),
            "orders": f.orders,
            "sessions": f.sessions,
            **{key: plain(f.value(key)) for key in metrics if key not in HEADLINE},
            "decisions": {k: plain(v) for k, v in self.decisions.items()},
        }


def ranked(standings: list[Standing]) -> list[Standing]:
    """Best first: the highest contribution, then the most cash; equal teams share a rank."""
    order = sorted(standings, key=lambda s: (-s.contribution, -s.cash, s.team.name))
    for i, s in enumerate(order):
        previous = order[i - 1] if i else None
        same = previous and (previous.contribution, previous.cash) == (s.contribution, s.cash)
        s.rank = previous.rank if same else i + 1
    return order


@dataclass
class RoundResult:
    round: Round
    standings: list[Standing]

    @property
    def leader(self) -> Standing | None:
        return self.standings[0] if self.standings else None


@dataclass
class Leaderboard:
    session: TrainingSession
    as_of: datetime
    standings: list[Standing]
    metrics: list[MetricDef]
    rounds: list[RoundResult] = field(default_factory=list)
    comparison: Comparison | None = None

    @property
    def extra_metrics(self) -> list[MetricDef]:
        """The scenario's metrics that are not among the headline columns already."""
        return [m for m in self.metrics if m.key not in HEADLINE]

    @property
    def round_number(self) -> int:
        """The last round simulated (0 before the first)."""
        return max((r.round.number for r in self.rounds), default=0)

    def record(self) -> dict[str, Any]:
        keys = [m.key for m in self.metrics]
        return {
            "session": self.session.pk,
            "round": self.round_number,
            "as_of": self.as_of.isoformat(),
            "teams": [s.record(keys) for s in self.standings],
        }


def _comparison(teams: list[Team], as_of: datetime, **selection: Any) -> Comparison:
    return compare_stores([t.store for t in teams], run=LIVE, as_of=as_of, **selection)


def _standings(teams: list[Team], comparison: Comparison, decisions: dict[int, dict]):
    by_slug = {row.slug: row for row in comparison.rows}
    return ranked([Standing(t, by_slug[t.store.slug], decisions.get(t.pk, {})) for t in teams])


def build_leaderboard(
    session: TrainingSession, *, real_now: datetime | None = None, history: bool = True
) -> Leaderboard:
    """The teams ranked on their whole session so far, and each closed round's results with
    the decisions the teams took for it."""
    from .services.classroom import values_in_force_by_team

    teams = list(session.teams.select_related("store", "in_force", "session__template"))
    as_of = session.sim_now(real_now)
    metrics = [METRIC_BY_KEY[k] for k in session.metrics if k in METRIC_BY_KEY]
    if not teams:
        return Leaderboard(session, as_of, [], metrics)
    comparison = _comparison(teams, as_of)
    board = Leaderboard(
        session,
        as_of,
        _standings(teams, comparison, values_in_force_by_team(session, teams)),
        metrics,
        comparison=comparison,
    )
    if history:
        board.rounds = round_results(session, teams, as_of)
    return board


def round_results(session: TrainingSession, teams: list[Team], as_of: datetime):
    """Each closed round: the teams ranked on the orders placed in its days."""
    out = []
    closed = session.rounds.filter(status=RoundStatus.CLOSED, sim_start__isnull=False)
    for round_ in closed.prefetch_related("decisions").order_by("number"):
        decisions = {d.team_id: d.values() for d in round_.decisions.all()}
        comparison = _comparison(
            teams, as_of, date_from=round_.first_date, date_to=round_.last_date, series="day"
        )
        out.append(RoundResult(round_, _standings(teams, comparison, decisions)))
    return out


# --- The debrief ----------------------------------------------------------------------------


@dataclass
class SessionDebrief:
    board: Leaderboard
    sentences: list[str]
    shocks: list[AppliedShock]

    @property
    def reading(self) -> str:
        return " ".join(self.sentences)


def build_debrief(session: TrainingSession, *, real_now: datetime | None = None) -> SessionDebrief:
    """The final ranking, each round's decisions against its results, and a reading computed
    from the figures: who won and by how much, who led on the scenario's metrics (and whether
    the intervals say so), which decisions the leader of each round took that others did not,
    and the shocks."""
    board = build_leaderboard(session, real_now=real_now)
    shocks = list(
        AppliedShock.objects.filter(store__team__session=session, run__isnull=True)
        .select_related("store__team")
        .order_by("start_date", "pk")
    )
    return SessionDebrief(board, reading_of(board, shocks), shocks)


def reading_of(board: Leaderboard, shocks: list[AppliedShock]) -> list[str]:
    out: list[str] = []
    standings = board.standings
    if not standings:
        return ["No team played."]
    first = standings[0]
    if len(standings) == 1:
        out.append(f"{first.team.name} made a contribution of {fmt.money(first.contribution)}.")
    else:
        second = standings[1]
        contribution = METRIC_BY_KEY["contribution"]
        if first.contribution == second.contribution:
            out.append(f"{first.team.name} and {second.team.name} finished level.")
        else:
            out.append(
                f"{first.team.name} finished first with a contribution of "
                f"{fmt.money(first.contribution)}, against {second.team.name}'s "
                f"{fmt.money(second.contribution)} "
                f"({gap_text(contribution, first.contribution, second.contribution)})."
            )
        cash_leader = max(standings, key=lambda s: s.cash)
        if cash_leader is not first:
            out.append(
                f"{cash_leader.team.name} collected the most cash ({fmt.money(cash_leader.cash)}): "
                "profit is not cash, and part of the winner's money was still on its way."
            )
    if board.comparison is not None and len(standings) > 1:
        names = {s.team.store.slug: s.team.name for s in standings}
        for metric in board.metrics:
            out.append(metric_sentence(metric, figures_of(board.comparison, metric.key, names)))
    for result in board.rounds:
        sentence = round_sentence(result)
        if sentence:
            out.append(sentence)
    for shock in shocks:
        out.append(
            f"{shock.label} hit {shock.store.team.name} from {shock.start_date:%d %b}"
            + (f" for {shock.days} days." if shock.days else ", to the end.")
        )
    return out


def round_sentence(result: RoundResult) -> str:
    """Round n's leader, its contribution, and the decisions it took that others did not."""
    leader = result.leader
    if leader is None or len(result.standings) < 2:
        return ""
    others = result.standings[1:]
    differs = [
        key
        for key in DECISION_KEYS
        if key in leader.decisions
        and any(o.decisions.get(key) != leader.decisions[key] for o in others)
    ]
    text = (
        f"Round {result.round.number}: {leader.team.name} led with a contribution of "
        f"{fmt.money(leader.contribution)}"
    )
    if differs:
        mine = ", ".join(f"{k} {decision_text(leader.decisions[k])}" for k in differs)
        theirs = "; ".join(
            f"{o.team.name} "
            + ", ".join(f"{k} {decision_text(o.decisions.get(k))}" for k in differs)
            + f" ({fmt.money(o.contribution)})"
            for o in others
        )
        text += f", with {mine}, where {theirs}"
    else:
        text += ", on the same decisions as the others (the difference is the dice)"
    return text + "."


def decision_text(value: Any) -> str:
    if value is True:
        return "on"
    if value is False:
        return "off"
    if value is None:
        return "-"
    return str(value)


# --- Exports ------------------------------------------------------------------------------------

ROUND_KEYS = (
    "round", "first_date", "last_date", "team", "store", "rank", "contribution", "cash",
    "net_sales", "orders", "sessions", "conversion_rate", "cod_refusal_rate", "returns_rate",
    *DECISION_KEYS,
)  # fmt: skip


def round_records(board: Leaderboard) -> list[dict[str, Any]]:
    """One flat row per round x team: its results and its decisions (CSV and JSON)."""
    rows = []
    for result in board.rounds:
        r = result.round
        for s in result.standings:
            f = s.figures
            rows.append(
                {
                    "round": r.number,
                    "first_date": plain(r.first_date),
                    "last_date": plain(r.last_date),
                    "team": s.team.name,
                    "store": s.team.store.slug,
                    "rank": s.rank,
                    "contribution": plain(f.contribution),
                    "cash": plain(f.cash_collected),
                    "net_sales": plain(f.net_sales),
                    "orders": f.orders,
                    "sessions": f.sessions,
                    "conversion_rate": plain(f.conversion_rate),
                    "cod_refusal_rate": plain(f.cod_refusal_rate),
                    "returns_rate": plain(f.returns_rate),
                    **{k: plain(s.decisions.get(k)) for k in DECISION_KEYS},
                }
            )
    return rows
