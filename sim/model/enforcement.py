"""Immigration enforcement on the ground: detainers, holds, transfers, at-large arrests.

Units: people per month for counts, US dollars per month for costs.  Arrays
are shaped ``(S, R, C)``: strategy (0 = baseline), replication, city.

Each month ICE lodges detainers on booked non-citizens of the jail serving
the city.  A detainer either comes with a judicial warrant, or concerns a
person convicted of a listed serious offence, or neither.  The city's
*actual* compliance level decides what it does with each (the practices of
:data:`sim.scenario.law.LEVELS`): it honours those with a judicial warrant
always; it *holds* the person up to 48 hours (``partial``: serious-offence
detainers; ``full``: all), or only *notifies* ICE of the release so ICE can
take the person at the door (``notify_serious``: serious-offence detainers;
``notify``: all), or declines.  Holds without a judicial warrant are counted
as ``unlawful_holds`` (the exposure behind damages suits such as
Miranda-Olivares v. Clackamas County, 2014), except in the circuits whose law
holds them lawful (the 5th: City of El Cenizo v. Texas, 2018; see
:data:`sim.scenario.law.DETAINER_HOLDS_LAWFUL_IN`); a notification holds no
one beyond release.  After a hold or a notification ICE takes custody (a
transfer) with the pick-up share (assumption: the notice gives ICE the
release time, which is what a hold gives it too); after a declined detainer it
arrests some people in the community later (follow-ups).  ICE also makes
community (at-large) arrests at a rate per immigrant resident, raised by a
measure's surge factor in targeted cities that decline detainers while the
measure is in force.

Common random numbers: the counts of detainers of each kind and of community
arrests are drawn up front, per replication and city, from the
``enforcement`` stream keyed by the city's name, so every strategy sees the
same ones.  Bookings thinned by the non-citizen share and the detainer rate
are a Poisson count of detainers (Poisson thinning), split exactly into
independent Poisson counts by kind.  What happens after the jail's decision
(ICE picking a person up, a later at-large arrest) is accounted at its
expected value given those counts, so strategy-dependent numbers never need
draws of their own.  Surge arrests come from a pool drawn at the largest
surge any measure aimed at the city can bring, scaled down when a smaller
surge is in force (exact when one surging measure applies).

Compliance costs each month: holds x (hold days x bed-day cost +
notification cost), notifications without a hold x notification cost, plus,
under a 287(g) agreement (``full``), the agreement's staff (net of any
federal reimbursement) and its one-off set-up cost in the month the city
moves to it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.model.arrays import divide_where
from sim.model.counts import poisson_quantile
from sim.model.plan import Parameters, Plan
from sim.model.streams import ReplicationStreams, uniforms
from sim.scenario import COMPLIANCE_LEVELS, LEVELS
from sim.scenario.law import CIRCUIT_OF

NATIONAL_BOOKING_RATE = 7.3e6 / 333.2e6
"""Jail admissions per resident per year (BJS, Jail Inmates in 2022)."""
NATIONAL_IMMIGRANT_SHARE = 0.137
"""Foreign-born share of US residents (ACS 2018; AP, 2019-09-26)."""
NONCITIZEN_SHARE_OF_IMMIGRANTS = 0.462
"""Share of foreign-born residents not naturalised (Los Angeles County, ACS 2022)."""
KINDS = ("judicial_warrant", "serious_offence", "other")
"""Kinds of detainer, in the order of :attr:`EnforcementInputs.detainers`."""


def _practice(test) -> np.ndarray:
    """Whether each compliance level (by index) does a practice."""
    return np.array([test(LEVELS[name]) for name in COMPLIANCE_LEVELS])


HOLDS_SERIOUS = _practice(lambda level: level.holds != "none")
HOLDS_OTHER = _practice(lambda level: level.holds == "all")
NOTIFIES_SERIOUS = _practice(lambda level: level.notify != "none" and level.holds == "none")
"""Serious-offence detainers answered with a release notification and no hold."""
NOTIFIES_OTHER = _practice(lambda level: level.notify == "all" and level.holds != "all")
"""Other detainers answered with a release notification and no hold."""
AGREEMENT = _practice(lambda level: level.agreement)


@dataclass(frozen=True)
class EnforcementInputs:
    """Exogenous counts and per-city settings for a batch of replications."""

    detainers: np.ndarray
    """(3, T, R, C) detainers lodged each month, by kind (see :data:`KINDS`)."""
    community: np.ndarray
    """(T, R, C) ICE community (at-large) arrests without any surge."""
    surge_pool: np.ndarray
    """(T, R, C) extra community arrests at the largest possible surge.  Counts are
    stored as small unsigned integers."""
    surge_max: np.ndarray
    """(R, C) largest surge factor a measure occurring in the replication brings."""
    surge_factor: np.ndarray
    """(R, M) each measure's surge factor."""
    aimed_at: np.ndarray
    """(M, C) whether each measure is aimed at each city."""
    mean_detainers: np.ndarray
    """(3, R, C) expected detainers per month, by kind."""
    mean_community: np.ndarray
    """(R, C) expected community arrests per month."""
    immigrants: np.ndarray
    """(R, C) immigrant residents."""
    pickup: np.ndarray
    """(R, C) share of honoured detainers followed by a transfer."""
    followup: np.ndarray
    """(R, C) share of declined detainers followed by an at-large arrest."""
    cost_per_hold: np.ndarray
    """(R, C) USD per honoured detainer: hold days x bed-day cost + notification."""
    notification_cost: np.ndarray
    """(R, C) USD per release notification without a hold."""
    agreement_monthly: np.ndarray
    """(R, C) USD per month of a 287(g) agreement's staff, net of reimbursement."""
    agreement_setup: np.ndarray
    """(R, C) USD one-off cost of starting an agreement."""
    liable: np.ndarray | None
    """(C,) 1 where a hold without a judicial warrant is unlawful under the law of the
    city's circuit, 0 where it is lawful; None when it is unlawful in every city."""


