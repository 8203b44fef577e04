"""Scenarios: each starts from a fresh database with one command and its debrief renders with a
reading computed from its figures; removing one touches no other; the admin starts and removes
them; docs/scenarios.md is the library's."""

from __future__ import annotations

import json
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from stores import services
from stores.debrief import Figure, build_debrief, metric_sentence
from stores.metrics import METRIC_BY_KEY, METRICS
from stores.models import (
    AppliedShock,
    DailyFunnel,
    Order,
    RunChunk,
    ScenarioRun,
    SimulationRun,
    Store,
)
from stores.scenarios import SCENARIOS
from stores.services.scenarios import start_scenario
from stores.shocks import SHOCKS
from stores.stats import Interval

DOCS = Path(__file__).resolve().parent.parent / "docs" / "scenarios.md"
pytestmark = pytest.mark.django_db


def test_every_recipe_names_known_metrics_shocks_and_stores():
    assert len(SCENARIOS) >= 5
    metric_keys = {m.key for m in METRICS}
    for scenario in SCENARIOS.values():
        keys = [s.key for s in scenario.stores]
        assert len(keys) == len(set(keys)) >= 2
        assert 3 <= len(scenario.metrics) <= 4 and set(scenario.metrics) <= metric_keys
        for shock in scenario.shocks:
            assert shock.shock in SHOCKS and shock.store in keys
            assert 0 < shock.start_day < scenario.days
            assert not shock.metric or shock.metric in metric_keys
        assert scenario.question and scenario.seeds and scenario.expect


def figures_by_store(report, key: str) -> dict[str, Figure]:
    row = next(r for r in report.rows if r.metric.key == key)
    return {f.name.split(" ", 1)[1]: f for f in row.figures}


def effect(report, label: str):
    return next(e for e in report.effects if e.mark.label == label)


def apart(a: Figure, b: Figure) -> bool:
    return a.interval.high < b.interval.low or b.interval.high < a.interval.low


# What docs/scenarios.md says the class sees with seed 1: checked here, so the doc stays true.
# Store numbers are part of each store's random streams, and PostgreSQL does not reuse them
# between tests: the claims hold whichever numbers the stores get, not only in a fresh database.
def _cod_vs_prepaid(report):
    conversion = figures_by_store(report, "conversion_rate")
    cod, twin = conversion["COD store"], conversion["Prepaid twin"]
    assert cod.value / twin.value == pytest.approx(1.3, abs=0.12) and apart(cod, twin)
    refusal = figures_by_store(report, "cod_refusal_rate")
    # The slow courier's parcels reach the door in 5-9 days: 34.5% refused on average over the
    # seeds (22% + 2.5 points a day past 2); one seed's ~1,800 parcels land within a few points.
    slow = refusal["COD, slow courier"]
    assert 0.19 <= refusal["COD store"].value <= 0.27 and 0.28 <= slow.value <= 0.41
    assert apart(slow, refusal["COD store"])
    per_session = figures_by_store(report, "contribution_per_session")
    assert not apart(per_session["COD store"], per_session["Prepaid twin"])
    # 3 to 8 cents less a session over seeds 1-5 and other store numbers on SQLite; PostgreSQL's
    # numbers once gave 0.29 both: never more.
    assert per_session["COD, slow courier"].value <= per_session["COD store"].value
    lag = figures_by_store(report, "cash_lag_days")
    assert lag["Prepaid twin"].value == pytest.approx(2, abs=0.2) and lag["COD store"].value > 10


def _price_war(report):
    war = effect(report, "Price war (matched)")
    assert war.before.value - war.during.value == pytest.approx(0.10, abs=0.02)
    assert figures_by_store(report, "contribution_per_session")["Flooding store"].value < 0
    undercut = effect(report, "Competitors undercut (price held)")
    assert not apart(undercut.before, undercut.during)
    assert figures_by_store(report, "contribution_margin")["Vertical premium"].value > 0.45


