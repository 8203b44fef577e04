"""What the admin shows read-only: orders, customers, runs, shocks, scenarios, training
sessions, experiments and the daily funnel, with the few actions a trainer takes on them
(resume or cancel a run, start or remove a scenario, remove a session)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from .. import services
from ..forms_scenarios import StartScenarioForm
from ..models import (
    AppliedShock,
    Customer,
    DailyFunnel,
    Experiment,
    Order,
    OrderLine,
    RunChunk,
    RunStatus,
    ScenarioRun,
    SimulationRun,
    TrainingSession,
)
from ..scenarios import SCENARIOS
from ..services.broker import check_broker
from ..services.scenarios import remove_scenario, start_scenario
from .common import WITHOUT_A_WORKER


class ReadOnlyAdmin(admin.ModelAdmin):
    """Generated records: readable and deletable, never edited into inconsistency."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    fields = ("title", "quantity", "unit_price", "unit_cost", "customization")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = ("number", "store", "source", "channel", "payment_method", "status",
                    "placed_at", "gross_sales", "net", "margin")  # fmt: skip
    list_filter = (
        "source",
        "status",
        "payment_method",
        "channel",
        "store__business_model",
        "store",
    )
    list_select_related = ("store",)
    search_fields = ("number", "email")
    date_hierarchy = "placed_at"
    inlines = [OrderLineInline]
    list_per_page = 50

    @admin.display(description="Net sales")
    def net(self, obj: Order):
        return obj.net_sales

    @admin.display(description="Contribution (before ads)")
    def margin(self, obj: Order):
        return obj.order_contribution


@admin.register(Customer)
class CustomerAdmin(ReadOnlyAdmin):
    list_display = ("email", "name", "store", "source", "created_at")
    list_filter = ("source", "store")
    list_select_related = ("store",)
    search_fields = ("email", "name")


class RunChunkInline(admin.TabularInline):
    model = RunChunk
    extra = 0
    fields = ("store", "first_day", "day_count", "status", "attempts", "orders_written",
              "claimed_by", "heartbeat_at")  # fmt: skip
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SimulationRun)
class SimulationRunAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "status", "progress_bar", "start_date", "days", "created_at")
    list_filter = ("status",)
    inlines = [RunChunkInline]
    actions = ["resume_runs", "cancel_runs"]

    @admin.action(description="Resume: re-queue the chunks not done (after a worker died)")
    def resume_runs(self, request, queryset) -> None:
        try:
            queued = sum(services.resume_run(run.pk) for run in queryset)
        except services.BrokerUnavailable as exc:
            self.message_user(request, exc.explain(WITHOUT_A_WORKER), messages.ERROR)
            return
        self.message_user(request, f"Queued {queued} chunk(s) again; done chunks are skipped.")

    @admin.action(description="Cancel: workers skip the chunks not yet written")
    def cancel_runs(self, request, queryset) -> None:
        cancelled = sum(services.cancel_run(run.pk) for run in queryset)
        self.message_user(request, f"Cancelled {cancelled} run(s).")

    @admin.display(description="Progress")
    def progress_bar(self, obj: SimulationRun) -> str:
        pct = round(obj.progress * 100)
        return format_html(
            '<progress value="{}" max="100" aria-label="{}%">{}%</progress> {}/{}',
            pct, pct, pct, obj.chunks_done, obj.chunks_total,
        )  # fmt: skip


