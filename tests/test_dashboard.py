"""The comparison dashboard: staff only, filters, htmx fragments, exports, drill-down, 400s."""

import csv
import io
import json
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from stores import services
from stores.models import DashboardPreference, RunStatus, SimulationRun
from stores.services import rebuild_rollup
from tests.test_metrics import DAY1, _funnel, _order, shop  # noqa: F401  (fixture)

URL = reverse("dashboard:compare")


@pytest.fixture
def pair(shop, make_store):  # noqa: F811
    """The hand-computed store plus a COD store with plenty of sessions."""
    other = make_store("cod", with_catalogue=False, slug="souq", name="Souq")
    _funnel(other, DAY1, "direct", "synthetic", sessions=2000, converted=60, adds_to_cart=150)
    return shop, other


def test_anonymous_visitors_are_sent_to_the_login_page(client, pair):
    for url in (
        URL,
        reverse("dashboard:export", args=["table", "csv"]),
        reverse("dashboard:glossary"),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))


def test_logged_in_non_staff_users_are_refused(client, django_user_model, pair):
    user = django_user_model.objects.create_user("shopper", "s@example.com", "pw-test-2")
    client.force_login(user)

    assert client.get(URL).status_code == 403
    assert client.get(reverse("dashboard:export", args=["table", "json"])).status_code == 403


DASHBOARD_URLS = [
    URL,
    reverse("dashboard:export", args=["table", "csv"]),
    reverse("dashboard:export", args=["daily", "json"]),
    reverse("dashboard:glossary"),
]


def test_staff_without_the_dashboard_permission_get_a_403(client, django_user_model, pair):
    user = django_user_model.objects.create_user("clerk", "c@example.com", "pw", is_staff=True)
    client.force_login(user)
    for url in [*DASHBOARD_URLS, reverse("dashboard:store", args=["souq"])]:
        response = client.get(url)
        assert response.status_code == 403, url
    assert "Trainer group" in client.get(URL).content.decode()


def test_the_trainer_group_opens_the_dashboard_and_its_exports(client, django_user_model, pair):
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user("coach", "c@example.com", "pw", is_staff=True)
    user.groups.add(Group.objects.get(name="Trainer"))  # made by migration 0006
    client.force_login(user)
    for url in [*DASHBOARD_URLS, reverse("dashboard:store", args=["souq"])]:
        assert client.get(url).status_code == 200, url


def test_staff_see_every_store_side_by_side_with_intervals(staff_client, pair):
    response = staff_client.get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Hand" in html and "Souq" in html
    assert 'id="filters"' in html and 'id="kpi-table"' in html
    assert "baseline" in html
    assert "0.9% – 3.6%" in html  # Wilson interval of Hand's 7 / 400 conversions
    assert "not enough data yet" in html  # 5 delivered orders: no verdict on returns
    assert "Margin waterfall" in html and "<polyline" in html


def test_baseline_choice_changes_the_comparison(staff_client, pair):
    response = staff_client.get(URL, {"baseline": "souq"})
    table = response.context["comparison"].table
    conversion = next(r for r in table if r.metric.key == "conversion_rate")
    hand, souq = conversion.cells
    assert souq.is_baseline and not hand.is_baseline
    assert hand.difference == pytest.approx(7 / 400 - 60 / 2000)  # in percentage points
    assert "vs baseline −1.2 pp" in response.content.decode()  # 1.75% vs 3.00%


def test_htmx_filter_change_returns_only_the_results_fragment(staff_client, pair):
    response = staff_client.get(URL, {"channel": "paid_social"}, headers={"HX-Request": "true"})

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="results"')
    assert 'id="filters"' not in html and "<html" not in html
    assert "HX-Request" in response.headers["Vary"]
    hand = response.context["comparison"].row("hand")
    assert hand.sessions == 100  # paid social only


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"date_from": "not-a-date"}, "date_from"),
        ({"date_from": "2026-05-02", "date_to": "2026-05-01"}, "end date is before"),
        ({"channel": "tv"}, "channel"),
        ({"source": "robots"}, "source"),
        ({"stores": "ghost"}, "stores"),
        ({"run": "12345"}, "no simulation run #12345"),
        ({"run": "latest!"}, "run"),
    ],
)
def test_bad_filter_values_get_a_clear_400(staff_client, pair, params, message):
    page = staff_client.get(URL, params)
    assert page.status_code == 400
    assert message in page.content.decode()

    export = staff_client.get(reverse("dashboard:export", args=["table", "json"]), params)
    assert export.status_code == 400
    assert message in export.content.decode()


def test_the_page_names_a_bad_filter_by_its_label_too(staff_client, pair):
    page = staff_client.get(URL, {"date_from": "2026-05-02", "date_to": "2026-05-01"})
    assert "To (date_to): The end date is before the start date." in page.content.decode()


