"""Counts from common uniforms: exact Poisson quantiles, fast, for whole arrays (one sampler)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy import stats

from sim.model.counts import LARGE, PoissonTables, poisson_quantile


def test_table_inversion_equals_scipy_poisson_ppf():
    """Below the large-mean cut-off, every count equals scipy's exact quantile."""
    rng = np.random.default_rng(5)
    means = np.concatenate([rng.uniform(0, 3, 300), rng.uniform(3, LARGE - 1, 300),
                            [0.0, 1e-9, LARGE - 1e-6], np.full(50, 7.25)])
    u = rng.random((len(means), 40))
    assert np.array_equal(poisson_quantile(means[:, None], u), stats.poisson.ppf(u, means[:, None]))


def test_large_means_are_within_one_count_of_the_exact_quantile():
    """Above the cut-off, the Cornish-Fisher count is at most one off, and rarely."""
    rng = np.random.default_rng(6)
    means = rng.uniform(LARGE, 20 * LARGE, 200)
    u = rng.random((200, 50))
    error = poisson_quantile(means[:, None], u) - stats.poisson.ppf(u, means[:, None])
    assert np.abs(error).max() <= 1
    assert np.mean(error != 0) < 0.01


@settings(max_examples=40, deadline=None)
@given(mean=st.floats(0, 3 * LARGE), u=st.floats(0, 1, exclude_max=True))
def test_counts_are_monotone_in_the_uniform(mean, u):
    """A larger uniform never gives a smaller count (common random numbers stay ordered)."""
    lower, upper = poisson_quantile(np.array([[mean]]), np.array([[u * 0.9, u]]))[0]
    assert lower <= upper


def test_zero_mean_gives_zero_counts_and_bad_means_are_refused():
    """Mean 0 always gives 0; a negative or infinite mean is an error."""
    assert np.all(poisson_quantile(np.zeros((3, 1)), np.full((3, 4), 0.999)) == 0)
    for bad in (-1.0, np.inf, np.nan):
        with pytest.raises(ValueError):
            poisson_quantile(np.array([bad]), np.zeros((1, 1)))


@given(st.floats(0, 1, exclude_max=True), st.floats(0, LARGE, exclude_max=True),
       st.floats(0, LARGE, exclude_max=True))
@example(u=1 - 2**-53, a=806.0, b=857.0)  # the running sum gave 1,157 and 1,080
def test_a_larger_mean_never_gives_a_smaller_count(u, a, b):
    """With the same uniform, a larger mean gives at least as many counts (more holds never
    mean fewer claims) in the exact range (above it the expansion may be one count off)."""
    low, high = sorted([a, b])
    lower, upper = poisson_quantile(np.array([low, high]), np.array([u, u]))
    assert lower <= upper


def test_means_and_uniforms_broadcast():
    """A mean per row of uniforms (enforcement) or a uniform shared by rows of means
    (liability's strategies) give each element the count of its own mean and uniform."""
    means = np.array([[0.5], [4.0], [2000.0]])
    u = np.array([0.1, 0.5, 0.9])
    counts = poisson_quantile(means, u)
    assert counts.shape == (3, 3)
    for i, j in np.ndindex(3, 3):
        assert counts[i, j] == poisson_quantile(means[i], u[j:j + 1])[0]


@settings(max_examples=60, deadline=None)
@given(means=st.lists(st.floats(0, LARGE - 1e-9) | st.sampled_from([0.0, 1e-300, 0.5, 999.0]),
                      min_size=1, max_size=6),
       data=st.data())
def test_binned_table_search_equals_binary_search(means, data):
    """The binned search finds what a binary search over each table's CDF finds."""
    tables = PoissonTables.build(np.array(means))
    uniform = (st.sampled_from([0.0, 1e-300, 0.5, 1 - 2**-53])
               | st.floats(0, 1, exclude_max=True))
    rows = data.draw(st.integers(1, 8))
    group = np.array(data.draw(st.lists(st.integers(0, len(means) - 1), min_size=rows,
                                        max_size=rows)))
    u = np.array(data.draw(st.lists(uniform, min_size=rows, max_size=rows)))
    ends = np.append(tables.start[1:], len(tables.cdf))
    expected = [tables.low[g] + min(np.searchsorted(tables.cdf[tables.start[g]:ends[g]], x,
                                                    side="right"),
                                    ends[g] - tables.start[g] - 1)
                for g, x in zip(group, u, strict=True)]
    assert tables.counts(group, u).tolist() == expected


@settings(deadline=None)
@given(st.floats(1e-3, 1.0), st.lists(st.tuples(
    st.integers(0, 2_000),
    st.one_of(st.floats(0, 1, exclude_max=True), st.sampled_from([0.0, 1 - 2.0**-53, 1 - 1e-15]))),
    min_size=1, max_size=60))
def test_tables_kept_for_whole_holds_give_the_counts_of_their_means(probability, pairs):
    """Liability's tables of h x probability, looked up by h, count as poisson_quantile does."""
    holds, u = np.array(pairs, dtype=float).T
    holds = np.minimum(holds, np.floor((LARGE - 1) / probability))
    tables = PoissonTables.build(np.arange(int(holds.max()) + 1) * probability)
    counts = tables.counts(holds.astype(np.intp)[None, None, :], u[None, :])
    assert counts[0, 0].tolist() == poisson_quantile(holds * probability, u).tolist()
