"""Storefront views: thin adapters between HTTP and the cart, checkout and funnel services.

Every page works without JavaScript; with htmx, the cart, catalogue results and the POD preview
swap a fragment ("page.html#partial") instead of reloading. Inactive stores answer 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from stores.cart import Cart, CartError
from stores.forms import (
    PRINT_COLOURS,
    TEST_CARD_DECLINED,
    TEST_CARD_OK,
    AddToCartForm,
    CheckoutForm,
    CustomisationForm,
    OrderLookupForm,
    QuantityForm,
    RemoveForm,
)
from stores.models import BusinessModel, Order, PaymentMethod, Product, Store
from stores.services import checkout as checkout_service
from stores.services import funnel

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
    )


def _context(request: HttpRequest, store: Store, **extra) -> dict:
    return {"store": store, "cart_count": len(Cart(request.session, store)), **extra}


def index(request: HttpRequest) -> HttpResponse:
    stores = Store.objects.active().order_by("name")
    return render(request, "index.html", {"stores": stores})


def home(request: HttpRequest, slug: str) -> HttpResponse:
    store = _store(slug)
    _visit(request, store)
    products = store.products.filter(is_active=True)
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
    bundles = [
        {
            "product": p,
            "per_unit": (p.price / p.bundle_quantity).quantize(p.price),
            "saving": hero.price * p.bundle_quantity - p.price,
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
    query = request.GET.get("q", "").strip()[:80]
    category = request.GET.get("category", "").strip()[:80]
    sort = request.GET.get("sort", "popular")
    if sort not in SORTS:
        sort = "popular"
    if query:
        products = products.filter(Q(title__icontains=query) | Q(category__icontains=query))
    if category:
        products = products.filter(category=category)
    page = Paginator(products.order_by(*SORTS[sort]), PAGE_SIZE).get_page(request.GET.get("page"))
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
    )
    template = "storefront/catalogue.html"
    if request.htmx:
        template += "#results"
    return render(request, template, context)


def _product_context(request: HttpRequest, store: Store, item: Product, **extra) -> dict:
    custom = extra.pop("custom_form", None)
    if item.is_customizable and custom is None:
        custom = CustomisationForm(initial={"colour": "black", "text": ""})
    return _context(
        request,
        store,
        product=item,
        estimate=checkout_service.delivery_estimate(store, [item]),
        is_dropship=store.business_model == BusinessModel.DROPSHIP,
        form=extra.pop("form", None) or AddToCartForm(initial={"product": item.pk, "quantity": 1}),
        custom_form=custom,
        colours=PRINT_COLOURS,
        **extra,
    )


def product(request: HttpRequest, slug: str, product: str) -> HttpResponse:
    store = _store(slug)
    item = get_object_or_404(Product, store=store, slug=product, is_active=True)
    _visit(request, store)
    funnel.record_step(request.session, store.pk, funnel.PRODUCT_VIEW)
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
def cart(request: HttpRequest, slug: str) -> HttpResponse:
    store = _store(slug)
    _visit(request, store)
    return _cart_response(request, store, Cart(request.session, store))


@require_POST
@vary_on_headers("HX-Request")
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


@require_POST
@vary_on_headers("HX-Request")
def cart_update(request: HttpRequest, slug: str) -> HttpResponse:
    store = _store(slug)
    cart = Cart(request.session, store)
    form = QuantityForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            cart.set_quantity(form.cleaned_data["line"], form.cleaned_data["quantity"])
        except CartError as exc:
            error = str(exc)
    else:
        error = " ".join(e for errors in form.errors.values() for e in errors)
    return _after_cart_change(request, store, cart, error)


@require_POST
@vary_on_headers("HX-Request")
def cart_remove(request: HttpRequest, slug: str) -> HttpResponse:
    store = _store(slug)
    cart = Cart(request.session, store)
    form = RemoveForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            cart.remove(form.cleaned_data["line"])
        except CartError as exc:
            error = str(exc)
    else:
        error = "Choose an item to remove."
    return _after_cart_change(request, store, cart, error)


def _after_cart_change(request, store: Store, cart: Cart, error: str) -> HttpResponse:
    if request.htmx:
        context = _context(request, store, cart=cart, error=error)
        return render(request, "storefront/cart.html#cart", context)
    if error:
        context = _context(request, store, cart=cart, error=error)
        return render(request, "storefront/cart.html", context, status=400)
    return redirect("storefront:cart", slug=store.slug)


# --- Checkout ---------------------------------------------------------------------------------


def _checkout_context(request, store: Store, cart: Cart, form: CheckoutForm, **extra) -> dict:
    lines = cart.lines()
    products = [line.product for line in lines]
    fees = store.fee_schedule
    return _context(
        request,
        store,
        cart=cart,
        form=form,
        estimate=checkout_service.delivery_estimate(store, products),
        cod_fee=fees.cod_fee(cart.total) if store.offers_cod else None,
        test_card_ok=TEST_CARD_OK,
        test_card_declined=TEST_CARD_DECLINED,
        **extra,
    )


@require_http_methods(["GET", "POST"])
def checkout(request: HttpRequest, slug: str) -> HttpResponse:
    store = _store(slug)
    _visit(request, store)
    cart = Cart(request.session, store)
    if request.method == "GET":
        form = CheckoutForm(store=store)
        if cart.lines():
            funnel.record_step(request.session, store.pk, funnel.REACHED_CHECKOUT)
        return render(
            request, "storefront/checkout.html", _checkout_context(request, store, cart, form)
        )

    form = CheckoutForm(request.POST, store=store)
    if not cart.lines():
        context = _checkout_context(request, store, cart, form, error="Your cart is empty.")
        return render(request, "storefront/checkout.html", context, status=400)
    if not form.is_valid():
        context = _checkout_context(
            request, store, cart, form, error="Please correct the fields marked below."
        )
        return render(request, "storefront/checkout.html", context, status=400)
    data = form.cleaned_data
    if cart.prices_changed:
        # Show the new prices, remember them as seen, and ask again: nothing is written.
        new_total = cart.total
        cart.accept_current_prices()
        context = _checkout_context(
            request,
            store,
            cart,
            form,
            error=(
                "Prices changed since you added these items. The new total is shown below; "
                "check it and place the order again to confirm."
            ),
            new_total=new_total,
        )
        return render(request, "storefront/checkout.html", context, status=409)
    if form.card_declined:
        context = _checkout_context(
            request,
            store,
            cart,
            form,
            error="Your card was declined (test card 4000 0000 0000 0002). Nothing was charged.",
        )
        return render(request, "storefront/checkout.html", context, status=402)
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
        )
    except checkout_service.CheckoutError as exc:
        context = _checkout_context(request, store, cart, form, error=str(exc))
        return render(request, "storefront/checkout.html", context, status=400)
    funnel.record_step(request.session, store.pk, funnel.CONVERTED)
    cart.clear()
    _remember_order(request, order)
    return redirect("storefront:order", slug=store.slug, number=order.number)


def _remember_order(request: HttpRequest, order: Order) -> None:
    numbers = request.session.get("orders", [])
    if order.number not in numbers:
        request.session["orders"] = [*numbers, order.number][-20:]


def order(request: HttpRequest, slug: str, number: str) -> HttpResponse:
    """The confirmation page; only for the session that placed or looked up the order."""
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
    return render(
        request,
        "storefront/order.html",
        _context(request, store, order=placed, lines=lines, estimate=estimate),
    )


@require_http_methods(["GET", "POST"])
def lookup(request: HttpRequest, slug: str) -> HttpResponse:
    store = _store(slug)
    form = OrderLookupForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            found = Order.objects.filter(
                store=store,
                number=form.cleaned_data["number"],
                email__iexact=form.cleaned_data["email"],
            ).first()
            if found is not None:
                _remember_order(request, found)
                return redirect("storefront:order", slug=store.slug, number=found.number)
            form.add_error(None, "No order with that number and email in this store.")
            status = 404
        else:
            status = 400
    return render(
        request, "storefront/lookup.html", _context(request, store, form=form), status=status
    )
