"""Stores: create one from a preset with its channels and catalogue, clone it (or make a COD
store's prepaid twin), reset its data.

The admin, the commands and the scenarios create stores through these, so every store of a
model starts from the same preset values (stores/presets.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from ..models import (
    Customer,
    DailyFunnel,
    Product,
    RunChunk,
    RunStoreCashFlows,
    RunStoreDay,
    RunStoreWeek,
    Store,
    StoreChannel,
)
from ..presets import DEMO_MODELS, get_preset
from ..simulation.catalogue import generate_catalogue as generate_catalogue_specs

CATALOGUE_SEED = 20261123  # fixed, so a store's generated catalogue is the same on every machine


@transaction.atomic
def create_store_from_preset(
    preset_key: str,
    *,
    name: str,
    slug: str = "",
    with_catalogue: bool = True,
    catalogue_seed: int = CATALOGUE_SEED,
    **overrides: Any,
) -> Store:
    """Create a store (its channels and, by default, its catalogue) from a model's preset.

    Raises ValidationError naming the field when an override is out of range; nothing is saved.
    """
    preset = get_preset(preset_key)
    slug = slug or slugify(name)[:60]
    if not slug:
        # Without this, the admin said "This field cannot be blank." next to a slug the trainer
        # was told to leave empty: an Arabic or Japanese name has no letter a URL slug can use.
        raise ValidationError(
            {
                "slug": f"{name!r} gives no slug (a slug uses the letters a-z, digits and "
                "hyphens): type one, e.g. souq-uae."
            }
        )
    # Store() fills every parameter not overridden from the preset (see Store.__init__).
    store = Store(name=name, slug=slug, business_model=preset.key, **overrides)
    store.full_clean()
    store.save()
    add_preset_channels(store)
    if with_catalogue:
        generate_catalogue(store, seed=catalogue_seed)
    return store


def add_preset_channels(store: Store) -> int:
    """Give a store without traffic channels its model's channels (the preset's defaults);
    a store without its customers' data gets no email channel. Returns the number created."""
    if store.channels.exists():
        return 0
    preset = get_preset(store.preset or store.business_model)
    channels = StoreChannel.objects.bulk_create(
        StoreChannel(store=store, **values)
        for values in preset.channel_values(store.owns_customer_data)
    )
    return len(channels)


@transaction.atomic
def generate_catalogue(store: Store, *, seed: int = CATALOGUE_SEED, replace: bool = False) -> int:
    """Fill a store's catalogue with products fitting its model. Returns the number created.

    With replace=False an existing catalogue is left alone (idempotent); replace=True deletes the
    store's products first (order lines keep their title and prices).
    """
    if store.products.exists():
        if not replace:
            return 0
        store.products.all().delete()
    products = Product.objects.bulk_create(catalogue_products(store, seed=seed))
    return len(products)


def catalogue_products(store: Store, *, seed: int = CATALOGUE_SEED) -> list[Product]:
    """The unsaved products of a store's generated catalogue (its model's preset, its markup)."""
    preset = get_preset(store.preset or store.business_model)
    return [
        Product(
            store=store,
            title=s.title,
            slug=s.slug,
            category=s.category,
            description=s.description,
            price=s.price,
            unit_cost=s.unit_cost,
            popularity=s.popularity,
            stock=s.stock,
            supplier=s.supplier,
            supplier_lead_days=s.supplier_lead_days,
            is_customizable=s.is_customizable,
            bundle_quantity=s.bundle_quantity,
        )
        for s in generate_catalogue_specs(preset.catalogue, float(store.markup), seed)
    ]


