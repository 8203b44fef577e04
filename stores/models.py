"""The store domain: stores configured as business models, their catalogues, orders and daily funnel.

Money is Decimal with two places everywhere. Every revenue and cost line of an order has its own
column so that the margin waterfall reconciles with the rows. The daily funnel table doubles as the
rollup the dashboards read (one row per store x day x channel x source x run).
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone


class BusinessModel(models.TextChoices):
    GENERAL = "general", "General store (product flooding)"
    DROPSHIP = "dropship", "Dropshipping"
    COD = "cod", "Cash on delivery"
    POD = "pod", "Print on demand"
    SINGLE_PRODUCT = "single_product", "Single product"
    VERTICAL = "vertical", "Vertical boutique"
    BRAND = "brand", "DTC brand"
    MARKETPLACE = "marketplace", "Marketplace seller (baseline)"


class Channel(models.TextChoices):
    PAID_SOCIAL = "paid_social", "Paid social"
    PAID_SEARCH = "paid_search", "Paid search"
    ORGANIC_SEARCH = "organic_search", "Organic search"
    EMAIL = "email", "Email"
    DIRECT = "direct", "Direct"
    REFERRAL = "referral", "Referral / influencer"


PAID_CHANNELS = frozenset({Channel.PAID_SOCIAL, Channel.PAID_SEARCH})


class PaymentMethod(models.TextChoices):
    CARD = "card", "Card"
    PAYPAL = "paypal", "PayPal"
    UPI = "upi", "UPI"
    COD = "cod", "Cash on delivery"


class Market(models.TextChoices):
    US = "US", "United States"
    EU = "EU", "European Union"
    UK = "UK", "United Kingdom"
    IN = "IN", "India"
    AE = "AE", "United Arab Emirates"
    SA = "SA", "Saudi Arabia"
    ID = "ID", "Indonesia"


class Currency(models.TextChoices):
    USD = "USD", "US dollar"
    EUR = "EUR", "Euro"
    GBP = "GBP", "Pound sterling"
    INR = "INR", "Indian rupee"
    AED = "AED", "UAE dirham"
    SAR = "SAR", "Saudi riyal"
    IDR = "IDR", "Indonesian rupiah"


class Source(models.TextChoices):
    SYNTHETIC = "synthetic", "Synthetic"
    SHOPPER = "shopper", "Shopper"


class ReturnShippingPayer(models.TextChoices):
    STORE = "store", "Store pays"
    CUSTOMER = "customer", "Customer pays"


def rate_field(default: float, help_text: str, *, maximum: float = 1.0) -> models.DecimalField:
    """A probability or share in 0..1 (or a multiplier up to `maximum`), four decimal places."""
    return models.DecimalField(
        max_digits=7,
        decimal_places=4,
        default=Decimal(str(default)),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal(str(maximum)))],
        help_text=help_text,
    )


def money_field(default: str = "0", help_text: str = "", **kwargs) -> models.DecimalField:
    return models.DecimalField(
        max_digits=12,
        decimal_places=2,
        default=Decimal(default),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=help_text,
        **kwargs,
    )


def days_field(default: int, help_text: str) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        default=default, validators=[MaxValueValidator(365)], help_text=help_text
    )


hex_colour = RegexValidator(r"^#[0-9a-fA-F]{6}$", "Enter a colour as #rrggbb, e.g. #1f6feb.")

# (minimum field, maximum field) pairs checked by Store.clean(): min must not exceed max.
STORE_RANGES = (
    ("handling_days_min", "handling_days_max"),
    ("delivery_days_min", "delivery_days_max"),
)


class StoreQuerySet(models.QuerySet):
    def active(self) -> StoreQuerySet:
        return self.filter(is_active=True)

    def live(self) -> StoreQuerySet:
        return self.filter(is_active=True, is_live=True)


class Store(models.Model):
    """A mock independent store: a business model plus every parameter the simulation reads."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(
        max_length=60, unique=True, help_text="Used in the storefront URL /s/<slug>/."
    )
    business_model = models.CharField(max_length=20, choices=BusinessModel.choices)
    description = models.TextField(blank=True)
    market = models.CharField(max_length=2, choices=Market.choices, default=Market.US)
    currency = models.CharField(max_length=3, choices=Currency.choices, default=Currency.USD)

    # Theme
    primary_colour = models.CharField(max_length=7, default="#1f4e79", validators=[hex_colour])
    accent_colour = models.CharField(max_length=7, default="#f2a900", validators=[hex_colour])
    tagline = models.CharField(max_length=160, blank=True)
    banner_text = models.CharField(max_length=200, blank=True)

    # Payments
    payment_methods = models.JSONField(
        default=list, help_text="Payment methods offered at checkout (card, paypal, upi, cod)."
    )
    default_payment_method = models.CharField(
        max_length=10, choices=PaymentMethod.choices, default=PaymentMethod.CARD
    )
    card_fee_rate = rate_field(0.029, "Card/wallet fee as a share of the order (Stripe: 2.9%).")
    card_fee_fixed = money_field("0.30", "Fixed card fee per order (Stripe: $0.30).")
    chargeback_rate = rate_field(0.004, "Share of prepaid orders disputed regardless of delivery.")
    dispute_fee = money_field("15.00", "Fee per chargeback (Stripe: $15).")

    # Cash on delivery
    cod_share = rate_field(0.0, "Share of orders paid by COD where COD is offered.")
    cod_conversion_uplift = rate_field(
        0.0, "Relative conversion uplift when COD is offered (0.3 = +30%).", maximum=2
    )
    cod_fee_rate = rate_field(0.02, "Courier COD fee as a share of order value.")
    cod_fee_min = money_field("0.50", "Minimum COD fee per order.")
    cod_refusal_base = rate_field(0.0, "Refusal at the door for a COD order delivered in 2 days.")
    cod_refusal_per_day = rate_field(0.0, "Extra refusal probability per day of delivery beyond 2.")
    cod_remittance_days = days_field(14, "Days from delivery until the courier remits COD cash.")

    # Fulfilment and shipping
    shipping_cost = money_field("5.00", "Forward shipping the store pays per order.")
    return_shipping_cost = money_field(
        "5.00", "Reverse leg per returned or refused order (a cross-border return costs more)."
    )
    handling_days_min = days_field(1, "Days from order to dispatch (supplier or production), min.")
    handling_days_max = days_field(2, "Days from order to dispatch, max.")
    delivery_days_min = days_field(2, "Transit days from dispatch to the door, min.")
    delivery_days_max = days_field(5, "Transit days from dispatch to the door, max.")
    late_after_days = days_field(
        21, "An order not at the door this many days after it was placed counts as late."
    )
    late_refund_rate = rate_field(0.0, "Share of late prepaid orders the buyer asks back.")
    late_chargeback_share = rate_field(0.0, "Of those, the share that becomes a chargeback.")

    # Returns
    return_window_days = days_field(30, "Days after delivery during which a return is accepted.")
    return_shipping_paid_by = models.CharField(
        max_length=10, choices=ReturnShippingPayer.choices, default=ReturnShippingPayer.STORE
    )
    return_rate = rate_field(0.15, "Share of delivered orders returned for a refund.")
    defect_rate = rate_field(0.01, "Share of delivered orders faulty or wrong (refunded).")
    returns_restockable = models.BooleanField(
        default=True, help_text="Returned goods go back to stock (else they are written off)."
    )

    # Pricing, funnel and basket
    markup = rate_field(2.5, "Default price / unit cost for generated products.", maximum=20)
    price_elasticity = rate_field(
        0.0, "How much a price above market lowers conversion (0 = none).", maximum=5
    )
    product_view_rate = rate_field(0.55, "Share of sessions that view a product.")
    add_to_cart_rate = rate_field(0.059, "Share of sessions that add to cart (Littledata: 5.9%).")
    checkout_rate = rate_field(0.55, "Share of sessions with a cart that reach checkout.")
    extra_items_mean = rate_field(0.3, "Mean extra lines per order beyond the first.", maximum=10)
    bundle_take_rate = rate_field(0.0, "Share of single-product buyers who take a bundle.")
    bundle_discount = rate_field(0.0, "Discount on a bundle as a share of its list price.")
    repeat_purchase_rate = rate_field(0.1, "Share of orders from returning customers.")

    # Model-specific operating mechanics
    ad_fatigue_per_day = rate_field(
        0.0, "Daily relative rise in cost per click as an audience tires (0.003 = +0.3%/day)."
    )
    stockout_rate = rate_field(0.0, "Share of would-be orders lost to an item out of stock.")
    sku_daily_cost = money_field(
        "0", "Operating cost per active SKU per day (listing, sourcing, support)."
    )
    platform_fee_rate = rate_field(0.0, "Platform commission on sales (marketplace baseline).")
    owns_customer_data = models.BooleanField(
        default=True, help_text="The store can email its buyers (no on a marketplace)."
    )

    is_active = models.BooleanField(default=True, help_text="Inactive stores answer 404.")
    is_live = models.BooleanField(
        default=False, help_text="Celery beat generates traffic for this store every few seconds."
    )
    live_revealed_until = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="Live traffic has been generated up to this moment (set when the store goes live).",
    )
    preset = models.CharField(
        max_length=20, blank=True, help_text="The preset this store was created from."
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = StoreQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        # The comparison dashboard and its exports (the "Trainer" group has it).
        permissions = [("view_dashboard", "Can view the comparison dashboard and its exports")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("storefront:home", kwargs={"slug": self.slug})

    @property
    def fee_schedule(self):
        from .simulation.fees import FeeSchedule

        return FeeSchedule(
            card_fee_rate=self.card_fee_rate,
            card_fee_fixed=self.card_fee_fixed,
            cod_fee_rate=self.cod_fee_rate,
            cod_fee_min=self.cod_fee_min,
            platform_fee_rate=self.platform_fee_rate,
        )

    @property
    def offers_cod(self) -> bool:
        return PaymentMethod.COD in (self.payment_methods or [])

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        methods = self.payment_methods
        valid = set(PaymentMethod.values)
        if not isinstance(methods, list) or not methods:
            errors.setdefault("payment_methods", []).append("Offer at least one payment method.")
        else:
            unknown = [m for m in methods if m not in valid]
            if unknown:
                errors.setdefault("payment_methods", []).append(
                    f"Unknown payment method(s): {', '.join(map(str, unknown))}."
                )
            elif self.default_payment_method not in methods:
                errors.setdefault("default_payment_method", []).append(
                    "The default payment method must be one the store offers."
                )
        for low, high in STORE_RANGES:
            lo, hi = getattr(self, low), getattr(self, high)
            if lo is not None and hi is not None and lo > hi:
                label = self._meta.get_field(high).verbose_name
                errors.setdefault(low, []).append(f"Must not exceed {label} ({hi}).")
        if self.business_model == BusinessModel.COD and not self.offers_cod:
            errors.setdefault("payment_methods", []).append(
                "A COD store must offer cash on delivery."
            )
        if self.cod_share and not self.offers_cod:
            errors.setdefault("cod_share", []).append(
                "COD share must be 0 when the store does not offer cash on delivery."
            )
        if self.offers_cod and methods == [PaymentMethod.COD] and self.cod_share != 1:
            errors.setdefault("cod_share", []).append(
                "COD is the only payment method offered, so the COD share must be 1."
            )
        if (
            self.add_to_cart_rate is not None
            and self.product_view_rate is not None
            and self.add_to_cart_rate > self.product_view_rate
        ):
            errors.setdefault("add_to_cart_rate", []).append(
                "Cannot exceed the product view rate: a session adds to cart after viewing."
            )
        if self.markup is not None and self.markup < 1:
            errors.setdefault("markup", []).append("A markup below 1 sells every item at a loss.")
        if errors:
            raise ValidationError(errors)


class StoreChannel(models.Model):
    """Traffic settings of one acquisition channel of a store."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="channels")
    channel = models.CharField(max_length=20, choices=Channel.choices)
    daily_sessions = models.PositiveIntegerField(
        default=0, help_text="Expected unpaid sessions per day (organic, direct, referral, email)."
    )
    daily_budget = money_field("0", "Ad budget per day (paid channels).")
    cost_per_click = money_field("0", "Cost per click at day 0 (paid channels).")
    conversion_rate = rate_field(0.014, "Share of this channel's sessions that order.")

    class Meta:
        ordering = ["store", "channel"]
        constraints = [
            models.UniqueConstraint(fields=["store", "channel"], name="one_setting_per_channel")
        ]

    def __str__(self) -> str:
        return f"{self.store} / {self.get_channel_display()}"

    @property
    def is_paid(self) -> bool:
        return self.channel in PAID_CHANNELS

    def clean(self) -> None:
        errors = {}
        if self.is_paid and self.daily_budget and not self.cost_per_click:
            errors["cost_per_click"] = "A paid channel with a budget needs a cost per click."
        if not self.is_paid and self.daily_budget:
            errors["daily_budget"] = f"{self.get_channel_display()} is not a paid channel."
        emails = self.channel == Channel.EMAIL and self.daily_sessions
        if emails and self.store_id and not self.store.owns_customer_data:
            errors["daily_sessions"] = "A store without its customers' data cannot email them."
        if errors:
            raise ValidationError(errors)


class Product(models.Model):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="products")
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220)
    category = models.CharField(max_length=80, db_index=True)
    description = models.TextField(blank=True)
    price = money_field("0", "Retail price.")
    unit_cost = money_field(
        "0", "What one unit costs the store: goods from a supplier, or production cost for POD."
    )
    supplier = models.CharField(max_length=120, blank=True)
    supplier_lead_days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Dropship: supplier processing days before dispatch."
    )
    is_customizable = models.BooleanField(default=False, help_text="POD: buyer adds text/colour.")
    bundle_quantity = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1)], help_text="Units of the hero product inside."
    )
    popularity = models.FloatField(
        default=1.0, validators=[MinValueValidator(0)], help_text="Relative demand weight."
    )
    stock = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Units on hand; empty when not stocked (made or shipped to order).",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["store", "-popularity", "title"]
        constraints = [
            models.UniqueConstraint(fields=["store", "slug"], name="product_slug_unique_per_store")
        ]
        indexes = [models.Index(fields=["store", "category"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("storefront:product", kwargs={"slug": self.store.slug, "product": self.slug})

    @property
    def margin(self) -> Decimal:
        return self.price - self.unit_cost

    def clean(self) -> None:
        if self.price is not None and self.unit_cost is not None and self.price < self.unit_cost:
            raise ValidationError(
                {"price": "Price is below unit cost: every sale would lose money."}
            )


class Customer(models.Model):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="customers")
    email = models.EmailField()
    name = models.CharField(max_length=120, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.SHOPPER)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["store", "email"], name="customer_email_unique_per_store"
            )
        ]

    def __str__(self) -> str:
        return self.email


class RunStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class SimulationRun(models.Model):
    """A batch of simulated days for a set of stores, fanned out over Celery workers in chunks."""

    seed = models.PositiveBigIntegerField()
    start_date = models.DateField()
    days = models.PositiveIntegerField(validators=[MinValueValidator(1), MaxValueValidator(3650)])
    chunk_days = models.PositiveSmallIntegerField(default=30, validators=[MinValueValidator(1)])
    common_random_numbers = models.BooleanField(
        default=True, help_text="Every store sees the same demand stream (less noise between them)."
    )
    stores = models.ManyToManyField(Store, related_name="runs")
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.PENDING)
    chunks_total = models.PositiveIntegerField(default=0)
    chunks_done = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Run #{self.pk} ({self.days} days, seed {self.seed})"

    @property
    def progress(self) -> float:
        return self.chunks_done / self.chunks_total if self.chunks_total else 0.0


class ChunkStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    DONE = "done", "Done"


class RunChunk(models.Model):
    """One store x span of days of a run: the unit of work a Celery task claims."""

    run = models.ForeignKey(SimulationRun, on_delete=models.CASCADE, related_name="chunks")
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    first_day = models.PositiveIntegerField(help_text="Day offset from the run's start date.")
    day_count = models.PositiveIntegerField()
    status = models.CharField(
        max_length=10, choices=ChunkStatus.choices, default=ChunkStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    orders_written = models.PositiveIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["run", "store", "first_day"]
        constraints = [
            models.UniqueConstraint(fields=["run", "store", "first_day"], name="one_chunk_per_span")
        ]


class OrderStatus(models.TextChoices):
    PLACED = "placed", "Placed"
    SHIPPED = "shipped", "Shipped"
    DELIVERED = "delivered", "Delivered"
    REFUSED = "refused", "Refused at the door"
    RETURNED = "returned", "Returned"
    REFUNDED = "refunded", "Refunded (not returned)"
    CHARGED_BACK = "charged_back", "Charged back"
    CANCELLED = "cancelled", "Cancelled"


FINAL_STATUSES = frozenset(
    {
        OrderStatus.REFUSED,
        OrderStatus.RETURNED,
        OrderStatus.REFUNDED,
        OrderStatus.CHARGED_BACK,
        OrderStatus.CANCELLED,
    }
)

# The money columns of an order, in waterfall order. Revenue first, then every cost line.
ORDER_REVENUE_FIELDS = ("gross_sales", "discount", "refund")
ORDER_COST_FIELDS = (
    "goods_cost",
    "shipping_cost",
    "return_shipping_cost",
    "payment_fee",
    "cod_fee",
    "chargeback_fee",
    "platform_fee",
)


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

    @property
    def net_sales(self) -> Decimal:
        return self.gross_sales - self.discount - self.refund

    @property
    def total_cost(self) -> Decimal:
        return sum((getattr(self, f) for f in ORDER_COST_FIELDS), Decimal("0"))

    @property
    def contribution(self) -> Decimal:
        """Order-level contribution (ad spend is booked per day and channel, not per order)."""
        return self.net_sales - self.total_cost


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


class DailyFunnel(models.Model):
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
    cash_collected = money_field()
    cash_lag_days = models.PositiveIntegerField(default=0, help_text="Sum of days order -> cash.")
    cash_orders = models.PositiveIntegerField(default=0)

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
