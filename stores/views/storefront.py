"""Storefront views: thin adapters between HTTP and the cart, checkout and funnel services.

Every page works without JavaScript; with htmx, the cart, catalogue results and the POD preview
swap a fragment ("page.html#partial") instead of reloading. Inactive stores answer 404.
"""

from __future__ import annotations

import functools
import re

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from stores import throttle
from stores.cart import Cart, CartError
from stores.forms import (
    TEST_CARD_DECLINED,
    TEST_CARD_OK,
    AddToCartForm,
    CheckoutForm,
    CustomisationForm,
    OrderLookupForm,
    QuantityForm,
    RemoveForm,
    SearchForm,
)
from stores.models import BusinessModel, Channel, Order, PaymentMethod, Product, Store
from stores.services import checkout as checkout_service
from stores.services import funnel
from stores.templatetags.storefront_tags import money

# A cart's idempotency key as the checkout page posts it back (only used to look a claim up).
CHECKOUT_KEY_RE = re.compile(r"[A-Za-z0-9_\-]{8,64}", re.ASCII)

PAGE_SIZE = 24
SORTS = {
    "popular": ("-popularity", "title"),
    "price_asc": ("price", "title"),
    "price_desc": ("-price", "title"),
    "name": ("title",),
}
SORT_LABELS = {
    "popular": "Most popular",
    "price_asc": "Price: low to high",
    "price_desc": "Price: high to low",
    "name": "Name A-Z",
}
FAQ = (
    (
        "How fast does it arrive?",
        "We dispatch within {handling} days; the courier takes {transit} more days.",
    ),
    ("Can I return it?", "Yes: send it back within {window} days of delivery for a refund."),
    ("Which size fits me?", "One size, adjustable straps: fits chests from 70 to 120 cm."),
    ("How do I pay?", "{methods}. Card payments are taken when you order."),
)


def _store(slug: str) -> Store:
    return get_object_or_404(Store.objects.active(), slug=slug)


def _visit(request: HttpRequest, store: Store) -> None:
    funnel.touch_visit(
        request.session,
        store.pk,
        utm_source=request.GET.get("utm_source", ""),
        utm_medium=request.GET.get("utm_medium", ""),
        referer=request.headers.get("referer", ""),
        # A platform's seller owns no channel: whatever the link, the platform sent the visit.
        channel=Channel.PLATFORM if store.sells_on_platform else "",
    )


def _context(request: HttpRequest, store: Store, **extra) -> dict:
    return {"store": store, "cart_count": len(Cart(request.session, store)), **extra}


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers that ignore the pages' <link rel="icon"> still ask for /favicon.ico."""
    return redirect(static("favicon.svg"), permanent=True)


def index(request: HttpRequest) -> HttpResponse:
    # A training session's stores are its teams' own: reached from their team page only.
    stores = Store.objects.active().on_real_clock().order_by("name")
    return render(request, "index.html", {"stores": stores})


def home(request: HttpRequest, slug: str) -> HttpResponse:
    store = _store(slug)
    _visit(request, store)
    products = store.products.filter(is_active=True)
    if store.sells_on_platform:
        return _platform_listing(request, store, products)
    if store.business_model == BusinessModel.SINGLE_PRODUCT:
        return _landing(request, store, products)
    categories = _categories(store)
    featured = list(products.order_by("-popularity", "title")[:12])
    estimate = checkout_service.delivery_estimate(store, featured[:1])
    return render(
        request,
        "storefront/home.html",
        _context(
            request,
            store,
            products=featured,
            categories=categories,
            estimate=estimate,
            is_dropship=store.business_model == BusinessModel.DROPSHIP,
        ),
    )


def _landing(request: HttpRequest, store: Store, products) -> HttpResponse:
    """Single-product store: one long page with the hero, the bundles and an FAQ."""
    offers = sorted(products, key=lambda p: p.bundle_quantity)
    if not offers:
        raise Http404("This store has nothing for sale yet.")
    hero = offers[0]
    # The landing page is the product page of a single-product store.
    funnel.record_step(request.session, store.pk, funnel.PRODUCT_VIEW)
    # A pack saves against the hero's price a unit (the hero is a pack itself when the trainer
    # has taken the single unit off sale: its 2-pack then saves nothing against itself).
    hero_unit = hero.price / hero.bundle_quantity
    bundles = [
        {
            "product": p,
            "per_unit": (p.price / p.bundle_quantity).quantize(p.price),
            "saving": (hero_unit * p.bundle_quantity - p.price).quantize(p.price),
        }
        for p in offers
    ]
    methods = ", ".join(dict(PaymentMethod.choices).get(m, m) for m in store.payment_methods or [])
    faq = [
        (
            q,
            a.format(
                handling=f"{store.handling_days_min}-{store.handling_days_max}",
                transit=f"{store.delivery_days_min}-{store.delivery_days_max}",
                window=store.return_window_days,
                methods=methods,
            ),
        )
        for q, a in FAQ
    ]
    return render(
        request,
        "storefront/landing.html",
        _context(
            request,
            store,
            hero=hero,
            bundles=bundles,
            faq=faq,
            estimate=checkout_service.delivery_estimate(store, [hero]),
            form=AddToCartForm(initial={"product": hero.pk, "quantity": 1}),
        ),
    )