def _flooding_vs_premium(report):
    contribution = figures_by_store(report, "contribution")
    flooding = contribution["Flooding store"].value
    fast, slow = (
        contribution["Premium, six-month ramp"].value,
        contribution["Premium, slow ramp"].value,
    )
    # The flooding store loses money over the year; the premium store with a six-month ramp
    # earns the most; with a slow ramp it makes a small fraction of that, or loses.
    assert flooding < 0 < fast and slow < Decimal("0.25") * fast
    assert figures_by_store(report, "contribution_margin")["Flooding store"].value < 0
    cash = figures_by_store(report, "cash_low")
    assert cash["Premium, slow ramp"].value < cash["Premium, six-month ramp"].value


def _single_product_ads(report):
    burnout, jump = effect(report, "Creatives stop being refreshed"), effect(report, "CPC jump")
    # Paid CAC: ad spend over the customers the paid channels brought in.
    assert 15 < burnout.before.value < 19 and 25 < burnout.during.value < 33
    assert 33 < jump.during.value < 43 and 15 < jump.controls[0].value < 18
    roas = figures_by_store(report, "roas")
    assert roas["Hero product"].value < 2.3 and roas["Hero product (control)"].value > 2.8
    per_session = figures_by_store(report, "contribution_per_session")
    rider, control = per_session["Hero product"], per_session["Hero product (control)"]
    assert apart(rider, control) and rider.value < Decimal("0.6") * control.value


def _dropship_courier_delay(report):
    delay = effect(report, "Courier delay")
    assert delay.during.value > delay.before.value  # +2 points with seed 1: within the noise


def _brand_vs_marketplace(report):
    hike = effect(report, "Platform commission hike")
    # Seven points more commission on sales; the margin's fall around it is the days' noise and
    # the last cohorts' returns still to come: 4.8 to 8.0 points over seeds 1-5 and other store
    # numbers (SQLite and PostgreSQL).
    assert hike.before.value - hike.during.value == pytest.approx(0.065, abs=0.025)
    margin = figures_by_store(report, "contribution_margin")
    assert margin["DTC brand"].value > 0.4 and 0.12 < margin["Marketplace seller"].value < 0.18
    lag = figures_by_store(report, "cash_lag_days")
    assert lag["Marketplace seller"].value > 15 and lag["DTC brand"].value < 3
    repeat = figures_by_store(report, "repeat_order_share")
    assert 0.15 < repeat["DTC brand"].value < 0.3 and repeat["Marketplace seller"].value == 0
    assert apart(repeat["DTC brand"], repeat["Marketplace seller"])


def _payout_hold(report):
    cash = figures_by_store(report, "cash_collected")
    held, control = float(cash["DTC brand (held)"].value), float(cash["DTC brand (control)"].value)
    # "About 40% less": the last 30 of 90 days sell more than a third (the list grows).
    assert 0.5 <= held / control <= 0.7
    sales = figures_by_store(report, "net_sales_per_session")
    assert not apart(sales["DTC brand (held)"], sales["DTC brand (control)"])
    hold = effect(report, "Payment processor holds payouts")  # no cash in, refunds still out
    held_during, control_during = float(hold.during.value), float(hold.controls[0].value)
    assert held_during <= 0 < control_during
    # What the held store lacks is what the control collected over those days. The two share
    # the days' demand but not each visitor's dice (store numbers are part of the streams), and
    # each one's list of past buyers compounds its own luck: their 60 days before the hold came
    # 0.905-1.089 apart over 18 draws of store numbers on both databases, and 0.82 once in CI.
    assert held - held_during == pytest.approx(control - control_during, rel=0.25)


WHAT_THE_CLASS_SEES = {
    "cod_vs_prepaid": _cod_vs_prepaid,
    "price_war": _price_war,
    "flooding_vs_premium": _flooding_vs_premium,
    "single_product_ads": _single_product_ads,
    "dropship_courier_delay": _dropship_courier_delay,
    "brand_vs_marketplace": _brand_vs_marketplace,
    "payout_hold": _payout_hold,
}


