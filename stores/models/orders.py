"""Orders, their lines, and the daily funnel: the rows every dashboard figure reconciles with.

Money is Decimal with two places everywhere. Every revenue and cost line of an order has its own
column (the ledger's lines, stores/simulation/ledger.py) so that the margin waterfall reconciles
with the rows. The daily funnel table doubles as the rollup the dashboards read (one row per
store x day x channel x source x run).
"""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from ..choices import Channel, OrderStatus, PaymentMethod, Source
from ..simulation import ledger
from .fields import money_field
from .runs import SimulationRun
from .stores import Customer, Product, Store

# DailyFunnel's columns by what writes them: the funnel counts (simulation and storefront) and
# the order rollup's counts (services.rebuild_rollup). Metrics sum both.
FUNNEL_COUNT_FIELDS = ("sessions", "product_views", "adds_to_cart", "reached_checkout", "converted")
ROLLUP_COUNT_FIELDS = (
    "orders",
    "new_customers",
    "items",
    "delivered_orders",
    "returned_orders",
    "refunded_orders",
    "chargebacks",
    "cod_orders",
    "cod_shipped",
    "cod_refused",
    "cash_orders",
    "cash_lag_days",
)


class OrderQuerySet(models.QuerySet):
    def synthetic(self) -> OrderQuerySet:
        return self.filter(source=Source.SYNTHETIC)

    def shopper(self) -> OrderQuerySet:
        return self.filter(source=Source.SHOPPER)


class Order(models.Model):
    """One order. Money columns hold what has happened so far (realised), as of `status`.

    The planned outcome and its date are known at placement for synthetic orders; the lifecycle
    service moves `status` and the realised money columns forward as those dates pass.
    """

    # The foreign keys' own indexes are left out where Meta.indexes covers them: every index is
    # written for each of the millions of orders a run inserts (see the Meta comment).
    store = models.ForeignKey(
        Store, on_delete=models.CASCADE, related_name="orders", db_index=False
    )
    number = models.CharField(max_length=40, unique=True)
    customer = models.ForeignKey(
        Customer,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders",
        db_index=False,
    )
    email = models.EmailField(blank=True)
    run = models.ForeignKey(
        SimulationRun,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="orders",
        db_index=False,
    )
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.SHOPPER)
    channel = models.CharField(max_length=20, choices=Channel.choices, default=Channel.DIRECT)
    payment_method = models.CharField(max_length=10, choices=PaymentMethod.choices)
    is_new_customer = models.BooleanField(default=True)
    # A synthetic buyer's number in its store's pool for the run (the engine's `customer`):
    # orders with the same (run, store, number) are one person's. Empty for shoppers' orders
    # (they have `customer`) and live traffic's (no pool of past buyers is kept between ticks).
    customer_number = models.PositiveIntegerField(null=True, blank=True)
    status = models.CharField(
        max_length=14, choices=OrderStatus.choices, default=OrderStatus.PLACED
    )

    placed_at = models.DateTimeField(default=timezone.now)
    placed_date = models.DateField(help_text="Day of placement in the store's calendar (cohort).")
    shipped_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    planned_outcome = models.CharField(
        max_length=14, choices=OrderStatus.choices, default=OrderStatus.DELIVERED,
        help_text="Where this order will end up (known in advance for synthetic orders).",
    )  # fmt: skip
    outcome_at = models.DateTimeField(
        null=True, blank=True, help_text="When a return, refusal, refund or chargeback happens."
    )
    cash_collected_at = models.DateTimeField(null=True, blank=True)
    # Synthetic orders know their timeline in advance; the lifecycle service copies these into
    # shipped_at / delivered_at when the dates pass (the realised columns stay empty until then).
    planned_shipped_at = models.DateTimeField(null=True, blank=True)
    planned_delivered_at = models.DateTimeField(
        null=True, blank=True, help_text="Delivery (or, for a refused parcel, attempt) date."
    )

    gross_sales = money_field()
    discount = money_field()
    refund = money_field()
    goods_cost = money_field()
    shipping_cost = money_field()
    return_shipping_cost = money_field()
    payment_fee = money_field()
    cod_fee = money_field()
    chargeback_fee = money_field()
    platform_fee = money_field()

    ship_name = models.CharField(max_length=120, blank=True)
    ship_address = models.CharField(max_length=200, blank=True)
    ship_city = models.CharField(max_length=80, blank=True)
    ship_postcode = models.CharField(max_length=20, blank=True)
    ship_country = models.CharField(max_length=2, blank=True)
    phone = models.CharField(max_length=30, blank=True)

    objects = OrderQuerySet.as_manager()

    class Meta:
        ordering = ["-placed_at"]
        # (store, placed_date) and (run, store) also serve lookups by store or run alone; only
        # shoppers' orders have a customer, so its index skips the synthetic ones. Each index
        # left out is one less B-tree insert per order inside SQLite's one-writer turn (with
        # the writer's larger page cache, that turn went from 9.3 to 6.7 s per worker for a
        # simulated year; benchmarks/simulation_write_path.py measures the whole path).
        indexes = [
            models.Index(fields=["store", "placed_date"]),
            models.Index(fields=["run", "store"]),
            models.Index(fields=["status", "outcome_at"]),
            models.Index(
                fields=["customer"], condition=Q(customer__isnull=False), name="order_customer"
            ),
        ]

    def __str__(self) -> str:
        return self.number

    # The money of one order, by the ledger's definitions (stores/simulation/ledger.py).
    @property
    def net_sales(self) -> Decimal:
        return ledger.net_sales(self)

    @property
    def order_costs(self) -> Decimal:
        return ledger.order_costs(self)

    @property
    def order_contribution(self) -> Decimal:
        """Before ad spend and operating costs, which are booked per day and channel."""
        return ledger.order_contribution(self)


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    # Indexed although nothing reads lines by product: deleting a product checks its foreign
    # key against the lines, and without the index both databases scan every line per product.
    product = models.ForeignKey(Product, null=True, on_delete=models.SET_NULL, related_name="+")
    title = models.CharField(max_length=200, help_text="Product title at the time of the order.")
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    unit_price = money_field()
    unit_cost = money_field()
    customization = models.JSONField(default=dict, blank=True, help_text="POD: text and colour.")

    def __str__(self) -> str:
        return f"{self.quantity} x {self.title}"

    @property
    def line_total(self) -> Decimal:
        return self.unit_price * self.quantity


