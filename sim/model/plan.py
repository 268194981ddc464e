"""From a scenario to arrays: the static plan and the sampled parameters.

The :class:`Plan` holds what does not change between replications (names,
the month grid, which grants each measure targets) as numpy arrays indexed by
strategy ``s`` (0 is the no-measure baseline), city ``c``, grant program ``g``
and measure ``m``.  :class:`Parameters` holds, for a batch of replications,
every scenario number: fixed ones as scalars, uncertain ones as one sampled
value per replication (array of shape ``(R,)``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.model.clock import Calendar
from sim.model.streams import ReplicationStreams, uniforms
from sim.scenario import (
    BASELINE,
    COMPLIANCE_LEVELS,
    Measure,
    Scenario,
    is_uncertain,
    uncertain_leaves,
)

LEVEL = {name: i for i, name in enumerate(COMPLIANCE_LEVELS)}
"""Index of each compliance level in arrays."""


@dataclass(frozen=True, eq=False)
class Plan:
    """Replication-independent structure of a scenario, as arrays."""

    scenario: Scenario
    strategies: tuple[str, ...]
    """Strategy names; index 0 is the baseline."""
    cities: tuple[str, ...]
    programs: tuple[str, ...]
    """Union of grant programs over cities (axis ``g``)."""
    measures: tuple[str, ...]
    calendar: Calendar
    level0: np.ndarray
    """(S, C) compliance level each strategy starts with in each city."""
    exposed: np.ndarray
    """(S,) whether federal measures apply (False for the baseline)."""
    eligibility_lag: np.ndarray
    """(S,) months before agencies recognise a new compliance level."""
    has_grant: np.ndarray
    """(C, G) whether the city receives the program."""
    advance: np.ndarray
    """(C, G) whether the grant is paid in advance (else reimbursed)."""
    award_month: np.ndarray
    """(C, G) calendar month of advance payments."""
    payment_lag: np.ndarray
    """(C, G) months between spending and its reimbursement (0 for advances)."""
    targeted: np.ndarray
    """(M, C, G) whether measure ``m`` targets city ``c``'s grant ``g``."""
    penalises: np.ndarray
    """(M, 3) whether measure ``m`` penalises each compliance level."""
    release_lag: np.ndarray
    """(M,) months before withheld funds are paid once no longer withheld."""
    clawback_months: np.ndarray
    """(M,) months of past payments clawed back."""
    terminates: np.ndarray
    """(M,) the measure terminates awarded grants (its withholding comes first)."""
    withheld_before: np.ndarray
    """(C, M) dollars withheld from each city under each measure before the start and not
    yet paid (the measures' history)."""
    fiscal_year_start: np.ndarray
    """(C,) calendar month each city's fiscal year starts."""
    population: np.ndarray
    """(C,) residents."""

    @property
    def shape(self) -> tuple[int, int]:
        """(strategies including baseline, cities)."""
        return len(self.strategies), len(self.cities)


def build_plan(scenario: Scenario, strategies: Sequence[str] | None = None) -> Plan:
    """Arrays for a scenario and the strategies to compare (default: the scenario's)."""
    table = scenario.strategy_table()
    chosen = list(strategies) if strategies is not None else [
        s.name for s in scenario.strategies_to_run()]
    cities = [c.name for c in scenario.city]
    programs = list(dict.fromkeys(g.program for c in scenario.city for g in c.grant))
    level0 = np.empty((len(chosen) + 1, len(cities)), dtype=np.int8)
    level0[0] = [LEVEL[c.current_policy] for c in scenario.city]
    for s, name in enumerate(chosen, start=1):
        adopters = set(table[name].cities or cities)
        level0[s] = [LEVEL[table[name].compliance] if c.name in adopters
                     else LEVEL[c.current_policy] for c in scenario.city]
    shape = (len(cities), len(programs))
    has_grant, advance = np.zeros(shape, bool), np.zeros(shape, bool)
    award_month = np.ones(shape, int)
    payment_lag = np.zeros(shape, int)
    for c, city in enumerate(scenario.city):
        for grant in city.grant:
            g = programs.index(grant.program)
            has_grant[c, g] = True
            advance[c, g] = grant.basis == "advance"
            award_month[c, g] = grant.award_month
            payment_lag[c, g] = 0 if grant.basis == "advance" else grant.payment_lag_months
    return Plan(
        scenario=scenario,
        strategies=(BASELINE, *chosen),
        cities=tuple(cities),
        programs=tuple(programs),
        measures=tuple(m.name for m in scenario.measure),
        calendar=Calendar(scenario.start, scenario.months),
        level0=level0,
        exposed=np.array([False] + [True] * len(chosen)),
        eligibility_lag=np.array([0] + [table[n].eligibility_lag_months for n in chosen]),
        has_grant=has_grant,
        advance=advance,
        award_month=award_month,
        payment_lag=payment_lag,
        targeted=np.array([_targets(m, scenario) for m in scenario.measure], bool).reshape(
            len(scenario.measure), *shape),
        penalises=np.array([[lvl in m.penalises for lvl in COMPLIANCE_LEVELS]
                            for m in scenario.measure], bool).reshape(-1, len(LEVEL)),
        release_lag=np.array([m.release_lag_months for m in scenario.measure], int),
        clawback_months=np.array([m.clawback_months for m in scenario.measure], int),
        terminates=np.array([m.kind == "termination" for m in scenario.measure], bool),
        withheld_before=np.array([[m.history.withheld.get(c.name, 0.0) if m.history else 0.0
                                   for m in scenario.measure] for c in scenario.city],
                                 dtype=float).reshape(len(scenario.city), -1),
        fiscal_year_start=np.array([c.fiscal_year_start for c in scenario.city]),
        population=np.array([c.population for c in scenario.city], float),
    )


