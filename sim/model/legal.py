"""Litigation: suits, injunctions, appeals, coalitions, legal costs and detention liability.

Units: days for court timelines, US dollars for costs.  Arrays follow
:mod:`sim.model.federal`: strategy ``S`` (0 = baseline, which never sues),
replication ``R``, city ``C``, measure ``M``; litigant groups (axis ``G``)
are the coalitions of ``[[litigation.coalition]]`` first, then one group per
city suing alone (group ``K + c`` for city ``c``, ``K`` coalitions).

**Suits.**  For every measure that happens, each litigant group files one
suit ``filing_delay_days`` after the measure's effective date (negative:
before it, as San Francisco did on 2025-02-07).  Plaintiffs are the group's
members that, under a strategy that sues, are targeted by the measure and
penalised at their recognised compliance level.  A suit instance is one
filing on one day: every strategy filing the same suit the same day shares
the instance and so every ruling, applied to all its members and
strategies at once.  A strategy that only becomes penalised later (adaptive
switching) joins the open suit, or files a new instance; each instance of a
group's suit reuses the same court draws, shifted to its filing day.

**Courts.**  A suit goes through stages, each scheduled on the replication's
agenda by the previous one: preliminary injunction (if sought) -> merits
(summary judgment) -> appeal (if taken) -> certiorari (if granted).  Each
stage takes a random number of days after the previous step and is won with
a probability depending on the measure's kind.  A granted preliminary
injunction or won merits ruling protects covered plaintiffs
(``FederalState.enjoined``), so withheld funds are released after the
measure's release lag; a lost merits, appeal or certiorari ruling dissolves
the injunction and withholding resumes.  The last ruling is final: a final
loss makes the plaintiffs' withheld funds permanently lost
(:func:`sim.model.federal.forfeit`), a final win keeps the injunction.
Rescission of the measure ends its suits.

**Scope.**  ``parties``: an injunction protects only the suit's covered
plaintiffs (original members at once; late members ``extension_days`` after
joining, as the court extends its order).  ``universal``: it protects every
jurisdiction under that strategy.

**Common random numbers.**  Court draws are exogenous: for each
(replication, measure, group) a block of uniforms from the ``courts``
stream, keyed by the measure's and the group's names, gives every stage's
taken/won outcome and duration.  Strategies differ only in who takes part.

**Costs.**  Each open suit costs ``in_house_per_month + outside_per_month``
every month, plus a lump sum per stage ruled; a coalition's costs are split
among the members taking part that month (equally, by population or by
budget) in whole cents that add up exactly to the total.  A member whose
recognised compliance level is no longer penalised withdraws and stops
paying.

**Liability.**  Each month the enforcement process may supply
``accounts["unlawful_holds"]`` (S, R, C): holds on ICE detainers without a
judicial warrant.  Paid claims are Poisson with mean ``holds x
claim_probability`` (inverse transform of one common uniform per city and
month, so strategies stay paired and more holds never mean fewer claims);
their total cost is log-normal (Fenton-Wilkinson sum of claims with mean
``payout_mean`` and log-sd ``payout_sigma``, one common normal per city and
month), paid ``payout_lag_months`` later; what falls after the horizon is
reported as ``liability_accrued``.

Event kinds written to the event log (stable names, column ``kind``):

* ``suit_filed``: a city becomes a plaintiff at a filing (one row per city).
* ``suit_joined``: a city joins an open suit later (one row per city).
* ``injunction_extended``: an injunction in force is extended to a late member.
* ``injunction_granted`` / ``injunction_denied``: preliminary injunction ruling.
* ``merits_won`` / ``merits_lost``: summary judgment.
* ``appeal_won`` / ``appeal_lost``: circuit ruling.
* ``certiorari_won`` / ``certiorari_lost``: Supreme Court ruling.
* ``judgment_final``: the last ruling became final (detail ends ``won`` or ``lost``).
* ``funds_forfeited``: a final loss made withheld funds permanently lost (per city).
* ``suit_withdrawn``: a plaintiff complied and left the suit (per city).
* ``suit_ended``: the measure was rescinded while the suit was open.
* ``funds_released``: withheld funds were paid out (per city, any cause).

Ruling rows are one per suit: ``city`` is the plaintiff of a suit brought
alone and empty for a coalition; ``detail`` is ``"measure; group; ..."``.

State exposed to other processes (:class:`LegalState`, arrays updated in place):
``party`` and ``covered`` (S, R, C, M); ``injunction`` and ``open`` (S, R, G, M);
``lost_injunction`` and ``final_loss`` (S, R, C), the signals adaptive
strategies watch.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
from scipy import stats

from sim.model import federal
from sim.model.arrays import any_last, min_last, nonzero_cells, sum_last
from sim.model.plan import Parameters, Plan
from sim.model.streams import ReplicationStreams, name_key, philox_uniforms, rekeyed
from sim.scenario import COURT_STAGES, LegalCosts, Scenario

if TYPE_CHECKING:
    from sim.model.world import World

PI, MERITS, APPEAL, CERTIORARI = range(len(COURT_STAGES))
MEASURE_KINDS: tuple[str, ...] = ("executive_order", "grant_condition", "legislation")
DAYS_PER_MONTH = 365.25 / 12

RULINGS: dict[tuple[int, bool], str] = {
    (PI, True): "injunction_granted", (PI, False): "injunction_denied",
    (MERITS, True): "merits_won", (MERITS, False): "merits_lost",
    (APPEAL, True): "appeal_won", (APPEAL, False): "appeal_lost",
    (CERTIORARI, True): "certiorari_won", (CERTIORARI, False): "certiorari_lost",
}
"""Event kind of each (stage, won) ruling."""

EVENT_KINDS: tuple[str, ...] = (
    "suit_filed", "suit_joined", "injunction_extended", *RULINGS.values(), "judgment_final",
    "funds_forfeited", "suit_withdrawn", "suit_ended", "funds_released",
)
"""Every event kind this module writes to the event log (see the module docstring)."""

POISSON_EXACT_BELOW = 200.0
"""Mean claim counts above this use scipy's Poisson quantile instead of the summed CDF."""


def suing_strategies(scenario: Scenario, strategies: tuple[str, ...]) -> np.ndarray:
    """(S,) whether penalised cities sue under each strategy (never the baseline)."""
    table = scenario.strategy_table()
    chosen = scenario.litigation.strategies
    sues = [False]
    for name in strategies[1:]:
        sues.append(name in chosen if chosen is not None
                    else table[name].compliance == "sanctuary")
    return np.array(sues)


@dataclass(frozen=True)
class LegalInputs:
    """Litigant groups and litigation parameters for a batch of replications."""

    groups: tuple[str, ...]
    """Names of the litigant groups: coalitions, then each city alone."""
    coalitions: int
    """Number of coalitions ``K`` (the first groups)."""
    sues: np.ndarray
    """(S,) whether cities sue under the strategy."""
    universal: bool
    """Injunction scope: every jurisdiction (else only the parties)."""
    group_of: np.ndarray
    """(M, C) the group in which each city sues over each measure."""
    founders: np.ndarray
    """(G, C) members suing from the filing (a lone city: itself)."""
    coalition_cities: np.ndarray
    """(K, W) cities of each coalition over any measure, in order, padded with its first
    (the columns of its cost sharing)."""
    coalition_member: np.ndarray
    """(K, M, W) whether each of those cities is a member over the measure (padding: never)."""
    late: tuple[tuple[tuple[int, np.ndarray], ...], ...]
    """Per coalition: (city, (R,) days after filing it joins) of each late member."""
    challenges: np.ndarray
    """(G, M) whether the group sues over the measure."""
    sharing: tuple[str, ...]
    """Per coalition: ``equal``, ``population`` or ``budget``."""
    effective: np.ndarray
    """(R, M) effective day of each measure, not clipped at the start."""
    delay: np.ndarray
    """(R, G) days from a measure's effective date to the group's filing."""
    extension: np.ndarray
    """(R, G) days from a late member's joining to the injunction's extension."""
    monthly: np.ndarray
    """(R, G) cost of an open suit per month."""
    stage_fee: np.ndarray
    """(R, G, 4) lump sum billed at each stage's ruling."""
    profile: np.ndarray
    """(M, G) court profile of each suit: the measure's kind ``j`` (0-2), or
    ``3 (k + 1) + j`` for coalition ``k``'s own courts."""
    taken: np.ndarray
    """(R, P, 4) probability each stage happens, per court profile."""
    win: np.ndarray
    """(R, P, 4) probability the plaintiffs win each stage."""
    days: np.ndarray
    """(P, 4, 3) low, mode and high days of each stage."""
    claim_probability: np.ndarray
    """(R,) probability that an unlawful hold leads to a paid claim."""
    payout_mean: np.ndarray
    """(R,) mean cost of a claim."""
    payout_sigma: np.ndarray
    """(R,) standard deviation of a claim's log cost."""
    payout_lag: np.ndarray
    """(R,) whole months from hold to payment."""


