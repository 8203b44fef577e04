"""Storefront forms. Every shopper input is validated here; prices never come from a form.

Text and numbers go through the one validation layer (stores.validation, via stores.fields):
a control character, a digit from another script or a 5,000-digit number is refused with a
message next to its field, never a 500.
"""

from __future__ import annotations

import re

from django import forms
from django.core.validators import RegexValidator
from django.utils import timezone

from . import addresses, contrast, validation
from .cart import MAX_QUANTITY
from .fields import TextField, WholeNumberField
from .models import PaymentMethod, Store

# POD print colours: a fixed palette, so the print partner can print what the buyer saw.
PRINT_COLOURS = {
    "black": ("Black", "#111111"),
    "white": ("White", "#ffffff"),
    "navy": ("Navy", "#1f2a5a"),
    "red": ("Red", "#c62828"),
    "gold": ("Gold", "#d4a017"),
    "teal": ("Teal", "#00897b"),
}
# The print partner's blanks are white; a colour is offered only where a print in it can be read
# (3:1, the WCAG ratio for large bold text, which the print is). White and gold stay in the
# palette for dark blanks but are not offered on white ones.
POD_BLANK = "#ffffff"
PRINT_CONTRAST_MIN = contrast.NON_TEXT_MIN


def readable_print_colours(blank: str = POD_BLANK) -> dict[str, tuple[str, str]]:
    return {
        key: (label, hex_)
        for key, (label, hex_) in PRINT_COLOURS.items()
        if contrast.readable_on(hex_, blank, PRINT_CONTRAST_MIN)
    }


MAX_PRINT_TEXT = 40
# Letters (any script), digits, spaces and common punctuation; nothing that could open a tag.
PRINT_TEXT_RE = re.compile(r"^[\w .,'!?&+\-:;()#@/\"*]*$")

TEST_CARD_OK = "4242424242424242"
TEST_CARD_DECLINED = "4000000000000002"
PRODUCT_ID_DIGITS = 18


class QuantityField(WholeNumberField):
    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_QUANTITY)
        kwargs.setdefault("initial", 1)
        kwargs.setdefault("max_digits", 6)
        kwargs.setdefault(
            "error_messages",
            {
                "min_value": f"Choose a quantity between 1 and {MAX_QUANTITY}.",
                "max_value": f"Choose a quantity between 1 and {MAX_QUANTITY}.",
                "invalid": "Enter a whole number.",
            },
        )
        super().__init__(**kwargs)


class CustomisationForm(forms.Form):
    """POD: the text and colour printed on the item. Stored on the order line as entered."""

    text = TextField(
        label="Your text",
        max_length=MAX_PRINT_TEXT,
        required=True,
        error_messages={
            "max_length": f"Keep the text to {MAX_PRINT_TEXT} characters or fewer.",
            "required": "Enter the text to print.",
        },
    )
    colour = forms.ChoiceField(
        label="Print colour",
        choices=[(key, label) for key, (label, _) in PRINT_COLOURS.items()],
        initial="black",
        error_messages={"invalid_choice": "Choose one of the print colours offered."},
    )

    def __init__(self, *args, blank: str = POD_BLANK, **kwargs):
        super().__init__(*args, **kwargs)
        self.blank = blank
        self.colours = readable_print_colours(blank)
        self.fields["colour"].choices = [(key, label) for key, (label, _) in self.colours.items()]

    def clean_text(self) -> str:
        text = self.cleaned_data["text"]
        if "<" in text or ">" in text or "javascript:" in text.lower():
            raise forms.ValidationError("The text may not contain < or > or script.")
        if not PRINT_TEXT_RE.match(text):
            raise forms.ValidationError("Use letters, numbers, spaces and simple punctuation only.")
        return text

    def customization(self) -> dict:
        colour = self.cleaned_data["colour"]
        return {
            "text": self.cleaned_data["text"],
            "colour": colour,
            "colour_hex": PRINT_COLOURS[colour][1],
        }


class AddToCartForm(forms.Form):
    product = WholeNumberField(
        widget=forms.HiddenInput, min_value=1, max_digits=PRODUCT_ID_DIGITS, label="Product"
    )
    quantity = QuantityField(label="Quantity")


