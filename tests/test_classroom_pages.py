"""The classroom's pages and command: the trainer's control page and projector, a team's page
(its code is its key, and it shows nothing else of the site), the debrief and exports, and
`manage.py classroom`."""

from __future__ import annotations

import csv
import json
import re
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from stores.formatting import money
from stores.leaderboard import build_leaderboard
from stores.models import (
    Decision,
    Order,
    RoundStatus,
    SimulationRun,
    TrainingSession,
)
from stores.models import Round as RoundModel
from stores.services import classroom as sessions

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(db):
    s = sessions.create_session(name="Pages", scenario="cod_vs_prepaid", teams=2, seed=3)
    sessions.start_session(s)
    sessions.advance_session(s)
    return s


def test_the_trainer_pages_need_the_dashboard_permission(client, session):
    for name in ("session", "screen", "debrief"):
        url = reverse(f"classroom:{name}", args=[session.pk])
        assert client.get(url).status_code == 302  # to the login page
    assert client.get(reverse("classroom:index")).status_code == 302


def test_a_trainer_creates_a_session_and_sees_its_teams_join_links_and_qr_codes(staff_client):
    response = staff_client.post(
        reverse("classroom:index"),
        {
            "name": "Tuesday",
            "scenario": "price_war",
            "teams": "3",
            "seconds_per_day": "60",
            "round_days": "7",
            "traffic_scale": "10",
            "history_days": "0",
            "seed": "4",
        },
    )
    session = TrainingSession.objects.get(name="Tuesday")
    assert response.status_code == 302 and session.status == "running"
    page = staff_client.get(reverse("classroom:session", args=[session.pk])).content.decode()
    for team in session.teams.all():
        assert team.code in page and f"/team/{team.code}/" in page
    assert page.count('class="qr"') == 3  # inline SVG, no image service

    refused = staff_client.post(reverse("classroom:index"), {"name": "X", "teams": "2"})
    assert refused.status_code == 400
    assert b"Choose a scenario or a store" in refused.content


def test_the_projector_shows_exactly_the_sessions_stores_by_the_simulated_hour(
    staff_client, session, make_store
):
    stranger = make_store("cod", name="Not in this class")
    page = staff_client.get(reverse("classroom:screen", args=[session.pk])).content.decode()
    for store in session.stores.all():
        assert store.name in page
    assert stranger.name not in page and session.template.name not in page
    assert "Orders per simulated hour" in page
    assert 'id="latest-orders"' in page


def test_a_team_sets_its_decisions_and_one_out_of_bounds_is_refused_naming_it(client, session):
    team = session.teams.first()
    url = reverse("classroom:team", args=[team.code])
    page = client.get(url).content.decode()
    assert team.store.get_absolute_url() in page
    assert "/dashboard/" not in page and "/admin/" not in page  # nothing else of the site
    other = session.teams.exclude(pk=team.pk).first()
    assert other.store.get_absolute_url() not in page

    refused = client.post(url, {"markup": "9", "courier": "express", "cod": "on"})
    assert refused.status_code == 400
    assert "Markup (price / unit cost): 9 is out of bounds" in refused.content.decode()
    assert not Decision.objects.exists()

    saved = client.post(url, {"markup": "2.80", "courier": "express", "cod": "off"})
    assert saved.status_code == 302
    decision = Decision.objects.get()
    assert (str(decision.markup), decision.courier, decision.cod) == ("2.80", "express", False)


def test_a_wrong_team_code_finds_nothing(client, session):
    assert client.get("/team/NOPE99/").status_code == 404
    assert client.post("/team/", {"code": "nope99"}).status_code == 404
    team = session.teams.first()
    assert client.post("/team/", {"code": team.code.lower()}).status_code == 302


def test_the_index_of_stores_hides_the_sessions_stores(client, session, demo_stores):
    page = client.get("/").content.decode()
    assert "Souq Express" in page
    for store in session.stores.all():
        assert store.get_absolute_url() not in page