def sample_legal(plan: Plan, params: Parameters, first_day: int) -> LegalInputs:
    """Litigant groups and litigation parameters of a batch of replications."""
    scenario = plan.scenario
    litigation = scenario.litigation
    coalitions = litigation.coalition
    K, C, M = len(coalitions), len(plan.cities), len(plan.measures)
    city_index = {name: c for c, name in enumerate(plan.cities)}
    measure_index = {name: m for m, name in enumerate(plan.measures)}
    challenges = np.zeros((K + C, M), bool)
    challenges[K:] = True
    founders = np.zeros((K + C, C), bool)
    founders[K:] = np.eye(C, dtype=bool)
    group_of = np.broadcast_to(K + np.arange(C), (M, C)).copy()
    late = []
    for k, coalition in enumerate(coalitions):
        measures = [measure_index[n] for n in coalition.measures] or list(range(M))
        challenges[k, measures] = True
        members = [city_index[n] for n in coalition.members]
        founders[k, members] = True
        joined = members + [city_index[j.city] for j in coalition.late_members]
        group_of[np.ix_(measures, joined)] = k
        late.append(tuple(
            (city_index[j.city], np.rint(params.per_replication(
                f"litigation.coalition[{coalition.name}].late_members[{i}].join_after_days",
                j.join_after_days)))
            for i, j in enumerate(coalition.late_members)))
    challenges[K:] = (group_of == K + np.arange(C)[None, :]).T
    if litigation.sue_alone is not None:
        alone = [city_index[name] for name in litigation.sue_alone]
        challenges[K:] &= np.isin(np.arange(C), alone)[:, None]
    delay = np.repeat(params.per_replication("litigation.filing_delay_days",
                                             litigation.filing_delay_days)[:, None], K + C, 1)
    extension = np.zeros_like(delay)
    monthly, stage_fee = _costs(params, "litigation.costs", litigation.costs, K + C)
    for k, coalition in enumerate(coalitions):
        prefix = f"litigation.coalition[{coalition.name}]"
        if coalition.filing_delay_days is not None:
            delay[:, k] = params.per_replication(f"{prefix}.filing_delay_days",
                                                 coalition.filing_delay_days)
        extension[:, k] = params.per_replication(f"{prefix}.extension_days",
                                                 coalition.extension_days)
        if coalition.costs is not None:
            own_monthly, own_fee = _costs(params, f"{prefix}.costs", coalition.costs, 1)
            monthly[:, k], stage_fee[:, k] = own_monthly[:, 0], own_fee[:, 0]
    taken, win, days = _court_profiles(scenario, params)
    kinds = np.array([MEASURE_KINDS.index(m.kind) for m in scenario.measure], int)
    profile = np.repeat(kinds[:, None], K + C, axis=1)
    profile[:, :K] += len(MEASURE_KINDS) * (1 + np.arange(K))[None, :]
    liability = litigation.liability
    path = "litigation.liability"
    coalition_cities, coalition_member = _coalition_columns(group_of, K)
    return LegalInputs(
        groups=tuple([c.name for c in coalitions] + list(plan.cities)),
        coalitions=K,
        sues=suing_strategies(scenario, plan.strategies),
        universal=litigation.scope == "universal",
        group_of=group_of,
        founders=founders,
        coalition_cities=coalition_cities,
        coalition_member=coalition_member,
        late=tuple(late),
        challenges=challenges,
        sharing=tuple(c.cost_sharing for c in coalitions),
        effective=params.per_measure("effective") - first_day,
        delay=np.rint(delay),
        extension=np.rint(extension),
        monthly=monthly,
        stage_fee=stage_fee,
        profile=profile,
        taken=taken,
        win=win,
        days=days,
        claim_probability=params.per_replication(f"{path}.claim_probability",
                                                 liability.claim_probability),
        payout_mean=params.per_replication(f"{path}.payout_mean", liability.payout_mean),
        payout_sigma=params.per_replication(f"{path}.payout_sigma", liability.payout_sigma),
        payout_lag=np.rint(params.per_replication(f"{path}.payout_lag_months",
                                                  liability.payout_lag_months)).astype(int),
    )


def _costs(params: Parameters, prefix: str, costs: LegalCosts,
           groups: int) -> tuple[np.ndarray, np.ndarray]:
    """(R, groups) monthly cost and (R, groups, 4) stage fees of one costs table."""
    monthly = (params.per_replication(f"{prefix}.in_house_per_month", costs.in_house_per_month)
               + params.per_replication(f"{prefix}.outside_per_month",
                                        costs.outside_per_month))
    fees = np.stack([params.per_replication(f"{prefix}.{stage}", getattr(costs, stage))
                     for stage in COURT_STAGES], axis=1)
    return (np.repeat(monthly[:, None], groups, axis=1),
            np.repeat(fees[:, None, :], groups, axis=1))


def _court_profiles(scenario: Scenario,
                    params: Parameters) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Taken and win probabilities (R, P, 4) and days (P, 4, 3) per court profile.

    Profiles are the measure kinds, then each coalition's own courts for each kind.
    """
    litigation = scenario.litigation
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
    return taken, win, days


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

    first: int
    """Stage of the first ruling: the preliminary injunction if sought, else the merits."""
    won: tuple[bool, ...]
    """Whether the plaintiffs win each stage's ruling."""
    after: tuple[int | None, ...]
    """The stage following each stage (None: that stage's ruling is final)."""
    days: tuple[float, ...]
    """Whole days each stage takes."""


@dataclass(slots=True)
class Suit:
    """One filing of a group's suit against a measure in one replication."""

    number: int
    replication: int
    measure: int
    group: int
    filed: float
    """Day of filing."""
    strategies: tuple[int, ...]
    """Strategies litigating this instance, in order."""
    litigants: Litigants
    course: SuitCourse
    fees: tuple[float, ...]
    """Lump sum billed at each stage's ruling."""


@dataclass
class LegalState:
    """Suits, injunctions and their bookkeeping; mutable, updated in place."""

    party: np.ndarray
    """(S, R, C, M) the city is a plaintiff in its group's suit against the measure."""
    covered: np.ndarray
    """(S, R, C, M) the suit's injunctions extend to the plaintiff (``parties`` scope)."""
    settled: np.ndarray
    """(S, R, C, M) the plaintiff's suit ended (final judgment or rescission)."""
    member: np.ndarray
    """(R, C, M) the city has joined its group (founders at filing, late members later)."""
    open: np.ndarray
    """(S, R, G, M) the group's suit is pending."""
    injunction: np.ndarray
    """(S, R, G, M) an injunction from the group's suit is in force."""
    instance: np.ndarray
    """(S, R, G, M) number of the suit instance litigated (-1: none)."""
    fees_due: np.ndarray
    """(S, R, G, M) stage fees billed since the last month."""
    lost_injunction: np.ndarray
    """(S, R, C) an injunction was denied or dissolved, or a merits, appeal or
    certiorari ruling lost, in one of the city's suits (a signal for adaptive
    strategies)."""
    final_loss: np.ndarray
    """(S, R, C) one of the city's suits ended in a final loss."""
    first_exposed: np.ndarray
    """(S, R, C) day a measure first penalised the city (inf: never)."""
    first_injunction: np.ndarray
    """(S, R, C) day an injunction first protected the city (inf: never)."""
    months_enjoined: np.ndarray
    """(S, R, C) months in which an injunction protected the city from a measure in force."""
    liability_accrued: np.ndarray
    """(S, R, C) claims incurred whose payment falls after the horizon."""
    suits: list[Suit] = field(default_factory=list)
    courses: dict[tuple[int, int, int], SuitCourse] = field(default_factory=dict)
    members: dict[tuple[int, int], Litigants] = field(default_factory=dict)
    """Cities suing in each (measure, group), computed once."""
    liability_due: np.ndarray | None = None
    """(L, S, R, C) claims to pay in month p, in slot p % L (L: longest payout lag + 1,
    at most T), allocated once holds appear."""
    due_in: np.ndarray | None = None
    claim_table: ClaimTable | None = None
    """Claim counts by number of holds, built when holds first appear."""
    """(L,) whether a slot of ``liability_due`` holds anything."""
    claim_u: np.ndarray | None = None
    """(T, R, C) uniforms of the monthly claim counts."""
    claim_z: np.ndarray | None = None
    """(T, R, C) normals of the monthly claim costs."""


