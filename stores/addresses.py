"""Address rules per market: whether a postcode exists there, and what one looks like.

The one home of these rules: the checkout form asks for a postcode only where the market has
them, and the order page prints whatever was given. The United Arab Emirates has no postcodes
(an address is a building, street, area and emirate; couriers such as Aramex ask for none).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class PostcodeRule:
    required: bool
    pattern: re.Pattern[str]
    example: str


# Letters and digits with spaces or hyphens, 2-12 characters: every format of the markets we
# sell in (US ZIP+4, UK "SW1A 1AA", India's PIN, Saudi and Indonesian five digits, EU formats).
GENERIC = re.compile(r"[A-Za-z0-9][A-Za-z0-9 \-]{1,11}", re.ASCII)

POSTCODES: dict[str, PostcodeRule] = {
    "US": PostcodeRule(True, GENERIC, "94105"),
    "EU": PostcodeRule(True, GENERIC, "10115"),
    "UK": PostcodeRule(True, GENERIC, "SW1A 1AA"),
    "IN": PostcodeRule(True, GENERIC, "400001"),
    "AE": PostcodeRule(False, GENERIC, ""),  # no postcodes in the UAE
    "SA": PostcodeRule(True, GENERIC, "11564"),
    "ID": PostcodeRule(True, GENERIC, "10110"),
}
DEFAULT_RULE = PostcodeRule(True, GENERIC, "12345")


def postcode_rule(market: str) -> PostcodeRule:
    return POSTCODES.get(market, DEFAULT_RULE)


def has_postcodes(market: str) -> bool:
    """False where addresses carry no postcode (the checkout then leaves it optional)."""
    return postcode_rule(market).required