def test_the_command_starts_decides_closes_and_ranks(db):
    out = StringIO()
    call_command("classroom", "start", "cod_vs_prepaid", "--teams", "2", "--seed", "7", stdout=out)
    text = out.getvalue()
    session = TrainingSession.objects.get()
    assert f"Session #{session.pk}" in text
    for team in session.teams.all():
        assert f"/team/{team.code}/" in text

    with pytest.raises(CommandError, match="markup: 9 is out of bounds"):
        call_command("classroom", "decide", str(session.pk), "Team A", "--set", "markup=9")
    # A decision the session does not offer: its message alone, not under an "input:" label.
    with pytest.raises(CommandError) as refused:
        call_command("classroom", "decide", str(session.pk), "Team A", "--set", "cod=maybe")
    assert str(refused.value).startswith("cod: ") and "input:" not in str(refused.value)
    # A decision typed without its value was called "not a decision".
    with pytest.raises(CommandError, match=r"^markup: give its value, e.g. --set markup=VALUE\.$"):
        call_command("classroom", "decide", str(session.pk), "Team A", "--set", "markup")
    with pytest.raises(CommandError, match="paid_social.daily_budget"):
        call_command(
            "classroom", "decide", str(session.pk), "Team A",
            "--set", "paid_social.daily_budget=100000",
        )  # fmt: skip
    call_command(
        "classroom", "decide", str(session.pk), "team a",
        "--set", "markup=1.8", "--set", "paid_social.daily_budget=300", "--set", "cod=off",
        stdout=StringIO(),
    )  # fmt: skip
    decision = Decision.objects.get()
    assert str(decision.markup) == "1.80" and decision.paid_social_budget == 300
    assert decision.cod is False

    # The clock takes ASCII numbers: float() read ٣ as 3, and "nan" or "inf" as numbers.
    before = TrainingSession.objects.filter(pk=session.pk).values().get()
    for bad in ("\u0663", "nan", "inf", "1e309"):
        with pytest.raises(CommandError, match="^step: Enter a number using the digits 0-9"):
            call_command("classroom", "clock", str(session.pk), "step", bad, stdout=StringIO())
    assert TrainingSession.objects.filter(pk=session.pk).values().get() == before  # not stepped
    call_command("classroom", "close-round", str(session.pk), "--in-process", stdout=StringIO())
    assert session.rounds.get(number=1).status == RoundStatus.CLOSED

    out = StringIO()
    call_command("classroom", "leaderboard", str(session.pk), "--format", "json", stdout=out)
    board = json.loads(out.getvalue())
    assert board["session"] == session.pk and board["round"] == 1
    assert [t["rank"] for t in board["teams"]] == [1, 2]
    assert {"team", "store", "rank", "contribution", "cash"} <= set(board["teams"][0])
    out = StringIO()
    call_command("classroom", "leaderboard", str(session.pk), "--format", "csv", stdout=out)
    assert out.getvalue().splitlines()[0].startswith("rank,team,store,contribution,cash")
    out = StringIO()
    call_command("classroom", "export", str(session.pk), "--format", "json", stdout=out)
    assert len(json.loads(out.getvalue())["rounds"]) == 2


def test_the_debrief_and_exports_hold_every_round(staff_client, session):
    a = session.teams.first()
    sessions.record_decision(a, {"courier": "express"})
    sessions.simulate_round(sessions.close_round(session).pk)
    sessions.end_session(session)
    page = staff_client.get(reverse("classroom:debrief", args=[session.pk])).content.decode()
    assert "Final ranking" in page and "Round 1:" in page
    csv_text = staff_client.get(reverse("classroom:export", args=[session.pk, "csv"]))
    lines = csv_text.content.decode().splitlines()
    assert lines[0].startswith("round,first_date,last_date,team,store,rank,contribution")
    assert len(lines) == 3
    data = staff_client.get(reverse("classroom:export", args=[session.pk, "json"])).json()
    assert data["rounds"][0]["courier"] in ("express", "standard")
    assert Order.objects.filter(store__team__session=session).exists()
    # The clock of an ended session does not move; the message said "is ended: it has ended."
    with pytest.raises(CommandError, match=rf"^Session #{session.pk} has ended: its clock and"):
        call_command("classroom", "clock", str(session.pk), "step", "1", stdout=StringIO())


