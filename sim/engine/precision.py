"""Replications for a target precision: add batches until every headline mean is known well enough.

A run asked for a precision ``share`` (``fundsim run --precision 0.02``)
simulates replications in batches of fixed size and, after each batch, checks
every headline metric (:data:`HEADLINE_METRICS`): for every strategy (the
baseline included) and every city (and all cities together), the half-width
of the 95% confidence interval of its mean, and the same for each strategy's
paired difference from the baseline (replication by replication).  The run
stops at the first batch boundary where every half-width is within ``share``
of its mean, or within an absolute *floor*, whichever is larger; or at the
cap on replications.

Floors stop means near zero (a strategy that changes nothing) from asking for
endless replications.  They are set per metric or per family of units:
``money`` (default: 0.01% of a year's expenditure of the city, or of all
cities together), ``probability`` (half a percentage point), ``months`` (0.05),
``share`` (0.001) and ``count`` (0.5).

Because every replication draws from its own random streams and the batch
size never depends on the number of workers, the same scenario and seed stop
at the same number of replications, with the numbers a run of that many
replications gives.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.errors import UsageError

if TYPE_CHECKING:
    from sim.model.plan import Plan

HEADLINE_METRICS = ("net_fiscal_impact", "gap_closing_burden", "federal_withheld", "legal_cost",
                    "floor_breached", "min_reserve_ratio")
"""Metrics whose means a precision run pins down (those the run has)."""
DEFAULT_BATCH = 200
"""Replications added between two checks."""
DEFAULT_MAX_REPLICATIONS = 20_000
"""Cap on a precision run's replications unless given."""
MONEY_FLOOR_SHARE = 1e-4
"""Default floor of money metrics, as a share of a year's expenditure."""
DEFAULT_FLOORS = {"probability": 0.005, "months": 0.05, "share": 0.001, "count": 0.5}
"""Default floors of the other unit families, in their units."""
FAMILIES = ("money", "probability", "months", "share", "count")


def family(unit: str) -> str:
    """The family of a metric's unit (see :data:`FAMILIES`)."""
    if unit.startswith("USD"):
        return "money"
    if unit == "probability":
        return "probability"
    if unit == "months":
        return "months"
    if unit.startswith("share") or unit.startswith("index") or unit == "relative change":
        return "share"
    return "count"


@dataclass(frozen=True)
class PrecisionTarget:
    """What a precision run asks for (validated by :func:`target`)."""

    share: float
    """Largest 95% half-width as a share of the mean's magnitude."""
    floors: Mapping[str, float] = field(default_factory=dict)
    """Absolute half-widths that always suffice, by metric name or unit family."""
    batch: int = DEFAULT_BATCH
    max_replications: int = DEFAULT_MAX_REPLICATIONS
    metrics: tuple[str, ...] = HEADLINE_METRICS


def target(share: Any, *, floors: Mapping[str, Any] | Sequence[str] | None = None,
           batch: Any = None, max_replications: Any = None,
           metrics: Sequence[str] | None = None) -> PrecisionTarget:
    """Check a precision run's options and return them as a :class:`PrecisionTarget`.

    ``floors`` maps metric names or unit families (:data:`FAMILIES`) to
    absolute half-widths, or is a list of ``KEY=VALUE`` texts as the command
    line gives them.  Bad values raise :class:`~sim.errors.UsageError`.

    >>> target(0.02, floors=["money=1e6"]).floors
    {'money': 1000000.0}
    >>> target(2)
    Traceback (most recent call last):
    ...
    sim.errors.UsageError: precision must be a share between 0 and 1, e.g. 0.02 (got 2)
    """
    from sim.metrics import METRICS

    if not _real(share) or not 0 < share < 1:
        raise UsageError(f"precision must be a share between 0 and 1, e.g. 0.02 (got {share!r})")
    batch = DEFAULT_BATCH if batch is None else _whole("precision batch", batch)
    cap = DEFAULT_MAX_REPLICATIONS if max_replications is None else _whole(
        "max replications", max_replications)
    if cap < 2:
        raise UsageError(f"max replications must be at least 2 for a confidence interval "
                         f"(got {cap})")
    chosen = tuple(metrics) if metrics is not None else HEADLINE_METRICS
    for metric in chosen:
        if metric not in METRICS:
            raise UsageError(f"precision metric {metric!r} is not an outcome (known: "
                             f"{', '.join(METRICS)})")
    return PrecisionTarget(share=float(share), floors=_floors(floors, METRICS), batch=batch,
                           max_replications=cap, metrics=chosen)


