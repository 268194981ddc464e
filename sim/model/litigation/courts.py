"""Courts: the stages of a suit, how long each takes and who wins, drawn for a whole batch.

Units: days.  A suit goes through stages: preliminary injunction (if
sought) -> merits (summary judgment) -> appeal (if taken) -> certiorari (if
granted).  Each stage takes a random number of days after the previous step
(triangular, whole days) and is won with a probability that depends on the
measure's kind, or on a coalition's own courts where it states them, and on
the ruling before it: an appeal is taken by the government after a ruling
for the jurisdictions and by them after one against, and won with the
affirmance or the reversal rate.  The last ruling is final.

A won ruling that another follows may be stayed pending appeal, by the
circuit court or, refused there, by the Supreme Court on an emergency
application: the stay suspends the relief until the next ruling.  A won
merits ruling against an agency action may also vacate it under the APA
(5 U.S.C. 706(2)), protecting every jurisdiction, not only the parties.
Terminations of awarded grants go to the Court of Federal Claims (Tucker
Act), which awards money damages at its final judgment and no injunction.

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
from sim.scenario import COURT_STAGES, LITIGATED_KINDS, Coalition, Scenario, SuitHistory
from sim.scenario.law import CIRCUIT_OF

PI, MERITS, APPEAL, CERTIORARI = range(len(COURT_STAGES))
INTERLOCUTORY = len(COURT_STAGES)
"""Stage index of an interlocutory appeal of a preliminary injunction, which only a
suit's history brings (decided before the merits, with the appeal's chances)."""
MEASURE_KINDS: tuple[str, ...] = LITIGATED_KINDS
"""Kinds of measure with courts of their own (a funding lapse is not litigated)."""
FORFEITING_KINDS: tuple[str, ...] = ("legislation", "termination")
"""Kinds of measure a final loss against which makes withheld money lost for good.

