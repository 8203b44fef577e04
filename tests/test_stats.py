"""The comparison statistics against values known in closed form or published tables (no DB)."""

import math
import random

import pytest

from stores import stats


def test_wilson_matches_published_values():
    # Newcombe (1998), table I: 81/263 -> 0.2553 to 0.3662; 0/10 -> 0 to 0.2775.
    interval = stats.wilson(81, 263)
    assert (round(interval.low, 4), round(interval.high, 4)) == (0.2553, 0.3662)
    interval = stats.wilson(0, 10)
    assert interval.low == 0 and round(interval.high, 4) == 0.2775
    assert stats.wilson(10, 100).low == pytest.approx(0.05523, abs=1e-5)


def test_wilson_without_trials_or_with_impossible_counts():
    assert stats.wilson(0, 0) is None
    with pytest.raises(ValueError):
        stats.wilson(5, 3)


def test_chance_to_beat_closed_forms():
    # No data on either side: a coin flip.
    assert stats.chance_to_beat(0, 0, 0, 0) == pytest.approx(0.5)
    # One success in one trial -> Beta(2, 1), density 2x, against a uniform: 2/3.
    assert stats.chance_to_beat(1, 1, 0, 0) == pytest.approx(2 / 3)
    # ... and lower-is-better turns it round.
    assert stats.chance_to_beat(1, 1, 0, 0, lower_is_better=True) == pytest.approx(1 / 3)
    # Identical data: exactly even by symmetry.
    assert stats.chance_to_beat(30, 1000, 30, 1000) == pytest.approx(0.5)


@pytest.mark.parametrize(
    ("a", "n", "base_a", "base_n"),
    [(10, 100, 20, 100), (30, 1000, 25, 1000), (90, 100, 85, 100), (3000, 100_000, 2900, 100_000)],
)
def test_chance_to_beat_agrees_with_monte_carlo(a, n, base_a, base_n):
    rng = random.Random(7)
    draws = 100_000
    wins = sum(
        rng.betavariate(1 + a, 1 + n - a) > rng.betavariate(1 + base_a, 1 + base_n - base_a)
        for _ in range(draws)
    )
    # Three standard errors of the simulated proportion.
    assert stats.chance_to_beat(a, n, base_a, base_n) == pytest.approx(wins / draws, abs=0.005)


@pytest.mark.parametrize("successes", [130, 250])
@pytest.mark.parametrize("trials", [800, 5000, 80_000])
@pytest.mark.parametrize("shift", [0.8, 1.0, 1.25])
def test_normal_approximation_is_close_to_the_exact_sum_past_the_limit(successes, trials, shift):
    base = int(successes * shift)
    a1, b1 = 1 + successes, 1 + trials - successes
    a2, b2 = 1 + base, 1 + trials - base
    assert min(a1, b1, a2, b2) > stats.EXACT_TERMS_LIMIT  # so chance_to_beat approximates
    exact = stats._prob_beta_greater(a1, b1, a2, b2)
    assert stats.chance_to_beat(successes, trials, base, trials) == pytest.approx(exact, abs=0.001)


def test_relative_difference_log_ratio_interval():
    value, interval, p_value = stats.relative_difference(30, 1000, 25, 1000)
    assert value == pytest.approx(0.2)
    se = math.sqrt(1 / 30 - 1 / 1000 + 1 / 25 - 1 / 1000)
    assert interval.low == pytest.approx(1.2 * math.exp(-1.959964 * se) - 1, abs=1e-6)
    assert interval.high == pytest.approx(1.2 * math.exp(1.959964 * se) - 1, abs=1e-6)
    assert 0 in interval and p_value > 0.05
    assert stats.relative_difference(0, 100, 5, 100) is None


