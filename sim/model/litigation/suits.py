"""Suits: filings, joins, rulings, injunctions and what they protect, as events of a replication.

Units: days.  Arrays follow :mod:`sim.model.federal`: strategy ``S`` (0 =
baseline, which never sues), replication ``R``, city ``C``, measure ``M``,
litigant group ``G`` (:mod:`sim.model.litigation.parties`).

**Filings.**  Plaintiffs of a group's suit are its members that, under a
strategy that sues, are targeted by the measure and penalised at their
recognised compliance level.  A suit instance is one filing on one day:
every strategy filing the same suit the same day shares the instance and so
every ruling, applied to all its members and strategies at once.  A strategy
that only becomes penalised later (adaptive switching) joins the open suit,
or files a new instance; each instance of a group's suit reuses the same
court draws (:mod:`sim.model.litigation.courts`), shifted to its filing day.

**Rulings.**  A granted preliminary injunction or won merits ruling protects
covered plaintiffs (the federal state's ``enjoined``), so withheld funds are
released after the measure's release lag; a lost merits, appeal or
certiorari ruling dissolves the injunction and withholding resumes.  A final
loss makes the plaintiffs' withheld funds permanently lost (the federal
state's ``forfeit``), a final win keeps the injunction.  Rescission of the
measure ends its suits.

**Scope.**  ``parties``: an injunction protects only the suit's covered
plaintiffs (original members at once; late members ``extension_days`` after
joining, as the court extends its order).  ``universal``: it protects every
jurisdiction under that strategy.

Ruling rows of the event log are one per suit: ``city`` is the plaintiff of
a suit brought alone and empty for a coalition; ``detail`` is
``"measure; group; ..."``.

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
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.model import federal
from sim.model.arrays import any_last, as_index, min_last, nonzero_cells
from sim.model.litigation.courts import RULINGS, SuitCourse, draw_courses
from sim.model.litigation.parties import LegalInputs, suing_groups
from sim.model.plan import Plan

if TYPE_CHECKING:
    from sim.model.world import World

DAYS_PER_MONTH = 365.25 / 12


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
    suits: list[Suit] = field(default_factory=list)
    courses: dict[tuple[int, int, int], SuitCourse] = field(default_factory=dict)
    members: dict[tuple[int, int], Litigants] = field(default_factory=dict)
    """Cities suing in each (measure, group), computed once."""


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
    )


def initial_events(inputs: LegalInputs, fed: federal.FederalInputs, plan: Plan,
                   horizon_day: float) -> list[tuple[int, float, str, Any]]:
    """(replication, day, kind, payload) of every filing and every rescission ending suits."""
    suing = suing_groups(inputs, plan)
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
            index=as_index(cities),
            founders=tuple(founders.tolist()),
            founders_index=founders,
            eligible=eligible,
            eligible_cities=tuple(tuple(cities[row].tolist()) for row in eligible),
            eligible_index=tuple(cities[row] for row in eligible),
            description=_describe(world, m, g),
            lead=_lead_city(world, g),
            big=int(eligible.sum()) > SCALAR_UP_TO)
    return legal.members[key]


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
        occurs = world.federal_inputs.occurs
        suing = suing_groups(world.legal_inputs, world.plan)
        legal.courses = draw_courses(world.legal_inputs.courts, world.plan.measures,
                                     world.legal_inputs.groups,
                                     np.nonzero(occurs[:, :, None] & suing.T[None]),
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
                fees=tuple(inputs.costs.stage_fee[r, g].tolist()))
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
        fed.forfeit(where, m)
    else:  # scalar indices: ~1.5 us a plaintiff, against ~15 us a call by index arrays
        for s, c in zip(losers, cities, strict=True):
            fed.forfeit((s, r, c), m)


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
    world.federal.enjoin((slice(None), r, cities, m), protected)
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
    first = legal.first_injunction
    strategies, each_city, protection = [], [], []
    for s, cities in enumerate(eligible):
        if not cities:
            continue
        in_force = bool(injunction[s, r, g, m])
        for c in cities:
            protected = in_force and bool(covered[s, r, c, m] and party[s, r, c, m])
            strategies.append(s)
            each_city.append(c)
            protection.append(protected)
            if protected and math.isinf(first[s, r, c]):
                first[s, r, c] = day
    world.federal.enjoin_each(r, m, strategies, each_city, protection)


HANDLERS: dict[str, Any] = {
    "suit_filed": _suit_filed,
    "suit_joined": _suit_joined,
    "injunction_extended": _injunction_extended,
    "court_ruling": _court_ruling,
    "suits_ended": _suits_ended,
}
"""Agenda event kinds of this module and their handlers."""


def log_releases(world: World, m: int, restored: np.ndarray) -> None:
    """Log the month's releases of withheld funds (``funds_released``, one row per city)."""
    where = nonzero_cells(restored > 0)
    world.log_each(float(world.plan.calendar.tick_days[m]), "funds_released", where,
                   [f"${amount:,.0f}" for amount in restored[where].tolist()])


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
    among = as_index(suing)
    wanting = exposure[among] & legal.member[None]
    for lost in (legal.party, legal.settled, world.federal.forfeited):
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
        "liability_accrued": world.liability.accrued.copy(),
    }

