"""The experiments pages: start from a form, follow the progress, read the curve and exports."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from stores.models import Experiment, ExperimentChunk, RunStatus
from stores.services import experiments

from .test_experiments import START


@pytest.fixture
def cod(make_store):
    return make_store("cod", slug="souq", name="Souq", delivery_days_min=1)


def finished_sweep(store, **args) -> Experiment:
    experiment = experiments.create_sweep(
        store, param="delivery_days_max", values=[1, 5, 9], replications=2, days=40,
        start_date=START, **args,
    )  # fmt: skip
    return experiments.run_experiment_in_process(experiment)


def test_the_page_lists_both_forms_and_is_staff_only(staff_client, cod):
    assert Client().get("/dashboard/experiments/").status_code == 302  # to the login page
    page = staff_client.get("/dashboard/experiments/?store=souq&param=markup")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="replicate-form"' in html and 'id="sweep-form"' in html
    assert 'value="markup"' in html and '<option value="souq" selected>' in html
    assert "delivery_days_max" in html  # offered in the parameter list
    assert 'href="/dashboard/experiments/"' in staff_client.get("/dashboard/").content.decode()


def test_starting_a_sweep_queues_it_and_shows_its_progress(staff_client, cod, broker):
    response = staff_client.post(
        "/dashboard/experiments/start/sweep/",
        {"store": "souq", "param": "delivery_days_max", "values": "1,4", "seeds": "2",
         "days": "10", "seed": "1"},
    )  # fmt: skip
    experiment = Experiment.objects.get()
    assert (
        response.status_code == 302 and response.url == f"/dashboard/experiments/{experiment.pk}/"
    )
    assert experiment.status == RunStatus.RUNNING and experiment.values == [1, 4]
    assert ExperimentChunk.objects.filter(experiment=experiment).count() == 4

    page = staff_client.get(response.url).content.decode()
    assert "0/4 chunks" in page and 'hx-trigger="every 2s"' in page and "Cancel" in page


def test_a_bad_value_is_refused_on_the_page_with_the_fields_message(staff_client, cod):
    response = staff_client.post(
        "/dashboard/experiments/start/sweep/",
        {"store": "souq", "param": "cod_share", "values": "0.5,1.7", "seeds": "2", "days": "10",
         "seed": "1"},
    )  # fmt: skip
    assert response.status_code == 400
    assert "cod_share=1.7: cod_share: Ensure this value is less than or equal to 1." in (
        response.content.decode()
    )
    assert not Experiment.objects.exists()
    response = staff_client.post("/dashboard/experiments/start/replicate/", {"seeds": "0",
                                 "days": "10", "seed": "1", "stores": ["souq", "nope"]})  # fmt: skip
    assert response.status_code == 400 and "nope" in response.content.decode()
    assert staff_client.post("/dashboard/experiments/start/other/").status_code == 404


def test_a_finished_sweep_shows_its_curve_band_best_value_and_table(staff_client, cod):
    experiment = finished_sweep(cod)
    html = staff_client.get(f"/dashboard/experiments/{experiment.pk}/").content.decode()
    assert 'class="curve"' in html and 'class="band"' in html and "best: 1" in html
    assert html.count('<tr class="best">') == 1
    assert "every" not in html.split('id="experiment-status"')[1].split(">")[0]  # no more polling

    refusal = staff_client.get(
        f"/dashboard/experiments/{experiment.pk}/?metric=cod_refusal_rate", HTTP_HX_REQUEST="true"
    ).content.decode()
    assert refusal.lstrip().startswith('<section id="experiment-status"')  # the fragment only
    assert "COD refusal rate by delivery_days_max" in refusal and "best: 1" in refusal


def test_replications_show_a_band_per_store_and_the_worlds_ahead(staff_client, cod, make_store):
    other = make_store("general", slug="emporium", name="Emporium")
    experiment = experiments.create_replication(
        [cod, other], replications=3, days=30, start_date=START
    )
    experiments.run_experiment_in_process(experiment)
    html = staff_client.get(f"/dashboard/experiments/{experiment.pk}/").content.decode()
    assert 'class="bands"' in html and "Souq (baseline)" in html
    assert "of 3 worlds" in html


def test_exports_give_the_commands_json_and_a_csv_row_per_figure(staff_client, cod):
    experiment = finished_sweep(cod)
    data = json.loads(
        staff_client.get(f"/dashboard/experiments/{experiment.pk}/export.json").content
    )
    assert data["param"] == "delivery_days_max" and [p["value"] for p in data["points"]] == [
        1,
        5,
        9,
    ]
    response = staff_client.get(f"/dashboard/experiments/{experiment.pk}/export.csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    refusal = [r for r in rows if r["metric"] == "cod_refusal_rate"]
    assert [r["value"] for r in refusal] == ["1", "5", "9"]
    assert float(refusal[0]["mean"]) < float(refusal[-1]["mean"])


def test_a_metric_the_experiment_does_not_have_falls_back_instead_of_failing(staff_client, cod):
    # The picker offered the cash figures, which an experiment does not compute: choosing one
    # answered a 500 (KeyError).
    experiment = finished_sweep(cod)
    response = staff_client.get(f"/dashboard/experiments/{experiment.pk}/?metric=cash_low")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Contribution by delivery_days_max" in html
    assert 'value="cash_low"' not in html and 'value="runway_months"' not in html
    assert 'value="contribution_margin"' in html


def test_a_sweep_whose_store_was_deleted_says_so_instead_of_failing(staff_client, cod):
    # Deleting the store deletes its figures: the page was a 500 (StopIteration), `experiment
    # show` a traceback.
    experiment = finished_sweep(cod)
    cod.delete()
    gone = f"Experiment #{experiment.pk} has no figures left: its store(s) were deleted."
    response = staff_client.get(f"/dashboard/experiments/{experiment.pk}/")
    assert response.status_code == 200 and gone in response.content.decode()
    response = staff_client.get(f"/dashboard/experiments/{experiment.pk}/export.csv")
    assert response.status_code == 410 and response.content.decode().strip() == gone
    with pytest.raises(CommandError, match=re.escape(gone)):
        call_command("experiment", "show", str(experiment.pk), stdout=io.StringIO())


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("seed", "9" * 23, "Enter at most 18 digits."),  # was a 500 (OverflowError)
        ("start", "0001-01-01", "must fall between 1970-01-01 and 2999-12-31"),
        ("start", "9999-12-31", "must fall between 1970-01-01 and 2999-12-31"),
        ("seeds", "\u0663", "Enter a whole number using the digits 0-9."),  # "٣" read as 3
    ],
)
def test_a_seed_or_first_day_out_of_range_is_refused_on_the_page(
    staff_client, cod, field, value, message
):
    values = {"store": "souq", "param": "delivery_days_max", "values": "1,4", "seeds": "2",
              "days": "10", "seed": "1", field: value}  # fmt: skip
    response = staff_client.post("/dashboard/experiments/start/sweep/", values)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Experiment.objects.exists()


def test_with_redis_down_starting_or_resuming_says_so_and_changes_nothing(
    staff_client, cod, no_broker
):
    values = {"store": "souq", "param": "delivery_days_max", "values": "1,4", "seeds": "2",
              "days": "10", "seed": "1"}  # fmt: skip
    response = staff_client.post("/dashboard/experiments/start/sweep/", values)
    assert response.status_code == 503  # was a 500, with the experiment left "running"
    assert f"Cannot reach Redis at {no_broker}: is it running?" in response.content.decode()
    assert "__all__" not in response.content.decode()
    assert not Experiment.objects.exists()

    experiment = experiments.create_sweep(
        cod, param="delivery_days_max", values=[2], replications=2, days=5
    )
    experiments.cancel_experiment(experiment.pk)
    response = staff_client.post(f"/dashboard/experiments/{experiment.pk}/resume/")
    assert response.status_code == 503
    assert f"Cannot reach Redis at {no_broker}: is it running?" in response.content.decode()
    experiment.refresh_from_db()
    assert experiment.status == RunStatus.CANCELLED


def test_cancel_and_resume_from_the_page(staff_client, cod, broker):
    experiment = experiments.create_sweep(
        cod, param="delivery_days_max", values=[2], replications=2, days=5
    )
    experiments.dispatch_experiment(experiment)
    staff_client.post(f"/dashboard/experiments/{experiment.pk}/cancel/")
    experiment.refresh_from_db()
    assert experiment.status == RunStatus.CANCELLED
    assert "Resume" in staff_client.get(f"/dashboard/experiments/{experiment.pk}/").content.decode()
    staff_client.post(f"/dashboard/experiments/{experiment.pk}/resume/")
    experiment.refresh_from_db()
    assert experiment.status == RunStatus.RUNNING
    assert staff_client.get(f"/dashboard/experiments/{experiment.pk}/export.csv").status_code == 409


# --- From the admin -----------------------------------------------------------------------------


def test_the_admin_replicates_selected_stores_and_sends_a_sweep_to_the_page(
    staff_client, cod, make_store, broker
):
    other = make_store("pod", slug="inkwell")
    url = reverse("admin:stores_store_changelist")
    response = staff_client.post(
        url,
        {"action": "replicate_over_seeds", "_selected_action": [cod.pk, other.pk]},
        follow=True,
    )
    experiment = Experiment.objects.get()
    assert set(experiment.stores.all()) == {cod, other} and experiment.replications == 20
    assert experiment.status == RunStatus.RUNNING  # queued on the workers
    assert f"/dashboard/experiments/{experiment.pk}/" in response.content.decode()

    response = staff_client.post(url, {"action": "sweep_a_parameter", "_selected_action": [cod.pk]})
    assert response.url == "/dashboard/experiments/?store=souq#sweep-form"

    page = staff_client.get(reverse("admin:stores_experiment_changelist"))
    assert page.status_code == 200 and b"Open on the dashboard" in page.content
    staff_client.post(
        reverse("admin:stores_experiment_changelist"),
        {"action": "cancel_experiments", "_selected_action": [experiment.pk]},
    )
    experiment.refresh_from_db()
    assert experiment.status == RunStatus.CANCELLED
