"""One batch of replications: the processes wired into one SimPy environment.

A :class:`World` holds, for a batch of replications, every strategy side by
side (common random numbers): the monthly step advances arrays shaped
(strategy, replication, city) at once, and the discrete events of each
replication are SimPy processes in the world's environment (:attr:`World.env`):
the replication's dated events, measures taking effect or rescinded and first
filings (:func:`calendar`); each suit, filed and ruled on
(:mod:`sim.model.litigation.suits`); a city switching its compliance level
(:func:`sim.model.switching.switch`).  Each process touches
only its own replication's slice of the arrays.

Two engines drive the same world and give identical numbers:

* :func:`run_simpy`, the model proper: one more SimPy process ticks monthly;
* :func:`sim.model.reference.run_reference`, the months in a plain loop, the
  environment run up to each tick: the test oracle of the monthly process.

Month ``m`` is accounted at its tick, half a day before month ``m + 1``
starts; events fall on whole days, so an event dated in month ``m`` always
precedes the tick of month ``m`` (see :mod:`sim.model.clock`).
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial

import numpy as np
import simpy

from sim.model import federal, switching
from sim.model.arrays import divide_where
from sim.model.bands import Bands
from sim.model.enforcement import (
    enforcement_month,
    initial_enforcement_state,
    sample_enforcement,
)
from sim.model.fiscal import (
    CostFlows,
    fiscal_month,
    initial_fiscal_state,
    sample_fiscal,
)
from sim.model.funded import funded_month, initial_funded_state, sample_funded
from sim.model.litigation import docket, suits
from sim.model.litigation.costs import legal_costs
from sim.model.litigation.liability import (
    initial_liability_state,
    liability_month,
    sample_liability,
)
from sim.model.litigation.parties import sample_legal
from sim.model.litigation.state import initial_legal_state
from sim.model.litigation.state import outcomes as litigation_outcomes
from sim.model.plan import Parameters, Plan
from sim.model.streams import ReplicationStreams
from sim.model.trust import initial_trust_state, sample_trust, trust_month

FLOW_TOTALS = (
    "federal_due", "federal_received", "federal_withheld", "federal_restored", "federal_lost",
    "legal_cost", "compliance_cost", "liability_cost", "service_cuts", "tax_increase",
    "interest", "borrowing", "detainers_received", "detainers_honoured", "transfers",
    "at_large_arrests", "unlawful_holds", "unreported_crimes",
)
"""Monthly flows summed over the horizon into per-replication totals."""

FUNDED_TOTALS = ("grant_backfill", "grant_service_lost")
"""Flows of grant-funded positions and programs, totalled when a scenario names any."""

MONTHLY_MEANS = ("trust", "reporting_rate")
"""Monthly levels averaged over the horizon into per-replication outcomes."""

TRAJECTORY = (
    "revenue", "spending", "reserves", "debt", "own_source", "tax_increase", "state_aid",
    "federal_due", "federal_received", "federal_withheld", "federal_restored", "federal_lost",
    "borrowing", "repayment", "expenditure", "service_cuts", "legal_cost", "compliance_cost",
    "liability_cost", "interest", "detainers_received", "detainers_honoured", "transfers",
    "at_large_arrests", "unlawful_holds", "trust", "reporting_rate", "unreported_crimes",
    "compliance_level",
)
"""Monthly columns kept for the kept replications."""


def same_in_every_strategy(values: np.ndarray) -> np.ndarray:
    """(R, C) values of an array (S, R, C) broadcast over strategies, else the array itself.

    Arithmetic on the (R, C) values, broadcast afterwards, gives the same
    numbers as on the whole array at a fraction of the work.
    """
    return values[0] if values.strides[0] == 0 else values


class Recorder:
    """Folds each month's accounts into per-replication outcomes and kept trajectories."""

    def __init__(self, plan: Plan, replications: int, kept: np.ndarray, discount_rate: float,
                 funded: bool = False):
        S, C = plan.shape
        T = plan.calendar.months
        self.shape = shape = (S, replications, C)
        self.kept = kept
        # Totals start as one strategy's: see _add_to_total.  A scenario naming no
        # grant-funded positions has no grant outcomes (its tables stay as they were).
        self.totals = {name: np.zeros((1, replications, C))
                       for name in FLOW_TOTALS + (FUNDED_TOTALS if funded else ())}
        self.peak_positions_cut = np.zeros(shape) if funded else None
        self.means = {name: np.zeros(shape) for name in MONTHLY_MEANS}
        self.npv_operating = np.zeros(shape)
        self.npv_gap_closing = np.zeros(shape)
        self.min_reserve_ratio = np.full(shape, np.inf)
        self.months_below_floor = np.zeros(shape, dtype=np.int32)
        self.year_ends_below_floor = np.zeros(shape, dtype=np.int32)
        self.exhausted_at = np.full(shape, T, dtype=np.int32)
        """First month reserves net of debt were at or below zero (T: never)."""
        self.peak_debt = np.zeros(shape)
        self.discount = (1.0 + discount_rate) ** (-(np.arange(T) + 1) / 12)
        self.trajectories = {name: np.zeros((T, S, len(kept), C)) for name in TRAJECTORY}

    def record(self, m: int, accounts: dict[str, np.ndarray]) -> None:
        """Fold month ``m``'s accounts (arrays (S, R, C)) in."""
        for name in self.totals:
            self._add_to_total(name, accounts[name])
        for name, mean in self.means.items():
            mean += accounts[name] / len(self.discount)
        operating = (same_in_every_strategy(accounts["own_source"])
                     + same_in_every_strategy(accounts["state_aid"])
                     + accounts["federal_received"] + accounts["federal_restored"]
                     - accounts["expenditure"] - accounts["legal_cost"]
                     - accounts["compliance_cost"] - accounts["liability_cost"]
                     - accounts["interest"])
        if self.peak_positions_cut is not None:
            # Spending the city stopped when grant money stopped (absorbed or cut).
            operating = operating + accounts["grant_service_lost"]
            np.maximum(self.peak_positions_cut, accounts["grant_positions_cut"],
                       out=self.peak_positions_cut)
        operating *= self.discount[m]
        self.npv_operating += operating
        gap_closing = accounts["service_cuts"] + accounts["tax_increase"]
        gap_closing *= self.discount[m]
        self.npv_gap_closing += gap_closing
        annual = 12 * same_in_every_strategy(accounts["expenditure"])
        # Below a dollar a year, a reserve ratio means nothing (and overflows).
        ratio = divide_where(accounts["net_reserves"], annual, annual >= 1.0)
        np.minimum(self.min_reserve_ratio, ratio, out=self.min_reserve_ratio)
        self.months_below_floor += accounts["below_floor"]
        self.year_ends_below_floor += accounts["below_floor_at_year_end"]
        exhausted = (accounts["net_reserves"] <= 0.0) & (self.exhausted_at == len(self.discount))
        self.exhausted_at[exhausted] = m
        np.maximum(self.peak_debt, accounts["debt"], out=self.peak_debt)
        if len(self.kept):
            for name, series in self.trajectories.items():
                series[m] = accounts[name][:, self.kept]

    def _add_to_total(self, name: str, flow: np.ndarray) -> None:
        """Add a month's flow to its total, once for all strategies while it is the same in each.

        Flows such as grants due and detainers received do not depend on the
        strategy and come as arrays broadcast over it: each of their totals'
        elements would see the same additions, so one strategy's total is kept
        (a quarter of the work with four strategies) until a flow differs.
        """
        total = self.totals[name]
        if len(total) == 1 and flow.strides[0] == 0:
            total += flow[:1]
            return
        if len(total) < len(flow):
            total = self.totals[name] = np.repeat(total, len(flow), axis=0)
        total += flow

    def total(self, name: str) -> np.ndarray:
        """(S, R, C) total of flow ``name`` over the months recorded."""
        return np.broadcast_to(self.totals[name], self.shape).copy()

    def outcomes(self, reserves_end: np.ndarray, unresolved: np.ndarray) -> dict[str, np.ndarray]:
        """Per-replication outcomes, arrays (S, R, C); impacts are paired with the baseline."""
        out = {name: self.total(name) for name in self.totals}
        out.update(self.means)
        if self.peak_positions_cut is not None:
            out["grant_positions_cut"] = self.peak_positions_cut
        out.update(
            extra_unreported_crimes=(out["unreported_crimes"] - out["unreported_crimes"][:1]),
            reporting_rate_change=np.divide(
                self.means["reporting_rate"], self.means["reporting_rate"][:1],
                out=np.zeros(self.means["reporting_rate"].shape),
                where=self.means["reporting_rate"][:1] > 0) - 1.0 * (
                    self.means["reporting_rate"][:1] > 0),
        )
        out.update(
            federal_unresolved=unresolved,
            reserves_end=reserves_end,
            min_reserve_ratio=self.min_reserve_ratio,
            months_below_floor=self.months_below_floor.astype(float),
            floor_breached=(self.months_below_floor > 0).astype(float),
            floor_breached_at_year_end=(self.year_ends_below_floor > 0).astype(float),
            reserves_exhausted=(self.exhausted_at < len(self.discount)).astype(float),
            years_to_exhaustion=self.exhausted_at / 12.0,
            peak_debt=self.peak_debt,
            net_fiscal_impact=self.npv_operating - self.npv_operating[:1],
            gap_closing_burden=self.npv_gap_closing - self.npv_gap_closing[:1],
        )
        return out


