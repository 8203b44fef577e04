"""Colour contrast (WCAG 2.2) for store themes and print colours. Pure Python, no Django.

The storefront paints each store's theme: white text on the primary colour (header, buttons),
the primary colour as link and price text on the light page, dark text (#111) on the accent
colour (banner, badges) and the accent as the keyboard focus ring. `theme_problems` says which of
those a pair of colours fails, naming the colour; `focus_ring` picks a ring that reaches 3:1
whatever the accent. The same ratio decides which print colours are readable on a product.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

HEX = re.compile(r"#([0-9a-fA-F]{6})")

# The storefront's fixed colours (static/css/sandbox.css): page, cards, text on the accent.
PAGE = "#f7f8fa"
CARD = "#ffffff"
INK_ON_ACCENT = "#111111"
WHITE = "#ffffff"
INK = "#1d232a"

TEXT_MIN = 4.5  # WCAG 1.4.3, body text
NON_TEXT_MIN = 3.0  # WCAG 1.4.11, a focus ring or a control's edge; also large text


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(colour: str) -> float:
    """Relative luminance of "#rrggbb" (0 black .. 1 white)."""
    match = HEX.fullmatch(colour.strip())
    if not match:
        raise ValueError(f"{colour!r} is not a colour like #1f6feb.")
    digits = match[1]
    r, g, b = (int(digits[i : i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def ratio(a: str, b: str) -> float:
    """The contrast ratio of two colours, 1 (none) to 21 (black on white)."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@dataclass(frozen=True)
class Problem:
    field: str  # "primary_colour" or "accent_colour"
    message: str


def theme_problems(primary: str, accent: str) -> list[Problem]:
    """What a theme fails, each naming its colour; [] when every use of it is readable."""
    problems = []
    white_on_primary = ratio(WHITE, primary)
    if white_on_primary < TEXT_MIN:
        problems.append(
            Problem(
                "primary_colour",
                f"The primary colour {primary} is too light for the white header text on it "
                f"({white_on_primary:.1f}:1, {TEXT_MIN}:1 needed): pick a darker colour.",
            )
        )
    on_page = ratio(primary, PAGE)
    if on_page < TEXT_MIN and white_on_primary >= TEXT_MIN:
        problems.append(
            Problem(
                "primary_colour",
                f"The primary colour {primary} is too light for links and prices on the page "
                f"({on_page:.1f}:1, {TEXT_MIN}:1 needed): pick a darker colour.",
            )
        )
    ink_on_accent = ratio(INK_ON_ACCENT, accent)
    if ink_on_accent < TEXT_MIN:
        problems.append(
            Problem(
                "accent_colour",
                f"The accent colour {accent} is too dark for the dark text of the banner and "
                f"badges on it ({ink_on_accent:.1f}:1, {TEXT_MIN}:1 needed): pick a lighter colour.",
            )
        )
    return problems


def focus_ring(primary: str, accent: str) -> str:
    """The keyboard focus ring on the light page: the accent when it reaches 3:1 against the
    page and the cards, else the primary colour (dark enough for text, so enough for a ring),
    else the ink colour."""
    for colour in (accent, primary):
        if min(ratio(colour, PAGE), ratio(colour, CARD)) >= NON_TEXT_MIN:
            return colour
    return INK


def readable_on(colour: str, background: str, minimum: float = TEXT_MIN) -> bool:
    return ratio(colour, background) >= minimum