def initial_legal_state(plan: Plan, inputs: LegalInputs, replications: int) -> LegalState:
    """No suit filed, nothing enjoined."""
    S, C = plan.shape
    M, G = len(plan.measures), len(inputs.groups)
    per_city = (S, replications, C, M)
    per_group = (S, replications, G, M)
    per_strategy = (S, replications, C)
    return LegalState(
        party=np.zeros(per_city, bool),
        covered=np.zeros(per_city, bool),
        settled=np.zeros(per_city, bool),
        member=np.zeros((replications, C, M), bool),
        open=np.zeros(per_group, bool),
        injunction=np.zeros(per_group, bool),
        instance=np.full(per_group, -1, dtype=np.int64),
        fees_due=np.zeros(per_group),
        lost_injunction=np.zeros(per_strategy, bool),
        final_loss=np.zeros(per_strategy, bool),
        first_exposed=np.full(per_strategy, np.inf),
        first_injunction=np.full(per_strategy, np.inf),
        months_enjoined=np.zeros(per_strategy, dtype=np.int32),
        liability_accrued=np.zeros(per_strategy),
    )


def initial_events(inputs: LegalInputs, fed: federal.FederalInputs, plan: Plan,
                   horizon_day: float) -> list[tuple[int, float, str, Any]]:
    """(replication, day, kind, payload) of every filing and every rescission ending suits."""
    suing = _suing(inputs, plan)
    events = []
    for r, m in zip(*np.nonzero(fed.occurs), strict=True):
        ends = fed.rescind_day[r, m] if fed.rescinded[r, m] else np.inf
        for g in np.nonzero(suing[:, m])[0]:
            day = inputs.effective[r, m] + inputs.delay[r, g]
            if day < horizon_day and day < ends:
                events.append((int(r), float(day), "suit_filed", (int(m), int(g), None)))
        if ends < horizon_day and suing[:, m].any():
            day = max(ends, fed.start_day[r, m])
            events.append((int(r), float(day), "suits_ended", int(m)))
    return events


def _suing(inputs: LegalInputs, plan: Plan) -> np.ndarray:
    """(G, M) whether the group sues over the measure (when it happens)."""
    targeted = plan.targeted.any(axis=2)
    suing = ((inputs.founders.astype(np.int64) @ targeted.T.astype(np.int64)) > 0
             ) & inputs.challenges
    if not inputs.sues.any():
        suing[:] = False
    return suing


def draw_suits(inputs: LegalInputs, plan: Plan, occurs: np.ndarray,
               streams: Sequence[ReplicationStreams]) -> dict[tuple[int, int, int], SuitCourse]:
    """Court draws of every (replication, measure, group) that can file, at once.

    Each is the first ``3 x 4`` uniforms of the ``courts`` stream under the
    name ``"measure|group"``: whether each stage is taken, whether it is won
    (against the replication's probabilities) and its days.  A suit seeks a
    preliminary injunction if that stage is taken, always goes to the merits,
    then to appeal and certiorari while each is taken.
    """
    suing = _suing(inputs, plan)
    r_index, m_index, g_index = np.nonzero(occurs[:, :, None] & suing.T[None])
    stages = len(COURT_STAGES)
    names = [f"{measure}|{group}" for measure in plan.measures for group in inputs.groups]
    name_keys = np.array([name_key(name) for name in names], dtype=np.uint64)
    stream_keys = np.array([rs.stream_key("courts") for rs in streams], dtype=np.uint64)
    keys = np.stack([stream_keys[r_index],
                     name_keys[m_index * len(inputs.groups) + g_index]], axis=1)
    u = philox_uniforms(keys, 3 * stages)
    profile = inputs.profile[m_index, g_index]
    table = inputs.days[profile]
    days = triangular_days(u[:, 2 * stages:], table[..., 0], table[..., 1], table[..., 2])
    taken = u[:, :stages] < inputs.taken[r_index, profile]
    won = u[:, stages:2 * stages] < inputs.win[r_index, profile]
    # Plain Python values: handlers read them one at a time, faster than from arrays.
    # Built by map over whole columns: a dict comprehension unpacking each suit's draws
    # into a frozen dataclass made draw_suits 1.5 times slower (21 ms instead of 14 a
    # batch of 250 replications of 50 cities).
    first = np.where(taken[:, PI], PI, MERITS).tolist()
    after = map(AFTER.__getitem__, (2 * taken[:, APPEAL] + taken[:, CERTIORARI]).tolist())
    courses = map(SuitCourse, first, map(tuple, won.tolist()), after,
                  map(tuple, days.tolist()))
    keys = zip(r_index.tolist(), m_index.tolist(), g_index.tolist(), strict=True)
    return dict(zip(keys, courses, strict=True))


AFTER: tuple[tuple[int | None, ...], ...] = tuple(
    (MERITS, APPEAL if appeal else None, CERTIORARI if certiorari else None, None)
    for appeal in (False, True) for certiorari in (False, True))
""":attr:`SuitCourse.after` by ``2 x appeal taken + certiorari taken``."""


# --------------------------------------------------------------------------
# Event handlers: each touches only replication r's slice.


@dataclass(frozen=True, slots=True)
class Litigants:
    """The cities of one group's suit against one measure, worked out once per batch."""

    cities: np.ndarray
    """Indices of the cities suing in the group (a lone city: itself)."""
    index: slice | np.ndarray
    """``cities`` as a slice when evenly spaced (a lone city always): indexing
    state arrays by a slice gives views, several times cheaper than copies."""
    founders: tuple[int, ...]
    """Indices of the members suing from the filing."""
    founders_index: np.ndarray
    """:attr:`founders` as indices for numpy (many founders)."""
    eligible: np.ndarray
    """(S, n) whether each city sues under each strategy when penalised (targeted
    grants, a strategy exposed to measures that sues)."""
    eligible_cities: tuple[tuple[int, ...], ...]
    """Per strategy, the cities of :attr:`eligible`, as plain ints for the handlers."""
    eligible_index: tuple[np.ndarray, ...]
    """Per strategy, the cities of :attr:`eligible`, as indices for numpy (big suits)."""
    description: str
    """``"measure; group"``, the start of the event log's detail."""
    lead: int
    """City of the suit's ruling rows (see :func:`_lead_city`)."""
    big: bool
    """More than :data:`SCALAR_UP_TO` (strategy, city) pairs are eligible: handlers work
    on the suit's cities with numpy rather than one scalar at a time."""


def _litigants(world: World, m: int, g: int) -> Litigants:
    """The cities suing in group ``g`` over measure ``m``, computed once and kept."""
    legal = world.legal
    key = (m, g)
    if key not in legal.members:
        inputs = world.legal_inputs
        cities = np.flatnonzero(inputs.group_of[m] == g)
        eligible = _eligible(world, m, cities)
        founders = cities[inputs.founders[g, cities]]
        legal.members[key] = Litigants(
            cities=cities,
            index=_as_index(cities),
            founders=tuple(founders.tolist()),
            founders_index=founders,
            eligible=eligible,
            eligible_cities=tuple(tuple(cities[row].tolist()) for row in eligible),
            eligible_index=tuple(cities[row] for row in eligible),
            description=_describe(world, m, g),
            lead=_lead_city(world, g),
            big=int(eligible.sum()) > SCALAR_UP_TO)
    return legal.members[key]