class FunnelColumns(models.Model):
    """The columns every dashboard figure is summed from: funnel counts, ad spend and operating
    cost, and the rollup of the orders placed that day (by what writes them: see
    FUNNEL_COUNT_FIELDS and ROLLUP_COUNT_FIELDS). DailyFunnel holds them per store x day x
    channel x source (x run); RunStoreDay per run x store x day, for finished runs."""

    sessions = models.PositiveIntegerField(default=0)
    product_views = models.PositiveIntegerField(
        default=0, help_text="Sessions with a product view."
    )
    adds_to_cart = models.PositiveIntegerField(default=0, help_text="Sessions with an add to cart.")
    reached_checkout = models.PositiveIntegerField(default=0)
    converted = models.PositiveIntegerField(default=0, help_text="Sessions that placed an order.")
    ad_spend = money_field()
    other_cost = money_field(help_text="Operating cost (per-SKU upkeep) allocated by sessions.")

    # Rollup of the orders placed this day through this channel.
    orders = models.PositiveIntegerField(default=0)
    new_customers = models.PositiveIntegerField(default=0)
    items = models.PositiveIntegerField(default=0)
    gross_sales = money_field()
    discount = money_field()
    refund = money_field()
    goods_cost = money_field()
    shipping_cost = money_field()
    return_shipping_cost = money_field()
    payment_fee = money_field()
    cod_fee = money_field()
    chargeback_fee = money_field()
    platform_fee = money_field()
    delivered_orders = models.PositiveIntegerField(
        default=0, help_text="Reached the door, kept or not."
    )
    returned_orders = models.PositiveIntegerField(default=0)
    refunded_orders = models.PositiveIntegerField(default=0)
    chargebacks = models.PositiveIntegerField(default=0)
    cod_orders = models.PositiveIntegerField(default=0)
    cod_shipped = models.PositiveIntegerField(default=0)
    cod_refused = models.PositiveIntegerField(default=0)
    cash_received = money_field(
        help_text="What buyers paid, once it reached the store (COD: when the courier remits)."
    )
    refunds_paid = money_field(help_text="Refunds of money once taken (not refused parcels).")
    refused_forward_shipping = money_field(
        help_text="Forward shipping of the parcels refused at the door (part of shipping_cost)."
    )
    refused_return_shipping = money_field(
        help_text="Their reverse leg (part of return_shipping_cost)."
    )
    cash_lag_days = models.PositiveIntegerField(default=0, help_text="Sum of days order -> cash.")
    cash_orders = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


