"""Stores and what they sell: a store configured as a business model (every parameter the
simulation reads, its defaults from stores/presets.py), its traffic channels, products and
customers."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone

from .. import contrast
from ..choices import (
    OWNED_CHANNELS,
    PAID_CHANNELS,
    PLATFORM_MODELS,
    BusinessModel,
    Channel,
    Currency,
    Market,
    PaymentMethod,
    ReturnShippingPayer,
    Source,
)
from ..presets import DEFAULT_THEME, PLATFORM_NAME, PRESETS, default
from ..simulation import ledger
from .fields import days_field, hex_colour, money_field, rate_field


def default_payment_methods() -> list[str]:
    """The payment methods a store offers unless its preset says otherwise (a fresh list)."""
    return list(default("payment_methods"))


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

    def on_real_clock(self) -> StoreQuerySet:
        """Stores outside any training session: they live by the real time. A session's stores
        live by its accelerated clock (stores.models.classroom), whose dates run ahead."""
        return self.filter(training_sessions__isnull=True)


class Store(models.Model):
    """A mock independent store: a business model plus every parameter the simulation reads."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(
        max_length=60, unique=True, help_text="Used in the storefront URL /s/your-slug/."
    )
    business_model = models.CharField(max_length=20, choices=BusinessModel.choices)
    description = models.TextField(blank=True)
    market = models.CharField(max_length=2, choices=Market.choices, default=default("market"))
    currency = models.CharField(max_length=3, choices=Currency.choices, default=default("currency"))

    # Theme
    primary_colour = models.CharField(
        max_length=7, default=DEFAULT_THEME["primary_colour"], validators=[hex_colour]
    )
    accent_colour = models.CharField(
        max_length=7, default=DEFAULT_THEME["accent_colour"], validators=[hex_colour]
    )
    tagline = models.CharField(max_length=160, blank=True)
    banner_text = models.CharField(max_length=200, blank=True)

    # Payments
    payment_methods = models.JSONField(
        default=default_payment_methods,
        help_text="Payment methods offered at checkout (card, paypal, upi, cod).",
    )
    default_payment_method = models.CharField(
        max_length=10, choices=PaymentMethod.choices, default=default("default_payment_method")
    )
    card_fee_rate = rate_field(
        default("card_fee_rate"), "Card/wallet fee as a share of the order (Stripe: 2.9%)."
    )
    card_fee_fixed = money_field(
        default("card_fee_fixed"), "Fixed card fee per order (Stripe: $0.30)."
    )
    chargeback_rate = rate_field(
        default("chargeback_rate"), "Share of prepaid orders disputed regardless of delivery."
    )
    dispute_fee = money_field(default("dispute_fee"), "Fee per chargeback (Stripe: $15).")
    payout_days = days_field(
        default("payout_days"),
        "Days until a prepaid order's money reaches the store: after the charge (processor), "
        "or after delivery where the platform collects the payment.",
    )
    payout_cycle_days = days_field(
        default("payout_cycle_days"),
        "Payouts settle in cycles of this many days (0 = every day).",
    )
    platform_collects_payment = models.BooleanField(
        default=default("platform_collects_payment"),
        help_text="A marketplace takes the buyer's payment: no card fee for the seller, and the "
        "money comes after delivery, on the platform's settlement cycle.",
    )

    # Cash on delivery
    cod_share = rate_field(
        default("cod_share"), "Share of orders paid by COD where COD is offered."
    )
    cod_conversion_uplift = rate_field(
        default("cod_conversion_uplift"),
        "Relative conversion uplift when COD is offered (0.3 = +30%).",
        maximum=2,
    )
    cod_fee_rate = rate_field(default("cod_fee_rate"), "Courier COD fee as a share of order value.")
    cod_fee_min = money_field(default("cod_fee_min"), "Minimum COD fee per order.")
    cod_refusal_base = rate_field(
        default("cod_refusal_base"), "Refusal at the door for a COD order delivered in 2 days."
    )
    cod_refusal_per_day = rate_field(
        default("cod_refusal_per_day"), "Extra refusal probability per day of delivery beyond 2."
    )
    cod_remittance_days = days_field(
        default("cod_remittance_days"), "Days from delivery until the courier remits COD cash."
    )

    # Fulfilment and shipping
    shipping_cost = money_field(
        default("shipping_cost"), "Forward shipping the store pays per order."
    )
    return_shipping_cost = money_field(
        default("return_shipping_cost"),
        "Reverse leg per returned or refused order (a cross-border return costs more).",
    )
    handling_days_min = days_field(
        default("handling_days_min"), "Days from order to dispatch (supplier or production), min."
    )
    handling_days_max = days_field(
        default("handling_days_max"), "Days from order to dispatch, max."
    )
    delivery_days_min = days_field(
        default("delivery_days_min"), "Transit days from dispatch to the door, min."
    )
    delivery_days_max = days_field(
        default("delivery_days_max"), "Transit days from dispatch to the door, max."
    )
    late_after_days = days_field(
        default("late_after_days"),
        "An order not at the door this many days after it was placed counts as late.",
    )
    late_refund_rate = rate_field(
        default("late_refund_rate"), "Share of late prepaid orders the buyer asks back."
    )
    late_chargeback_share = rate_field(
        default("late_chargeback_share"), "Of those, the share that becomes a chargeback."
    )

    # Returns
    return_window_days = days_field(
        default("return_window_days"), "Days after delivery during which a return is accepted."
    )
    return_shipping_paid_by = models.CharField(
        max_length=10,
        choices=ReturnShippingPayer.choices,
        default=default("return_shipping_paid_by"),
    )
    return_rate = rate_field(
        default("return_rate"), "Share of delivered orders returned for a refund."
    )
    defect_rate = rate_field(
        default("defect_rate"), "Share of delivered orders faulty or wrong (refunded)."
    )
    returns_restockable = models.BooleanField(
        default=default("returns_restockable"),
        help_text="Returned goods go back to stock (else they are written off).",
    )

    # Pricing, funnel and basket
    markup = rate_field(
        default("markup"), "Default price / unit cost for generated products.", maximum=20
    )
    price_elasticity = rate_field(
        default("price_elasticity"),
        "How much a price above market lowers conversion (0 = none).",
        maximum=5,
    )
    product_view_rate = rate_field(
        default("product_view_rate"), "Share of sessions that view a product."
    )
    add_to_cart_rate = rate_field(
        default("add_to_cart_rate"), "Share of sessions that add to cart (Littledata: 5.9%)."
    )
    checkout_rate = rate_field(
        default("checkout_rate"), "Share of sessions with a cart that reach checkout."
    )
    extra_items_mean = rate_field(
        default("extra_items_mean"), "Mean extra lines per order beyond the first.", maximum=10
    )
    bundle_take_rate = rate_field(
        default("bundle_take_rate"), "Share of single-product buyers who take a bundle."
    )
    repeat_purchase_rate = rate_field(
        default("repeat_purchase_rate"),
        "A buyer's chance of ordering again after an order; in the long run, the share of "
        "orders from returning customers.",
    )
    repeat_days = models.PositiveSmallIntegerField(
        default=default("repeat_days"),
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text="Mean days from a buyer's order to their next one, when they come back "
        "(their chance of buying again decays with the days since their last order).",
    )
    returning_email_share = rate_field(
        default("returning_email_share"),
        "Share of returning buyers' visits that come by email (the rest come direct).",
    )

    # Model-specific operating mechanics
    ad_fatigue_per_day = rate_field(
        default("ad_fatigue_per_day"),
        "Daily relative rise in cost per click as an audience tires (0.003 = +0.3%/day).",
    )
    ad_refresh_days = days_field(
        default("ad_refresh_days"),
        "Days between creative refreshes; ad fatigue starts over at each (0 = never refreshed).",
    )
    stockout_rate = rate_field(
        default("stockout_rate"), "Share of would-be orders lost to an item out of stock."
    )
    sku_daily_cost = money_field(
        default("sku_daily_cost"),
        "Operating cost per active SKU per day (listing, sourcing, support).",
    )
    platform_fee_rate = rate_field(
        default("platform_fee_rate"), "Platform commission on sales (marketplace baseline)."
    )
    fulfilment_fee = money_field(
        default("fulfilment_fee"),
        "Managed platforms: the platform's fulfilment fee per unit sold (pick, pack, last mile).",
    )
    warehousing_fee = money_field(
        default("warehousing_fee"),
        "Managed platforms: the platform's overseas warehousing fee per unit sold.",
    )
    platform_retail_markup = rate_field(
        default("platform_retail_markup"),
        "Fully managed: the shopper's price / the seller's wholesale price (the platform sets "
        "it; products' prices are then wholesale prices). 0 = the seller sets the price.",
        maximum=20,
    )
    owns_customer_data = models.BooleanField(
        default=default("owns_customer_data"),
        help_text="The store can email its buyers (no on a marketplace).",
    )

    # Competition and the premium ramp (stores/simulation/market.py; seed 001).
    price_pressure_per_year = rate_field(
        default("price_pressure_per_year"),
        "Yearly fall of the market's prices from a run's first day as competitors undercut "
        "(0.10 = 10% a year); at a fixed markup the store converts less (0 = none).",
        maximum=0.9,
    )
    ramp_days = days_field(
        default("ramp_days"),
        "Days over which a premium store's conversion and organic/referral traffic rise to "
        "their settled level, paying its brand-building cost each day (0 = no ramp).",
    )
    ramp_start = rate_field(
        default("ramp_start"),
        "Share of the settled conversion and organic/referral traffic on a run's first day "
        "(rises linearly to 1 over the ramp days).",
    )
    brand_build_cost = money_field(
        default("brand_build_cost"),
        "Content and brand spend per day of the ramp (booked as other cost; none after it).",
    )

    # Cash and capital: the daily cash balance (stores/simulation/cash.py) starts here.
    starting_capital = money_field(
        default("starting_capital"),
        "Cash the store starts with on the first day of a period (the cash balance starts here).",
    )
    stock_days = days_field(
        default("stock_days"),
        "Days of expected sales bought up front and replenished as they sell "
        "(0 = no stock: goods bought per order, as dropship and POD do).",
    )
    supplier_payment_days = days_field(
        default("supplier_payment_days"),
        "Days after a purchase that the supplier is paid (0 = on purchase).",
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

    def __init__(self, *args, **kwargs):
        # A new store built for a business model starts from that model's preset, whatever
        # builds it (the ORM, a form, a service): the field defaults above are only the values
        # every model shares. Rows loaded from the database arrive as positional args.
        preset = PRESETS.get(kwargs.get("business_model")) if not args else None
        if preset is not None:
            kwargs = {**preset.defaults(), "preset": preset.key, **kwargs}
        super().__init__(*args, **kwargs)

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        # The methods offered are a set; kept in one order (the checkout lists them so), which
        # also makes two stores offering the same methods hold the same value.
        if isinstance(self.payment_methods, list):
            known = [m for m in PaymentMethod.values if m in self.payment_methods]
            self.payment_methods = known + [m for m in self.payment_methods if m not in known]
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("storefront:home", kwargs={"slug": self.slug})

    def traffic_scale(self) -> int:
        """How many times its visits and budgets the store runs at: its training session's
        traffic scale (in its history and its rounds alike), 1 outside a session. One query."""
        scale = self.training_sessions.values_list("traffic_scale", flat=True).first()
        return scale or 1

    @property
    def fee_schedule(self):
        from ..simulation.fees import FeeSchedule

        return FeeSchedule(
            card_fee_rate=self.card_fee_rate,
            card_fee_fixed=self.card_fee_fixed,
            cod_fee_rate=self.cod_fee_rate,
            cod_fee_min=self.cod_fee_min,
            platform_fee_rate=self.platform_fee_rate,
            platform_collects_payment=self.platform_collects_payment,
            fulfilment_fee=self.fulfilment_fee,
            warehousing_fee=self.warehousing_fee,
        )

    @property
    def sells_on_platform(self) -> bool:
        """A managed platform's seller (seed 003): no storefront or checkout of its own."""
        return self.business_model in PLATFORM_MODELS

    @property
    def platform_name(self) -> str:
        return PLATFORM_NAME if self.sells_on_platform else ""

    def shopper_price(self, price: Decimal) -> Decimal:
        """What a shopper pays for a product priced `price` (the seller's price; for a fully
        managed supplier, the wholesale price the platform pays it)."""
        return ledger.shopper_price(price, self.platform_retail_markup)

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
        # A COD-model store may switch COD off: that is its prepaid twin (same market, courier
        # and catalogue), the comparison that shows what COD does. It then needs a COD share of
        # 0 and a default method it offers, like any store.
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
        # Readable in every theme, however the store is saved (admin, clone, preset, command).
        try:
            problems = contrast.theme_problems(self.primary_colour, self.accent_colour)
        except (ValueError, TypeError):  # a malformed colour: its field validator says so
            problems = []
        for problem in problems:
            errors.setdefault(problem.field, []).append(problem.message)
        if errors:
            raise ValidationError(errors)


# A channel's visits a day, typed or bought (budget / cost per click): a hundred times the busiest
# preset channel. Every visit is simulated and its orders written, so a slip of the keyboard
# (2,147,483,647 sessions) would exhaust a worker's memory; a bound here refuses it on saving.
MAX_DAILY_VISITS = 100_000


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
        limit = f"{MAX_DAILY_VISITS:,}"
        if self.daily_sessions is not None and self.daily_sessions > MAX_DAILY_VISITS:
            errors["daily_sessions"] = (
                f"At most {limit} sessions a day on a channel (the busiest preset has ~900)."
            )
        if self.is_paid and self.daily_budget and not self.cost_per_click:
            errors["cost_per_click"] = "A paid channel with a budget needs a cost per click."
        elif self.is_paid and self.daily_budget:
            clicks = self.daily_budget / self.cost_per_click
            if clicks > MAX_DAILY_VISITS:
                errors["daily_budget"] = (
                    f"This budget buys {clicks:,.0f} clicks a day at this cost per click; at "
                    f"most {limit} (lower the budget or raise the cost per click)."
                )
        if not self.is_paid and self.daily_budget:
            errors["daily_budget"] = f"{self.get_channel_display()} is not a paid channel."
        emails = self.channel == Channel.EMAIL and self.daily_sessions
        if emails and self.store_id and not self.store.owns_customer_data:
            errors["daily_sessions"] = "A store without its customers' data cannot email them."
        # A managed platform allocates all of its sellers' traffic (seed 003); platform traffic
        # is a platform seller's alone.
        on_platform = self.store_id and self.store.sells_on_platform
        if on_platform and self.channel in OWNED_CHANNELS:
            errors["channel"] = (
                f"{self.store.platform_name} allocates all of a platform seller's traffic: "
                f"it has no {self.get_channel_display().lower()} of its own."
            )
        if self.store_id and not on_platform and self.channel == Channel.PLATFORM:
            errors["channel"] = "Platform traffic is a managed platform seller's alone."
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

    @property
    def shopper_price(self) -> Decimal:
        """The price a shopper sees (a fully managed platform's own price; else `price`)."""
        return self.store.shopper_price(self.price)

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