def _as_index(cities: np.ndarray) -> slice | np.ndarray:
    """The same selection as ``cities`` (increasing indices), as a slice if evenly spaced."""
    if len(cities) == 1:
        return slice(int(cities[0]), int(cities[0]) + 1)
    steps = np.unique(np.diff(cities))
    if len(steps) == 1:
        return slice(int(cities[0]), int(cities[-1]) + 1, int(steps[0]))
    return cities


def _eligible(world: World, m: int, cities: np.ndarray) -> np.ndarray:
    """(S, n) which of ``cities`` sue over ``m`` under each strategy, when penalised."""
    plan = world.plan
    return (world.legal_inputs.sues[:, None] & plan.exposed[:, None]
            & plan.targeted[m, cities].any(axis=1)[None, :])


def _could_sue(world: World, r: int, m: int, cities: slice | np.ndarray,
               eligible: np.ndarray | None = None) -> np.ndarray:
    """(S, n) which of ``cities`` would be plaintiffs against ``m`` now, if members of a suit.

    ``cities`` indexes the city axis (indices or a slice); ``eligible`` is
    :func:`_eligible` for these cities, when already known.
    """
    legal = world.legal
    if eligible is None:
        eligible = _eligible(world, m, cities)
    level = world.federal.recognised[:, r, cities]
    return (eligible & world.plan.penalises[m][level]
            & ~legal.party[:, r, cities, m] & ~legal.settled[:, r, cities, m])


def _describe(world: World, m: int, g: int) -> str:
    return f"{world.plan.measures[m]}; {world.legal_inputs.groups[g]}"


def _lead_city(world: World, g: int) -> int:
    """City of a suit's ruling rows: the plaintiff of a lone suit, -1 for a coalition."""
    K = world.legal_inputs.coalitions
    return g - K if g >= K else -1


def _suit_course(world: World, r: int, m: int, g: int) -> SuitCourse:
    """The course of (replication, measure, group)'s suit, drawn for the whole batch once."""
    legal = world.legal
    if not legal.courses:
        legal.courses = draw_suits(world.legal_inputs, world.plan, world.federal_inputs.occurs,
                                   world.streams)
    return legal.courses[r, m, g]


def _suit_filed(world: World, r: int, day: float, payload: tuple) -> None:
    m, g, only = payload
    legal, inputs = world.legal, world.legal_inputs
    litigants = _litigants(world, m, g)
    if litigants.big:
        legal.member[r, litigants.founders_index, m] = True
    else:
        for c in litigants.founders:
            legal.member[r, c, m] = True
    if only is None and g < inputs.coalitions:
        for c, after in inputs.late[g]:
            world.schedule(r, float(day + after[r]), "suit_joined", (m, g, c, None))
    filing = _filing_plaintiffs if litigants.big else _filing_plaintiffs_by_scalars
    strategies, cities = filing(world, r, m, g, litigants, only)
    if not len(cities):
        return
    distinct = np.unique(strategies).tolist() if litigants.big else sorted(set(strategies))
    suit = Suit(number=len(legal.suits), replication=r, measure=m, group=g, filed=day,
                strategies=tuple(distinct), litigants=litigants,
                course=_suit_course(world, r, m, g),
                fees=tuple(inputs.stage_fee[r, g].tolist()))
    legal.suits.append(suit)
    _mark(legal.party[..., m], r, strategies, cities)
    _mark(legal.covered[..., m], r, strategies, cities)
    for s in suit.strategies:
        legal.open[s, r, g, m] = True
        legal.instance[s, r, g, m] = suit.number
    # One row per plaintiff city, its strategies in order.
    world.log_rows(r, day, "suit_filed", strategies, cities,
                   [litigants.description] * len(cities))
    first = suit.course.first
    world.schedule(r, day + suit.course.days[first], "court_ruling", (suit.number, first))


Pairs = tuple[list[int], list[int]] | tuple[np.ndarray, np.ndarray]
"""(strategy, city) pairs as two parallel sequences: plain lists for small suits, index arrays
for big ones (numpy indexes by a list of ~120 cities five times slower than by an array)."""


def _filing_plaintiffs_by_scalars(world: World, r: int, m: int, g: int, litigants: Litigants,
                                  only: np.ndarray | None) -> tuple[list[int], list[int]]:
    """Strategies and cities (parallel lists) of a filing's plaintiffs, by city then strategy.

    Plaintiffs are members penalised now, not yet plaintiffs nor settled, under a
    strategy whose suit is not open (and one of ``only``, if given).
    """
    # Plain scalar reads: a small suit has a few strategies and cities, and numpy's
    # per-call overhead on arrays that small is many times a scalar read.
    legal = world.legal
    member, party, settled, is_open = legal.member, legal.party, legal.settled, legal.open
    penalises, recognised = world.plan.penalises, world.federal.recognised
    pairs = sorted(
        (c, s) for s, cities in enumerate(litigants.eligible_cities)
        if cities and not is_open[s, r, g, m] and (only is None or only[s])
        for c in cities
        if (member[r, c, m] and penalises[m, recognised[s, r, c]]
            and not party[s, r, c, m] and not settled[s, r, c, m]))
    return [s for _, s in pairs], [c for c, _ in pairs]


def _filing_plaintiffs(world: World, r: int, m: int, g: int, litigants: Litigants,
                       only: np.ndarray | None) -> Pairs:
    """:func:`_filing_plaintiffs_by_scalars` of a big suit, as index arrays.

    One numpy look-up per strategy.
    """
    legal = world.legal
    strategies, cities = [], []
    for s, index in enumerate(litigants.eligible_index):
        if not len(index) or legal.open[s, r, g, m] or (only is not None and not only[s]):
            continue
        now = legal.member[r, index, m]
        now &= world.plan.penalises[m][world.federal.recognised[s, r, index]]
        np.greater(now, legal.party[s, r, index, m], out=now)  # now and not a party
        np.greater(now, legal.settled[s, r, index, m], out=now)  # now and not settled
        cities.append(index[now])
        strategies.append(np.full(len(cities[-1]), s))
    if not cities:
        return np.zeros(0, int), np.zeros(0, int)
    strategy, city = np.concatenate(strategies), np.concatenate(cities)
    order = np.lexsort((strategy, city))  # by city, then strategy
    return strategy[order], city[order]


def _mark(values: np.ndarray, r: int, strategies: Sequence[int], cities: Sequence[int]) -> None:
    """Set ``values[s, r, c]`` (S, R, C) for each strategy and city of :data:`Pairs`.

    By scalars up to :data:`SCALAR_UP_TO` pairs, else one numpy write.  For an
    (S, R, C, M) array, pass the view ``values[..., m]``.
    """
    if len(cities) > SCALAR_UP_TO:
        values[strategies, r, cities] = True
    else:
        for s, c in zip(strategies, cities, strict=True):
            values[s, r, c] = True


def _suit_joined(world: World, r: int, day: float, payload: tuple) -> None:
    m, g, c, only = payload
    legal = world.legal
    legal.member[r, c, m] = True
    joining = legal.open[:, r, g, m] & _could_sue(world, r, m, slice(c, c + 1))[:, 0]
    if only is not None:
        joining &= only
    if not joining.any():
        return
    legal.party[joining, r, c, m] = True
    world.log(r, day, "suit_joined", _describe(world, m, g), city=c,
              strategies=np.flatnonzero(joining))
    world.schedule(r, float(day + world.legal_inputs.extension[r, g]), "injunction_extended",
                   (m, g, c, joining))