@pytest.mark.parametrize("key", list(SCENARIOS))
def test_each_scenario_starts_with_one_command_and_its_debrief_renders(key, staff_client):
    out = StringIO()
    call_command("scenario", "start", key, "--seed", "1", "--in-process", stdout=out)

    started = ScenarioRun.objects.get()
    url = reverse("scenarios:debrief", args=[started.pk])
    assert f"Debrief: http://127.0.0.1:8000{url}" in out.getvalue()
    assert started.run.status == "done" and started.stores.count() == len(SCENARIOS[key].stores)
    page = staff_client.get(url).content.decode()
    report = build_debrief(started)
    assert report.ready and report.reading
    assert report.reading in page.replace("&#x27;", "'")
    for row in report.rows:
        assert f'data-metric="{row.metric.key}"' in page
        leader = next((f for f in row.figures if f.leads), None)
        if leader:  # the reading names who led, from the figures
            assert row.sentence.startswith(leader.name) or " and " in row.sentence.split(" on ")[0]
    for store in started.stores.all():
        assert store.name in page
    assert len(report.marks) == len(SCENARIOS[key].shocks)
    for mark in report.marks:
        assert mark.label in page
    WHAT_THE_CLASS_SEES[key](report)


@pytest.mark.parametrize("key", list(SCENARIOS))
def test_what_the_class_sees_holds_with_other_store_numbers(key):
    for i in range(11):  # stores created before the scenario's: its stores get other numbers
        Store.objects.create(name=f"Earlier {i}", slug=f"earlier-{i}", business_model="general")
    started = start_scenario(key, seed=1)
    services.run_in_process(started.run)

    WHAT_THE_CLASS_SEES[key](build_debrief(started))


def test_the_doc_covers_every_scenario_as_the_library_says():
    from stores.management.commands.scenario import scenarios_markdown

    assert DOCS.read_text().strip() == scenarios_markdown().strip(), (
        "docs/scenarios.md is stale: python manage.py scenario list --format markdown "
        "> docs/scenarios.md"
    )
    assert set(WHAT_THE_CLASS_SEES) == set(SCENARIOS)


def _figure(name: str, key: str, value: float, low: float | None = None, high: float | None = None):
    interval = Interval(low, high) if low is not None else None
    return Figure(name, name, METRIC_BY_KEY[key], value, interval)


def test_the_reading_says_who_led_by_how_much_and_what_the_intervals_say():
    real = metric_sentence(
        METRIC_BY_KEY["conversion_rate"],
        [_figure("A", "conversion_rate", 0.020, 0.019, 0.021),
         _figure("B", "conversion_rate", 0.030, 0.028, 0.032)],
    )  # fmt: skip
    assert real.startswith("B led on conversion rate at 3.0% against A's 2.0% (1.0 points apart)")
    assert "do not overlap, so the gap is real" in real
    noise = metric_sentence(
        METRIC_BY_KEY["returns_rate"],
        [_figure("A", "returns_rate", 0.18, 0.16, 0.20),
         _figure("B", "returns_rate", 0.19, 0.17, 0.21),
         _figure("C", "returns_rate", 0.25, 0.22, 0.28)],
    )  # fmt: skip
    assert noise.startswith("A had the lowest returns rate at 18.0% against B's 19.0%")
    assert "overlap, so this history cannot tell them apart" in noise
    assert "C came last at 25.0%" in noise
    total = metric_sentence(
        METRIC_BY_KEY["contribution"],
        [_figure("A", "contribution", 1000.0), _figure("B", "contribution", 1500.0)],
    )
    assert "B led on contribution at 1,500.00 against A's 1,000.00" in total
    assert "50% of the smaller" in total and "no interval" in total
    level = metric_sentence(
        METRIC_BY_KEY["conversion_rate"],
        [_figure("A", "conversion_rate", 0.0201, 0.019, 0.021),
         _figure("B", "conversion_rate", 0.0204, 0.019, 0.021)],
    )  # fmt: skip
    assert level == "A and B were level on conversion rate at 2.0%."