def test_exports_refuse_a_baseline_outside_the_selection_but_the_page_falls_back(
    staff_client, pair
):
    params = {"stores": "hand", "baseline": "souq"}
    export = staff_client.get(reverse("dashboard:export", args=["table", "csv"]), params)
    assert export.status_code == 400 and "baseline" in export.content.decode()
    page = staff_client.get(URL, params)
    html = page.content.decode()
    assert page.status_code == 200 and "Choose another to compare against" in html
    assert page.context["comparison"].baseline is None  # never a store picked silently


def test_unknown_export_is_404(staff_client, pair):
    assert staff_client.get("/dashboard/export/table.xml").status_code == 404


def test_table_csv_has_one_row_per_store_under_the_filters(staff_client, pair):
    response = staff_client.get(
        reverse("dashboard:export", args=["table", "csv"]), {"channel": "direct"}
    )

    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    rows = {r["slug"]: r for r in csv.DictReader(io.StringIO(text))}
    assert set(rows) == {"hand", "souq"}
    assert rows["hand"]["sessions"] == "300"  # direct only: 200 + 100
    assert rows["hand"]["net_sales"] == "230.00"
    assert float(rows["souq"]["conversion_rate"]) == pytest.approx(0.03)


def test_table_json_matches_the_command_contract(staff_client, pair):
    response = staff_client.get(reverse("dashboard:export", args=["table", "json"]))

    data = json.loads(response.content)
    assert data["selection"]["run"] is None
    hand = next(s for s in data["stores"] if s["slug"] == "hand")
    assert hand["net_sales"] == "320.00" and hand["orders"] == 7
    assert hand["contribution"] == "34.35"  # dollars
    assert hand["contribution_margin"] == pytest.approx(34.35 / 320, abs=1e-6)  # a rate


def test_daily_series_exports(staff_client, pair):
    response = staff_client.get(reverse("dashboard:export", args=["daily", "json"]))
    days = json.loads(response.content)["days"]
    assert {(d["slug"], d["date"]) for d in days} == {
        ("hand", "2026-05-01"),
        ("hand", "2026-06-20"),
        ("souq", "2026-05-01"),
    }
    text = staff_client.get(reverse("dashboard:export", args=["daily", "csv"])).content
    assert text.decode("utf-8-sig").splitlines()[0].startswith("slug,date,sessions")


def test_query_count_does_not_grow_with_the_number_of_orders(staff_client, pair):
    hand, _ = pair

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert staff_client.get(URL).status_code == 200
            assert (
                staff_client.get(reverse("dashboard:export", args=["table", "json"])).status_code
                == 200
            )
        return len(ctx.captured_queries)

    before = count_queries()
    days = [DAY1 + timedelta(days=i) for i in range(1, 40)]
    for i, day in enumerate(days):
        _funnel(hand, day, "email", "synthetic", sessions=50, converted=2)
        for j in range(3):
            _order(hand, f"more-{i}-{j}", day, channel="email", gross_sales=Decimal("20"))
    rebuild_rollup(hand.id, days)

    assert count_queries() == before


def test_page_query_budget(staff_client, pair, django_assert_max_num_queries):
    # 10 before the cash balances, whose queries are constant too (stores.metrics.cash: over
    # all data, the finished runs' cash summaries and the other rows' payout and outcome days)
    with django_assert_max_num_queries(15):
        response = staff_client.get(URL)
    assert response.status_code == 200
    assert b'id="kpi-table"' in response.content


def test_a_store_the_run_did_not_simulate_says_so_instead_of_showing_bare_zeros(staff_client, pair):
    hand, souq = pair
    run = SimulationRun.objects.create(seed=1, start_date=date(2026, 5, 1), days=3)
    run.stores.set([souq])  # the latest run: another store's
    for name in ("store", "cohorts"):
        response = staff_client.get(reverse(f"dashboard:{name}", args=[hand.slug]), {"run": run.pk})
        html = response.content.decode()
        assert response.status_code == 200
        assert f"Run #{run.pk} did not simulate {hand.name}, so it has no figures here" in html
    html = staff_client.get(reverse("dashboard:store", args=[souq.slug]), {"run": run.pk}).text
    assert "did not simulate" not in html and f"Run #{run.pk} · seed 1 · 3 days from" in html