class QuantityForm(forms.Form):
    line = TextField(max_length=40, widget=forms.HiddenInput, label="Cart line")
    quantity = WholeNumberField(
        label="Quantity",
        min_value=0,
        max_value=MAX_QUANTITY,
        max_digits=6,
        error_messages={
            "min_value": f"Choose a quantity between 0 and {MAX_QUANTITY}.",
            "max_value": f"Choose a quantity between 0 and {MAX_QUANTITY}.",
            "invalid": "Enter a whole number.",
        },
    )


class RemoveForm(forms.Form):
    line = TextField(max_length=40, widget=forms.HiddenInput, label="Cart line")


class SearchForm(forms.Form):
    """The catalogue's search box and category filter (GET); a bad value is named, not a 500."""

    q = TextField(label="Search", max_length=80, required=False)
    category = TextField(label="Category", max_length=80, required=False)
    page = WholeNumberField(label="Page", min_value=1, max_digits=6, required=False)


postcode = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9 \-]{1,11}$", "Enter a valid postcode.", flags=re.ASCII
)
phone = RegexValidator(r"^\+?[0-9 ()\-]{6,20}$", "Enter a phone number, e.g. +971 50 123 4567.")
upi_id = RegexValidator(
    r"^[\w.\-]{2,64}@[A-Za-z]{2,32}$", "Enter a UPI id like name@bank.", flags=re.ASCII
)
EXPIRY_RE = re.compile(r"(0[1-9]|1[0-2])/([0-9]{2})", re.ASCII)
CVC_RE = re.compile(r"[0-9]{3,4}", re.ASCII)


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _text(autocomplete: str, input_type: str = "text", **attrs: str) -> forms.TextInput:
    """A text input with the browser's autofill hint (phones fill addresses in one tap)."""
    widget = forms.EmailInput if input_type == "email" else forms.TextInput
    attrs = {"autocomplete": autocomplete, **attrs}
    if input_type == "tel":
        attrs["type"] = "tel"
    return widget(attrs=attrs)


def _this_month() -> tuple[int, int]:
    today = timezone.localdate()
    return today.year, today.month


class CleanEmailField(forms.EmailField):
    """An email address that is clean text first (no control or invisible characters)."""

    def to_python(self, value):
        if value in self.empty_values:
            return ""
        try:
            return validation.text(value, "Email", max_length=self.max_length or 254)
        except validation.InvalidInput as exc:
            raise forms.ValidationError(exc.message, code="invalid") from None


# Fields that belong to one payment method: the form drops them when the store does not offer
# the method, and a value posted for one of them anyway is refused with a message.
METHOD_FIELDS = {
    PaymentMethod.CARD: ("card_number", "card_expiry", "card_cvc"),
    PaymentMethod.UPI: ("upi_id",),
}
SHIPPING_OPTIONS = [("standard", "Standard")]


