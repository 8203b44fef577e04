"""Experiments: replications and sweeps, their aggregates and what the metrics read from them."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from stores import services
from stores.metrics import compare_stores, plain
from stores.metrics.experiments import EXPERIMENT_KEYS, experiment_figures, summarise
from stores.models import ExperimentDay, RunStatus
from stores.services import experiments

START = date(2025, 1, 6)


@pytest.fixture
def trio(make_store):
    return [make_store("cod"), make_store("general"), make_store("single_product")]


def figures_of(fig) -> dict:
    return {key: plain(fig.value(key)) for key in EXPERIMENT_KEYS}


def test_a_replication_has_the_figures_of_a_run_with_its_seed(trio):
    # Given an experiment of two replications over 150 days (long enough for mature and
    # immature cohorts both, and for the run's figures to be read by week)
    experiment = experiments.create_replication(
        trio, replications=2, days=150, seed=40, start_date=START, chunk_days=60
    )
    experiments.run_experiment_in_process(experiment)
    figures = experiment_figures(experiment)

    for replication in range(2):
        # When the same stores are simulated as a full run (orders written) with its seed
        run = services.create_run(days=150, seed=40 + replication, stores=trio, start_date=START)
        services.run_in_process(run)
        comparison = compare_stores(trio, run=run)

        # Then every figure of `compare --format json` is the same
        for row in comparison.rows:
            assert figures_of(figures[(0, replication, row.store_id)]) == figures_of(row)
