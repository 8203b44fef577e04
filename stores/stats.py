"""Statistics for comparing stores: plain Python and numpy, no Django, deterministic.

- Wilson score interval for a rate (conversion, returns, refusals).
- Difference of two rates in percentage points with Newcombe's hybrid score interval (built
  from the two Wilson intervals) and a two-proportion z test.
- Chance to beat a baseline: Beta(1 + successes, 1 + failures) posteriors (a uniform prior), the
  probability that one rate exceeds the other, by an exact finite sum when it is short and by
  numerical integration of the two posteriors otherwise (within 0.1 percentage point anywhere:
  tests/test_stats.py checks it against the exact sum and against posterior draws).
- Relative difference of two rates with a 95% interval on the log of their ratio (Katz).
- Money per session or per order (skewed, mostly zero): a ratio estimator whose variance comes
  from the delta method over daily totals, each day a cluster, so one big day does not pass for
  a thousand independent sessions.
- Benjamini-Hochberg adjusted p-values, so a "significant" label across many stores x metrics
  controls the false discovery rate.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

Z95 = 1.959963984540054  # two-sided 95% normal quantile

# Below this many trials (sessions, delivered orders, shipped COD orders) a comparison says
# "not enough data yet" instead of an interval that would mislead.
MIN_SAMPLE = 100
# The exact Beta sum has as many terms as the smallest posterior parameter (about 1 us each, and
# a 20-store table makes over a hundred comparisons). Past this, the two posteriors are
# integrated numerically on grids around each (GRID_POINTS each).
EXACT_TERMS_LIMIT = 100
GRID_POINTS = 401  # within ~0.02 percentage point of the exact sum (tests/test_stats.py)
GRID_SPAN_SD = 12  # each grid covers its posterior's mean +/- this many standard deviations


@dataclass(frozen=True)
class Interval:
    low: float
    high: float

    def __contains__(self, value: float) -> bool:
        return self.low <= value <= self.high


def wilson(successes: int, trials: int, z: float = Z95) -> Interval | None:
    """Wilson score interval for successes / trials; None when there are no trials."""
    if trials <= 0:
        return None
    if not 0 <= successes <= trials:
        raise ValueError(f"successes ({successes}) must lie between 0 and trials ({trials})")
    p = successes / trials
    z2 = z * z
    denom = 1 + z2 / trials
    centre = (p + z2 / (2 * trials)) / denom
    half = z / denom * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials))
    return Interval(max(0.0, centre - half), min(1.0, centre + half))


def normal_cdf(x: float) -> float:
    return 0.5 * math.erfc(-x / math.sqrt(2))


def _lbeta(a: float, b: float) -> float:
    return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)


def _prob_beta_greater(a1: float, b1: float, a2: float, b2: float) -> float:
    """P(X > Y) for X ~ Beta(a1, b1), Y ~ Beta(a2, b2), a1 a whole number: a finite sum of a1 terms.

    The closed form follows from integrating the Beta density against the regularised incomplete
    Beta function, which for a whole first parameter is a finite binomial-type sum.
    """
    total = 0.0
    base = _lbeta(a2, b2)
    for i in range(int(a1)):
        total += math.exp(_lbeta(a2 + i, b1 + b2) - math.log(b1 + i) - _lbeta(1 + i, b1) - base)
    return min(1.0, max(0.0, total))


def _beta_moments(a: float, b: float) -> tuple[float, float]:
    mean = a / (a + b)
    var = a * b / ((a + b) ** 2 * (a + b + 1))
    return mean, var


@functools.lru_cache(maxsize=8192)  # pure: a refreshed page asks the same questions again
def chance_to_beat(
    successes: int, trials: int, base_successes: int, base_trials: int, *, lower_is_better=False
) -> float:
    """Posterior probability that this rate beats the baseline's (uniform Beta(1, 1) priors).

    "Beats" means "is higher" unless lower_is_better (returns, refusals, chargebacks).
    """
    a1, b1 = 1 + successes, 1 + trials - successes
    a2, b2 = 1 + base_successes, 1 + base_trials - base_successes
    # Four equivalent sums (swap the pair, or mirror both rates p -> 1 - p); take the shortest.
    options = [
        (a1, lambda: _prob_beta_greater(a1, b1, a2, b2)),
        (a2, lambda: 1 - _prob_beta_greater(a2, b2, a1, b1)),
        (b2, lambda: _prob_beta_greater(b2, a2, b1, a1)),
        (b1, lambda: 1 - _prob_beta_greater(b1, a1, b2, a2)),
    ]
    terms, exact = min(options, key=lambda o: o[0])
    higher = exact() if terms <= EXACT_TERMS_LIMIT else _prob_beta_greater_numeric(a1, b1, a2, b2)
    return 1 - higher if lower_is_better else higher


def _prob_beta_greater_numeric(a1: float, b1: float, a2: float, b2: float) -> float:
    """P(X > Y) = integral of f_X(x) F_Y(x) dx, by the trapezoid rule on the union of two grids,
    each dense around one posterior (so a narrow one next to a wide one is still resolved).
    Only used when every parameter is large, where both densities vanish at 0 and 1."""
    grids = []
    for a, b in ((a1, b1), (a2, b2)):
        mean, var = _beta_moments(a, b)
        half = GRID_SPAN_SD * math.sqrt(var)
        grids.append(np.linspace(max(mean - half, 1e-12), min(mean + half, 1 - 1e-12), GRID_POINTS))
    x = np.unique(np.concatenate(grids))
    log_x, log_1mx = np.log(x), np.log1p(-x)
    f_x = np.exp((a1 - 1) * log_x + (b1 - 1) * log_1mx - _lbeta(a1, b1))
    f_y = np.exp((a2 - 1) * log_x + (b2 - 1) * log_1mx - _lbeta(a2, b2))
    dx = np.diff(x)
    cdf_y = np.concatenate(([0.0], np.cumsum((f_y[1:] + f_y[:-1]) / 2 * dx)))
    cdf_y /= cdf_y[-1]
    weight = f_x * cdf_y
    total = float(((f_x[1:] + f_x[:-1]) / 2 * dx).sum())
    return min(1.0, max(0.0, float(((weight[1:] + weight[:-1]) / 2 * dx).sum()) / total))


@dataclass(frozen=True)
class Difference:
    """A difference from the baseline with its 95% interval and two-sided p-value."""

    value: float
    interval: Interval
    p_value: float


def difference_of_rates(
    successes: int, trials: int, base_successes: int, base_trials: int
) -> Difference | None:
    """rate - baseline rate (a fraction: x100 for percentage points), with Newcombe's hybrid
    score interval from the two Wilson intervals (method 10 of Newcombe, 1998) and the pooled
    two-proportion z test. None when either side has no trials."""
    own, base = wilson(successes, trials), wilson(base_successes, base_trials)
    if own is None or base is None:
        return None
    p1, p2 = successes / trials, base_successes / base_trials
    d = p1 - p2
    low = d - math.sqrt((p1 - own.low) ** 2 + (base.high - p2) ** 2)
    high = d + math.sqrt((own.high - p1) ** 2 + (p2 - base.low) ** 2)
    pooled = (successes + base_successes) / (trials + base_trials)
    se = math.sqrt(pooled * (1 - pooled) * (1 / trials + 1 / base_trials))
    p_value = 2 * (1 - normal_cdf(abs(d) / se)) if se > 0 else (1.0 if d == 0 else 0.0)
    return Difference(d, Interval(low, high), p_value)


def difference_of_estimates(estimate: Estimate, baseline: Estimate) -> Difference:
    """estimate - baseline with a normal interval from the two standard errors."""
    d = estimate.value - baseline.value
    se = math.sqrt(estimate.se**2 + baseline.se**2)
    p_value = 2 * (1 - normal_cdf(abs(d) / se)) if se > 0 else (1.0 if d == 0 else 0.0)
    return Difference(d, Interval(d - Z95 * se, d + Z95 * se), p_value)


@dataclass(frozen=True)
class Estimate:
    """A point estimate with its standard error and 95% interval."""

    value: float
    se: float

    @property
    def interval(self) -> Interval:
        return Interval(self.value - Z95 * self.se, self.value + Z95 * self.se)


def relative_difference(successes: int, trials: int, base_successes: int, base_trials: int):
    """(rate / baseline rate - 1) with a 95% interval from the log of the ratio (Katz method).

    Returns (value, Interval, two-sided p-value) or None when either side has no successes or
    no trials (the ratio or its log is undefined there).
    """
    if min(successes, trials, base_successes, base_trials) <= 0:
        return None
    ratio = (successes / trials) / (base_successes / base_trials)
    se = math.sqrt(1 / successes - 1 / trials + 1 / base_successes - 1 / base_trials)
    return _log_ratio_result(ratio, se)


def _log_ratio_result(ratio: float, se_log: float):
    log_ratio = math.log(ratio)
    interval = Interval(
        math.exp(log_ratio - Z95 * se_log) - 1, math.exp(log_ratio + Z95 * se_log) - 1
    )
    p_value = 2 * (1 - normal_cdf(abs(log_ratio) / se_log)) if se_log > 0 else 1.0
    return ratio - 1, interval, p_value


def ratio_estimate(numerators: Sequence[float], denominators: Sequence[float]) -> Estimate | None:
    """Sum(y) / sum(x) over clusters (days), with its delta-method standard error.

    Var(R) ~= n / (n - 1) * sum((y_i - R x_i)^2) / (sum x)^2: the usual cluster-robust variance of
    a ratio estimator. Needs at least two clusters and a positive denominator.
    """
    if len(numerators) != len(denominators):
        raise ValueError("numerators and denominators differ in length")
    n = len(numerators)
    total_x = float(sum(denominators))
    if n < 2 or total_x <= 0:
        return None
    ratio = float(sum(numerators)) / total_x
    resid = sum(
        (float(y) - ratio * float(x)) ** 2 for y, x in zip(numerators, denominators, strict=True)
    )
    se = math.sqrt(n / (n - 1) * resid) / total_x
    return Estimate(ratio, se)


def relative_difference_of_estimates(estimate: Estimate, baseline: Estimate):
    """(estimate / baseline - 1) with a delta-method interval on the log ratio, or None.

    Only defined when both values are positive (a log ratio of a loss is meaningless).
    """
    if estimate.value <= 0 or baseline.value <= 0:
        return None
    se_log = math.sqrt((estimate.se / estimate.value) ** 2 + (baseline.se / baseline.value) ** 2)
    return _log_ratio_result(estimate.value / baseline.value, se_log)


def chance_to_beat_estimate(estimate: Estimate, baseline: Estimate) -> float:
    """P(estimate > baseline) under normal approximations of both (flat priors)."""
    spread = math.sqrt(estimate.se**2 + baseline.se**2)
    if spread == 0:
        return 0.5 if estimate.value == baseline.value else float(estimate.value > baseline.value)
    return normal_cdf((estimate.value - baseline.value) / spread)


def benjamini_hochberg(p_values: Sequence[float]) -> list[float]:
    """Adjusted p-values (q-values) in the input order; q <= 0.05 keeps the FDR at 5%."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [0.0] * m
    running = 1.0
    for rank in range(m, 0, -1):
        i = order[rank - 1]
        running = min(running, p_values[i] * m / rank)
        adjusted[i] = running
    return adjusted
