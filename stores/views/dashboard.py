"""The comparison dashboard (staff only): thin adapters from the filter form to stores.metrics.

Every page reads the DailyFunnel rollup through metrics.compare_stores, so its query count does
not grow with the number of orders; only the drill-down lists order rows, one page at a time.
htmx requests get the swapped fragment ("dashboard/compare.html#results") instead of the page.
"""

from __future__ import annotations

import csv
import html
from datetime import date, timedelta
from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from stores import formatting as fmt
from stores import metrics, services
from stores.access import dashboard_required
from stores.forms_dashboard import DashboardFilterForm
from stores.metrics import cohorts as cohort_data
from stores.models import DashboardPreference, RunStatus, SimulationRun, Store
from stores.shock_marks import ShockMark, shock_marks

from . import dashboard_charts as charts

REFRESH_SECONDS = 5
ORDERS_PER_PAGE = 50


def _bad_request(request: HttpRequest, form: DashboardFilterForm) -> HttpResponse:
    context = {"errors": form.error_lines_for_people(), "query": request.GET.urlencode()}
    return render(request, "dashboard/bad_request.html", context, status=400)


def _form(request: HttpRequest, *, strict: bool) -> DashboardFilterForm:
    # The page uses the trainer's remembered choices; exports and commands only what they name.
    preference = None
    if not strict and request.user.is_authenticated:
        preference = DashboardPreference.objects.filter(user=request.user).first()
        preference = preference or DashboardPreference(user=request.user)
    return DashboardFilterForm(request.GET, strict_baseline=strict, preference=preference)


@require_GET
@dashboard_required
@vary_on_headers("HX-Request")
def compare(request: HttpRequest) -> HttpResponse:
    form = _form(request, strict=False)
    if not form.is_valid():
        return _bad_request(request, form)
    form.remember()
    services.ensure_run_summary(form.cleaned_data.get("run"))
    stores = form.cleaned_data["store_list"]
    comparison = metrics.compare_stores(stores, **form.selection())
    present = bool(form.cleaned_data.get("present"))
    shown = form.shown_metrics()
    styles = store_styles(form.all_stores)
    _format_cells(comparison, only=set(shown) if present else None, compact=present)
    chart_slugs = form.chart_slugs()
    same_scale = request.GET.get("scale") != "own"
    marks = _marks(form, [s for s in stores if s.slug in set(chart_slugs)])
    context = {
        "form": form,
        "comparison": comparison,
        "query": request.GET.urlencode(),
        "present": present,
        "checked_slugs": {s.slug for s in stores},
        "session_stores_picked": any(s.in_session for s in stores),
        "currencies": sorted({s.currency for s in stores}),
        "shown": shown,
        "present_table": _present_table(comparison, shown) if present else None,
        "keys": {slug: charts.swatch_svg(style) for slug, style in styles.items()},
        "chart_slugs": set(chart_slugs),
        "same_scale": same_scale,
        **_live_state(form, stores),
        "marks": marks,
        **_charts(comparison, styles, chart_slugs, same_scale=same_scale, marks=marks),
    }
    template = "dashboard/compare.html#results" if request.htmx else "dashboard/compare.html"
    return render(request, template, context)


def store_styles(stores: list[Store]) -> dict[str, charts.Style]:
    """Each store's colour, marker and dash, from its number: a store keeps its look whatever
    the selection, on the comparison and on its drill-down alike (consecutive numbers, as
    stores created together have, never share one)."""
    return {s.slug: charts.store_style(s.id) for s in stores}


def _present_table(comparison: metrics.Comparison, shown: list[str]) -> dict[str, Any]:
    """Presentation mode's table: stores down, the few chosen metrics across."""
    rows_by_key = {r.metric.key: r for r in comparison.table}
    columns = [rows_by_key[k] for k in shown if k in rows_by_key]
    return {
        "metrics": [c.metric for c in columns],
        "rows": [
            (row, [column.cells[i] for column in columns]) for i, row in enumerate(comparison.rows)
        ],
    }


