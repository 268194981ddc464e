"""Suits as SimPy processes: filed, then ruled on stage by stage until final or ended early.

Units: days.  Each suit reads like its sentence (:func:`lawsuit`): a group
files against a measure; it waits for each ruling of its course (drawn for
the whole batch, :mod:`sim.model.litigation.courts`); a ruling grants or
dissolves an injunction; the last ruling is final, and a final loss keeps the
plaintiffs' funds withheld while the measure stands (lost for good only on a
statute or a terminated grant).  A late member's process
(:func:`late_member`) joins the suit and waits for the court to extend the
injunction to it.  Rescission of the measure ends its suits
(:func:`end_suits`).

**Filings.**  Plaintiffs of a group's suit are its members that, under a
strategy that sues, are targeted by the measure and penalised at their
recognised compliance level.  A suit instance is one filing on one day:
every strategy filing the same suit the same day shares the instance and so
every ruling, applied to all its members and strategies at once.  A strategy
that only becomes penalised later (adaptive switching) joins the open suit,
or files a new instance (:mod:`sim.model.litigation.docket`); each instance
of a group's suit takes the same course, shifted to its filing day.

**Rulings.**  A granted preliminary injunction or won merits ruling protects
covered plaintiffs (the federal state's ``enjoined``), so withheld funds are
released after the measure's release lag; a lost merits, appeal or
certiorari ruling dissolves the injunction and withholding resumes.  A final
loss on a grant condition or executive order keeps the plaintiffs' money
withheld until the measure is rescinded or they comply (released then like any
pool); one on a statute or a terminated grant makes it permanently lost (the
federal state's ``forfeit``); a final win keeps the injunction.

**Scope.**  ``parties``: an injunction protects only the suit's covered
plaintiffs (original members at once; late members ``extension_days`` after
joining, as the court extends its order).  ``universal``: it protects every
jurisdiction under that strategy.

Ruling rows of the event log are one per suit: ``city`` is the plaintiff of
a suit brought alone and empty for a coalition; ``detail`` is
``"measure; group; ..."``.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import simpy

from sim.model.federal import FederalInputs
from sim.model.litigation.courts import (
    APPEAL,
    CERTIORARI,
    COURSE_DRAWS,
    MEASURE_KINDS,
    MERITS,
    RULINGS,
    STAYED,
    SuitCourse,
    court_of,
    draw_courses,
    historic_course,
    other_circuits,
    precedent_uniforms,
)
from sim.model.litigation.parties import LegalInputs, suing_groups
from sim.model.litigation.state import (
    Litigants,
    Pairs,
    could_sue,
    describe,
    lead_city,
    litigants,
    mark,
)
from sim.model.plan import Plan

if TYPE_CHECKING:
    from sim.model.world import World

Process = Generator[simpy.Event, float, None]
"""A SimPy process of a replication: each event it waits for brings the day it happened."""


@dataclass(slots=True)
class Suit:
    """One filing of a group's suit against a measure in one replication."""

    number: int
    """Order of filing in the batch: the instance the state arrays name."""
    replication: int
    measure: int
    group: int
    strategies: tuple[int, ...]
    """Strategies litigating this instance, in order."""
    litigants: Litigants
    course: SuitCourse
    fees: list[float]
    """Lump sum billed at each stage's ruling."""


def filings(inputs: LegalInputs, fed: FederalInputs, plan: Plan, horizon_day: float
            ) -> list[tuple[int, int, int | None, float]]:
    """(replication, measure, group, day) of every first filing and suit-ending rescission.

    Per measure that happens: its groups' filings, then (group None) its rescission
    ending its suits, if that comes before the horizon.
    """
    suing = suing_groups(inputs, plan)
    dates = []
    for r, m in zip(*np.nonzero(fed.occurs), strict=True):
        ends = fed.rescind_day[r, m] if fed.rescinded[r, m] else np.inf
        for g in np.nonzero(suing[:, m])[0]:
            day = inputs.effective[r, m] + inputs.delay[r, g]
            if not np.isnan(inputs.filed[g]):  # filed on the day its history states
                day = inputs.filed[g]
            if day < horizon_day and day < ends:
                dates.append((int(r), int(m), int(g), float(day)))
        if ends < horizon_day and suing[:, m].any():
            dates.append((int(r), int(m), None, float(max(ends, fed.start_day[r, m]))))
    return dates


