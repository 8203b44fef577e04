"""Seeded catalogue generation: product specs that fit a store's business model.

Pure Python (no Django). The service layer turns these specs into Product rows.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


@dataclass(frozen=True)
class CatalogueSpec:
    """How to generate a model's catalogue."""

    kind: str  # "general", "dropship", "cod", "pod", "single_product"
    size: int
    categories: tuple[str, ...]
    cost_range: tuple[float, float]
    zipf_exponent: float = 1.0  # long tail: popularity of rank r is 1 / r**exponent
    stocked: bool = True
    suppliers: tuple[str, ...] = ()
    supplier_lead_days: tuple[int, int] = (0, 0)
    bundle_sizes: tuple[int, ...] = ()
    bundle_discounts: tuple[float, ...] = ()


@dataclass(frozen=True)
class ProductSpec:
    title: str
    slug: str
    category: str
    description: str
    price: Decimal
    unit_cost: Decimal
    popularity: float
    stock: int | None = None
    supplier: str = ""
    supplier_lead_days: int | None = None
    is_customizable: bool = False
    bundle_quantity: int = 1
    extra: dict = field(default_factory=dict)


ADJECTIVES = (
    "Classic", "Smart", "Mini", "Pro", "Eco", "Deluxe", "Compact", "Portable", "Vintage", "Ultra",
    "Soft", "Bold", "Urban", "Cosy", "Rapid", "Pure", "Bright", "Nordic", "Silk", "Rustic",
)  # fmt: skip
NOUNS_BY_CATEGORY = {
    "Kitchen": ("Peeler", "Spatula", "Storage Jar", "Knife Set", "Grater", "Timer", "Oil Sprayer"),
    "Phone accessories": ("Phone Case", "Car Mount", "Charging Cable", "Ring Holder", "Screen Guard"),
    "Pet supplies": ("Pet Brush", "Chew Toy", "Water Fountain", "Pet Bed", "Lint Roller"),
    "Fitness": ("Resistance Band", "Yoga Mat", "Jump Rope", "Grip Trainer", "Foam Roller"),
    "Home decor": ("LED Strip", "Wall Clock", "Photo Frame", "Cushion Cover", "Table Lamp"),
    "Beauty": ("Face Roller", "Hair Clip Set", "Makeup Brush Set", "Nail Kit", "Lip Tint"),
    "Toys": ("Fidget Cube", "Puzzle Box", "Building Blocks", "Plush Bear", "Kite"),
    "Garden": ("Plant Mister", "Seed Kit", "Pruning Shears", "Solar Light", "Hose Nozzle"),
    "Travel": ("Packing Cubes", "Neck Pillow", "Luggage Tag", "Travel Adapter", "Toiletry Bag"),
    "Office": ("Desk Organiser", "Cable Clips", "Laptop Stand", "Notebook", "Pen Set"),
    "Car": ("Seat Gap Filler", "Dash Cam Mount", "Sun Shade", "Trunk Organiser", "Air Freshener"),
    "Jewellery": ("Charm Bracelet", "Stud Earrings", "Pendant Necklace", "Ring Set", "Anklet"),
    "Fashion": ("Scarf", "Tote Bag", "Cap", "Sunglasses", "Belt", "Socks Pack"),
    "Electronics": ("Earbuds", "Power Bank", "Smart Watch", "Bluetooth Speaker", "Mini Fan"),
    "Baby": ("Teether", "Bib Set", "Night Light", "Bottle Brush", "Play Mat"),
    "Modest fashion": ("Abaya", "Hijab Set", "Kaftan", "Prayer Mat", "Embroidered Shawl"),
    "Fragrance": ("Oud Perfume", "Bakhoor Set", "Attar Oil", "Musk Spray", "Incense Burner"),
    "Apparel": ("T-shirt", "Hoodie", "Sweatshirt", "Tank Top", "Kids T-shirt"),
    "Drinkware": ("Mug", "Travel Tumbler", "Water Bottle"),
    "Accessories": ("Tote Bag", "Phone Case", "Cap", "Poster", "Sticker Sheet"),
}  # fmt: skip
POD_DESIGNS = ("Mountain Line", "Retro Sunset", "Cat Club", "Coffee First", "Wild Flowers")