@dataclass(eq=False)
class Events:
    """Event-log rows as columns: compact to send back from a worker and to hold.

    Rows are in the order of the output table: by strategy, replication and
    day, same-day events in the order they happened.  Iterating gives rows
    ``(strategy index, replication, day, city index or -1, kind, detail)``.
    """

    strategy: np.ndarray
    """(N,) strategy index."""
    replication: np.ndarray
    """(N,) replication number."""
    day: np.ndarray
    """(N,) day of the event (days from the scenario start)."""
    city: np.ndarray
    """(N,) city index, -1 for an event of no one city."""
    kind: np.ndarray
    """(N,) index into ``kinds``."""
    detail: np.ndarray
    """(N,) index into ``details``."""
    kinds: tuple[str, ...] = ()
    details: tuple[str, ...] = ()

    COLUMNS = ("strategy", "replication", "day", "city", "kind", "detail")

    @classmethod
    def empty(cls) -> Events:
        """No events."""
        return EventLog().freeze()

    def __len__(self) -> int:
        return len(self.strategy)

    def __iter__(self):
        kinds, details = self.kinds, self.details
        return zip(self.strategy.tolist(), self.replication.tolist(), self.day.tolist(),
                   self.city.tolist(), [kinds[k] for k in self.kind.tolist()],
                   [details[d] for d in self.detail.tolist()], strict=True)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Events) and list(self) == list(other)

    @property
    def nbytes(self) -> int:
        """Bytes of the columns (not counting the kind and detail texts)."""
        return sum(column.nbytes for column in self._columns())

    def _columns(self) -> tuple[np.ndarray, ...]:
        return self.strategy, self.replication, self.day, self.city, self.kind, self.detail

    def before(self, last: int) -> Events:
        """The rows of replications numbered below ``last``."""
        keep = self.replication < last
        return Events(*(column[keep] for column in self._columns()), self.kinds, self.details)

    def of_strategy(self, s: int) -> Events:
        """The rows of strategy index ``s`` (a contiguous run, rows being ordered)."""
        low, high = np.searchsorted(self.strategy, [s, s + 1])
        return Events(*(column[low:high] for column in self._columns()), self.kinds,
                      self.details)


