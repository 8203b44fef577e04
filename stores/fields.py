"""Form fields that run people's input through stores.validation (the one validation layer).

The storefront forms, the dashboard's filter form and the admin's store and product forms use
these, so a control character, a digit from another script or a 5,000-digit number gets the
same refusal everywhere, shown next to the field it was typed in.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.db import models

from . import validation


def _invalid(exc: validation.InvalidInput) -> forms.ValidationError:
    return forms.ValidationError(exc.message, code="invalid")


class TextField(forms.CharField):
    """A CharField whose value is clean text (see validation.text), always of bounded length."""

    def __init__(
        self,
        *,
        max_length: int | None = None,
        multiline: bool = False,
        letters: bool = False,
        **kwargs: Any,
    ) -> None:
        self.multiline = multiline
        self.letters = letters
        # A model TextField has no max_length: text is still bounded.
        super().__init__(max_length=max_length or 10_000, **kwargs)

    def to_python(self, value: Any) -> str:
        if value in self.empty_values:
            return self.empty_value
        try:
            return validation.text(
                value,
                str(self.label or "This field"),
                max_length=self.max_length,
                required=self.required,
                multiline=self.multiline,
                letters=self.letters,
            )
        except validation.InvalidInput as exc:
            raise _invalid(exc) from None


class WholeNumberField(forms.IntegerField):
    """An IntegerField that reads ASCII digits only, with a bounded number of digits.

    The syntax is checked here; the range stays with min_value / max_value and their messages.
    """

    def __init__(self, *, max_digits: int = 10, **kwargs: Any) -> None:
        self.max_digits = max_digits
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> int | None:
        if value in self.empty_values:
            return None
        rule = validation.NumberRule(
            minimum=-(10**self.max_digits), maximum=10**self.max_digits, max_digits=self.max_digits
        )
        try:
            return validation.whole_number(value, str(self.label or "This field"), rule)
        except validation.InvalidInput as exc:
            raise _invalid(exc) from None


class DecimalNumberField(forms.DecimalField):
    """A DecimalField that reads ASCII digits and a point only (Decimal() reads "٣" as 3)."""

    def to_python(self, value: Any):
        if value in self.empty_values:
            return None
        try:
            validation.decimal_text(
                value, str(self.label or "This field"), max_digits=(self.max_digits or 30) + 1
            )
        except validation.InvalidInput as exc:
            raise _invalid(exc) from None
        return super().to_python(value)


class FloatNumberField(forms.FloatField):
    """A FloatField that reads ASCII digits, a point and an exponent only, up to a bound:
    float() reads "٣" as 3, and Django's own field takes "1e308" (a weight no catalogue needs,
    whose sum is infinite). The exponent stays: Django shows a small float as "1e-05"."""

    SPELLING = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]{1,3})?", re.ASCII)

    def __init__(self, *, max_magnitude: float = 1e12, **kwargs: Any) -> None:
        self.max_magnitude = max_magnitude
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> float | None:
        if value in self.empty_values:
            return None
        text = str(value).strip()
        if len(text) > 40 or not self.SPELLING.fullmatch(text):
            raise forms.ValidationError(
                "Enter a number using the digits 0-9 and a point, e.g. 12.50.", code="invalid"
            )
        number = float(text)
        if abs(number) > self.max_magnitude:
            raise forms.ValidationError(
                f"Enter a number no larger than {self.max_magnitude:,.0f}.", code="invalid"
            )
        return number


# For ModelAdmin.formfield_overrides: every model field a person types into goes through the
# layer. (The admin gives fields with choices its own select first; a slug keeps Django's ASCII
# slug check.)
MODEL_FORMFIELD_OVERRIDES: dict[type, dict[str, Any]] = {
    models.SlugField: {"form_class": forms.SlugField},
    models.CharField: {"form_class": TextField},
    models.TextField: {"form_class": TextField, "multiline": True},
    models.IntegerField: {"form_class": WholeNumberField},
    models.DecimalField: {"form_class": DecimalNumberField},
    models.FloatField: {"form_class": FloatNumberField},
}


def seed_field(**kwargs: Any) -> WholeNumberField:
    """A random seed typed by a person (validation.MAX_SEED: what a 64-bit column holds)."""
    return WholeNumberField(
        min_value=0, max_value=validation.MAX_SEED, max_digits=len(str(validation.MAX_SEED)),
        **kwargs,
    )  # fmt: skip
