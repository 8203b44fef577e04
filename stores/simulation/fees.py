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
    # A marketplace takes the buyer's payment itself; its commission covers the processing.
    platform_collects_payment: bool = False
    # A managed platform's logistics (seed 003), charged per unit sold: picking, packing and the
    # last mile (fulfilment), and the overseas warehouse's storage (warehousing).
    fulfilment_fee: Decimal = ZERO
    warehousing_fee: Decimal = ZERO

    @property
    def unit_fee(self) -> Decimal:
        """What the platform charges per unit sold for its logistics."""
        return self.fulfilment_fee + self.warehousing_fee

    def payment_fee(self, method: str, charged: Decimal) -> Decimal:
        """Processor fee on a prepaid order (card, PayPal, UPI), booked when it is paid."""
        if method == "cod" or charged <= 0 or self.platform_collects_payment:
            return ZERO
        return cents(charged * self.card_fee_rate + self.card_fee_fixed)

    def cod_fee(self, charged: Decimal) -> Decimal:
        """The courier's fee for collecting cash: the higher of a minimum or a share of value.

        Booked when the cash is collected at the door; a refused parcel pays none.
        """
        if charged <= 0:
            return ZERO
        return cents(max(self.cod_fee_min, charged * self.cod_fee_rate))

    def platform_fee(self, charged: Decimal, units: int = 0) -> Decimal:
        """The platform's commission on the sale plus its logistics fees per unit, booked at
        placement (the ledger's `platform_fee` line)."""
        return cents(charged * self.platform_fee_rate) + cents(self.unit_fee * units)


# Integer-cent versions of the same rules, for the simulation engine, which computes money for
# thousands of orders at once as arrays of cents. They must give exactly what the Decimal methods
# above give (tests/test_simulation.py checks it), so a fee never depends on the code path.


def _ratio(rate: Decimal) -> tuple[int, int]:
    numerator, denominator = rate.as_integer_ratio()
    return numerator, denominator


def _cents_times_rate(charged_cents, rate: Decimal):
    """round-half-up(charged x rate) in cents, exact on integers (ints or int64 arrays >= 0)."""
    num, den = _ratio(rate)
    return (2 * charged_cents * num + den) // (2 * den)


def _to_cents(amount: Decimal) -> int:
    return int(cents(amount) * 100)


def payment_fee_cents(schedule: FeeSchedule, charged_cents):
    """FeeSchedule.payment_fee for prepaid orders, in cents (0 where nothing was charged)."""
    fee = _cents_times_rate(charged_cents, schedule.card_fee_rate) + _to_cents(
        schedule.card_fee_fixed
    )
    return fee * (charged_cents > 0) * (not schedule.platform_collects_payment)


def cod_fee_cents(schedule: FeeSchedule, charged_cents):
    """FeeSchedule.cod_fee in cents: max(minimum, rounded share); the minimum is whole cents."""
    share = _cents_times_rate(charged_cents, schedule.cod_fee_rate)
    minimum = _to_cents(schedule.cod_fee_min)
    fee = share if isinstance(share, int) else share.copy()
    fee = max(fee, minimum) if isinstance(fee, int) else fee.clip(min=minimum)
    return fee * (charged_cents > 0)


def platform_fee_cents(schedule: FeeSchedule, charged_cents, units=0):
    """FeeSchedule.platform_fee in cents: commission plus the per-unit logistics fees."""
    return _cents_times_rate(charged_cents, schedule.platform_fee_rate) + units * _to_cents(
        schedule.unit_fee
    )
