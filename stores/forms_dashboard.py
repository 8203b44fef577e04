"""The dashboard's filter form, shared by the web pages, the exports and `manage.py compare`.

A bad value (unknown store, channel or run, a date that is not a date, from after to) is a form
error; the views answer it with a 400 naming the field, the command with a non-zero exit.
"""

from __future__ import annotations

from typing import Any

from django import forms

from . import metrics
from .models import Channel, Market, SimulationRun, Source, Store

RUN_LATEST = ""  # the default: the most recent run with data when there is one, else every row
RUN_ALL = "all"
RUNS_LISTED = 20  # the run picker's length


class DashboardFilterForm(forms.Form):
    stores = forms.MultipleChoiceField(
        required=False, help_text="Stores to compare (default: every active store, or the run's)."
    )
    run = forms.CharField(required=False, help_text="A run id, 'live', 'all' or empty (latest).")
    baseline = forms.CharField(required=False, help_text="Slug of the store compared against.")
    date_from = forms.DateField(required=False, label="From")
    date_to = forms.DateField(required=False, label="To")
    channel = forms.ChoiceField(required=False, choices=[("", "All channels"), *Channel.choices])
    market = forms.ChoiceField(required=False, choices=[("", "All markets"), *Market.choices])
    source = forms.ChoiceField(
        required=False, choices=[("", "Synthetic and shoppers"), *Source.choices]
    )
    present = forms.BooleanField(required=False, label="Presentation mode")

    def __init__(self, *args: Any, strict_baseline: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The page forgives a baseline whose store was just unticked (it falls back to the
        # first store and says so); exports and the command refuse it.
        self.strict_baseline = strict_baseline
        self.notices: list[str] = []
        self.all_stores = list(Store.objects.active().order_by("name"))
        self.fields["stores"].choices = [(s.slug, s.name) for s in self.all_stores]
        self.runs = list(
            SimulationRun.objects.worth_listing().order_by("-created_at", "-id")[:RUNS_LISTED]
        )

    def clean_run(self) -> SimulationRun | str | None:
        value = (self.cleaned_data.get("run") or "").strip()
        if value == RUN_LATEST:
            # Never a run that has written nothing yet (or never will): every store would show 0.
            latest = next((r for r in self.runs if r.chunks_done), None)
            if latest is None and len(self.runs) == RUNS_LISTED:  # older than the list shows
                latest = SimulationRun.objects.with_data().order_by("-created_at", "-id").first()
            return latest
        if value == RUN_ALL:
            return None
        if value == metrics.LIVE:
            return metrics.LIVE
        if not value.isdigit():
            raise forms.ValidationError(
                f"Run must be a run number, 'live' or 'all', not {value!r}."
            )
        run = next((r for r in self.runs if r.pk == int(value)), None)
        run = run or SimulationRun.objects.filter(pk=int(value)).first()
        if run is None:
            raise forms.ValidationError(f"There is no simulation run #{value}.")
        return run

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date is before the start date.")
        chosen = data.get("stores") or []
        run = data.get("run")
        by_slug = {s.slug: s for s in self.all_stores}
        if chosen:
            stores = [by_slug[slug] for slug in chosen]
        elif isinstance(run, SimulationRun):
            run_ids = set(run.stores.values_list("id", flat=True))
            stores = [s for s in self.all_stores if s.id in run_ids] or self.all_stores
        else:
            stores = self.all_stores
        if data.get("market"):
            stores = [s for s in stores if s.market == data["market"]]
        data["store_list"] = stores
        baseline = (data.get("baseline") or "").strip()
        if baseline and baseline not in {s.slug for s in stores}:
            message = f"The baseline {baseline!r} is not among the stores shown."
            if self.strict_baseline:
                self.add_error("baseline", message)
            else:
                self.notices.append(message + " Comparing against the first store instead.")
                baseline = ""
        data["baseline"] = baseline or None
        return data

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

    def error_text(self) -> str:
        """Every error on one line each, naming the field: for a 400 body or a CommandError."""
        lines = []
        for name, errors in self.errors.items():
            label = "filters" if name == "__all__" else name
            lines.extend(f"{label}: {message}" for message in errors)
        return "\n".join(lines)
