"""The trainer's admin: create from a preset in two clicks, edit, clone, reset, read orders."""

from decimal import Decimal

import pytest
from django.forms.models import model_to_dict
from django.urls import reverse

from stores.models import DailyFunnel, Order, Product, Store

ADMIN_PAGES = ["store", "product", "order", "customer", "simulationrun", "dailyfunnel"]


@pytest.mark.parametrize("model", ADMIN_PAGES)
def test_every_changelist_loads_for_staff(staff_client, demo_stores, model):
    response = staff_client.get(reverse(f"admin:stores_{model}_changelist"))
    assert response.status_code == 200


def test_anonymous_users_are_sent_to_login(client, demo_stores):
    response = client.get(reverse("admin:stores_store_from_preset"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_store_changelist_queries_do_not_grow_with_stores(
    staff_client, make_store, django_assert_max_num_queries
):
    url = reverse("admin:stores_store_changelist")
    make_store("general", with_catalogue=False)
    with django_assert_max_num_queries(12) as few:
        assert staff_client.get(url).status_code == 200
    for _ in range(5):
        make_store("pod", with_catalogue=False)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = staff_client.get(url)
    assert response.status_code == 200
    assert response.content.count(b"/s/test-") >= 6


def test_create_from_a_preset_in_two_clicks(staff_client, db):
    url = reverse("admin:stores_store_from_preset")
    page = staff_client.get(url)
    assert b"Cash-on-delivery store" in page.content

    response = staff_client.post(
        url, {"preset": "cod", "name": "Souq Two", "slug": "", "with_catalogue": "on"}
    )

    store = Store.objects.get(slug="souq-two")
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:stores_store_change", args=[store.pk])
    assert store.business_model == "cod" and store.offers_cod
    assert store.products.count() == 80
    follow = staff_client.get(response["Location"])
    assert b"Every parameter below can be edited" in follow.content
    assert b"Unicommerce/Shipway" in follow.content  # the defaults' sources are shown


def test_create_from_a_preset_refuses_a_taken_slug_and_saves_nothing(staff_client, demo_stores):
    before = Store.objects.count()

    response = staff_client.post(
        reverse("admin:stores_store_from_preset"),
        {"preset": "pod", "name": "Inkwell again", "slug": "inkwell-prints"},
    )

    assert response.status_code == 200
    assert "A store with the slug &#x27;inkwell-prints&#x27; already exists." in response.text
    assert Store.objects.count() == before


@pytest.mark.parametrize("name", ["سوق الإمارات", "日本の店", "!!!"])
def test_a_name_that_gives_no_slug_asks_for_one_and_creates_nothing(staff_client, db, name):
    # The form says "leave the slug empty to derive it from the name"; an Arabic name derives
    # nothing, and the page answered "This field cannot be blank." next to that slug.
    response = staff_client.post(
        reverse("admin:stores_store_from_preset"),
        {"preset": "cod", "name": name, "slug": "", "with_catalogue": "on"},
    )

    assert response.status_code == 200
    [message] = response.context["form"].errors["slug"]
    assert "gives no slug" in message and "type one" in message
    assert not Store.objects.exists()


def test_full_add_form_is_prefilled_from_the_preset(staff_client, db):
    response = staff_client.get(reverse("admin:stores_store_add") + "?preset=dropship")
    form = response.context["adminform"].form
    assert form.initial["delivery_days_max"] == 25
    assert form.initial["return_shipping_cost"] == Decimal("22.00")


def change_form_data(store: Store, **changes) -> dict:
    data = {k: v for k, v in model_to_dict(store).items() if v is not None}
    data["payment_methods"] = store.payment_methods
    for flag in ("is_active", "is_live", "returns_restockable", "owns_customer_data"):
        if not data.get(flag):
            data.pop(flag, None)
    channels = list(store.channels.all())
    data.update(
        {
            "channels-TOTAL_FORMS": str(len(channels)),
            "channels-INITIAL_FORMS": str(len(channels)),
            "channels-MIN_NUM_FORMS": "0",
            "channels-MAX_NUM_FORMS": "1000",
        }
    )
    for i, channel in enumerate(channels):
        for key, value in model_to_dict(channel).items():
            data[f"channels-{i}-{key}"] = value
    data.update(changes)
    return data


def test_editing_a_store_saves_a_good_value(staff_client, demo_stores):
    store = demo_stores["cod"]
    url = reverse("admin:stores_store_change", args=[store.pk])

    response = staff_client.post(url, change_form_data(store, cod_share="0.6"))

    assert response.status_code == 302, response.context["adminform"].form.errors
    store.refresh_from_db()
    assert store.cod_share == Decimal("0.6")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("cod_refusal_base", "1.4", "less than or equal to 1"),
        ("delivery_days_min", "9", "Must not exceed"),
        ("default_payment_method", "upi", "must be one the store offers"),
        # The one validation layer: ASCII digits only, no control characters, visible text.
        ("cod_share", "0.٣", "digits 0-9"),
        ("handling_days_max", "²", "digits 0-9"),
        ("handling_days_max", "9" * 5000, "digits"),
        ("name", "\x1b[31mEvil", "control characters"),
        ("tagline", "\u202eesrever", "reverse the text"),
        ("name", "\u200b\u200b", "visible text"),
        # Theme colours readable wherever the storefront paints them, naming the colour.
        ("primary_colour", "#f5f5f5", "The primary colour #f5f5f5 is too light"),
        ("accent_colour", "#202020", "The accent colour #202020 is too dark"),
        # Competition and the premium ramp (simulation/market.py).
        ("price_pressure_per_year", "0.95", "less than or equal to 0.9"),
        ("price_pressure_per_year", "-0.1", "greater than or equal to 0"),
        ("ramp_days", "400", "less than or equal to 365"),
        ("ramp_start", "1.5", "less than or equal to 1"),
        ("brand_build_cost", "-5", "greater than or equal to 0"),
    ],
)
def test_a_bad_value_in_the_admin_names_the_field_and_saves_nothing(
    staff_client, demo_stores, field, value, message
):
    store = demo_stores["cod"]
    url = reverse("admin:stores_store_change", args=[store.pk])
    before = model_to_dict(Store.objects.get(pk=store.pk))

    response = staff_client.post(url, change_form_data(store, **{field: value}))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert field in errors and any(message in e for e in errors[field])
    assert model_to_dict(Store.objects.get(pk=store.pk)) == before


