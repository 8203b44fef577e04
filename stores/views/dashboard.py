"""The comparison dashboard (staff only): thin adapters from the filter form to stores.metrics.

Every page reads the DailyFunnel rollup through metrics.compare_stores, so its query count does
not grow with the number of orders; only the drill-down lists order rows, one page at a time.
htmx requests get the swapped fragment ("dashboard/compare.html#results") instead of the page.
"""

from __future__ import annotations

import csv
from datetime import date, timedelta
from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from stores import metrics
from stores.access import dashboard_required
from stores.forms_dashboard import DashboardFilterForm
from stores.models import RunStatus, SimulationRun, Store
from stores.templatetags import dashboard_tags as fmt

from . import dashboard_charts as charts

REFRESH_SECONDS = 5
ORDERS_PER_PAGE = 50


def _bad_request(request: HttpRequest, form: DashboardFilterForm) -> HttpResponse:
    context = {"errors": form.error_text().splitlines(), "query": request.GET.urlencode()}
    return render(request, "dashboard/bad_request.html", context, status=400)


def _form(request: HttpRequest, *, strict: bool) -> DashboardFilterForm:
    return DashboardFilterForm(request.GET, strict_baseline=strict)


@require_GET
@dashboard_required
@vary_on_headers("HX-Request")
def compare(request: HttpRequest) -> HttpResponse:
    form = _form(request, strict=False)
    if not form.is_valid():
        return _bad_request(request, form)
    stores = form.cleaned_data["store_list"]
    comparison = metrics.compare_stores(stores, **form.selection())
    _format_cells(comparison)
    context = {
        "form": form,
        "comparison": comparison,
        "query": request.GET.urlencode(),
        "present": form.cleaned_data.get("present"),
        "checked_slugs": {s.slug for s in stores},
        "currencies": sorted({s.currency for s in stores}),
        **_live_state(form, stores),
        **_charts(comparison),
    }
    template = "dashboard/compare.html#results" if request.htmx else "dashboard/compare.html"
    return render(request, template, context)


def _format_cells(comparison: metrics.Comparison) -> None:
    """Format every cell once, to HTML: a 20-store table has 420 cells, and template lookups and
    filters cost several times more per value than building the few spans here."""
    beat_star = format_html(' <b title="{}">★</b>', "Significant after Benjamini–Hochberg (FDR 5%)")
    provisional = mark_safe(
        '<span class="tag provisional" title="No mature cohort yet: every cohort counted">'
        "provisional</span>"
    )
    for mrow in comparison.table:
        kind = mrow.metric.kind
        stats_kind = kind in ("rate", "money_ratio")
        for cell in mrow.cells:
            parts = [
                format_html('<span class="value">{}</span>', fmt.metric_value(cell.value, kind))
            ]
            if cell.provisional:
                parts.append(provisional)
            if cell.interval and cell.enough_data:
                text = fmt.interval_text(cell.interval, kind)
                parts.append(format_html('<span class="ci">{}</span>', text))
            if cell.value is not None and not cell.is_baseline:
                if stats_kind and not cell.enough_data:
                    parts.append(mark_safe('<span class="nodata">not enough data yet</span>'))
                elif cell.relative is not None:
                    ri = cell.relative_interval
                    detail = (
                        format_html(
                            " <small>({} to {})</small>",
                            fmt.signed_pct(ri.low),
                            fmt.signed_pct(ri.high),
                        )
                        if ri
                        else ""
                    )
                    parts.append(
                        format_html(
                            '<span class="rel">{}{}</span>', fmt.signed_pct(cell.relative), detail
                        )
                    )
                    if cell.chance_to_beat is not None:
                        parts.append(
                            format_html(
                                '<span class="beat">P(beat) {}{}</span>',
                                fmt.chance(cell.chance_to_beat),
                                beat_star if cell.significant else "",
                            )
                        )
            cell.html = mark_safe("".join(parts))  # noqa: S308 - each part is escaped above
            css = ["is-base"] if cell.is_baseline else []
            if cell.significant:
                css += ["sig", cell.verdict]
            cell.css = " ".join(c for c in css if c)


def _live_state(form: DashboardFilterForm, stores: list[Store]) -> dict[str, Any]:
    """Refresh the results every few seconds while a run is under way or a store is live."""
    run = form.cleaned_data.get("run")
    active_run = run if isinstance(run, SimulationRun) else None
    running = active_run is not None and active_run.status in (
        RunStatus.PENDING,
        RunStatus.RUNNING,
    )
    live = [s for s in stores if s.is_live]
    return {
        "run": active_run,
        "run_running": running,
        "live_stores": live,
        "refresh_seconds": REFRESH_SECONDS if running or live else None,
    }