def liable_cities(plan: Plan) -> np.ndarray | None:
    """(C,) whether holds without a judicial warrant are unlawful in each city's circuit.

    None when they are everywhere (so the common case multiplies nothing).
    """
    lawful = plan.scenario.litigation.liability.lawful_in
    states = {city.name: city.state for city in plan.scenario.city}
    liable = np.array([CIRCUIT_OF.get(states[name]) not in lawful for name in plan.cities])
    return None if liable.all() else liable.astype(float)


def aimed_at(plan: Plan) -> np.ndarray:
    """(M, C) whether each measure is aimed at each city (its ``cities``, or all)."""
    return np.array([[not m.cities or c in m.cities for c in plan.cities]
                     for m in plan.scenario.measure], dtype=bool).reshape(-1, len(plan.cities))


def immigrant_residents(plan: Plan, params: Parameters) -> np.ndarray:
    """(R, C) immigrant residents: population x immigrant share (national if unknown)."""
    share = params.per_city("immigrant_share", lambda c: c.immigrant_share, np.nan)
    return plan.population * np.where(np.isnan(share), NATIONAL_IMMIGRANT_SHARE, share)


def sample_enforcement(plan: Plan, params: Parameters, streams: list[ReplicationStreams],
                       occurs: np.ndarray) -> EnforcementInputs:
    """Detainers and community arrests of a batch; ``occurs`` (R, M): measures that happen."""
    def city(key: str, getter, default: float = np.nan) -> np.ndarray:
        return params.per_city(f"enforcement.{key}", lambda c: getter(c.enforcement), default)

    immigrants = immigrant_residents(plan, params)
    bookings = city("bookings_per_month", lambda e: e.bookings_per_month)
    bookings = np.where(np.isnan(bookings), plan.population * NATIONAL_BOOKING_RATE / 12,
                        bookings)
    noncitizen = city("noncitizen_share", lambda e: e.noncitizen_share)
    own_share = np.divide(immigrants, plan.population, out=np.zeros_like(immigrants),
                          where=plan.population > 0)
    noncitizen = np.where(np.isnan(noncitizen), own_share * NONCITIZEN_SHARE_OF_IMMIGRANTS,
                          noncitizen)
    detainers = bookings * noncitizen * city("detainer_rate", lambda e: e.detainer_rate)
    warrant = city("judicial_warrant_share", lambda e: e.judicial_warrant_share)
    serious = city("serious_offence_share", lambda e: e.serious_offence_share)
    by_kind = np.stack([detainers * warrant, detainers * (1 - warrant) * serious,
                        detainers * (1 - warrant) * (1 - serious)])
    community = city("at_large_rate", lambda e: e.at_large_rate) / 1000 * immigrants / 12
    factor = params.per_measure("enforcement_surge")
    aimed = aimed_at(plan)
    surging = occurs[:, :, None] & aimed[None]
    surge_max = np.maximum(1.0, np.max(np.where(surging, factor[:, :, None], 1.0), axis=1,
                                       initial=1.0))
    means = np.concatenate([by_kind, community[None], ((surge_max - 1) * community)[None]])
    counts = _counts_by_kind(plan, streams, means)
    staff = city("agreement_staff", lambda e: e.agreement_staff) * city(
        "staff_cost", lambda e: e.staff_cost)
    return EnforcementInputs(
        detainers=np.stack(counts[:3]),
        community=counts[3],
        surge_pool=counts[4],
        surge_max=surge_max,
        surge_factor=factor,
        aimed_at=aimed,
        mean_detainers=by_kind,
        mean_community=community,
        immigrants=immigrants,
        pickup=city("pickup_share", lambda e: e.pickup_share),
        followup=city("followup_share", lambda e: e.followup_share),
        cost_per_hold=(city("hold_days", lambda e: e.hold_days)
                       * city("bed_day_cost", lambda e: e.bed_day_cost)
                       + city("notification_cost", lambda e: e.notification_cost)),
        notification_cost=city("notification_cost", lambda e: e.notification_cost),
        agreement_monthly=staff / 12 * (1 - city("agreement_reimbursed_share",
                                                 lambda e: e.agreement_reimbursed_share)),
        agreement_setup=city("agreement_setup_cost", lambda e: e.agreement_setup_cost),
        liable=liable_cities(plan),
    )