def lawsuit(world: World, r: int, m: int, g: int, filing: simpy.Event,
            only: np.ndarray | None = None) -> Process:
    """Group ``g``'s suit against measure ``m`` in replication ``r``, filed at ``filing``.

    ``only``: the strategies filing (a late filing), else every strategy whose
    members are penalised then.  The suit ends early if the measure is
    rescinded or every plaintiff withdraws.
    """
    day = yield filing
    suit = file(world, r, m, g, day, only)
    if suit is None:
        return
    # Timeouts by hand, not world.at: the process runs on the day of its filing and of
    # each ruling, so the delays are exact, and a suit waits a few times per replication.
    timeout, course = world.env.timeout, suit.course
    days, stays = course.days, course.stay
    *rulings, last = course.stages
    waited = 0.0  # days since the last ruling already spent waiting for a stay order
    for stage in rulings:
        day = yield timeout(days[stage] - waited, day + days[stage])
        waited = 0.0
        if not rule(world, suit, stage, day, final=False):
            return
        if stays[stage] >= 0:  # the government seeks a stay pending appeal
            waited = stays[stage]
            yield timeout(waited)
            if not stay(world, suit, stage, day + waited):
                return
    day = yield timeout(days[last] - waited, day + days[last])
    rule(world, suit, last, day, final=True)


def late_member(world: World, r: int, m: int, g: int, c: int, joining: simpy.Event,
                only: np.ndarray | None = None, extension: float | None = None) -> Process:
    """City ``c`` joins group ``g``'s open suit at ``joining``, then is covered by its injunction.

    The court extends the injunction to it ``extension`` days later (None: the
    coalition's ``extension_days``); ``only``: the strategies joining (a late join
    after a switch), else every strategy.
    """
    day = yield joining
    strategies = join(world, r, m, g, c, day, only)
    if strategies is None:
        return
    if extension is None:
        extension = world.legal_inputs.extension[r, g]
    day = yield world.at(day + extension)
    extend(world, r, m, g, c, strategies, day)


def begin_lawsuit(world: World, r: int, m: int, g: int, filing: simpy.Event) -> None:
    """Group ``g`` files against measure ``m`` now (``filing`` has happened): the suit starts."""
    world.start(lawsuit(world, r, m, g, filing))


def ended_by_rescission(world: World, r: int, m: int, rescinded: simpy.Event) -> None:
    """Measure ``m`` was rescinded: its pending suits end."""
    end_suits(world, r, m, rescinded.value)


def course_of(world: World, r: int, m: int, g: int) -> SuitCourse:
    """The course of (replication, measure, group)'s suit, drawn for the whole batch once."""
    legal = world.legal
    if not legal.courses:
        inputs, plan = world.legal_inputs, world.plan
        occurs = world.federal_inputs.occurs
        suing = suing_groups(inputs, plan)
        which = np.nonzero(occurs[:, :, None] & suing.T[None])
        legal.courses = draw_courses(inputs.courts, plan.measures, inputs.groups, which,
                                     world.streams)
        first_day = plan.calendar.start.toordinal()
        for k, history in enumerate(inputs.history):
            if history is None:
                continue
            for r_k, m_k in zip(*np.nonzero(occurs & suing[k][None]), strict=True):
                name = f"{plan.measures[m_k]}|{inputs.groups[k]}"
                u = world.streams[r_k].generator("courts", name).random(COURSE_DRAWS)
                profile = int(inputs.courts.profile[m_k, k])
                kind = MEASURE_KINDS[profile % len(MEASURE_KINDS)]
                circuit = [court_of(kind, inputs.courts.circuit[k])]
                u[4:8] = precedent_uniforms(world.streams, np.array([r_k]), [kind], circuit)[0]
                others = other_circuits(inputs.courts, world.streams, np.array([r_k]),
                                        np.array([profile]), [kind], circuit)
                legal.courses[int(r_k), int(m_k), k] = historic_course(
                    inputs.courts, int(r_k), profile, history, first_day, u.tolist(), others)
    return legal.courses[r, m, g]


