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
unless it is withheld again first.  A final court loss on a grant condition
or executive order leaves the pool waiting: the award stands, withheld while
the condition does (New York's Byrne JAG money, withheld from FY2017 and lost in
the 2d Circuit in 2020, was paid in 2021 once the conditions were dropped).  A
final loss on a statute or a terminated grant makes the pool, and all later
withholding under that measure, permanently lost (:meth:`FederalState.forfeit`).

A measure with ``clawback_months`` takes back, when it first hits a city, its
share of what the targeted grants actually paid the city in the last that many
months: the payments made in those months net of what was withheld from them.
An advance award paid in the window is taken back whole (times the share); one
paid before it not at all.  Months before the start count as paid in full at
the first year's award (nothing was withheld before the start).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from sim.model.arrays import max_and_argmax, sum_by_label_at, sum_last, sum_last_at
from sim.model.plan import Parameters, Plan
from sim.model.streams import ReplicationStreams, uniforms

MEASURE_INDEX = np.int16
"""Type of measure indices in the arrays of payments (-1: none)."""


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


def measure_dates(inputs: FederalInputs, horizon_day: float
                  ) -> list[tuple[int, int, float, float | None]]:
    """(replication, measure, start day, rescission day or None) of measures starting in time.

    Every measure taking effect before the horizon, with its rescission if that
    comes before the horizon too.
    """
    dates = []
    for r, m in zip(*np.nonzero(inputs.occurs), strict=False):
        start = inputs.start_day[r, m]
        if start >= horizon_day:
            continue
        end = None
        if inputs.rescinded[r, m] and inputs.rescind_day[r, m] < horizon_day:
            end = float(max(inputs.rescind_day[r, m], start))
        dates.append((int(r), int(m), float(start), end))
    return dates


