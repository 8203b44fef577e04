"""Calibration: every preset's outcomes stay inside the ranges their sources cite, and
docs/calibration.md says what the code gives."""

from pathlib import Path

import pytest

from stores.calibration import calibrate, markdown
from stores.presets import PRESETS
from stores.simulation import calibration


@pytest.fixture(scope="module")
def reports():
    return calibrate()


def test_every_cited_outcome_of_every_preset_lies_in_its_range(reports):
    misses = [
        f"{r.label}: {row.outcome.label} {row.mean:.4f} not in "
        f"[{row.target.low}, {row.target.high}] ({row.target.source})"
        for r in reports
        for row in r.misses
    ]
    assert not misses, "\n".join(misses)


def test_every_preset_is_judged_on_what_its_model_is_about(reports):
    judged = {
        r.key: {row.outcome.key for row in r.rows if row.within is not None}
        for r in reports
        if r.label == PRESETS[r.key].label  # the presets themselves, not their variants
    }
    for key in PRESETS:
        assert {"conversion_rate", "cart_abandonment", "chargeback_rate"} <= judged[key], key
        assert "returns_rate" in judged[key] or key == "cod", key  # COD: refusals instead
    assert {"cod_refusal_rate", "cod_refusal_1_2_days", "cash_lag_cod"} <= judged["cod"]
    assert {"contribution_margin", "delivery_days"} <= judged["dropship"]
    assert "ad_share" in judged["single_product"]
    assert "margin_after_fulfilment" in judged["pod"]
    # The slow-courier variant fills the bands the demo store's quick courier leaves empty.
    slow = next(r for r in reports if r.key == "cod" and "slow courier" in r.label)
    assert {row.outcome.key for row in slow.rows if row.within} == {
        "cod_refusal_3_5_days",
        "cod_refusal_6_plus_days",
    }


def test_every_target_names_a_real_outcome_and_a_source():
    for preset in PRESETS.values():
        for key, target in preset.targets.items():
            assert key in calibration.OUTCOME_BY_KEY, (preset.key, key)
            assert target.low <= target.high and len(target.source) > 10, (preset.key, key)


def test_docs_calibration_md_is_the_commands_output(reports):
    doc = Path(__file__).resolve().parent.parent / "docs" / "calibration.md"
    assert doc.read_text().strip() == markdown(reports).strip(), (
        "docs/calibration.md is stale: python manage.py calibrate > docs/calibration.md"
    )