def test_ratio_estimate_delta_method_over_days():
    # y = 2x exactly on every day: no spread around the ratio.
    est = stats.ratio_estimate([20, 40, 60], [10, 20, 30])
    assert (est.value, est.se) == (2.0, 0.0)
    # Two days: R = 30 / 20 = 1.5, residuals 10 - 15 = -5 and 20 - 15 = 5,
    # var = 2/1 * 50 / 400 = 0.25.
    est = stats.ratio_estimate([10, 20], [10, 10])
    assert est.value == 1.5 and est.se == pytest.approx(0.5)
    assert stats.ratio_estimate([1], [1]) is None


def test_relative_difference_and_chance_of_money_estimates():
    a, b = stats.Estimate(1.2, 0.1), stats.Estimate(1.0, 0.1)
    value, interval, p_value = stats.relative_difference_of_estimates(a, b)
    assert value == pytest.approx(0.2) and interval.low < 0.2 < interval.high
    assert stats.chance_to_beat_estimate(a, b) == pytest.approx(
        stats.normal_cdf(0.2 / 0.1414214), abs=1e-6
    )
    assert stats.relative_difference_of_estimates(stats.Estimate(-1, 0.1), b) is None


def test_benjamini_hochberg_matches_a_worked_example():
    # Benjamini & Hochberg style example; R's p.adjust(method="BH") gives these values.
    p = [0.01, 0.04, 0.03, 0.005]
    assert stats.benjamini_hochberg(p) == pytest.approx([0.02, 0.04, 0.04, 0.02])
    p = [0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205, 0.212, 0.216]
    expected = [0.01, 0.04, 0.084, 0.084, 0.084, 0.1, 0.10571, 0.216, 0.216, 0.216]
    assert stats.benjamini_hochberg(p) == pytest.approx(expected, abs=1e-4)
    assert stats.benjamini_hochberg([]) == []


def test_difference_of_rates_matches_newcombes_published_intervals():
    # Newcombe (1998), table II, method 10 (hybrid score): 56/70 - 48/80 and 9/10 - 3/10.
    diff = stats.difference_of_rates(56, 70, 48, 80)
    assert diff.value == pytest.approx(0.2)
    assert (round(diff.interval.low, 4), round(diff.interval.high, 4)) == (0.0524, 0.3339)
    diff = stats.difference_of_rates(9, 10, 3, 10)
    assert (round(diff.interval.low, 4), round(diff.interval.high, 4)) == (0.1705, 0.8090)
    assert diff.p_value < 0.01
    assert stats.difference_of_rates(3, 0, 1, 10) is None


def test_chance_to_beat_of_large_counts_is_within_a_tenth_of_a_point_of_posterior_draws():
    # The case that showed the normal approximation 0.5 points off: 2,597/50,000 vs 122/2,000.
    np = pytest.importorskip("numpy")
    rng = np.random.default_rng(2026)
    draws = 4_000_000  # a standard error of about 0.01 percentage point
    for a, n, b, m in [
        (2597, 50_000, 122, 2_000),
        (150, 1_000, 1_300, 10_000),
        (400, 5_000, 4, 50),
    ]:
        x = rng.beta(1 + a, 1 + n - a, draws)
        y = rng.beta(1 + b, 1 + m - b, draws)
        assert stats.chance_to_beat(a, n, b, m) == pytest.approx((x > y).mean(), abs=0.001)


@pytest.mark.parametrize("seed", range(5))
def test_numerical_integration_agrees_with_the_exact_sum_wherever_both_apply(seed):
    rng = random.Random(seed)
    for _ in range(40):
        trials = rng.choice([300, 2_000, 20_000, 200_000])
        a = rng.randint(101, min(trials - 101, 400))
        b = max(101, min(trials - 101, int(a * rng.uniform(0.6, 1.6))))
        a1, b1, a2, b2 = 1 + a, 1 + trials - a, 1 + b, 1 + trials - b
        exact = stats._prob_beta_greater(a1, b1, a2, b2)
        assert stats._prob_beta_greater_numeric(a1, b1, a2, b2) == pytest.approx(exact, abs=2e-4)