class EventLog:
    """Event-log rows of a batch as they are logged, column by column."""

    def __init__(self) -> None:
        self._columns: tuple[list, ...] = ([], [], [], [], [], [])
        self._kinds: dict[str, int] = {}
        self._details: dict[str, int] = {}

    def add(self, strategies: list[int], replications: int | list[int], day: float,
            cities: int | list[int], kind: str, details: str | list[str]) -> None:
        """One row per element of ``strategies``, all on ``day`` and of ``kind``.

        ``replications``, ``cities`` and ``details`` are each one value shared by
        the rows, or a list of one value per row.
        """
        n = len(strategies)
        strategy, replication, days, city, kinds, detail = self._columns
        strategy.extend(strategies)
        replication.extend(replications if isinstance(replications, list)
                           else [replications] * n)
        days.extend([day] * n)
        city.extend(cities if isinstance(cities, list) else [cities] * n)
        kinds.extend([self._kinds.setdefault(kind, len(self._kinds))] * n)
        codes = self._details
        detail.extend([codes.setdefault(text, len(codes)) for text in details]
                      if isinstance(details, list) else [codes.setdefault(details, len(codes))] * n)

    def __len__(self) -> int:
        return len(self._columns[0])

    def freeze(self) -> Events:
        """The rows as :class:`Events`, by strategy, replication and day."""
        dtypes = (np.int16, np.int64, np.float64, np.int32, np.int32, np.int32)
        # np.fromiter with the count: faster than np.array on lists of ints or floats.
        columns = [np.fromiter(column, dtype, len(column))
                   for column, dtype in zip(self._columns, dtypes, strict=True)]
        # lexsort is stable: same-day events keep the order they happened in.
        order = np.lexsort((columns[2], columns[1], columns[0]))
        return Events(*(column[order] for column in columns), tuple(self._kinds),
                      tuple(self._details))


