"""Field helpers shared by the models: rates, money, day counts, colours."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models


def rate_field(value: Decimal, help_text: str, *, maximum: float = 1.0) -> models.DecimalField:
    """A probability or share in 0..1 (or a multiplier up to `maximum`), four decimal places."""
    return models.DecimalField(
        max_digits=7,
        decimal_places=4,
        default=Decimal(str(value)),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal(str(maximum)))],
        help_text=help_text,
    )


def money_field(value: Decimal | str = "0", help_text: str = "", **kwargs) -> models.DecimalField:
    return models.DecimalField(
        max_digits=12,
        decimal_places=2,
        default=Decimal(value),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=help_text,
        **kwargs,
    )


def days_field(value: int, help_text: str) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        default=value, validators=[MaxValueValidator(365)], help_text=help_text
    )


hex_colour = RegexValidator(r"^#[0-9a-fA-F]{6}$", "Enter a colour as #rrggbb, e.g. #1f6feb.")
