"""Property tests: hostile Unicode and huge values in every field a shopper (or a trainer's
dashboard filter) can type into give a refusal, never a 500, and write nothing.

Each example changes one field of an otherwise valid request. Values are drawn from the
categories that broke things before: digits from other scripts (Nd, without 0-9), other
numbers such as superscripts (No), controls (Cc), format characters such as zero-width and
bidirectional overrides (Cf), spaces (Zs) and lone surrogates (sent as the bytes a browser
could send, which Django decodes to U+FFFD), plus values thousands of characters long.

Numeric fields must refuse all of them. Text fields must refuse the invisible and control
ones; digits from other scripts are text (an Arabic-Indic house number is a fine address
line), so for those only "no 500" is asserted, and "nothing written" where the field still
cannot be satisfied (names and cities need a letter, emails an @).
"""

from __future__ import annotations

from urllib.parse import quote_from_bytes

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from stores.models import CheckoutClaim, Customer, DailyFunnel, Order, OrderLine, Product

ASCII_DIGITS = "0123456789"
NUMBERISH = st.characters(categories=["Nd", "No"], exclude_characters=ASCII_DIGITS)
INVISIBLE = st.characters(categories=["Cc", "Cf", "Zs", "Cs"])
ANY_HOSTILE = st.characters(
    categories=["Nd", "No", "Cc", "Cf", "Zs", "Cs"], exclude_characters=ASCII_DIGITS
)

HUGE = st.one_of(
    st.integers(1_000, 20_000).map(lambda n: "9" * n),  # past int()'s digit limit at 4,300
    st.integers(1_000, 5_000).map(lambda n: "x" * n),
    st.integers(100, 2_000).map(lambda n: "٣" * n),
)
# Refused by a numeric field: any of the hostile categories, or thousands of digits.
NOT_A_NUMBER = st.one_of(st.text(ANY_HOSTILE, min_size=1, max_size=40), HUGE)
# Refused by any text field: only invisible or control characters, or a control character
# hidden inside visible text, or thousands of characters.
NOT_TEXT = st.one_of(
    st.text(INVISIBLE, min_size=1, max_size=40),
    st.tuples(
        st.text(max_size=10), st.characters(categories=["Cc", "Cs"]), st.text(max_size=10)
    ).map("".join),
    HUGE.filter(lambda s: len(s) > 300),
)
# No 500 from any of it, even where some of it is acceptable text.
ANYTHING_HOSTILE = st.one_of(NOT_A_NUMBER, NOT_TEXT)

PROPERTY_SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def encode(data: dict[str, str]) -> str:
    """A form body as a browser sends it; a lone surrogate goes out as its (invalid) bytes."""
    return "&".join(
        f"{quote_from_bytes(k.encode())}={quote_from_bytes(v.encode('utf-8', 'surrogatepass'))}"
        for k, v in data.items()
    )


def post(client: Client, path: str, data: dict[str, str], **headers):
    return client.post(
        path, encode(data), content_type="application/x-www-form-urlencoded", **headers
    )


def get(client: Client, path: str, data: dict[str, str], **headers):
    return client.get(f"{path}?{encode(data)}", **headers)


def written() -> tuple:
    """Everything a storefront request could write: orders, customers, claims, stock, funnel
    counts and sessions (the cart lives in the session)."""
    return (
        Order.objects.count(),
        OrderLine.objects.count(),
        Customer.objects.count(),
        CheckoutClaim.objects.count(),
        list(Product.objects.order_by("pk").values_list("pk", "stock")),
        list(DailyFunnel.objects.order_by("pk").values()),
        list(Session.objects.order_by("pk").values_list("session_key", "session_data")),
    )


def url(name: str, store, **kwargs) -> str:
    return reverse(f"storefront:{name}", kwargs={"slug": store.slug, **kwargs})


@pytest.fixture
def shop(make_store):
    """A general store and a POD store, and a shopper with a cart in each."""
    general = make_store("general")
    pod = make_store("pod")
    client = Client()
    item = general.products.filter(stock__gte=5).first()
    blank = pod.products.first()
    client.post(url("cart_add", general), {"product": item.pk, "quantity": 1})
    client.post(
        url("cart_add", pod), {"product": blank.pk, "quantity": 1, "text": "Hi", "colour": "red"}
    )
    for store in (general, pod):
        for name in ("home", "catalogue", "cart", "checkout", "lookup"):
            client.get(url(name, store))  # every step of the visit counted before the examples
    client.get(item.get_absolute_url())
    client.get(blank.get_absolute_url())
    return {"general": general, "pod": pod, "client": client, "item": item, "blank": blank}


CHECKOUT = {
    "email": "ann@example.com",
    "name": "Ann Shopper",
    "address": "1 Main Street",
    "city": "Springfield",
    "postcode": "12345",
    "phone": "+1 555 123 4567",
    "shipping": "standard",
    "payment_method": "card",
    "card_number": "4242 4242 4242 4242",
    "card_expiry": "12/30",
    "card_cvc": "123",
}
NUMERIC_CHECKOUT_FIELDS = ["card_number", "card_expiry", "card_cvc", "postcode", "phone"]
TEXT_CHECKOUT_FIELDS = ["email", "name", "address", "city", "shipping", "payment_method"]


