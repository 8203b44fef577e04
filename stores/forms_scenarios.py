"""Forms for the training layer, shared by the admin pages and the commands: apply a shock of
the library, start a scenario. A bad value is an error naming its field, on a page and in a
terminal alike (`error_text`).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from .fields import TextField, WholeNumberField, seed_field
from .scenarios import SCENARIOS, get_scenario
from .services.runs import MAX_DAYS
from .services.scenarios import PREFIX_MAX, check_prefix
from .shocks import SHOCKS, check_window

RUN, LIVE = "run", "live"


def day_count_field(**kwargs: Any) -> WholeNumberField:
    """A number of days, or a day of a run: within the longest run (a date stays a date)."""
    return WholeNumberField(max_value=MAX_DAYS, max_digits=len(str(MAX_DAYS)), **kwargs)


class ErrorText:
    def error_text(self) -> str:
        """Every error on one line each, naming the field: for a page or a CommandError."""
        # A message about the whole form stands alone ("input: cod: this session does not
        # offer that decision" read as if "input" were a field).
        return "\n".join(
            message if name == "__all__" else f"{name}: {message}"
            for name, errors in self.errors.items()
            for message in errors
        )


class ApplyShockForm(ErrorText, forms.Form):
    """A shock for the selected stores: in a new run of their history, or on their live
    traffic from a day on."""

    shock = forms.ChoiceField(
        choices=[(s.key, f"{s.label}: {s.summary}") for s in SHOCKS.values()],
        widget=forms.RadioSelect,
    )
    target = forms.ChoiceField(
        choices=[
            (RUN, "A new run of the last N days (the start day counts from its first day)"),
            (LIVE, "Their live traffic (the start day counts from today)"),
        ],
        initial=RUN,
        widget=forms.RadioSelect,
    )
    start_day = day_count_field(min_value=0, initial=30, label="Start day")
    days = day_count_field(
        min_value=1, required=False, label="Days", help_text="Empty: the shock's usual duration."
    )
    open_ended = forms.BooleanField(required=False, help_text="No end, whatever the duration.")
    history_days = day_count_field(
        min_value=1, initial=90, required=False, label="Days of the new run"
    )
    seed = seed_field(
        required=False, label="Seed", help_text="Empty: a random seed (a new run only)."
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        shock = SHOCKS.get(data.get("shock") or "")
        if shock is None or data.get("start_day") is None:
            return data
        days = None if data.get("open_ended") else (data.get("days") or shock.days)
        data["resolved_days"] = days
        run_days = None
        if data.get("target") == RUN:
            if not data.get("history_days"):
                self.add_error("history_days", "A new run needs its number of days.")
                return data
            run_days = data["history_days"]
        try:
            check_window(data["start_day"], days, run_days)
        except ValueError as exc:
            self.add_error("start_day", str(exc).replace("START_DAY", "The start day"))
        return data


class StartScenarioForm(ErrorText, forms.Form):
    scenario = forms.ChoiceField(
        choices=[(s.key, s.title) for s in SCENARIOS.values()], widget=forms.RadioSelect
    )
    seed = seed_field(
        initial=1,
        label="Seed",
        help_text="Same seed and store numbers, same history (a store's number is part of its "
        "random streams).",
    )
    prefix = TextField(
        label="Prefix",
        max_length=PREFIX_MAX,
        required=False,
        help_text="Starts the names and slugs of its stores (e.g. the class's name). "
        "Empty: S<number>.",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        prefix = (data.get("prefix") or "").strip()
        if prefix and data.get("scenario"):
            try:
                check_prefix(get_scenario(data["scenario"]), prefix)
            except ValidationError as exc:
                for message in exc.message_dict.get("prefix", []):
                    self.add_error("prefix", message)
        data["prefix"] = prefix
        return data
