"""Every date rule of an order's life, and when each outcome can no longer change.

Pure Python (ints, or numpy arrays of them); no Django. The engine plans orders with these rules,
checkout's delivery estimate shows the same ranges to the shopper, and the dashboard asks
`Horizons` when a placement day (a cohort) can no longer change.

An order's life, in days from placement:
- dispatch: after the supplier's processing when a product has a lead time (dropship: the
  slowest line's supplier), otherwise after the store's handling days (production for POD);
- at the door: dispatch + transit (delivery days);
- refused: at the door (COD);
- refunded (late parcel): a buyer whose parcel came after `late_after_days` asks for the money
  back within LATE_CLAIM_DAYS of delivery;
- returned: inside the return window after delivery;
- charged back: CHARGEBACK_DAYS after delivery (a dispute takes weeks to land);
- cash: a prepaid order's money when the processor pays it out, payout days after the charge
  (or, where a platform collects the payment, payout days after delivery), rounded up to the
  next settlement of a payout cycle; a COD order's when the courier remits it, remittance days
  after delivery.

`Horizons` bounds each of these: no outcome of an order placed on day d happens after the end
of day d + its horizon (tests/test_timeline.py checks every preset's orders against it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DAY = 86_400

# Model choices (no public figure gives these lags; they bound when a cohort settles):
# a late parcel's refund claim comes within a week of delivery, and a card dispute one to
# eight weeks after it (card networks allow far longer, but most disputes land early).
LATE_CLAIM_DAYS = (0, 7)
CHARGEBACK_DAYS = (7, 60)


@dataclass(frozen=True)
class Rules:
    """The date parameters of one store (built from a Store by services.engine_params)."""

    handling_days: tuple[int, int]
    delivery_days: tuple[int, int]
    return_window_days: int
    late_after_days: int
    cod_remittance_days: int
    payout_days: int = 0
    payout_after_delivery: bool = False  # a platform collects the payment, pays after delivery
    payout_cycle_days: int = 0  # 0: paid out every day
    max_lead_days: int = 0  # the longest supplier lead time among the store's products


def dispatch_days(rules: Rules, lead_days, handling_draw):
    """Days from order to dispatch: the supplier's lead time where a line has one, else the
    store's handling (`handling_draw`, drawn in rules.handling_days)."""
    return np.where(lead_days > 0, lead_days, handling_draw)


def door_range(rules: Rules, lead_days: int = 0) -> tuple[int, int]:
    """(fewest, most) days from order to the door for a basket whose slowest supplier needs
    `lead_days` (0: the store handles dispatch itself). What checkout promises the shopper."""
    low, high = (lead_days, lead_days) if lead_days > 0 else rules.handling_days
    return low + rules.delivery_days[0], high + rules.delivery_days[1]


def middle_days(rules: Rules, lead_days: int = 0) -> tuple[int, int]:
    """(dispatch, door) days of a typical order: the middle of each range, rounded down."""
    low, high = (lead_days, lead_days) if lead_days > 0 else rules.handling_days
    dispatch = (low + high) // 2
    return dispatch, dispatch + sum(rules.delivery_days) // 2


def is_late(rules: Rules, door_days):
    """An order not at the door `late_after_days` after it was placed counts as late."""
    return door_days > rules.late_after_days


def return_after_door(rules: Rules, u):
    """Seconds from delivery to a return, for a uniform draw u in [0, 1): inside the window."""
    window = max(rules.return_window_days, 1)
    return ((1 + u * (window - 1)) * DAY).astype(np.int64)


def late_claim_after_door(u):
    """Seconds from delivery to a late parcel's refund, for a uniform draw u in [0, 1)."""
    low, high = LATE_CLAIM_DAYS
    return ((low + u * (high - low)) * DAY).astype(np.int64)


def chargeback_after_door(u):
    """Seconds from delivery to a chargeback, for a uniform draw u in [0, 1)."""
    low, high = CHARGEBACK_DAYS
    return ((low + u * (high - low)) * DAY).astype(np.int64)


def cash_due(rules: Rules, placed_at, door_at, is_cod):
    """When an order's money reaches the store (epoch seconds): COD when the courier remits,
    prepaid when the processor pays out."""
    anchor = door_at if rules.payout_after_delivery else placed_at
    prepaid = anchor + rules.payout_days * DAY
    if rules.payout_cycle_days:
        cycle = rules.payout_cycle_days * DAY
        prepaid = -(-prepaid // cycle) * cycle  # the next settlement day
    return np.where(is_cod, door_at + rules.cod_remittance_days * DAY, prepaid)


@dataclass(frozen=True)
class Horizons:
    """The most days after placement at which each event of an order can still happen."""

    dispatch: int
    door: int
    refusal: int
    late_refund: int
    returned: int
    chargeback: int
    cash: int

    @property
    def returns(self) -> int:
        """Returns rate's numerator counts returns and late refunds."""
        return max(self.returned, self.late_refund)

    @property
    def settled(self) -> int:
        """After this many days no outcome of the order (refusal, return, refund, chargeback)
        and none of its money, cash included, can change any more."""
        return max(self.refusal, self.returns, self.chargeback, self.cash)


def horizons(rules: Rules) -> Horizons:
    dispatch = max(rules.handling_days[1], rules.max_lead_days)
    door = dispatch + rules.delivery_days[1]
    window = max(rules.return_window_days, 1)
    # A parcel can only be late if the slowest delivery comes after the lateness threshold.
    late = door + LATE_CLAIM_DAYS[1] if door > rules.late_after_days else 0
    prepaid = (door if rules.payout_after_delivery else 0) + rules.payout_days
    cash = max(door + rules.cod_remittance_days, prepaid + rules.payout_cycle_days)
    return Horizons(
        dispatch=dispatch,
        door=door,
        refusal=door,
        late_refund=late,
        returned=door + window,
        chargeback=door + CHARGEBACK_DAYS[1],
        cash=cash,
    )