def test_a_session_from_a_chosen_store_copies_it_and_its_references(staff_client, demo_stores):
    response = staff_client.post(
        reverse("classroom:index"),
        {
            "name": "Chosen",
            "store": "souq-express",
            "references": ["trenddrop", "postureup"],
            "teams": "2",
            "seconds_per_day": "30",
            "round_days": "5",
            "traffic_scale": "5",
            "history_days": "0",
            "seed": "1",
        },
    )
    assert response.status_code == 302
    session = TrainingSession.objects.get(name="Chosen")
    models = sorted(s.business_model for s in session.stores.all())
    assert models == ["cod", "cod", "dropship", "single_product"]
    assert not session.stores.filter(slug__in=["souq-express", "trenddrop"]).exists()
    assert session.template.business_model == "cod"
    sessions.advance_session(session)
    page = staff_client.get(reverse("classroom:screen", args=[session.pk])).content.decode()
    assert "TrendDrop (Chosen)" in page


def test_the_admin_lists_sessions_and_deletes_one_with_its_stores(staff_client, session):
    page = staff_client.get("/admin/stores/trainingsession/")
    assert page.status_code == 200 and "Pages" in page.content.decode()
    ids = list(session.stores.values_list("pk", flat=True))
    response = staff_client.post(
        f"/admin/stores/trainingsession/{session.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302
    assert not TrainingSession.objects.exists()
    assert not Order.objects.filter(store_id__in=ids).exists()


# --- A round the workers did not finish ------------------------------------------------------


def test_a_stalled_round_can_be_queued_again_from_the_page_and_is_written_once(
    staff_client, session, monkeypatch
):
    """A worker killed mid-round hands its message back only after the broker's visibility
    timeout; a minute after closing, the trainer sees the round is stuck and queues it again."""
    queued = []
    monkeypatch.setattr(sessions, "dispatch_round", lambda r: queued.append(r.pk))
    page = reverse("classroom:session", args=[session.pk])
    requeue = reverse("classroom:control", args=[session.pk, "requeue-round"])
    round_ = sessions.close_round(session)

    assert b'id="requeue-round"' not in staff_client.get(page).content  # just closed
    response = staff_client.post(requeue, follow=True)
    assert b"still on it" in response.content and queued == []

    stalled = round_.closing_at - timedelta(seconds=sessions.ROUND_STALL_SECONDS + 1)
    RoundModel.objects.filter(pk=round_.pk).update(closing_at=stalled)
    assert b'id="requeue-round"' in staff_client.get(page).content
    response = staff_client.post(requeue, follow=True)
    assert b"Round 1 queued again" in response.content and queued == [round_.pk]

    # The first task and its twin both run: the days are written once, one next round opens.
    sessions.simulate_round(round_.pk)
    orders = Order.objects.filter(store__in=session.stores.all()).count()
    sessions.simulate_round(round_.pk)
    assert Order.objects.filter(store__in=session.stores.all()).count() == orders
    assert list(session.rounds.values_list("number", "status")) == [
        (1, RoundStatus.CLOSED),
        (2, RoundStatus.OPEN),
    ]
    response = staff_client.post(requeue, follow=True)
    assert b"No round is being simulated" in response.content


def test_a_twin_that_finishes_second_leaves_the_clock_where_the_first_set_it(session):
    round_ = sessions.close_round(session)
    real = sessions.bring_up_to

    def twin_finishes_meanwhile(s, sim):
        written = real(s, sim)
        if not twin_clock and sim == RoundModel.objects.get(pk=round_.pk).sim_end:
            twin_clock.append(None)
            sessions.simulate_round(round_.pk)  # the other task, done first
            s.refresh_from_db()
            twin_clock[0] = s.clock
        return written

    twin_clock = []
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(sessions, "bring_up_to", twin_finishes_meanwhile)
        sessions.simulate_round(round_.pk)
    session.refresh_from_db()
    assert twin_clock and session.clock == twin_clock[0]
    assert session.rounds.filter(number=2).count() == 1


def test_the_command_finishes_a_stalled_round_here(db, session):
    round_ = sessions.close_round(session)
    out = StringIO()
    call_command("classroom", "requeue-round", str(session.pk), "--in-process", stdout=out)
    assert "Round 1 finished here." in out.getvalue()
    assert RoundModel.objects.get(pk=round_.pk).status == RoundStatus.CLOSED
    with pytest.raises(CommandError, match="No round is being simulated"):
        call_command("classroom", "requeue-round", str(session.pk), "--in-process")


def test_simulate_with_no_stores_named_leaves_the_sessions_stores_out(session, demo_stores):
    call_command("simulate", "--days", "2", "--seed", "3", "--in-process", stdout=StringIO())
    run = SimulationRun.objects.latest("pk")
    simulated = set(run.stores.values_list("slug", flat=True))
    outside = {s.slug for s in demo_stores.values() if not s.training_sessions.exists()}
    assert outside and outside <= simulated
    assert not simulated & set(session.stores.values_list("slug", flat=True))
    # Named, a session's store may still join a run.
    team_store = session.stores.first()
    call_command(
        "simulate",
        "--days",
        "2",
        "--seed",
        "3",
        "--stores",
        team_store.slug,
        "--in-process",
        stdout=StringIO(),
    )
    assert list(SimulationRun.objects.latest("pk").stores.all()) == [team_store]


def test_a_platform_teams_page_offers_no_ad_budget_and_refuses_one_saying_why(
    client, platform_session
):
    url = reverse("classroom:team", args=[platform_session.teams.get().code])
    page = client.get(url).content.decode()
    assert 'name="markup"' in page
    assert 'name="paid_social.daily_budget"' not in page and 'name="courier"' not in page
    assert (
        "No ad budget or courier to choose: Bazaaro (semi-managed platform seller) allocates all "
        "of this store&#x27;s traffic and ships its parcels."
    ) in page

    response = client.post(url, {"markup": "2.5", "paid_social.daily_budget": "300"})
    assert response.status_code == 400
    assert (
        "paid_social.daily_budget: not offered in this session: Bazaaro (semi-managed platform "
        "seller) allocates all of this store&#x27;s traffic: there are no ads to buy."
    ) in response.content.decode()
    assert not Decision.objects.exists()


def test_the_command_refuses_a_platform_teams_courier_and_prints_only_its_levers(
    platform_session,
):
    session, name = str(platform_session.pk), platform_session.teams.get().name
    with pytest.raises(CommandError, match="courier: not offered in this session: Bazaaro"):
        call_command("classroom", "decide", session, name, "--set", "courier=express")
    with pytest.raises(CommandError, match="no ads to buy"):
        call_command("classroom", "decide", session, name, "--set", "paid_search.daily_budget=5")
    assert not Decision.objects.exists()

    out = StringIO()
    call_command("classroom", "decide", session, name, "--set", "markup=2.5", stdout=out)
    assert out.getvalue().strip() == f"{name}, round 1: markup=2.5"


def test_the_leaderboard_shows_each_teams_cash_low_on_its_pages_and_in_the_command(
    staff_client, session
):
    session = sessions.pause(sessions.step(session, 10))  # the figures stand still
    sessions.advance_session(session)
    sessions.set_leaderboard(session, True)
    board = build_leaderboard(session)
    expected = {s.team.name: (money(s.cash_low), s.cash_low_date) for s in board.standings}
    assert all(low != "–" and day for low, day in expected.values())

    pages = [
        staff_client.get(reverse("classroom:screen", args=[session.pk])),  # the projector
        staff_client.get(reverse("classroom:team", args=[session.teams.first().code])),
    ]
    for response in pages:
        html = response.content.decode()
        assert '<th scope="col" title="The lowest daily cash balance' in html
        for name, (low, day) in expected.items():
            row = re.search(rf'<tr data-team="{name}">.*?</tr>', html, flags=re.S).group(0)
            assert f'<td class="cash-low">{low} <span class="note">on {day:%d %b}</span>' in row

    out = StringIO()
    call_command("classroom", "leaderboard", str(session.pk), "--format", "json", stdout=out)
    teams = {t["team"]: t for t in json.loads(out.getvalue())["teams"]}
    for s in board.standings:
        assert teams[s.team.name]["cash_low"] == str(s.cash_low.quantize(Decimal("0.01")))
        assert teams[s.team.name]["cash_low_date"] == s.cash_low_date.isoformat()
    out = StringIO()
    call_command("classroom", "leaderboard", str(session.pk), "--format", "csv", stdout=out)
    rows = {r["team"]: r for r in csv.DictReader(StringIO(out.getvalue()))}
    assert {n: r["cash_low_date"] for n, r in rows.items()} == {
        n: t["cash_low_date"] for n, t in teams.items()
    }
    out = StringIO()
    call_command("classroom", "leaderboard", str(session.pk), stdout=out)
    header = out.getvalue().splitlines()[1]
    assert "Cash low" in header and "low on" in header
    for team in teams.values():
        assert team["cash_low"] in out.getvalue() and team["cash_low_date"] in out.getvalue()