@dataclass
class BatchResult:
    """What one batch of replications produced."""

    replications: np.ndarray
    """(R,) replication numbers."""
    outcomes: dict[str, np.ndarray]
    """Per-replication outcomes, arrays (S, R, C)."""
    kept: np.ndarray
    """Replication numbers whose trajectories are kept."""
    trajectories: dict[str, np.ndarray]
    """Monthly series, arrays (T, S, K, C) for the kept replications."""
    events: Events
    """Event log (see :class:`Events`)."""
    bands: Bands | None = None
    """Monthly histograms of every replication, for quantile bands."""


class World:
    """Every process of a batch of replications, ready for an engine to drive."""

    def __init__(self, plan: Plan, seed: int, replications: Sequence[int], keep: int):
        self.plan = plan
        self.replications = np.asarray(replications)
        self.streams = [ReplicationStreams(seed, int(r)) for r in self.replications]
        streams = self.streams
        self.params = Parameters(plan, streams)
        S, C = plan.shape
        R = len(self.replications)
        self.zeros = np.zeros((S, R, C))
        self.fiscal_inputs = sample_fiscal(plan, self.params, streams)
        self.fiscal = initial_fiscal_state(self.fiscal_inputs, S)
        self.federal_inputs = federal.sample_federal(plan, self.params, streams)
        self.federal = federal.initial_federal_state(plan, R)
        self.funded_inputs = sample_funded(plan, self.params)
        self.funded = (initial_funded_state(self.funded_inputs, S)
                       if self.funded_inputs is not None else None)
        self.enforcement_inputs = sample_enforcement(plan, self.params, streams,
                                                     self.federal_inputs.occurs)
        self.enforcement = initial_enforcement_state(plan, R)
        self.trust_inputs = sample_trust(plan, self.params, self.enforcement_inputs)
        self.trust = initial_trust_state(self.trust_inputs, S)
        fed = self.federal_inputs
        self.rules = switching.compile_rules(plan)
        self.decisions = switching.initial_decision_state(
            plan, self.rules, R, switching.rescission_months(
                plan, fed.occurs, fed.start_day, fed.rescinded, fed.rescind_day))
        self.legal_inputs = sample_legal(plan, self.params, plan.calendar.start.toordinal())
        self.legal = initial_legal_state(plan, self.legal_inputs, R)
        self.liability_inputs = sample_liability(plan, self.params)
        self.liability = initial_liability_state(plan, R)
        self.events = EventLog()
        self._numbers = self.replications.tolist()
        self._exposed_strategies = np.flatnonzero(plan.exposed).tolist()
        self._processes: list[Generator] = []
        with collector_paused():  # thousands of small objects: see collector_paused
            self._start_processes()
        kept = np.nonzero(self.replications < keep)[0]
        self.recorder = Recorder(plan, R, kept, plan.scenario.scenario.discount_rate,
                                 funded=self.funded is not None)
        self.bands = Bands(plan)

    def _start_processes(self) -> None:
        """The environment, and each replication's :func:`calendar` of dated events.

        The environment starts at the earliest event (a suit may be filed before the
        start).  Events of one day happen in the order they were created: the dated
        events are created here, measures first, then per measure its filings and
        the rescission ending its suits, before any event of the run.
        """
        horizon = self.plan.calendar.start_days[-1]
        measures = federal.measure_dates(self.federal_inputs, horizon)
        filings = suits.filings(self.legal_inputs, self.federal_inputs, self.plan, horizon)
        first = min([0.0, *(day for *_, day in filings)])
        self.env = simpy.Environment(initial_time=first)
        dated: list[list[tuple[float, int, simpy.Event, Callable[[simpy.Event], None]]]] = [
            [] for _ in self.replications]
        for r, m, start, end in measures:
            dated[r].append((start, len(dated[r]), self.at(start),
                             partial(begin_measure, self, r, m)))
            if end is not None:
                dated[r].append((end, len(dated[r]), self.at(end),
                                 partial(rescind_measure, self, r, m)))
        for r, m, g, day in filings:
            happen = (partial(suits.begin_lawsuit, self, r, m, g) if g is not None
                      else partial(suits.ended_by_rescission, self, r, m))
            dated[r].append((day, len(dated[r]), self.at(day), happen))
        for events in dated:
            if events:
                events.sort(key=lambda event: event[:2])
                self.start(calendar([(when, happen) for *_, when, happen in events]))
    def at(self, day: float) -> simpy.Timeout:
        """The event of ``day`` (at once if past), whose value is the day.

        Created now: events of the same day happen in the order they were created.
        """
        return self.env.timeout(max(day - self.env.now, 0.0), value=day)

    def start(self, process: Generator) -> None:
        """Run a process (a generator of events) of one replication in the environment."""
        self._processes.append(process)
        self.env.process(process)

    def finish(self) -> None:
        """Close the processes still waiting when the horizon ends.

        A waiting process holds the world in its frame, and a reference cycle with
        the environment that only the cycle collector frees: closed, it lets go of
        the world, whose arrays would otherwise stay in memory into the next batch.
        """
        for process in self._processes:
            process.close()
        self._processes = []

    def log(self, r: int | np.ndarray, day: float, kind: str, detail: str | list[str] = "",
            city: int | Sequence[int] = -1, strategies: Sequence[int] | None = None) -> None:
        """Add event-log rows, one per strategy (by default every strategy exposed to measures).

        ``r`` (replication index), ``city`` and ``detail`` are each one value
        shared by the rows, or one value per row (arrays or lists as long as
        ``strategies``): an event of one suit names its plaintiffs city by city,
        the month's releases name cells of every replication.
        """
        if strategies is None:
            strategies = self._exposed_strategies
        elif isinstance(strategies, np.ndarray):
            strategies = strategies.tolist()
        numbers = self._numbers[r] if isinstance(r, int) else self.replications[r].tolist()
        if isinstance(city, np.ndarray):
            city = city.tolist()
        elif not isinstance(city, list):
            city = int(city)
        self.events.add(strategies, numbers, float(day), city, kind, detail)

    def tick(self, m: int) -> None:
        """Account for month ``m`` in every strategy, replication and city."""
        accounts = federal.federal_month(self.federal, self.federal_inputs, self.plan, m)
        saving = None
        if self.funded is not None:
            awards, due, share = federal.payments_of_month(self.federal, self.federal_inputs, m)
            R = len(self.replications)
            accounts.update(funded_month(self.funded, self.funded_inputs,
                                         awards.reshape(R, -1), due.reshape(R, -1),
                                         share.reshape(*share.shape[:2], -1),
                                         len(self.plan.cities)))
            saving = accounts["grant_service_lost"]
        level = self.decisions.level
        accounts.update(enforcement_month(self.enforcement, self.enforcement_inputs, level,
                                          self.federal.active, self.plan.exposed, m))
        accounts.update(trust_month(self.trust, self.trust_inputs, level,
                                    accounts["enforcement_intensity"]))
        accounts["compliance_level"] = level
        docket.log_releases(self, m, accounts["federal_restored"])
        legal_cost = legal_costs(self, m)
        liability_cost = liability_month(self, m, accounts.get("unlawful_holds"))
        flows = CostFlows(
            federal_received=accounts["federal_received"],
            federal_restored=accounts["federal_restored"],
            legal_cost=legal_cost,
            compliance_cost=accounts["compliance_cost"],
            liability_cost=liability_cost,
            grant_saving=saving,
        )
        self.fiscal, fiscal_accounts = fiscal_month(self.fiscal, self.fiscal_inputs, m, flows)
        accounts.update(fiscal_accounts)
        if "fund_below_floor" in accounts:
            self._log_fund_floors(m, accounts["fund_below_floor"])
        self.recorder.record(m, accounts)
        self.bands.fold(m, accounts)
        docket.end_of_month(self, m)
        switching.evaluate(self, m, accounts)

    def _log_fund_floors(self, m: int, below: np.ndarray) -> None:
        """Log each reserve fund's falls below its policy floor and recoveries, month ``m``.

        Events, not outcomes: a fund is a level below the city, and the event
        log (strategy, replication, city, fund name as detail) holds it flat.
        """
        previous = self._fund_below if m else np.zeros_like(below)
        day = float(self.plan.calendar.tick_days[m])
        names = self.fiscal_inputs.funds.names
        for kind, change in (("fund_below_floor", below & ~previous),
                             ("fund_restored", previous & ~below)):
            k, s, r, c = np.nonzero(change)
            if len(k):
                self.log(r, day, kind, [names[city][fund] for fund, city
                                        in zip(k.tolist(), c.tolist(), strict=True)],
                         city=c, strategies=s)
        self._fund_below = below

    def result(self) -> BatchResult:
        """Outcomes once every month has been ticked."""
        outcomes = self.recorder.outcomes(self.fiscal.reserves, self.federal.pool.sum(axis=3))
        outcomes.update(litigation_outcomes(self))
        outcomes["trust_end"] = self.trust.index
        start = self.fiscal_inputs.recession_start
        if start is not None:
            came = (start >= 0) & (start < self.plan.calendar.months)
            outcomes["recession"] = np.broadcast_to(
                came[None, :, None].astype(float), self.zeros.shape).copy()
        outcomes.update(switching.outcomes(self))
        return BatchResult(
            replications=self.replications,
            outcomes=outcomes,
            kept=self.replications[self.recorder.kept],
            trajectories=self.recorder.trajectories,
            events=self.events.freeze(),
            bands=self.bands,
        )