def _injunction_extended(world: World, r: int, day: float, payload: tuple) -> None:
    m, g, c, strategies = payload
    legal = world.legal
    # A final judgment reached before the extension still extends to the member.
    extended = strategies & legal.party[:, r, c, m]
    legal.covered[extended, r, c, m] = True
    in_force = extended & legal.injunction[:, r, g, m]
    if in_force.any():
        world.log(r, day, "injunction_extended", _describe(world, m, g), city=c,
                  strategies=np.flatnonzero(in_force))
    _protect(world, r, m, day, slice(c, c + 1), g)


def _court_ruling(world: World, r: int, day: float, payload: tuple) -> None:
    number, stage = payload
    legal = world.legal
    suit = legal.suits[number]
    m, g = suit.measure, suit.group
    is_open, instance, injunction = legal.open, legal.instance, legal.injunction
    # Scalar reads and writes, as in _suit_filed.
    strategies = [s for s in suit.strategies
                  if is_open[s, r, g, m] and instance[s, r, g, m] == number]
    if not strategies:
        return
    course = suit.course
    won = course.won[stage]
    before = [injunction[s, r, g, m] for s in strategies]
    changed = not all(before) if won else any(before)
    fee = suit.fees[stage]
    for s in strategies:
        injunction[s, r, g, m] = won
        if fee:
            legal.fees_due[s, r, g, m] += fee
    litigants = suit.litigants
    following = course.after[stage]
    # The plaintiffs matter only to a loss or a final ruling (not to ~45% of rulings).
    if not won or following is None:
        plaintiffs = _plaintiffs(legal.party, r, m, strategies, litigants)
    if not won:
        _mark(legal.lost_injunction, r, *plaintiffs)
    detail = litigants.description
    if changed and not won:
        detail += "; injunction dissolved"
    world.log(r, day, RULINGS[stage, won], detail, city=litigants.lead, strategies=strategies)
    if changed:
        _protect_suit(world, r, m, g, litigants, day)
    if following is None:
        _final(world, r, day, suit, plaintiffs, won, strategies)
    else:
        world.schedule(r, day + course.days[following], "court_ruling", (number, following))


def _plaintiffs(party: np.ndarray, r: int, m: int, strategies: list[int],
                litigants: Litigants) -> Pairs:
    """Strategies and cities of a suit's plaintiffs, strategy by strategy.

    Only cities eligible under a strategy can ever be its plaintiffs.
    """
    if litigants.big:  # one numpy look-up per strategy beats many scalar reads
        cities = [litigants.eligible_index[s][party[s, r, litigants.eligible_index[s], m]]
                  for s in strategies]
        return np.repeat(strategies, [len(c) for c in cities]), np.concatenate(cities)
    of, plaintiffs = [], []
    for s in strategies:
        cities = [c for c in litigants.eligible_cities[s] if party[s, r, c, m]]
        plaintiffs += cities
        of += [s] * len(cities)
    return of, plaintiffs


def _final(world: World, r: int, day: float, suit: Suit, plaintiffs: Pairs, won: bool,
           strategies: list[int]) -> None:
    """The last ruling became final for ``strategies`` and their plaintiffs."""
    legal, fed = world.legal, world.federal
    m, g = suit.measure, suit.group
    litigants = suit.litigants
    for s in strategies:
        legal.open[s, r, g, m] = False
    _mark(legal.settled[..., m], r, *plaintiffs)
    world.log(r, day, "judgment_final", litigants.description + ("; won" if won else "; lost"),
              city=litigants.lead, strategies=strategies)
    if won:
        return
    _mark(legal.final_loss, r, *plaintiffs)
    losers, cities = plaintiffs
    if len(cities) > SCALAR_UP_TO:
        where = (np.asarray(losers), r, np.asarray(cities))
        amounts = fed.pool[(*where, m)].tolist()
    else:
        amounts = [fed.pool[s, r, c, m] for s, c in zip(losers, cities, strict=True)]
    world.log_rows(r, day, "funds_forfeited", losers, cities,
                   [f"{litigants.description}; ${amount:,.0f}" for amount in amounts])
    if len(cities) > SCALAR_UP_TO:
        federal.forfeit(fed, where, m)
    else:  # scalar indices: ~1.5 us a plaintiff, against ~15 us a call by index arrays
        for s, c in zip(losers, cities, strict=True):
            federal.forfeit(fed, (s, r, c), m)


def _suits_ended(world: World, r: int, day: float, m: int) -> None:
    legal = world.legal
    pending = legal.open[:, r, :, m]
    for g in np.flatnonzero(pending.any(axis=0)):
        world.log(r, day, "suit_ended", _describe(world, m, int(g)) + "; measure rescinded",
                  city=_lead_city(world, int(g)), strategies=np.flatnonzero(pending[:, g]))
    legal.settled[:, r, :, m] |= legal.party[:, r, :, m]
    pending[:] = False
    legal.injunction[:, r, :, m] = False
    _protect(world, r, m, day)


def _protect(world: World, r: int, m: int, day: float,
             cities: slice | np.ndarray | None = None, group: int | None = None) -> None:
    """Recompute who injunctions protect from measure ``m`` in replication ``r``.

    Under ``parties`` scope only the given cities (members of ``group``'s
    suit; indices or a slice) can change; ``universal`` scope and
    ``cities=None`` recompute every city.
    """
    legal, inputs = world.legal, world.legal_inputs
    in_force = legal.injunction[:, r, :, m]
    if inputs.universal:
        cities = slice(None)
        protected = np.repeat(in_force.any(axis=1)[:, None], len(world.plan.cities), axis=1)
    else:
        if cities is None:
            cities = slice(None)
        enjoined = (in_force[:, group, None] if group is not None
                    else in_force[:, inputs.group_of[m, cities]])
        protected = legal.covered[:, r, cities, m] & legal.party[:, r, cities, m]
        protected &= enjoined
    protected &= world.plan.exposed[:, None]
    world.federal.enjoined[:, r, cities, m] = protected
    world.federal.dirty = True
    first = legal.first_injunction[:, r, cities]
    first[protected & np.isinf(first)] = day
    legal.first_injunction[:, r, cities] = first


SCALAR_UP_TO = 16
"""Strategy x city pairs up to which :func:`_protect_suit`, :func:`_plaintiffs` and final
losses read and write plain scalars rather than calling numpy (measured: one numpy call on a few
elements costs about as much as fifteen scalar reads)."""


def _protect_suit(world: World, r: int, m: int, g: int, litigants: Litigants,
                  day: float) -> None:
    """:func:`_protect` for the cities of group ``g``'s suit, by scalars when the suit is small.

    Under ``parties`` scope a city is protected only as a plaintiff, so only
    the cities eligible under a strategy can change.
    """
    eligible = litigants.eligible_cities
    if world.legal_inputs.universal or litigants.big:
        _protect(world, r, m, day, litigants.index, g)
        return
    legal = world.legal
    injunction, covered, party = legal.injunction, legal.covered, legal.party
    enjoined, first = world.federal.enjoined, legal.first_injunction
    for s, cities in enumerate(eligible):
        if not cities:
            continue
        in_force = bool(injunction[s, r, g, m])
        for c in cities:
            protected = in_force and bool(covered[s, r, c, m] and party[s, r, c, m])
            enjoined[s, r, c, m] = protected
            if protected and math.isinf(first[s, r, c]):
                first[s, r, c] = day
    world.federal.dirty = True


HANDLERS: dict[str, Any] = {
    "suit_filed": _suit_filed,
    "suit_joined": _suit_joined,
    "injunction_extended": _injunction_extended,
    "court_ruling": _court_ruling,
    "suits_ended": _suits_ended,
}
"""Agenda event kinds of this module and their handlers."""


# --------------------------------------------------------------------------
# Monthly steps


def legal_month(world: World, m: int, accounts: dict[str, np.ndarray]
                ) -> tuple[np.ndarray, np.ndarray]:
    """Legal and liability costs of month ``m`` (arrays (S, R, C)); log releases."""
    _log_releases(world, m, accounts["federal_restored"])
    return _legal_costs(world, m), _liability(world, m, accounts.get("unlawful_holds"))