def test_drill_down_lists_the_store_orders_a_page_at_a_time(staff_client, pair):
    url = reverse("dashboard:store", args=["hand"])
    response = staff_client.get(url, {"date_to": "2026-05-01"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "hand-1" in html and "hand-6" not in html  # o6 was placed on day 2
    assert [c.channel for c in response.context["channels"]] == ["direct", "paid_social"]

    fragment = staff_client.get(
        url, {"page": "1"}, headers={"HX-Request": "true", "HX-Target": "orders"}
    )
    assert fragment.content.decode().lstrip().startswith('<section id="orders"')
    assert staff_client.get(reverse("dashboard:store", args=["nope"])).status_code == 404


def test_glossary_defines_every_figure(staff_client):
    from stores.metrics import METRICS

    html = staff_client.get(reverse("dashboard:glossary")).content.decode()
    for metric in METRICS:
        assert f'id="{metric.key}"' in html and metric.label in html
    assert "Wilson" in html and "Benjamini" in html and "mature" in html


def test_presentation_mode_drops_the_chrome(staff_client, pair):
    html = staff_client.get(URL, {"present": "1"}).content.decode()
    assert 'class="dashboard present"' in html
    assert "Exit presentation" in html


def test_results_refresh_themselves_while_a_run_is_going_or_a_store_is_live(staff_client, pair):
    hand, souq = pair
    html = staff_client.get(URL).content.decode()
    assert "every 5s" not in html

    run = SimulationRun.objects.create(
        seed=1, start_date=date(2026, 5, 1), days=30, status=RunStatus.RUNNING,
        chunks_total=4, chunks_done=1,
    )  # fmt: skip
    run.stores.set([hand, souq])
    html = staff_client.get(URL).content.decode()  # the latest run is the default selection
    assert 'hx-trigger="every 5s [!window.dashboardPaused]"' in html
    assert '<progress max="4" value="1"' in html
    assert 'id="refresh-toggle" aria-pressed="false">Pause updates' in html

    run.status = RunStatus.DONE
    run.save()
    souq.is_live = True
    souq.save()
    html = staff_client.get(URL, {"run": "all"}).content.decode()
    assert 'hx-trigger="every 5s [!window.dashboardPaused]"' in html and "Live:" in html
    # A filter changed while a refresh is on its way wins: the filter's request aborts the
    # refresh (whose older selection would otherwise land last and stay, refreshing itself),
    # and a refresh due while the filter's request is out is dropped.
    assert 'id="filters"' in html and 'hx-sync="this:replace"' in html
    assert 'hx-sync="#filters:drop"' in html


def test_market_filter_keeps_the_stores_selling_there(staff_client, pair):
    hand, souq = pair
    souq.market = "AE"
    souq.save()
    response = staff_client.get(URL, {"market": "AE"})
    assert [r.slug for r in response.context["comparison"].rows] == ["souq"]


def test_an_empty_table_export_keeps_the_tables_header(staff_client, pair):
    # No store sells in India: the CSV had the daily export's header (slug,date,...).
    response = staff_client.get(
        reverse("dashboard:export", args=["table", "csv"]), {"market": "IN"}
    )
    assert response.status_code == 200
    header = response.content.decode("utf-8-sig").splitlines()[0]
    assert header.startswith("slug,name,model,sessions,orders,") and ",date," not in header


def test_a_baseline_that_is_not_shown_is_named_briefly(staff_client, pair):
    long = "é" * 3000
    html = staff_client.get(URL, {"baseline": long}).content.decode()
    notice = re.search(r'<p class="notice" role="status">([^<]*)</p>', html).group(1)
    assert "is not among the stores shown" in notice and len(notice) < 200
    response = staff_client.get(
        reverse("dashboard:export", args=["table", "csv"]), {"baseline": long}
    )
    assert response.status_code == 400 and len(response.content.decode()) < 200


def test_a_run_left_from_before_dates_were_checked_is_refused_not_a_500(staff_client, pair):
    # `simulate --start 0001-01-01` used to create its run before failing: reading it overflowed.
    hand, souq = pair
    run = SimulationRun.objects.create(seed=1, start_date=date(1, 1, 1), days=3)
    run.stores.set([hand])
    response = staff_client.get(URL, {"run": run.pk})
    assert response.status_code == 400
    assert f"Run #{run.pk} starts on 0001-01-01, outside the dates a run can simulate" in (
        response.content.decode()
    )


def test_mixed_currencies_are_flagged(staff_client, pair):
    hand, souq = pair
    assert "different currencies" not in staff_client.get(URL).content.decode()
    souq.currency = "AED"
    souq.save()
    assert "different currencies (AED, USD)" in staff_client.get(URL).content.decode()


@pytest.fixture
def runs_of_every_kind(make_store):
    """A run with data, then newer ones that wrote nothing: one still pending, one that failed
    before starting (Redis was down), one cancelled before starting."""
    stores = [make_store("cod"), make_store("pod")]
    written = services.create_run(days=3, seed=1, stores=stores, start_date=date(2026, 1, 5))
    services.run_in_process(written)
    pending = services.create_run(days=3, seed=2, stores=stores)
    failed = services.create_run(days=3, seed=3, stores=stores)
    SimulationRun.objects.filter(pk=failed.pk).update(status=RunStatus.FAILED, error="no Redis")
    cancelled = services.create_run(days=3, seed=4, stores=stores)
    services.cancel_run(cancelled.pk)
    return written, pending, failed, cancelled


def test_the_default_run_is_the_latest_with_data_never_one_that_wrote_nothing(
    staff_client, runs_of_every_kind
):
    written, pending, failed, cancelled = runs_of_every_kind

    response = staff_client.get(URL)

    assert response.context["run"] == written
    rows = response.context["comparison"].rows
    assert len(rows) == 2 and all(row.orders > 0 for row in rows)
    assert 'hx-trigger="every 5s"' not in response.text  # a finished run: no refreshing
    # The picker offers the run going and the one with data, not those that ended empty.
    picked = re.findall(r'<option value="(\d+)"', response.text)
    assert picked == [str(pending.pk), str(written.pk)]
    # Asked for by number, an empty run is still shown (as what it is).
    assert staff_client.get(URL, {"run": failed.pk}).context["run"] == failed


def test_a_remembered_choice_is_written_once_not_on_every_refresh(staff_client, pair):
    first, souq = pair
    query = {"baseline": souq.slug, "show": ["conversion_rate", "contribution"]}
    staff_client.get(URL, query)  # the first time: kept
    with CaptureQueriesContext(connection) as ctx:
        for _ in range(3):  # the page's own refreshes ask the same
            assert staff_client.get(URL, query).status_code == 200
    writes = [q["sql"] for q in ctx.captured_queries if "dashboardpreference" in q["sql"].lower()
              and q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))]  # fmt: skip
    assert writes == []
    # A new choice is kept.
    staff_client.get(URL, {"baseline": first.slug})
    pref = DashboardPreference.objects.get()
    assert pref.baseline_id == first.pk and pref.metrics == ["conversion_rate", "contribution"]