def calendar(dated: list[tuple[simpy.Event, Callable[[simpy.Event], None]]]
             ) -> Generator[simpy.Event, float, None]:
    """A replication's dated events, each in its turn.

    Measures take effect or are rescinded, groups file suits (each then a process
    of its own: :func:`sim.model.litigation.suits.lawsuit`), rescissions end the
    measures' suits.  One process a replication, not one a dated event: each
    process costs a few microseconds to make and start.
    """
    for when, happen in dated:
        yield when
        happen(when)


def begin_measure(world: World, r: int, m: int, when: simpy.Event) -> None:
    """Measure ``m`` takes effect in replication ``r``."""
    world.federal.start(r, m)
    world.log(r, when.value, "measure_start", world.plan.measures[m])


def rescind_measure(world: World, r: int, m: int, when: simpy.Event) -> None:
    """Measure ``m`` is rescinded in replication ``r``."""
    world.federal.end(r, m)
    world.log(r, when.value, "measure_rescinded", world.plan.measures[m])


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector while an engine drives a batch.

    Handlers allocate small objects (event rows, suits) by the thousand, and
    each allocation burst makes the collector walk every object of the batch
    again; nothing in a run relies on it, so it waits until the batch is done.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def run_simpy(world: World) -> BatchResult:
    """Drive the world with SimPy: a monthly process accounts for each month at its tick."""
    env = world.env

    def months():
        for m, tick in enumerate(world.plan.calendar.tick_days):
            yield env.timeout(tick - env.now)
            world.tick(m)

    with collector_paused():
        env.run(until=env.process(months()))
    result = world.result()
    world.finish()
    return result
