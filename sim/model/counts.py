"""Random counts from common uniforms: the model's one Poisson sampler, fast for whole batches.

Common random numbers need every random count to come from a uniform drawn
up front (see :func:`sim.model.streams.uniforms`), transformed by the inverse of
the count's distribution function, so that a larger mean never gives a
smaller count from the same uniform.  :func:`scipy.stats.poisson.ppf` does
that one element at a time and is far too slow for arrays of millions of
(month, replication, city) cells, so :func:`poisson_quantile` inverts whole
arrays at once: exactly, by searching one CDF table per distinct mean
(:class:`PoissonTables`), for means below :data:`LARGE`; by the
Cornish-Fisher expansion above it, where the Poisson distribution is nearly
normal and the expansion is off by at most one count in the far tails.

Two processes draw counts: enforcement (detainers, transfers and arrests,
drawn for the whole horizon at once) and liability (paid claims of unlawful
holds, a month at a time, from tables kept for the batch: see
:meth:`PoissonTables.build`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

LARGE = 1000.0
"""Means from which counts use the Cornish-Fisher expansion instead of a table."""
SPREAD = 12.0
"""Half-width of a table in standard deviations (the mass outside is below 1e-30)."""
BINS = 256
"""Bins per table of the search's first guess: more bins, fewer steps after it."""


