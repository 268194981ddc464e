"""Adaptive strategies: rules that switch a city's compliance level, with lags.

A strategy starts every city it covers at its compliance level and may carry
rules (``[[strategy.rule]]``).  At the end of each month every rule is
evaluated for every replication and city at once: its condition (reserves
below the floor, funds withheld, a measure in force or rescinded, an
injunction lost, a final court loss) must have held for ``months``
consecutive months.  Rules are taken in the order written; the first that
fires for a city decides the switch, and no other rule fires for that city
until the switch has happened.

A switch is a SimPy process of two steps (:func:`switch`): the new level
takes effect at the start of the month ``lag_months`` after the month the
rule fired (the ordinance passes; from then the jail follows it, and
enforcement and trust see it), and federal agencies recognise it
``eligibility_lag_months`` later (from then withholding follows it, and
withheld funds are released after the measure's release lag).  The *actual*
level (:attr:`DecisionState.level`) and the *recognised* level
(``FederalState.recognised``) are kept apart for that reason.

Rules only read state and start switches, so both engines (the monthly SimPy
process and the plain monthly loop) see the same switches on the same days.
Rules need no random numbers.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import simpy

from sim.model.enforcement import aimed_at
from sim.model.plan import LEVEL, Plan
from sim.scenario import COMPLIANCE_LEVELS

if TYPE_CHECKING:
    from sim.model.world import World


@dataclass(frozen=True)
class CompiledSwitchRule:
    """One rule of one strategy, with names turned into array indices."""

    strategy: int
    """Index of the strategy on the strategy axis."""
    when: str
    months: int
    measure: int | None
    """Index of the measure watched (None: any measure aimed at the city)."""
    switch_to: int
    lag: int
    once: bool
    label: str
    """Short description for the event log."""


@dataclass(frozen=True)
class SwitchRules:
    """Every rule of the strategies run, and which cities each strategy covers."""

    rules: tuple[CompiledSwitchRule, ...]
    adopters: np.ndarray
    """(S, C) whether the strategy covers the city (never the baseline)."""
    aimed: np.ndarray
    """(M, C) whether each measure is aimed at each city."""


def compile_rules(plan: Plan) -> SwitchRules:
    """Rules of the plan's strategies as arrays and indices."""
    table = plan.scenario.strategy_table()
    adopters = np.zeros(plan.shape, dtype=bool)
    compiled = []
    for s, name in enumerate(plan.strategies[1:], start=1):
        strategy = table[name]
        adopters[s] = [not strategy.cities or c in strategy.cities for c in plan.cities]
        for rule in strategy.rule:
            what = rule.when if rule.measure is None else f"{rule.when} ({rule.measure})"
            compiled.append(CompiledSwitchRule(
                strategy=s, when=rule.when, months=rule.months,
                measure=None if rule.measure is None else plan.measures.index(rule.measure),
                switch_to=LEVEL[rule.switch_to], lag=rule.lag_months, once=rule.once,
                label=f"{what} for {rule.months} month(s) -> {rule.switch_to}"))
    return SwitchRules(rules=tuple(compiled), adopters=adopters, aimed=aimed_at(plan))


@dataclass
class DecisionState:
    """Compliance levels in force and the rules' memory; updated in place."""

    level: np.ndarray
    """(S, R, C) actual compliance level: what the jail does."""
    pending: np.ndarray
    """(S, R, C) a switch has been decided and has not yet taken effect."""
    streak: np.ndarray
    """(K, R, C) consecutive months each rule's condition has held."""
    fired: np.ndarray
    """(K, R, C) whether each rule has fired."""
    switches: np.ndarray
    """(S, R, C) switches that took effect."""
    first_switch: np.ndarray
    """(S, R, C) month the first switch took effect (the horizon if none)."""
    rescinded_from: np.ndarray
    """(R, M) month from which each measure counts as rescinded (the horizon if never)."""


def initial_decision_state(plan: Plan, rules: SwitchRules, replications: int,
                           rescinded_from: np.ndarray) -> DecisionState:
    """Every city at its strategy's starting level; no rule has fired."""
    S, C = plan.shape
    K, T = len(rules.rules), plan.calendar.months
    return DecisionState(
        level=np.broadcast_to(plan.level0[:, None, :], (S, replications, C)).astype(
            np.int8, order="C"),  # order "K" would copy the broadcast's (S, C, R) layout
        pending=np.zeros((S, replications, C), dtype=bool),
        streak=np.zeros((K, replications, C), dtype=np.int32),
        fired=np.zeros((K, replications, C), dtype=bool),
        switches=np.zeros((S, replications, C), dtype=np.int32),
        first_switch=np.full((S, replications, C), float(T)),
        rescinded_from=rescinded_from,
    )


