"""Counts from common uniforms: exact Poisson quantiles, fast, for whole arrays."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from sim.model.counts import LARGE, poisson_quantile, search_tables


def test_table_inversion_equals_scipy_poisson_ppf():
    """Below the large-mean cut-off, every count equals scipy's exact quantile."""
    rng = np.random.default_rng(5)
    means = np.concatenate([rng.uniform(0, 3, 300), rng.uniform(3, LARGE - 1, 300),
                            [0.0, 1e-9, LARGE - 1e-6], np.full(50, 7.25)])
    u = rng.random((len(means), 40))
    assert np.array_equal(poisson_quantile(means, u), stats.poisson.ppf(u, means[:, None]))


def test_large_means_are_within_one_count_of_the_exact_quantile():
    """Above the cut-off, the Cornish-Fisher count is at most one off, and rarely."""
    rng = np.random.default_rng(6)
    means = rng.uniform(LARGE, 20 * LARGE, 200)
    u = rng.random((200, 50))
    error = poisson_quantile(means, u) - stats.poisson.ppf(u, means[:, None])
    assert np.abs(error).max() <= 1
    assert np.mean(error != 0) < 0.01


@settings(max_examples=40, deadline=None)
@given(mean=st.floats(0, 3 * LARGE), u=st.floats(0, 1, exclude_max=True))
def test_counts_are_monotone_in_the_uniform(mean, u):
    """A larger uniform never gives a smaller count (common random numbers stay ordered)."""
    lower, upper = poisson_quantile(np.array([mean]), np.array([[u * 0.9, u]]))[0]
    assert lower <= upper


def test_zero_mean_gives_zero_counts_and_bad_means_are_refused():
    """Mean 0 always gives 0; a negative or infinite mean is an error."""
    assert np.all(poisson_quantile(np.zeros(3), np.full((3, 4), 0.999)) == 0)
    for bad in (-1.0, np.inf, np.nan):
        with pytest.raises(ValueError):
            poisson_quantile(np.array([bad]), np.zeros((1, 1)))


table_values = st.lists(st.sampled_from([0.0, 1e-300, 0.25, 0.5, 1 - 1e-16, 1.0])
                        | st.floats(0, 1), min_size=1, max_size=40).map(sorted)


@settings(max_examples=60, deadline=None)
@given(tables=st.lists(table_values, min_size=1, max_size=6), data=st.data())
def test_binned_table_search_equals_binary_search(tables, data):
    """The binned search finds what a binary search over the laid-out tables finds."""
    size = np.array([len(t) for t in tables])
    start = np.cumsum(size) - size
    keys = np.concatenate([np.array(t) + g for g, t in enumerate(tables)])
    rows = data.draw(st.integers(1, 8))
    group = np.array(data.draw(st.lists(st.integers(0, len(tables) - 1), min_size=rows,
                                        max_size=rows)))
    uniform = st.sampled_from([0.0, 1e-300, 0.5, 1 - 2**-53]) | st.floats(0, 1, exclude_max=True)
    u = np.array(data.draw(st.lists(st.lists(uniform, min_size=3, max_size=3),
                                    min_size=rows, max_size=rows)))
    plain = np.searchsorted(keys, u + group[:, None], side="right")
    expected = np.minimum(plain, (start + size - 1)[group][:, None])
    assert np.array_equal(search_tables(keys, start, size, group, u), expected)