# --- A managed platform's seller: a listing inside the platform's frame ------------------------


def _platform_context(store: Store, **extra) -> dict:
    return {"store": store, "platform": store.platform_name, **extra}


def _platform_listing(request: HttpRequest, store: Store, products) -> HttpResponse:
    """The seller's listings as the platform shows them (seed 003: the platform owns the
    storefront): its products at the price the shopper pays, in the platform's frame."""
    page = Paginator(products.order_by(*SORTS["popular"]), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "storefront/platform/listing.html", _platform_context(store, page=page))


def sold_on_platform(view):
    """Cart, checkout and orders of a store: closed where a managed platform takes the orders.

    The page says so and where the seller's orders can be seen; nothing is written (a POST is
    refused with 409)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, slug: str, *args, **kwargs) -> HttpResponse:
        store = _store(slug)
        if not store.sells_on_platform:
            return view(request, slug, *args, **kwargs)
        status = 200 if request.method in ("GET", "HEAD") else 409
        message = checkout_service.PLATFORM_CHECKOUT_CLOSED.format(platform=store.platform_name)
        return render(
            request,
            "storefront/platform/closed.html",
            _platform_context(store, message=message),
            status=status,
        )

    return wrapper


def _categories(store: Store) -> list[str]:
    return list(
        store.products.filter(is_active=True)
        .order_by("category")
        .values_list("category", flat=True)
        .distinct()
    )


@vary_on_headers("HX-Request")
def catalogue(request: HttpRequest, slug: str) -> HttpResponse:
    store = _store(slug)
    _visit(request, store)
    products = store.products.filter(is_active=True)
    if store.sells_on_platform:  # one listing page: the platform has no shop of the seller's
        return _platform_listing(request, store, products)
    search = SearchForm(request.GET)
    status = 200
    if search.is_valid():
        query = search.cleaned_data["q"]
        category = search.cleaned_data["category"]
        page_number = search.cleaned_data["page"] or 1
    else:
        # Named next to its box, and no products: never a guess at what was meant.
        query, category, page_number, status = "", "", 1, 400
        products = products.none()
    sort = request.GET.get("sort", "popular")
    if sort not in SORTS:
        sort = "popular"
    if query:
        products = products.filter(Q(title__icontains=query) | Q(category__icontains=query))
    if category:
        products = products.filter(category=category)
    page = Paginator(products.order_by(*SORTS[sort]), PAGE_SIZE).get_page(page_number)
    params = request.GET.copy()
    params.pop("page", None)
    for name in ("utm_source", "utm_medium", "utm_campaign"):
        params.pop(name, None)
    context = _context(
        request,
        store,
        page=page,
        query=query,
        category=category,
        sort=sort,
        sorts=SORT_LABELS,
        categories=_categories(store),
        querystring=params.urlencode(),
        search=search,
    )
    template = "storefront/catalogue.html"
    if request.htmx:
        template += "#results"
    return render(request, template, context, status=status)


def _product_context(request: HttpRequest, store: Store, item: Product, **extra) -> dict:
    custom = extra.pop("custom_form", None)
    if item.is_customizable and custom is None:
        custom = CustomisationForm(initial={"colour": "black", "text": ""})
    colours = custom.colours if custom is not None else {}
    return _context(
        request,
        store,
        product=item,
        estimate=checkout_service.delivery_estimate(store, [item]),
        is_dropship=store.business_model == BusinessModel.DROPSHIP,
        form=extra.pop("form", None) or AddToCartForm(initial={"product": item.pk, "quantity": 1}),
        custom_form=custom,
        colours=colours,
        **extra,
    )


def product(request: HttpRequest, slug: str, product: str) -> HttpResponse:
    store = _store(slug)
    item = get_object_or_404(Product, store=store, slug=product, is_active=True)
    _visit(request, store)
    funnel.record_step(request.session, store.pk, funnel.PRODUCT_VIEW)
    if store.sells_on_platform:
        return render(
            request,
            "storefront/platform/item.html",
            _platform_context(
                store,
                product=item,
                estimate=checkout_service.delivery_estimate(store, [item]),
            ),
        )
    return render(request, "storefront/product.html", _product_context(request, store, item))


@require_http_methods(["GET"])
def preview(request: HttpRequest, slug: str, product: str) -> HttpResponse:
    """POD: the live preview of the customer's text and colour (validated, escaped)."""
    store = _store(slug)
    item = get_object_or_404(
        Product, store=store, slug=product, is_active=True, is_customizable=True
    )
    form = CustomisationForm(request.GET)
    form.is_valid()
    return render(
        request,
        "storefront/product.html#preview",
        _product_context(request, store, item, custom_form=form),
    )