def _format_cells(
    comparison: metrics.Comparison, only: set[str] | None = None, *, compact: bool = False
) -> None:
    """Format every cell once (or those of the metrics `only` names), to HTML: a 20-store table
    has 420 cells, and template lookups and filters cost several times more per value than
    building the few spans here (with the standard library's escape: Django's format_html costs
    a lazy-text check per argument, a third of this function's time). `compact` (presentation
    mode) keeps a value, its interval and the difference with its verdict; the rest goes into
    the cell's tooltip."""
    for mrow in comparison.table:
        metric = mrow.metric
        if only is not None and metric.key not in only:
            continue
        kind = metric.kind
        provisional = '<span class="tag provisional" title="{}">provisional</span>'.format(
            "No mature cohort yet: every cohort counted"
            if metric.lagged
            else "Cohorts still settling: returns, refusals, chargebacks or payouts to come"
        )
        for cell in mrow.cells:
            # A figure that does not exist for a reason says the reason ("not burning").
            value = (
                fmt.metric_value(cell.value, kind, whole_money=compact)
                if cell.value is not None
                else cell.note
            )
            parts = [f'<span class="value">{_esc(value or fmt.metric_value(None, kind))}</span>']
            if cell.note and cell.value is not None:
                parts.append(f'<span class="note">{_esc(cell.note)}</span>')
            if cell.provisional:
                parts.append(provisional)
            if cell.interval and cell.enough_data:
                text = _esc(fmt.interval_text(cell.interval, kind, whole_money=compact))
                parts.append(f'<span class="ci">95% CI {text}</span>')
            elif kind in ("rate", "money_ratio") and cell.value is not None:
                parts.append('<span class="nodata">not enough data yet</span>')
            if cell.value is not None and not cell.is_baseline:
                parts.extend(_difference_parts(cell, compact=compact))
            cell.html = mark_safe("".join(parts))  # noqa: S308 - each value is escaped above
            css = ["is-base"] if cell.is_baseline else []
            if cell.significant:
                css += ["sig", cell.verdict]
            cell.css = " ".join(c for c in css if c)
            cell.tooltip = _tooltip(cell) if compact else ""
            title = f' title="{_esc(cell.tooltip)}"' if cell.tooltip else ""
            cell.td = mark_safe(f'<td class="{cell.css}"{title}>{cell.html}</td>')  # noqa: S308
        # The row's cells as one piece of HTML: 420 cells through the template's loop cost more
        # than the rest of the table.
        mrow.tds = mark_safe("".join(c.td for c in mrow.cells))  # noqa: S308


BEAT_STAR = ' <b title="Significant after Benjamini–Hochberg (FDR 5%)">★</b>'


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _tooltip(cell: metrics.Cell) -> str:
    """What presentation mode leaves out of a cell: the difference's interval, the chance."""
    bits = []
    if cell.difference_interval:
        di = cell.difference_interval
        unit = cell.unit
        bits.append(
            f"difference 95% CI {fmt.difference(di.low, unit)} to {fmt.difference(di.high, unit)}"
        )
    if cell.chance_to_beat is not None:
        bits.append(f"chance to beat the baseline {fmt.chance(cell.chance_to_beat)}")
    return "; ".join(bits)


def _difference_parts(cell: metrics.Cell, *, compact: bool = False) -> list[str]:
    """The comparison with the baseline, in the metric's unit: percentage points for rates and
    margins, amounts for money, percent only for counts and per-session values (HTML, escaped)."""
    if not cell.comparable:
        return ['<span class="nodata">no comparison yet: too little data</span>']
    if cell.difference is None:
        return []
    if cell.unit == "percent":
        if cell.relative is None:
            return []
        main = fmt.signed_pct(cell.relative)
    else:
        main = fmt.difference(cell.difference, cell.unit)
    main = _esc(main)
    star = BEAT_STAR if cell.significant else ""
    if compact:
        return [f'<span class="rel">vs base {main}{star}</span>']
    detail = ""
    if cell.difference_interval:
        di = cell.difference_interval
        low, high = fmt.difference(di.low, cell.unit), fmt.difference(di.high, cell.unit)
        detail = f" <small>({_esc(low)} to {_esc(high)})</small>"
    parts = [f'<span class="rel">vs baseline {main}{detail}</span>']
    if cell.unit != "percent" and cell.relative is not None:
        parts.append(f'<span class="rel-pct">({_esc(fmt.signed_pct(cell.relative))})</span>')
    if cell.chance_to_beat is not None:
        parts.append(
            f'<span class="beat">P(beat) {_esc(fmt.chance(cell.chance_to_beat))}{star}</span>'
        )
    return parts


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


def _marks(form: DashboardFilterForm, stores: list[Store]) -> list[ShockMark]:
    """The shocks applied to these stores within the page's run and dates."""
    data = form.cleaned_data
    return shock_marks(stores, data.get("run"), data.get("date_from"), data.get("date_to"))


def _chart_marks(
    marks: list[ShockMark], names: dict[str, str], first: date
) -> list[tuple[date, date | None, str]]:
    """(start, end, label) per chart line: shocks starting the same day share one line and one
    label ("Store A, Store B: Courier strike"); a shock begun before the window starts at its
    left edge."""
    grouped: dict[tuple[date, date | None, str], list[str]] = {}
    for m in marks:
        key = (max(m.start, first), m.end, m.label)
        grouped.setdefault(key, []).append(names.get(m.store_slug, m.store_slug))
    return [
        (start, end, f"{', '.join(dict.fromkeys(who))}: {label}")
        for (start, end, label), who in grouped.items()
    ]


