"""Federal grants and the measures that withhold them.

Units: US dollars.  Grants are paid monthly: a reimbursement grant pays a
twelfth of its annual amount each month (in arrears, so the first months of
the horizon reimburse spending made before it), an advance grant pays its
annual award in its award month.  Awards step up with their growth rate at
each federal fiscal year (October).

A measure happens in a replication with its probability, at its (possibly
uncertain) date, and may later be rescinded.  While it is in force, every
payment of a grant it targets to a city whose *recognised* compliance level
it penalises is withheld by its share, unless an injunction protects that
city.  A reimbursement is withheld if the city was penalised in the month the
money was spent (``payment_lag_months`` before it is paid), so spending made
before a measure is still reimbursed and spending made while penalised stays
unpaid even if an injunction comes before the payment date; an advance is
withheld if the city is penalised when it is paid.  Where several
measures target one payment, the largest share applies and the withheld money
is attributed to that measure.  Withheld money waits in a pool per measure;
when the city stops being penalised by that measure (injunction, recognised
compliance, rescission) the pool is paid out after the measure's release lag,
unless it is withheld again first.  A final court loss makes the pool, and
all later withholding under that measure, permanently lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.model.arrays import max_and_argmax, sum_by_label_at, sum_last, sum_last_at
from sim.model.plan import Parameters, Plan
from sim.streams import ReplicationStreams, uniforms


@dataclass(frozen=True)
class FederalInputs:
    """Grant amounts and measure outcomes for a batch."""

    amount: np.ndarray
    """(R, C, G) annual award in the first federal fiscal year (0: no grant)."""
    growth: np.ndarray
    """(R, C, G) annual growth of awards."""
    share: np.ndarray
    """(R, M) share withheld by each measure."""
    occurs: np.ndarray
    """(R, M) whether the measure happens."""
    start_day: np.ndarray
    """(R, M) day (from the start) the measure takes effect, clipped at 0."""
    rescinded: np.ndarray
    """(R, M) whether the measure is rescinded."""
    rescind_day: np.ndarray
    """(R, M) day of rescission."""
    payment_share: np.ndarray
    """(T, C, G) share of the annual award paid in each month."""
    federal_years: np.ndarray
    """(T,) federal fiscal years begun since the start."""


def sample_federal(plan: Plan, params: Parameters,
                   streams: list[ReplicationStreams]) -> FederalInputs:
    """Grant amounts and measure outcomes of a batch of replications."""
    cal = plan.calendar
    first_day = cal.start.toordinal()
    draws = uniforms(streams, "measures", plan.measures, (2,))
    rescind_p = params.per_measure("rescind_probability")
    rescind_day = np.zeros_like(rescind_p)
    for m, measure in enumerate(plan.scenario.measure):
        if measure.rescind_date is not None:
            rescind_day[:, m] = params.per_replication(
                f"measure[{measure.name}].rescind_date", measure.rescind_date) - first_day
    month = cal.calendar_month
    payment_share = np.where(
        plan.advance[None],
        (month[:, None, None] == plan.award_month[None]).astype(float),
        1.0 / 12,
    ) * plan.has_grant[None]
    return FederalInputs(
        amount=params.per_grant("amount"),
        growth=params.per_grant("growth"),
        share=params.per_measure("withhold_share"),
        occurs=draws[..., 0] < params.per_measure("probability"),
        start_day=np.maximum(params.per_measure("effective") - first_day, 0.0),
        rescinded=draws[..., 1] < rescind_p,
        rescind_day=rescind_day,
        payment_share=payment_share,
        federal_years=cal.years_elapsed(10)[:, 0],
    )


def initial_events(inputs: FederalInputs, horizon_day: float):
    """(replication, day, kind, measure) of every measure taking effect or rescinded."""
    events = []
    for r, m in zip(*np.nonzero(inputs.occurs), strict=False):
        start = inputs.start_day[r, m]
        if start >= horizon_day:
            continue
        events.append((int(r), float(start), "measure_start", int(m)))
        if inputs.rescinded[r, m] and inputs.rescind_day[r, m] < horizon_day:
            events.append((int(r), float(max(inputs.rescind_day[r, m], start)),
                           "measure_rescinded", int(m)))
    return events


@dataclass
class FederalState:
    """Who is penalised by what, and the money withheld; mutable, updated in place."""

    active: np.ndarray
    """(R, M) measure in force."""
    recognised: np.ndarray
    """(S, R, C) compliance level federal agencies recognise."""
    enjoined: np.ndarray
    """(S, R, C, M) an injunction protects the city from the measure."""
    forfeit: np.ndarray
    """(S, R, C, M) the city lost its case for good: withheld money is lost."""
    hit: np.ndarray
    """(S, R, C, M) the measure currently withholds the city's funds."""
    ever_hit: np.ndarray
    """(S, R, C, M) the measure has withheld from the city before."""
    pool: np.ndarray
    """(S, R, C, M) withheld money awaiting release."""
    release_at: np.ndarray
    """(S, R, C, M) month in which the pool is paid (-1: none scheduled)."""
    withheld_share: np.ndarray
    """(S, R, C, G) share of each payment withheld."""
    attributed: np.ndarray
    """(S, R, C, G) index of the measure a withheld payment is attributed to."""
    lost_pending: np.ndarray
    """(S, R, C) money made permanently lost by events since the last month."""
    history: list[tuple[np.ndarray, np.ndarray] | None]
    """(withheld_share, attributed) of each month, for payments in arrears (None once
    older than the longest payment lag)."""
    dirty: bool = True
    """Whether an event changed who is penalised since the last month."""
    penalised: np.ndarray | None = None
    """(S, R, C, M) the recognised level is penalised by the measure, as of the last
    refresh (see :func:`exposure`; current from each month's accounting on)."""
    exposed: np.ndarray | None = None
    """(S, R, C, M) the measure in force targets the city at a penalised level, enjoined
    or not, as of the last refresh."""
    awards: dict[int, np.ndarray] = field(default_factory=dict)
    """(R, C, G) annual awards by federal fiscal years elapsed, computed once each."""
    seen: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
    """Copies of ``active``, ``recognised`` and ``enjoined`` as of the last refresh."""
    ever_hit_cells: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.intp))
    """Flat indices of ``ever_hit``, ascending: the only pools that can hold money."""
    spent: tuple[tuple, Withheld] | None = None
    """The withheld shares a month's payments followed (as in ``history``) and the
    :class:`Withheld` payments they make, kept for the next months that follow them."""