def rescission_months(plan: Plan, occurs: np.ndarray, start_day: np.ndarray,
                      rescinded: np.ndarray, rescind_day: np.ndarray) -> np.ndarray:
    """(R, M) month a measure's rescission takes effect, as its event does; T if never."""
    cal = plan.calendar
    T, horizon = cal.months, cal.start_days[-1]
    day = np.maximum(rescind_day, start_day)
    happens = occurs & rescinded & (start_day < horizon) & (day < horizon)
    month = np.searchsorted(cal.start_days, day, side="right") - 1
    return np.where(happens, month, T)


def condition(world: World, rule: CompiledSwitchRule, m: int,
              accounts: dict[str, np.ndarray]) -> np.ndarray:
    """(R, C) whether the rule's condition holds this month under its strategy."""
    s = rule.strategy
    if rule.when == "reserves_below_floor":
        return accounts["below_floor"][s]
    if rule.when == "funds_withheld":
        hit = world.federal.hit[s]
        return hit.any(axis=-1) if rule.measure is None else hit[..., rule.measure]
    if rule.when == "injunction_lost":
        return world.legal.lost_injunction[s]
    if rule.when == "final_loss":
        return world.legal.final_loss[s]
    if rule.when == "measure_in_force":
        status = world.federal.active
    else:
        status = world.decisions.rescinded_from <= m
    aimed = world.rules.aimed
    if rule.measure is not None:
        return status[:, rule.measure, None] & aimed[rule.measure][None]
    return (status[:, :, None] & aimed[None]).any(axis=1)


def evaluate(world: World, m: int, accounts: dict[str, np.ndarray]) -> None:
    """Evaluate every rule at the end of month ``m``; schedule the switches that fire."""
    state, rules = world.decisions, world.rules
    starts = world.plan.calendar.start_days
    tick = float(world.plan.calendar.tick_days[m])
    for k, rule in enumerate(rules.rules):
        s = rule.strategy
        holds = condition(world, rule, m, accounts)
        state.streak[k] = np.where(holds, state.streak[k] + 1, 0)
        fire = (rules.adopters[s][None] & (state.streak[k] >= rule.months)
                & ~state.pending[s] & (state.level[s] != rule.switch_to))
        if rule.once:
            fire &= ~state.fired[k]
        if not fire.any():
            continue
        state.pending[s] |= fire
        state.fired[k] |= fire
        effective = m + rule.lag
        for r, c in zip(*np.nonzero(fire), strict=True):
            world.log(int(r), tick, "switch_decided", rule.label, city=int(c), strategies=[s])
            if effective < len(starts) - 1:
                world.start(switch(world, int(r), s, int(c), rule.switch_to,
                                   world.at(float(starts[effective]))))


def switch(world: World, r: int, s: int, c: int, level: int,
           effective: simpy.Event) -> Generator[simpy.Event, float, None]:
    """City ``c`` adopts compliance ``level`` at ``effective``, then agencies recognise it.

    Strategy ``s``, replication ``r``; recognition comes after the strategy's
    eligibility lag.
    """
    day = yield effective
    state = world.decisions
    before = int(state.level[s, r, c])
    state.level[s, r, c] = level
    state.pending[s, r, c] = False
    state.switches[s, r, c] += 1
    month = world.plan.calendar.month_of_day(day)
    state.first_switch[s, r, c] = min(state.first_switch[s, r, c], month)
    world.log(r, day, "compliance_switch",
              f"{COMPLIANCE_LEVELS[before]} -> {COMPLIANCE_LEVELS[level]}", city=c,
              strategies=[s])
    recognised = month + int(world.plan.eligibility_lag[s])
    starts = world.plan.calendar.start_days
    if recognised >= len(starts) - 1:
        return
    day = yield world.at(max(float(starts[recognised]), day))
    world.federal.recognise(s, r, c, level)
    world.log(r, day, "compliance_recognised",
              f"agencies treat the city as {COMPLIANCE_LEVELS[level]}", city=c, strategies=[s])


def outcomes(world: World) -> dict[str, np.ndarray]:
    """Per-replication switch outcomes, arrays (S, R, C)."""
    state = world.decisions
    return {
        "strategy_switches": state.switches.astype(float),
        "switched": (state.switches > 0).astype(float),
        "months_before_switch": state.first_switch,
    }