# --- Cart -------------------------------------------------------------------------------------


def _cart_response(request: HttpRequest, store: Store, cart: Cart, status: int = 200):
    context = _context(request, store, cart=cart)
    if request.htmx:
        return render(request, "storefront/cart.html#cart", context)
    return render(request, "storefront/cart.html", context, status=status)


@vary_on_headers("HX-Request")
@sold_on_platform
def cart(request: HttpRequest, slug: str) -> HttpResponse:
    store = _store(slug)
    _visit(request, store)
    return _cart_response(request, store, Cart(request.session, store))


@require_POST
@vary_on_headers("HX-Request")
@sold_on_platform
def cart_add(request: HttpRequest, slug: str) -> HttpResponse:
    store = _store(slug)
    cart = Cart(request.session, store)
    form = AddToCartForm(request.POST)
    item = None
    error = ""
    custom_form = None
    customization: dict = {}
    if form.is_valid():
        # Only this store's products: an id from another store is "not sold here", not a 404 page.
        item = store.products.filter(pk=form.cleaned_data["product"], is_active=True).first()
        if item is None:
            error = "That product is not sold by this store."
    else:
        error = " ".join(e for errors in form.errors.values() for e in errors)
    if item is not None and item.is_customizable:
        custom_form = CustomisationForm(request.POST)
        if custom_form.is_valid():
            customization = custom_form.customization()
        else:
            error = error or " ".join(e for errs in custom_form.errors.values() for e in errs)
    if item is not None and not error:
        try:
            cart.add(item, form.cleaned_data["quantity"], customization)
        except CartError as exc:
            error = str(exc)
    if not error:
        _visit(request, store)
        funnel.record_step(request.session, store.pk, funnel.ADD_TO_CART)
    if request.htmx:
        context = _context(
            request,
            store,
            added=None if error else item,
            error=error,
            cart_count=len(cart),
            product=item,
            form=AddToCartForm(initial={"product": form.data.get("product"), "quantity": 1}),
        )
        return render(request, "storefront/_added.html", context)
    if error:
        if item is None:
            return render(
                request, "storefront/error.html", _context(request, store, error=error), status=400
            )
        context = _product_context(request, store, item, custom_form=custom_form, error=error)
        return render(request, "storefront/product.html", context, status=400)
    messages.success(request, f"Added {item.title} to your cart.")
    return redirect("storefront:cart", slug=store.slug)


def _cart_status(store: Store, cart: Cart) -> str:
    count = cart.count
    if not count:
        return "Your cart is empty."
    total = money(cart.total, store.currency)
    return f"Your cart has {count} item{'s' if count != 1 else ''}, total {total}."


@require_POST
@vary_on_headers("HX-Request")
@sold_on_platform
def cart_update(request: HttpRequest, slug: str) -> HttpResponse:
    store = _store(slug)
    cart = Cart(request.session, store)
    form = QuantityForm(request.POST)
    error = ""
    focus_id, announce = "cart-heading", ""
    if form.is_valid():
        key, quantity = form.cleaned_data["line"], form.cleaned_data["quantity"]
        line = next((line for line in cart.lines() if line.key == key), None)
        try:
            cart.set_quantity(key, quantity)
        except CartError as exc:
            error = str(exc)
        else:
            title = line.product.title if line else "The item"
            if quantity:
                focus_id = f"qty-{key}"
                announce = f"{title}: quantity {quantity}. {_cart_status(store, cart)}"
            else:
                announce = f"Removed {title}. {_cart_status(store, cart)}"
    else:
        error = " ".join(e for errors in form.errors.values() for e in errors)
    if error:
        key = request.POST.get("line", "")
        focus_id = f"qty-{key}" if key in cart.raw else "cart-heading"
        announce = error
    return _after_cart_change(request, store, cart, error, focus_id, announce)