def test_a_training_sessions_stores_and_history_stay_out_of_the_default_comparison(
    staff_client, make_store
):
    from stores.services import classroom as sessions

    own = make_store("general", slug="own-shop", name="Own shop")
    run = services.create_run(days=3, seed=1, stores=[own], start_date=date(2026, 5, 1))
    services.run_in_process(run)
    session = sessions.create_session(
        name="Class", template_store=own, teams=2, history_days=3, seed=2
    )
    services.run_in_process(session.history_run)
    teams = [t.store for t in session.teams.all()]

    html = staff_client.get(URL).content.decode()

    # The latest run is the trainer's own, not the session's newer history; its stores only.
    assert f"<strong>Run #{run.pk}</strong>" in html
    table = html[html.index('id="kpi-table"') :]
    assert "Own shop" in table and not any(t.name in table for t in teams)
    # The session's stores are listed apart, to pick by hand, and its history run is named.
    assert "Training sessions&#x27; stores (2)" in html or "Training sessions' stores (2)" in html
    assert "a training session&#x27;s history" in html or "a training session's history" in html
    picked = staff_client.get(
        URL, {"run": session.history_run.pk, "stores": [t.slug for t in teams]}
    ).content.decode()
    table = picked[picked.index('id="kpi-table"') :]
    assert all(t.name in table for t in teams)
    assert '<details class="session-stores" open>' in picked


def test_a_store_keeps_its_colour_on_the_comparison_and_its_drill_down(staff_client, make_store):
    # An inactive store (a session's template, say) numbered before them shifted the drill-down's
    # colours against the comparison's, which counted active stores only.
    make_store("general", slug="retired", name="Retired").__class__.objects.filter(
        slug="retired"
    ).update(is_active=False)
    a, b = make_store("general", slug="aa", name="Aa"), make_store("cod", slug="bb", name="Bb")
    run = services.create_run(days=3, seed=1, stores=[a, b], start_date=date(2026, 5, 1))
    services.run_in_process(run)

    compare = staff_client.get(URL).content.decode()
    strokes = set()
    for store in (a, b):
        drill = staff_client.get(reverse("dashboard:store", args=[store.slug])).content.decode()
        heading = re.search(r"<h1>(<svg class=\"key\".*?</svg>)", drill).group(1)
        stroke = re.search(r'stroke="([^"]+)"', heading).group(1)
        label = re.search(
            rf'(<svg class="key"[^>]*>(?:(?!</svg>).)*</svg>) {store.name}</label>', compare
        ).group(1)
        assert f'stroke="{stroke}"' in label
        strokes.add(stroke)
    assert len(strokes) == 2  # and the two stores differ
