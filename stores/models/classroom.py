"""The classroom: a training session on an accelerated clock, its teams, rounds and decisions.

A session owns its stores (every store on its clock: each team's, and any reference store); a
store belongs to one session at most, so sessions running side by side never see each other's
stores. The session's clock (stores/simulation/clock.py) is kept as its anchors here. A round is
a block of simulated days the workers write when the trainer closes it, with each team's
decisions for it; `Decision.full_clean()` is the one place a decision is checked against the
bounds the trainer set, whoever submits it (the team page, the command).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from ..simulation.clock import Clock
from .runs import SimulationRun
from .stores import Store


class SessionStatus(models.TextChoices):
    READY = "ready", "Ready (clock not started)"
    RUNNING = "running", "Running"
    ENDED = "ended", "Ended"


class RoundStatus(models.TextChoices):
    OPEN = "open", "Open for decisions"
    SIMULATING = "simulating", "Being simulated"
    CLOSED = "closed", "Closed"


class Courier(models.TextChoices):
    ECONOMY = "economy", "Economy (slower, cheaper)"
    STANDARD = "standard", "Standard (the store's own)"
    EXPRESS = "express", "Express (faster, dearer)"


class TrainingSessionQuerySet(models.QuerySet):
    def ticking(self) -> TrainingSessionQuerySet:
        """Sessions whose clock runs: the beat moves them on."""
        return self.filter(status=SessionStatus.RUNNING, clock_running=True)


class TrainingSession(models.Model):
    """One class: its stores on one accelerated clock, its teams, rounds and leaderboard."""

    name = models.CharField(max_length=80)
    scenario = models.CharField(
        max_length=40, blank=True, help_text="The scenario it was created from (its key)."
    )
    template = models.ForeignKey(
        Store,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The store each team's store is cloned from; decisions are read against it.",
    )
    stores = models.ManyToManyField(Store, related_name="training_sessions", blank=True)
    seed = models.PositiveBigIntegerField(default=1)
    seconds_per_day = models.FloatField(
        default=60,
        validators=[MinValueValidator(0.5), MaxValueValidator(86_400)],
        help_text="Real seconds per simulated day (60: one real minute is one simulated day).",
    )
    traffic_scale = models.PositiveSmallIntegerField(
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="Multiplies the stores' visits and budgets (rates unchanged), so a class sees "
        "enough orders, refusals and returns to read.",
    )
    round_days = models.PositiveSmallIntegerField(
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text="Simulated days the workers write when a round closes.",
    )
    history_days = models.PositiveSmallIntegerField(
        default=0,
        validators=[MaxValueValidator(365)],
        help_text="Days of history simulated before the session's first day (0: none).",
    )
    history_run = models.ForeignKey(
        SimulationRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    metrics = models.JSONField(
        default=list, blank=True, help_text="The scenario's metric keys the leaderboard shows."
    )
    bounds = models.JSONField(
        default=dict,
        blank=True,
        help_text="What teams may decide: {key: {min, max}} or {key: {allowed: [...]}}.",
    )
    status = models.CharField(
        max_length=10, choices=SessionStatus.choices, default=SessionStatus.READY
    )
    sim_origin = models.DateTimeField(
        null=True, blank=True, help_text="The simulated instant the session starts at."
    )
    clock_running = models.BooleanField(default=False)
    clock_real_anchor = models.DateTimeField(null=True, blank=True)
    clock_sim_anchor = models.DateTimeField(null=True, blank=True)
    leaderboard_visible = models.BooleanField(
        default=False, help_text="Teams and the projector see the leaderboard."
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = TrainingSessionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name} (#{self.pk})"

    @property
    def clock(self) -> Clock:
        origin = self.sim_origin or timezone.now()
        return Clock(
            seconds_per_day=float(self.seconds_per_day),
            real_anchor=self.clock_real_anchor or self.created_at,
            sim_anchor=self.clock_sim_anchor or origin,
            running=self.clock_running,
        )

    def set_clock(self, clock: Clock) -> list[str]:
        """Store a clock's state; returns the fields to save."""
        self.seconds_per_day = clock.seconds_per_day
        self.clock_real_anchor = clock.real_anchor
        self.clock_sim_anchor = clock.sim_anchor
        self.clock_running = clock.running
        return ["seconds_per_day", "clock_real_anchor", "clock_sim_anchor", "clock_running"]

    def sim_now(self, real: datetime | None = None) -> datetime:
        """What time it is on the session's clock."""
        return self.clock.sim_at(real or timezone.now())

    @property
    def sim_day(self) -> int:
        """Days since the session's first simulated day (0 on the first)."""
        if self.sim_origin is None:
            return 0
        return (self.sim_now() - self.sim_origin) // timedelta(days=1)

    @property
    def is_ended(self) -> bool:
        return self.status == SessionStatus.ENDED

    def current_round(self) -> Round | None:
        return self.rounds.exclude(status=RoundStatus.CLOSED).order_by("number").first()