@require_POST
@vary_on_headers("HX-Request")
@sold_on_platform
def cart_remove(request: HttpRequest, slug: str) -> HttpResponse:
    store = _store(slug)
    cart = Cart(request.session, store)
    form = RemoveForm(request.POST)
    error = announce = ""
    if form.is_valid():
        key = form.cleaned_data["line"]
        line = next((line for line in cart.lines() if line.key == key), None)
        try:
            cart.remove(key)
        except CartError as exc:
            error = str(exc)
        else:
            title = line.product.title if line else "the item"
            announce = f"Removed {title}. {_cart_status(store, cart)}"
    else:
        error = "Choose an item to remove."
    return _after_cart_change(request, store, cart, error, "cart-heading", announce or error)


def _after_cart_change(
    request, store: Store, cart: Cart, error: str, focus_id: str = "", announce: str = ""
) -> HttpResponse:
    if request.htmx:
        context = _context(
            request, store, cart=cart, error=error, focus_id=focus_id, announce=announce
        )
        return render(request, "storefront/cart.html#cart", context)
    if error:
        context = _context(request, store, cart=cart, error=error)
        return render(request, "storefront/cart.html", context, status=400)
    return redirect("storefront:cart", slug=store.slug)


# --- Checkout ---------------------------------------------------------------------------------

# The fields the COD confirmation step carries back (never the card fields).
CONFIRM_FIELDS = ("email", "name", "address", "city", "postcode", "phone", "shipping",
                  "payment_method", "upi_id")  # fmt: skip


def _checkout_context(request, store: Store, cart: Cart, form: CheckoutForm, **extra) -> dict:
    lines = cart.lines()
    products = [line.product for line in lines]
    fees = store.fee_schedule
    summary = form.error_summary() if form.is_bound and form.errors else []
    return _context(
        request,
        store,
        cart=cart,
        form=form,
        estimate=checkout_service.delivery_estimate(store, products),
        cod_fee=fees.cod_fee(cart.total) if store.offers_cod else None,
        test_card_ok=TEST_CARD_OK,
        test_card_declined=TEST_CARD_DECLINED,
        summary=summary,
        has_errors=bool(summary or extra.get("error") or extra.get("already")),
        checkout_key=cart.checkout_key if lines else "",
        confirm_fields=[form[name] for name in CONFIRM_FIELDS if name in form.fields],
        **extra,
    )


def _checkout_page(request, store, cart, form, status: int = 200, **extra) -> HttpResponse:
    context = _checkout_context(request, store, cart, form, **extra)
    return render(request, "storefront/checkout.html", context, status=status)


def _posted_checkout_key(request: HttpRequest) -> str:
    key = request.POST.get("checkout_key", "")
    return key if CHECKOUT_KEY_RE.fullmatch(key) else ""


def _already_ordered(request, store: Store, cart: Cart, form, number: str) -> HttpResponse:
    """The cart became an order in another submission: say which, and link to it."""
    cart.clear()
    if number:
        _remember_order(request, number)
    return _checkout_page(
        request, store, cart, form, status=409, already=True, already_ordered=number
    )