def initial_federal_state(plan: Plan, replications: int) -> FederalState:
    """No measure in force; every city recognised at its starting level."""
    S, C = plan.shape
    M, G = len(plan.measures), len(plan.programs)
    per_measure = (S, replications, C, M)
    return FederalState(
        active=np.zeros((replications, M), bool),
        recognised=np.broadcast_to(plan.level0[:, None, :], (S, replications, C)).copy(),
        enjoined=np.zeros(per_measure, bool),
        forfeit=np.zeros(per_measure, bool),
        hit=np.zeros(per_measure, bool),
        ever_hit=np.zeros(per_measure, bool),
        pool=np.zeros(per_measure),
        release_at=np.full(per_measure, -1, dtype=np.int32),
        withheld_share=np.zeros((S, replications, C, G)),
        attributed=np.zeros((S, replications, C, G), dtype=np.int32),
        lost_pending=np.zeros((S, replications, C)),
        history=[],
    )


def currently_hit(state: FederalState, plan: Plan) -> np.ndarray:
    """(S, R, C, M) whether each measure withholds from each city now."""
    return exposure(state, plan)[1] & ~state.enjoined


def exposure(state: FederalState, plan: Plan) -> tuple[np.ndarray, np.ndarray]:
    """(S, R, C, M) arrays *penalised* and *exposed*.

    *Penalised*: the recognised level is one the measure penalises (under
    strategies exposed to measures).  *Exposed*: also, the measure is in force
    and targets one of the city's grants (enjoined or not).
    """
    return _exposure(state.recognised, state.active, plan)


def _exposure(recognised: np.ndarray, active: np.ndarray,
              plan: Plan) -> tuple[np.ndarray, np.ndarray]:
    """:func:`exposure` of recognised levels (S, n, C) and measures in force (n, M)."""
    # np.take is the lookup penalises.T[recognised], several times faster.
    penalised = np.take(plan.penalises.T, recognised, axis=0)
    penalised &= plan.exposed[:, None, None, None]
    exposed = np.empty_like(penalised)
    city_targeted = plan.targeted.any(axis=2)
    # One measure at a time: numpy broadcasts slowly along a short last axis.
    for k in range(len(plan.measures)):
        np.logical_and(penalised[..., k], active[None, :, k, None] & city_targeted[k],
                       out=exposed[..., k])
    return penalised, exposed


