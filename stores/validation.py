"""What the sandbox accepts from people: whole numbers and text. Pure Python, no Django.

Every number and every piece of text a user types (storefront forms, the dashboard's filters, the
admin, the management commands) goes through these two functions, so a value is refused the same
way, with a message naming its field, wherever it comes in:

- a whole number is ASCII digits 0-9 only (a superscript "²" or an Arabic-Indic "٣" passes
  str.isdigit() and int() reads "٣" as 3, so they are refused here), with a bounded length
  (int() of a 5,000-digit string raises, and costs quadratic time before that) and a range;
- text is valid UTF-8 (a request body that was not arrives as U+FFFD replacement characters),
  has no control characters (terminal escapes start with one), no bidirectional overrides
  (they reorder what a reader sees, "Trojan Source"), is not made only of invisible characters
  (spaces, zero-width and format characters), and has a bounded length.

Zero-width joiners and left-to-right/right-to-left marks stay allowed inside text: Persian,
Indic scripts and emoji sequences need them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Characters that reorder the text around them: embeddings, overrides and isolates.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
REPLACEMENT_CHARACTER = "\ufffd"
ASCII_DIGITS = re.compile(r"[0-9]+")
SIGNED_ASCII_DIGITS = re.compile(r"-?[0-9]+")
ASCII_DECIMAL = re.compile(r"-?[0-9]*\.?[0-9]+|-?[0-9]+\.")
# A hard cap on what is even looked at: ten times the field's bound, so a megabyte body is refused
# by its length before any per-character work.
SCAN_FACTOR = 10


class InvalidInput(ValueError):
    """A value refused. `message` is shown next to the field; str() names the field first."""

    def __init__(self, field: str, message: str):
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


# The largest random seed a person may type: 18 digits, as `simulate --seed` reads them. A seed is
# stored in a 64-bit column with room for seed + replication; a 23-digit seed reached the
# database and failed there (OverflowError, a 500).
MAX_SEED = 10**18 - 1


@dataclass(frozen=True)
class NumberRule:
    """Bounds of a whole number typed by a person."""

    minimum: int = 0
    maximum: int = 10**9
    max_digits: int = 10


def whole_number(value: object, label: str, rule: NumberRule = NumberRule()) -> int:
    """The whole number in `value` (ASCII digits, optional surrounding spaces), within `rule`.

    Raises InvalidInput naming `label` for anything else: an empty value, a minus sign (unless
    the rule allows negative numbers), a decimal point, a digit from another script, too many digits, or a value out of range.
    """
    if isinstance(value, bool):
        raise InvalidInput(label, "Enter a whole number.")
    if isinstance(value, int):
        number = value
    else:
        text = str(value)
        if len(text) > rule.max_digits + 20:
            raise InvalidInput(label, f"Enter at most {rule.max_digits} digits.")
        text = text.strip(" \t")
        if not text:
            raise InvalidInput(label, "Enter a whole number.")
        pattern = SIGNED_ASCII_DIGITS if rule.minimum < 0 else ASCII_DIGITS
        if not pattern.fullmatch(text):
            raise InvalidInput(label, "Enter a whole number using the digits 0-9.")
        if len(text.lstrip("-").lstrip("0")) > rule.max_digits:
            raise InvalidInput(label, f"Enter at most {rule.max_digits} digits.")
        number = int(text)
    if not rule.minimum <= number <= rule.maximum:
        raise InvalidInput(label, f"Enter a number from {rule.minimum} to {rule.maximum}.")
    return number


def decimal_text(value: object, label: str, *, max_digits: int) -> str:
    """A decimal number typed with ASCII digits and a point ("12.50", "-0.5"), as text.

    Only the spelling is checked here (the caller converts and checks the range); Decimal()
    would read other scripts' digits, and a huge exponent ("1e999999999") costs memory.
    """
    raw = "" if value is None else str(value).strip(" \t")
    if len(raw) > max_digits + 2 or not ASCII_DECIMAL.fullmatch(raw):
        raise InvalidInput(label, "Enter a number using the digits 0-9 and a point, e.g. 12.50.")
    return raw


def ascii_digits(value: str, label: str, *, min_length: int, max_length: int) -> str:
    """A string of ASCII digits of a bounded length (a card number, a CVC), kept as text."""
    if len(value) > max_length * 4 or not ASCII_DIGITS.fullmatch(value):
        raise InvalidInput(label, "Use the digits 0-9 only.")
    if not min_length <= len(value) <= max_length:
        raise InvalidInput(label, f"Enter {min_length} to {max_length} digits.")
    return value


def _is_visible(char: str) -> bool:
    # Letters, digits, punctuation and symbols show something; marks, spaces, format and
    # control characters on their own do not.
    return unicodedata.category(char)[0] in "LNPS"


def text(
    value: object,
    label: str,
    *,
    max_length: int,
    required: bool = True,
    multiline: bool = False,
    letters: bool = False,
) -> str:
    """`value` as clean text: trimmed of invisible characters at both ends and NFC-normalised.

    Raises InvalidInput naming `label` for text that is not valid UTF-8, holds control
    characters (tab and line breaks allowed when `multiline`) or bidirectional overrides, is
    made only of invisible characters, or is longer than `max_length` characters.
    With `letters`, the text must hold at least one letter (a person's name, a city). An empty
    value returns "" unless `required`.
    """
    if isinstance(value, bytes):
        try:
            value = value.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInput(label, "This is not valid UTF-8 text.") from None
    raw = "" if value is None else str(value)
    if len(raw) > max_length * SCAN_FACTOR + 100:
        raise InvalidInput(label, f"Keep it to {max_length} characters or fewer.")
    for char in raw:
        category = unicodedata.category(char)
        if category == "Cs" or char == REPLACEMENT_CHARACTER:
            raise InvalidInput(label, "This is not valid UTF-8 text; type it again.")
        if char in BIDI_CONTROLS:
            raise InvalidInput(label, "Remove the invisible characters that reverse the text.")
        if category == "Cc" or category in ("Zl", "Zp"):
            if multiline and char in "\t\r\n":
                continue
            raise InvalidInput(label, "Remove the control characters (e.g. tabs or escape codes).")
    cleaned = unicodedata.normalize("NFC", raw)
    # Trim spaces and invisible format characters (zero-width space, BOM, word joiner) at the ends.
    start, end = 0, len(cleaned)
    while start < end and _invisible_edge(cleaned[start]):
        start += 1
    while end > start and _invisible_edge(cleaned[end - 1]):
        end -= 1
    cleaned = cleaned[start:end]
    if not cleaned:
        if not required and not raw.strip():
            return ""  # an optional field left blank, or holding only spaces
        if raw:
            raise InvalidInput(label, "Type some visible text, not only spaces.")
        raise InvalidInput(label, "This field is required.")
    if not any(_is_visible(char) for char in cleaned):
        raise InvalidInput(label, "Type some visible text, not only spaces.")
    if letters and not any(unicodedata.category(char).startswith("L") for char in cleaned):
        raise InvalidInput(label, "Use letters, not only digits or symbols.")
    if len(cleaned) > max_length:
        raise InvalidInput(label, f"Keep it to {max_length} characters or fewer.")
    return cleaned


def _invisible_edge(char: str) -> bool:
    return char.isspace() or unicodedata.category(char) in ("Cf", "Zs")