def _targets(measure: Measure, scenario: Scenario) -> np.ndarray:
    """(C, G) the grants ``measure`` reaches.

    A measure against states reaches only what those states pass through to cities
    located in them: a direct federal award is not the state's to lose.
    """
    programs = list(dict.fromkeys(g.program for c in scenario.city for g in c.grant))
    out = np.zeros((len(scenario.city), len(programs)), bool)
    for c, city in enumerate(scenario.city):
        if measure.cities and city.name not in measure.cities:
            continue
        if measure.states and city.state not in measure.states:
            continue
        for grant in city.grant:
            out[c, programs.index(grant.program)] = (
                (not measure.states or grant.pass_through is not None)
                and grant.funding in measure.reaches
                and (not measure.agencies or grant.agency in measure.agencies)
                and (not measure.programs or grant.program in measure.programs)
                and (not measure.tags or bool(set(grant.tags) & set(measure.tags)))
            )
    return out


Value = float | np.ndarray


class Parameters:
    """Scenario numbers for a batch of replications.

    Fixed numbers stay scalars; each uncertain quantity becomes an array of
    shape ``(R,)``, sampled by inverse transform from a uniform drawn in the
    replication's ``parameters`` stream under the quantity's key path.
    """

    def __init__(self, plan: Plan, streams: Sequence[ReplicationStreams]):
        self.plan = plan
        self.size = len(streams)
        self.streams = streams
        self.sampled: dict[str, np.ndarray] = {}
        leaves = list(uncertain_leaves(plan.scenario))
        u = uniforms(streams, "parameters", [path for path, _ in leaves], ())
        for i, (path, dist) in enumerate(leaves):
            self.sampled[path] = np.asarray(dist.ppf(u[:, i]), dtype=float)

    def get(self, path: str, fixed: Any) -> Value:
        """The value at ``path``: sampled array if uncertain, else ``fixed`` as float.

        Dates are proleptic Gregorian ordinals (whole days).
        """
        if path in self.sampled:
            return self.sampled[path]
        if is_uncertain(fixed):
            # A built-in default that is a range (the record is thin): sampled like the
            # file's own uncertain quantities, from the parameters stream under its path.
            u = uniforms(self.streams, "parameters", [path], ())
            self.sampled[path] = np.asarray(fixed.ppf(u[:, 0]), dtype=float)
            return self.sampled[path]
        if isinstance(fixed, dt.date):
            return float(fixed.toordinal())
        return float(fixed)

    def per_replication(self, path: str, fixed: Any) -> np.ndarray:
        """The value at ``path`` as an array of shape (R,)."""
        return np.broadcast_to(self.get(path, fixed), (self.size,)).astype(float)

    def per_city(self, key: str, getter: Callable[[Any], Any],
                 default: float = 0.0) -> np.ndarray:
        """An (R, C) array of a city field, ``key`` being its path inside ``[[city]]``.

        ``getter(city)`` returns the field's value (a number, a distribution or
        None, replaced by ``default``).
        """
        out = np.empty((self.size, len(self.plan.cities)))
        for c, city in enumerate(self.plan.scenario.city):
            fixed = getter(city)
            out[:, c] = self.get(f"city[{city.name}].{key}", default if fixed is None else fixed)
        return out

    def per_grant(self, key: str) -> np.ndarray:
        """An (R, C, G) array of a ``[[city.grant]]`` field (0 where no grant)."""
        plan = self.plan
        out = np.zeros((self.size, len(plan.cities), len(plan.programs)))
        for c, city in enumerate(plan.scenario.city):
            for grant in city.grant:
                g = plan.programs.index(grant.program)
                path = f"city[{city.name}].grant[{grant.program}].{key}"
                out[:, c, g] = self.get(path, getattr(grant, key))
        return out

    def per_measure(self, key: str) -> np.ndarray:
        """An (R, M) array of a ``[[measure]]`` field."""
        out = np.zeros((self.size, len(self.plan.measures)))
        for m, measure in enumerate(self.plan.scenario.measure):
            out[:, m] = self.get(f"measure[{measure.name}].{key}", getattr(measure, key))
        return out