def _counts_by_kind(plan: Plan, streams: list[ReplicationStreams],
                    means: np.ndarray) -> list[np.ndarray]:
    """(T, R, C) Poisson counts of each kind of means (K, R, C), from the enforcement stream.

    Each city's stream holds the months' uniforms kind after kind.  Only the
    kinds from the first to the last with any count are drawn, those before
    skipped.  Where no detainer comes with a judicial warrant and no measure
    brings a surge (every shipped scenario today), that is 3 kinds in 5
    (docs/engine.md, measured choices).
    """
    T = plan.calendar.months
    some = np.flatnonzero(means.reshape(len(means), -1).any(axis=1))
    first, last = (some[0], some[-1] + 1) if some.size else (0, 0)
    u = uniforms(streams, "enforcement", plan.cities, (last - first, T), skip=first * T)
    R, C = means.shape[1:]
    return [_counts(means[k], u[:, :, k - first]) if first <= k < last
            else np.zeros((T, R, C), dtype=np.uint8) for k in range(len(means))]


def _counts(mean: np.ndarray, u: np.ndarray) -> np.ndarray:
    """(T, R, C) Poisson counts from means (R, C) and uniforms (R, C, T).

    Kept in the smallest unsigned integer type that holds them: a batch holds
    five such series for every month, replication and city.  Laid out month
    by month (C order), so that each month's (R, C) slice is one block.
    """
    R, C, T = u.shape
    if not mean.any():
        return np.zeros((T, R, C), dtype=np.uint8)
    flat = poisson_quantile(mean.reshape(-1, 1), u.reshape(R * C, T))
    return flat.reshape(R, C, T).transpose(2, 0, 1).astype(np.min_scalar_type(flat.max()),
                                                            order="C")


@dataclass
class EnforcementState:
    """What carries over from month to month, arrays (S, R, C)."""

    agreement: np.ndarray
    """A 287(g) agreement is in force."""
    regime: Regime | None = None
    """What the compliance levels and measures in force of the last month imply."""