class DailyFunnel(FunnelColumns):
    """Per store x day x channel x source (x run): funnel counts, ad spend and order rollups.

    Sessions are counted here, not stored one by one. The order columns are a rollup of the order
    rows by placement day (cohort), rebuilt by the services whenever those orders change, so the
    dashboards never scan the order table.
    """

    # Lookups by store or run alone use the (store, date) and (run, store) indexes.
    store = models.ForeignKey(
        Store, on_delete=models.CASCADE, related_name="funnel_days", db_index=False
    )
    date = models.DateField()
    channel = models.CharField(max_length=20, choices=Channel.choices)
    source = models.CharField(max_length=10, choices=Source.choices)
    run = models.ForeignKey(
        SimulationRun,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="funnel_days",
        db_index=False,
    )

    class Meta:
        ordering = ["store", "date", "channel"]
        constraints = [
            models.UniqueConstraint(
                fields=["store", "date", "channel", "source", "run"],
                condition=Q(run__isnull=False),
                name="funnel_row_unique_in_run",
            ),
            models.UniqueConstraint(
                fields=["store", "date", "channel", "source"],
                condition=Q(run__isnull=True),
                name="funnel_row_unique_outside_runs",
            ),
        ]
        indexes = [models.Index(fields=["store", "date"]), models.Index(fields=["run", "store"])]

    def __str__(self) -> str:
        return f"{self.store_id} {self.date} {self.channel} {self.source}"


class RunSummary(FunnelColumns):
    """A finished run's funnel rows summed over channels and sources (the paid channels' share
    of net sales and new customers kept in two columns of their own).

    Written once, when the run's last chunk lands (a run's rows never change afterwards: they
    stand as of its end), so the dashboard reads a run from 6x (by day) or about 40x (by week)
    fewer rows than its DailyFunnel rows.
    """

    run = models.ForeignKey(SimulationRun, on_delete=models.CASCADE, related_name="+")
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+", db_index=False)
    date = models.DateField(help_text="The day, or the Monday of the week.")
    paid_net_sales = money_field(help_text="Net sales of orders from paid channels.")
    paid_new_customers = models.PositiveIntegerField(
        default=0, help_text="New customers whose first order came through a paid channel."
    )

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"run {self.run_id} store {self.store_id} {self.date}"


class RunStoreDay(RunSummary):
    """A finished run per store x day."""

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["run", "store", "date"], name="one_row_per_run_store_day"
            )
        ]


class RunStoreWeek(RunSummary):
    """A finished run per store x week (Monday to Sunday; `date` is the Monday)."""

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["run", "store", "date"], name="one_row_per_run_store_week"
            )
        ]


class RunStoreCashFlows(models.Model):
    """A finished run's money for one store by the day it moved, every line the cash balance
    reads (simulation.cash.FLOW_LINES): what buyers paid, reaching the store on its payout or
    remittance day, the fees netted from it, the refunds, return legs and dispute fees on their
    outcome day, and the day's goods, shipping, ads and other costs.

    Written when the run is summarised, from the same queries the balance runs on the order rows
    of any other selection (services.rollup.money_day_sums) and from the run's RunStoreDay rows,
    so the dashboard's default selection reads a row per store, not millions of orders or a row
    per store and day. `cents`: whole cents as little-endian 64-bit integers, a line after
    another, a value per day from `first_day` (`flows()` gives them back as an array)."""

    run = models.ForeignKey(SimulationRun, on_delete=models.CASCADE, related_name="+")
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+", db_index=False)
    first_day = models.DateField(help_text="The day of the first value of each line.")
    cents = models.BinaryField(help_text="Whole cents by line and day (simulation.cash.pack).")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "store"], name="one_cash_flows_per_run_store")
        ]

    def __str__(self) -> str:
        return f"run {self.run_id} store {self.store_id} (cash flows)"

    def flows(self) -> dict[str, list[int]]:
        """Each line's cents by day, from first_day."""
        from ..simulation.cash import FLOW_LINES, unpack

        return dict(zip(FLOW_LINES, unpack(self.cents).tolist(), strict=True))


class CheckoutClaim(models.Model):
    """A cart's idempotency key, claimed once: whatever the timing, one cart makes one order.

    The shopper's session holds the key with the cart; placing the order inserts this row in the
    order's transaction, so a second submission of the same cart hits the unique key and is told
    which order the cart became. It names the order by number (not a foreign key) so deleting
    generated orders never has to visit this table.
    """

    key = models.CharField(max_length=64, unique=True)
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    order_number = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.key} -> {self.order_number or '(placing)'}"