@dataclass
class FederalState:
    """Who is penalised by what, and the money withheld; mutable, updated in place."""

    active: np.ndarray
    """(R, M) measure in force."""
    recognised: np.ndarray
    """(S, R, C) compliance level federal agencies recognise."""
    enjoined: np.ndarray
    """(S, R, C, M) an injunction protects the city from the measure."""
    forfeited: np.ndarray
    """(S, R, C, M) the city lost its case for good on a statute or a terminated grant
    (or was paid damages for the grant): withheld money is lost."""
    hit: np.ndarray
    """(S, R, C, M) the measure currently withholds the city's funds."""
    ever_hit: np.ndarray
    """(S, R, C, M) the measure has withheld from the city before."""
    pool: np.ndarray
    """(S, R, C, M) withheld money awaiting release."""
    release_at: np.ndarray
    """(S, R, C, M) month in which the pool is paid (-1: none scheduled)."""
    withholding: np.ndarray
    """(S, R, C, G) index of the measure that withholds each payment, its share
    (-1: none).  The share withheld is that measure's: one small integer a payment,
    not a share and an index, keeps the arrays a month's payments look back at
    twelve times smaller (see :func:`_withholding`)."""
    lost_pending: np.ndarray
    """(S, R, C) money made permanently lost by events since the last month."""
    paid_pending: np.ndarray
    """(S, R, C) withheld money paid as damages by final judgments since the last month."""
    history: list[np.ndarray | None]
    """``withholding`` of each month, for payments in arrears (None once older than
    the longest payment lag)."""
    penalised: np.ndarray
    """(S, R, C, M) the recognised level is one the measure penalises (under strategies
    exposed to measures), as of the last refresh (current from each month's accounting
    on)."""
    exposed: np.ndarray
    """(S, R, C, M) also, the measure is in force and targets one of the city's grants,
    enjoined or not, as of the last refresh."""
    seen: tuple[np.ndarray, np.ndarray, np.ndarray]
    """Copies of ``active``, ``recognised`` and ``enjoined`` as of the last refresh (the
    state starts as refreshed: no measure in force, so nothing exposed)."""
    dirty: bool = True
    """Whether an event changed who is penalised since the last month."""
    awards: dict[int, np.ndarray] = field(default_factory=dict)
    """(R, C, G) annual awards by federal fiscal years elapsed, computed once each."""
    ever_hit_cells: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.intp))
    """Flat indices of ``ever_hit``, ascending: the only pools that can hold money."""
    spent: tuple[tuple, Withheld] | None = None
    """The ``withholding`` arrays a month's payments followed (as in ``history``) and the
    :class:`Withheld` payments they make, kept for the next months that follow them."""
    withheld_log: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)
    """(flat (S, R, C, G) indices, amounts) withheld from each past month's payments,
    the last ``max(clawback_months)`` months only (kept only when a measure claws back):
    what a clawback subtracts from the payments due to find what was actually paid."""

    def start(self, r: int, m: int) -> None:
        """Measure ``m`` takes effect in replication ``r``."""
        self.active[r, m] = True
        self.dirty = True

    def end(self, r: int, m: int) -> None:
        """Measure ``m`` is rescinded in replication ``r``."""
        self.active[r, m] = False
        self.dirty = True

    def recognise(self, s: int, r: int, c: int, level: int) -> None:
        """Agencies now recognise city ``c`` at ``level`` (strategy ``s``, replication ``r``)."""
        self.recognised[s, r, c] = level
        self.dirty = True

    def enjoin(self, where: tuple, protected: np.ndarray | bool) -> None:
        """Whether injunctions now protect the cells ``where`` of (S, R, C, M) from their measures.

        Payments follow at the next month's accounting; withheld money is
        released after the measure's release lag.
        """
        self.enjoined[where] = protected
        self.dirty = True

    def enjoin_each(self, r: int, m: int, strategies: Sequence[int], cities: Sequence[int],
                    protected: Sequence[bool]) -> None:
        """:meth:`enjoin` for (strategy, city) pairs of replication ``r`` and measure ``m``.

        One scalar write a pair: a small suit's few pairs cost less this way than
        through index arrays.
        """
        enjoined = self.enjoined
        for s, c, value in zip(strategies, cities, protected, strict=True):
            enjoined[s, r, c, m] = value
        self.dirty = True

    def pay_damages(self, where: tuple, m: int) -> None:
        """A final judgment of the Court of Federal Claims pays the pool of measure ``m``.

        ``where`` indexes the (S, R, C) axes.  The money is paid as damages in
        the next month's accounts; the terminated grant is not reinstated, so
        later withholding under the measure is lost.
        """
        self.paid_pending[where] += self.pool[(*where, m)]
        self.pool[(*where, m)] = 0.0
        self.release_at[(*where, m)] = -1
        self.forfeited[(*where, m)] = True
        self.dirty = True

    def forfeit(self, where: tuple, m: int) -> None:
        """Make the pool of measure ``m`` permanently lost where selected.

        ``where`` indexes the (S, R, C) axes; the loss is booked in the next
        month's accounts, and later withholding under the measure is lost too.
        """
        self.lost_pending[where] += self.pool[(*where, m)]
        self.pool[(*where, m)] = 0.0
        self.release_at[(*where, m)] = -1
        self.forfeited[(*where, m)] = True
        self.dirty = True


def initial_federal_state(plan: Plan, replications: int) -> FederalState:
    """No measure in force; every city recognised at its starting level.

    Money the measures' history says was withheld before the start waits in
    their pools (strategies exposed to measures), as if the measure had just
    withheld it: released once the city is no longer penalised.
    """
    S, C = plan.shape
    M, G = len(plan.measures), len(plan.programs)
    per_measure = (S, replications, C, M)
    active = np.zeros((replications, M), bool)
    recognised = np.broadcast_to(plan.level0[:, None, :], (S, replications, C)).copy()
    enjoined = np.zeros(per_measure, bool)
    # np.take is the lookup penalises.T[recognised], several times faster.
    penalised = np.take(plan.penalises.T, recognised, axis=0)
    penalised &= plan.exposed[:, None, None, None]
    pool = np.zeros(per_measure)
    pool[plan.exposed] = plan.withheld_before[None, None]
    before = pool > 0
    return FederalState(
        active=active,
        recognised=recognised,
        enjoined=enjoined,
        forfeited=np.zeros(per_measure, bool),
        hit=before.copy(),
        ever_hit=before,
        pool=pool,
        release_at=np.full(per_measure, -1, dtype=np.int32),
        withholding=np.full((S, replications, C, G), -1, dtype=MEASURE_INDEX),
        lost_pending=np.zeros((S, replications, C)),
        paid_pending=np.zeros((S, replications, C)),
        history=[],
        penalised=penalised,
        exposed=np.zeros(per_measure, bool),
        seen=(active.copy(), recognised.copy(), enjoined.copy()),
        ever_hit_cells=np.flatnonzero(before),
    )