@require_http_methods(["GET", "POST"])
@sold_on_platform
def checkout(request: HttpRequest, slug: str) -> HttpResponse:
    store = _store(slug)
    _visit(request, store)
    cart = Cart(request.session, store)
    if request.method == "GET":
        form = CheckoutForm(store=store)
        if cart.lines():
            funnel.record_step(request.session, store.pk, funnel.REACHED_CHECKOUT)
        return _checkout_page(request, store, cart, form)

    if request.POST.get("change_details"):
        # Back from the COD confirmation: the details the shopper typed, not an empty form.
        posted = {name: request.POST.get(name, "") for name in CONFIRM_FIELDS}
        return _checkout_page(request, store, cart, CheckoutForm(store=store, initial=posted))

    form = CheckoutForm(request.POST, store=store)
    if not cart.lines():
        number = checkout_service.claimed_order_number(store, _posted_checkout_key(request))
        if number is not None:
            return _already_ordered(request, store, cart, form, number)
        return _checkout_page(request, store, cart, form, status=400, error="Your cart is empty.")
    if not form.is_valid():
        return _checkout_page(request, store, cart, form, status=400)
    data = form.cleaned_data
    if cart.prices_changed:
        # Show the new prices, remember them as seen, and ask again: nothing is written.
        new_total = cart.total
        cart.accept_current_prices()
        return _checkout_page(
            request,
            store,
            cart,
            form,
            status=409,
            error=(
                "Prices changed since you added these items. The new total is shown below; "
                "check it and place the order again to confirm."
            ),
            new_total=new_total,
        )
    if form.card_declined:
        return _checkout_page(
            request,
            store,
            cart,
            form,
            status=402,
            error="Your card was declined (test card 4000 0000 0000 0002). Nothing was charged.",
        )
    if data["payment_method"] == PaymentMethod.COD and not data.get("confirm_cod"):
        return render(
            request,
            "storefront/checkout_confirm_cod.html",
            _checkout_context(request, store, cart, form),
        )
    try:
        order = checkout_service.place_order(
            store,
            [
                checkout_service.RequestedLine(
                    product_id=line.product.pk,
                    quantity=line.quantity,
                    seen_price=line.seen_price,
                    customization=line.customization,
                )
                for line in cart.lines()
            ],
            email=data["email"],
            address=checkout_service.ShippingAddress(
                name=data["name"],
                address=data["address"],
                city=data["city"],
                postcode=data["postcode"],
                country=store.market,
                phone=data.get("phone", ""),
            ),
            payment_method=data["payment_method"],
            channel=funnel.visit_channel(request.session, store.pk),
            checkout_key=cart.checkout_key,
        )
    except checkout_service.AlreadyOrdered as exc:
        return _already_ordered(request, store, cart, form, exc.order_number)
    except checkout_service.CheckoutError as exc:
        return _checkout_page(request, store, cart, form, status=400, error=str(exc))
    funnel.record_step(request.session, store.pk, funnel.CONVERTED)
    cart.clear()
    _remember_order(request, order.number)
    request.session["just_placed"] = order.number
    return redirect("storefront:order", slug=store.slug, number=order.number)


def _remember_order(request: HttpRequest, number: str) -> None:
    numbers = request.session.get("orders", [])
    if number not in numbers:
        request.session["orders"] = [*numbers, number][-20:]


@sold_on_platform
def order(request: HttpRequest, slug: str, number: str) -> HttpResponse:
    """The order's page; only for the session that placed or looked up the order."""
    store = _store(slug)
    if number not in request.session.get("orders", []):
        messages.info(request, "Enter your order number and email to see an order.")
        return redirect(reverse("storefront:lookup", kwargs={"slug": store.slug}))
    placed = get_object_or_404(
        Order.objects.prefetch_related("lines__product"), store=store, number=number
    )
    lines = list(placed.lines.all())
    products = [line.product for line in lines if line.product is not None]
    estimate = checkout_service.delivery_estimate(store, products, today=placed.placed_date)
    # "Thank you" once, right after checkout; a looked-up order is just its details.
    just_placed = request.session.get("just_placed") == number
    if just_placed:
        del request.session["just_placed"]
    return render(
        request,
        "storefront/order.html",
        _context(
            request, store, order=placed, lines=lines, estimate=estimate, just_placed=just_placed
        ),
    )


def _lookup_clients(request: HttpRequest) -> dict[str, throttle.Limit]:
    if not request.session.session_key:
        request.session.save()
    return {
        f"session:{request.session.session_key}": throttle.LOOKUP_PER_SESSION,
        f"address:{request.META.get('REMOTE_ADDR', '')}": throttle.LOOKUP_PER_ADDRESS,
    }


@require_http_methods(["GET", "POST"])
@sold_on_platform
def lookup(request: HttpRequest, slug: str) -> HttpResponse:
    store = _store(slug)
    form = OrderLookupForm(request.POST or None)
    status = 200
    if request.method == "POST":
        clients = _lookup_clients(request)
        wait = throttle.wait_seconds("lookup", clients)
        if wait:
            minutes = max(1, round(wait / 60))
            form = OrderLookupForm(request.POST)
            form.is_valid()
            form.errors.clear()
            form.add_error(
                None,
                f"Too many attempts to find an order from this browser. Please wait "
                f"{minutes} minute{'s' if minutes != 1 else ''} and try again, or ask your "
                "trainer for the order number.",
            )
            status = 429
        elif form.is_valid():
            found = Order.objects.filter(
                store=store,
                number=form.cleaned_data["number"],
                email__iexact=form.cleaned_data["email"],
            ).first()
            if found is not None:
                _remember_order(request, found.number)
                return redirect("storefront:order", slug=store.slug, number=found.number)
            throttle.record_failure("lookup", clients)
            form.add_error(None, "No order with that number and email in this store.")
            status = 404
        else:
            throttle.record_failure("lookup", clients)
            status = 400
    return render(
        request, "storefront/lookup.html", _context(request, store, form=form), status=status
    )
