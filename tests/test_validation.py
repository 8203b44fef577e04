"""The one validation layer, alone (no Django): what a person may type as a number or as text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stores import validation
from stores.validation import InvalidInput, NumberRule

QUANTITY = NumberRule(minimum=1, maximum=10, max_digits=3)


@pytest.mark.parametrize(("value", "number"), [("7", 7), (" 10 ", 10), ("007", 7), (3, 3)])
def test_whole_numbers_in_ascii_digits_are_read(value, number):
    assert validation.whole_number(value, "Quantity", QUANTITY) == number


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("²", "digits 0-9"),  # superscript two: str.isdigit() says yes, int() raises
        ("٣", "digits 0-9"),  # Arabic-Indic three: int() reads 3
        ("３", "digits 0-9"),  # fullwidth three
        ("1.5", "digits 0-9"),
        ("-1", "digits 0-9"),
        ("", "Enter a whole number"),
        ("9" * 5000, "at most 3 digits"),  # int() would raise past its digit limit
        ("11", "from 1 to 10"),
        ("0", "from 1 to 10"),
        (True, "Enter a whole number"),
    ],
)
def test_other_numbers_are_refused_naming_the_field(value, message):
    with pytest.raises(InvalidInput) as refused:
        validation.whole_number(value, "Quantity", QUANTITY)
    assert message in refused.value.message
    assert str(refused.value).startswith("Quantity: ")


@given(st.text())
def test_no_string_makes_whole_number_raise_anything_but_a_refusal(value):
    try:
        number = validation.whole_number(value, "Run", NumberRule(0, 10**18, 18))
    except InvalidInput:
        return
    assert value.strip(" \t").isascii() and 0 <= number <= 10**18


@pytest.mark.parametrize(
    ("value", "clean"),
    [
        ("  Ann Shopper  ", "Ann Shopper"),
        ("\u200bAnn\ufeff", "Ann"),  # zero-width space and BOM at the edges are trimmed
        ("کتاب\u200cها", "کتاب\u200cها"),  # a zero-width non-joiner inside Persian text stays
        ("👩\u200d💻 Dev", "👩\u200d💻 Dev"),  # and a joiner inside an emoji sequence
        ("Cafe\u0301", "Café"),  # NFC
        ("٣ Main Street", "٣ Main Street"),  # other scripts' digits are fine in text
    ],
)
def test_text_is_trimmed_and_normalised(value, clean):
    assert validation.text(value, "Name", max_length=120) == clean


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("\x1b[31mred\x1b[0m", "control characters"),  # a terminal escape
        ("Ann\x00", "control characters"),
        ("line\nbreak", "control characters"),
        ("\u202eevil", "reverse the text"),  # right-to-left override
        ("a\u2066b", "reverse the text"),  # isolate
        ("\u200b\u200c\u200d\u2060", "visible text"),  # only zero-width characters
        ("\u00a0\u3000 ", "visible text"),  # only spaces
        ("\u0301\u0301", "visible text"),  # only combining marks
        ("\ud800", "not valid UTF-8"),  # a lone surrogate
        ("Ann \ufffd", "not valid UTF-8"),  # what undecodable bytes become in a request
        (b"\xff\xfe", "not valid UTF-8"),
        ("x" * 121, "120 characters or fewer"),
        ("x" * 10_000_000, "120 characters or fewer"),  # refused before looking at each one
        ("", "required"),
    ],
)
def test_text_that_is_not_text_is_refused(value, message):
    with pytest.raises(InvalidInput) as refused:
        validation.text(value, "Full name", max_length=120)
    assert message in refused.value.message
    assert str(refused.value).startswith("Full name: ")


def test_multiline_text_keeps_its_line_breaks_only():
    assert validation.text("a\r\nb\tc", "Notes", max_length=20, multiline=True) == "a\r\nb\tc"
    with pytest.raises(InvalidInput):
        validation.text("a\x07b", "Notes", max_length=20, multiline=True)


def test_optional_text_may_be_empty():
    assert validation.text("", "Phone", max_length=30, required=False) == ""
    assert validation.text(None, "Phone", max_length=30, required=False) == ""


@given(st.text(alphabet=st.characters(categories=["Cc", "Cf", "Zs", "Zl", "Zp", "Cs"])))
def test_text_made_only_of_invisible_or_control_characters_is_always_refused(value):
    with pytest.raises(InvalidInput):
        validation.text(value, "Name", max_length=120)


@pytest.mark.parametrize(("value", "ok"), [("12.50", True), ("-0.5", True), ("1e9", False),
                                           ("٣.5", False), ("1,5", False), ("NaN", False)])  # fmt: skip
def test_decimal_text_takes_ascii_digits_and_a_point(value, ok):
    if ok:
        assert validation.decimal_text(value, "Price", max_digits=12) == value
    else:
        with pytest.raises(InvalidInput, match="digits 0-9"):
            validation.decimal_text(value, "Price", max_digits=12)


def test_names_and_cities_need_a_letter():
    assert validation.text("Zoë", "City", max_length=80, letters=True) == "Zoë"
    with pytest.raises(InvalidInput, match="letters"):
        validation.text("٣٣ ²", "City", max_length=80, letters=True)


def test_an_optional_field_of_spaces_is_blank_but_of_zero_width_characters_is_refused():
    assert validation.text("   ", "Phone", max_length=30, required=False) == ""
    with pytest.raises(InvalidInput, match="visible text"):
        validation.text("\u200b", "Phone", max_length=30, required=False)
