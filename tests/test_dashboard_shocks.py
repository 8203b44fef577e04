"""Shocks on the dashboard: the room sees where a shock began and how long it lasted on every
daily chart, a table names them, and the exports carry them next to the figures they move."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from stores import services
from stores.services.shocks import ShockRequest

START = date(2025, 3, 3)


@pytest.fixture
def shocked_run(make_store):
    hero, cod = make_store("single_product", name="Hero Store"), make_store("cod", name="Cash Shop")
    run = services.create_run(
        days=42, seed=3, stores=[hero, cod], start_date=START,
        shocks=[ShockRequest("courier_delay", cod, 14, 7)],
    )  # fmt: skip
    services.run_in_process(run)
    return run, hero, cod


def test_the_charts_draw_the_shock_where_it_starts_and_the_page_lists_it(staff_client, shocked_run):
    run, hero, cod = shocked_run
    response = staff_client.get(reverse("dashboard:compare"), {"run": run.pk, "series": "day"})
    html = response.content.decode()
    assert response.status_code == 200
    # One dashed line per daily chart, labelled with the store and the shock.
    assert html.count('class="event"') == 4
    assert "Cash Shop: Courier delay" in html
    assert 'id="shocks"' in html and "2025-03-17" in html and "2025-03-23" in html
    # The charts' data tables say which periods the shock was in force.
    assert "Shocks</th>" in html


def test_no_shock_draws_nothing(staff_client, make_store):
    store = make_store("general")
    run = services.create_run(days=14, seed=1, stores=[store], start_date=START)
    services.run_in_process(run)
    html = staff_client.get(reverse("dashboard:compare"), {"run": run.pk}).content.decode()
    assert 'class="event"' not in html and 'id="shocks"' not in html


def test_a_shock_outside_the_chosen_dates_is_not_drawn(staff_client, shocked_run):
    run, _, _ = shocked_run
    later = {"run": run.pk, "date_from": "2025-04-01", "date_to": "2025-04-13"}
    html = staff_client.get(reverse("dashboard:compare"), later).content.decode()
    assert 'class="event"' not in html


def test_the_daily_export_names_the_shock_on_exactly_its_days(staff_client, shocked_run):
    run, hero, cod = shocked_run
    url = reverse("dashboard:export", args=["daily", "csv"])
    body = staff_client.get(url, {"run": run.pk}).content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))
    shocked = {r["date"] for r in rows if r["slug"] == cod.slug and r["shocks"]}
    first = START + timedelta(days=14)
    assert shocked == {(first + timedelta(days=d)).isoformat() for d in range(7)}
    assert not any(r["shocks"] for r in rows if r["slug"] == hero.slug)


def test_the_json_exports_list_the_shocks_and_the_table_names_them_per_store(
    staff_client, shocked_run
):
    run, hero, cod = shocked_run
    url = reverse("dashboard:export", args=["table", "json"])
    payload = json.loads(staff_client.get(url, {"run": run.pk}).content)
    [shock] = payload["shocks"]
    assert shock["store_slug"] == cod.slug and shock["name"] == "courier_delay"
    assert (shock["start"], shock["end"]) == ("2025-03-17", "2025-03-23")
    by_slug = {r["slug"]: r for r in payload["stores"]}
    assert by_slug[cod.slug]["shocks"] == shock["label"] and by_slug[hero.slug]["shocks"] == ""


def test_the_store_page_draws_its_own_shocks_only(staff_client, shocked_run):
    run, hero, cod = shocked_run
    own = staff_client.get(reverse("dashboard:store", args=[cod.slug]), {"run": run.pk})
    other = staff_client.get(reverse("dashboard:store", args=[hero.slug]), {"run": run.pk})
    assert 'class="event"' in own.content.decode()
    assert 'class="event"' not in other.content.decode()


def test_compare_command_json_lists_the_shocks(shocked_run):
    run, hero, cod = shocked_run
    out = StringIO()
    call_command("compare", "--run", str(run.pk), "--format", "json", stdout=out)
    payload = json.loads(out.getvalue())
    assert [s["name"] for s in payload["shocks"]] == ["courier_delay"]
    assert {r["slug"]: bool(r["shocks"]) for r in payload["stores"]} == {
        hero.slug: False,
        cod.slug: True,
    }
