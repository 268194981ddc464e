"""Uncertain quantities: numbers and dates that vary between replications.

Any numeric parameter of a scenario may be written either as a number or as a
table ``{dist = "...", ...}``.  Each replication samples every uncertain
quantity once, by inverse transform of a uniform draw from the replication's
own random stream, so the same uniforms can also come from a Latin hypercube
or a Sobol design (see :mod:`sim.analysis.sweep`).

Distributions are frozen value objects with a readable ``repr``, a ``mean``
and a vectorised ``ppf`` (percent-point function, the inverse CDF) built on
:mod:`scipy.stats`.
"""

from __future__ import annotations

import datetime as dt
import typing
from collections.abc import Mapping
from typing import Annotated, Any, Literal, Self

import numpy as np
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    model_validator,
)
from pydantic.fields import FieldInfo


def _stats() -> Any:
    """Import :mod:`scipy.stats` on first use (validation never needs its half second)."""
    from scipy import stats

    return stats


class Frozen(BaseModel):
    """Base of every scenario object: immutable, strict about unknown keys."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        use_attribute_docstrings=True,
        allow_inf_nan=False,
    )

    def model_copy(self, *, update: Mapping[str, Any] | None = None,
                   deep: bool = False) -> Self:
        """Copy the object; changing values this way is refused.

        pydantic's ``model_copy(update=...)`` skips validation, so it could
        make a scenario no file could hold.  Use
        :meth:`sim.scenario.Scenario.with_values`, which validates.
        """
        if update:
            raise TypeError("scenario objects are changed with Scenario.with_values({key.path: "
                            "value}), which validates the result; model_copy(update=...) "
                            "would not")
        return super().model_copy(deep=deep)

    def __setattr__(self, name: str, value: Any) -> None:
        """Refuse, saying how to change a scenario (pydantic says only "Instance is frozen")."""
        raise AttributeError(
            f"{type(self).__name__}.{name} cannot be set: scenario objects never change. Make "
            f"a changed copy with scenario.with_values({{'key.path': value}}), e.g. "
            f"{{'city[Denver].budget.reserves': 2e8}}; it validates the result")


def _check_weights(values: list, weights: list[float] | None) -> None:
    if weights is None:
        return
    if len(weights) != len(values):
        raise ValueError(f"weights has {len(weights)} entries but values has {len(values)}")
    if min(weights) < 0 or sum(weights) <= 0:
        raise ValueError("weights must be non-negative and not all zero")
    if not np.isfinite(sum(weights)):
        raise ValueError("weights are too large; rescale them (only their ratios matter)")


class Uniform(Frozen):
    """Every value between ``low`` and ``high`` equally likely."""

    dist: Literal["uniform"]
    low: float
    """Smallest possible value."""
    high: float
    """Largest possible value."""

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if not self.low < self.high:
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        return self

    @property
    def support(self) -> tuple[float, float]:
        return self.low, self.high

    @property
    def mean(self) -> float:
        return (self.low + self.high) / 2

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return self.low + np.asarray(u) * (self.high - self.low)


class Triangular(Frozen):
    """Triangular distribution: a range and a most likely value."""

    dist: Literal["triangular"]
    low: float
    """Smallest possible value."""
    mode: float
    """Most likely value."""
    high: float
    """Largest possible value."""

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not (self.low <= self.mode <= self.high and self.low < self.high):
            raise ValueError(
                f"need low <= mode <= high and low < high "
                f"(low {self.low}, mode {self.mode}, high {self.high})"
            )
        return self

    @property
    def support(self) -> tuple[float, float]:
        return self.low, self.high

    @property
    def mean(self) -> float:
        return (self.low + self.mode + self.high) / 3

    def ppf(self, u: np.ndarray) -> np.ndarray:
        scale = self.high - self.low
        c = (self.mode - self.low) / scale
        return _stats().triang.ppf(u, c, loc=self.low, scale=scale)


class Normal(Frozen):
    """Normal distribution, optionally truncated to ``[low, high]``."""

    dist: Literal["normal"]
    mean_: float = Field(alias="mean")
    """Mean (before truncation)."""
    sd: float = Field(gt=0)
    """Standard deviation (before truncation); must be positive."""
    low: float | None = None
    """Optional lower truncation point."""
    high: float | None = None
    """Optional upper truncation point."""

    model_config = ConfigDict(populate_by_name=True)

    @model_validator(mode="after")
    def _ordered(self) -> Normal:
        if self.low is not None and self.high is not None and not self.low < self.high:
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        return self

    @property
    def support(self) -> tuple[float, float]:
        low = -np.inf if self.low is None else self.low
        high = np.inf if self.high is None else self.high
        return low, high

    def _frozen(self) -> Any:
        low, high = self.support
        a, b = (low - self.mean_) / self.sd, (high - self.mean_) / self.sd
        return _stats().truncnorm(a, b, loc=self.mean_, scale=self.sd)

    @property
    def mean(self) -> float:
        return float(self._frozen().mean())

    def ppf(self, u: np.ndarray) -> np.ndarray:
        if self.low is None and self.high is None:
            return _stats().norm.ppf(u, loc=self.mean_, scale=self.sd)
        return self._frozen().ppf(u)


class LogNormal(Frozen):
    """Log-normal distribution given by its median and the sigma of its logarithm."""

    dist: Literal["lognormal"]
    median: float = Field(gt=0)
    """Median value; must be positive."""
    sigma: float = Field(gt=0)
    """Standard deviation of the natural logarithm; must be positive."""

    @property
    def support(self) -> tuple[float, float]:
        return 0.0, np.inf

    @property
    def mean(self) -> float:
        return float(self.median * np.exp(self.sigma**2 / 2))

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return _stats().lognorm.ppf(u, self.sigma, scale=self.median)


class Beta(Frozen):
    """Beta distribution with shapes ``a`` and ``b``, rescaled to ``[low, high]``."""

    dist: Literal["beta"]
    a: float = Field(gt=0)
    """First shape parameter; must be positive."""
    b: float = Field(gt=0)
    """Second shape parameter; must be positive."""
    low: float = 0.0
    """Lower end of the range."""
    high: float = 1.0
    """Upper end of the range."""

    @model_validator(mode="after")
    def _ordered(self) -> Beta:
        if not self.low < self.high:
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        return self

    @property
    def support(self) -> tuple[float, float]:
        return self.low, self.high

    @property
    def mean(self) -> float:
        return self.low + (self.high - self.low) * self.a / (self.a + self.b)

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return _stats().beta.ppf(u, self.a, self.b, loc=self.low, scale=self.high - self.low)


class Bernoulli(Frozen):
    """One with probability ``p``, else zero."""

    dist: Literal["bernoulli"]
    p: float = Field(ge=0, le=1)
    """Probability of the value one."""

    @property
    def support(self) -> tuple[float, float]:
        return 0.0, 1.0

    @property
    def mean(self) -> float:
        return self.p

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return (np.asarray(u) < self.p).astype(float)


class Choice(Frozen):
    """One of listed values, with optional weights (equal by default)."""

    dist: Literal["choice"]
    values: list[float] = Field(min_length=1, max_length=10_000)
    """The possible values."""
    weights: list[float] | None = None
    """Relative weights, one per value, non-negative, not all zero."""

    @model_validator(mode="after")
    def _weights_match(self) -> Choice:
        _check_weights(self.values, self.weights)
        return self

    def _cumulative(self) -> np.ndarray:
        w = np.ones(len(self.values)) if self.weights is None else np.asarray(self.weights)
        return np.cumsum(w) / w.sum()

    @property
    def support(self) -> tuple[float, float]:
        return min(self.values), max(self.values)

    @property
    def mean(self) -> float:
        w = np.diff(self._cumulative(), prepend=0.0)
        return float(np.dot(w, self.values))

    def ppf(self, u: np.ndarray) -> np.ndarray:
        index = np.searchsorted(self._cumulative(), np.asarray(u), side="right")
        return np.asarray(self.values)[np.minimum(index, len(self.values) - 1)]


class DateUniform(Frozen):
    """A date equally likely to fall on any day from ``low`` to ``high``."""

    dist: Literal["uniform"]
    low: dt.date
    """Earliest possible date."""
    high: dt.date
    """Latest possible date."""

    @model_validator(mode="after")
    def _ordered(self) -> DateUniform:
        if not self.low < self.high:
            raise ValueError(f"low ({self.low}) must be before high ({self.high})")
        return self

    @property
    def support(self) -> tuple[dt.date, dt.date]:
        return self.low, self.high

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Sampled dates as proleptic Gregorian ordinals (whole days)."""
        span = self.high.toordinal() - self.low.toordinal() + 1
        days = np.minimum(np.floor(np.asarray(u) * span), span - 1)
        return self.low.toordinal() + days