def poisson_quantile(mean: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Poisson counts with the given means at probabilities ``u``: the inverse CDF.

    ``mean`` and ``u`` broadcast against each other, with ``u`` in [0, 1)
    (enforcement passes a mean per row of uniforms, liability a uniform per
    city shared by every strategy's mean).  Returns int64 counts of the
    broadcast shape: the smallest ``k`` with ``P(X <= k) > u``.
    """
    mean = np.asarray(mean, dtype=float)
    u = np.asarray(u, dtype=float)
    if np.any(mean < 0) or not np.all(np.isfinite(mean)):
        raise ValueError("Poisson means must be finite and non-negative")
    large = mean >= LARGE
    small = (mean > 0) & ~large
    if small.all():  # the usual case, without copying a million uniforms in and counts out
        return _by_table(mean, u)
    mean, u = np.broadcast_arrays(mean, u)
    large, small = np.broadcast_to(large, u.shape), np.broadcast_to(small, u.shape)
    counts = np.zeros(u.shape, dtype=np.int64)
    if large.any():
        counts[large] = _cornish_fisher(mean[large], u[large])
    if small.any():
        counts[small] = _by_table(mean[small], u[small])
    return counts


def _by_table(mean: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Exact inversion of means below :data:`LARGE`: one table per distinct mean."""
    values, group = np.unique(mean, return_inverse=True)
    return PoissonTables.build(values).counts(group.reshape(mean.shape), u)


@dataclass(frozen=True)
class PoissonTables:
    """CDF tables of Poisson distributions, one per mean, searched for many uniforms at once.

    Table ``g`` holds ``P(X <= k)`` for ``k`` from ``low[g]`` to
    ``low[g] + size[g] - 1``: the mean plus or minus :data:`SPREAD` standard
    deviations and ten counts, where the mass outside is below 1e-30.  The
    tables are laid end to end in :attr:`cdf`, each closed by ``+inf`` in
    place of its last probability, so a search never leaves its table.

    A uniform is searched from its bin's first guess: each table's range
    [0, 1) is cut into :data:`BINS` bins, and the first entry above each
    bin's lower edge is found once, at build; a uniform then steps up past
    the few entries inside its bin.  Binary search over a few thousand keys
    by a million uniforms misses the cache at every step (docs/engine.md,
    measured choices).
    """

    low: np.ndarray
    """(K,) count of each table's first entry."""
    start: np.ndarray
    """(K,) where each table starts in :attr:`cdf`."""
    cdf: np.ndarray
    """The tables end to end, each ending with ``+inf``."""
    first: np.ndarray
    """(K * BINS,) index in :attr:`cdf` of table ``g``'s first entry above ``b / BINS``, at
    ``g * BINS + b``."""

    @classmethod
    def build(cls, means: np.ndarray) -> PoissonTables:
        """Tables of ``means`` (K,), each finite, at least 0 and below :data:`LARGE`.

        Liability keeps the tables of ``h x claim probability`` for every whole
        number ``h`` of holds for the whole batch, rather than building tables
        each month.
        """
        values = np.asarray(means, dtype=float)
        sd = np.sqrt(values)
        low = np.maximum(np.floor(values - SPREAD * sd - 10.0), 0.0).astype(np.int64)
        size = np.ceil(values + SPREAD * sd + 10.0).astype(np.int64) - low + 1
        start = np.cumsum(size) - size
        table = np.repeat(np.arange(len(values)), size)
        k = low[table] + np.arange(size.sum()) - start[table]
        log_factorial = special.gammaln(np.arange(k.max(initial=0) + 1.0) + 1.0)
        zero = values == 0
        if zero.any():  # P(X = 0) = 1 at mean 0 (log(0) would make the exponent nan)
            log_mean = np.log(np.where(zero, 1.0, values))
        else:
            log_mean = np.log(values)
        pmf = np.exp(k * log_mean[table] - values[table] - log_factorial[k])
        if zero.any():
            pmf[zero[table] & (k > 0)] = 0.0
        below = np.where(low > 0, special.pdtr(np.maximum(low - 1, 0), values), 0.0)
        cdf = np.minimum(_cumsum_each(pmf, start, size) + below[table], 1.0)
        # Above the mean, 1 - P(X > k) rather than the running sum: the sum's rounding
        # leaves it short of the largest uniforms (1 - 2**-53) by a different amount in
        # each table, which could give a larger mean a smaller count.
        upper = k >= values[table]
        cdf[upper] = 1.0 - special.pdtrc(k[upper], values[table][upper])
        last = start + size - 1
        cdf[last] = np.inf
        # An entry v is not above the edge b / BINS from bin ceil(v * BINS) on (exact: a
        # power-of-two scaling); the +inf entries are above every edge.
        from_bin = np.minimum(np.ceil(cdf * BINS), BINS).astype(np.intp)
        not_above = np.bincount(table * (BINS + 1) + from_bin,
                                minlength=len(values) * (BINS + 1))
        ahead = np.cumsum(not_above.reshape(len(values), BINS + 1)[:, :BINS], axis=1)
        return cls(low, start, cdf, (start[:, None] + ahead).reshape(-1))

    def counts(self, group: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Counts (int64) of uniforms ``u`` in tables ``group``, broadcast against each other.

        The smallest count whose entry is above the uniform (the table's last
        count where none is).
        """
        # The first entry above u is at or after its bin's first entry above b / BINS <= u
        # (exact: a power-of-two scaling of u, then its floor).  Flat take(): numpy's fancy
        # indexing of a 2-d table is 3 times slower.
        # In place where the arrays are (month, replication, city) big: 12 MB each in a
        # 250-replication batch of 50 cities.
        found = np.multiply(u, BINS, out=np.empty(u.shape, np.intp), casting="unsafe")
        in_place = found.shape == np.broadcast_shapes(found.shape, group.shape)
        found = np.add(found, group * BINS, out=found if in_place else None)
        found = self.first.take(found)
        behind = np.flatnonzero(self.cdf.take(found) <= u)
        if behind.size:
            flat_found = found.reshape(-1)
            # The uniforms of the cells behind only (u may be a strided view).
            u_behind = np.broadcast_to(u, found.shape)[np.unravel_index(behind, found.shape)]
            while behind.size:
                flat_found[behind] += 1
                still = self.cdf.take(flat_found[behind]) <= u_behind
                behind, u_behind = behind[still], u_behind[still]
        found += (self.low - self.start).take(group)
        return found


def _cumsum_each(values: np.ndarray, start: np.ndarray, size: np.ndarray) -> np.ndarray:
    """Cumulative sums of each table of ``values`` (laid end to end), each from its own start.

    Summed position by position across tables, each table in order: one cumulative
    sum of all tables less each table's offset would leave every entry an absolute
    error of the offset's rounding (2.5e-11 after 12,500 tables), enough to misplace
    counts in the far lower tail.
    """
    sums = values.copy()
    firsts = start[np.argsort(-size, kind="stable")]  # longest tables first
    longer_than = len(size) - np.cumsum(np.bincount(size, minlength=int(size.max(initial=0)) + 1))
    for j in range(1, len(longer_than)):
        at = firsts[:longer_than[j]] + j
        sums[at] += sums[at - 1]
    return sums


def _cornish_fisher(mean: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Normal quantile corrected for the Poisson's skewness and kurtosis."""
    z = np.clip(special.ndtri(u), -38.0, 38.0)
    root = np.sqrt(mean)
    x = (mean + root * z + (z * z - 1.0) / 6.0
         + (z**3 - 3.0 * z) / (24.0 * root) - (2.0 * z**3 - 5.0 * z) / (36.0 * root))
    return np.maximum(np.floor(x + 0.5), 0.0).astype(np.int64)