def _log_releases(world: World, m: int, restored: np.ndarray) -> None:
    where = nonzero_cells(restored > 0)
    world.log_each(float(world.plan.calendar.tick_days[m]), "funds_released", where,
                   [f"${amount:,.0f}" for amount in restored[where].tolist()])


def _legal_costs(world: World, m: int) -> np.ndarray:
    legal, inputs = world.legal, world.legal_inputs
    if not legal.suits:
        return world.zeros
    K = inputs.coalitions
    cost = np.zeros(world.zeros.shape)
    # Only groups that challenge a measure ever have a suit open or a fee billed: the
    # benchmark's coalition members never sue alone, 40 of its 54 groups.
    alone = np.flatnonzero(inputs.challenges[K:].any(axis=1))
    if len(alone):
        cost[:, :, _as_index(alone)] = sum_last(_suit_costs(world, _as_index(K + alone)))
    if K:
        _add_coalition_shares(world, m, _suit_costs(world, slice(0, K)), cost)
    legal.fees_due[:] = 0.0
    return cost


def _add_coalition_shares(world: World, m: int, totals: np.ndarray, cost: np.ndarray) -> None:
    """Add the coalitions' costs ``totals`` (S, R, K, M) this month, shared among members."""
    legal, inputs = world.legal, world.legal_inputs
    # Only (coalition, measure, strategy, replication) rows with costs take part: one
    # share_costs call for all of them, not one per coalition (0.21 -> 0.13 ms/rep at
    # 50 cities) nor one per coalition and measure (0.3 ms/rep more).
    k, which, s, r = nonzero_cells(totals.transpose(2, 3, 0, 1))
    if not len(k):
        return
    # Columns: the row's coalition's cities (over any of its measures, in order), then
    # padding.  A column not a member over the row's measure, or padding, does not
    # take part and gets a share of exactly 0.0, which changes no sum it is added to.
    cities = inputs.coalition_cities[k]
    taking_part = legal.party[s[:, None], r[:, None], cities, which[:, None]]
    taking_part &= inputs.coalition_member[k, which]
    weights = np.ones(cities.shape)  # "equal" sharing
    bounds = np.searchsorted(k, np.arange(inputs.coalitions + 1))
    for g, (first, last) in enumerate(zip(bounds[:-1], bounds[1:], strict=True)):
        by = _sharing_weights(world, g, m)
        if by is not None and last > first:
            weights[first:last] = by[r[first:last, None], cities[first:last]]
    shares = share_costs(totals[s, r, k, which], weights, taking_part)
    # Rows run coalition by coalition, measure by measure, and np.add.at adds them in
    # row order: each city's shares are added in that order, as one call per coalition
    # and measure did (identical sums).  Flat indices: numpy's add.at is 4 times faster
    # on one index array than on three.
    S, R, C = cost.shape
    cells = ((s * R + r) * C)[:, None] + cities
    np.add.at(cost.reshape(-1), cells.ravel(), shares.ravel())


def _coalition_columns(group_of: np.ndarray, K: int) -> tuple[np.ndarray, np.ndarray]:
    """:attr:`LegalInputs.coalition_cities` and :attr:`LegalInputs.coalition_member`."""
    in_group = group_of[None] == np.arange(K)[:, None, None]  # (K, M, C)
    cities = [np.flatnonzero(in_group[k].any(axis=0)) for k in range(K)]
    width = max([1, *(len(c) for c in cities)])
    members = np.zeros((K, width), dtype=np.intp)
    member_of = np.zeros((K, in_group.shape[1], width), bool)
    for k, row in enumerate(cities):
        members[k, :len(row)], members[k, len(row):] = row, row[0] if len(row) else 0
        member_of[k, :, :len(row)] = in_group[k][:, row]
    return members, member_of


def _suit_costs(world: World, groups: slice | np.ndarray) -> np.ndarray:
    """(S, R, groups, M) this month's cost of the groups' suits: monthly while open, plus fees."""
    legal, monthly = world.legal, world.legal_inputs.monthly[:, groups]
    is_open, fees = legal.open[:, :, groups], legal.fees_due[:, :, groups]
    total = np.empty(fees.shape)
    for k in range(total.shape[-1]):  # per measure: numpy broadcasts slowly along a short axis
        np.add(is_open[..., k] * monthly, fees[..., k], out=total[..., k])
    return total


def _sharing_weights(world: World, k: int, m: int) -> np.ndarray | None:
    """(R, C) weight of each city in coalition ``k``'s cost sharing this month (None: equal)."""
    rule = world.legal_inputs.sharing[k]
    if rule == "population":
        R, C = len(world.replications), len(world.plan.cities)
        return np.broadcast_to(world.plan.population, (R, C))
    if rule == "budget":
        return world.fiscal_inputs.expenditure[m]
    return None


def share_costs(amount: np.ndarray, weights: np.ndarray,
                taking_part: np.ndarray) -> np.ndarray:
    """Split ``amount`` among the cities taking part (last axis), in whole cents.

    Shares are proportional to ``weights`` (equal if the weights of those
    taking part are all zero) and add up exactly to the amount rounded to
    the cent: cumulative shares are rounded, then differenced.  Nothing is
    charged where nobody takes part.
    """
    weights = np.where(taking_part, weights, 0.0)
    no_weight = ~(weights > 0).any(axis=-1, keepdims=True)
    weights = np.where(no_weight & taking_part, 1.0, weights)
    cumulative = np.cumsum(weights, axis=-1)
    whole = cumulative[..., -1:]
    fraction = np.divide(cumulative, whole, out=np.zeros_like(cumulative), where=whole > 0)
    cents = np.rint(np.rint(np.asarray(amount) * 100.0)[..., None] * fraction)
    # np.diff(cents, prepend=0.0), without its concatenation.
    shares = np.empty_like(cents)
    np.subtract(cents[..., :1], 0.0, out=shares[..., :1])
    np.subtract(cents[..., 1:], cents[..., :-1], out=shares[..., 1:])
    return shares / 100.0


def end_of_month(world: World, m: int) -> None:
    """After month ``m``: withdrawals of complying plaintiffs, late filings, records."""
    legal, fed, plan = world.legal, world.federal, world.plan
    day = float(plan.calendar.tick_days[m])
    # The month's federal accounting refreshed these after the month's events.
    penalised, exposure = fed.penalised, fed.exposed
    _record_exposure(world, m, exposure)
    legal.months_enjoined += _enjoined_in_force(world)
    if legal.suits:
        _withdraw(world, day, penalised)
    # Groups that have filed (even if nobody took part then) take late plaintiffs.
    if legal.member.any() and m + 1 < plan.calendar.months:
        _late_filings(world, float(plan.calendar.start_days[m + 1]), exposure)


def _enjoined_in_force(world: World) -> np.ndarray:
    """(S, R, C) whether an injunction protects the city from a measure in force."""
    fed = world.federal
    enjoined = np.zeros(fed.enjoined.shape[:-1], bool)
    for k in range(fed.enjoined.shape[-1]):
        # Not "& active[None, :, k, None]": numpy broadcasts that along the cities
        # element by element, three times slower than clearing the replications.
        in_force = fed.enjoined[..., k].copy()
        in_force[:, ~fed.active[:, k]] = False
        enjoined |= in_force
    return enjoined


def _record_exposure(world: World, m: int, exposure: np.ndarray) -> None:
    legal = world.legal
    new = np.isinf(legal.first_exposed)
    new &= any_last(exposure)
    if new.any():
        # Only the newly exposed cells' start days are looked at.
        s, r, c = np.nonzero(new)
        began = min_last(np.where(exposure[s, r, c], world.federal_inputs.start_day[r], np.inf))
        legal.first_exposed[s, r, c] = np.maximum(began, world.plan.calendar.start_days[m])