def run_action(client, action: str, stores, **extra):
    return client.post(
        reverse("admin:stores_store_changelist"),
        {"action": action, "_selected_action": [s.pk for s in stores], **extra},
    )


def test_clone_copies_settings_channels_and_catalogue_not_orders(staff_client, demo_stores):
    source = demo_stores["pod"]

    run_action(staff_client, "clone_stores", [source])

    clone = Store.objects.get(slug=f"{source.slug}-copy")
    assert clone.business_model == source.business_model
    assert clone.products.count() == source.products.count()
    assert clone.channels.count() == source.channels.count()
    assert source.products.count() == Product.objects.filter(store=source).count()


def test_reset_asks_for_confirmation_then_deletes_generated_data(staff_client, demo_stores):
    store = demo_stores["general"]
    Order.objects.create(store=store, number="X-1", payment_method="card", placed_date="2026-01-01")
    DailyFunnel.objects.create(store=store, date="2026-01-01", channel="direct", source="shopper")

    confirm_page = run_action(staff_client, "reset_generated_data", [store])
    assert b"Yes, delete their generated data" in confirm_page.content
    assert Order.objects.filter(store=store).count() == 1

    run_action(staff_client, "reset_generated_data", [store], confirm="yes")

    assert not Order.objects.filter(store=store).exists()
    assert not DailyFunnel.objects.filter(store=store).exists()
    assert store.products.exists()


def test_go_live_and_stop(staff_client, demo_stores):
    stores = [demo_stores["cod"], demo_stores["pod"]]
    run_action(staff_client, "go_live", stores)
    assert Store.objects.filter(is_live=True, live_revealed_until__isnull=False).count() == 2
    run_action(staff_client, "stop_live", stores)
    assert not Store.objects.filter(is_live=True).exists()


def test_orders_are_readable_but_not_editable(staff_client, demo_stores):
    order = Order.objects.create(
        store=demo_stores["cod"], number="X-2", payment_method="cod", placed_date="2026-01-01",
        gross_sales=Decimal("40.00"),
    )  # fmt: skip
    url = reverse("admin:stores_order_change", args=[order.pk])

    page = staff_client.get(url)
    staff_client.post(url, {"gross_sales": "1.00", "status": "refunded"})

    assert page.status_code == 200 and b"X-2" in page.content
    order.refresh_from_db()
    assert order.gross_sales == Decimal("40.00") and order.status == "placed"
    assert staff_client.get(reverse("admin:stores_order_add")).status_code == 403