def file(world: World, r: int, m: int, g: int, day: float,
         only: np.ndarray | None) -> Suit | None:
    """The filing: founders become members, late members are expected, plaintiffs are named.

    None when nobody is a plaintiff (no member penalised under a suing strategy).
    """
    legal, inputs = world.legal, world.legal_inputs
    group = litigants(world, m, g)
    for c in group.founders:
        legal.member[r, c, m] = True
    if only is None and g < inputs.coalitions:
        for c, after, extension in inputs.late[g]:
            world.start(late_member(world, r, m, g, c, world.at(float(day + after[r])),
                                    extension=None if extension is None else extension[r]))
    strategies, cities = _filing_plaintiffs(world, r, m, g, group, only)
    if cities:
        distinct = sorted(set(strategies))
    elif only is None and g < inputs.coalitions and inputs.late[g]:
        # No founder is penalised, but the suit goes on for the late members, who join
        # later and are covered when the court extends its injunction to them.
        distinct = _awaiting(world, r, m, g, [c for c, *_ in inputs.late[g]])
        if not distinct:
            return None
    else:
        return None
    suit = Suit(number=legal.filed, replication=r, measure=m, group=g,
                strategies=tuple(distinct), litigants=group,
                course=course_of(world, r, m, g),
                fees=_fees(world)[r][g])
    legal.filed += 1
    mark(legal.party, r, strategies, cities, m)
    mark(legal.covered, r, strategies, cities, m)
    for s in suit.strategies:
        legal.open[s, r, g, m] = True
        legal.instance[s, r, g, m] = suit.number
    # One row per plaintiff city, its strategies in order.
    world.log(r, day, "suit_filed", group.description, city=cities, strategies=strategies)
    return suit


def _awaiting(world: World, r: int, m: int, g: int, late: list[int]) -> list[int]:
    """Strategies under which a late member of group ``g`` is penalised by ``m`` now."""
    legal, plan = world.legal, world.plan
    penalised = plan.penalises[m][world.federal.recognised[:, r, late]]
    penalised &= plan.targeted[m, late].any(axis=1)[None]
    penalised &= (world.legal_inputs.group_sues[g] & plan.exposed)[:, None]
    return [s for s in np.flatnonzero(penalised.any(axis=1)).tolist()
            if not legal.open[s, r, g, m]]


def _fees(world: World) -> list[list[list[float]]]:
    """Stage fees (R, G, 4) of the batch as plain numbers, read one at a time by rulings."""
    legal = world.legal
    if legal.fees is None:
        # An interlocutory appeal bills the appeal's fee.
        fees = world.legal_inputs.costs.stage_fee
        legal.fees = np.concatenate([fees, fees[..., APPEAL:APPEAL + 1]], axis=-1).tolist()
    return legal.fees


def _filing_plaintiffs(world: World, r: int, m: int, g: int, group: Litigants,
                       only: np.ndarray | None) -> Pairs:
    """Strategies and cities of a filing's plaintiffs, by city then strategy.

    Plaintiffs are members penalised now, not yet plaintiffs nor settled, under a
    strategy whose suit is not open (and one of ``only``, if given).
    """
    legal = world.legal
    member, party, settled, is_open = legal.member, legal.party, legal.settled, legal.open
    penalises, recognised = world.plan.penalises, world.federal.recognised
    pairs = sorted(
        (c, s) for s, cities in enumerate(group.eligible_cities)
        if cities and not is_open[s, r, g, m] and (only is None or only[s])
        for c in cities
        if (member[r, c, m] and penalises[m, recognised[s, r, c]]
            and not party[s, r, c, m] and not settled[s, r, c, m]))
    return [s for _, s in pairs], [c for c, _ in pairs]


def join(world: World, r: int, m: int, g: int, c: int, day: float,
         only: np.ndarray | None) -> np.ndarray | None:
    """City ``c`` becomes a member of group ``g`` and a plaintiff where its suit is open.

    Returns the (S,) strategies under which it joined (None: none).
    """
    legal = world.legal
    legal.member[r, c, m] = True
    joining = legal.open[:, r, g, m] & could_sue(world, r, m, g, slice(c, c + 1))[:, 0]
    if only is not None:
        joining &= only
    if not joining.any():
        return None
    legal.party[joining, r, c, m] = True
    world.log(r, day, "suit_joined", describe(world, m, g), city=c,
              strategies=np.flatnonzero(joining))
    return joining


