"""Community trust: how enforcement changes immigrant residents' willingness to call the police.

Units: the trust index is a number in [0, 1]; the reporting rate a share of
violent victimisations reported; unreported crimes are violent
victimisations per month.  Arrays are shaped ``(S, R, C)``.

The index has a *target*: 1 for a sanctuary city where no enforcement is
visible, lowered by the cooperation level (``trust_loss_<level>``) and
multiplied by ``exp(-sensitivity x v)``, where
``v`` is ICE transfers plus at-large arrests this month per 1,000 immigrant
residents, as the enforcement regime makes them expected (the compliance
level and any surge in force, see
:func:`sim.model.enforcement.expected_visible`): trust answers changes of
policy and surges, not the month-to-month chance in the counts, which
residents cannot tell apart from them and which would otherwise, through the
quick fall and slow recovery, drag trust down in every run.

When the target drops below the index, the index falls to it at once (fear
spreads fast); when the target is above, the index recovers toward it,
closing half the gap every ``half_life_months``.  Every strategy starts from
the target of the city's current policy at its expected enforcement, so that
the reporting rate starts at ``reporting_rate``; from then on it moves in
proportion to the index (capped at 1).  Unreported crimes are immigrant
residents' expected violent victimisations that go unreported.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.model.arrays import divide_where
from sim.model.enforcement import EnforcementInputs, expected_visible
from sim.model.plan import Parameters, Plan
from sim.scenario import COMPLIANCE_LEVELS


@dataclass(frozen=True)
class TrustInputs:
    """Per-city trust settings of a batch, arrays (R, C)."""

    immigrants: np.ndarray
    """Immigrant residents."""
    target_by_level: np.ndarray
    """(L, R, C) the index's target with no visible enforcement, per compliance level."""
    sensitivity: np.ndarray
    """Fall of the log target per transfer or arrest per 1,000 immigrant residents."""
    retained: np.ndarray
    """Share of the gap to the target that remains after one month."""
    trust0: np.ndarray
    """Index at the start (current policy, expected enforcement)."""
    reporting0: np.ndarray
    """Reporting rate at the start."""
    victimisations: np.ndarray
    """Expected violent victimisations of immigrant residents per month."""


def sample_trust(plan: Plan, params: Parameters, enforcement: EnforcementInputs) -> TrustInputs:
    """Trust settings of a batch, starting from each city's current policy."""
    def city(key: str, getter) -> np.ndarray:
        return params.per_city(f"trust.{key}", lambda c: getter(c.trust))

    ones = np.ones_like(enforcement.immigrants)
    # A sanctuary city loses nothing; every other level its own ``trust_loss_<level>``.
    target = np.stack([ones if level == "sanctuary" else 1 - city(
        f"trust_loss_{level}", lambda t, level=level: getattr(t, f"trust_loss_{level}"))
        for level in COMPLIANCE_LEVELS])
    sensitivity = city("enforcement_sensitivity", lambda t: t.enforcement_sensitivity)
    current = np.broadcast_to(plan.level0[0], ones.shape)
    trust0 = target_index(target, current, sensitivity,
                          expected_visible(enforcement, current), enforcement.immigrants)
    return TrustInputs(
        immigrants=enforcement.immigrants,
        target_by_level=target,
        sensitivity=sensitivity,
        retained=0.5 ** (1.0 / city("half_life_months", lambda t: t.half_life_months)),
        trust0=trust0,
        reporting0=city("reporting_rate", lambda t: t.reporting_rate),
        victimisations=(city("victimisation_rate", lambda t: t.victimisation_rate) / 1000
                        * enforcement.immigrants / 12),
    )


def target_index(target_by_level: np.ndarray, level: np.ndarray, sensitivity: np.ndarray,
                 visible: np.ndarray, immigrants: np.ndarray) -> np.ndarray:
    """The index's target at a compliance level and a month's visible enforcement."""
    return _scaled(np.choose(level, target_by_level), sensitivity, visible, immigrants)


def _scaled(by_level: np.ndarray, sensitivity: np.ndarray, visible: np.ndarray,
            immigrants: np.ndarray) -> np.ndarray:
    """Targets by level lowered by visible enforcement (see :func:`target_index`)."""
    per_thousand = divide_where(visible, immigrants / 1000, immigrants > 0)
    return by_level * np.exp(-sensitivity * per_thousand)


@dataclass
class TrustState:
    """The trust index, (S, R, C)."""

    index: np.ndarray
    levels: np.ndarray | None = None
    """(S, R, C) compliance levels of the last month (None before the first)."""
    by_level: np.ndarray | None = None
    """(S, R, C) the target with no visible enforcement at those levels."""
    visible: np.ndarray | None = None
    """(S, R, C) the expected visible enforcement of the last month."""
    target: np.ndarray | None = None
    """(S, R, C) the target at those levels and that enforcement."""


def initial_trust_state(inputs: TrustInputs, strategies: int) -> TrustState:
    """Every strategy starts from the same index."""
    return TrustState(index=np.broadcast_to(inputs.trust0,
                                            (strategies, *inputs.trust0.shape)).copy())


def trust_month(state: TrustState, inputs: TrustInputs, level: np.ndarray,
                visible: np.ndarray) -> dict[str, np.ndarray]:
    """Move the index by a month of expected visible enforcement (S, R, C).

    ``visible`` is an array its caller does not change in place: the same
    array as last month's means the same enforcement, and the same targets.

    Returns the month's accounts: trust, reporting rate, unreported crimes.
    """
    switched = state.levels is None or not np.array_equal(level, state.levels)
    if switched:
        # Levels change only when a city switches: look the targets up again only then.
        state.levels = level.copy()
        state.by_level = np.choose(level, inputs.target_by_level)
    if switched or visible is not state.visible:
        # The regime of enforcement changes only at events: most months keep the targets.
        state.visible = visible
        state.target = _scaled(state.by_level, inputs.sensitivity, visible, inputs.immigrants)
    target = state.target
    # In place where a step makes a new array anyway (sums and products in either order
    # are the same numbers): three fewer temporaries, trust_month 0.21-0.24 -> 0.19-0.20
    # ms per replication at 50 cities.
    recovered = state.index - target
    recovered *= inputs.retained
    recovered += target
    state.index = np.where(target < state.index, target, recovered)
    relative = divide_where(state.index, inputs.trust0, inputs.trust0 > 0, fill=1.0)
    reporting = np.multiply(inputs.reporting0, relative, out=relative)
    np.minimum(reporting, 1.0, out=reporting)
    unreported = np.subtract(1.0, reporting)
    unreported *= inputs.victimisations
    return {
        "trust": state.index,
        "reporting_rate": reporting,
        "unreported_crimes": unreported,
    }