def test_the_full_add_form_saves_a_store_with_channels_and_catalogue(staff_client, db):
    initial = staff_client.get(reverse("admin:stores_store_add") + "?preset=pod")
    form = initial.context["adminform"].form
    data = {name: form.initial.get(name, field.initial) for name, field in form.fields.items()}
    data = {k: v for k, v in data.items() if v is not None and v is not False}
    data.update({"name": "Ink Two", "slug": "ink-two", "business_model": "pod"})
    data.update({f"channels-{k}": v for k, v in
                 {"TOTAL_FORMS": 0, "INITIAL_FORMS": 0, "MIN_NUM_FORMS": 0, "MAX_NUM_FORMS": 1000}.items()})  # fmt: skip

    response = staff_client.post(reverse("admin:stores_store_add"), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    store = Store.objects.get(slug="ink-two")
    assert store.preset == "pod" and store.products.count() == 13
    assert store.channels.count() == 6


def test_simulate_action_queues_a_90_day_run_and_links_the_dashboard(
    staff_client, demo_stores, broker
):
    from stores.models import RunStatus, SimulationRun

    stores = [demo_stores["cod"], demo_stores["pod"]]
    response = run_action(staff_client, "simulate_90_days", stores)

    run = SimulationRun.objects.get()
    assert run.days == 90 and set(run.stores.all()) == set(stores)
    assert (
        run.status == RunStatus.RUNNING and run.chunks_total == run.chunks.count() == 2
    )  # a 90-day chunk each
    page = staff_client.get(response["Location"])
    assert f"?run={run.pk}" in page.text and f"Run #{run.pk}" in page.text

    runs_url = reverse("admin:stores_simulationrun_changelist")
    staff_client.post(runs_url, {"action": "cancel_runs", "_selected_action": [run.pk]})
    run.refresh_from_db()
    assert run.status == RunStatus.CANCELLED


def test_the_slug_help_text_shows_the_url_pattern(staff_client, demo_stores):
    store = demo_stores["cod"]
    page = staff_client.get(reverse("admin:stores_store_change", args=[store.pk])).content.decode()
    assert "/s/&lt;slug&gt;/" in page and "/s//." not in page


def test_every_channel_input_on_the_store_page_has_a_name(staff_client, demo_stores):
    import re

    store = demo_stores["general"]
    page = staff_client.get(reverse("admin:stores_store_change", args=[store.pk])).content.decode()
    inline = re.findall(r'<(?:input|select)[^>]*name="channels-\d+-[^"]+"[^>]*>', page)
    visible = [tag for tag in inline if 'type="hidden"' not in tag]
    assert len(visible) >= 6 * store.channels.count()
    for tag in visible:
        assert "aria-label=" in tag, tag
    assert 'aria-label="Paid social: Daily budget"' in page
    assert 'aria-label="Delete the Paid social row"' in page


def test_a_product_name_made_of_control_characters_is_refused(staff_client, demo_stores):
    product = demo_stores["general"].products.first()
    url = reverse("admin:stores_product_change", args=[product.pk])
    data = {
        **model_to_dict(product),
        "store": product.store_id,
        "title": "\x07\x07",
        "stock": "1٢",
    }
    data = {k: ("" if v is None else v) for k, v in data.items()}
    response = staff_client.post(url, data)
    errors = response.context["adminform"].form.errors
    assert "control characters" in errors["title"][0] and "digits 0-9" in errors["stock"][0]
    product.refresh_from_db()
    assert product.title != "\x07\x07"


@pytest.mark.parametrize(
    ("popularity", "message"),
    [("٣", "digits 0-9 and a point"), ("1e308", "no larger than"), ("9" * 40, "no larger")],
)
def test_a_product_weight_that_is_not_a_plain_number_is_refused(
    staff_client, demo_stores, popularity, message
):
    # Popularity was the one number the admin read with float(): an Arabic-Indic "3" was taken
    # as 3 and "1e308" saved (the catalogue's weights then summed to infinity).
    product = demo_stores["general"].products.first()
    url = reverse("admin:stores_product_change", args=[product.pk])
    data = {**model_to_dict(product), "store": product.store_id, "popularity": popularity}
    data = {k: ("" if v is None else v) for k, v in data.items()}

    response = staff_client.post(url, data)

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert message in errors["popularity"][0]
    assert Product.objects.get(pk=product.pk).popularity == product.popularity


def test_a_tiny_product_weight_shown_as_1e_05_saves_again(staff_client, demo_stores):
    product = demo_stores["general"].products.first()
    Product.objects.filter(pk=product.pk).update(popularity=0.00001)
    url = reverse("admin:stores_product_change", args=[product.pk])
    page = staff_client.get(url).content.decode()
    assert 'value="1e-05"' in page  # how Django shows it
    data = {**model_to_dict(product), "store": product.store_id, "popularity": "1e-05"}
    data = {k: ("" if v is None else v) for k, v in data.items()}

    assert staff_client.post(url, data).status_code == 302


def test_a_run_page_shows_who_claimed_each_chunk_and_its_last_heartbeat(staff_client, make_store):
    from stores import services
    from stores.services import runs

    run = services.create_run(days=2, seed=1, stores=[make_store("cod")])
    services.run_in_process(run)

    page = staff_client.get(reverse("admin:stores_simulationrun_change", args=[run.pk]))

    assert page.status_code == 200
    assert "Claimed by" in page.text and "Heartbeat at" in page.text
    assert runs.worker_name() in page.text


@pytest.mark.parametrize(
    ("action", "preset", "suffix"),
    [("clone_stores", "general", " (copy)"), ("prepaid_twins", "cod", " (prepaid)")],
)
def test_a_copy_of_a_long_named_store_is_shortened_not_a_server_error(
    staff_client, make_store, action, preset, suffix
):
    # A name near the 120-character limit (or a copy of a copy of a copy) once made the copy's
    # name too long: the action answered 500.
    source = make_store(preset, name="Long name " * 12, with_catalogue=False)

    response = run_action(staff_client, action, [source])

    assert response.status_code == 302
    copy = Store.objects.exclude(pk=source.pk).get(name__endswith=suffix)
    assert len(copy.name) <= 120
    assert copy.name.startswith("Long name Long name")


def test_a_store_that_cannot_be_copied_is_named_and_the_others_are_copied(staff_client, make_store):
    # A value saved before a rule existed (here by update(), skipping validation) makes the copy
    # invalid: the trainer reads which store and why, and the other selected store is copied.
    broken = make_store("general", with_catalogue=False)
    Store.objects.filter(pk=broken.pk).update(markup="0.5")
    fine = make_store("pod", with_catalogue=False)

    response = run_action(staff_client, "clone_stores", [broken, fine])

    assert response.status_code == 302
    page = staff_client.get(response["Location"]).content.decode()
    assert f"Could not copy {broken.slug}: markup: A markup below 1" in page
    assert f"Cloned 1 store(s): {fine.slug}-copy" in page
    assert not Store.objects.filter(slug=f"{broken.slug}-copy").exists()


@pytest.mark.parametrize(
    ("channel", "changes", "field", "message"),
    [
        # PositiveIntegerField's own bound: the engine ran out of memory on its first day.
        ("organic_search", {"daily_sessions": "2147483647"}, "daily_sessions", "At most 100,000"),
        # Bought visits count the same: $50,000 a day at 1 cent a click is 5,000,000 clicks.
        (
            "paid_social",
            {"daily_budget": "50000", "cost_per_click": "0.01"},
            "daily_budget",
            "buys 5,000,000 clicks a day",
        ),
    ],
)
def test_a_channel_with_more_daily_visits_than_a_worker_can_simulate_is_refused(
    staff_client, demo_stores, channel, changes, field, message
):
    store = demo_stores["general"]
    url = reverse("admin:stores_store_change", args=[store.pk])
    index = [c.channel for c in store.channels.all()].index(channel)
    before = list(store.channels.order_by("pk").values())
    posted = {f"channels-{index}-{name}": value for name, value in changes.items()}

    response = staff_client.post(url, change_form_data(store, **posted))

    assert response.status_code == 200
    [formset] = response.context["inline_admin_formsets"]
    errors = formset.formset.forms[index].errors
    assert any(message in e for e in errors[field]), errors
    assert list(store.channels.order_by("pk").values()) == before


def test_simulating_a_store_without_products_says_so_and_queues_nothing(
    staff_client, make_store, broker
):
    # The action queued the run anyway; its chunks then failed on the worker ("Store 7 has no
    # active products to sell"), the trainer reading only "failed" on the dashboard.
    from stores.models import SimulationRun

    empty, stocked = make_store("pod", with_catalogue=False), make_store("cod")

    response = run_action(staff_client, "simulate_90_days", [empty, stocked])

    page = staff_client.get(response["Location"]).content.decode()
    assert f"Store(s) without active products: {empty.slug}." in page
    assert "Generate a catalogue" in page and "no run was created" in page
    assert not SimulationRun.objects.exists()
