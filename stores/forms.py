"""Storefront forms. Every shopper input is validated here; prices never come from a form."""

from __future__ import annotations

import re

from django import forms
from django.core.validators import RegexValidator
from django.utils import timezone

from .cart import MAX_QUANTITY
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
MAX_PRINT_TEXT = 40
# Letters (any script), digits, spaces and common punctuation; nothing that could open a tag.
PRINT_TEXT_RE = re.compile(r"^[\w .,'!?&+\-:;()#@/\"*]*$")

TEST_CARD_OK = "4242424242424242"
TEST_CARD_DECLINED = "4000000000000002"


class QuantityField(forms.IntegerField):
    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_QUANTITY)
        kwargs.setdefault("initial", 1)
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

    text = forms.CharField(
        label="Your text",
        max_length=MAX_PRINT_TEXT,
        required=True,
        strip=True,
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
    product = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    quantity = QuantityField(label="Quantity")


class QuantityForm(forms.Form):
    line = forms.CharField(max_length=40, widget=forms.HiddenInput)
    quantity = forms.IntegerField(
        min_value=0,
        max_value=MAX_QUANTITY,
        error_messages={
            "min_value": f"Choose a quantity between 0 and {MAX_QUANTITY}.",
            "max_value": f"Choose a quantity between 0 and {MAX_QUANTITY}.",
            "invalid": "Enter a whole number.",
        },
    )


class RemoveForm(forms.Form):
    line = forms.CharField(max_length=40, widget=forms.HiddenInput)


postcode = RegexValidator(r"^[A-Za-z0-9][A-Za-z0-9 \-]{1,11}$", "Enter a valid postcode.")
phone = RegexValidator(r"^\+?[0-9 ()\-]{6,20}$", "Enter a phone number, e.g. +971 50 123 4567.")
upi_id = RegexValidator(r"^[\w.\-]{2,64}@[A-Za-z]{2,32}$", "Enter a UPI id like name@bank.")


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _text(autocomplete: str, input_type: str = "text") -> forms.TextInput:
    """A text input with the browser's autofill hint (phones fill addresses in one tap)."""
    widget = forms.EmailInput if input_type == "email" else forms.TextInput
    attrs = {"autocomplete": autocomplete}
    if input_type == "tel":
        attrs["type"] = "tel"
    return widget(attrs=attrs)


def _this_month() -> tuple[int, int]:
    today = timezone.localdate()
    return today.year, today.month


class CheckoutForm(forms.Form):
    email = forms.EmailField(label="Email", max_length=254, widget=_text("email", "email"))
    name = forms.CharField(label="Full name", max_length=120, min_length=2, widget=_text("name"))
    address = forms.CharField(
        label="Street address", max_length=200, min_length=4, widget=_text("street-address")
    )
    city = forms.CharField(
        label="City", max_length=80, min_length=2, widget=_text("address-level2")
    )
    postcode = forms.CharField(
        label="Postcode", max_length=12, validators=[postcode], widget=_text("postal-code")
    )
    phone = forms.CharField(
        label="Phone", max_length=30, required=False, validators=[phone], widget=_text("tel", "tel")
    )
    shipping = forms.ChoiceField(
        label="Shipping", choices=[("standard", "Standard")], widget=forms.RadioSelect
    )
    payment_method = forms.ChoiceField(label="Payment", widget=forms.RadioSelect)
    card_number = forms.CharField(
        label="Card number", max_length=23, required=False, widget=_text("cc-number")
    )
    card_expiry = forms.CharField(
        label="Expiry (MM/YY)", max_length=5, required=False, widget=_text("cc-exp")
    )
    card_cvc = forms.CharField(label="CVC", max_length=4, required=False, widget=_text("cc-csc"))
    upi_id = forms.CharField(label="UPI id", max_length=100, required=False, validators=[upi_id])
    confirm_cod = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, store: Store, **kwargs):
        super().__init__(*args, **kwargs)
        self.store = store
        labels = dict(PaymentMethod.choices)
        self.fields["payment_method"].choices = [
            (m, labels.get(m, m)) for m in store.payment_methods or []
        ]
        self.fields["payment_method"].error_messages["invalid_choice"] = (
            "This store does not offer that payment method."
        )
        self.fields["payment_method"].initial = store.default_payment_method
        self.fields["shipping"].initial = "standard"
        if store.offers_cod:
            self.fields["phone"].help_text = "The courier calls before a cash-on-delivery drop."

    def clean_card_number(self) -> str:
        return re.sub(r"[\s-]", "", self.cleaned_data.get("card_number", ""))

    def clean(self) -> dict:
        data = super().clean()
        method = data.get("payment_method")
        if method == PaymentMethod.CARD:
            number = data.get("card_number", "")
            if not number:
                self.add_error("card_number", "Enter the card number (use a test card).")
            elif not number.isdigit() or not 12 <= len(number) <= 19 or not _luhn_ok(number):
                self.add_error("card_number", "That is not a valid card number.")
            elif number not in (TEST_CARD_OK, TEST_CARD_DECLINED):
                self.add_error(
                    "card_number",
                    "This is a training shop: pay with the test card 4242 4242 4242 4242.",
                )
            expiry = re.fullmatch(r"(0[1-9]|1[0-2])/(\d\d)", data.get("card_expiry", ""))
            if not expiry:
                self.add_error("card_expiry", "Enter the expiry as MM/YY, e.g. 12/30.")
            elif (2000 + int(expiry[2]), int(expiry[1])) < _this_month():
                self.add_error("card_expiry", "This card has expired.")
            if not re.fullmatch(r"\d{3,4}", data.get("card_cvc", "")):
                self.add_error("card_cvc", "Enter the 3 or 4 digits on the back of the card.")
        if method == PaymentMethod.UPI and not data.get("upi_id"):
            self.add_error("upi_id", "Enter your UPI id (e.g. name@bank).")
        if method == PaymentMethod.COD and not data.get("phone"):
            self.add_error("phone", "The courier needs a phone number for cash on delivery.")
        return data

    @property
    def card_declined(self) -> bool:
        return (
            self.cleaned_data.get("payment_method") == PaymentMethod.CARD
            and self.cleaned_data.get("card_number") == TEST_CARD_DECLINED
        )


class OrderLookupForm(forms.Form):
    number = forms.CharField(label="Order number", max_length=40)
    email = forms.EmailField(label="Email used at checkout")

    def clean_number(self) -> str:
        return self.cleaned_data["number"].strip().upper()