@dataclass(frozen=True)
class Regime:
    """What compliance levels and measures in force imply, worked out once per change."""

    level: np.ndarray
    """(S, R, C) compliance levels."""
    active: np.ndarray
    """(R, M) measures in force."""
    honour_serious: np.ndarray
    """(S, R, C) serious-offence detainers held."""
    honour_other: np.ndarray
    """(S, R, C) other detainers held."""
    notify_serious: np.ndarray
    """(S, R, C) serious-offence detainers answered with a notification and no hold."""
    notify_other: np.ndarray
    """(S, R, C) other detainers answered with a notification and no hold."""
    notifies: bool
    """Whether any city notifies without a hold (else the notifications add nothing)."""
    agreement: np.ndarray
    """(S, R, C) a 287(g) agreement is in force."""
    surge_scale: np.ndarray
    """(S, R, C) share of the surge pool arrested."""
    intensity: np.ndarray
    """(S, R, C) expected transfers plus at-large arrests (:func:`expected_visible`)."""
    agreement_cost: np.ndarray
    """(S, R, C) monthly staff cost of agreements in force."""


PER_CELL = ("honour_serious", "honour_other", "notify_serious", "notify_other", "agreement",
            "surge_scale", "intensity", "agreement_cost")
"""The :class:`Regime` arrays worked out city by city, (S, R, C)."""


def initial_enforcement_state(plan: Plan, replications: int) -> EnforcementState:
    """Agreements in force where the city's current policy runs one."""
    S, C = plan.shape
    current = np.broadcast_to(AGREEMENT[plan.level0[0]], (S, replications, C))
    return EnforcementState(agreement=current.copy())