def _changed_replications(state: FederalState) -> np.ndarray | slice:
    """Replications whose measures, recognised levels or injunctions changed.

    Changed since the last refresh, as indices; at the first, a slice of all.
    """
    seen = state.seen
    if seen is None:
        return slice(None)
    active, recognised, enjoined = seen
    S, R = recognised.shape[:2]
    changed = ((state.active != active).any(axis=1)
               | (state.recognised != recognised).any(axis=2).any(axis=0)
               | (state.enjoined != enjoined).reshape(S, R, -1).any(axis=2).any(axis=0))
    return np.flatnonzero(changed)


def _refresh(state: FederalState, inputs: FederalInputs, plan: Plan, m: int,
             due_annual: np.ndarray) -> np.ndarray | None:
    """Recompute who is hit after events; return this month's clawbacks (S, R, C, M).

    Only replications whose events changed something are recomputed (each
    cell depends on its own replication's state alone); None: no clawback.
    """
    rows = _changed_replications(state)
    state.dirty = False
    state.seen = (state.active.copy(), state.recognised.copy(), state.enjoined.copy())
    if isinstance(rows, np.ndarray) and not rows.size:
        return None
    every = (slice(None), rows)
    penalised, exposed = _exposure(state.recognised[every], state.active[rows], plan)
    if state.penalised is None:
        state.penalised, state.exposed = penalised, exposed
    else:
        state.penalised[every], state.exposed[every] = penalised, exposed
    hit = exposed & ~state.enjoined[every]
    was_hit = state.hit[every]
    started, stopped = hit & ~was_hit, was_hit & ~hit
    release_at = state.release_at[every]
    release_at[started] = -1
    for k in range(len(plan.measures)):
        release_at[..., k][stopped[..., k]] = m + plan.release_lag[k]
    state.release_at[every] = release_at
    first = started & ~state.ever_hit[every]
    clawback = None
    if first.any() and plan.clawback_months.any():
        targeted_amount = np.einsum("rcg,mcg->rcm", due_annual, plan.targeted.astype(float))
        clawback = np.zeros(state.hit.shape)
        clawback[every] = (first * (plan.clawback_months / 12)
                           * inputs.share[rows][None, :, None, :] * targeted_amount[rows][None])
    if first.any():
        state.ever_hit[every] |= hit
        state.ever_hit_cells = np.flatnonzero(state.ever_hit)
    state.hit[every] = hit
    if len(plan.measures):  # with none, the initial zeros (nothing withheld) stand
        # New arrays, not filled in place: the history keeps the old ones.
        state.withheld_share = state.withheld_share.copy()
        state.attributed = state.attributed.copy()
        share = inputs.share[rows][:, :, None, None]
        best, index = max_and_argmax([hit[..., k, None] * (share[:, k] * plan.targeted[k])
                                      for k in range(len(plan.measures))])
        state.withheld_share[every] = best
        state.attributed[every] = index
    return clawback


def _share_when_spent(state: FederalState, plan: Plan,
                      m: int) -> tuple[np.ndarray, np.ndarray]:
    """Withheld share and attribution of the payments due in month ``m``.

    Each payment follows the status of the month its money was spent: ``m``
    minus the grant's payment lag (nothing was withheld before the start).
    """
    share, attributed = state.withheld_share, state.attributed
    for lag in np.unique(plan.payment_lag[plan.payment_lag > 0]):
        then = (np.zeros_like(share), attributed) if m < lag else state.history[m - lag]
        arrears = plan.payment_lag == lag
        share = np.where(arrears, then[0], share)
        attributed = np.where(arrears, then[1], attributed)
    return share, attributed


@dataclass(frozen=True)
class Withheld:
    """The payments of a month with a share withheld (sparse: few are)."""

    cells: np.ndarray
    """(n,) flat indices into (S, R, C, G), ascending."""
    share: np.ndarray
    """(n,) share of the payment withheld."""
    measure: np.ndarray
    """(n,) index of the measure the money is attributed to."""
    payment: np.ndarray
    """(n,) index of the payment in the flattened (R, C, G) payments due."""


