"""The dashboard's filter form, shared by the web pages, the exports and `manage.py compare`.

A bad value (unknown store, channel or run, a date that is not a date, from after to) is a form
error; the views answer it with a 400 naming the field, the command with a non-zero exit.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Exists, OuterRef

from . import metrics, validation
from .models import (
    Channel,
    DashboardPreference,
    Market,
    SimulationRun,
    Source,
    Store,
    TrainingSession,
)
from .services.runs import FIRST_DAY, LAST_DAY

RUN_LATEST = ""  # the default: the most recent run with data when there is one, else every row
RUN_ALL = "all"
RUN_NUMBER = validation.NumberRule(minimum=1, maximum=2**63 - 1, max_digits=19)
# What presentation mode shows until the trainer picks: conversion, the lagged rates that tell
# the models apart, and the margin.
DEFAULT_SHOWN = ("conversion_rate", "returns_rate", "cod_refusal_rate", "contribution_margin")
CHART_STORES_DEFAULT = 5
RUNS_LISTED = 20  # the run picker's length


class DashboardFilterForm(forms.Form):
    stores = forms.MultipleChoiceField(
        required=False,
        help_text="Stores to compare (default: every active store outside training sessions, "
        "or the run's).",
    )
    run = forms.CharField(
        required=False,
        help_text="A run id, 'live', 'all' or empty (latest).",
        # A NUL byte is refused before clean_run sees it: the same message, naming the field.
        error_messages={
            "null_characters_not_allowed": "Run must be a run number, 'live' or 'all'."
        },
    )
    baseline = forms.CharField(required=False, help_text="Slug of the store compared against.")
    date_from = forms.DateField(required=False, label="From")
    date_to = forms.DateField(required=False, label="To")
    channel = forms.ChoiceField(required=False, choices=[("", "All channels"), *Channel.choices])
    market = forms.ChoiceField(required=False, choices=[("", "All markets"), *Market.choices])
    source = forms.ChoiceField(
        required=False, choices=[("", "Synthetic and shoppers"), *Source.choices]
    )
    present = forms.BooleanField(required=False, label="Presentation mode")
    show = forms.MultipleChoiceField(
        required=False,
        choices=[(m.key, m.label) for m in metrics.METRICS],
        help_text="The metrics presentation mode shows (remembered).",
    )
    chart = forms.MultipleChoiceField(
        required=False, help_text="The stores the charts draw (remembered; default: all)."
    )

    def __init__(
        self,
        *args: Any,
        strict_baseline: bool = True,
        preference: DashboardPreference | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        # The page forgives a baseline whose store was just unticked (it compares with none and
        # says so); exports and the command refuse it.
        self.strict_baseline = strict_baseline
        # A trainer's remembered choices (the page's only): used where the request names none.
        self.preference = preference
        self.notices: list[str] = []
        # A training session's stores are the session's to compare (its leaderboard, screen and
        # debrief): listed apart, and out of the default selection, as their history run is out
        # of "latest run".
        in_session = TrainingSession.stores.through.objects.filter(store_id=OuterRef("pk"))
        self.all_stores = list(
            Store.objects.active().annotate(in_session=Exists(in_session)).order_by("name")
        )
        self.session_stores = [s for s in self.all_stores if s.in_session]
        self.own_stores = [s for s in self.all_stores if not s.in_session]
        self.fields["stores"].choices = [(s.slug, s.name) for s in self.all_stores]
        self.fields["chart"].choices = [(s.slug, s.name) for s in self.all_stores]
        history = TrainingSession.objects.filter(history_run=OuterRef("pk"))
        self.runs = list(
            SimulationRun.objects.worth_listing()
            .annotate(session_history=Exists(history))
            .order_by("-created_at", "-id")[:RUNS_LISTED]
        )

    def clean_run(self) -> SimulationRun | str | None:
        value = (self.cleaned_data.get("run") or "").strip()
        if value == RUN_LATEST:
            # Never a run that has written nothing yet (or never will): every store would show 0.
            # Nor a training session's history (its stores are the session's).
            latest = next((r for r in self.runs if r.chunks_done and not r.session_history), None)
            if latest is None and len(self.runs) == RUNS_LISTED:  # older than the list shows
                history = TrainingSession.objects.filter(history_run=OuterRef("pk"))
                latest = (
                    SimulationRun.objects.with_data()
                    .exclude(Exists(history))
                    .order_by("-created_at", "-id")
                    .first()
                )
            return latest
        if value == RUN_ALL:
            return None
        if value == metrics.LIVE:
            return metrics.LIVE
        try:
            number = validation.whole_number(value, "Run", RUN_NUMBER)
        except validation.InvalidInput:
            raise forms.ValidationError(
                f"Run must be a run number, 'live' or 'all', not {value[:20]!r}."
            ) from None
        run = next((r for r in self.runs if r.pk == number), None)
        run = run or SimulationRun.objects.filter(pk=number).first()
        if run is None:
            raise forms.ValidationError(f"There is no simulation run #{value}.")
        if not FIRST_DAY <= run.start_date <= LAST_DAY:
            # Created before its dates were checked (a --start of 0001-01-01): it never wrote a
            # day, and reading it overflowed the calendar (a 500).
            raise forms.ValidationError(
                f"Run #{run.pk} starts on {run.start_date}, outside the dates a run can "
                f"simulate ({FIRST_DAY} to {LAST_DAY}): it has no figures."
            )
        return run

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date is before the start date.")
        chosen = data.get("stores") or []
        run = data.get("run")
        by_slug = {s.slug: s for s in self.all_stores}
        stores = [by_slug[slug] for slug in chosen] if chosen else self.own_stores
        if isinstance(run, SimulationRun):
            # A store the run did not simulate has no figures in it: left out, not shown at 0.
            run_ids = set(run.stores.values_list("id", flat=True))
            outside = [s.name for s in stores if s.id not in run_ids]
            stores = [s for s in stores if s.id in run_ids]
            if outside and chosen:
                self.notices.append(
                    f"Run #{run.pk} did not simulate {', '.join(outside)}: left out."
                )
        if data.get("market"):
            stores = [s for s in stores if s.market == data["market"]]
        data["store_list"] = stores
        data["baseline"] = self._baseline(data, stores)
        return data

    def _baseline(self, data: dict[str, Any], stores: list[Store]) -> str | None:
        """The store compared against: the one the request names, else the trainer's
        remembered choice; never a store picked silently."""
        slugs = {s.slug for s in stores}
        if "baseline" in self.data:
            baseline = (data.get("baseline") or "").strip()
        elif self.preference is not None and self.preference.baseline_id:
            baseline = next((s.slug for s in stores if s.id == self.preference.baseline_id), "")
        else:
            baseline = ""
        if baseline and baseline not in slugs:
            # At most 40 characters of what was typed: a 3,000-character value filled the page.
            message = f"The baseline {baseline[:40]!r} is not among the stores shown."
            if self.strict_baseline:
                self.add_error("baseline", message)
            else:
                self.notices.append(message + " Choose another to compare against.")
            return None
        return baseline or None

    def shown_metrics(self) -> list[str]:
        """The metrics presentation mode shows: the request's, the remembered ones, or a few
        that tell most stories."""
        if "show" in self.data and self.cleaned_data.get("show"):
            chosen = set(self.cleaned_data["show"])
        elif self.preference is not None and self.preference.metrics:
            chosen = set(self.preference.metrics)
        else:
            chosen = set(DEFAULT_SHOWN)
        return [m.key for m in metrics.METRICS if m.key in chosen]  # in the table's order

    def chart_slugs(self) -> list[str]:
        """The stores the charts draw: the request's, the remembered ones, else the first
        CHART_STORES_DEFAULT (more lines than that tangle on a slide)."""
        shown = [s.slug for s in self.cleaned_data.get("store_list", [])]
        if "chart" in self.data and self.cleaned_data.get("chart"):
            picked = self.cleaned_data["chart"]
        elif self.preference is not None and self.preference.chart_stores:
            picked = self.preference.chart_stores
        else:
            return shown[:CHART_STORES_DEFAULT]
        return [slug for slug in shown if slug in picked] or shown[:CHART_STORES_DEFAULT]

    def remember(self) -> None:
        """Keep what the request chose explicitly (baseline, shown metrics, chart stores); a
        choice already kept writes nothing (the page refreshes itself every few seconds)."""
        if self.preference is None or not self.is_valid():
            return
        pref, changed = self.preference, []
        if "baseline" in self.data:
            slug = self.cleaned_data.get("baseline")
            baseline = next((s for s in self.all_stores if s.slug == slug), None)
            if pref.baseline_id != (baseline.pk if baseline else None):
                pref.baseline = baseline
                changed.append("baseline")
        if "show" in self.data and self.cleaned_data.get("show"):
            shown = list(self.cleaned_data["show"])
            if pref.metrics != shown:
                pref.metrics = shown
                changed.append("metrics")
        if "chart" in self.data and self.cleaned_data.get("chart"):
            charted = list(self.cleaned_data["chart"])
            if pref.chart_stores != charted:
                pref.chart_stores = charted
                changed.append("chart_stores")
        if changed and pref.pk is None:
            pref.save()
        elif changed:
            pref.save(update_fields=[*changed, "updated_at"])

    def selection(self) -> dict[str, Any]:
        """Keyword arguments for metrics.compare_stores (after is_valid())."""
        data = self.cleaned_data
        return {
            "run": data.get("run"),
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
            "channel": data.get("channel") or None,
            "market": data.get("market") or None,
            "source": data.get("source") or None,
            "baseline": data.get("baseline"),
        }

    def error_lines_for_people(self) -> list[str]:
        """The page's version of error_text: each filter by the label the form shows it under,
        then the query parameter ("To (date_to): ..."); "date_to:" alone named no control."""
        lines = []
        for name, errors in self.errors.items():
            field = self.fields.get(name)
            label = "Filters" if field is None else f"{field.label or name.capitalize()} ({name})"
            lines.extend(f"{label}: {message}" for message in errors)
        return lines

    def error_text(self) -> str:
        """Every error on one line each, naming the field: for a 400 body or a CommandError."""
        lines = []
        for name, errors in self.errors.items():
            label = "filters" if name == "__all__" else name
            lines.extend(f"{label}: {message}" for message in errors)
        return "\n".join(lines)
