"""Colour contrast of store themes and print colours (WCAG 2.2), without Django."""

from __future__ import annotations

import pytest

from stores import contrast
from stores.presets import PRESETS


def test_ratio_matches_wcag_reference_values():
    assert contrast.ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast.ratio("#ffffff", "#ffffff") == pytest.approx(1.0)
    assert contrast.ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)


@pytest.mark.parametrize("key", sorted(k for k, p in PRESETS.items() if p.theme))
def test_every_preset_theme_passes_and_gets_a_visible_focus_ring(key):
    theme = PRESETS[key].theme
    primary, accent = theme["primary_colour"], theme["accent_colour"]
    assert contrast.theme_problems(primary, accent) == []
    ring = contrast.focus_ring(primary, accent)
    assert contrast.ratio(ring, contrast.PAGE) >= 3 and contrast.ratio(ring, contrast.CARD) >= 3


def test_an_accent_too_light_for_a_ring_falls_back_to_the_primary_colour():
    # Everything Emporium's yellow is 1.6:1 on the page: its ring is the dark blue instead.
    assert contrast.focus_ring("#0b5394", "#f1c232") == "#0b5394"
    assert contrast.focus_ring("#0b5394", "#1a7f37") == "#1a7f37"  # a dark accent is used


def test_theme_problems_name_the_colour_and_the_field():
    problems = contrast.theme_problems("#9ec5fe", "#333333")
    assert {p.field for p in problems} == {"primary_colour", "accent_colour"}
    assert any("#9ec5fe" in p.message for p in problems)
    assert any("#333333" in p.message for p in problems)