def test_removing_a_scenario_touches_no_other(make_store):
    first = start_scenario("payout_hold", seed=3, prefix="Monday")
    second = start_scenario("payout_hold", seed=3, prefix="Tuesday")
    services.run_in_process(first.run)
    services.run_in_process(second.run)
    demo = make_store("pod")
    demo_run = services.create_run(days=10, seed=1, stores=[demo])
    services.run_in_process(demo_run)

    def state(started):
        ids = list(started.stores.values_list("pk", flat=True))
        return (
            Order.objects.filter(store_id__in=ids).count(),
            DailyFunnel.objects.filter(store_id__in=ids).count(),
            AppliedShock.objects.filter(store_id__in=ids).count(),
            RunChunk.objects.filter(run=started.run).count(),
        )

    kept = state(second)
    demo_orders = Order.objects.filter(store=demo).count()
    gone_ids = list(first.stores.values_list("pk", flat=True))
    out = StringIO()

    call_command("scenario", "remove", str(first.pk), stdout=out)

    assert "Removed Monday" in out.getvalue()
    assert not Store.objects.filter(pk__in=gone_ids).exists()
    assert not SimulationRun.objects.filter(pk=first.run_id).exists()
    assert not Order.objects.filter(store_id__in=gone_ids).exists()
    assert not DailyFunnel.objects.filter(store_id__in=gone_ids).exists()
    assert not ScenarioRun.objects.filter(pk=first.pk).exists()
    second.refresh_from_db()
    assert state(second) == kept and kept[0] > 0
    assert SimulationRun.objects.filter(pk=demo_run.pk).exists()
    assert Order.objects.filter(store=demo).count() == demo_orders > 0


def test_classes_run_side_by_side_and_a_taken_prefix_is_refused():
    first = start_scenario("price_war", seed=1)
    second = start_scenario("price_war", seed=1)

    assert first.prefix != second.prefix
    assert {s.slug for s in first.stores.all()}.isdisjoint({s.slug for s in second.stores.all()})
    taken = f"prefix: Stores {first.prefix.lower()}-flooding, {first.prefix.lower()}-premium exist"
    # --in-process: were a bad value let through, the command would not wait for a worker.
    with pytest.raises(CommandError, match=taken):
        call_command("scenario", "start", "price_war", "--seed", "2", "--prefix", first.prefix,
                     "--in-process")  # fmt: skip
    with pytest.raises(CommandError, match="scenario: Select a valid choice"):
        call_command("scenario", "start", "nope", "--seed", "2", "--in-process")
    with pytest.raises(CommandError, match="seed: "):
        call_command("scenario", "start", "price_war", "--seed", "-3", "--in-process")
    # A 23-digit seed reached the database and failed there (OverflowError, a traceback).
    with pytest.raises(CommandError, match="seed: Enter at most 18 digits."):
        call_command("scenario", "start", "price_war", "--seed", "9" * 23, "--in-process")
    assert ScenarioRun.objects.count() == 2


def test_scenario_list_and_debrief_print_for_scripts(capsys):
    call_command("scenario", "list", "--format", "json")
    listed = json.loads(capsys.readouterr().out)
    assert [s["name"] for s in listed] == list(SCENARIOS)
    assert all(s["question"] and s["metrics"] and s["stores"] for s in listed)

    started = start_scenario("brand_vs_marketplace", seed=1)
    with pytest.raises(CommandError, match="No debrief yet"):
        call_command("scenario", "debrief", str(started.pk))
    services.run_in_process(started.run)
    call_command("scenario", "debrief", str(started.pk), "--format", "json")
    record = json.loads(capsys.readouterr().out)
    assert record["reading"] == build_debrief(started).reading
    assert [m["metric"] for m in record["metrics"]] == list(SCENARIOS[started.scenario].metrics)
    assert record["shocks"][0]["name"] == "platform_fee_hike"
    call_command("scenario", "debrief", str(started.pk))
    assert "Contribution margin" in capsys.readouterr().out


