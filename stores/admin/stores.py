"""The trainer's stores in the admin: create from a preset, edit every parameter (each default
with its source), simulate, shock, clone, reset, go live; and their products."""

from __future__ import annotations

import secrets
from datetime import UTC, timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from .. import services
from ..fields import TextField
from ..forms_experiments import ReplicateForm
from ..forms_scenarios import RUN, ApplyShockForm
from ..models import (
    PaymentMethod,
    Product,
    Store,
    StoreChannel,
)
from ..presets import PRESETS, get_preset
from ..services.broker import check_broker
from ..services.shocks import ShockRequest, apply_live_shock
from .common import ADMIN_FORMFIELD_OVERRIDES, WITHOUT_A_WORKER


class StoreForm(forms.ModelForm):
    payment_methods = forms.MultipleChoiceField(
        choices=PaymentMethod.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Payment methods offered at checkout.",
    )

    class Meta:
        model = Store
        fields = "__all__"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "slug" in self.fields:
            # The admin prints help texts as HTML: "<slug>" written plainly would vanish.
            self.fields["slug"].help_text = format_html(
                "Used in the storefront URL {}, e.g. {}.", "/s/<slug>/", "/s/souq-express/"
            )


class ProductForm(forms.ModelForm):
    class Meta:
        model = Product
        fields = "__all__"


class StoreChannelForm(forms.ModelForm):
    """A channel row of the store page: each input is named after its row and column, since a
    table cell's input has no label of its own ("Paid social: daily budget")."""

    class Meta:
        model = StoreChannel
        fields = ("channel", "daily_sessions", "daily_budget", "cost_per_click", "conversion_rate")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        row = self.instance.get_channel_display() if self.instance.channel else "New channel"
        for field in self.fields.values():
            field.widget.attrs["aria-label"] = f"{row}: {field.label}"


class StoreChannelFormSet(forms.BaseInlineFormSet):
    def add_fields(self, form, index) -> None:
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            row = form.instance.get_channel_display() if form.instance.channel else "new channel"
            form.fields["DELETE"].widget.attrs["aria-label"] = f"Delete the {row} row"


