"""Fee rules shared by simulated and shopper orders (pure Python, Decimal in, Decimal out).

One place for each rule: the engine and the checkout service both call these, so a synthetic
order and a shopper's order of the same basket carry the same fees.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0")


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class FeeSchedule:
    card_fee_rate: Decimal
    card_fee_fixed: Decimal
    cod_fee_rate: Decimal
    cod_fee_min: Decimal
    platform_fee_rate: Decimal = ZERO

    def payment_fee(self, method: str, charged: Decimal) -> Decimal:
        """Processor fee on a prepaid order (card, PayPal, UPI), booked when it is paid."""
        if method == "cod" or charged <= 0:
            return ZERO
        return cents(charged * self.card_fee_rate + self.card_fee_fixed)

    def cod_fee(self, charged: Decimal) -> Decimal:
        """The courier's fee for collecting cash: the higher of a minimum or a share of value.

        Booked when the cash is collected at the door; a refused parcel pays none.
        """
        if charged <= 0:
            return ZERO
        return cents(max(self.cod_fee_min, charged * self.cod_fee_rate))

    def platform_fee(self, charged: Decimal) -> Decimal:
        return cents(charged * self.platform_fee_rate)
