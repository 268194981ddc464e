"""Random counts from common uniforms, fast enough for whole batches.

Common random numbers need every random count to come from a uniform drawn
up front (see :func:`sim.streams.uniforms`), transformed by the inverse of
the count's distribution function.  :func:`scipy.stats.poisson.ppf` does
that one element at a time and is far too slow for arrays of millions of
(month, replication, city) cells, so :func:`poisson_quantile` inverts whole
arrays at once: exactly, by searching one table per distinct mean, for
means below :data:`LARGE`; by the Cornish-Fisher expansion above it, where
the Poisson distribution is nearly normal and the expansion is off by at
most one count in the far tails.
"""

from __future__ import annotations

import numpy as np
from scipy import special

LARGE = 1000.0
"""Means from which counts use the Cornish-Fisher expansion instead of a table."""
SPREAD = 12.0
"""Half-width of a table in standard deviations (the mass outside is below 1e-30)."""


def poisson_quantile(mean: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Poisson counts with the given means at probabilities ``u``: the inverse CDF.

    ``mean`` has shape ``(N,)`` and ``u`` shape ``(N, T)``, with ``u`` in
    [0, 1); each row of ``u`` shares its row's mean.  Returns int64 counts of
    shape ``(N, T)``: the smallest ``k`` with ``P(X <= k) > u``.
    """
    mean = np.asarray(mean, dtype=float)
    u = np.asarray(u, dtype=float)
    if np.any(mean < 0) or not np.all(np.isfinite(mean)):
        raise ValueError("Poisson means must be finite and non-negative")
    counts = np.zeros(u.shape, dtype=np.int64)
    large = mean >= LARGE
    small = (mean > 0) & ~large
    if large.any():
        counts[large] = _cornish_fisher(mean[large], u[large])
    if small.any():
        counts[small] = _by_table(mean[small], u[small])
    return counts


def _by_table(mean: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Exact inversion: one CDF table per distinct mean, searched all at once.

    The tables are laid end to end, table ``g`` shifted by ``g`` so that the
    whole is sorted; a uniform of a row with table ``g`` is searched as
    ``g + u``.
    """
    values, group = np.unique(mean, return_inverse=True)
    sd = np.sqrt(values)
    low = np.maximum(np.floor(values - SPREAD * sd - 10.0), 0.0).astype(np.int64)
    size = np.ceil(values + SPREAD * sd + 10.0).astype(np.int64) - low + 1
    start = np.cumsum(size) - size
    table = np.repeat(np.arange(len(values)), size)
    k = low[table] + np.arange(size.sum()) - start[table]
    log_factorial = special.gammaln(np.arange(k.max() + 1.0) + 1.0)
    pmf = np.exp(k * np.log(values)[table] - values[table] - log_factorial[k])
    below = np.where(low > 0, special.pdtr(np.maximum(low - 1, 0), values), 0.0)
    running = np.cumsum(pmf)
    cdf = running - (running[start] - pmf[start])[table] + below[table]
    keys = np.minimum(cdf, 1.0) + table
    found = np.searchsorted(keys, u + group[:, None], side="right") - start[group][:, None]
    return low[group][:, None] + np.clip(found, 0, size[group][:, None] - 1)


def _cornish_fisher(mean: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Normal quantile corrected for the Poisson's skewness and kurtosis."""
    z = np.clip(special.ndtri(u), -38.0, 38.0)
    root = np.sqrt(mean)[:, None]
    x = (mean[:, None] + root * z + (z * z - 1.0) / 6.0
         + (z**3 - 3.0 * z) / (24.0 * root) - (2.0 * z**3 - 5.0 * z) / (36.0 * root))
    return np.maximum(np.floor(x + 0.5), 0.0).astype(np.int64)
