"""Retention by first-order month: who came back, how often, and what they were worth against
what a paid customer cost.

A customer is a synthetic buyer of a run (Order.customer_number, one pool per store and run) or a
shopper (Order.customer). Their cohort is the month of their first order in the selection; every
later order of theirs in the selection counts for that cohort. Three queries whatever the number
of customers or months: the synthetic buyers' orders grouped by buyer, the shoppers' grouped by
customer, and the month's ad spend and paid new customers from the rollup.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from django.db.models import Count, Min, Q, Sum
from django.db.models.functions import TruncMonth

from ..models import DailyFunnel, Order, SimulationRun, Store
from ..simulation import ledger
from ..simulation.params import PAID_CHANNELS
from .definitions import LIVE
from .queries import resolve_run

CENT = Decimal("0.01")
ZERO = Decimal("0")

# Keys of a cohort record: the contract of `manage.py cohorts --format json` and the exports.
COHORT_KEYS = (
    "month",
    "customers",
    "repeat_customers",
    "repeat_rate",
    "orders",
    "orders_per_customer",
    "contribution",
    "contribution_per_customer",
    "ad_spend",
    "paid_new_customers",
    "paid_cac",
    "contribution_to_cac",
)


@dataclass
class Cohort:
    """The customers whose first order fell in `month`, and every order of theirs since."""

    month: date
    customers: int = 0
    repeat_customers: int = 0  # customers with more than one order
    orders: int = 0
    lines: dict[str, Decimal] = field(
        default_factory=lambda: dict.fromkeys(ledger.ORDER_LINES, ZERO)
    )
    ad_spend: Decimal = ZERO  # spent in that month
    paid_new_customers: int = 0  # customers won through a paid channel in that month

    @property
    def repeat_rate(self) -> float | None:
        return ledger.ratio(self.repeat_customers, self.customers)

    @property
    def orders_per_customer(self) -> float | None:
        return ledger.ratio(self.orders, self.customers)

    @property
    def contribution(self) -> Decimal:
        """The ledger's order contribution of every order of the cohort (before ad spend)."""
        return ledger.order_contribution(SimpleNamespace(**self.lines))

    @property
    def contribution_per_customer(self) -> Decimal | None:
        if not self.customers:
            return None
        return (self.contribution / self.customers).quantize(CENT)

    @property
    def paid_cac(self) -> Decimal | None:
        """The month's paid CAC: its ad spend / its new customers won through a paid channel."""
        if not self.paid_new_customers or not self.ad_spend:
            return None
        return (self.ad_spend / self.paid_new_customers).quantize(CENT)

    @property
    def contribution_to_cac(self) -> float | None:
        """Lifetime contribution per customer / paid CAC: above 1, a paid customer paid back."""
        per, cac = self.contribution_per_customer, self.paid_cac
        return float(per / cac) if per is not None and cac else None

    def record(self) -> dict[str, Any]:
        out = {}
        for key in COHORT_KEYS:
            value = getattr(self, key)
            if key == "month":
                value = value.strftime("%Y-%m")
            elif isinstance(value, Decimal):
                value = str(value.quantize(CENT))
            elif isinstance(value, float):
                value = round(value, 6)
            out[key] = value
        return out


def _in_run(queryset, run):
    if run == LIVE:
        return queryset.filter(run__isnull=True)
    if run is not None:
        return queryset.filter(run=run)
    return queryset


def store_cohorts(
    store: Store,
    *,
    run: SimulationRun | int | str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> list[Cohort]:
    """The store's cohorts by first-order month, oldest first (orders placed in the selection)."""
    run = resolve_run(run)
    orders = _in_run(Order.objects.filter(store=store), run)
    if date_from:
        orders = orders.filter(placed_date__gte=date_from)
    if date_to:
        orders = orders.filter(placed_date__lte=date_to)
    sums = {line: Sum(line) for line in ledger.ORDER_LINES}
    cohorts: dict[date, Cohort] = {}
    groups = (
        # Synthetic buyers: one pool per store and run, so a buyer is (run, number).
        orders.filter(customer_number__isnull=False).values("run_id", "customer_number"),
        orders.filter(customer__isnull=False).values("customer_id"),
    )
    for group in groups:
        for row in group.annotate(first=Min("placed_date"), n=Count("id"), **sums).order_by():
            month = row["first"].replace(day=1)
            cohort = cohorts.get(month) or cohorts.setdefault(month, Cohort(month))
            cohort.customers += 1
            cohort.repeat_customers += row["n"] > 1
            cohort.orders += row["n"]
            for line in ledger.ORDER_LINES:
                cohort.lines[line] += row[line] or ZERO
    spend = _in_run(DailyFunnel.objects.filter(store=store), run)
    if date_from:
        spend = spend.filter(date__gte=date_from)
    if date_to:
        spend = spend.filter(date__lte=date_to)
    paid = Q(channel__in=list(PAID_CHANNELS))
    monthly = (
        spend.annotate(month=TruncMonth("date"))
        .values("month")
        .annotate(ad=Sum("ad_spend"), paid_new=Sum("new_customers", filter=paid))
        .order_by()
    )
    by_month: dict[date, tuple] = defaultdict(lambda: (ZERO, 0))
    for row in monthly:
        month = row["month"]
        month = month.date() if hasattr(month, "date") and callable(month.date) else month
        by_month[month] = (row["ad"] or ZERO, row["paid_new"] or 0)
    for month, cohort in cohorts.items():
        cohort.ad_spend, cohort.paid_new_customers = by_month[month]
    return [cohorts[m] for m in sorted(cohorts)]


def cohort_records(cohorts: list[Cohort]) -> list[dict[str, Any]]:
    return [c.record() for c in cohorts]