def test_the_debrief_follows_a_run_in_progress_and_is_for_staff(staff_client):
    started = start_scenario("payout_hold", seed=1)
    url = reverse("scenarios:debrief", args=[started.pk])

    assert Client().get(url).status_code == 302  # to the admin login
    page = staff_client.get(url).content.decode()
    assert 'http-equiv="refresh"' in page and "0/2 chunks" in page
    assert "Payment processor holds payouts" in page  # the shocks are known before the figures


# --- The admin ----------------------------------------------------------------------------------


def test_the_admin_starts_a_scenario_and_sends_the_trainer_to_its_debrief(staff_client, broker):
    start = reverse("admin:stores_scenariorun_start")
    assert "COD vs prepaid" in staff_client.get(start).content.decode()

    response = staff_client.post(start, {"scenario": "cod_vs_prepaid", "seed": "4", "prefix": ""})

    started = ScenarioRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("scenarios:debrief", args=[started.pk])
    assert started.run.status == "running" and started.stores.count() == 3
    again = staff_client.post(
        start, {"scenario": "cod_vs_prepaid", "seed": "4", "prefix": started.prefix}
    )
    assert again.status_code == 200 and "exist already" in again.content.decode()
    listing = staff_client.get(reverse("admin:stores_scenariorun_changelist")).content.decode()
    assert "Start a scenario" in listing and "Open the debrief" in listing


