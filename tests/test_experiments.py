"""Experiments: replications and sweeps, their aggregates, and what the metrics read from them."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from stores import services
from stores.metrics import METRICS, RECORD_KEYS, compare_stores, plain
from stores.metrics.definitions import CASH_KEYS, SETTLED
from stores.metrics.experiments import (
    DIRECTED,
    EXPERIMENT_KEYS,
    band,
    experiment_figures,
    summarise,
)
from stores.models import (
    EXPERIMENT_COUNT_FIELDS,
    EXPERIMENT_MONEY_FIELDS,
    ChunkStatus,
    DailyFunnel,
    Experiment,
    ExperimentChunk,
    ExperimentDay,
    Order,
    RunStatus,
)
from stores.services import experiments

START = date(2025, 1, 6)
# Days past a span after which every order placed in it has settled, for the presets tested here.
SETTLE = 150


@pytest.fixture
def trio(make_store):
    return [make_store("cod"), make_store("general"), make_store("single_product")]


def figures_of(fig) -> dict:
    return {key: plain(fig.value(key)) for key in EXPERIMENT_KEYS}


def day_rows(experiment: Experiment) -> list[tuple]:
    names = ("point", "replication", "store_id", "date", *EXPERIMENT_COUNT_FIELDS,
             *EXPERIMENT_MONEY_FIELDS)  # fmt: skip
    return list(
        ExperimentDay.objects.filter(experiment=experiment)
        .order_by("point", "replication", "store_id", "date")
        .values_list(*names)
    )


# --- Aggregates equal a run's figures -----------------------------------------------------------


def test_a_replication_has_the_figures_of_a_run_with_its_seed_once_every_order_settled(trio):
    # Given an experiment of two replications over 150 days
    experiment = experiments.create_replication(
        trio, replications=2, days=150, seed=40, start_date=START, chunk_days=60
    )
    experiments.run_experiment_in_process(experiment)
    figures = experiment_figures(experiment)
    assert figures_of(figures[(0, 0, trio[0].id)]) != figures_of(figures[(0, 1, trio[0].id)])
    last = START + timedelta(days=149)

    for replication in range(2):
        # When the same stores are simulated as a full run (orders written) with its seed, long
        # enough past those 150 days for every order placed in them to have settled
        run = services.create_run(days=150 + SETTLE, seed=40 + replication, stores=trio,
                                  start_date=START)  # fmt: skip
        services.run_in_process(run)
        comparison = compare_stores(trio, run=run, date_to=last)
        for row in comparison.rows:
            assert row.mature_through[SETTLED] >= last  # nothing of the 150 days to come

        # Then every figure of `compare --format json` over the 150 days is the same, to the cent
        for row in comparison.rows:
            assert figures_of(figures[(0, replication, row.store_id)]) == figures_of(row)
        cod = comparison.rows[0]
        assert cod.cod_refusal_rate and cod.returns_rate and not cod.cod_refusal_provisional
    # ... and the experiment wrote no orders and no funnel rows, a row per store-day instead
    assert Order.objects.filter(run=None).count() == 0
    assert DailyFunnel.objects.filter(run=None).count() == 0
    assert ExperimentDay.objects.filter(experiment=experiment).count() == 2 * 3 * 150


def test_an_experiment_reads_every_order_settled_so_slow_delivery_is_not_flattered(make_store):
    # A COD store swept over delivery times on a span shorter than its refusals take to arrive:
    # read on the span's last day, the slowest value's late orders would still be "shipped",
    # neither refused nor paid, and its figures provisional.
    store = make_store("cod", delivery_days_min=1)
    experiment = experiments.create_sweep(
        store, param="delivery_days_max", values=["1", "12"], replications=2, days=30, seed=3,
        start_date=START,
    )  # fmt: skip
    experiments.run_experiment_in_process(experiment)
    for fig in experiment_figures(experiment).values():
        assert not fig.unsettled
        assert fig.mature_through[SETTLED] >= START + timedelta(days=29)
        assert fig.cod_shipped == fig.cod_orders  # every COD parcel left and met its end
        assert fig.mature["refusal"]["cod_shipped"] == fig.cod_shipped


def test_the_aggregate_columns_are_dailyfunnels_plus_the_paid_sums():
    funnel = {f.name for f in DailyFunnel._meta.concrete_fields}
    columns = set(EXPERIMENT_COUNT_FIELDS + EXPERIMENT_MONEY_FIELDS)
    assert columns - funnel == {"paid_net_sales", "paid_new_customers"}
    assert funnel - columns == {"id", "store", "date", "channel", "source", "run"}
    # An experiment keeps daily figures, not order rows: it has no cash timeline to report.
    assert set(EXPERIMENT_KEYS) == set(RECORD_KEYS) - {"slug", "name", "model", *CASH_KEYS}


# --- Reproducible, idempotent, resumable, cancellable -------------------------------------------


def test_the_same_experiment_twice_gives_identical_results(trio):
    def once() -> tuple[dict, list]:
        experiment = experiments.create_replication(
            trio, replications=3, days=40, seed=7, start_date=START
        )
        experiments.run_experiment_in_process(experiment)
        return summarise(experiment).record(), day_rows(experiment)

    first, second = once(), once()
    assert first == second  # every figure across seeds, and every stored day


def test_a_chunk_written_twice_or_redone_after_a_crash_leaves_one_copy(trio):
    experiment = experiments.create_replication(
        trio[:2], replications=2, days=30, seed=3, start_date=START, chunk_days=10
    )
    experiments.run_experiment_in_process(experiment)
    reference = day_rows(experiment)
    chunk = experiment.chunks.order_by("pk").first()

    # A duplicate delivery finds the chunk done; a chunk a dead worker left "running" with
    # its rows half-way is written again from scratch.
    assert experiments.write_experiment_chunk(chunk.pk) == experiments.ALREADY_DONE
    ExperimentChunk.objects.filter(pk=chunk.pk).update(status=ChunkStatus.RUNNING)
    ExperimentDay.objects.filter(experiment=experiment, store=chunk.store).first().delete()
    assert experiments.write_experiment_chunk(chunk.pk) == experiments.WRITTEN

    assert day_rows(experiment) == reference
    experiment.refresh_from_db()
    assert experiment.status == RunStatus.DONE


def test_chunks_in_any_order_give_the_same_rows(trio):
    def rows(order: int) -> list:
        experiment = experiments.create_replication(
            trio[:2], replications=2, days=20, seed=5, start_date=START, chunk_days=7
        )
        for chunk_id in experiments.pending_chunk_ids(experiment)[::order]:
            experiments.write_experiment_chunk(chunk_id)
        experiment.refresh_from_db()
        assert experiment.status == RunStatus.DONE
        return [r[1:] for r in day_rows(experiment)]

    assert rows(1) == rows(-1)


def test_a_cancelled_experiment_stops_and_resumes_where_it_stopped(trio):
    experiment = experiments.create_replication(
        trio[:2], replications=2, days=20, seed=5, start_date=START, chunk_days=10
    )
    ids = experiments.pending_chunk_ids(experiment)
    experiments.write_experiment_chunk(ids[0])
    assert experiments.cancel_experiment(experiment.pk)

    assert experiments.write_experiment_chunk(ids[1]) == experiments.CANCELLED
    experiment.refresh_from_db()
    assert (experiment.status, experiment.chunks_done) == (RunStatus.CANCELLED, 1)

    experiments.run_experiment_in_process(experiment)  # resume here
    experiment.refresh_from_db()
    assert experiment.status == RunStatus.DONE and experiment.chunks_done == len(ids)
    assert summarise(experiment).replications_done == 2


def test_a_chunk_that_gives_up_fails_its_experiment_with_the_reason(trio):
    experiment = experiments.create_replication(trio[:1], replications=1, days=5, seed=1)
    experiments.dispatch_experiment(experiment)  # queued on commit: never sent in this test
    chunk = experiment.chunks.get()
    experiments.fail_experiment(chunk.pk, "chunk 1: OperationalError('disk full')")
    experiment.refresh_from_db()
    assert experiment.status == RunStatus.FAILED and "disk full" in experiment.error


# --- Replications: bands and "ahead of the baseline" --------------------------------------------


def test_replications_give_a_band_and_count_the_worlds_a_store_came_out_ahead(trio):
    experiment = experiments.create_replication(
        trio, replications=5, days=60, seed=11, start_date=START, baseline=trio[1]
    )
    experiments.run_experiment_in_process(experiment)
    outcome = summarise(experiment)
    figures = experiment_figures(experiment)

    assert outcome.baseline == trio[1].slug and outcome.replications_done == 5
    point = outcome.points[0]
    assert [s.slug for s in point.stores][0] == trio[1].slug  # the baseline first
    single = point.store(trio[2].slug)
    values = [figures[(0, r, trio[2].id)].contribution for r in range(5)]
    b = single.bands["contribution"]
    assert min(values) <= b.p5 <= b.mean <= b.p95 <= max(values)
    assert b.mean == (sum(values) / 5).quantize(Decimal("0.01"))
    base = [figures[(0, r, trio[1].id)].contribution for r in range(5)]
    ahead = sum(v > w for v, w in zip(values, base, strict=True))
    assert single.ahead["contribution"] == ahead and single.compared["contribution"] == 5
    # Lower is better for returns: ahead means fewer.
    returns = [(figures[(0, r, trio[2].id)].returns_rate, figures[(0, r, trio[1].id)].returns_rate)
               for r in range(5)]  # fmt: skip
    assert single.ahead["returns_rate"] == sum(v < w for v, w in returns)
    # The general store has no COD orders: no refusal rate, so nothing to count.
    assert point.store(trio[1].slug).bands["cod_refusal_rate"].mean is None
    assert single.ahead["cod_refusal_rate"] is None

    record = outcome.replicate_record()
    assert record.keys() == {"seeds", "baseline", "stores"}
    assert record["seeds"] == 5 and record["baseline"] == trio[1].slug
    first = record["stores"][1]
    assert first.keys() == {"slug", "model", "metrics", "ahead_of_baseline"}
    assert first["metrics"].keys() == set(EXPERIMENT_KEYS)
    assert first["metrics"]["contribution"].keys() == {"mean", "p5", "p95"}
    assert isinstance(first["metrics"]["contribution"]["mean"], str)  # money: a decimal string
    assert isinstance(first["metrics"]["conversion_rate"]["mean"], float)  # a rate: a fraction
    assert set(first["ahead_of_baseline"]) <= set(DIRECTED)
    assert record["stores"][0]["ahead_of_baseline"] is None  # the baseline itself


def test_a_band_of_money_stays_to_the_cent_and_missing_figures_are_left_out():
    b = band([Decimal("10.00"), None, Decimal("20.00"), Decimal("30.01")])
    assert (b.mean, b.n) == (Decimal("20.00"), 3)
    assert b.p5 == Decimal("11.00") and b.p95 == Decimal("29.01")
    assert band([None, None]).mean is None
    assert {m.key for m in METRICS if m.key in DIRECTED} == set(DIRECTED)


# --- Sweeps -------------------------------------------------------------------------------------


def test_a_sweep_of_cod_delivery_days_shows_refusal_rising_with_delivery_time(make_store):
    cod = make_store("cod", delivery_days_min=1)
    before = cod.delivery_days_max
    days = [1, 4, 8, 14]
    experiment = experiments.create_sweep(
        cod, param="delivery_days_max", values=days, replications=3, days=120, seed=2
    )
    experiments.run_experiment_in_process(experiment)
    outcome = summarise(experiment)

    refusal = [p.stores[0].bands["cod_refusal_rate"].mean for p in outcome.points]
    assert refusal == sorted(refusal) and refusal[-1] > refusal[0] + 0.05
    contribution = [p.stores[0].bands["contribution"].mean for p in outcome.points]
    assert contribution == sorted(contribution, reverse=True)
    assert outcome.best_point("contribution").value == 1
    assert outcome.best_point("sessions") is None  # no better direction
    cod.refresh_from_db()
    assert cod.delivery_days_max == before  # the store itself is never changed

    record = outcome.sweep_record()
    assert record.keys() == {"param", "seeds", "points"}
    assert record["param"] == "delivery_days_max" and record["seeds"] == 3
    assert [p["value"] for p in record["points"]] == days
    assert record["points"][0]["stores"][0].keys() == {"slug", "metrics"}


def test_a_channel_budget_sweep_spends_what_it_is_given(make_store):
    single = make_store("single_product")
    experiment = experiments.create_sweep(
        single, param="paid_social.daily_budget", values=["50", "400"], replications=1, days=20
    )
    experiments.run_experiment_in_process(experiment)
    outcome = summarise(experiment)
    spend = [p.stores[0].bands["ad_spend"].mean for p in outcome.points]
    sessions = [p.stores[0].bands["sessions"].mean for p in outcome.points]
    assert spend[1] > spend[0] * 3 and sessions[1] > sessions[0]
    assert [p["value"] for p in outcome.sweep_record()["points"]] == [50, 400]


def test_a_markup_sweep_reprices_the_catalogue_and_the_stores_own_markup_reproduces_it(
    make_store,
):
    general = make_store("general")
    own = general.markup
    experiment = experiments.create_sweep(
        general, param="markup", values=[own, own * 2], replications=1, days=30, seed=9,
        start_date=START,
    )  # fmt: skip
    replication = experiments.create_replication(
        [general], replications=1, days=30, seed=9, start_date=START
    )
    for e in (experiment, replication):
        experiments.run_experiment_in_process(e)
    at_own, doubled = (p.stores[0] for p in summarise(experiment).points)
    plain_run = summarise(replication).points[0].stores[0]
    assert at_own.bands["net_sales"].mean == plain_run.bands["net_sales"].mean
    assert doubled.bands["aov"].mean > at_own.bands["aov"].mean * Decimal("1.8")
    assert doubled.bands["conversion_rate"].mean < at_own.bands["conversion_rate"].mean


@pytest.mark.parametrize(
    ("param", "values", "message"),
    [
        ("nope", ["1"], "'nope' is not a store parameter"),
        ("name", ["x"], "'name' is not a number the simulation reads"),
        ("paid_social.budget", ["1"], "'budget' is not a channel setting"),
        ("tiktok.daily_budget", ["1"], "'tiktok' is not a traffic channel"),
        ("delivery_days_max", ["4", "abc"], "delivery_days_max=abc: “abc” value must be an integer."),
        ("delivery_days_max", ["400"], "delivery_days_max=400: delivery_days_max: Ensure this value is less than or equal to 365."),
        ("delivery_days_max", ["2"], "delivery_days_max=2: delivery_days_min: Must not exceed"),
        ("cod_share", ["1.5"], "cod_share=1.5: cod_share: Ensure this value is less than or equal to 1."),
        ("markup", ["0.5"], "markup=0.5: markup: A markup below 1 sells every item at a loss."),
        ("paid_social.daily_budget", ["-5"], "paid_social.daily_budget=-5: daily_budget: Ensure this value is greater than or equal to 0."),
        ("delivery_days_max", ["4", "4"], "repeat"),
        ("delivery_days_max", [], "Give the values"),
    ],
)  # fmt: skip
def test_bad_parameters_and_values_are_refused_naming_them_before_anything_is_created(
    make_store, param, values, message
):
    cod = make_store("cod", delivery_days_min=3)
    with pytest.raises(ValidationError) as exc:
        experiments.create_sweep(cod, param=param, values=values, replications=2, days=10)
    assert message in " ".join(exc.value.messages)
    assert not Experiment.objects.exists() and not ExperimentChunk.objects.exists()


def test_a_sweep_of_a_channel_the_store_lacks_is_refused(make_store):
    marketplace = make_store("marketplace")
    with pytest.raises(ValidationError, match="has no paid_social channel"):
        experiments.create_sweep(
            marketplace, param="paid_social.daily_budget", values=[1], replications=1, days=5
        )


# --- The command --------------------------------------------------------------------------------


def command(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("experiment", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_replicate_command_prints_the_json_shape_and_the_progress_apart(trio):
    slugs = ",".join(s.slug for s in trio[:2])
    out, err = command(
        "replicate", "--stores", slugs, "--seeds", "3", "--days", "30", "--in-process",
        "--format", "json", "--start", "2025-01-06",
    )  # fmt: skip
    data = json.loads(out)  # stdout holds the JSON only; the progress bar went to stderr
    assert "3/3" not in out and "6/6 chunks" in err
    assert data["seeds"] == 3 and data["baseline"] == trio[0].slug
    assert [s["slug"] for s in data["stores"]] == [trio[0].slug, trio[1].slug]
    assert data["stores"][1]["metrics"]["net_sales"].keys() == {"mean", "p5", "p95"}


def test_sweep_command_marks_the_best_value_and_prints_csv(make_store):
    single = make_store("single_product", slug="hero")
    budget = single.channels.get(channel="paid_social").daily_budget
    out, _ = command(
        "sweep", "--store", "hero", "--param", "paid_social.daily_budget", "--values",
        "50,150,900", "--seeds", "2", "--days", "20", "--in-process",
    )  # fmt: skip
    marked = [line for line in out.splitlines() if line.split("  ")[0].endswith(" *")]
    assert len(marked) == 1 and "* = best mean contribution" in out
    experiment = Experiment.objects.get()
    out, _ = command("show", str(experiment.pk), "--format", "csv")
    header, *rows = out.splitlines()
    assert header.startswith("value,slug,metric,mean,p5,p95")
    assert len(rows) == 3 * len(EXPERIMENT_KEYS)
    assert single.channels.get(channel="paid_social").daily_budget == budget  # unchanged


def test_an_experiment_left_from_before_dates_were_checked_cannot_be_resumed(make_store):
    store = make_store("cod", slug="cod-x")
    experiment = experiments.create_replication([store], replications=2, days=5)
    Experiment.objects.filter(pk=experiment.pk).update(start_date=date(1, 1, 1))
    with pytest.raises(CommandError, match=f"^Experiment #{experiment.pk} cannot be resumed."):
        command("resume", str(experiment.pk), "--in-process")  # was a ValueError traceback


def test_the_command_says_redis_is_unreachable_in_one_line_and_creates_nothing(
    make_store, no_broker
):
    store = make_store("cod", slug="cod-x")
    with pytest.raises(CommandError) as exc:
        command("replicate", "--stores", store.slug, "--seeds", "2", "--days", "5")
    assert str(exc.value).startswith(f"Cannot reach Redis at {no_broker}: is it running?")
    assert "--in-process" in str(exc.value)
    assert not Experiment.objects.exists()

    experiment = experiments.create_replication([store], replications=2, days=5)
    with pytest.raises(CommandError, match="Cannot reach Redis at"):
        command("resume", str(experiment.pk))
    experiment.refresh_from_db()
    assert experiment.status == RunStatus.PENDING


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["replicate", "--stores", "nope"], "stores: Unknown or inactive store(s): nope."),
        (["replicate", "--seeds", "0"], "seeds: Ensure this value is greater than or equal to 1."),
        (["replicate", "--baseline", "zzz"], "baseline: The baseline 'zzz' is not among"),
        (["sweep", "--store", "cod-x", "--param", "delivery_days_max", "--values", "2,abc"],
         "values: delivery_days_max=abc"),
        (["sweep", "--store", "cod-x", "--param", "bogus", "--values", "1"],
         "param: 'bogus' is not a store parameter"),
        (["sweep", "--store", "missing", "--param", "markup", "--values", "2"],
         "store: Unknown or inactive store: 'missing'."),
        (["show", "999"], "No experiment #999."),
        (["replicate", "--metric", "vibes"], "--metric 'vibes' is not a metric"),
        # Cash figures are compare's, not an experiment's: `show --metric cash_low` was a KeyError.
        (["replicate", "--metric", "cash_low"], "--metric 'cash_low' is not a metric of an"),
        (["replicate", "--seed", "9" * 23], "seed: Enter at most 18 digits."),
        (["replicate", "--start", "0001-01-01"], "start: The days simulated must fall between"),
        (["replicate", "--start", "9999-12-31"], "start: The days simulated must fall between"),
        (["show", "\u0663"], "is not an experiment number."),
        (["replicate", "--stores", ""], "--stores names no store"),  # it meant every store
        # float() and Decimal() read other scripts' digits: ٣ was taken for 3.
        (["sweep", "--store", "cod-x", "--param", "delivery_days_max", "--values", "2,\u0663"],
         "values: delivery_days_max=\u0663: use the digits 0-9"),
    ],
)  # fmt: skip
def test_the_command_refuses_bad_arguments_before_anything_is_queued(make_store, args, message):
    make_store("cod", slug="cod-x")
    with pytest.raises(CommandError) as exc:
        command(*args)
    assert message in str(exc.value)
    assert not Experiment.objects.exists()
