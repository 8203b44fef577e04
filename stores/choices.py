"""The sandbox's vocabularies: business models, channels, payment methods, markets, statuses.

Plain choices with no model behind them, so that presets, models, forms and commands can share
them without importing each other. `stores.simulation.params` mirrors the names the engine uses
(a test holds the two lists together).
"""

from __future__ import annotations

from django.db import models


class BusinessModel(models.TextChoices):
    GENERAL = "general", "General store (product flooding)"
    DROPSHIP = "dropship", "Dropshipping"
    COD = "cod", "Cash on delivery"
    POD = "pod", "Print on demand"
    SINGLE_PRODUCT = "single_product", "Single product"
    VERTICAL = "vertical", "Vertical expansion"
    VERTICAL_PREMIUM = "vertical_premium", "Vertical premium"
    BRAND = "brand", "DTC brand"
    MARKETPLACE = "marketplace", "Marketplace seller (baseline)"
    SEMI_MANAGED = "semi_managed", "Semi-managed platform seller"
    FULLY_MANAGED = "fully_managed", "Fully-managed platform supplier"


# Sellers on a managed platform (seed 003): the platform brings the traffic, runs logistics and
# service, takes the payment and keeps the customer; they have no storefront of their own.
PLATFORM_MODELS = frozenset({BusinessModel.SEMI_MANAGED, BusinessModel.FULLY_MANAGED})


class Channel(models.TextChoices):
    PAID_SOCIAL = "paid_social", "Paid social"
    PAID_SEARCH = "paid_search", "Paid search"
    ORGANIC_SEARCH = "organic_search", "Organic search"
    EMAIL = "email", "Email"
    DIRECT = "direct", "Direct"
    REFERRAL = "referral", "Referral / influencer"
    # Visits a managed platform allocates to a seller's listings (seed 003: "traffic allocation").
    PLATFORM = "platform", "Platform traffic"


PAID_CHANNELS = frozenset({Channel.PAID_SOCIAL, Channel.PAID_SEARCH})
# Channels a store owns or buys itself: a managed platform's seller has none of them.
OWNED_CHANNELS = frozenset({Channel.EMAIL, Channel.DIRECT}) | PAID_CHANNELS


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


class RunStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class ExperimentKind(models.TextChoices):
    REPLICATE = "replicate", "Replications"
    SWEEP = "sweep", "Sweep"


class ChunkStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    DONE = "done", "Done"


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