Only where the law makes it so: a terminated grant whose claim the Court of
Federal Claims rejects is not owed (Tucker Act, 28 U.S.C. 1491), and a statute
upheld makes the city ineligible for the money it names.  A grant condition
upheld leaves the award in place, withheld while the condition stands: New York
lost in the 2d Circuit (951 F.3d 84, 2020-02-26), yet the Byrne JAG money withheld
from it since FY2017 was paid in 2021 once DOJ dropped the conditions (New York
Attorney General, 'Attorney General James Secures the Restoration of Over $30
Million in Public Safety Grants', 2021; New Jersey Attorney General, 2021-05-04)."""
STAYED = ("", "circuit", "Supreme Court")
"""Court that stayed a ruling, by :attr:`SuitCourse.stayed` (0: not stayed)."""


RULINGS: dict[tuple[int, bool], str] = {
    (PI, True): "injunction_granted", (PI, False): "injunction_denied",
    (MERITS, True): "merits_won", (MERITS, False): "merits_lost",
    (APPEAL, True): "appeal_won", (APPEAL, False): "appeal_lost",
    (CERTIORARI, True): "certiorari_won", (CERTIORARI, False): "certiorari_lost",
    (INTERLOCUTORY, True): "appeal_won", (INTERLOCUTORY, False): "appeal_lost",
}
"""Event kind of each (stage, won) ruling."""


@dataclass(frozen=True)
class CourtInputs:
    """How courts rule, per court profile, for a batch of replications.

    A court profile is a litigated measure kind (:data:`MEASURE_KINDS`), or a
    coalition's own courts for that kind.  Probabilities are (R, P, 4) by
    stage: ``taken`` and ``win`` after a ruling the jurisdictions won (or at
    the suit's first ruling), ``*_after_loss`` after one they lost.
    """

    profile: np.ndarray
    """(M, G) court profile of each suit: the measure's kind ``j``, or
    ``J (k + 1) + j`` for coalition ``k``'s own courts (``J`` kinds)."""
    taken: np.ndarray
    """(R, P, 4) probability each stage happens after a won ruling (or at the start)."""
    taken_after_loss: np.ndarray
    """(R, P, 4) probability each stage happens after a lost ruling."""
    win: np.ndarray
    """(R, P, 4) probability the plaintiffs win each stage after a won ruling (or first)."""
    win_after_loss: np.ndarray
    """(R, P, 4) probability the plaintiffs win each stage after a lost ruling."""
    taken_after_split: np.ndarray
    """(R, P) probability the Supreme Court takes a suit after a circuit split on its
    question (``taken`` and ``taken_after_loss`` hold its chances without one)."""
    other_circuits: np.ndarray
    """(R, P) how many other circuits rule on a suit's question (whole circuits)."""
    days: np.ndarray
    """(P, 4, 3) low, mode and high days of each stage."""
    vacatur: np.ndarray
    """(R, P) probability a won merits ruling vacates the measure (APA, 5 U.S.C. 706)."""
    stay_sought: np.ndarray
    """(R, P) probability the government seeks a stay of a ruling it lost."""
    stay_granted: np.ndarray
    """(R, P) probability the circuit court grants it."""
    stay_supreme_court: np.ndarray
    """(R, P) probability, refused there, that the Supreme Court grants it."""
    stay_days: np.ndarray
    """(P, 3) low, mode and high days from the ruling to the circuit's order."""
    supreme_court_days: np.ndarray
    """(P, 3) low, mode and high days from the circuit's refusal to the Court's order."""
    damages: np.ndarray
    """(P,) the profile's courts award money damages, not injunctions (terminations:
    the Court of Federal Claims)."""
    forfeits: np.ndarray
    """(P,) a final loss makes the plaintiffs' withheld money lost for good: a
    terminated grant's claim (Tucker Act) or a statute upheld, which makes the city
    ineligible by law.  A grant condition or executive order upheld does not: its
    money stays withheld until the measure is rescinded or the city complies."""
    circuit: tuple[str, ...]
    """(G,) circuit of each group's suits: a coalition's ``circuit``, else that of its
    first member's state (a scenario may hold only its late members)."""


def sample_courts(scenario: Scenario, params: Parameters, groups: int) -> CourtInputs:
    """Court profiles of every (measure, group) and their parameters.

    Profiles are the litigated measure kinds, then each coalition's own courts
    for each kind; ``groups`` counts the coalitions and the cities suing alone.
    """
    litigation = scenario.litigation
    coalitions = len(litigation.coalition)
    profiles = [(kind, None) for kind in MEASURE_KINDS] + [
        (kind, coalition) for coalition in litigation.coalition for kind in MEASURE_KINDS]
    R, P = params.size, len(profiles)

    def value(kind: str, stage: str, key: str, coalition: Coalition | None) -> np.ndarray:
        return params.per_replication(*litigation.court_value(kind, stage, key, coalition))

    taken, taken_after_loss = np.ones((R, P, 4)), np.ones((R, P, 4))
    win, win_after_loss = np.zeros((R, P, 4)), np.zeros((R, P, 4))
    days = np.zeros((P, 4, 3))
    vacatur = np.zeros((R, P))
    after_split, other_circuits = np.zeros((R, P)), np.zeros((R, P))
    stay = {key: np.zeros((R, P)) for key in ("sought", "probability", "supreme_court")}
    stay_days, supreme_court_days = np.zeros((P, 3)), np.zeros((P, 3))
    for p, (kind, coalition) in enumerate(profiles):
        for s, stage in enumerate(COURT_STAGES):
            win[:, p, s] = value(kind, stage, "probability", coalition)
            win_after_loss[:, p, s] = value(kind, stage, "probability_after_loss"
                                            if stage != "preliminary_injunction"
                                            else "probability", coalition)
            if stage != "merits":
                taken[:, p, s] = value(kind, stage, "taken", coalition)
                taken_after_loss[:, p, s] = value(kind, stage, "taken_after_loss"
                                                  if stage != "preliminary_injunction"
                                                  else "taken", coalition)
            days[p, s] = litigation.court_value(kind, stage, "days", coalition)[1]
        vacatur[:, p] = value(kind, "merits", "vacatur", coalition)
        after_split[:, p] = value(kind, "certiorari", "taken_after_split", coalition)
        other_circuits[:, p] = np.floor(value(kind, "certiorari", "other_circuits", coalition))
        for key in stay:
            stay[key][:, p] = value(kind, "stay", key, coalition)
        stay_days[p] = litigation.court_value(kind, "stay", "days", coalition)[1]
        supreme_court_days[p] = litigation.court_value(kind, "stay", "supreme_court_days",
                                                       coalition)[1]
    kinds = np.array([MEASURE_KINDS.index(m.kind) if m.kind in MEASURE_KINDS else 0
                      for m in scenario.measure], int)
    profile = np.repeat(kinds[:, None], groups, axis=1)
    profile[:, :coalitions] += len(MEASURE_KINDS) * (1 + np.arange(coalitions))[None, :]
    damages = np.array([kind == "termination" for kind, _ in profiles])
    forfeits = np.array([kind in FORFEITING_KINDS for kind, _ in profiles])
    states = {city.name: city.state for city in scenario.city}
    leads = [c.states[0] if c.states else states[(c.members or [m.city for m in
                                                                  c.late_members])[0]]
             for c in litigation.coalition]
    circuit = tuple([c.circuit or CIRCUIT_OF.get(state, state)
                     for c, state in zip(litigation.coalition, leads, strict=True)]
                    + [CIRCUIT_OF.get(city.state, city.state) for city in scenario.city])
    return CourtInputs(profile=profile, taken=taken, taken_after_loss=taken_after_loss,
                       win=win, win_after_loss=win_after_loss,
                       taken_after_split=after_split, other_circuits=other_circuits,
                       days=days, vacatur=vacatur,
                       stay_sought=stay["sought"], stay_granted=stay["probability"],
                       stay_supreme_court=stay["supreme_court"], stay_days=stay_days,
                       supreme_court_days=supreme_court_days, damages=damages,
                       forfeits=forfeits, circuit=circuit)


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
    stay: tuple[float, ...]
    """Days from each stage's ruling to the order staying it, before the next ruling
    (by stage; -1: no stay sought, refused, or not ordered before the next ruling)."""
    stayed: tuple[int, ...]
    """Who stayed each stage's ruling (by stage): 0 nobody, 1 the circuit, 2 the
    Supreme Court (see :data:`STAYED`)."""
    vacates: bool
    """A won merits ruling also vacates the measure (every jurisdiction is protected)."""
    damages: bool
    """The court awards money damages at the final judgment, no injunction."""


COURSE_DRAWS = 28
"""Uniforms per suit: whether each stage is taken (4), won (4), its days (4), then a stay
of the preliminary injunction, merits and appeal rulings, each sought, granted by the
circuit, granted by the Supreme Court, its days and the Court's days (15), and vacatur.
Whether each stage is won comes from draws shared by suits on one legal question
instead (:func:`precedent_uniforms`)."""


def court_of(kind: str, circuit: str) -> str:
    """The circuit whose precedent binds a suit.

    The Federal Circuit's for terminations (appeals from the Court of Federal
    Claims, 28 U.S.C. 1295), else the group's.
    """
    return "Federal" if kind == "termination" else circuit


def precedent_uniforms(streams: Sequence[ReplicationStreams], r: np.ndarray,
                       kinds: Sequence[str], circuits: Sequence[str],
                       stages: Sequence[int] = (PI, MERITS, APPEAL, CERTIORARI)) -> np.ndarray:
    """(N, len(stages)) uniforms of whether each stage is won, shared by suits on one question.

    Suits against measures of one kind raise one legal question: district courts
    follow their circuit's precedent, a circuit its own, and the Supreme Court
    decides once for all.  So every suit of a replication against that kind of
    measure in one circuit draws whether it wins its preliminary injunction, its
    merits and its appeal from shared uniforms (``courts`` stream,
    ``"kind|circuit Circuit|stage"``), and every suit its certiorari from one
    (``"kind|Supreme Court"``): after the 2017 conditions each circuit ruled once
    and its later suits followed (Chicago in the 7th Circuit, 2018 and 2020; San
    Francisco and California in the 9th, 2018-2020), and in 2025 the district
    courts enjoined the DOJ, DHS, HUD and DOT conditions alike.  A city's suits
    against several conditions thus win or lose together, as they did.
    """
    stream_keys = np.array([rs.stream_key("courts") for rs in streams], dtype=np.uint64)[r]
    u = np.empty((len(r), len(stages)))
    questions: dict[tuple[str, str], int] = {}  # (kind, circuit) -> its index
    which = np.array([questions.setdefault(q, len(questions))
                      for q in zip(kinds, circuits, strict=True)], dtype=np.int64)
    for column, stage in enumerate(stages):
        label = COURT_STAGES[stage]
        names = [f"{k}|Supreme Court" if stage == CERTIORARI else f"{k}|{c} Circuit|{label}"
                 for k, c in questions]
        name_keys = np.array([name_key(n) for n in names], dtype=np.uint64)[which]
        u[:, column] = philox_uniforms(np.stack([stream_keys, name_keys], axis=1), 1)[:, 0]
    return u


QUESTION_CIRCUITS: tuple[str, ...] = ("9th", "7th", "1st", "3rd", "2nd", "10th", "4th", "6th",
                                      "8th", "11th", "5th", "D.C.")
"""The regional circuits in the order they take up a suit's question as its other
circuits: those that ruled on the sanctuary funding conditions in 2017-2020 and 2025
first (9th, 7th, 1st, 3rd, 2nd), then the rest (:attr:`CourtInputs.other_circuits`)."""


class OtherCircuits(NamedTuple):
    """How the other circuits ruled on each suit's question.

    Arrays (N, K) over :data:`QUESTION_CIRCUITS`.
    """

    won: np.ndarray
    """The circuit ruled for the jurisdictions."""
    counted: np.ndarray
    """The circuit is one of the suit's ``other_circuits`` (never its own)."""

    def split(self, appeal_won: np.ndarray) -> np.ndarray:
        """(N,) whether another circuit ruled the other way from the suit's own appeal."""
        return (self.counted & (self.won != appeal_won[:, None])).any(axis=1)


def other_circuits(courts: CourtInputs, streams: Sequence[ReplicationStreams], r: np.ndarray,
                   profile: np.ndarray, kinds: Sequence[str], circuits: Sequence[str]
                   ) -> OtherCircuits:
    """How the other circuits ruled on the questions of suits (replication ``r``, ``profile``).

    Each circuit rules on a question once, from the appeal uniform its own suits
    share (:func:`precedent_uniforms`), for the jurisdictions with the appeal's
    chance after a won merits ruling: district courts ruled for them in about
    19 of 19 funding-condition cases of 2017-2020 and 2025 (research-facts.md C),
    so a circuit reviews a ruling for them.  Drawn once per (replication, kind).
    """
    K = len(QUESTION_CIRCUITS)
    pairs: dict[tuple[int, str], int] = {}
    rows = np.array([pairs.setdefault(q, len(pairs)) for q in zip(r.tolist(), kinds, strict=True)],
                    dtype=np.int64)
    u = precedent_uniforms(streams, np.repeat([q[0] for q in pairs], K).astype(np.int64),
                           [q[1] for q in pairs for _ in range(K)], QUESTION_CIRCUITS * len(pairs),
                           stages=(APPEAL,))
    won = u.reshape(len(pairs), K)[rows] < courts.win[r, profile, APPEAL][:, None]
    own = np.array([QUESTION_CIRCUITS.index(c) if c in QUESTION_CIRCUITS else K
                    for c in circuits], dtype=np.int64)
    order = np.arange(K)[None, :]
    rank = order - (order > own[:, None])  # place among the other circuits
    counted = (order != own[:, None]) & (rank < courts.other_circuits[r, profile][:, None])
    return OtherCircuits(won, counted)


def draw_courses(courts: CourtInputs, measures: Sequence[str], groups: Sequence[str],
                 suits: tuple[np.ndarray, np.ndarray, np.ndarray],
                 streams: Sequence[ReplicationStreams]
                 ) -> dict[tuple[int, int, int], SuitCourse]:
    """Courses of the (replication, measure, group) ``suits`` (three index arrays), at once.

    Each is the first :data:`COURSE_DRAWS` uniforms of the ``courts`` stream
    under the name ``"measure|group"``.  Stages are drawn in order, each given
    the ruling before it: a suit seeks a preliminary injunction if that stage
    is taken, always goes to the merits, then to appeal and certiorari while
    each is taken (by the government after a ruling for the plaintiffs, by
    them after one against; certiorari mostly after a circuit split, see
    :func:`other_circuits`).  A won ruling followed by another may be stayed.
    """
    r_index, m_index, g_index = suits
    stages = len(COURT_STAGES)
    names = [f"{measure}|{group}" for measure in measures for group in groups]
    name_keys = np.array([name_key(name) for name in names], dtype=np.uint64)
    stream_keys = np.array([rs.stream_key("courts") for rs in streams], dtype=np.uint64)
    keys = np.stack([stream_keys[r_index],
                     name_keys[m_index * len(groups) + g_index]], axis=1)
    u = philox_uniforms(keys, COURSE_DRAWS)
    profile = courts.profile[m_index, g_index]
    table = courts.days[profile]
    days = triangular_days(u[:, 2 * stages:3 * stages], table[..., 0], table[..., 1],
                           table[..., 2])
    kinds = [MEASURE_KINDS[p % len(MEASURE_KINDS)] for p in profile.tolist()]
    circuits = [court_of(kind, courts.circuit[g]) for kind, g in zip(kinds, g_index.tolist(),
                                                                   strict=True)]
    u[:, stages:2 * stages] = precedent_uniforms(streams, r_index, kinds, circuits)
    others = other_circuits(courts, streams, r_index, profile, kinds, circuits)
    taken, won = _rulings(courts, r_index, profile, u[:, :stages], u[:, stages:2 * stages],
                          others)
    stay, stayed = _stays(courts, r_index, profile, u[:, 12:27], taken, won, days)
    vacates = won[:, MERITS] & (u[:, 27] < courts.vacatur[r_index, profile])
    # Plain Python values: suits read them one at a time, faster than from arrays.
    # Built by map over whole columns: a dict comprehension unpacking each suit's draws
    # into a frozen dataclass made the draws 1.5 times slower.
    path = 4 * taken[:, PI] + 2 * taken[:, APPEAL] + taken[:, CERTIORARI]
    # By stage, with a last column for an interlocutory appeal (only histories bring one).
    # Few suits are stayed: the others share one tuple of no stays.
    stays, stayed_by = [NO_STAY] * len(path), [NOT_STAYED] * len(path)
    for i in np.flatnonzero(stayed.any(axis=1)).tolist():
        stays[i], stayed_by[i] = (*stay[i].tolist(), -1.0), (*stayed[i].tolist(), 0)
    courses = map(SuitCourse, map(STAGES.__getitem__, path.tolist()),
                  map(tuple, _padded(won, False).tolist()),
                  map(tuple, _padded(days, 0.0).tolist()),
                  stays, stayed_by, vacates.tolist(), courts.damages[profile].tolist())
    keys = zip(r_index.tolist(), m_index.tolist(), g_index.tolist(), strict=True)
    return dict(zip(keys, courses, strict=True))


NO_STAY = (-1.0,) * 5
""":attr:`SuitCourse.stay` of a suit no ruling of which is stayed."""
NOT_STAYED = (0,) * 5
""":attr:`SuitCourse.stayed` of a suit no ruling of which is stayed."""


def _padded(values: np.ndarray, fill: object) -> np.ndarray:
    """(N, 4) values with a fifth column of ``fill``."""
    return np.concatenate([values, np.full((len(values), 1), fill, dtype=values.dtype)], axis=1)


def _rulings(courts: CourtInputs, r: np.ndarray, profile: np.ndarray, u_taken: np.ndarray,
             u_won: np.ndarray, others: OtherCircuits) -> tuple[np.ndarray, np.ndarray]:
    """(N, 4) whether each stage is taken and won, each drawn given the ruling before it.

    Certiorari is taken with ``taken_after_split`` where another circuit ruled the
    other way from the suit's appeal.
    """
    after_won = (courts.taken[r, profile], courts.win[r, profile])
    after_loss = (courts.taken_after_loss[r, profile], courts.win_after_loss[r, profile])
    taken, won = np.zeros(u_taken.shape, bool), np.zeros(u_won.shape, bool)
    taken[:, PI] = u_taken[:, PI] < after_won[0][:, PI]
    taken[:, MERITS] = True
    won[:, PI] = u_won[:, PI] < after_won[1][:, PI]
    previous = np.where(taken[:, PI], won[:, PI], True)  # no motion: the merits come first
    for stage in (MERITS, APPEAL, CERTIORARI):
        if stage != MERITS:
            chance = np.where(previous, after_won[0][:, stage], after_loss[0][:, stage])
            if stage == CERTIORARI:
                chance = np.where(others.split(won[:, APPEAL]),
                                  courts.taken_after_split[r, profile], chance)
            taken[:, stage] = taken[:, stage - 1] & (u_taken[:, stage] < chance)
        chance = np.where(previous, after_won[1][:, stage], after_loss[1][:, stage])
        won[:, stage] = u_won[:, stage] < chance
        previous = won[:, stage]
    return taken, won


def _stays(courts: CourtInputs, r: np.ndarray, profile: np.ndarray, u: np.ndarray,
           taken: np.ndarray, won: np.ndarray, days: np.ndarray
           ) -> tuple[np.ndarray, np.ndarray]:
    """(N, 4) days from each ruling to a stay order (-1: none) and who stayed it (0-2).

    A stay is sought of a won preliminary injunction, merits or appeal ruling
    that another ruling follows, and counts only if ordered before that ruling.
    A refused stay changes nothing, so only granted ones are kept (a suit's
    process then waits for one event fewer: about 9 in 10 stays sought are refused).
    """
    N = len(r)
    stay, stayed = np.full((N, 4), -1.0), np.zeros((N, 4), np.int8)
    following = {PI: (MERITS, taken[:, MERITS]), MERITS: (APPEAL, taken[:, APPEAL]),
                 APPEAL: (CERTIORARI, taken[:, CERTIORARI])}
    circuit_days = courts.stay_days[profile]
    court_days = courts.supreme_court_days[profile]
    for k, (stage, (after, follows)) in enumerate(following.items()):
        sought, circuit, supreme, when, then = (u[:, 3 * i + k] for i in range(5))
        asked = taken[:, stage] & won[:, stage] & follows
        asked &= sought < courts.stay_sought[r, profile]
        granted = circuit < courts.stay_granted[r, profile]
        by_court = ~granted & (supreme < courts.stay_supreme_court[r, profile])
        ordered = triangular_days(when, circuit_days[:, 0], circuit_days[:, 1],
                                  circuit_days[:, 2])
        ordered += np.where(by_court, triangular_days(then, court_days[:, 0], court_days[:, 1],
                                                      court_days[:, 2]), 0.0)
        asked &= (ordered < days[:, after]) & (granted | by_court)
        stay[:, stage] = np.where(asked, ordered, -1.0)
        stayed[:, stage] = np.where(asked, np.where(granted, 1, np.where(by_court, 2, 0)), 0)
    return stay, stayed


STAGES: tuple[tuple[int, ...], ...] = tuple(
    (PI,) * pi + (MERITS,) + ((APPEAL,) + (CERTIORARI,) * certiorari) * appeal
    for pi in (0, 1) for appeal in (0, 1) for certiorari in (0, 1))
""":attr:`SuitCourse.stages` by ``4 x injunction sought + 2 x appeal taken + certiorari
granted``: certiorari only after an appeal."""


HISTORIC = {"preliminary_injunction": PI, "interlocutory_appeal": INTERLOCUTORY,
            "merits": MERITS, "appeal": APPEAL, "certiorari": CERTIORARI}
"""Stage index of each stage a suit's history names."""


def historic_course(courts: CourtInputs, r: int, profile: int, history: SuitHistory,
                    first_day: int, u: list[float], others: OtherCircuits) -> SuitCourse:
    """The course of a suit with a history: its rulings as stated, then the rest drawn.

    A ``pending`` stage comes first, decided ``days`` after its ``since``; then
    the stages after the last ruling in their order (after a preliminary
    injunction or its interlocutory appeal: the merits), each drawn given the
    ruling before it from the suit's uniforms ``u`` (:data:`COURSE_DRAWS`), as
    :func:`draw_courses` draws them (with the shared uniforms of
    :func:`precedent_uniforms` in their places); a pending
    interlocutory appeal is won with the circuit's shared appeal uniform and
    takes its days from the preliminary injunction's, which its stated ruling
    leaves unused; ``others``, the other circuits' rulings on its question (one row),
    decide whether certiorari follows a split.
    No stay is drawn for a suit with a history.
    """
    stages: list[int] = []
    won, days = [False] * 5, [0.0] * 5
    stay, stayed = [-1.0] * 5, [0] * 5
    day = history.filed.toordinal() - first_day
    for ruling in history.rulings:
        stage = HISTORIC[ruling.stage]
        stages.append(stage)
        won[stage] = ruling.won
        date = ruling.date.toordinal() - first_day
        days[stage], day = float(date - day), date
    previous = won[stages[-1]] if stages else True
    pending = history.pending
    if pending is not None:
        stage = HISTORIC[pending.stage]
        slot = PI if stage == INTERLOCUTORY else stage
        odds = APPEAL if stage == INTERLOCUTORY else stage
        since = pending.since.toordinal() - first_day
        days[stage] = float(since - day) + float(triangular_days(
            np.array([u[8 + slot]]), *(np.array([x]) for x in (pending.days.low,
                                                              pending.days.mode,
                                                              pending.days.high)))[0])
        chances = courts.win if previous else courts.win_after_loss
        won[stage] = bool(u[4 + odds] < chances[r, profile, odds])
        stages.append(stage)
        previous = won[stage]
    last = stages[-1] if stages else None
    rest = ([PI, MERITS, APPEAL, CERTIORARI] if last is None
            else [MERITS, APPEAL, CERTIORARI] if last in (PI, INTERLOCUTORY)
            else [s for s in (APPEAL, CERTIORARI) if s > last])
    table = courts.days[profile]
    for stage in rest:
        chances = (courts.taken, courts.win) if previous else (courts.taken_after_loss,
                                                               courts.win_after_loss)
        taken = chances[0][r, profile, stage]
        if stage == CERTIORARI and others.split(np.array([won[APPEAL]]))[0]:
            taken = courts.taken_after_split[r, profile]
        if stage != MERITS and u[stage] >= taken:
            if stage == PI:
                continue  # no motion: on to the merits
            break  # nobody appeals or petitions: the last ruling is final
        won[stage] = bool(u[4 + stage] < chances[1][r, profile, stage])
        days[stage] = float(triangular_days(np.array([u[8 + stage]]),
                                            *(table[stage, i:i + 1] for i in range(3)))[0])
        stages.append(stage)
        previous = won[stage]
    given = [x for x in history.rulings if HISTORIC[x.stage] == MERITS]
    vacates = (given[0].won and given[0].vacated if given else
               MERITS in stages and won[MERITS] and u[27] < courts.vacatur[r, profile])
    return SuitCourse(tuple(stages), tuple(won), tuple(days), tuple(stay), tuple(stayed),
                      bool(vacates), bool(courts.damages[profile]))