def money(value: float) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def retail_price(unit_cost: float, markup: float) -> Decimal:
    """cost x markup, rounded up to a .99 price point (never below cost x markup - 1 cent)."""
    raw = unit_cost * markup
    return money(max(int(raw) + 0.99, 0.99))


def slugify_title(title: str) -> str:
    return "-".join("".join(ch.lower() if ch.isalnum() else " " for ch in title).split())


def generate_catalogue(
    spec: CatalogueSpec, markup: float, seed: int, hero_title: str = ""
) -> list[ProductSpec]:
    """Product specs for a catalogue; the same spec, markup and seed give the same list."""
    rng = random.Random(seed)
    if spec.kind == "single_product":
        return _single_product(spec, markup, rng, hero_title or "The Everyday Posture Corrector")
    if spec.kind == "pod":
        return _pod(spec, markup, rng)
    products: list[ProductSpec] = []
    seen: set[str] = set()
    for rank in range(1, spec.size + 1):
        category = spec.categories[(rank - 1) % len(spec.categories)]
        nouns = NOUNS_BY_CATEGORY.get(category, ("Item",))
        title = f"{rng.choice(ADJECTIVES)} {rng.choice(nouns)}"
        base, n = title, 2
        while slugify_title(title) in seen:
            title = f"{base} {n}"
            n += 1
        slug = slugify_title(title)
        seen.add(slug)
        cost = round(rng.uniform(*spec.cost_range), 2)
        supplier = rng.choice(spec.suppliers) if spec.suppliers else ""
        lead = rng.randint(*spec.supplier_lead_days) if spec.suppliers else None
        products.append(
            ProductSpec(
                title=title,
                slug=slug,
                category=category,
                description=f"{title}: a popular pick in {category.lower()}.",
                price=retail_price(cost, markup),
                unit_cost=money(cost),
                popularity=round(1.0 / rank**spec.zipf_exponent, 6),
                stock=rng.randint(0, 80) if spec.stocked else None,
                supplier=supplier,
                supplier_lead_days=lead,
            )
        )
    return products


def _single_product(
    spec: CatalogueSpec, markup: float, rng: random.Random, hero_title: str
) -> list[ProductSpec]:
    cost = round(rng.uniform(*spec.cost_range), 2)
    unit_price = retail_price(cost, markup)
    hero_slug = slugify_title(hero_title)
    products = [
        ProductSpec(
            title=hero_title,
            slug=hero_slug,
            category=spec.categories[0],
            description=f"{hero_title}: the one product this store exists to sell.",
            price=unit_price,
            unit_cost=money(cost),
            popularity=1.0,
            stock=rng.randint(500, 900) if spec.stocked else None,
        )
    ]
    for size, discount in zip(spec.bundle_sizes, spec.bundle_discounts, strict=True):
        price = money(float(unit_price) * size * (1 - discount))
        products.append(
            ProductSpec(
                title=f"{hero_title} - {size}-pack (save {round(discount * 100)}%)",
                slug=f"{hero_slug}-{size}-pack",
                category=spec.categories[0],
                description=f"{size} x {hero_title}, for the family or as a gift.",
                price=price,
                unit_cost=money(cost * size),
                popularity=round(0.5 / size, 6),
                stock=None,
                bundle_quantity=size,
            )
        )
    return products


def _pod(spec: CatalogueSpec, markup: float, rng: random.Random) -> list[ProductSpec]:
    products: list[ProductSpec] = []
    blanks = [
        (category, noun) for category in spec.categories for noun in NOUNS_BY_CATEGORY[category]
    ]
    for rank, (category, noun) in enumerate(blanks[: spec.size], start=1):
        design = POD_DESIGNS[(rank - 1) % len(POD_DESIGNS)]
        title = f"Custom {noun} - {design}"
        cost = round(rng.uniform(*spec.cost_range), 2)
        products.append(
            ProductSpec(
                title=title,
                slug=slugify_title(title),
                category=category,
                description=f"{noun} printed to order with the '{design}' design and your text.",
                price=retail_price(cost, markup),
                unit_cost=money(cost),
                popularity=round(1.0 / rank**spec.zipf_exponent, 6),
                stock=None,
                supplier="Print partner",
                is_customizable=True,
            )
        )
    return products
