"""What a team's store runs on between rounds, and what that costs: the decisions in force
(its last simulated round's, else the template's) and the operating costs they add to its
funnel rows (email sends, COD confirmation calls; stores.classroom.DailyCosts), booked as the
session's clock reveals each stretch of simulated time (services.classroom.bring_up_to) and
with each trainee's own COD order (services.checkout).
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
from django.db.models import Count, F

from .. import classroom
from ..models import (
    Channel,
    DailyFunnel,
    Order,
    PaymentMethod,
    Source,
    Store,
    Team,
    TrainingSession,
)
from . import live
from .funnel import ensure_row


def values_in_force(team: Team) -> dict[str, Any]:
    """The decisions a team's store runs on: its last simulated round's, else the template's."""
    if team.in_force is not None:
        return team.in_force.values()
    template = team.session.template
    return classroom.starting_values(classroom.Template.of(template)) if template else {}


def values_in_force_by_team(session: TrainingSession, teams: list[Team]) -> dict[int, dict]:
    """values_in_force for every team (by team id), the template read once for all the teams
    still on it, not once per team."""
    start = None
    if any(t.in_force is None for t in teams) and session.template:
        start = classroom.starting_values(classroom.Template.of(session.template))
    return {t.pk: t.in_force.values() if t.in_force else (start or {}) for t in teams}


def costs_in_force(session: TrainingSession) -> dict[int, classroom.DailyCosts]:
    """Each team store's operating costs under the decisions in force (read once per beat, not
    once per team)."""
    teams = list(session.teams.select_related("in_force", "store"))
    values = values_in_force_by_team(session, teams)
    return {t.store_id: classroom.daily_costs(values[t.pk]) for t in teams}


def book_costs(store: Store, costs: classroom.DailyCosts, start: datetime, end: datetime) -> None:
    """The operating costs of a team's decisions over (start, end]: the day's email spend,
    shared out over the day like live mode's ad spend, and a confirmation call for each COD
    order placed, on its channel and day (the funnel's other_cost; ledger.contribution)."""
    if not costs.any:
        return
    day = start.astimezone(UTC).date()
    email_cents = int(costs.email_per_day * 100)
    while email_cents and day <= end.astimezone(UTC).date():
        day_start = datetime.combine(day, time(0), tzinfo=UTC)
        lo = max((start - day_start).total_seconds(), 0) / 86_400
        hi = min((end - day_start).total_seconds(), 86_400) / 86_400
        if hi > lo:
            share = live._telescoped(np.array([email_cents], dtype=np.float64), lo, hi)[0]
            add_cost(store.pk, day, Channel.EMAIL, Source.SYNTHETIC, Decimal(int(share)) / 100)
        day += timedelta(days=1)
    if costs.per_cod_order:
        calls = (
            Order.objects.filter(
                store=store,
                run__isnull=True,
                source=Source.SYNTHETIC,
                payment_method=PaymentMethod.COD,
                placed_at__gt=start,
                placed_at__lte=end,
            )
            .values_list("placed_date", "channel")
            .annotate(n=Count("id"))
            .order_by()
        )
        for placed_date, channel, n in calls:
            add_cost(store.pk, placed_date, channel, Source.SYNTHETIC, costs.per_cod_order * n)


def add_cost(store_id: int, day, channel: str, source: str, amount: Decimal) -> None:
    if not amount:
        return
    rows = DailyFunnel.objects.filter(
        store_id=store_id, date=day, channel=channel, source=source, run__isnull=True
    )
    if not rows.update(other_cost=F("other_cost") + amount):
        DailyFunnel.objects.create(
            store_id=store_id, date=day, channel=channel, source=source, run=None, other_cost=amount
        )


def book_shopper_order_costs(session: TrainingSession, order: Order) -> None:
    """A trainee's COD order in a team's store gets its confirmation call too (the checkout
    calls this in the order's transaction)."""
    team = Team.objects.filter(store_id=order.store_id).select_related("in_force").first()
    if team is None or order.payment_method != PaymentMethod.COD:
        return
    costs = classroom.daily_costs(values_in_force(team))
    if costs.per_cod_order:
        ensure_row(order.store_id, order.placed_date, order.channel)
        add_cost(
            order.store_id, order.placed_date, order.channel, Source.SHOPPER, costs.per_cod_order
        )