def _withheld_when_spent(state: FederalState, plan: Plan, m: int) -> Withheld:
    """The payments of month ``m`` withheld, as :func:`_share_when_spent` has them.

    Worked out again only when the statuses they follow have changed (after events).
    """
    lags = np.unique(plan.payment_lag[plan.payment_lag > 0])
    sources = (state.withheld_share,
               *(state.history[m - lag][0] if m >= lag else None for lag in lags))
    if state.spent is None or any(a is not b for a, b in zip(sources, state.spent[0],
                                                                 strict=True)):
        share, attributed = _share_when_spent(state, plan, m)
        cells = np.flatnonzero(share != 0)  # a comparison first: 3x faster on floats
        state.spent = sources, Withheld(cells=cells, share=share.ravel()[cells],
                                        measure=attributed.ravel()[cells],
                                        payment=cells % (share.size // share.shape[0]))
    return state.spent[1]


def federal_month(state: FederalState, inputs: FederalInputs, plan: Plan,
                  m: int) -> dict[str, np.ndarray]:
    """Pay, withhold and release grants for month ``m``; return the month's accounts."""
    year = int(inputs.federal_years[m])
    if year not in state.awards:
        state.awards[year] = inputs.amount * (1.0 + inputs.growth) ** inputs.federal_years[m]
    due_annual = state.awards[year]
    clawback = _refresh(state, inputs, plan, m, due_annual) if state.dirty else None
    state.history.append((state.withheld_share, state.attributed))
    # Only the longest payment lag's worth of months is ever looked up again.
    stale = m - int(plan.payment_lag.max(initial=0)) - 1
    if stale >= 0:
        state.history[stale] = None
    spent = _withheld_when_spent(state, plan, m)
    due = due_annual * inputs.payment_share[m][None]
    # Sums over the few payments withheld: the others would add 0.0 (see sum_last_at).
    withheld = due.ravel()[spent.payment] * spent.share
    shape = state.withheld_share.shape
    by_measure = sum_by_label_at(spent.cells, withheld, spent.measure, shape,
                                 len(plan.measures))
    due_total = sum_last(due)
    received = due_total[None] - sum_last_at(spent.cells, withheld, shape)
    if clawback is not None:
        by_measure += clawback
        received = received - sum_last(clawback)
    withheld_total, lost, restored = _settle_pools(state, plan, by_measure, m)
    lost_total = lost + state.lost_pending
    state.lost_pending = np.zeros_like(state.lost_pending)
    return {
        "federal_due": np.broadcast_to(due_total, received.shape),
        "federal_received": received,
        "federal_withheld": withheld_total,
        "federal_restored": restored,
        "federal_lost": lost_total,
    }


def _settle_pools(state: FederalState, plan: Plan, by_measure: np.ndarray,
                  m: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Put the month's withheld money into its pools and pay out the pools due.

    Returns the month's money withheld, lost and restored, (S, R, C).  Only
    pools of measures that have ever withheld from the city can hold money or
    be due (``FederalState.ever_hit_cells``): elsewhere every step adds or
    takes 0.0, so it is left out.
    """
    cells = state.ever_hit_cells
    pool, release_at = _flat(state.pool), _flat(state.release_at)
    amount = by_measure.ravel()[cells]
    forfeit = state.forfeit.ravel()[cells]
    lost = np.where(forfeit, amount, 0.0)
    pool[cells] += amount - lost
    # Spending from penalised months, withheld in arrears after the city stopped
    # being penalised, is released like the rest of the pool.
    orphaned = cells[(amount > 0) & ~state.hit.ravel()[cells] & ~forfeit
                     & (release_at[cells] < 0)]
    release_at[orphaned] = m + plan.release_lag[orphaned % len(plan.measures)]
    scheduled = release_at[cells]
    release = cells[(scheduled >= 0) & (scheduled <= m)]
    restored = pool[release]
    pool[release] -= restored
    release_at[release] = -1
    shape = state.pool.shape
    return (sum_last_at(cells, amount, shape), sum_last_at(cells, lost, shape),
            sum_last_at(release, restored, shape))


def _flat(values: np.ndarray) -> np.ndarray:
    """A flat view of a contiguous array, to write through by flat index."""
    if not values.flags.c_contiguous:  # reshape would copy: writes would be lost
        raise ValueError("a flat view needs a contiguous array")
    return values.reshape(-1)


def forfeit(state: FederalState, where: tuple, m_index: int) -> None:
    """Make the pool of measure ``m_index`` permanently lost where selected.

    ``where`` indexes the (S, R, C) axes; the loss is booked in the next
    month's accounts.
    """
    state.lost_pending[where] += state.pool[(*where, m_index)]
    state.pool[(*where, m_index)] = 0.0
    state.release_at[(*where, m_index)] = -1
    state.forfeit[(*where, m_index)] = True
    state.dirty = True