def _real(value: Any) -> bool:
    return (isinstance(value, numbers.Real) and not isinstance(value, bool)
            and math.isfinite(value))


def _whole(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise UsageError(f"{name} must be a whole number of at least 1 (got {value!r})")
    return int(value)


def _floors(given: Mapping[str, Any] | Sequence[str] | None,
            metrics: Mapping[str, Any]) -> dict[str, float]:
    if given is None:
        return {}
    pairs: list[tuple[str, Any]] = []
    if isinstance(given, Mapping):
        pairs = list(given.items())
    else:
        for text in [given] if isinstance(given, str) else given:
            key, sep, value = str(text).partition("=")
            try:
                pairs.append((key.strip(), float(value) if sep else None))
            except ValueError:
                pairs.append((key.strip(), value))
    floors = {}
    for key, value in pairs:
        if key not in metrics and key not in FAMILIES:
            raise UsageError(f"precision floor {key!r}: not a metric or a unit family (families: "
                             f"{', '.join(FAMILIES)}; write KEY=VALUE, e.g. money=1e6)")
        if not _real(value) or value < 0:
            raise UsageError(f"precision floor {key}: must be a number of at least 0, in the "
                             f"metric's unit (got {value!r})")
        floors[key] = float(value)
    return floors


@dataclass(frozen=True)
class Check:
    """One mean and how precisely a run knows it."""

    strategy: str
    city: str
    metric: str
    paired: bool
    """True for the difference from the baseline, replication by replication."""
    mean: float
    half_width: float
    """Half-width of the 95% confidence interval of the mean (Student t)."""
    allowed: float
    """Largest half-width accepted: the share of the mean or the floor, whichever is larger."""

    @property
    def ratio(self) -> float:
        """Half-width over the allowed half-width: at most 1 when precise enough."""
        if self.allowed > 0:
            return self.half_width / self.allowed
        return 0.0 if self.half_width == 0 else math.inf


@dataclass(frozen=True)
class Assessment:
    """Every check after a batch, and whether the run may stop."""

    replications: int
    checks: tuple[Check, ...]

    @property
    def met(self) -> bool:
        """Whether every mean is known precisely enough."""
        return all(c.ratio <= 1 for c in self.checks)

    @property
    def worst(self) -> Check | None:
        """The check furthest from (or closest to) its allowance."""
        return max(self.checks, key=lambda c: c.ratio, default=None)


def half_width(values: np.ndarray, axis: int = 0) -> np.ndarray:
    """Half-width of the 95% confidence interval of the mean along ``axis`` (Student t)."""
    from scipy import stats

    n = values.shape[axis]
    if n < 2:
        return np.full(np.delete(values.shape, axis), np.inf)
    return stats.t.ppf(0.975, n - 1) * values.std(axis=axis, ddof=1) / np.sqrt(n)


def allowed(mean: np.ndarray, share: float, floor: np.ndarray | float) -> np.ndarray:
    """Largest accepted half-width: ``share`` of the mean's magnitude, or the floor if larger."""
    return np.maximum(share * np.abs(mean), floor)


class StoppingRule:
    """A :class:`PrecisionTarget` resolved against a run's strategies, cities and metrics."""

    def __init__(self, goal: PrecisionTarget, plan: Plan):
        from sim.metrics import ALL_CITIES, METRICS

        self.goal = goal
        self.strategies = list(plan.strategies)
        self.cities = list(plan.cities)
        self.combine = len(self.cities) > 1
        self.names = self.cities + ([ALL_CITIES] if self.combine else [])
        self.over_cities = {m: METRICS[m].over_cities for m in METRICS}
        spending = np.array([float(getattr(c.budget.expenditure, "mean", c.budget.expenditure))
                             for c in plan.scenario.city])
        self.spending = np.append(spending, spending.sum()) if self.combine else spending
        self.units = {m: family(METRICS[m].unit) for m in METRICS}

    def floor(self, metric: str) -> np.ndarray:
        """Floor of a metric for each city (and all cities together)."""
        floors = self.goal.floors
        unit = self.units[metric]
        if metric in floors:
            value = floors[metric]
        elif unit in floors:
            value = floors[unit]
        elif unit == "money":
            return MONEY_FLOOR_SHARE * self.spending
        else:
            value = DEFAULT_FLOORS[unit]
        return np.full(len(self.names), value)

    def _by_city(self, values: np.ndarray, metric: str) -> np.ndarray:
        """(S, R, C) values with all cities together appended on the city axis."""
        if not self.combine:
            return values
        how = {"sum": np.sum, "min": np.min, "max": np.max, "mean": np.mean}[
            self.over_cities[metric]]
        return np.concatenate([values, how(values, axis=2)[:, :, None]], axis=2)

    def assess(self, outcomes: Mapping[str, np.ndarray], replications: int) -> Assessment:
        """Check every headline mean over the first ``replications`` replications."""
        checks = []
        for metric in self.goal.metrics:
            if metric not in outcomes:
                continue
            values = self._by_city(np.asarray(outcomes[metric][:, :replications], float), metric)
            floor = self.floor(metric)
            sides = [(False, values)]
            base = values[:1]
            if len(values) > 1 and np.any(base != 0):
                sides.append((True, values[1:] - base))
            for paired, data in sides:
                mean = data.mean(axis=1)
                half = half_width(data, axis=1)
                accept = allowed(mean, self.goal.share, floor[None, :])
                first = 1 if paired else 0
                for s, c in np.ndindex(mean.shape):
                    checks.append(Check(self.strategies[s + first], self.names[c], metric, paired,
                                        float(mean[s, c]), float(half[s, c]),
                                        float(accept[s, c])))
        return Assessment(replications, tuple(checks))


def add_until_precise(goal: PrecisionTarget, rule: StoppingRule, outcomes: Mapping[str, np.ndarray],
                      simulate_more: Callable[[int, int], None]) -> list[Assessment]:
    """Add batches of ``goal.batch`` replications until every check passes or the cap is hit.

    ``simulate_more(first, last)`` fills replications ``first`` to ``last - 1``
    of ``outcomes``; the check runs at batch boundaries only.  Returns the
    assessment after each batch (the last says where the run stopped).
    """
    history: list[Assessment] = []
    done = 0
    while not history or not (history[-1].met or done >= goal.max_replications):
        upto = min(done + goal.batch, goal.max_replications)
        simulate_more(done, upto)
        done = upto
        history.append(rule.assess(outcomes, done))
    return history


def record(goal: PrecisionTarget, rule: StoppingRule,
           history: Sequence[Assessment]) -> dict[str, Any]:
    """What the manifest says about a precision run: the target, where it stopped and why."""
    last = history[-1]
    worst = last.worst
    floors = {m: [round(float(v), 6) for v in rule.floor(m)] for m in goal.metrics
              if m in rule.units}
    return {
        "target": goal.share,
        "batch": goal.batch,
        "max_replications": goal.max_replications,
        "metrics": list(goal.metrics),
        "floors_given": dict(goal.floors),
        "floors": {"cities": rule.names, "by_metric": floors},
        "reached": last.met,
        "replications": last.replications,
        "checks": len(last.checks),
        "worst": None if worst is None else {**asdict(worst), "ratio": _finite(worst.ratio)},
        "history": [[a.replications, None if a.worst is None else _finite(a.worst.ratio)]
                    for a in history],
    }


def _finite(ratio: float) -> float | None:
    """A ratio for JSON: rounded, None when infinite (a floor of zero on a varying mean)."""
    return round(ratio, 4) if math.isfinite(ratio) else None


def describe(record: Mapping[str, Any]) -> str:
    """A precision run's outcome in one sentence, from its manifest record."""
    n, share = record["replications"], record["target"]
    worst = record.get("worst")
    if worst is None:
        return f"Precision: {n:,} replications; no headline metric to check."
    what = (f"{worst['metric'].replace('_', ' ')}, {worst['strategy']}"
            f"{' vs baseline' if worst['paired'] else ''}, {worst['city']}")
    spread = (f"±{_value(worst['metric'], worst['half_width'])} on a mean of "
              f"{_value(worst['metric'], worst['mean'])}")
    if record["reached"]:
        return (f"Precision {share:.1%} reached after {n:,} replications (batches of "
                f"{record['batch']:,}): every one of the {record['checks']} 95% half-widths is "
                f"within {share:.1%} of its mean or its floor; the closest is {what}, {spread}.")
    return (f"Precision {share:.1%} NOT reached: the cap of {n:,} replications leaves {what} "
            f"at {spread}, above the {_value(worst['metric'], worst['allowed'])} allowed; raise "
            "the cap (--max-replications) or the floor (--precision-floor).")


def _value(metric: str, value: float) -> str:
    from sim.metrics import METRICS

    kind = family(METRICS[metric].unit)
    if kind == "money":
        from sim.formats import dollars

        return dollars(value)
    if kind in ("probability", "share"):
        return f"{100 * value:.2g} pp" if kind == "probability" else f"{value:.3g}"
    return f"{value:.3g}"