def _charts(comparison: metrics.Comparison) -> dict[str, Any]:
    dates = comparison.dates
    # compare_stores already sums by week past SERIES_DAYS_MAX days; a longer daily series (asked
    # for explicitly) is bucketed here the same way.
    weekly = comparison.granularity == "week" or len(dates) > metrics.SERIES_DAYS_MAX

    def bucket(d: date) -> date:
        return d - timedelta(days=d.weekday()) if weekly else d

    xs = sorted({bucket(d) for d in dates})
    index = {x: i for i, x in enumerate(xs)}
    slots = {row.slug: [[0, 0, 0.0, 0.0, False] for _ in xs] for row in comparison.rows}
    for slug, s in comparison.series.items():
        store_slots = slots[slug]
        for day, sessions, converted, net, contribution in zip(
            s.days, s.sessions, s.converted, s.net_sales, s.contribution, strict=True
        ):
            slot = store_slots[index[bucket(day)]]
            slot[0] += sessions
            slot[1] += converted
            slot[2] += net
            slot[3] += contribution
            slot[4] = True

    colours = {row.slug: charts.store_colour(i) for i, row in enumerate(comparison.rows)}
    dashes = {row.slug: charts.store_dash(i) for i, row in enumerate(comparison.rows)}

    def series(pick) -> list:
        return [
            (row.name, colours[row.slug], dashes[row.slug],
             [pick(s) if s[4] else None for s in slots[row.slug]])
            for row in comparison.rows
        ]  # fmt: skip

    def conversion() -> list:
        out = []
        for row in comparison.rows:
            converted = [s[1] for s in slots[row.slug]]
            sessions = [s[0] for s in slots[row.slug]]
            values = (
                [c / n if n else None for c, n in zip(converted, sessions, strict=True)]
                if weekly
                else charts.rolling_ratio(converted, sessions)
            )
            out.append((row.name, colours[row.slug], dashes[row.slug], values))
        return out

    def money(v: float) -> str:
        return f"{v:,.0f}"

    per = "week" if weekly else "day"
    line_charts = [
        charts.line_chart(f"Sessions per {per}", xs, series(lambda s: s[0]), money),
        charts.line_chart(
            "Conversion rate",
            xs,
            conversion(),
            lambda v: f"{v * 100:.1f}%",
            note=("weekly" if weekly else "7-day trailing") + ": converted sessions / sessions",
        ),
        charts.line_chart(f"Net sales per {per}", xs, series(lambda s: s[2]), money),
        charts.line_chart(
            f"Contribution per {per}",
            xs,
            series(lambda s: s[3]),
            money,
            note="after ad spend and other costs",
        ),
    ]
    return {
        "colours": colours,
        "line_charts": line_charts,
        "legend": [(row.name, colours[row.slug], dashes[row.slug]) for row in comparison.rows],
        "waterfalls": [
            (row, colours[row.slug], charts.waterfall(row.waterfall()).svg(row.name))
            for row in comparison.rows
        ],
        "funnels": [(row, colours[row.slug], _funnel_steps(row)) for row in comparison.rows],
    }


def _funnel_steps(row: metrics.StoreFigures) -> list[tuple[str, str, str, str]]:
    """(label, count, bar width, share of sessions) for each funnel step."""
    return [
        (
            label,
            fmt.count(n),
            fmt.bar_width(n, row.sessions),
            fmt.share(n, row.sessions) if i else "",
        )
        for i, (label, n) in enumerate(row.funnel)
    ]


@require_GET
@dashboard_required
def export(request: HttpRequest, what: str, fmt: str) -> HttpResponse:
    """The comparison table or the daily series, as CSV or JSON, under the page's filters."""
    if what not in ("table", "daily") or fmt not in ("csv", "json"):
        raise Http404("Exports: table.csv, table.json, daily.csv, daily.json")
    form = _form(request, strict=True)
    if not form.is_valid():
        return HttpResponse(form.error_text() + "\n", status=400, content_type="text/plain")
    series = "day" if what == "daily" else "auto"
    comparison = metrics.compare_stores(
        form.cleaned_data["store_list"], **form.selection(), series=series
    )
    if what == "table":
        key, records = "stores", metrics.comparison_records(comparison)
    else:
        key, records = "days", metrics.daily_records(comparison)
    filename = f"store-comparison-{what}.{fmt}"
    if fmt == "json":
        selection = {k: metrics.plain(v) for k, v in comparison.selection.items()}
        payload = {"selection": selection, "as_of": comparison.as_of.isoformat(), key: records}
        response = JsonResponse(payload, json_dumps_params={"indent": 1})
    else:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        # A byte-order mark so spreadsheet programs open the file as UTF-8.
        response.write("\ufeff")
        fields = list(records[0]) if records else list(metrics.DAILY_KEYS)
        writer = csv.DictWriter(response, fieldnames=fields)
        writer.writeheader()
        writer.writerows(records)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
@dashboard_required
@vary_on_headers("HX-Request")
def store_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """One store: its figures by channel, its daily series, its waterfall and its orders."""
    store = get_object_or_404(Store, slug=slug)
    form = _form(request, strict=False)
    if not form.is_valid():
        return _bad_request(request, form)
    selection = form.selection()
    selection.pop("baseline")
    selection.pop("market")
    orders = Paginator(metrics.store_orders(store, **selection), ORDERS_PER_PAGE)
    page = orders.get_page(request.GET.get("page"))
    if request.htmx and request.htmx.target == "orders":
        return render(request, "dashboard/store.html#orders", {"store": store, "page": page,
                                                                 "query": request.GET.urlencode()})  # fmt: skip
    comparison = metrics.compare_stores([store], **selection)
    context = {
        "store": store,
        "form": form,
        "row": comparison.rows[0],
        "comparison": comparison,
        "channels": metrics.channel_breakdown(store, **selection),
        "page": page,
        "query": request.GET.urlencode(),
        "present": form.cleaned_data.get("present"),
        **_charts(comparison),
    }
    return render(request, "dashboard/store.html", context)


@require_GET
@dashboard_required
def glossary(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "dashboard/glossary.html",
        {"metrics": metrics.METRICS, "waterfall": metrics.WATERFALL_STEPS},
    )