@admin.register(AppliedShock)
class AppliedShockAdmin(ReadOnlyAdmin):
    """Shocks as applied: a run's stay with it (they explain its rows); live ones can go."""

    list_display = ("label", "store", "run", "start_date", "end_date", "changes_text")
    list_filter = ("name", ("run", admin.EmptyFieldListFilter), "store")
    list_select_related = ("store", "run")
    actions = ["remove_live_shocks"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # the action below removes live shocks only

    @admin.display(description="Last day")
    def end_date(self, obj: AppliedShock):
        return obj.end_date or "open-ended"

    @admin.display(description="What changed")
    def changes_text(self, obj: AppliedShock) -> str:
        return obj.changes_text()

    @admin.action(description="Remove live shocks (a run's shocks stay with the run)")
    def remove_live_shocks(self, request, queryset) -> None:
        removed, _ = queryset.filter(run__isnull=True).delete()
        self.message_user(request, f"Removed {removed} live shock(s).")


@admin.register(ScenarioRun)
class ScenarioRunAdmin(ReadOnlyAdmin):
    """Scenarios started for a class: start one, open its debrief, remove one with its stores."""

    change_list_template = "admin/stores/scenariorun/change_list.html"
    list_display = ("prefix", "title", "seed", "run_progress", "store_names", "debrief_link",
                    "created_at")  # fmt: skip
    list_filter = ("scenario",)
    list_select_related = ("run",)
    actions = ["remove_scenarios"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # deleting the row alone would orphan its stores: use the action

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("stores")

    def get_urls(self):
        custom = [
            path(
                "start/",
                self.admin_site.admin_view(self.start_view),
                name="stores_scenariorun_start",
            )
        ]
        return custom + super().get_urls()

    @admin.display(description="Scenario", ordering="scenario")
    def title(self, obj: ScenarioRun) -> str:
        recipe = SCENARIOS.get(obj.scenario)
        return recipe.title if recipe else obj.scenario

    @admin.display(description="Run")
    def run_progress(self, obj: ScenarioRun) -> str:
        if obj.run is None:
            return "–"
        pct = round(obj.run.progress * 100)
        return format_html(
            '#{} {} <progress value="{}" max="100" aria-label="{}%">{}%</progress>',
            obj.run.pk, obj.run.get_status_display(), pct, pct, pct,
        )  # fmt: skip

    @admin.display(description="Stores")
    def store_names(self, obj: ScenarioRun) -> str:
        return ", ".join(s.slug for s in obj.stores.all())

    @admin.display(description="Debrief")
    def debrief_link(self, obj: ScenarioRun) -> str:
        url = reverse("scenarios:debrief", args=[obj.pk])
        return format_html('<a href="{}">Open the debrief</a>', url)

    def start_view(self, request: HttpRequest):
        if not self.has_view_permission(request) or not request.user.is_staff:
            raise PermissionDenied
        form = StartScenarioForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                # Asked first, so that with Redis down no store of the scenario is created.
                check_broker()
            except services.BrokerUnavailable as exc:
                data = form.cleaned_data
                form.add_error(
                    None,
                    exc.explain(
                        "or start it without a worker: `python manage.py scenario start "
                        f"{data['scenario']} --seed {data['seed']} --in-process`"
                    ),
                )
            else:
                return self._start_scenario(request, form.cleaned_data)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Start a scenario",
            "form": form,
            "scenarios": SCENARIOS.values(),
        }
        return TemplateResponse(request, "admin/stores/scenariorun/start.html", context)

    def _start_scenario(self, request: HttpRequest, data: dict) -> HttpResponseRedirect:
        started = start_scenario(data["scenario"], seed=data["seed"], prefix=data["prefix"])
        try:
            services.dispatch_run(started.run)
        except services.BrokerUnavailable as exc:
            # Redis went away since the check: the stores exist and the run is marked failed.
            self.message_user(
                request,
                f"Created {started.prefix}'s stores, but run #{started.run.pk} could not be "
                f"queued: {exc.explain()} Then resume the run from Simulation runs.",
                messages.ERROR,
            )
        else:
            self.message_user(
                request,
                f"Started {started.prefix}: {started.stores.count()} stores, run "
                f"#{started.run.pk} on the workers.",
                messages.SUCCESS,
            )
        return HttpResponseRedirect(reverse("scenarios:debrief", args=[started.pk]))

    @admin.action(description="Remove: delete these scenarios' stores, runs and orders")
    def remove_scenarios(self, request, queryset):
        if request.POST.get("confirm") == "yes":
            removed = [remove_scenario(started) for started in queryset]
            self.message_user(
                request,
                f"Removed {len(removed)} scenario(s): {sum(r.stores for r in removed)} stores, "
                f"{sum(r.runs for r in removed)} runs, {sum(r.orders for r in removed)} orders.",
                messages.SUCCESS,
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Remove these scenarios?",
            "scenarios": queryset.prefetch_related("stores"),
            "running": queryset.filter(run__status=RunStatus.RUNNING).exists(),
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(
            request, "admin/stores/scenariorun/remove_confirmation.html", context
        )


@admin.register(TrainingSession)
class TrainingSessionAdmin(ReadOnlyAdmin):
    """Training sessions are run from /classroom/; here they are listed and removed (with
    their stores and orders: services.classroom.remove_session)."""

    list_display = ("name", "scenario", "status", "team_count", "created_at", "page")
    list_filter = ("status",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(teams_n=Count("teams"))

    @admin.display(description="teams", ordering="teams_n")
    def team_count(self, obj) -> int:
        return obj.teams_n

    @admin.display(description="classroom page")
    def page(self, obj) -> str:
        return format_html('<a href="{}">open</a>', reverse("classroom:session", args=[obj.pk]))

    def delete_model(self, request, obj) -> None:
        services.classroom.remove_session(obj)

    def delete_queryset(self, request, queryset) -> None:
        for session in queryset:
            services.classroom.remove_session(session)


@admin.register(Experiment)
class ExperimentAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "status", "progress_bar", "replications", "days", "created_at",
                    "page_link")  # fmt: skip
    list_filter = ("kind", "status")
    readonly_fields = ("page_link",)
    actions = ["resume_experiments", "cancel_experiments"]

    @admin.action(description="Resume: re-queue the chunks not done (after a worker died)")
    def resume_experiments(self, request, queryset) -> None:
        try:
            check_broker()  # resuming marks them running: only with a queue to put them on
        except services.BrokerUnavailable as exc:
            self.message_user(request, exc.explain(), messages.ERROR)
            return
        queued = sum(services.experiments.resume_experiment(e.pk) for e in queryset)
        self.message_user(request, f"Queued {queued} chunk(s) again; done chunks are skipped.")

    @admin.action(description="Cancel: workers skip the chunks not yet done")
    def cancel_experiments(self, request, queryset) -> None:
        cancelled = sum(services.experiments.cancel_experiment(e.pk) for e in queryset)
        self.message_user(request, f"Cancelled {cancelled} experiment(s).")

    @admin.display(description="Progress")
    def progress_bar(self, obj: Experiment) -> str:
        return SimulationRunAdmin.progress_bar(self, obj)

    @admin.display(description="Results")
    def page_link(self, obj: Experiment) -> str:
        url = reverse("experiments:detail", args=[obj.pk])
        return format_html('<a href="{}">Open on the dashboard</a>', url)


@admin.register(DailyFunnel)
class DailyFunnelAdmin(ReadOnlyAdmin):
    list_display = ("store", "date", "channel", "source", "sessions", "product_views",
                    "adds_to_cart", "reached_checkout", "converted", "ad_spend", "orders")  # fmt: skip
    list_filter = ("source", "channel", "store")
    list_select_related = ("store",)
    date_hierarchy = "date"