def test_with_redis_down_a_scenario_start_says_so_and_creates_nothing(staff_client, no_broker):
    # It used to create the stores and a run that failed at once: a traceback, or a 500.
    with pytest.raises(CommandError, match=f"Cannot reach Redis at {no_broker}: is it running"):
        call_command("scenario", "start", "price_war", "--seed", "1", stdout=StringIO())
    response = staff_client.post(
        reverse("admin:stores_scenariorun_start"),
        {"scenario": "price_war", "seed": "1", "prefix": ""},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert f"Cannot reach Redis at {no_broker}: is it running?" in html
    assert "scenario start price_war --seed 1 --in-process" in html
    assert not ScenarioRun.objects.exists() and not Store.objects.exists()
    assert not SimulationRun.objects.exists()


def test_the_admin_removes_a_scenario_after_confirmation(staff_client):
    started = start_scenario("payout_hold", seed=1)
    other = start_scenario("payout_hold", seed=1)
    url = reverse("admin:stores_scenariorun_changelist")
    data = {"action": "remove_scenarios", "_selected_action": [started.pk]}

    confirm = staff_client.post(url, data)
    assert "Yes, remove them" in confirm.content.decode() and ScenarioRun.objects.count() == 2

    staff_client.post(url, {**data, "confirm": "yes"})
    assert list(ScenarioRun.objects.all()) == [other]
    assert other.stores.count() == 2


def test_the_admin_applies_a_shock_in_a_new_run_or_to_live_traffic(
    staff_client, make_store, broker
):
    cod, pod = make_store("cod"), make_store("pod")
    url = reverse("admin:stores_store_changelist")
    base = {"action": "apply_shock", "_selected_action": [cod.pk, pod.pk], "apply": "yes"}

    form = staff_client.post(url, {"action": "apply_shock", "_selected_action": [cod.pk]})
    assert "Apply the shock" in form.content.decode()
    bad = staff_client.post(url, {**base, "shock": "courier_delay", "target": "run",
                                  "start_day": "90", "history_days": "90"})  # fmt: skip
    assert bad.status_code == 200 and "past the run&#x27;s last day" in bad.content.decode()
    assert not SimulationRun.objects.exists()

    staff_client.post(url, {**base, "shock": "courier_delay", "target": "run", "start_day": "20",
                            "history_days": "60", "seed": "3"})  # fmt: skip
    run = SimulationRun.objects.get()
    shocks = AppliedShock.objects.filter(run=run)
    assert run.seed == 3 and run.days == 60
    assert {(s.store, s.start_day, s.days) for s in shocks} == {(cod, 20, 30), (pod, 20, 30)}

    staff_client.post(url, {**base, "shock": "cpc_jump", "target": "live", "start_day": "1",
                            "open_ended": "on"})  # fmt: skip
    live = AppliedShock.objects.filter(run=None)
    assert live.count() == 2 and {s.days for s in live} == {None}


def test_the_admin_makes_a_prepaid_twin_and_removes_live_shocks_only(staff_client, make_store):
    cod = make_store("cod")
    staff_client.post(
        reverse("admin:stores_store_changelist"),
        {"action": "prepaid_twins", "_selected_action": [cod.pk]},
    )
    twin = Store.objects.get(slug=f"{cod.slug}-prepaid")
    assert not twin.offers_cod and twin.market == cod.market

    run = services.create_run(
        days=30, seed=1, stores=[cod], shocks=[services.shocks.ShockRequest("cpc_jump", cod, 3)]
    )
    services.shocks.apply_live_shock("cpc_jump", [cod], start_date=run.start_date)
    staff_client.post(
        reverse("admin:stores_appliedshock_changelist"),
        {"action": "remove_live_shocks",
         "_selected_action": list(AppliedShock.objects.values_list("pk", flat=True))},
    )  # fmt: skip
    assert list(AppliedShock.objects.values_list("run_id", flat=True)) == [run.pk]


@pytest.mark.parametrize(
    ("posted", "field", "message"),
    [
        ({"target": "live", "start_day": "1000000000000"}, "start_day", "at most 4 digits"),
        ({"target": "live", "days": "5000"}, "days", "less than or equal to 3650"),
        ({"target": "run", "seed": "100000000000000000000"}, "seed", "at most 18 digits"),
        ({"target": "run", "start_day": "\u0663"}, "start_day", "digits 0-9"),
    ],
)
def test_a_shock_with_a_huge_or_foreign_number_is_refused_next_to_its_field(
    staff_client, make_store, posted, field, message
):
    # A start day past the calendar answered 500 (OverflowError), a seed past 64 bits too, and
    # an Arabic-Indic "3" was read as 3: each is now named next to its field, nothing written.
    store = make_store("cod", with_catalogue=False)
    data = {"action": "apply_shock", "_selected_action": [store.pk], "apply": "yes",
            "shock": "courier_delay", "start_day": "3", "history_days": "30", **posted}  # fmt: skip

    response = staff_client.post(reverse("admin:stores_store_changelist"), data)

    assert response.status_code == 200
    assert message in str(response.context["form"].errors[field])
    assert not SimulationRun.objects.exists() and not AppliedShock.objects.exists()


@pytest.mark.parametrize(
    ("posted", "message"),
    [
        ({"seed": "100000000000000000000"}, "at most 18 digits"),
        ({"seed": "\u0663"}, "digits 0-9"),
        ({"prefix": "class\x1b[31m"}, "control characters"),
        ({"prefix": "\u202eclass"}, "reverse the text"),
    ],
)
def test_starting_a_scenario_refuses_a_bad_seed_or_prefix_and_creates_nothing(
    staff_client, posted, message
):
    start = reverse("admin:stores_scenariorun_start")
    data = {"scenario": "cod_vs_prepaid", "seed": "4", "prefix": "", **posted}

    response = staff_client.post(start, data)

    assert response.status_code == 200 and message in response.content.decode()
    assert not ScenarioRun.objects.exists() and not Store.objects.exists()