def _changed_cells(state: FederalState, plan: Plan) -> np.ndarray:
    """Flat (S, R, C) indices of the cities whose status may have changed.

    Since the last refresh: cities whose recognised level or injunctions
    changed, and every city of a replication where a measure started or ended
    (under strategies exposed to measures).  A city's status depends on these alone.
    """
    active, recognised, enjoined = state.seen
    changed = state.recognised != recognised
    # Injunctions change at a few cells: found by flat index, faster than any_last.
    changed.ravel()[np.flatnonzero(state.enjoined != enjoined) // state.enjoined.shape[-1]] = True
    measures = (state.active != active).any(axis=1)
    if measures.any():
        changed[plan.exposed[:, None] & measures[None]] = True
    return np.flatnonzero(changed)


def _refresh(state: FederalState, inputs: FederalInputs, plan: Plan,
             m: int) -> np.ndarray | None:
    """Recompute who is hit after events; return this month's clawbacks (S, R, C, M).

    Only the cities whose status may have changed are recomputed, as rows of
    measures or programs (``_by_city``): ~1,500 of the 50,000 of a 250-replication
    batch of 50 cities (whole replications, as before, were ~12,000, strategies
    that nothing changed included).  None: no clawback.
    """
    cells = _changed_cells(state, plan)
    state.dirty = False
    state.seen = (state.active.copy(), state.recognised.copy(), state.enjoined.copy())
    if not cells.size:
        return None
    S, R, C = state.recognised.shape
    r, c = cells // C % R, cells % C
    penalised = np.take(plan.penalises.T, state.recognised.ravel()[cells], axis=0)
    penalised &= plan.exposed[cells // (R * C), None]
    exposed = penalised & state.active[r] & plan.targeted.any(axis=2).T[c]
    _by_city(state.penalised)[cells] = penalised
    _by_city(state.exposed)[cells] = exposed
    hit = exposed & ~_by_city(state.enjoined)[cells]
    was_hit = _by_city(state.hit)[cells]
    started, stopped = hit & ~was_hit, was_hit & ~hit
    release_at = np.where(stopped, m + plan.release_lag, _by_city(state.release_at)[cells])
    release_at[started] = -1
    _by_city(state.release_at)[cells] = release_at
    first = started & ~_by_city(state.ever_hit)[cells]
    clawback = None
    if first.any() and plan.clawback_months.any():
        clawback = np.zeros(state.hit.shape)
        _by_city(clawback)[cells] = _clawbacks(state, inputs, plan, m, cells, first)
    if first.any():
        _by_city(state.ever_hit)[cells] |= hit
        state.ever_hit_cells = np.flatnonzero(state.ever_hit)
    _by_city(state.hit)[cells] = hit
    if len(plan.measures):  # with none, the initial zeros (nothing withheld) stand
        # A new array, not filled in place: the history keeps the old one.
        state.withholding = state.withholding.copy()
        _by_city(state.withholding)[cells] = _withholding(hit, inputs.share[r], plan.targeted[:, c],
                                                          plan.terminates)
    return clawback


def _clawbacks(state: FederalState, inputs: FederalInputs, plan: Plan, m: int,
               cells: np.ndarray, first: np.ndarray) -> np.ndarray:
    """(n, M) money clawed back from the cities ``cells`` by the measures ``first`` hit.

    ``cells`` are flat (S, R, C) indices, ``first`` (n, M) the measures hitting
    them for the first time this month.  Each takes its share of what its
    targeted grants paid in the ``clawback_months`` before month ``m``: the
    payments due then less what was withheld from them.
    """
    S, R, C = state.recognised.shape
    r, c = cells // C % R, cells % C
    out = np.zeros(first.shape)
    for months in np.unique(plan.clawback_months[first.any(axis=0)]):
        if months == 0:
            continue
        measures = first & (plan.clawback_months == months)
        due = sum(_due(state, inputs, plan, month) for month in range(m - months, m))
        paid = due[r, c] - _withheld_since(state, min(months, m), cells, due.shape[-1])
        # (n, G) paid times (M, n, G) targeted: what each measure's programs paid.
        reached = np.einsum("ng,mng->nm", paid, plan.targeted[:, c].astype(float))
        out += np.where(measures, reached * inputs.share[r], 0.0)
    return out


def _due(state: FederalState, inputs: FederalInputs, plan: Plan, month: int) -> np.ndarray:
    """(R, C, G) payments due in ``month``; before the start, at the first year's awards."""
    if month >= 0:
        awards = _awards(state, inputs, int(inputs.federal_years[month]))
        return awards * inputs.payment_share[month]
    calendar = (plan.calendar.start.month - 1 + month) % 12 + 1
    share = np.where(plan.advance, (plan.award_month == calendar).astype(float), 1.0 / 12)
    return inputs.amount * (share * plan.has_grant)[None]


def _withheld_since(state: FederalState, months: int, cells: np.ndarray, G: int) -> np.ndarray:
    """(n, G) withheld from the cities ``cells`` (ascending) in the last ``months`` months."""
    out = np.zeros((len(cells), G))
    for where, amount in state.withheld_log[len(state.withheld_log) - months:] if months else []:
        city = where // G
        row = np.minimum(np.searchsorted(cells, city), len(cells) - 1)
        mine = cells[row] == city
        np.add.at(out, (row[mine], where[mine] % G), amount[mine])
    return out


def _awards(state: FederalState, inputs: FederalInputs, year: int) -> np.ndarray:
    """(R, C, G) annual awards ``year`` federal fiscal years after the start, computed once."""
    if year not in state.awards:
        # The year as numpy's integer, as the month grid holds it (the same powers).
        state.awards[year] = inputs.amount * (1.0 + inputs.growth) ** np.int64(year)
    return state.awards[year]


def _withholding(hit: np.ndarray, share: np.ndarray, targeted: np.ndarray,
                 terminates: np.ndarray) -> np.ndarray:
    """(n, G) index of the measure withholding each payment of n cities, -1 for none.

    ``hit`` (n, M) the measures withholding from each city, ``share`` (n, M) their
    shares, ``targeted`` (M, n, G) the programs they target, ``terminates`` (M,)
    which measures terminate grants.  A termination applies first (the grant is
    gone, whatever becomes of conditions on it: an injunction against a
    condition does not restore it), then the largest share, the first measure
    with it where several have it; a payment whose share is 0 is not withheld.
    """
    best, index = max_and_argmax([hit[:, k, None] * (share[:, k, None] * targeted[k])
                                  + 2.0 * (terminates[k] & (share[:, k, None] > 0)
                                           & hit[:, k, None] & targeted[k])
                                  for k in range(len(share[0]))])
    index[best == 0] = -1
    return index


def _by_city(values: np.ndarray) -> np.ndarray:
    """A (S * R * C, K) view of an (S, R, C, K) array: one row per city, to write through."""
    *cities, K = values.shape
    return _flat(values).reshape(int(np.prod(cities)), K)  # not -1: K may be 0


def _withholding_when_spent(state: FederalState, plan: Plan, m: int) -> np.ndarray:
    """``withholding`` of the payments due in month ``m``.

    Each payment follows the status of the month its money was spent: ``m``
    minus the grant's payment lag (nothing was withheld before the start).
    """
    withholding = state.withholding
    for lag in np.unique(plan.payment_lag[plan.payment_lag > 0]):
        then = np.full_like(withholding, -1) if m < lag else state.history[m - lag]
        withholding = np.where(plan.payment_lag == lag, then, withholding)
    return withholding


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


def _withheld_when_spent(state: FederalState, inputs: FederalInputs, plan: Plan,
                         m: int) -> Withheld:
    """The payments of month ``m`` withheld, as :func:`_withholding_when_spent` has them.

    Worked out again only when the statuses they follow have changed (after events).
    """
    lags = np.unique(plan.payment_lag[plan.payment_lag > 0])
    sources = (state.withholding,
               *(state.history[m - lag] if m >= lag else None for lag in lags))
    if state.spent is None or any(a is not b for a, b in zip(sources, state.spent[0],
                                                                 strict=True)):
        withholding = _withholding_when_spent(state, plan, m)
        cells = np.flatnonzero(withholding >= 0)
        measure = withholding.ravel()[cells]
        S, R, C, G = withholding.shape
        replication = cells // (C * G) % R
        share = inputs.share.ravel()[replication * inputs.share.shape[1] + measure]
        state.spent = sources, Withheld(cells=cells, share=share, measure=measure,
                                        payment=cells % (R * C * G))
    return state.spent[1]


def federal_month(state: FederalState, inputs: FederalInputs, plan: Plan,
                  m: int) -> dict[str, np.ndarray]:
    """Pay, withhold and release grants for month ``m``; return the month's accounts."""
    due_annual = _awards(state, inputs, int(inputs.federal_years[m]))
    clawback = _refresh(state, inputs, plan, m) if state.dirty else None
    state.history.append(state.withholding)
    # Only the longest payment lag's worth of months is ever looked up again.
    stale = m - int(plan.payment_lag.max(initial=0)) - 1
    if stale >= 0:
        state.history[stale] = None
    spent = _withheld_when_spent(state, inputs, plan, m)
    due = due_annual * inputs.payment_share[m][None]
    # Sums over the few payments withheld: the others would add 0.0 (see sum_last_at).
    withheld = due.ravel()[spent.payment] * spent.share
    shape = state.withholding.shape
    by_measure = sum_by_label_at(spent.cells, withheld, spent.measure, shape,
                                 len(plan.measures))
    due_total = sum_last(due)
    received = due_total[None] - sum_last_at(spent.cells, withheld, shape)
    if plan.clawback_months.any():
        state.withheld_log.append((spent.cells, withheld))
        del state.withheld_log[:-int(plan.clawback_months.max())]
    if clawback is not None:
        by_measure += clawback
        received = received - sum_last(clawback)
    withheld_total, lost, restored = _settle_pools(state, plan, by_measure, m)
    lost_total = lost + state.lost_pending
    state.lost_pending = np.zeros_like(state.lost_pending)
    if state.paid_pending.any():
        restored = restored + state.paid_pending
        state.paid_pending = np.zeros_like(state.paid_pending)
    return {
        "federal_due": np.broadcast_to(due_total, received.shape),
        "federal_received": received,
        "federal_withheld": withheld_total,
        "federal_restored": restored,
        "federal_lost": lost_total,
    }


def payments_of_month(state: FederalState, inputs: FederalInputs,
                      m: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Awards, payments due and the share withheld of each payment in month ``m``.

    Returns the federal year's awards (R, C, G), the month's payments due
    (R, C, G) and the share withheld of each (S, R, C, G); call once
    :func:`federal_month` has run for ``m``.  Clawbacks are left out: they
    take back past payments, not this month's.
    """
    awards = _awards(state, inputs, int(inputs.federal_years[m]))
    share = np.zeros(state.withholding.shape)
    spent = state.spent[1]
    share.ravel()[spent.cells] = spent.share
    return awards, awards * inputs.payment_share[m][None], share


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
    forfeit = state.forfeited.ravel()[cells]
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
