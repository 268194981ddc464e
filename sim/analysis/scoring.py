"""Proper scoring rules: how good a probabilistic forecast was, once the outcome is known.

A scoring rule gives a forecast a number after the outcome is known.  Here
every score is negatively oriented (lower is better) and *proper*: a
forecaster expecting the outcome to follow distribution ``Q`` gets the best
expected score by forecasting ``Q`` itself, so honest forecasts are never
penalised (Gneiting and Raftery 2007, "Strictly proper scoring rules,
prediction, and estimation", JASA 102:359).

- :func:`brier`: squared error of a probability for a yes/no outcome, 0-1.
- :func:`log_score`: minus the natural logarithm of the probability given to
  what happened (in nats); probabilities are kept within ``[clip, 1 - clip]``
  so that one confident miss does not make a mean infinite.
- :func:`crps`: continuous ranked probability score of a forecast given as
  samples (a Monte Carlo run's replications, or a list of past values), in
  the outcome's unit; for a single sample it is the absolute error.

:func:`skill` compares a model with a reference forecast, and
:func:`bootstrap` gives the uncertainty of mean scores over a handful of
scored items.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LOG_CLIP = 0.005
"""Probabilities are kept within [LOG_CLIP, 1 - LOG_CLIP] by :func:`log_score`:
a miss at the clip costs -ln(0.005) = 5.3 nats, about five confident misses' worth."""


def brier(probability: float, outcome: bool) -> float:
    """Brier score of ``probability`` for a yes/no ``outcome``: (p - o)^2.

    >>> round(brier(0.8, True), 4), round(brier(0.8, False), 4)
    (0.04, 0.64)
    """
    _check_probability(probability)
    return float((probability - float(outcome)) ** 2)


def log_score(probability: float, outcome: bool, clip: float = LOG_CLIP) -> float:
    """Minus the natural log of the probability given to what happened, in nats.

    >>> round(log_score(0.5, True), 4)
    0.6931
    >>> round(log_score(1.0, False), 4)  # clipped at 0.995: -ln(0.005)
    5.2983
    """
    _check_probability(probability)
    p = min(max(probability, clip), 1.0 - clip)
    return float(-np.log(p if outcome else 1.0 - p))


def crps(samples: np.ndarray, observed: float) -> float:
    """Continuous ranked probability score of a sample forecast, in the outcome's unit.

    The energy form E|X - y| - E|X - X'| / 2 over the empirical distribution of
    ``samples`` (the CRPS of that step-function CDF, exactly).  The pairwise
    term uses the sorted samples: sum over pairs |x_i - x_j| equals
    2 * sum_k (2k - n - 1) x_(k), so the cost is n log n, not n^2.

    >>> crps(np.array([3.0]), 5.0)  # one sample: the absolute error
    2.0
    >>> crps(np.array([0.0, 1.0]), 0.0)  # 0.5 - 0.5 * 0.5
    0.25
    """
    x = np.sort(np.asarray(samples, dtype=float).ravel())
    n = len(x)
    if n == 0:
        raise ValueError("crps needs at least one sample (got none)")
    if not (np.all(np.isfinite(x)) and np.isfinite(observed)):
        raise ValueError(f"crps needs finite samples and outcome (got outcome {observed})")
    spread = np.abs(x - observed).mean()
    k = np.arange(1, n + 1)
    pairs = 2.0 * np.dot(2 * k - n - 1, x) / (n * n)  # E|X - X'| over all ordered pairs
    return float(spread - 0.5 * pairs)


def skill(score: float, reference: float) -> float:
    """Skill score 1 - score / reference: 1 perfect, 0 no better than the reference.

    Negative when the forecast is worse than the reference; NaN when the
    reference scored a perfect 0 (no room for skill).

    >>> skill(0.1, 0.2)
    0.5
    """
    return float(1.0 - score / reference) if reference > 0 else float("nan")


@dataclass(frozen=True)
class Bootstrap:
    """Mean scores of a forecast and its reference over the same items, resampled."""

    model: np.ndarray
    """(B,) mean model score of each resample of the items."""
    reference: np.ndarray
    """(B,) mean reference score of the same resamples (paired)."""

    def interval(self, values: np.ndarray, level: float = 0.9) -> tuple[float, float]:
        """Central ``level`` percentile interval of resampled ``values`` (NaN ignored)."""
        tail = 50.0 * (1.0 - level)
        finite = values[np.isfinite(values)]
        if not len(finite):
            return float("nan"), float("nan")
        low, high = np.percentile(finite, [tail, 100.0 - tail])
        return float(low), float(high)

    @property
    def difference(self) -> np.ndarray:
        """(B,) model minus reference mean score: negative where the model did better."""
        return self.model - self.reference

    @property
    def skill(self) -> np.ndarray:
        """(B,) skill score of each resample (NaN where the reference mean is 0)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.reference > 0, 1.0 - self.model / self.reference, np.nan)


def bootstrap(model: np.ndarray, reference: np.ndarray, draws: int = 2000,
              seed: int = 0) -> Bootstrap:
    """Resample scored items with replacement, ``draws`` times, keeping pairs together.

    ``model[i]`` and ``reference[i]`` score the same item (a suit, a city), so
    each resample draws item indices once and averages both: the difference
    of the means keeps the pairing.  With one item every resample is that item.
    """
    model, reference = np.asarray(model, float), np.asarray(reference, float)
    if model.shape != reference.shape or model.ndim != 1 or not len(model):
        raise ValueError(f"bootstrap needs two equal, non-empty 1-d score arrays "
                         f"(got shapes {model.shape} and {reference.shape})")
    index = np.random.default_rng(seed).integers(0, len(model), size=(draws, len(model)))
    return Bootstrap(model[index].mean(axis=1), reference[index].mean(axis=1))


def _check_probability(probability: float) -> None:
    if not 0.0 <= probability <= 1.0:
        raise ValueError(f"probability(={probability}) must be within [0, 1]")