def extend(world: World, r: int, m: int, g: int, c: int, strategies: np.ndarray,
           day: float) -> None:
    """The court extends group ``g``'s injunction to late member ``c``."""
    legal = world.legal
    # A final judgment reached before the extension still extends to the member.
    extended = strategies & legal.party[:, r, c, m]
    legal.covered[extended, r, c, m] = True
    in_force = extended & legal.injunction[:, r, g, m]
    if in_force.any():
        world.log(r, day, "injunction_extended", describe(world, m, g), city=c,
                  strategies=np.flatnonzero(in_force))
    protect(world, r, m, day, slice(c, c + 1), g)


def _pending(world: World, suit: Suit) -> list[int]:
    """Strategies still litigating ``suit`` (rescission and withdrawals end it)."""
    legal, r, m, g = world.legal, suit.replication, suit.measure, suit.group
    is_open, instance, number = legal.open, legal.instance, suit.number
    # Scalar reads: a suit has a few strategies.
    return [s for s in suit.strategies if is_open[s, r, g, m] and instance[s, r, g, m] == number]


def rule(world: World, suit: Suit, stage: int, day: float, final: bool) -> bool:
    """The court rules on ``stage``; False if the suit is no longer pending (nothing ruled).

    ``final``: the ruling is the last of the suit's course.  A won ruling grants
    relief (an injunction, and from the merits on any vacatur) unless the court
    awards only damages; a lost one ends it.
    """
    strategies = _pending(world, suit)
    if not strategies:
        return False
    legal, r, m, g = world.legal, suit.replication, suit.measure, suit.group
    course = suit.course
    won = course.won[stage]
    relief = won and not course.damages
    vacates = relief and course.vacates and stage in (MERITS, APPEAL, CERTIORARI)
    injunction, vacating = legal.injunction, legal.vacating
    before = [injunction[s, r, g, m] for s in strategies]
    changed = not all(before) if relief else any(before)
    # Vacatur is rare: the (r, m) set spares most rulings reading the vacating array.
    if vacates:
        legal.vacated.add((r, m))
    vacatur_changed = (r, m) in legal.vacated and any(
        vacating[s, r, g, m] != vacates for s in strategies)
    fee = suit.fees[stage]
    for s in strategies:
        injunction[s, r, g, m] = relief
        if vacatur_changed:
            vacating[s, r, g, m] = vacates
        if fee:
            legal.fees_due[s, r, g, m] += fee
    group = suit.litigants
    # The plaintiffs matter only to a loss or a final ruling (not to ~45% of rulings).
    if not won or final:
        plaintiffs = _plaintiffs(legal.party, r, m, strategies, group)
    if not won:
        mark(legal.lost_injunction, r, *plaintiffs)
    detail = group.description
    if changed and not relief:
        detail += "; injunction dissolved"
    if vacates and stage == MERITS:
        detail += "; measure vacated"
    world.log(r, day, RULINGS[stage, won], detail, city=group.lead, strategies=strategies)
    if vacatur_changed:
        protect(world, r, m, day)
    elif changed:
        _protect_suit(world, r, m, g, group, day)
    if final:
        _judgment(world, day, suit, plaintiffs, won, strategies)
    return True


def stay(world: World, suit: Suit, stage: int, day: float) -> bool:
    """The court grants the government's motion to stay ``stage``'s ruling pending appeal.

    A stay suspends the injunction and any vacatur until the suit's next
    ruling: withholding resumes and withheld money is not released.  False if
    the suit is no longer pending.
    """
    strategies = _pending(world, suit)
    if not strategies:
        return False
    legal, r, m, g = world.legal, suit.replication, suit.measure, suit.group
    group, court = suit.litigants, STAYED[suit.course.stayed[stage]]
    vacatur = (r, m) in legal.vacated and any(legal.vacating[s, r, g, m] for s in strategies)
    for s in strategies:
        legal.injunction[s, r, g, m] = False
        legal.vacating[s, r, g, m] = False
    world.log(r, day, "stay_granted", f"{group.description}; {court}", city=group.lead,
              strategies=strategies)
    if vacatur:
        protect(world, r, m, day)
    else:
        _protect_suit(world, r, m, g, group, day)
    return True


