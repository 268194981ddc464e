"""Strategies (``[[strategy]]``), their switch rules, and the thresholds that rank them.

The compliance choices compared against the measures: a built-in strategy
per compliance level (:data:`BUILTIN_STRATEGIES`) and the file's own, which
may switch level when a condition holds (:class:`SwitchRule`); the baseline
(:data:`BASELINE`) is the run without measures.  ``[[threshold]]`` tables
are the analyst's requirements a future must meet, by which the report
ranks strategies for robustness.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, model_validator

from sim.scenario.base import MAX_NAME, Sourced
from sim.scenario.city import GrantResponse
from sim.scenario.law import FORBIDDEN_BY_STATE_LAW, LEVELS, ComplianceLevel
from sim.scenario.uncertain import Frozen

if TYPE_CHECKING:
    from sim.scenario.city import City

RuleCondition = Literal["reserves_below_floor", "funds_withheld", "measure_in_force",
                        "measure_rescinded", "injunction_lost", "final_loss"]
"""What an adaptive rule watches, in each city that follows the strategy.

``reserves_below_floor``: reserves net of short-term debt are below the
reserve floor; ``funds_withheld``: a measure (``measure``, or any) withholds
the city's federal funds; ``measure_in_force``: the measure (or any measure
aimed at the city) is in force; ``measure_rescinded``: it (or any measure
aimed at the city) has been rescinded; ``injunction_lost``: one of the city's
suits lost a ruling (injunction denied or dissolved, merits, appeal or
certiorari lost); ``final_loss``: one of its suits against a grant condition,
executive order or statute ended in a final loss (a lost claim over a terminated
grant is not one: complying would not bring the grant back).
"""
MEASURE_CONDITIONS = frozenset({"funds_withheld", "measure_in_force", "measure_rescinded"})


class SwitchRule(Sourced):
    """``[[strategy.rule]]``: switch compliance level when a condition holds.

    Rules are evaluated at the end of every month, in order, city by city; the
    first that fires schedules the switch, which takes effect ``lag_months``
    later (an ordinance must pass); federal agencies recognise the new level
    only after the strategy's ``eligibility_lag_months`` more.
    """

    when: RuleCondition
    """The condition watched: ``reserves_below_floor``, ``funds_withheld``,
    ``measure_in_force``, ``measure_rescinded``, ``injunction_lost`` (one of the
    city's suits lost a ruling: injunction denied or dissolved, merits, appeal
    or certiorari lost) or ``final_loss`` (one of its suits against a grant
    condition, executive order or statute ended in a final loss: the money stays
    withheld while the measure stands, and complying is how the city gets it)."""
    months: int = Field(default=1, ge=1, le=600)
    """Consecutive months the condition must hold before the rule fires."""
    measure: str | None = Field(default=None, min_length=1, max_length=MAX_NAME)
    """For the measure conditions: the measure watched, by name (default: any
    measure aimed at the city)."""
    switch_to: ComplianceLevel
    """The compliance level adopted when the rule fires."""
    lag_months: int = Field(default=2, ge=1, le=120)
    """Months from the rule firing to the new level taking effect (drafting
    and passing an ordinance, changing jail procedures).  Assumption: 2."""
    once: bool = True
    """Whether the rule fires at most once per city (so that two rules do not
    switch a city back and forth)."""

    @model_validator(mode="after")
    def _measure_fits_condition(self) -> SwitchRule:
        if self.measure is not None and self.when not in MEASURE_CONDITIONS:
            raise ValueError(f"`measure` applies only to the conditions "
                             f"{', '.join(sorted(MEASURE_CONDITIONS))}, not to {self.when!r}")
        return self


class Strategy(Sourced):
    """``[[strategy]]``: a compliance choice to compare."""

    name: str = Field(min_length=1, max_length=MAX_NAME)
    """Unique name; ``sanctuary``, ``partial`` and ``full`` are built in and
    may be redefined; ``baseline`` is reserved (the run without measures)."""
    description: str = Field(default="", max_length=10_000)
    """What the choice means, for the report."""
    compliance: ComplianceLevel
    """Compliance level adopted at the start, defined by what the jurisdiction
    does: ``sanctuary`` (no release notifications, no ICE interviews in the
    jail, no holds without a judicial warrant, no 287(g) agreement);
    ``notify_serious`` (tells ICE when people convicted of a listed serious
    offence are released, so ICE takes them at the door; no holds);
    ``notify`` (answers every release-notification request and lets ICE
    interview people in the jail; no holds); ``partial`` (holds people
    convicted of a listed serious offence up to 48 hours on a detainer);
    ``full`` (honours every detainer and notification request, gives ICE jail
    access, runs a 287(g) agreement).  Every level shares the
    immigration-status information 8 U.S.C. 1373 protects."""
    cities: list[str] = Field(default_factory=list)
    """Jurisdictions that adopt it (empty: every city); the others keep their
    current policy."""
    eligibility_lag_months: int = Field(default=3, ge=0, le=60)
    """Months after a rule switches the compliance level before federal
    agencies treat the city accordingly (until then they treat it at its
    previous level); the starting level is recognised from the start.
    Assumption."""
    rule: list[SwitchRule] = Field(default_factory=list, max_length=50)
    """Adaptive rules (``[[strategy.rule]]``): switch compliance level when a
    condition holds; none: the strategy keeps its level throughout."""
    grant_response: GrantResponse | None = None
    """How the cities adopting it respond when grant money paying for
    positions or programs (``city.grant.funds``) is withheld: ``backfill``,
    ``cut`` or ``absorb``, for every such item (their lags and months stay
    as stated); default: each item's own ``response``.  Compare
    "sanctuary, backfill" with "sanctuary, cut" as two strategies."""

    def forbidden_in(self, cities: list[City]) -> list[City]:
        """The cities, of those given, that adopt this strategy and whose state law forbids it."""
        adopters = self.cities or [c.name for c in cities]
        return [c for c in cities
                if c.name in adopters and self.compliance in FORBIDDEN_BY_STATE_LAW[c.state_law]]


BUILTIN_STRATEGIES: dict[str, Strategy] = {
    name: Strategy(name=name, compliance=name, description=level.description)
    for name, level in LEVELS.items()
}
"""A strategy for every compliance level, named after it."""
DEFAULT_STRATEGIES: tuple[str, ...] = ("sanctuary", "partial", "full")
"""The built-in strategies compared when a scenario lists none (with its own)."""
BASELINE = "baseline"
"""Name of the automatic no-measure run against which impacts are measured."""


def plain_number(value: float) -> str:
    """A bound as people write it: -50,000,000 rather than -5e+07."""
    if abs(value) >= 1e4 and float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:g}"


class Threshold(Frozen):
    """``[[threshold]]``: a requirement a future must meet, for the robustness ranking.

    Not model data but the analyst's test of a strategy, so it needs no
    source.  Give one lower bound (``at_least`` or ``above``) and/or one upper
    bound (``at_most`` or ``below``).  Examples: reserves never below the
    floor, ``metric = "floor_breached", at_most = 0``; a net fiscal impact no
    worse than -$50M, ``metric = "net_fiscal_impact", at_least = -5e7``.
    """

    metric: str = Field(min_length=1, max_length=MAX_NAME)
    """A per-replication outcome of ``fundsim run`` (``replications.parquet``
    columns, e.g. ``net_fiscal_impact``, ``floor_breached``)."""
    city: str | None = Field(default=None, min_length=1, max_length=MAX_NAME)
    """The city whose outcome is tested; default: all cities together (sums,
    or the worst city for floor breaches and reserve ratios)."""
    at_least: float | None = None
    """The outcome must be at least this."""
    above: float | None = None
    """The outcome must be strictly above this."""
    at_most: float | None = None
    """The outcome must be at most this."""
    below: float | None = None
    """The outcome must be strictly below this."""
    label: str | None = Field(default=None, max_length=MAX_NAME)
    """Short name for the report; default: the condition itself."""

    @model_validator(mode="after")
    def _bounds(self) -> Threshold:
        if all(v is None for v in (self.at_least, self.above, self.at_most, self.below)):
            raise ValueError("give a bound: at_least, above, at_most or below")
        if self.at_least is not None and self.above is not None:
            raise ValueError("give either at_least or above, not both")
        if self.at_most is not None and self.below is not None:
            raise ValueError("give either at_most or below, not both")
        low, high = self.lower, self.upper
        if low is not None and high is not None and not low < high:
            raise ValueError(f"the lower bound ({low:g}) must be below the upper bound "
                             f"({high:g}), or no future can meet it")
        return self

    @property
    def lower(self) -> float | None:
        """The lower bound, strict or not."""
        return self.at_least if self.at_least is not None else self.above

    @property
    def upper(self) -> float | None:
        """The upper bound, strict or not."""
        return self.at_most if self.at_most is not None else self.below

    def met(self, values: Any) -> Any:
        """Whether each value (a number, array or Series) meets the requirement."""
        ok = values == values  # True, NaN excepted, in the shape of ``values``
        for bound, test in ((self.at_least, values.__ge__), (self.above, values.__gt__),
                            (self.at_most, values.__le__), (self.below, values.__lt__)):
            if bound is not None:
                ok = ok & test(bound)
        return ok

    def __str__(self) -> str:
        if self.label:
            return self.label
        parts = [f"{op} {plain_number(bound)}"
                 for op, bound in ((">=", self.at_least), (">", self.above),
                                   ("<=", self.at_most), ("<", self.below)) if bound is not None]
        where = f" in {self.city}" if self.city else ""
        return f"{self.metric}{where} " + " and ".join(parts)
