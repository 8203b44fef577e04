"""Forms of the classroom, shared by its pages and `manage.py classroom`: create a session, a
team's decisions, a shock on some teams, an order's outcome. A bad value is an error naming its
field, on a page and in a terminal alike (`error_text`); a decision's bounds are checked by the
model (Decision.full_clean) whoever submits it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from . import classroom
from .fields import DecimalNumberField, TextField, WholeNumberField
from .forms_scenarios import ErrorText
from .models import DECISION_KEYS, Courier, Store, Team
from .models.classroom import KEY_OF_FIELD
from .scenarios import SCENARIOS
from .services import classroom as sessions
from .shocks import SHOCKS

ON_OFF = [("on", "On"), ("off", "Off")]
TRUE_WORDS = {"on", "true", "yes", "1"}
FALSE_WORDS = {"off", "false", "no", "0"}


class SessionForm(ErrorText, forms.Form):
    name = TextField(max_length=80, label="Name", initial="Workshop")
    scenario = forms.ChoiceField(
        required=False,
        choices=[("", "None: start from a chosen store")]
        + [(s.key, s.title) for s in SCENARIOS.values()],
        help_text="Each team's store is a copy of the scenario's first store.",
    )
    store = forms.ModelChoiceField(
        required=False,
        queryset=Store.objects.none(),
        to_field_name="slug",
        label="Or a store",
        help_text="Each team's store is a copy of it (the store itself is left alone).",
    )
    references = forms.ModelMultipleChoiceField(
        required=False,
        queryset=Store.objects.none(),
        to_field_name="slug",
        label="Reference stores",
        widget=forms.CheckboxSelectMultiple,
        help_text="Copies of these run beside the teams on the session's clock, unranked.",
    )
    teams = WholeNumberField(min_value=1, max_value=20, initial=2, max_digits=2)
    seconds_per_day = DecimalNumberField(
        min_value=Decimal("0.5"),
        max_value=Decimal("86400"),
        max_digits=8,
        decimal_places=2,
        initial=60,
        label="Real seconds per simulated day",
    )
    round_days = WholeNumberField(
        min_value=1, max_value=90, initial=7, max_digits=2, label="Simulated days per round"
    )
    traffic_scale = WholeNumberField(
        min_value=1, max_value=100, initial=10, max_digits=3, label="Traffic scale"
    )
    history_days = WholeNumberField(
        min_value=0, max_value=365, initial=0, max_digits=3, label="Days of history"
    )
    seed = WholeNumberField(min_value=0, max_value=10**9, initial=1, max_digits=10)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        stores = Store.objects.active().on_real_clock().order_by("name")
        self.fields["store"].queryset = stores
        self.fields["references"].queryset = stores

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if bool(data.get("scenario")) == bool(data.get("store")):
            self.add_error("scenario", "Choose a scenario or a store (one of them).")
        return data

    def create(self):
        data = self.cleaned_data
        return sessions.create_session(
            name=data["name"],
            scenario=data.get("scenario") or "",
            template_store=data.get("store"),
            reference_stores=data.get("references") or (),
            teams=data["teams"],
            seed=data["seed"],
            seconds_per_day=float(data["seconds_per_day"]),
            traffic_scale=data["traffic_scale"],
            round_days=data["round_days"],
            history_days=data["history_days"],
        )


class DecisionForm(ErrorText, forms.Form):
    """A team's decisions for the open round: one field per lever the session offers, named as
    the command names them (`markup`, `paid_social.daily_budget`, `cod`, ...). Values outside
    the trainer's bounds are refused by Decision.full_clean, next to their field."""

    def __init__(self, team: Team, *args: Any, **kwargs: Any) -> None:
        self.team = team
        session = team.session
        round_ = session.current_round()
        current = sessions.decision_for(team, round_).values() if round_ else {}
        kwargs.setdefault("initial", {k: _shown(v) for k, v in current.items()})
        super().__init__(*args, **kwargs)
        # Only the levers the team's store model can use (a platform seller buys no ads).
        for key in classroom.offered_levers(session):
            bound = session.bounds[key]
            lever = classroom.LEVERS[key]
            hint = _bound_text(bound)
            if lever.kind in ("number", "money"):
                field = DecimalNumberField(
                    label=lever.label, max_digits=10, decimal_places=2, required=False
                )
                field.widget.attrs.update({"inputmode": "decimal"})
            elif lever.kind == "switch":
                field = forms.ChoiceField(
                    label=lever.label, choices=ON_OFF, required=False, widget=forms.RadioSelect
                )
            else:
                field = forms.ChoiceField(
                    label=lever.label, choices=Courier.choices, required=False
                )
            field.help_text = f"{lever.help} Allowed: {hint}."
            self.fields[key] = field

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for key in DECISION_KEYS:
            if key in self.data and key not in self.fields:
                self.add_error(None, classroom.refusal(self.team.session.template, key))
        return data

    @property
    def model_note(self) -> str:
        """Why the store model's missing levers are missing, once, above the form."""
        template = self.team.session.template
        return classroom.model_note(template) if template else ""

    def to_python_values(self) -> dict[str, Any]:
        values = {}
        for key, value in self.cleaned_data.items():
            if value in (None, ""):
                continue
            if classroom.LEVERS[key].kind == "switch":
                value = value == "on"
            values[key] = value
        return values

    def save(self):
        """Record the decisions; False (with the errors on the form) when one is refused."""
        if not self.is_valid():
            return None
        try:
            return sessions.record_decision(self.team, self.to_python_values())
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                key = KEY_OF_FIELD.get(field)
                for message in messages:
                    text = message.removeprefix(f"{key}: ") if key in self.fields else message
                    self.add_error(key if key in self.fields else None, text)
        except sessions.ClassroomError as exc:
            self.add_error(None, str(exc))
        return None

    @classmethod
    def from_settings(cls, team: Team, settings: list[str]) -> DecisionForm:
        """KEY=VALUE pairs from the command line, spelled as on the page."""
        data: dict[str, str] = {}
        errors = []
        for item in settings:
            key, sep, value = item.partition("=")
            key = key.strip()
            if not sep and key in DECISION_KEYS:
                # `--set markup` is a decision without its value, not an unknown one.
                errors.append(f"{key}: give its value, e.g. --set {key}=VALUE.")
                continue
            if not sep or key not in DECISION_KEYS:
                errors.append(
                    f"{key or item}: not a decision; use one of {', '.join(DECISION_KEYS)}."
                )
                continue
            value = value.strip()
            if classroom.LEVERS[key].kind == "switch":
                word = value.lower()
                value = "on" if word in TRUE_WORDS else "off" if word in FALSE_WORDS else value
            data[key] = value
        form = cls(team, data, initial={})
        form.unknown = errors
        return form


def _shown(value: Any) -> Any:
    if value is True:
        return "on"
    if value is False:
        return "off"
    return value


def _bound_text(bound: dict[str, Any]) -> str:
    if "allowed" in bound:
        return ", ".join(_shown(v) for v in bound["allowed"])
    return f"{bound['min']} to {bound['max']}"


class ShockForm(ErrorText, forms.Form):
    shock = forms.ChoiceField(choices=[(s.key, s.label) for s in SHOCKS.values()])
    teams = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: every team.",
    )
    days = WholeNumberField(
        min_value=1, max_value=365, required=False, help_text="Empty: its usual duration."
    )

    def __init__(self, session, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.session = session
        self.fields["teams"].choices = [(t.store.slug, t.name) for t in session.teams.all()]

    def stores(self) -> list[Store] | None:
        slugs = self.cleaned_data.get("teams") or []
        return list(Store.objects.filter(slug__in=slugs)) if slugs else None


class OrderOutcomeForm(ErrorText, forms.Form):
    number = TextField(max_length=40, label="Order number")
    outcome = forms.ChoiceField(
        choices=[("refuse", "Refused at the door (COD)"), ("return", "Returned")]
    )
