"""The forms that start an experiment, shared by the dashboard page, `manage.py experiment` and
the admin, so a bad value gets the same message naming its field wherever it was typed.

A sweep's parameter and values are checked by the services (resolve_param, sweep_values), which
run the model's own validation on a copy of the store: nothing is created or queued until every
value passes.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from .fields import WholeNumberField, seed_field
from .models import MAX_POINTS, MAX_REPLICATIONS, Experiment, Store
from .services import experiments
from .services.experiments import MAX_DAYS

DEFAULT_SEEDS = 20
DEFAULT_DAYS = 365


class ExperimentForm(forms.Form):
    """What both kinds share: how many seeds, which days, and the demand streams."""

    # WholeNumberField: ASCII digits only, like every number typed elsewhere ("٣" is not 3).
    seeds = WholeNumberField(
        min_value=1,
        max_value=MAX_REPLICATIONS,
        initial=DEFAULT_SEEDS,
        help_text="Replications: seeds seed, seed + 1, ...",
    )
    days = WholeNumberField(min_value=1, max_value=MAX_DAYS, initial=DEFAULT_DAYS)
    seed = seed_field(initial=1, help_text="The first seed (same seeds, same results).")
    start = forms.DateField(
        required=False, label="First day", help_text="Default: so that the last day is yesterday."
    )
    independent_demand = forms.BooleanField(
        required=False,
        help_text="Give each store its own demand stream (default: every store sees the same "
        "days, which shrinks the noise between them).",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.active_stores = list(Store.objects.active().order_by("name"))
        self.by_slug = {s.slug: s for s in self.active_stores}

    def _store(self, slug: str) -> Store:
        store = self.by_slug.get(slug)
        if store is None:
            raise ValidationError(f"Unknown or inactive store: {slug!r}.")
        return store

    def common(self, chunk_days: int | None) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "chunk_days": chunk_days,
            "replications": data["seeds"],
            "days": data["days"],
            "seed": data["seed"],
            "start_date": data.get("start"),
            "common_random_numbers": not data.get("independent_demand"),
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("start") and data.get("days"):
            try:
                experiments.check_dates(data["start"], data["days"])
            except ValueError as exc:
                self.add_error("start", str(exc))
        return data

    def error_text(self) -> str:
        """Every error on one line each, naming the field: for a 400 body or a CommandError."""
        lines = []
        for name, errors in self.errors.items():
            label = "experiment" if name == "__all__" else name
            lines.extend(f"{label}: {message}" for message in errors)
        return "\n".join(lines)


class ReplicateForm(ExperimentForm):
    stores = forms.CharField(
        required=False, help_text="Comma-separated store slugs (default: every active store)."
    )
    baseline = forms.CharField(
        required=False,
        help_text="Slug of the store the others are compared with (default: the first).",
    )

    def clean_stores(self) -> list[Store]:
        raw = self.cleaned_data.get("stores") or ""
        slugs = [s.strip() for s in raw.split(",") if s.strip()] if isinstance(raw, str) else raw
        if not slugs:
            if not self.active_stores:
                raise ValidationError("No active stores: create some first (manage.py seed_demo).")
            return list(self.active_stores)
        unknown = [s for s in slugs if s not in self.by_slug]
        if unknown:
            raise ValidationError(f"Unknown or inactive store(s): {', '.join(unknown)}.")
        return [self.by_slug[s] for s in dict.fromkeys(slugs)]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        stores = data.get("stores") or []
        baseline = (data.get("baseline") or "").strip()
        data["baseline_store"] = None
        if baseline:
            match = [s for s in stores if s.slug == baseline]
            if not match:
                self.add_error("baseline", f"The baseline {baseline!r} is not among the stores.")
            else:
                data["baseline_store"] = match[0]
        return data

    def create(self, *, chunk_days: int | None = None) -> Experiment:
        """The experiment, created (call after is_valid(); dispatch it to start it)."""
        data = self.cleaned_data
        return experiments.create_replication(
            data["stores"], baseline=data["baseline_store"], **self.common(chunk_days)
        )


class SweepForm(ExperimentForm):
    store = forms.CharField(help_text="Slug of the store whose parameter varies.")
    param = forms.CharField(
        label="Parameter",
        help_text="A store field (delivery_days_max, markup, ...) or a channel's setting as "
        "channel.setting (paid_social.daily_budget).",
    )
    values = forms.CharField(
        help_text=f"Comma-separated values to try, at most {MAX_POINTS} (e.g. 1,2,4,8)."
    )

    field_order = ["store", "param", "values", "seeds", "days", "seed", "start"]

    def clean_store(self) -> Store:
        return self._store((self.cleaned_data.get("store") or "").strip())

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        store = data.get("store")
        if store is None or "param" not in data:
            return data
        try:
            data["sweep_param"] = experiments.resolve_param(store, data["param"])
        except ValidationError as exc:
            self.add_error("param", exc)
            return data
        raw = [v for v in (data.get("values") or "").split(",") if v.strip()]
        try:
            data["value_list"] = experiments.sweep_values(store, data["sweep_param"], raw)
        except ValidationError as exc:
            self.add_error("values", exc)
        return data

    def create(self, *, chunk_days: int | None = None) -> Experiment:
        data = self.cleaned_data
        return experiments.create_sweep(
            data["store"], param=data["param"], values=data["value_list"], **self.common(chunk_days)
        )