def _charts(
    comparison: metrics.Comparison,
    styles: dict[str, charts.Style],
    chart_slugs: list[str],
    *,
    same_scale: bool = True,
    marks: list[ShockMark] = (),
) -> dict[str, Any]:
    dates = comparison.dates
    # compare_stores already sums by week past SERIES_DAYS_MAX days; a longer daily series (asked
    # for explicitly) is bucketed here the same way.
    weekly = comparison.granularity == "week" or len(dates) > metrics.SERIES_DAYS_MAX

    def bucket(d: date) -> date:
        return d - timedelta(days=d.weekday()) if weekly else d

    drawn = [row for row in comparison.rows if row.slug in set(chart_slugs)]
    xs = sorted({bucket(d) for d in dates})
    index = {x: i for i, x in enumerate(xs)}
    slots = {row.slug: [[0, 0, 0.0, 0.0, False] for _ in xs] for row in drawn}
    for row in drawn:
        s = comparison.series.get(row.slug)
        if s is None:
            continue
        store_slots = slots[row.slug]
        for day, sessions, converted, net, contribution in zip(
            s.days, s.sessions, s.converted, s.net_sales, s.contribution, strict=True
        ):
            slot = store_slots[index[bucket(day)]]
            slot[0] += sessions
            slot[1] += converted
            slot[2] += net
            slot[3] += contribution
            slot[4] = True

    def series(pick) -> list:
        """Per store, the period's values; by day a 7-day trailing mean (days are too noisy to
        read on a slide)."""
        out = []
        for row in drawn:
            values = [pick(s) if s[4] else None for s in slots[row.slug]]
            out.append(
                (row.name, styles[row.slug], values if weekly else charts.rolling_mean(values))
            )
        return out

    def conversion() -> list:
        out = []
        for row in drawn:
            converted = [s[1] for s in slots[row.slug]]
            sessions = [s[0] for s in slots[row.slug]]
            values = (
                [c / n if n else None for c, n in zip(converted, sessions, strict=True)]
                if weekly
                else charts.rolling_ratio(converted, sessions)
            )
            out.append((row.name, styles[row.slug], values))
        return out

    def money(v: float) -> str:
        return f"{v:,.0f}"

    per = "week" if weekly else "day"
    smoothed = "" if weekly else "7-day average"
    # Money of recent cohorts can still fall as returns, refusals and chargebacks arrive.
    settling = comparison.unsettled_from
    if settling is not None and weekly:
        settling = bucket(settling)
    names = {row.slug: charts.short_name(row.name) for row in drawn}
    events = [
        (bucket(start), bucket(end) if end else None, label)
        for start, end, label in _chart_marks(list(marks), names, xs[0] if xs else date.min)
    ]
    line_charts = [
        charts.line_chart(
            f"Sessions per {per}", xs, series(lambda s: s[0]), money, note=smoothed, marks=events
        ),
        charts.line_chart(
            "Conversion rate",
            xs,
            conversion(),
            lambda v: f"{v * 100:.1f}%",
            note=("weekly" if weekly else "7-day trailing") + ": converted sessions / sessions",
            marks=events,
        ),
        charts.line_chart(
            f"Net sales per {per}",
            xs,
            series(lambda s: s[2]),
            money,
            note=smoothed,
            shade_from=settling,
            marks=events,
        ),
        charts.line_chart(
            f"Contribution per {per}",
            xs,
            series(lambda s: s[3]),
            money,
            note=", ".join(filter(None, [smoothed, "after ad spend and other costs"])),
            shade_from=settling,
            marks=events,
        ),
    ]
    steps = {row.slug: row.waterfall() for row in comparison.rows}
    scale = None
    if same_scale and steps:
        extents = [charts.waterfall_extent(s) for s in steps.values()]
        scale = (min(e[0] for e in extents), max(e[1] for e in extents))
    return {
        "line_charts": line_charts,
        "legend": [(row.name, charts.swatch_svg(styles[row.slug], row.name)) for row in drawn],
        "charted": len(drawn),
        "waterfalls": [
            (
                row,
                styles[row.slug].colour,
                charts.waterfall(steps[row.slug], scale=scale).svg(row.name),
            )
            for row in comparison.rows
        ],
        "funnels": [(row, styles[row.slug].colour, _funnel_steps(row)) for row in comparison.rows],
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
    services.ensure_run_summary(form.cleaned_data.get("run"))
    series = "day" if what == "daily" else "auto"
    comparison = metrics.compare_stores(
        form.cleaned_data["store_list"], **form.selection(), series=series
    )
    marks = _marks(form, form.cleaned_data["store_list"])
    if what == "table":
        key, records = "stores", metrics.comparison_records(comparison, marks)
    else:
        key, records = "days", metrics.daily_records(comparison, marks)
    filename = f"store-comparison-{what}.{fmt}"
    if fmt == "json":
        selection = {k: metrics.plain(v) for k, v in comparison.selection.items()}
        payload = {
            "selection": selection,
            "as_of": comparison.as_of.isoformat(),
            key: records,
            "shocks": [m.as_dict() for m in marks],
        }
        # Compact: json's C encoder does not indent, and the indented form took longer than the
        # figures themselves on a 20-store year (browsers pretty-print JSON anyway).
        response = JsonResponse(payload)
    else:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        # A byte-order mark so spreadsheet programs open the file as UTF-8.
        response.write("\ufeff")
        # No rows (no store in the market, no day in the dates): still the export's own header.
        empty_header = metrics.RECORD_KEYS if what == "table" else metrics.DAILY_KEYS
        fields = list(records[0]) if records else list(empty_header)
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
    styles = store_styles([store])
    context = {
        "store": store,
        "form": form,
        "row": comparison.rows[0],
        "comparison": comparison,
        "channels": metrics.channel_breakdown(store, **selection),
        "page": page,
        "query": request.GET.urlencode(),
        "present": form.cleaned_data.get("present"),
        "keys": {store.slug: charts.swatch_svg(styles[store.slug])},
        "marks": (marks := _marks(form, [store])),
        **_charts(comparison, styles, [store.slug], same_scale=False, marks=marks),
        "cash_chart": _cash_chart(comparison.rows[0], styles[store.slug]),
        "notices": _run_notices(form, store),
        "run": form.cleaned_data.get("run"),
    }
    return render(request, "dashboard/store.html", context)


def _run_notices(form: DashboardFilterForm, store: Store) -> list[str]:
    """What a store's pages say about the run they read: a run that did not simulate the store
    (the latest run is often another class's or scenario's) shows only zeros, so say why."""
    run = form.cleaned_data.get("run")
    if isinstance(run, SimulationRun) and not run.stores.filter(pk=store.pk).exists():
        return [
            f"Run #{run.pk} did not simulate {store.name}, so it has no figures here: "
            "choose a run that did, or all data."
        ]
    return []


def _cash_chart(row: metrics.StoreFigures, style: charts.Style) -> charts.LineChart:
    """The store's cash balance at the end of each day (stores/simulation/cash.py)."""
    timeline = row.cash
    days = timeline.days if timeline else []
    note = ""
    if days:
        note = (
            f"end of day, from {fmt.money(timeline.starting_capital)} of starting capital; "
            f"lowest {fmt.money(timeline.low)} on {timeline.low_date.isoformat()}"
        )
    return charts.line_chart(
        "Cash balance",
        [d.date for d in days],
        [(row.name, style, [float(d.balance) for d in days])],
        lambda v: f"{v:,.0f}",
        note=note,
    )


@require_GET
@dashboard_required
def cohorts(request: HttpRequest, slug: str, fmt: str = "") -> HttpResponse:
    """A store's retention by first-order month (stores.metrics.cohorts), as a page or exported
    as CSV or JSON, under the page's run and dates."""
    if fmt and fmt not in ("csv", "json"):
        raise Http404("Exports: cohorts.csv, cohorts.json")
    store = get_object_or_404(Store, slug=slug)
    form = _form(request, strict=bool(fmt))
    if not form.is_valid():
        if fmt:
            return HttpResponse(form.error_text() + "\n", status=400, content_type="text/plain")
        return _bad_request(request, form)
    data = form.cleaned_data
    rows = cohort_data.store_cohorts(
        store, run=data.get("run"), date_from=data.get("date_from"), date_to=data.get("date_to")
    )
    records = cohort_data.cohort_records(rows)
    if fmt == "json":
        run = data.get("run")
        response = JsonResponse({
            "store": store.slug,
            "run": run.pk if isinstance(run, SimulationRun) else run,
            "cohorts": records,
        })  # fmt: skip
    elif fmt == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response.write("\ufeff")
        writer = csv.DictWriter(response, fieldnames=list(cohort_data.COHORT_KEYS))
        writer.writeheader()
        writer.writerows(records)
    else:
        context = {"store": store, "form": form, "cohorts": rows, "query": request.GET.urlencode(),
                   "notices": _run_notices(form, store)}  # fmt: skip
        return render(request, "dashboard/cohorts.html", context)
    response["Content-Disposition"] = f'attachment; filename="{store.slug}-cohorts.{fmt}"'
    return response


@require_GET
@dashboard_required
def glossary(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "dashboard/glossary.html",
        {"metrics": metrics.METRICS, "waterfall": metrics.WATERFALL_STEPS},
    )