class CheckoutForm(forms.Form):
    email = CleanEmailField(label="Email", max_length=254, widget=_text("email", "email"))
    name = TextField(
        label="Full name", max_length=120, min_length=2, letters=True, widget=_text("name")
    )
    address = TextField(
        label="Street address",
        max_length=200,
        min_length=4,
        letters=True,
        widget=_text("street-address"),
    )
    city = TextField(
        label="City", max_length=80, min_length=2, letters=True, widget=_text("address-level2")
    )
    postcode = TextField(
        label="Postcode", max_length=12, validators=[postcode], widget=_text("postal-code")
    )
    phone = TextField(
        label="Phone", max_length=30, required=False, validators=[phone], widget=_text("tel", "tel")
    )
    shipping = forms.ChoiceField(
        label="Shipping",
        choices=SHIPPING_OPTIONS,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose one of the shipping options shown."},
    )
    payment_method = forms.ChoiceField(label="Payment", widget=forms.RadioSelect)
    card_number = TextField(
        label="Card number",
        max_length=23,
        required=False,
        widget=_text("cc-number", inputmode="numeric"),
    )
    card_expiry = TextField(
        label="Expiry (MM/YY)",
        max_length=5,
        required=False,
        widget=_text("cc-exp", inputmode="numeric", placeholder="MM/YY"),
    )
    card_cvc = TextField(
        label="CVC", max_length=4, required=False, widget=_text("cc-csc", inputmode="numeric")
    )
    upi_id = TextField(label="UPI id", max_length=100, required=False, validators=[upi_id])
    confirm_cod = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, store: Store, **kwargs):
        super().__init__(*args, **kwargs)
        self.store = store
        offered = list(store.payment_methods or [])
        labels = dict(PaymentMethod.choices)
        self.fields["payment_method"].choices = [(m, labels.get(m, m)) for m in offered]
        self.fields["payment_method"].error_messages["invalid_choice"] = (
            "This store does not offer that payment method."
        )
        self.fields["payment_method"].initial = store.default_payment_method
        self.fields["shipping"].initial = "standard"
        self.not_offered = {
            name: method
            for method, names in METHOD_FIELDS.items()
            if method not in offered
            for name in names
        }
        for name in self.not_offered:
            del self.fields[name]
        if not addresses.has_postcodes(store.market):
            self.fields["postcode"].required = False
            self.fields["postcode"].label = "Postcode (if any)"
        if store.offers_cod:
            self.fields["phone"].help_text = "The courier calls before a cash-on-delivery drop."

    def clean_card_number(self) -> str:
        number = re.sub(r"[ \-]", "", self.cleaned_data.get("card_number", ""))
        if number:
            try:
                validation.ascii_digits(number, "Card number", min_length=1, max_length=19)
            except validation.InvalidInput as exc:
                raise forms.ValidationError(exc.message) from None
        return number

    def clean(self) -> dict:
        data = super().clean()
        labels = dict(PaymentMethod.choices)
        for name, method in self.not_offered.items():
            if (self.data.get(name) or "").strip():
                self.add_error(
                    None,
                    f"{self.base_fields[name].label}: this store does not take "
                    f"{labels[method]} payments, so it cannot use one.",
                )
        method = data.get("payment_method")
        if method == PaymentMethod.CARD:
            number = data.get("card_number", "")
            if "card_number" in self.errors:
                pass
            elif not number:
                self.add_error("card_number", "Enter the card number (use a test card).")
            elif not 12 <= len(number) <= 19 or not _luhn_ok(number):
                self.add_error("card_number", "That is not a valid card number.")
            elif number not in (TEST_CARD_OK, TEST_CARD_DECLINED):
                self.add_error(
                    "card_number",
                    "This is a training shop: pay with the test card 4242 4242 4242 4242.",
                )
            expiry = EXPIRY_RE.fullmatch(data.get("card_expiry", ""))
            if "card_expiry" in self.errors:
                pass
            elif not expiry:
                self.add_error("card_expiry", "Enter the expiry as MM/YY, e.g. 12/30.")
            elif (2000 + int(expiry[2]), int(expiry[1])) < _this_month():
                self.add_error("card_expiry", "This card has expired.")
            if "card_cvc" not in self.errors and not CVC_RE.fullmatch(data.get("card_cvc", "")):
                self.add_error("card_cvc", "Enter the 3 or 4 digits on the back of the card.")
        if method == PaymentMethod.UPI and "upi_id" not in self.errors and not data.get("upi_id"):
            self.add_error("upi_id", "Enter your UPI id (e.g. name@bank).")
        if method == PaymentMethod.COD and "phone" not in self.errors and not data.get("phone"):
            self.add_error("phone", "The courier needs a phone number for cash on delivery.")
        return data

    @property
    def card_declined(self) -> bool:
        return (
            self.cleaned_data.get("payment_method") == PaymentMethod.CARD
            and self.cleaned_data.get("card_number") == TEST_CARD_DECLINED
        )

    def error_summary(self) -> list[tuple[str, str, str]]:
        """Every problem as (label, message, id of the input to jump to or "")."""
        items = []
        for message in self.non_field_errors():
            items.append(("", message, ""))
        for name, errors in self.errors.items():
            if name == "__all__":
                continue
            bound = self[name]
            if name in ("shipping", "payment_method"):
                target = f"{bound.auto_id}_0"
            elif bound.is_hidden:
                target = ""
            else:
                target = bound.auto_id
            for message in errors:
                items.append((str(bound.label), message, target))
        return items


class OrderLookupForm(forms.Form):
    number = TextField(label="Order number", max_length=40)
    email = CleanEmailField(label="Email used at checkout", max_length=254)

    def clean_number(self) -> str:
        return self.cleaned_data["number"].strip().upper()