def _withdraw(world: World, day: float, penalised: np.ndarray) -> None:
    legal, inputs = world.legal, world.legal_inputs
    # Plaintiffs no longer penalised (party and not penalised): rare, so looked for
    # before their suits' open flags are gathered.
    leaving = legal.party > penalised
    if not leaving.any():
        return
    M = len(world.plan.measures)
    leaving &= legal.open[:, :, inputs.group_of.T, np.arange(M)]
    if not leaving.any():
        return
    for s, r, c, m in zip(*np.nonzero(leaving), strict=True):
        g = inputs.group_of[m, c]
        world.log(int(r), day, "suit_withdrawn", _describe(world, int(m), int(g)) +
                  "; complied", city=int(c), strategies=[int(s)])
    legal.party &= ~leaving
    legal.covered &= ~leaving
    K = inputs.coalitions
    staying = np.zeros_like(legal.open)
    staying[:, :, K:, :] = legal.party
    for k in range(K):
        staying[:, :, k, :] = (legal.party & (inputs.group_of == k).T[None, None]).any(axis=2)
    legal.open &= staying
    for r, m in {(int(r), int(m)) for _, r, _, m in zip(*np.nonzero(leaving), strict=True)}:
        _protect(world, r, m, day)


def _late_filings(world: World, day: float, exposure: np.ndarray) -> None:
    """Schedule joins or new filings for plaintiffs penalised only now (strategy switches)."""
    legal, inputs = world.legal, world.legal_inputs
    suing = np.flatnonzero(inputs.sues)
    if not len(suing):
        return
    # Only the suing strategies' cells are looked at, through views when they are evenly
    # spaced (the benchmark's one strategy in four: 0.065 -> 0.040 ms a month, 250 replications
    # of 50 cities).
    among = _as_index(suing)
    wanting = exposure[among] & legal.member[None]
    for lost in (legal.party, legal.settled, world.federal.forfeit):
        np.greater(wanting, lost[among], out=wanting)  # wanting and not lost
    if not wanting.any():
        return
    M = len(world.plan.measures)
    suit_open = legal.open[:, :, inputs.group_of.T, np.arange(M)]
    joins: dict[tuple[int, int, int, int], np.ndarray] = defaultdict(
        lambda: np.zeros(len(inputs.sues), bool))
    filings: dict[tuple[int, int, int], np.ndarray] = defaultdict(
        lambda: np.zeros(len(inputs.sues), bool))
    for i, r, c, m in zip(*np.nonzero(wanting), strict=True):
        s = suing[i]
        g = int(inputs.group_of[m, c])
        if suit_open[s, r, c, m]:
            joins[int(m), g, int(c), int(r)][s] = True
        else:
            filings[int(m), g, int(r)][s] = True
    for (m, g, c, r), strategies in sorted(joins.items()):
        world.schedule(r, day, "suit_joined", (m, g, c, strategies))
    for (m, g, r), strategies in sorted(filings.items()):
        world.schedule(r, day, "suit_filed", (m, g, strategies))


# --------------------------------------------------------------------------
# Liability for unlawful detention


