"""Product pictures drawn for each product: an SVG from its category, a colour and its name.

Pure Python (no Django), so the same picture comes out of a test, a template or a script. The
catalogue is generated, so there are no photos: each picture is a pictogram of the product's
category, on a colour derived from the product (the same product always gets the same colour,
neighbours rarely share one), with the product's name written under it. The storefront shows
the title next to every picture, so the SVG is decorative (hidden from screen readers).
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from html import escape

# One pictogram per category, drawn in a 100 x 60 box (fill = the product's dark colour).
SHAPES = {
    "kitchen": '<rect x="28" y="22" width="44" height="30" rx="6"/><rect x="20" y="18" width="60" height="7" rx="3"/><rect x="72" y="26" width="14" height="5" rx="2"/>',
    "phone": '<rect x="38" y="6" width="24" height="48" rx="5"/><rect x="42" y="12" width="16" height="32" rx="2" fill="#fff" opacity=".55"/><circle cx="50" cy="49" r="2.5" fill="#fff" opacity=".7"/>',
    "pet": '<ellipse cx="50" cy="42" rx="14" ry="11"/><circle cx="34" cy="26" r="6"/><circle cx="45" cy="18" r="6"/><circle cx="56" cy="18" r="6"/><circle cx="66" cy="26" r="6"/>',
    "fitness": '<rect x="26" y="27" width="48" height="6" rx="3"/><rect x="18" y="16" width="10" height="28" rx="3"/><rect x="72" y="16" width="10" height="28" rx="3"/><rect x="12" y="21" width="6" height="18" rx="2"/><rect x="82" y="21" width="6" height="18" rx="2"/>',
    "decor": '<path d="M36 30 L44 8 H56 L64 30 Z"/><rect x="48" y="30" width="4" height="18"/><rect x="38" y="48" width="24" height="5" rx="2"/>',
    "beauty": '<rect x="42" y="28" width="16" height="26" rx="3"/><path d="M44 28 V14 Q50 6 56 14 V28 Z"/>',
    "toys": '<rect x="22" y="30" width="22" height="22" rx="3"/><rect x="46" y="30" width="22" height="22" rx="3" opacity=".75"/><rect x="34" y="8" width="22" height="22" rx="3" opacity=".9"/>',
    "garden": '<path d="M36 36 H64 L60 56 H40 Z"/><path d="M50 36 C50 24 40 16 30 14 C32 26 40 34 50 36 Z"/><path d="M50 36 C50 22 58 12 70 10 C68 24 60 32 50 36 Z" opacity=".8"/>',
    "travel": '<rect x="24" y="18" width="52" height="36" rx="6"/><rect x="40" y="10" width="20" height="10" rx="3" fill="none" stroke="currentColor" stroke-width="4"/><rect x="24" y="32" width="52" height="3" fill="#fff" opacity=".5"/>',
    "office": '<rect x="30" y="8" width="34" height="46" rx="3"/><rect x="36" y="16" width="22" height="3" fill="#fff" opacity=".6"/><rect x="36" y="24" width="22" height="3" fill="#fff" opacity=".6"/><path d="M70 12 L76 12 L76 46 L73 52 L70 46 Z" opacity=".8"/>',
    "car": '<path d="M18 40 L26 26 H70 L80 40 Z"/><rect x="14" y="38" width="72" height="12" rx="4"/><circle cx="32" cy="52" r="6"/><circle cx="68" cy="52" r="6"/>',
    "jewellery": '<circle cx="50" cy="38" r="15" fill="none" stroke="currentColor" stroke-width="5"/><path d="M42 14 H58 L62 20 L50 28 L38 20 Z"/>',
    "fashion": '<path d="M26 24 H74 L70 56 H30 Z"/><path d="M38 24 C38 8 62 8 62 24" fill="none" stroke="currentColor" stroke-width="4"/>',
    "electronics": '<path d="M28 36 C28 14 72 14 72 36" fill="none" stroke="currentColor" stroke-width="5"/><rect x="22" y="34" width="12" height="18" rx="4"/><rect x="66" y="34" width="12" height="18" rx="4"/>',
    "baby": '<rect x="40" y="20" width="20" height="34" rx="6"/><path d="M43 20 L46 10 H54 L57 20 Z"/><rect x="40" y="30" width="20" height="3" fill="#fff" opacity=".6"/>',
    "garment": '<path d="M40 6 H60 L64 16 L76 56 H24 L36 16 Z"/>',
    "fragrance": '<rect x="34" y="22" width="32" height="32" rx="6"/><rect x="44" y="12" width="12" height="10" rx="2"/><rect x="40" y="32" width="20" height="12" rx="2" fill="#fff" opacity=".55"/>',
    "apparel": '<path d="M36 8 L24 14 L16 26 L26 32 L30 28 V54 H70 V28 L74 32 L84 26 L76 14 L64 8 C62 14 38 14 36 8 Z"/>',
    "drinkware": '<path d="M30 14 H62 V46 C62 52 58 54 54 54 H38 C34 54 30 52 30 46 Z"/><path d="M62 22 C76 22 76 42 62 42" fill="none" stroke="currentColor" stroke-width="5"/>',
    "accessories": '<path d="M22 30 L48 8 H74 V34 L48 56 Z"/><circle cx="64" cy="18" r="4" fill="#fff" opacity=".8"/>',
    "wellness": '<circle cx="50" cy="12" r="7"/><path d="M50 20 V42 M50 26 L36 34 M50 26 L64 34 M50 42 L40 56 M50 42 L60 56" fill="none" stroke="currentColor" stroke-width="6" stroke-linecap="round"/>',
    "other": '<rect x="26" y="16" width="48" height="38" rx="4"/><path d="M26 16 L50 6 L74 16 Z" opacity=".75"/><rect x="46" y="16" width="8" height="38" fill="#fff" opacity=".45"/>',
}
CATEGORY_SHAPES = {
    "kitchen": "kitchen",
    "phone accessories": "phone",
    "pet supplies": "pet",
    "fitness": "fitness",
    "home decor": "decor",
    "beauty": "beauty",
    "toys": "toys",
    "garden": "garden",
    "travel": "travel",
    "office": "office",
    "car": "car",
    "jewellery": "jewellery",
    "fashion": "fashion",
    "electronics": "electronics",
    "baby": "baby",
    "modest fashion": "garment",
    "fragrance": "fragrance",
    "apparel": "apparel",
    "drinkware": "drinkware",
    "accessories": "accessories",
    "wellness": "wellness",
}
# A word of the title can say more than the category (a POD "Mug" sits in Drinkware, a "Cap"
# in Accessories): checked first.
TITLE_SHAPES = {
    "mug": "drinkware",
    "tumbler": "drinkware",
    "bottle": "drinkware",
    "t-shirt": "apparel",
    "hoodie": "apparel",
    "sweatshirt": "apparel",
    "tank": "apparel",
    "lamp": "decor",
    "phone": "phone",
    "tote": "fashion",
    "posture": "wellness",
}


def shape_for(title: str, category: str) -> str:
    words = title.lower().replace(",", " ").split()
    for word in words:
        if word in TITLE_SHAPES:
            return TITLE_SHAPES[word]
    return CATEGORY_SHAPES.get(category.strip().lower(), "other")


def hue_for(key: str) -> int:
    """A hue in 0-359 derived from the product (stable across runs and machines)."""
    return int.from_bytes(hashlib.blake2s(key.encode(), digest_size=2).digest(), "big") % 360


def _lines(title: str, width: int = 18, count: int = 2) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in title.split():
        candidate = f"{current} {word}".strip()
        if len(candidate) <= width or not current:
            current = candidate
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    if len(lines) > count:
        lines = [*lines[: count - 1], " ".join(lines[count - 1 :])]
    return [line if len(line) <= width + 2 else line[: width + 1].rstrip() + "…" for line in lines]


@lru_cache(maxsize=4096)
def product_svg(title: str, category: str, key: str, css_class: str = "picture") -> str:
    """The picture of one product as inline SVG markup (decorative: aria-hidden)."""
    hue = hue_for(key or title)
    background = f"hsl({hue} 55% 90%)"
    ink = f"hsl({hue} 60% 24%)"
    shape = SHAPES[shape_for(title, category)]
    lines = _lines(title)
    size = 9 if max(len(line) for line in lines) <= 16 else 8
    first_y = 78 if len(lines) == 1 else 74
    text = "".join(
        f'<text x="60" y="{first_y + i * (size + 2)}">{escape(line)}</text>'
        for i, line in enumerate(lines)
    )
    return (
        f'<svg class="{escape(css_class)}" viewBox="0 0 120 90" aria-hidden="true" '
        f'focusable="false" xmlns="http://www.w3.org/2000/svg">'
        f'<rect width="120" height="90" fill="{background}"/>'
        f'<g transform="translate(10 4)" fill="{ink}" color="{ink}">{shape}</g>'
        f'<g fill="{ink}" font-family="system-ui, sans-serif" font-size="{size}" '
        f'font-weight="700" text-anchor="middle">{text}</g></svg>'
    )