class Team(models.Model):
    """A team of trainees running one store; the code is their only key (no account)."""

    session = models.ForeignKey(TrainingSession, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(max_length=60)
    code = models.CharField(max_length=12, unique=True)
    store = models.OneToOneField(Store, on_delete=models.CASCADE, related_name="team")
    in_force = models.ForeignKey(
        "Decision",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The decisions the store runs on (those of the last round simulated).",
    )

    class Meta:
        ordering = ["session", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["session", "name"], name="team_name_unique_in_session")
        ]

    def __str__(self) -> str:
        return self.name


class Round(models.Model):
    """A block of simulated days: open for decisions, then simulated by the workers."""

    session = models.ForeignKey(TrainingSession, on_delete=models.CASCADE, related_name="rounds")
    number = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=10, choices=RoundStatus.choices, default=RoundStatus.OPEN)
    days = models.PositiveSmallIntegerField(default=7)
    sim_start = models.DateTimeField(null=True, blank=True, help_text="Its first simulated day.")
    sim_end = models.DateTimeField(null=True, blank=True)
    resume_clock = models.BooleanField(
        default=False, help_text="The clock was running when the round closed: run it again after."
    )
    closing_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["session", "number"]
        constraints = [
            models.UniqueConstraint(fields=["session", "number"], name="one_round_number")
        ]

    def __str__(self) -> str:
        return f"Round {self.number}"

    @property
    def first_date(self):
        return timezone.localdate(self.sim_start) if self.sim_start else None

    @property
    def last_date(self):
        return self.first_date + timedelta(days=self.days - 1) if self.sim_start else None


def _optional_money(help_text: str) -> models.DecimalField:
    """Money a team decides, empty where its store has no such lever."""
    return models.DecimalField(
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=help_text,
    )


# Decision keys as teams and commands name them -> model fields.
DECISION_KEYS = {
    "markup": "markup",
    "paid_social.daily_budget": "paid_social_budget",
    "paid_search.daily_budget": "paid_search_budget",
    "email.daily_spend": "email_spend",
    "cod": "cod",
    "cod_call": "cod_call",
    "courier": "courier",
    "bundle": "bundle_offer",
}
KEY_OF_FIELD = {field: key for key, field in DECISION_KEYS.items()}


class Decision(models.Model):
    """A team's decisions for a round. Empty (None) where the store has no such lever."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="decisions")
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="decisions")
    markup = models.DecimalField(
        max_digits=6, decimal_places=2, help_text="Prices as a multiple of unit cost."
    )
    paid_social_budget = _optional_money("Paid social, per day.")
    paid_search_budget = _optional_money("Paid search, per day.")
    email_spend = _optional_money("Email sends and content, per day.")
    cod = models.BooleanField(null=True, blank=True, help_text="Offer cash on delivery.")
    cod_call = models.BooleanField(
        default=False, help_text="Phone every COD buyer to confirm before dispatch."
    )
    courier = models.CharField(max_length=10, choices=Courier.choices, default=Courier.STANDARD)
    bundle_offer = models.BooleanField(
        null=True, blank=True, help_text="Sell the multi-packs (stores that have them)."
    )
    submitted_at = models.DateTimeField(default=timezone.now)
    carried_over = models.BooleanField(
        default=False, help_text="Not submitted: the team's previous decisions, kept."
    )

    class Meta:
        ordering = ["round", "team"]
        constraints = [
            models.UniqueConstraint(fields=["team", "round"], name="one_decision_per_round")
        ]

    def __str__(self) -> str:
        return f"{self.team} in {self.round}"

    def values(self) -> dict[str, Any]:
        """The decisions by key ("markup", "paid_social.daily_budget", ...)."""
        return {key: getattr(self, field) for key, field in DECISION_KEYS.items()}

    def clean(self) -> None:
        """Every value within the bounds the trainer set for the session; a lever the session
        does not offer must stay empty. Errors name the field."""
        bounds = self.round.session.bounds if self.round_id else {}
        errors: dict[str, str] = {}
        for key, field in DECISION_KEYS.items():
            value = getattr(self, field)
            bound = bounds.get(key)
            message = bound_problem(key, value, bound)
            if message:
                errors[field] = message
        if self.cod_call and not self.cod:
            errors.setdefault("cod_call", "cod_call: a confirmation call needs COD switched on.")
        if errors:
            raise ValidationError(errors)


def bound_problem(key: str, value: Any, bound: dict | None) -> str:
    """Why `value` is outside a decision's bound ("" when it is inside)."""
    if bound is None:
        if value in (None, False) or (key == "courier" and value == Courier.STANDARD):
            return ""
        return f"{key}: this session does not offer that decision."
    if "allowed" in bound:
        if value not in bound["allowed"]:
            shown = ", ".join(_text(v) for v in bound["allowed"])
            return f"{key}: choose one of {shown}, not {_text(value)}."
        return ""
    if value is None:
        return f"{key}: enter a value from {bound['min']} to {bound['max']}."
    low, high = Decimal(str(bound["min"])), Decimal(str(bound["max"]))
    if not low <= Decimal(str(value)) <= high:
        return f"{key}: {value} is out of bounds: enter a value from {low} to {high}."
    return ""


def _text(value: Any) -> str:
    if value is True:
        return "on"
    if value is False:
        return "off"
    return str(value)