@transaction.atomic
def clone_store(store: Store, *, name: str = "", slug: str = "") -> Store:
    """Copy a store's settings, channels and catalogue (not its orders) under a new slug.

    Raises ValidationError naming the field when the copy would not be a valid store; nothing
    is saved then."""
    name = name or derived_name(store.name, " (copy)")
    slug = slug or _free_slug(f"{store.slug}-copy")
    channels = list(store.channels.all())
    products = list(store.products.all())
    clone = Store.objects.get(pk=store.pk)
    clone.pk = None
    clone.id = None
    clone.name, clone.slug, clone.is_live = name, slug, False
    clone.full_clean()
    clone.save()
    for obj in channels + products:
        obj.pk = None
        obj.id = None
        obj.store = clone
    StoreChannel.objects.bulk_create(channels)
    Product.objects.bulk_create(products)
    return clone


@transaction.atomic
def prepaid_twin(store: Store, *, name: str = "", slug: str = "") -> Store:
    """A copy of a COD store with cash on delivery switched off: the same market, courier,
    catalogue and traffic, buyers paying by their other methods (card when it had none)."""
    if not store.offers_cod:
        raise ValueError(f"{store.slug} does not offer cash on delivery.")
    twin = clone_store(
        store,
        name=name or derived_name(store.name, " (prepaid)"),
        slug=slug or _free_slug(f"{store.slug}-prepaid"),
    )
    methods = [m for m in twin.payment_methods if m != "cod"] or ["card"]
    twin.payment_methods, twin.cod_share = methods, 0
    if twin.default_payment_method not in methods:
        twin.default_payment_method = methods[0]
    twin.full_clean()
    twin.save()
    return twin


@dataclass(frozen=True)
class ResetResult:
    orders: int
    funnel_rows: int
    customers: int


@transaction.atomic
def reset_store_data(store: Store) -> ResetResult:
    """Delete a store's generated and shopper data (orders, funnel, customers); keep its setup."""
    orders = store.orders.count()
    store.orders.all().delete()
    funnel_rows, _ = DailyFunnel.objects.filter(store=store).delete()
    RunStoreDay.objects.filter(store=store).delete()
    RunStoreWeek.objects.filter(store=store).delete()
    RunStoreCashFlows.objects.filter(store=store).delete()
    customers, _ = Customer.objects.filter(store=store).delete()
    RunChunk.objects.filter(store=store).delete()
    return ResetResult(orders=orders, funnel_rows=funnel_rows, customers=customers)


def derived_name(name: str, suffix: str) -> str:
    """`name` with `suffix`, shortened to fit a store's name: a copy of a long name, or of a
    copy of a copy, is still a valid store (the suffix says what it is, so it is kept)."""
    limit = Store._meta.get_field("name").max_length
    return name[: limit - len(suffix)].rstrip() + suffix


def _free_slug(base: str) -> str:
    base = base[:55]
    slug, n = base, 2
    while Store.objects.filter(slug=slug).exists():
        slug = f"{base}-{n}"
        n += 1
    return slug


DEMO_NAMES = {
    "general": ("Everything Emporium", "everything-emporium"),
    "dropship": ("TrendDrop", "trenddrop"),
    "cod": ("Souq Express", "souq-express"),
    "pod": ("Inkwell Prints", "inkwell-prints"),
    "single_product": ("PostureUp", "postureup"),
    "vertical": ("Aisle Nine Pets", "aisle-nine-pets"),
    "vertical_premium": ("Peak Form", "peak-form"),
    "brand": ("Glow Theory", "glow-theory"),
    "semi_managed": ("Lumen Home", "lumen-home"),
    "fully_managed": ("Brightloom Supply", "brightloom-supply"),
}


@dataclass(frozen=True)
class SeedResult:
    created: list[str]
    existing: list[str]


def seed_demo_stores() -> SeedResult:
    """One demo store per business model, with its catalogue. Running it twice changes nothing."""
    created, existing = [], []
    for model in DEMO_MODELS:
        name, slug = DEMO_NAMES[model]
        if Store.objects.filter(slug=slug).exists():
            existing.append(slug)
            continue
        create_store_from_preset(model, name=name, slug=slug)
        created.append(slug)
    return SeedResult(created=created, existing=existing)
