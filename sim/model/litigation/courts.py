"""Courts: the stages of a suit, how long each takes and who wins, drawn for a whole batch.

Units: days.  A suit goes through stages: preliminary injunction (if
sought) -> merits (summary judgment) -> appeal (if taken) -> certiorari (if
granted).  Each stage takes a random number of days after the previous step
(triangular, whole days) and is won with a probability that depends on the
measure's kind, or on a coalition's own courts where it states them.  The
last ruling is final.

**Common random numbers.**  Court draws are exogenous: for each
(replication, measure, group) a block of uniforms from the ``courts``
stream, keyed by the measure's and the group's names, gives every stage's
taken/won outcome and duration (:func:`draw_courses`).  Strategies differ
only in who takes part.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from sim.model.plan import Parameters
from sim.model.streams import ReplicationStreams, name_key, philox_uniforms
from sim.scenario import COURT_STAGES, Scenario

PI, MERITS, APPEAL, CERTIORARI = range(len(COURT_STAGES))
MEASURE_KINDS: tuple[str, ...] = ("executive_order", "grant_condition", "legislation")

RULINGS: dict[tuple[int, bool], str] = {
    (PI, True): "injunction_granted", (PI, False): "injunction_denied",
    (MERITS, True): "merits_won", (MERITS, False): "merits_lost",
    (APPEAL, True): "appeal_won", (APPEAL, False): "appeal_lost",
    (CERTIORARI, True): "certiorari_won", (CERTIORARI, False): "certiorari_lost",
}
"""Event kind of each (stage, won) ruling."""


@dataclass(frozen=True)
class CourtInputs:
    """How courts rule, per court profile, for a batch of replications."""

    profile: np.ndarray
    """(M, G) court profile of each suit: the measure's kind ``j`` (0-2), or
    ``3 (k + 1) + j`` for coalition ``k``'s own courts."""
    taken: np.ndarray
    """(R, P, 4) probability each stage happens, per court profile."""
    win: np.ndarray
    """(R, P, 4) probability the plaintiffs win each stage."""
    days: np.ndarray
    """(P, 4, 3) low, mode and high days of each stage."""


def sample_courts(scenario: Scenario, params: Parameters, groups: int) -> CourtInputs:
    """Court profiles of every (measure, group) and their parameters.

    Profiles are the measure kinds, then each coalition's own courts for each
    kind; ``groups`` counts the coalitions and the cities suing alone.
    """
    litigation = scenario.litigation
    coalitions = len(litigation.coalition)
    profiles = [(kind, None) for kind in MEASURE_KINDS] + [
        (kind, coalition) for coalition in litigation.coalition for kind in MEASURE_KINDS]
    R, P = params.size, len(profiles)
    taken, win = np.ones((R, P, 4)), np.zeros((R, P, 4))
    days = np.zeros((P, 4, 3))
    for p, (kind, coalition) in enumerate(profiles):
        for s, stage in enumerate(COURT_STAGES):
            path, value = litigation.court_value(kind, stage, "probability", coalition)
            win[:, p, s] = params.per_replication(path, value)
            if stage != "merits":
                path, value = litigation.court_value(kind, stage, "taken", coalition)
                taken[:, p, s] = params.per_replication(path, value)
            days[p, s] = litigation.court_value(kind, stage, "days", coalition)[1]
    kinds = np.array([MEASURE_KINDS.index(m.kind) for m in scenario.measure], int)
    profile = np.repeat(kinds[:, None], groups, axis=1)
    profile[:, :coalitions] += len(MEASURE_KINDS) * (1 + np.arange(coalitions))[None, :]
    return CourtInputs(profile=profile, taken=taken, win=win, days=days)


def triangular_days(u: np.ndarray, low: np.ndarray, mode: np.ndarray,
                    high: np.ndarray) -> np.ndarray:
    """Whole days from uniforms by the triangular inverse CDF (fixed where low == high)."""
    span = high - low
    with np.errstate(invalid="ignore"):  # the branch not taken may be the root of a negative
        rising = low + np.sqrt(u * span * (mode - low))
        falling = high - np.sqrt((1.0 - u) * span * (high - mode))
    days = np.where(u * span < mode - low, rising, falling)
    return np.rint(np.where(span <= 0, low, days))


class SuitCourse(NamedTuple):
    """The course of one (replication, measure, group)'s suit, from its court draws.

    Every filing of the suit takes the same course, shifted to its filing day.  A named
    tuple, not a frozen dataclass: a batch builds thousands, at half the cost each.
    """

    stages: tuple[int, ...]
    """The stages ruled on, in order: the preliminary injunction if sought, the merits,
    the appeal if taken and certiorari if granted; the last ruling is final."""
    won: tuple[bool, ...]
    """Whether the plaintiffs win each stage's ruling (by stage)."""
    days: tuple[float, ...]
    """Whole days each stage takes (by stage)."""


def draw_courses(courts: CourtInputs, measures: Sequence[str], groups: Sequence[str],
                 suits: tuple[np.ndarray, np.ndarray, np.ndarray],
                 streams: Sequence[ReplicationStreams]
                 ) -> dict[tuple[int, int, int], SuitCourse]:
    """Courses of the (replication, measure, group) ``suits`` (three index arrays), at once.

    Each is the first ``3 x 4`` uniforms of the ``courts`` stream under the
    name ``"measure|group"``: whether each stage is taken, whether it is won
    (against the replication's probabilities) and its days.  A suit seeks a
    preliminary injunction if that stage is taken, always goes to the merits,
    then to appeal and certiorari while each is taken.
    """
    r_index, m_index, g_index = suits
    stages = len(COURT_STAGES)
    names = [f"{measure}|{group}" for measure in measures for group in groups]
    name_keys = np.array([name_key(name) for name in names], dtype=np.uint64)
    stream_keys = np.array([rs.stream_key("courts") for rs in streams], dtype=np.uint64)
    keys = np.stack([stream_keys[r_index],
                     name_keys[m_index * len(groups) + g_index]], axis=1)
    u = philox_uniforms(keys, 3 * stages)
    profile = courts.profile[m_index, g_index]
    table = courts.days[profile]
    days = triangular_days(u[:, 2 * stages:], table[..., 0], table[..., 1], table[..., 2])
    taken = u[:, :stages] < courts.taken[r_index, profile]
    won = u[:, stages:2 * stages] < courts.win[r_index, profile]
    # Plain Python values: suits read them one at a time, faster than from arrays.
    # Built by map over whole columns: a dict comprehension unpacking each suit's draws
    # into a frozen dataclass made the draws 1.5 times slower.
    path = 4 * taken[:, PI] + 2 * taken[:, APPEAL] + taken[:, CERTIORARI]
    courses = map(SuitCourse, map(STAGES.__getitem__, path.tolist()),
                  map(tuple, won.tolist()), map(tuple, days.tolist()))
    keys = zip(r_index.tolist(), m_index.tolist(), g_index.tolist(), strict=True)
    return dict(zip(keys, courses, strict=True))


STAGES: tuple[tuple[int, ...], ...] = tuple(
    (PI,) * pi + (MERITS,) + ((APPEAL,) + (CERTIORARI,) * certiorari) * appeal
    for pi in (0, 1) for appeal in (0, 1) for certiorari in (0, 1))
""":attr:`SuitCourse.stages` by ``4 x injunction sought + 2 x appeal taken + certiorari
granted``: certiorari only after an appeal."""
