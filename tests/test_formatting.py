"""How figures are written: the projector's tables drop the cents of large amounts."""

from __future__ import annotations

from decimal import Decimal

from stores import formatting as fmt
from stores.stats import Interval


def test_the_projector_writes_large_amounts_whole_and_small_ones_with_cents():
    assert fmt.metric_value(Decimal("39154.70"), "money") == "39,154.70"
    assert fmt.metric_value(Decimal("39154.70"), "money", whole_money=True) == "39,155"
    assert fmt.metric_value(Decimal("-1234.60"), "money", whole_money=True) == "−1,235"
    assert fmt.metric_value(Decimal("999.50"), "money", whole_money=True) == "999.50"
    # Rates, counts and days are not money: unchanged.
    assert fmt.metric_value(0.2351, "rate", whole_money=True) == "23.5%"
    assert fmt.metric_value(2233, "count", whole_money=True) == "2,233"
    assert fmt.interval_text(Interval(1200.4, 1800.6), "money", whole_money=True) == (
        "1,200 – 1,801"
    )


def test_a_negative_rate_takes_the_minus_sign_money_takes_and_zero_has_none():
    # A negative contribution margin read "-16.3%" beside "−1,451.45"; a tiny one "-0.0%".
    assert fmt.metric_value(-0.163, "rate") == "−16.3%"
    assert fmt.metric_value(-0.0004, "rate") == "0.0%"
    assert fmt.pct(0.05) == "5.0%" and fmt.pct(-0.05, 0) == "−5%"