def _plaintiffs(party: np.ndarray, r: int, m: int, strategies: list[int],
                group: Litigants) -> Pairs:
    """Strategies and cities of a suit's plaintiffs, strategy by strategy.

    Only cities eligible under a strategy can ever be its plaintiffs.
    """
    of, plaintiffs = [], []
    for s in strategies:
        cities = [c for c in group.eligible_cities[s] if party[s, r, c, m]]
        plaintiffs += cities
        of += [s] * len(cities)
    return of, plaintiffs


def _judgment(world: World, day: float, suit: Suit, plaintiffs: Pairs, won: bool,
              strategies: list[int]) -> None:
    """The last ruling became final for ``strategies`` and their plaintiffs.

    A final loss on a grant condition or executive order leaves the withheld
    money withheld while the measure stands: it is paid when the measure is
    rescinded or the city complies (:data:`~sim.model.litigation.courts.FORFEITING_KINDS`
    says why).  A final loss on a statute or a terminated grant makes it lost for
    good; a final win of damages (a terminated grant) pays it, and the grant stays
    terminated.
    """
    legal, fed, r = world.legal, world.federal, suit.replication
    m, g = suit.measure, suit.group
    group = suit.litigants
    for s in strategies:
        legal.open[s, r, g, m] = False
    mark(legal.settled, r, *plaintiffs, m)
    world.log(r, day, "judgment_final", group.description + ("; won" if won else "; lost"),
              city=group.lead, strategies=strategies)
    damages = suit.course.damages
    if not won:
        mark(legal.termination_lost if damages else legal.final_loss, r, *plaintiffs)
    courts = world.legal_inputs.courts
    if not (damages if won else courts.forfeits[courts.profile[m, g]]):
        return  # won, or a condition upheld: the money waits for rescission or compliance
    losers, cities = plaintiffs
    pool = fed.pool
    world.log(r, day, "damages_paid" if won else "funds_forfeited",
              [f"{group.description}; ${pool[s, r, c, m]:,.0f}"
               for s, c in zip(losers, cities, strict=True)], city=cities, strategies=losers)
    settle = fed.pay_damages if won else fed.forfeit
    for s, c in zip(losers, cities, strict=True):
        settle((s, r, c), m)


def end_suits(world: World, r: int, m: int, day: float) -> None:
    """Measure ``m`` was rescinded: its pending suits end and their injunctions lapse."""
    legal = world.legal
    pending = legal.open[:, r, :, m]
    for g in np.flatnonzero(pending.any(axis=0)):
        world.log(r, day, "suit_ended", describe(world, m, int(g)) + "; measure rescinded",
                  city=lead_city(world, int(g)), strategies=np.flatnonzero(pending[:, g]))
    legal.settled[:, r, :, m] |= legal.party[:, r, :, m]
    pending[:] = False
    legal.injunction[:, r, :, m] = False
    legal.vacating[:, r, :, m] = False
    protect(world, r, m, day)


def protect(world: World, r: int, m: int, day: float,
            cities: slice | np.ndarray | None = None, group: int | None = None) -> None:
    """Recompute who injunctions and vacaturs protect from measure ``m`` in replication ``r``.

    Under ``parties`` scope only the given cities (members of ``group``'s
    suit; indices or a slice) can change; ``universal`` scope and
    ``cities=None`` recompute every city.  A vacatur in force protects every
    city under its strategy.
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
    if (r, m) in legal.vacated:
        protected |= legal.vacating[:, r, :, m].any(axis=1)[:, None]
    protected &= world.plan.exposed[:, None]
    world.federal.enjoin((slice(None), r, cities, m), protected)
    first = legal.first_injunction[:, r, cities]
    first[protected & np.isinf(first)] = day
    legal.first_injunction[:, r, cities] = first


def _protect_suit(world: World, r: int, m: int, g: int, group: Litigants, day: float) -> None:
    """:func:`protect` for the cities of group ``g``'s suit, pair by eligible pair.

    Under ``parties`` scope, with no vacatur, a city is protected only as a
    plaintiff of its group's suit, so only the (strategy, city) pairs eligible
    to sue can change.
    """
    legal = world.legal
    if world.legal_inputs.universal or (r, m) in legal.vacated:
        protect(world, r, m, day, group.index, g)
        return
    injunction, covered, party = legal.injunction, legal.covered, legal.party
    first = legal.first_injunction
    strategies, each_city, protection = [], [], []
    for s, cities in enumerate(group.eligible_cities):
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