def poisson_quantile(u: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """Poisson counts by inverse transform of uniforms ``u``, vectorised.

    Exact (the CDF summed term by term until it reaches the uniform) for
    means up to :data:`POISSON_EXACT_BELOW`, scipy's (also exact, slower per
    element) above.
    """
    u, mean = np.broadcast_arrays(np.asarray(u, float), np.asarray(mean, float))
    shape = mean.shape
    u, mean = u.reshape(-1), mean.reshape(-1)
    counts = np.zeros(mean.size)
    large = mean > POISSON_EXACT_BELOW
    if large.any():
        # scipy's exact inverse, not a normal approximation: the approximation
        # is wrong in the far tails and broke monotonicity in the mean at the
        # switch (hypothesis: u = 3.9e-69 gave 1 claim on a mean of 158, 0 on 201).
        counts[large] = np.maximum(stats.poisson.ppf(u[large], mean[large]), 0.0)
        mean = np.where(large, 0.0, mean)  # P(0) = 1 leaves the summed CDF nothing to do
    term = np.exp(-mean)
    todo = np.flatnonzero(term < u)
    counts[todo] = _summed_cdf_counts(u[todo], mean[todo], term[todo])
    return counts.reshape(shape)


CARRY_ON_WHILE = 1 / 32
"""Share of the elements still counting above which :func:`_summed_cdf_counts`
keeps computing the finished ones too rather than dropping them."""


def _summed_cdf_counts(u: np.ndarray, mean: np.ndarray, term: np.ndarray) -> np.ndarray:
    """The smallest k >= 1 with P(X <= k) >= u, X Poisson of mean ``mean``, P(X = 0) = ``term``.

    The terms and the CDF are summed in place, a step for every element at a
    time, until each reaches its uniform.  Dropping the finished elements at
    every step cost more than the steps it saved (most elements finish at k = 1
    or 2, a few go on to 20): they are dropped only once few remain, and
    ``waited`` counts the steps each element was still below its uniform
    (0.6 ms instead of 1.0 on the 50-city benchmark's 24,000 means a month).
    """
    counts = np.zeros(len(u))
    todo = np.arange(len(u))
    cdf = term.copy()
    waited = np.zeros(len(u))
    going = np.ones(len(u), bool)
    done = np.empty(len(u), bool)
    k = 0
    while len(todo):
        k += 1
        term *= mean
        term /= k
        cdf += term
        np.greater_equal(cdf, u, out=done)
        # Rounding can leave the CDF a hair below u for ever: stop once it stops growing.
        done |= cdf + term == cdf
        np.greater(going, done, out=going)  # going and not done
        waited += going
        left = np.count_nonzero(going)
        if left <= CARRY_ON_WHILE * len(todo):
            finished = ~going
            counts[todo[finished]] = waited[finished] + 1
            todo, u, mean, term, cdf, waited = (
                todo[going], u[going], mean[going], term[going], cdf[going], waited[going])
            going, done = np.ones(left, bool), np.empty(left, bool)
    return counts


TABLE_BINS = 128
"""Bins per row of a :class:`ClaimTable`: a count is looked up from its bin's first
entry, then stepped up past the few entries inside the bin."""


@dataclass(frozen=True)
class ClaimTable:
    """Claim counts of whole numbers of holds at one claim probability, by table look-up.

    Row ``h`` holds the CDF that :func:`poisson_quantile` sums term by term for
    the mean ``h * probability``, the same operations on the same values, up to
    the first step at which it stops growing, whose entry is ``+inf``.  The
    count of a uniform is the index of the first entry of its row at or above
    it: exactly :func:`poisson_quantile`'s count, found in a few steps instead
    of summing the CDF for every element every month (claim costs 0.53 ->
    0.29 ms/rep at 50 cities, 5.5 -> 3.0 at 500).  Holds are whole numbers,
    and the claim probability one number in every shipped scenario.
    """

    probability: float
    most: int
    """Largest number of holds tabled."""
    cdf: np.ndarray
    """The rows end to end."""
    start: np.ndarray
    """(most + 1,) where each row starts in ``cdf``."""
    first: np.ndarray
    """Index in ``cdf`` of row ``h``'s first entry at or above ``b / TABLE_BINS``, at
    ``h * TABLE_BINS + b``."""

    @classmethod
    def build(cls, probability: float, most: int) -> ClaimTable:
        """Rows for 0 to ``most`` holds."""
        means = np.arange(most + 1) * probability
        # _summed_cdf_counts' steps, for every row at once, until every row stops growing.
        term = np.exp(-means)
        columns = [term.copy()]
        cdf = term.copy()
        length = np.zeros(most + 1, dtype=np.int64)  # index of each row's +inf entry
        k = 0
        while not length.all():
            k += 1
            term *= means
            term /= k
            cdf += term
            column = cdf.copy()
            stops = (cdf + term == cdf) & (length == 0)
            column[stops] = np.inf
            length[stops] = k
            columns.append(column)
        grid = np.array(columns).T
        cdf_rows = grid[np.arange(k + 1)[None, :] <= length[:, None]]
        size = length + 1
        start = np.cumsum(size) - size
        # An entry v is below the edge b / TABLE_BINS from bin floor(v * TABLE_BINS) + 1 on
        # (exact: a power-of-two scaling); the +inf entries are below none.
        from_bin = np.minimum(np.floor(cdf_rows * TABLE_BINS) + 1, TABLE_BINS).astype(np.intp)
        row = np.repeat(np.arange(most + 1), size)
        starting = np.bincount(row * (TABLE_BINS + 1) + from_bin,
                               minlength=(most + 1) * (TABLE_BINS + 1))
        below = np.cumsum(starting.reshape(most + 1, TABLE_BINS + 1)[:, :TABLE_BINS], axis=1)
        return cls(probability, most, cdf_rows, start, (start[:, None] + below).reshape(-1))

    def counts(self, rows: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Claims of ``rows`` (S, R, C) holds, integers up to ``most``, at uniforms ``u`` (R, C)."""
        # The first entry at or above u is at or after its bin's first entry at or above
        # b / TABLE_BINS <= u (exact: a power-of-two scaling of u, then its floor).
        # Flat take(): numpy's fancy indexing of a 2-d table is 3 times slower.
        found = rows * TABLE_BINS
        found += (u * TABLE_BINS).astype(np.intp)
        found = self.first.take(found)
        behind = np.flatnonzero(self.cdf.take(found) < u)
        flat_found, flat_u = found.reshape(-1), u.reshape(-1)
        while behind.size:
            flat_found[behind] += 1
            behind = behind[self.cdf.take(flat_found[behind]) < flat_u[behind % u.size]]
        return np.subtract(found, self.start.take(rows), dtype=float)


def lognormal_total(claims: np.ndarray, mean: np.ndarray, sigma: np.ndarray,
                    z: np.ndarray) -> np.ndarray:
    """Total cost of ``claims`` log-normal claims, from one standard normal ``z`` each.

    Fenton-Wilkinson: the sum is taken as log-normal with the exact mean
    ``claims * mean`` and variance; zero claims cost nothing.
    """
    n = np.maximum(claims, 1.0)
    log_var = np.log1p(np.expm1(sigma**2) / n)
    return claims * mean * np.exp(np.sqrt(log_var) * z - log_var / 2)


def _liability(world: World, m: int, holds: np.ndarray | None) -> np.ndarray:
    legal = world.legal
    if holds is not None and holds.max() > 0:
        _draw_liability(world)
        _book_claims(world, m, _claim_costs(world, m, holds))
    if legal.liability_due is None:
        return world.zeros
    slot = m % len(legal.liability_due)
    if not legal.due_in[slot]:
        # Nothing booked for this month (before the shortest payout lag): the slot
        # is all zeros, and writing zeros would touch its untouched pages for nothing.
        return world.zeros
    due = legal.liability_due[slot].copy()
    legal.liability_due[slot] = 0.0
    legal.due_in[slot] = False
    return due


def _book_claims(world: World, m: int, cost: np.ndarray) -> None:
    """Book month ``m``'s claims ``cost`` (S, R, C) to be paid after each replication's lag."""
    legal, T = world.legal, world.plan.calendar.months
    paid_in = m + world.legal_inputs.payout_lag
    lag = paid_in[0] - m
    if np.all(paid_in == m + lag):
        # One lag for every replication (a number, not a distribution, in the scenario):
        # one slot, without gathering replications (0.07 -> 0.01 ms/rep at 50 cities).
        if m + lag < T:
            legal.liability_due[(m + lag) % len(legal.liability_due)] += cost
            legal.due_in[(m + lag) % len(legal.liability_due)] = True
        else:
            legal.liability_accrued += cost
        return
    inside = np.flatnonzero(paid_in < T)
    slot = paid_in[inside] % len(legal.liability_due)
    legal.liability_due[slot, :, inside, :] += cost[:, inside, :].transpose(1, 0, 2)
    legal.due_in[slot] = True
    outside = paid_in >= T
    legal.liability_accrued[:, outside, :] += cost[:, outside, :]


def _claim_costs(world: World, m: int, holds: np.ndarray) -> np.ndarray:
    """(S, R, C) cost of the claims for month ``m``'s unlawful ``holds`` (S, R, C).

    Claims come from common uniforms and normals, so a strategy holding no one
    costs nothing and a strategy with the same holds as an earlier one costs
    the same: only the others are worked out (the benchmark's baseline and
    sanctuary strategies hold no one).
    """
    legal, inputs = world.legal, world.legal_inputs
    cost = np.zeros(holds.shape)
    worked_out: list[int] = []
    copies: list[tuple[int, int]] = []
    for s in range(len(holds)):
        if not holds[s].any():
            continue
        same = [t for t in worked_out if np.array_equal(holds[t], holds[s])]
        if same:
            copies.append((s, same[0]))
        else:
            worked_out.append(s)
    if worked_out:
        which = _as_index(np.array(worked_out))  # a view, not a copy, if consecutive
        claims = _claim_counts(world, m, holds[which])
        cost[which] = lognormal_total(claims, inputs.payout_mean[None, :, None],
                                           inputs.payout_sigma[None, :, None],
                                           legal.claim_z[m][None])
    for s, t in copies:
        cost[s] = cost[t]
    return cost


def _claim_counts(world: World, m: int, holds: np.ndarray) -> np.ndarray:
    """Paid claims of month ``m``'s ``holds`` (S', R, C): Poisson from the month's uniforms."""
    legal, probability = world.legal, world.legal_inputs.claim_probability
    u = legal.claim_u[m]
    rows = holds.astype(np.intp)
    table = _claim_table(world, holds, rows)
    if table is None:
        return poisson_quantile(u[None], holds * probability[None, :, None])
    return table.counts(rows, u)


def _claim_table(world: World, holds: np.ndarray, rows: np.ndarray) -> ClaimTable | None:
    """The batch's claim table, built or widened to ``holds`` (None: not tabled).

    Tabled when the claim probability is one number and ``holds`` are the whole
    numbers ``rows`` with means in the summed range.
    """
    legal, probability = world.legal, world.legal_inputs.claim_probability
    p = float(probability[0])
    most = int(rows.max())
    if (not np.all(probability == p) or most * p > POISSON_EXACT_BELOW
            or not np.array_equal(rows, holds)):
        return None
    if legal.claim_table is None or legal.claim_table.most < most:
        # Widened with room to spare: holds vary from month to month.
        room = 2 * max(most, legal.claim_table.most if legal.claim_table else 0)
        legal.claim_table = ClaimTable.build(
            p, max(most, min(room, int(POISSON_EXACT_BELOW / p))))
    return legal.claim_table


def _draw_liability(world: World) -> None:
    """Draw every month's claim uniforms and normals, once, when holds first appear."""
    legal = world.legal
    if legal.claim_u is not None:
        return
    plan = world.plan
    T = plan.calendar.months
    u = np.empty((len(world.streams), len(plan.cities), T))
    z = np.empty_like(u)
    for r, c, generator in rekeyed(world.streams, "liability", plan.cities):
        generator.random(T, out=u[r, c])
        generator.standard_normal(T, out=z[r, c])
    legal.claim_u = np.ascontiguousarray(u.transpose(2, 0, 1))
    legal.claim_z = np.ascontiguousarray(z.transpose(2, 0, 1))
    # Month p's claims sit in slot p % months: paid and cleared before a later month needs it.
    months = min(T, int(world.legal_inputs.payout_lag.max(initial=0)) + 1)
    legal.liability_due = np.zeros((months, *world.zeros.shape))
    legal.due_in = np.zeros(months, bool)


# --------------------------------------------------------------------------
# Outcomes


def outcomes(world: World) -> dict[str, np.ndarray]:
    """Per-replication litigation outcomes, arrays (S, R, C), all finite."""
    legal = world.legal
    horizon = world.plan.calendar.start_days[-1]
    exposed = np.isfinite(legal.first_exposed)
    enjoined = np.isfinite(legal.first_injunction)
    until = np.where(enjoined, legal.first_injunction, horizon)
    since = np.where(exposed, legal.first_exposed, horizon)
    waited = np.maximum(until - since, 0.0)
    return {
        "months_enjoined": legal.months_enjoined.astype(float),
        "months_to_injunction": waited / DAYS_PER_MONTH,
        "injunction_obtained": enjoined.astype(float),
        "final_loss": legal.final_loss.astype(float),
        "liability_accrued": legal.liability_accrued.copy(),
    }