def assert_refused(response) -> None:
    assert response.status_code < 500
    assert response.status_code != 302, "a hostile value was accepted"


@pytest.mark.parametrize("field", NUMERIC_CHECKOUT_FIELDS + TEXT_CHECKOUT_FIELDS)
@PROPERTY_SETTINGS
@given(value=ANYTHING_HOSTILE)
# The cases the issue reported, always tried besides the random ones.
@example(value="Ann \x1b[31mShopper\x1b[0m")  # a terminal escape inside a name
@example(value="\u202eAnn Shopper")  # a right-to-left override
@example(value="\u200b\u200c\u200d\ufeff")  # only zero-width characters
@example(value="\x07\x08\x1b")  # only control characters
@example(value="Ann \ud800 Shopper")  # a lone surrogate: bytes that are not UTF-8
@example(value="4242 4242 4242 424²")  # a superscript digit
@example(value="٣٣٣")  # Arabic-Indic digits only
@example(value="9" * 5000)
def test_checkout_refuses_hostile_values_and_writes_nothing(shop, field, value):
    # Spaces alone in the optional phone field are the field left blank (Django strips them).
    assume(field != "phone" or value.strip())
    before = written()
    response = post(shop["client"], url("checkout", shop["general"]), {**CHECKOUT, field: value})
    assert_refused(response)
    assert written() == before


@pytest.mark.parametrize("field", ["product", "quantity"])
@PROPERTY_SETTINGS
@given(value=NOT_A_NUMBER)
def test_add_to_cart_refuses_numbers_that_are_not_ascii_digits(shop, field, value):
    data = {"product": str(shop["item"].pk), "quantity": "1", field: value}
    for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
        before = written()
        response = post(shop["client"], url("cart_add", shop["general"]), data, **headers)
        assert response.status_code < 500
        assert response.status_code != 302 and "Added" not in response.content.decode()
        assert written() == before


@pytest.mark.parametrize("field", ["line", "quantity"])
@PROPERTY_SETTINGS
@given(value=ANYTHING_HOSTILE)
def test_cart_update_and_remove_refuse_hostile_values(shop, field, value):
    line = str(shop["item"].pk)
    before = written()
    update = post(
        shop["client"],
        url("cart_update", shop["general"]),
        {"line": line, "quantity": "2", field: value},
    )
    remove = post(shop["client"], url("cart_remove", shop["general"]), {"line": value})
    assert update.status_code == 400 and remove.status_code == 400
    assert written() == before


@pytest.mark.parametrize("field", ["text", "colour"])
@PROPERTY_SETTINGS
@given(value=NOT_TEXT)
def test_pod_customiser_refuses_text_that_is_not_text(shop, field, value):
    data = {"product": str(shop["blank"].pk), "quantity": "1", "text": "Hi", "colour": "red"}
    data[field] = value
    before = written()
    added = post(shop["client"], url("cart_add", shop["pod"]), data)
    preview = get(shop["client"], url("preview", shop["pod"], product=shop["blank"].slug), data)
    assert added.status_code == 400 and preview.status_code == 200
    assert "Your text here" in preview.content.decode()  # the preview shows no hostile print
    assert written() == before


@pytest.mark.parametrize("field", ["number", "email"])
@PROPERTY_SETTINGS
@given(value=ANYTHING_HOSTILE)
def test_order_lookup_finds_nothing_and_writes_nothing(shop, field, value):
    data = {"number": "EVERYTHI-AAAAAA", "email": "ann@example.com", field: value}
    before = written()
    response = post(shop["client"], url("lookup", shop["general"]), data)
    assert response.status_code in (400, 404, 429)
    assert written() == before


@pytest.mark.parametrize("field", ["q", "category", "page", "sort"])
@PROPERTY_SETTINGS
@given(value=ANYTHING_HOSTILE)
def test_catalogue_filters_never_fail(shop, field, value):
    before = written()
    for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
        response = get(shop["client"], url("catalogue", shop["general"]), {field: value}, **headers)
        assert response.status_code in (200, 400)
    assert written() == before


@PROPERTY_SETTINGS
@given(value=NOT_A_NUMBER)
def test_dashboard_run_filter_refuses_what_is_not_a_run_number(staff_client, value):
    assume(value.strip())  # blank means "the latest run"
    response = get(staff_client, reverse("dashboard:compare"), {"run": value})
    assert response.status_code == 400
    assert "Run must be a run number" in response.content.decode()


def test_a_nul_byte_in_the_run_filter_gets_the_same_message(staff_client):
    response = get(staff_client, reverse("dashboard:compare"), {"run": "\x00"})
    assert response.status_code == 400
    assert "Run must be a run number" in response.content.decode()