class StoreChannelInline(admin.TabularInline):
    model = StoreChannel
    form = StoreChannelForm
    formset = StoreChannelFormSet
    formfield_overrides = ADMIN_FORMFIELD_OVERRIDES
    extra = 0
    fields = ("channel", "daily_sessions", "daily_budget", "cost_per_click", "conversion_rate")


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    form = StoreForm
    formfield_overrides = ADMIN_FORMFIELD_OVERRIDES
    change_list_template = "admin/stores/store/change_list.html"
    list_display = (
        "name",
        "model_badge",
        "market_code",
        "product_count",
        "order_count",
        "is_active",
        "is_live",
        "storefront_link",
    )
    list_filter = ("business_model", "market", "is_active", "is_live")
    search_fields = ("name", "slug", "tagline")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("preset", "created_at", "updated_at", "preset_sources")
    inlines = [StoreChannelInline]
    actions = [
        "simulate_90_days",
        "apply_shock",
        "replicate_over_seeds",
        "sweep_a_parameter",
        "clone_stores",
        "prepaid_twins",
        "generate_catalogues",
        "reset_generated_data",
        "go_live",
        "stop_live",
    ]
    fieldsets = (
        (None, {"fields": ("name", "slug", "business_model", "preset", "description",
                           "market", "currency", "is_active", "is_live")}),
        ("Theme", {"fields": ("primary_colour", "accent_colour", "tagline", "banner_text")}),
        ("Payments", {"fields": ("payment_methods", "default_payment_method", "card_fee_rate",
                                 "card_fee_fixed", "chargeback_rate", "dispute_fee",
                                 "payout_days", "payout_cycle_days",
                                 "platform_collects_payment")}),
        ("Cash on delivery", {"fields": ("cod_share", "cod_conversion_uplift", "cod_fee_rate",
                                         "cod_fee_min", "cod_refusal_base", "cod_refusal_per_day",
                                         "cod_remittance_days")}),
        ("Fulfilment and shipping", {"fields": ("shipping_cost", "return_shipping_cost",
                                                "handling_days_min", "handling_days_max",
                                                "delivery_days_min", "delivery_days_max",
                                                "late_after_days", "late_refund_rate",
                                                "late_chargeback_share")}),
        ("Returns", {"fields": ("return_window_days", "return_shipping_paid_by", "return_rate",
                                "defect_rate", "returns_restockable")}),
        ("Pricing, funnel and basket", {"fields": ("markup", "price_elasticity",
                                                   "product_view_rate", "add_to_cart_rate",
                                                   "checkout_rate", "extra_items_mean",
                                                   "bundle_take_rate",
                                                   "repeat_purchase_rate", "repeat_days",
                                                   "returning_email_share")}),
        ("Model mechanics", {"fields": ("ad_fatigue_per_day", "ad_refresh_days", "stockout_rate",
                                        "sku_daily_cost",
                                        "platform_fee_rate", "fulfilment_fee",
                                        "warehousing_fee", "platform_retail_markup",
                                        "owns_customer_data")}),
        ("Competition and premium ramp", {"fields": ("price_pressure_per_year", "ramp_days",
                                                     "ramp_start", "brand_build_cost")}),
        ("Cash and capital", {"fields": ("starting_capital", "stock_days",
                                         "supplier_payment_days")}),
        ("Where the defaults come from", {"classes": ("collapse",),
                                          "fields": ("preset_sources", "created_at", "updated_at")}),
    )  # fmt: skip

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                _products=Count("products", distinct=True), _orders=Count("orders", distinct=True)
            )
        )

    # Sections that only matter to some models start folded for the others.
    SECTION_MODELS = {
        "Cash on delivery": {"cod"},
        "Competition and premium ramp": {"general", "vertical", "vertical_premium"},
        "Model mechanics": {
            "general",
            "single_product",
            "marketplace",
            "semi_managed",
            "fully_managed",
        },
    }

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        folded = []
        for title, options in fieldsets:
            models = self.SECTION_MODELS.get(title)
            if models is not None and obj.business_model not in models:
                options = {**options, "classes": ("collapse",)}
            folded.append((title, options))
        return folded

    @admin.display(description="Market", ordering="market")
    def market_code(self, obj: Store) -> str:
        return format_html('<abbr title="{}">{}</abbr>', obj.get_market_display(), obj.market)

    @admin.display(description="Model", ordering="business_model")
    def model_badge(self, obj: Store) -> str:
        return format_html(
            '<span style="background:{};color:#fff;border-radius:9px;padding:1px 8px;'
            'white-space:nowrap">{}</span>',
            obj.primary_colour,
            obj.business_model.replace("_", " "),
        )

    @admin.display(description="Products", ordering="_products")
    def product_count(self, obj: Store) -> int:
        return obj._products

    @admin.display(description="Orders", ordering="_orders")
    def order_count(self, obj: Store) -> int:
        return obj._orders

    @admin.display(description="Storefront")
    def storefront_link(self, obj: Store) -> str:
        return format_html('<a href="{}" target="_blank">Open&nbsp;↗</a>', obj.get_absolute_url())

    @admin.display(description="Defaults and their sources")
    def preset_sources(self, obj: Store) -> str:
        if not obj.preset:
            return "Created without a preset."
        preset = get_preset(obj.preset)
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (Store._meta.get_field(name).verbose_name, cited.value, cited.source)
                for name, cited in preset.store.items()
            ),
        )
        return format_html(
            "<table><thead><tr><th>Field</th><th>Default</th><th>Source</th></tr></thead>"
            "<tbody>{}</tbody></table>",
            rows,
        )

    # --- Create from a preset -------------------------------------------------------------------
    def get_urls(self):
        custom = [
            path(
                "from-preset/",
                self.admin_site.admin_view(self.add_from_preset_view),
                name="stores_store_from_preset",
            )
        ]
        return custom + super().get_urls()

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context=None):
        # Every store starts from its model's preset: the full form needs to know the model
        # first, so without ?preset= it sends the trainer to pick one.
        if request.method == "GET" and request.GET.get("preset") not in PRESETS:
            return HttpResponseRedirect(reverse("admin:stores_store_from_preset"))
        return super().add_view(request, form_url, extra_context)

    def get_changeform_initial_data(self, request: HttpRequest) -> dict:
        initial = super().get_changeform_initial_data(request)
        key = request.GET.get("preset")
        if key in PRESETS:
            initial.update(PRESETS[key].defaults())
            initial["business_model"] = key
        return initial

    def save_model(self, request, obj: Store, form, change: bool) -> None:
        if not change and not obj.preset and obj.business_model in PRESETS:
            obj.preset = obj.business_model
        super().save_model(request, obj, form, change)
        if "is_live" in form.changed_data or (not change and obj.is_live):
            services.set_live([obj], obj.is_live)  # live traffic starts now, with no backlog

    def save_related(self, request, form, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        store = form.instance
        if not change:
            # The full add form leaves the traffic inline empty: without channels a store would
            # get no simulated visits, so it starts with its model's channels (editable below).
            services.add_preset_channels(store)
            created = services.generate_catalogue(store)
            if created:
                self.message_user(request, f"Generated a catalogue of {created} products.")

    def add_from_preset_view(self, request: HttpRequest):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = PresetForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                store = services.create_store_from_preset(
                    form.cleaned_data["preset"],
                    name=form.cleaned_data["name"],
                    slug=form.cleaned_data["slug"],
                    with_catalogue=form.cleaned_data["with_catalogue"],
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    target = field if field in form.fields else None
                    for error in errors:
                        form.add_error(target, error)
            else:
                self.message_user(
                    request,
                    f"Created {store.name} from the {store.get_business_model_display()} preset "
                    f"with {store.products.count()} products. Every parameter below can be edited.",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:stores_store_change", args=[store.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Create a store from a preset",
            "form": form,
            "presets": PRESETS.values(),
        }
        return TemplateResponse(request, "admin/stores/store/from_preset.html", context)

    # --- Actions --------------------------------------------------------------------------------
    def _start_run(self, request, **run_options):
        """services.start_run, or None with the reason shown (no worker reachable, or a store
        with nothing to sell): nothing is created then."""
        try:
            return services.start_run(**run_options)
        except services.BrokerUnavailable as exc:
            self.message_user(request, exc.explain(WITHOUT_A_WORKER), messages.ERROR)
        except services.NothingToSell as exc:
            self.message_user(request, str(exc), messages.ERROR)
        return None

    @admin.action(description="Simulate the last 90 days on the Celery workers")
    def simulate_90_days(self, request, queryset) -> None:
        seed = secrets.randbelow(1_000_000)
        run = self._start_run(request, days=90, seed=seed, stores=queryset)
        if run is None:
            return
        url = reverse("dashboard:compare") + f"?run={run.pk}"
        self.message_user(
            request,
            format_html(
                "Run #{} (seed {}) queued: {} chunks for {} store(s). "
                '<a href="{}">Watch it on the dashboard</a> (needs a running worker: make run).',
                run.pk, seed, run.chunks_total, queryset.count(), url,
            ),
            messages.SUCCESS,
        )  # fmt: skip

    @admin.action(description="Apply a shock: in a new run, or to live traffic")
    def apply_shock(self, request, queryset):
        form = ApplyShockForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            data = form.cleaned_data
            if data["target"] == RUN:
                return self._shock_in_new_run(request, queryset, data)
            start = timezone.now().astimezone(UTC).date() + timedelta(days=data["start_day"])
            rows = apply_live_shock(
                data["shock"], queryset, start_date=start, days=data["resolved_days"]
            )
            idle = [s.slug for s in queryset if not s.is_live]
            self.message_user(
                request,
                f"Applied {rows[0].label} to the live traffic of {len(rows)} store(s) from "
                f"{start}" + (f" (not live yet: {', '.join(idle)})." if idle else "."),
                messages.SUCCESS,
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Apply a shock",
            "form": form,
            "stores": queryset,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/stores/store/apply_shock.html", context)

    def _shock_in_new_run(self, request, queryset, data) -> None:
        seed = data["seed"] if data["seed"] is not None else secrets.randbelow(1_000_000)
        stores = list(queryset)
        run = self._start_run(
            request,
            days=data["history_days"],
            seed=seed,
            stores=stores,
            shocks=[
                ShockRequest(data["shock"], s, data["start_day"], data["resolved_days"])
                for s in stores
            ],
        )
        if run is None:
            return
        url = reverse("dashboard:compare") + f"?run={run.pk}"
        self.message_user(
            request,
            format_html(
                "Run #{} (seed {}) queued with {} on {} store(s) from day {}. "
                '<a href="{}">Watch it on the dashboard</a> (needs a running worker: make run).',
                run.pk, seed, run.shocks.first().label, len(stores), data["start_day"], url,
            ),
            messages.SUCCESS,
        )  # fmt: skip

    @admin.action(description="Prepaid twin: a copy of each COD store with COD switched off")
    def prepaid_twins(self, request, queryset) -> None:
        twins = self._copies(request, [s for s in queryset if s.offers_cod], services.prepaid_twin)
        skipped = [s.slug for s in queryset if not s.offers_cod]
        message = f"Created {len(twins)} prepaid twin(s): " + ", ".join(t.slug for t in twins)
        if skipped:
            message += f". Skipped (no COD to switch off): {', '.join(skipped)}"
        self.message_user(request, message + ".")

    def _copies(self, request, stores, make_copy) -> list[Store]:
        """Each store's copy; a store whose copy would be invalid (a value saved before a rule
        existed) is named with the reason, and the others are still copied."""
        copies = []
        for store in stores:
            try:
                copies.append(make_copy(store))
            except ValidationError as exc:
                reasons = "; ".join(
                    message if field == NON_FIELD_ERRORS else f"{field}: {message}"
                    for field, messages_ in exc.message_dict.items()
                    for message in messages_
                )
                self.message_user(
                    request,
                    f"Could not copy {store.slug}: {reasons} Correct it on its page and try "
                    "again; nothing was created for it.",
                    messages.ERROR,
                )
        return copies

    @admin.action(description="Experiment: replicate a year over 20 seeds on the workers")
    def replicate_over_seeds(self, request, queryset) -> None:
        form = ReplicateForm({"stores": ",".join(queryset.values_list("slug", flat=True)),
                              "seeds": 20, "days": 365, "seed": 1})  # fmt: skip
        if not form.is_valid():
            self.message_user(request, form.error_text(), messages.ERROR)
            return
        try:
            check_broker()  # before the experiment exists: nothing is left "running" unqueued
        except services.BrokerUnavailable as exc:
            self.message_user(request, exc.explain(), messages.ERROR)
            return
        experiment = form.create()
        services.experiments.dispatch_experiment(experiment)
        url = reverse("experiments:detail", args=[experiment.pk])
        self.message_user(
            request,
            format_html(
                "Experiment #{}: {} chunks queued for {} store(s). "
                '<a href="{}">Follow it and read the bands</a> (needs a running worker).',
                experiment.pk, experiment.chunks_total, queryset.count(), url,
            ),
            messages.SUCCESS,
        )  # fmt: skip

    @admin.action(description="Experiment: sweep a parameter of the selected store…")
    def sweep_a_parameter(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one store to sweep.", messages.WARNING)
            return None
        return HttpResponseRedirect(
            reverse("experiments:index") + f"?store={queryset.get().slug}#sweep-form"
        )

    @admin.action(description="Clone selected stores (settings, channels, catalogue)")
    def clone_stores(self, request, queryset) -> None:
        clones = self._copies(request, queryset, services.clone_store)
        if clones:
            self.message_user(
                request, f"Cloned {len(clones)} store(s): " + ", ".join(c.slug for c in clones)
            )

    @admin.action(description="Generate a catalogue for stores without products")
    def generate_catalogues(self, request, queryset) -> None:
        total = sum(services.generate_catalogue(store) for store in queryset)
        self.message_user(request, f"Generated {total} products.")

    @admin.action(description="Reset generated data (orders, funnel, customers)")
    def reset_generated_data(self, request, queryset):
        if request.POST.get("confirm") == "yes":
            results = [services.reset_store_data(store) for store in queryset]
            self.message_user(
                request,
                f"Reset {len(results)} store(s): deleted {sum(r.orders for r in results)} orders "
                f"and {sum(r.funnel_rows for r in results)} funnel rows.",
                messages.SUCCESS,
            )
            return None
        stores = queryset.annotate(order_total=Count("orders"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Reset generated data?",
            "stores": stores,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/stores/store/reset_confirmation.html", context)

    @admin.action(description="Go live (beat generates traffic every few seconds)")
    def go_live(self, request, queryset) -> None:
        updated = services.set_live(queryset, True)
        self.message_user(request, f"{updated} store(s) are live.")

    @admin.action(description="Stop live traffic")
    def stop_live(self, request, queryset) -> None:
        updated = services.set_live(queryset, False)
        self.message_user(request, f"{updated} store(s) stopped.")


class PresetForm(forms.Form):
    preset = forms.ChoiceField(
        choices=[(p.key, p.label) for p in PRESETS.values()], widget=forms.RadioSelect
    )
    name = TextField(max_length=120)
    slug = forms.SlugField(
        max_length=60, required=False, help_text="Leave empty to derive it from the name."
    )
    with_catalogue = forms.BooleanField(
        required=False, initial=True, label="Generate a catalogue fitting the model"
    )

    def clean_slug(self) -> str:
        from django.utils.text import slugify

        slug = self.cleaned_data["slug"] or slugify(self.cleaned_data.get("name", ""))[:60]
        if slug and Store.objects.filter(slug=slug).exists():
            raise ValidationError(f"A store with the slug {slug!r} already exists.")
        return slug


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    form = ProductForm
    formfield_overrides = ADMIN_FORMFIELD_OVERRIDES
    list_display = ("title", "store", "category", "price", "unit_cost", "unit_margin", "stock",
                    "popularity", "is_active")  # fmt: skip
    list_filter = ("store__business_model", "store", "is_customizable", "is_active")
    list_select_related = ("store",)
    search_fields = ("title", "category", "supplier")
    list_per_page = 50
    prepopulated_fields = {"slug": ("title",)}

    @admin.display(description="Margin")
    def unit_margin(self, obj: Product):
        return obj.margin
