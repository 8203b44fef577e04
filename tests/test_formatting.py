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