def honoured_share(level: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Whether serious-offence and other detainers are held at each level."""
    return HOLDS_SERIOUS[level], HOLDS_OTHER[level]


def notified_share(level: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Whether serious-offence and other detainers get a notification and no hold."""
    return NOTIFIES_SERIOUS[level], NOTIFIES_OTHER[level]


def surge_now(inputs: EnforcementInputs, active: np.ndarray,
              rows: np.ndarray | slice = slice(None)) -> np.ndarray:
    """(n, C) surge factor in force: the largest among active measures aimed at the city.

    ``active`` (n, M) are the measures in force in the replications ``rows``.
    """
    surging = active[:, :, None] & inputs.aimed_at[None]
    return np.max(np.where(surging, inputs.surge_factor[rows][:, :, None], 1.0), axis=1,
                  initial=1.0)


def enforcement_month(state: EnforcementState, inputs: EnforcementInputs, level: np.ndarray,
                      active: np.ndarray, exposed: np.ndarray,
                      m: int) -> dict[str, np.ndarray]:
    """Month ``m``'s detainers, holds, transfers, arrests and compliance cost.

    ``level`` (S, R, C) is the actual compliance level, ``active`` (R, M) the
    measures in force, ``exposed`` (S,) whether measures apply to a strategy.
    ``enforcement_intensity`` is the month's expected transfers and at-large
    arrests given the level and any surge, which drives trust.
    """
    regime = state.regime
    changed = _changed_replications(regime, level, active)
    if changed is not None:
        # Levels and measures change only at events: most months reuse the last regime.
        regime = state.regime = _regime(inputs, level, active, exposed, regime, changed)
    warrant, serious, other = inputs.detainers[:, m].astype(float)
    held = serious * regime.honour_serious + other * regime.honour_other
    unlawful = held if inputs.liable is None else held * inputs.liable
    honoured = warrant + held
    received = np.broadcast_to(warrant + serious + other, honoured.shape)
    declined = received - honoured
    compliance_cost = honoured * inputs.cost_per_hold + regime.agreement_cost
    taken = honoured
    if regime.notifies:  # else every notification term is a zero (no level notifies alone)
        notified = serious * regime.notify_serious + other * regime.notify_other
        declined = declined - notified
        compliance_cost = compliance_cost + notified * inputs.notification_cost
        taken = honoured + notified
    if changed is not None:  # else every agreement in force was in force last month
        starting = regime.agreement & ~state.agreement
        state.agreement = regime.agreement
        compliance_cost += starting * inputs.agreement_setup
    # Counts become floats per replication and city before they meet the strategy axis
    # (numpy would convert them element by element of the (S, R, C) sum, 1.5x slower).
    at_large = inputs.community[m].astype(float) + inputs.followup * declined
    if inputs.surge_pool[m].any():  # else it adds +0.0 to sums that are not -0.0: no change
        at_large += inputs.surge_pool[m] * regime.surge_scale
    return {
        "detainers_received": received,
        "detainers_honoured": honoured,
        "detainers_declined": declined,
        "unlawful_holds": unlawful,
        "transfers": inputs.pickup * taken,
        "at_large_arrests": at_large,
        "enforcement_intensity": regime.intensity,
        "compliance_cost": compliance_cost,
    }


def _changed_replications(regime: Regime | None, level: np.ndarray,
                          active: np.ndarray) -> np.ndarray | slice | None:
    """Replications whose levels or measures differ from the regime's (None: no change).

    A slice of all before the first regime.
    """
    if regime is None:
        return slice(None)
    if np.array_equal(level, regime.level) and np.array_equal(active, regime.active):
        return None
    return np.flatnonzero((level != regime.level).any(axis=2).any(axis=0)
                          | (active != regime.active).any(axis=1))


def _regime(inputs: EnforcementInputs, level: np.ndarray, active: np.ndarray,
            exposed: np.ndarray, last: Regime | None, rows: np.ndarray | slice) -> Regime:
    """What compliance levels ``level`` (S, R, C) and measures ``active`` (R, M) imply.

    Worked out again for the replications ``rows`` only; the others keep the
    ``last`` regime's values (each replication's depend on its own levels and
    measures alone).  After an event, about 5 replications in 250 change
    (docs/engine.md, measured choices).
    """
    part = _regime_at(inputs, level[:, rows], active[rows], exposed, rows)
    if last is None:
        return part
    # New arrays, not filled in place: trust knows the regime changed by ``intensity``
    # being a new array, and the monthly products ran slower on arrays filled in place
    # (docs/engine.md, measured choices).
    cells = {}
    for name in PER_CELL:
        cells[name] = getattr(last, name).copy()
        cells[name][:, rows] = getattr(part, name)
    notifies = bool(cells["notify_serious"].any() or cells["notify_other"].any())
    return Regime(level=level.copy(), active=active.copy(), notifies=notifies, **cells)


def _regime_at(inputs: EnforcementInputs, level: np.ndarray, active: np.ndarray,
               exposed: np.ndarray, rows: np.ndarray | slice) -> Regime:
    """The regime of levels ``level`` (S, n, C) and measures ``active`` (n, M) of ``rows``.

    ``extra`` is the surge factor in force minus one where the city declines detainers.
    """
    honour_serious, honour_other = honoured_share(level)
    notify_serious, notify_other = notified_share(level)
    agreement = AGREEMENT[level]
    extra = (surge_now(inputs, active, rows) - 1.0) * (exposed[:, None, None] & ~honour_other)
    room = inputs.surge_max[rows] - 1.0
    return Regime(
        level=level.copy(),
        active=active.copy(),
        honour_serious=honour_serious,
        honour_other=honour_other,
        notify_serious=notify_serious,
        notify_other=notify_other,
        notifies=bool(notify_serious.any() or notify_other.any()),
        agreement=agreement,
        surge_scale=divide_where(extra, room, room > 0),
        intensity=expected_visible(inputs, level, extra, rows),
        agreement_cost=agreement * inputs.agreement_monthly[rows],
    )


def expected_visible(inputs: EnforcementInputs, level: np.ndarray,
                     extra_surge: np.ndarray | float = 0.0,
                     rows: np.ndarray | slice = slice(None)) -> np.ndarray:
    """Expected transfers plus at-large arrests per month: the enforcement regime.

    ``level`` is the compliance level and ``extra_surge`` the surge factor in
    force minus one (0 where there is none or the city honours every detainer),
    of the replications ``rows``.
    """
    warrant, serious, other = inputs.mean_detainers[:, rows]
    honour_serious, honour_other = honoured_share(level)
    honoured = warrant + serious * honour_serious + other * honour_other
    declined = warrant + serious + other - honoured
    notify_serious, notify_other = notified_share(level)
    if notify_serious.any() or notify_other.any():
        notified = serious * notify_serious + other * notify_other
        honoured = honoured + notified  # taken at the door: a transfer all the same
        declined = declined - notified
    return (inputs.pickup[rows] * honoured + inputs.mean_community[rows] * (1.0 + extra_surge)
            + inputs.followup[rows] * declined)