class DateChoice(Frozen):
    """One of listed dates, with optional weights."""

    dist: Literal["choice"]
    values: list[dt.date] = Field(min_length=1, max_length=10_000)
    """The possible dates."""
    weights: list[float] | None = None
    """Relative weights, one per date, non-negative, not all zero."""

    @model_validator(mode="after")
    def _weights_match(self) -> DateChoice:
        _check_weights(self.values, self.weights)
        return self

    @property
    def support(self) -> tuple[dt.date, dt.date]:
        return min(self.values), max(self.values)

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Sampled dates as proleptic Gregorian ordinals (whole days)."""
        ordinals = Choice(dist="choice", values=[d.toordinal() for d in self.values],
                          weights=self.weights)
        return ordinals.ppf(u)


Dist = Annotated[
    Uniform | Triangular | Normal | LogNormal | Beta | Bernoulli | Choice,
    Field(discriminator="dist"),
]
DateDist = Annotated[DateUniform | DateChoice, Field(discriminator="dist")]
NUMBER_DISTS = (Uniform, Triangular, Normal, LogNormal, Beta, Bernoulli, Choice)
DATE_DISTS = (DateUniform, DateChoice)

#: Tags that pydantic inserts in error locations for the unions below; the
#: loader removes them so that paths read like the file.
UNION_TAGS = frozenset(
    {"number", "uncertain", "date", "uniform", "triangular", "normal", "lognormal", "beta",
     "bernoulli", "choice"}
)


def _number_or_dist(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, (dict, *NUMBER_DISTS)):
        return "uncertain"
    return None


def _date_or_dist(value: Any) -> str | None:
    if isinstance(value, dt.date | str):
        return "date"
    if isinstance(value, (dict, *DATE_DISTS)):
        return "uncertain"
    return None


MAX_MAGNITUDE = 1e15
"""Largest magnitude of any scenario number (a quadrillion: 40 times US GDP).
Beyond it, 100 years of growth and sums over cities and months could overflow."""
_LAST_UNIFORM = 1.0 - 2.0**-53
"""Largest uniform draw (numpy's ``random()`` lies in [0, 1) on a 2**-53 grid)."""


def reachable_range(dist: Any) -> tuple[float, float]:
    """Smallest and largest value sampling can produce (by inverse transform).

    For a distribution with unbounded support this is the value at the most
    extreme uniform draw, so a lognormal is accepted where its draws stay finite.
    """
    low, high = dist.support
    if not np.isfinite(high):
        high = float(dist.ppf(np.array([_LAST_UNIFORM]))[0])
    return float(low), high


def _bounds_checker(ge: float | None, gt: float | None, le: float | None, integer: bool):
    def describe() -> str:
        parts = []
        if gt is not None:
            parts.append(f"> {gt:g}")
        if ge is not None:
            parts.append(f">= {ge:g}")
        if le is not None:
            parts.append(f"<= {le:g}")
        return " and ".join(parts)

    def inside(x: float) -> bool:
        return ((ge is None or x >= ge) and (gt is None or x > gt)
                and (le is None or x <= le))

    def modest(x: float) -> bool:
        return abs(x) <= MAX_MAGNITUDE

    def check(value: Any) -> Any:
        if isinstance(value, NUMBER_DISTS):
            with np.errstate(all="ignore"):
                low, high = reachable_range(value)
            if not (inside(low) and inside(high)):
                low, high = value.support
                raise ValueError(
                    f"the distribution's range [{low:g}, {high:g}] must lie within "
                    f"{describe()} (truncate it with low/high, or choose another)"
                )
            if not (modest(low) and modest(high)):
                raise ValueError(
                    f"the distribution can produce {high if abs(high) > abs(low) else low:g}, "
                    f"beyond {MAX_MAGNITUDE:g} in size; narrow it")
            return value
        if not inside(value):
            raise ValueError(f"must be {describe()}")
        if not modest(value):
            raise ValueError(f"must lie between {-MAX_MAGNITUDE:g} and {MAX_MAGNITUDE:g}")
        if integer and float(value) != int(value):
            raise ValueError("must be a whole number")
        return float(value)

    check.describe = describe  # type: ignore[attr-defined]  # for the scenario reference
    return check


def uncertain(
    ge: float | None = None,
    gt: float | None = None,
    le: float | None = None,
    integer: bool = False,
) -> Any:
    """Type of a number that may also be an uncertain quantity, with bounds.

    Every such number also lies within +-:data:`MAX_MAGNITUDE`.
    """
    return Annotated[
        Annotated[float, Tag("number")] | Annotated[Dist, Tag("uncertain")],
        Discriminator(
            _number_or_dist,
            custom_error_type="uncertain_type",
            custom_error_message="expected a number or an uncertain quantity {dist = ...}",
        ),
        AfterValidator(_bounds_checker(ge, gt, le, integer)),
    ]


UncertainDate = Annotated[
    Annotated[dt.date, Tag("date")] | Annotated[DateDist, Tag("uncertain")],
    Discriminator(
        _date_or_dist,
        custom_error_type="uncertain_date_type",
        custom_error_message=(
            'expected a date (YYYY-MM-DD) or {dist = "uniform", low = ..., high = ...}'),
    ),
]

Money = uncertain(ge=0)
"""Annual US dollars, non-negative, possibly uncertain."""
Share = uncertain(ge=0, le=1)
"""A share or probability in [0, 1], possibly uncertain."""
Rate = uncertain(ge=-1, le=1)
"""An annual rate of change, possibly uncertain."""


def walk_annotations(annotation: Any) -> typing.Iterator[Any]:
    """The annotation and every type nested in it (Optional, Annotated, list...)."""
    yield annotation
    for arg in typing.get_args(annotation):
        yield from walk_annotations(arg)
    yield from getattr(annotation, "__metadata__", ())


def field_metadata(field: FieldInfo) -> list[Any]:
    """Every validator and constraint of a schema field, nested ones included."""
    found = list(field.metadata)
    for item in walk_annotations(field.annotation):
        if not isinstance(item, type) and not typing.get_origin(item):
            found.append(item)
    return found


def is_money(field: FieldInfo) -> bool:
    """Whether a schema field holds :data:`Money` (US dollars)."""
    check = Money.__metadata__[-1].func
    return any(getattr(meta, "func", None) is check for meta in field_metadata(field))


def is_uncertain(value: Any) -> bool:
    """Whether a schema value is a distribution rather than a fixed number or date."""
    return isinstance(value, NUMBER_DISTS + DATE_DISTS)


def date_range(value: dt.date | DateUniform | DateChoice) -> tuple[dt.date, dt.date]:
    """Earliest and latest date a (possibly uncertain) date can take."""
    if isinstance(value, dt.date):
        return value, value
    return value.support
