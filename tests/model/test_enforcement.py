"""Enforcement: detainers, holds, transfers, at-large arrests and compliance costs."""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.model.enforcement import (
    EnforcementState,
    enforcement_month,
    initial_enforcement_state,
)
from sim.model.plan import build_plan
from sim.model.reference import run_reference
from sim.model.world import World
from tests.conftest import ONE_CITY

JAIL = """
[city.enforcement]
bookings_per_month = 2000
noncitizen_share = 0.2
detainer_rate = 0.1
judicial_warrant_share = 0.05
serious_offence_share = 0.3
at_large_rate = 120.0
hold_days = 2
bed_day_cost = 150
notification_cost = 50
pickup_share = 0.4
followup_share = 0.25
agreement_staff = 3
staff_cost = 120000
agreement_setup_cost = 300000
"""
"""40 detainers a month (2 with a judicial warrant, 11.4 serious, 26.6 other);
100 community arrests a month among the 100,000 x 10% immigrant residents."""

WITH_JAIL = ONE_CITY.replace("[city.budget]", "immigrant_share = 0.1\n" + JAIL + "[city.budget]")
BASELINE, SANCTUARY, PARTIAL, FULL = range(4)


def run(text: str, replications: int = 40, years: int | None = None):
    if years is not None:
        text = text.replace("years = 2", f"years = {years}")
    scenario = sim.load(text)
    world = World(build_plan(scenario), scenario.scenario.seed, range(replications),
                  keep=replications)
    return run_reference(world)


def monthly(result, name: str) -> np.ndarray:
    """(T, S, R) series of the single city."""
    return result.trajectories[name][..., 0]


def test_detainer_counts_match_their_poisson_means():
    """Over 4,800 city-months, mean detainers by policy are within 4 standard errors."""
    result = run(WITH_JAIL, replications=40, years=10)
    cells = 40 * 120
    expected = {SANCTUARY: 40 * 0.05, PARTIAL: 40 * (0.05 + 0.95 * 0.3), FULL: 40.0}
    received = monthly(result, "detainers_received")
    assert received[:, SANCTUARY].mean() == pytest.approx(40, abs=4 * np.sqrt(40 / cells))
    for s, mean in expected.items():
        honoured = monthly(result, "detainers_honoured")[:, s]
        assert honoured.mean() == pytest.approx(mean, abs=4 * np.sqrt(mean / cells))
        assert np.allclose(monthly(result, "transfers")[:, s], 0.4 * honoured)
    arrests = monthly(result, "at_large_arrests")[:, FULL]
    assert arrests.mean() == pytest.approx(100, abs=4 * np.sqrt(100 / cells))


def test_every_strategy_sees_the_same_detainers():
    """Common random numbers: detainers lodged do not depend on the strategy."""
    received = monthly(run(WITH_JAIL), "detainers_received")
    for s in range(1, 4):
        assert np.array_equal(received[:, s], received[:, BASELINE])


def test_sanctuary_honours_no_detainer_without_a_judicial_warrant():
    """With the default (no judicial warrants), sanctuary honours nothing and holds no one."""
    result = run(WITH_JAIL.replace("judicial_warrant_share = 0.05\n", ""))
    assert monthly(result, "detainers_received")[:, SANCTUARY].sum() > 0
    for name in ("detainers_honoured", "unlawful_holds", "transfers", "compliance_cost"):
        assert np.all(monthly(result, name)[:, SANCTUARY] == 0), name


def test_holds_without_a_judicial_warrant_are_counted_as_unlawful():
    """Full cooperation holds everyone; only warrant-backed holds are lawful."""
    result = run(WITH_JAIL)
    inputs_warrant = monthly(result, "detainers_honoured")[:, SANCTUARY]
    for s in (PARTIAL, FULL):
        unlawful = monthly(result, "unlawful_holds")[:, s]
        honoured = monthly(result, "detainers_honoured")[:, s]
        assert np.array_equal(unlawful, honoured - inputs_warrant)
    assert np.all(monthly(result, "unlawful_holds")[:, SANCTUARY] == 0)


def test_holds_are_lawful_in_the_fifth_circuit_and_bring_no_damages():
    """City of El Cenizo v. Texas: the same holds in Texas are lawful, so no claims accrue."""
    texas = WITH_JAIL.replace('state = "IL"', 'state = "TX"')
    claims = "[litigation.liability]\nclaim_probability = 0.5\npayout_lag_months = 0\n"
    illinois, in_texas = run(WITH_JAIL + claims), run(texas + claims)
    for s in (PARTIAL, FULL):
        held = monthly(in_texas, "detainers_honoured")[:, s]
        assert np.array_equal(held, monthly(illinois, "detainers_honoured")[:, s])
        assert held.sum() > 0 and np.all(monthly(in_texas, "unlawful_holds")[:, s] == 0)
        assert monthly(illinois, "unlawful_holds")[:, s].sum() > 0
    paid = {name: result.outcomes["liability_cost"][FULL].sum()
            for name, result in (("IL", illinois), ("TX", in_texas))}
    assert paid["IL"] > 0 and paid["TX"] == 0
    everywhere = run(texas + claims + "lawful_in = []\n")
    assert np.array_equal(monthly(everywhere, "unlawful_holds")[:, FULL],
                          monthly(illinois, "unlawful_holds")[:, FULL])


def test_compliance_cost_adds_holds_staff_and_set_up():
    """Full: each hold costs 2 x $150 + $50; staff $30,000 a month; $300,000 set-up once."""
    result = run(WITH_JAIL, replications=3)
    for s in (SANCTUARY, PARTIAL, FULL):
        honoured = monthly(result, "detainers_honoured")[:, s]
        staff = 30_000.0 if s == FULL else 0.0
        expected = honoured * 350.0 + staff
        if s == FULL:
            expected[0] += 300_000.0
        assert np.allclose(monthly(result, "compliance_cost")[:, s], expected, rtol=1e-12)


NOTIFYING = WITH_JAIL.replace("seed = 7", 'seed = 7\nstrategies = ["notify_serious", "notify"]')
NOTIFY_SERIOUS, NOTIFY = 1, 2


def test_notification_levels_hold_no_one_and_hand_people_over_at_the_door():
    """notify_serious answers the serious-offence detainers with a notification, notify
    every detainer: no holds beyond the warrant-backed ones, no unlawful holds, transfers
    at the pick-up share of warrants and notifications, $50 a notification ($350 a
    warrant hold), and follow-up arrests only after detainers neither held nor notified."""
    scenario = sim.load(NOTIFYING)
    world = World(build_plan(scenario), scenario.scenario.seed, range(3), keep=3)
    result = run_reference(world)
    warrant, serious, other = world.enforcement_inputs.detainers[:, :, :, 0].astype(float)
    assert serious.sum() > 0 and other.sum() > 0
    for s, notified in ((NOTIFY_SERIOUS, serious), (NOTIFY, serious + other)):
        assert np.array_equal(monthly(result, "detainers_honoured")[:, s], warrant)
        assert not monthly(result, "unlawful_holds")[:, s].any()
        assert np.allclose(monthly(result, "transfers")[:, s], 0.4 * (warrant + notified))
        assert np.allclose(monthly(result, "compliance_cost")[:, s],
                           warrant * 350.0 + notified * 50.0)
    arrests = monthly(result, "at_large_arrests")
    assert np.allclose(arrests[:, NOTIFY_SERIOUS] - arrests[:, BASELINE], -0.25 * serious)
    assert np.allclose(arrests[:, NOTIFY] - arrests[:, BASELINE], -0.25 * (serious + other))


def test_compliance_costs_are_spent_from_the_budget():
    """Full cooperation (spared by the measure) ends with reserves lower by its extra cost."""
    result = run(WITH_JAIL, replications=3)
    cost = result.outcomes["compliance_cost"][FULL, :, 0] - result.outcomes["compliance_cost"][
        BASELINE, :, 0]
    gap = result.outcomes["reserves_end"][BASELINE, :, 0] - result.outcomes["reserves_end"][
        FULL, :, 0]
    assert np.allclose(gap, cost, rtol=1e-9)


def test_no_set_up_cost_where_an_agreement_is_already_in_force():
    """A city whose current policy is full pays staff but no set-up cost."""
    text = WITH_JAIL.replace("population = 100000", 'population = 100000\ncurrent_policy = "full"')
    result = run(text, replications=2)
    cost = monthly(result, "compliance_cost")[:, FULL]
    honoured = monthly(result, "detainers_honoured")[:, FULL]
    assert np.allclose(cost, honoured * 350.0 + 30_000.0)


def test_surge_raises_at_large_arrests_only_where_detainers_are_declined():
    """A threefold surge from March 2025 adds twice the routine arrests, except under full."""
    text = WITH_JAIL.replace('agencies = ["DOJ"]', 'agencies = ["DOJ"]\nenforcement_surge = 3')
    result = run(text, replications=40, years=4)
    arrests = monthly(result, "at_large_arrests")
    extra = arrests[:, SANCTUARY] - arrests[:, BASELINE]
    assert np.all(extra[:2] == 0)
    assert extra[2:].mean() == pytest.approx(200, abs=4 * np.sqrt(200 / extra[2:].size))
    declined = monthly(result, "detainers_received") - monthly(result, "detainers_honoured")
    followups = 0.25 * (declined[:, PARTIAL] - declined[:, BASELINE])
    assert np.allclose(arrests[:, PARTIAL] - arrests[:, BASELINE] - followups, extra)
    assert np.allclose(arrests[:, FULL] + 0.25 * declined[:, BASELINE], arrests[:, BASELINE])


def test_surge_ends_when_the_measure_is_rescinded():
    """Rescinded in September 2025: no surge arrests from then on."""
    text = WITH_JAIL.replace('agencies = ["DOJ"]', 'agencies = ["DOJ"]\nenforcement_surge = 2\n'
                             'rescind_probability = 1\nrescind_date = 2025-09-15')
    arrests = monthly(run(text, replications=5), "at_large_arrests")
    extra = arrests[:, SANCTUARY] - arrests[:, BASELINE]
    assert extra[2:8].sum() > 0
    assert np.all(extra[8:] == 0)


def test_defaults_scale_detainers_with_population():
    """Without a jail table: national booking rate, non-citizens from the immigrant share."""
    result = run(ONE_CITY.replace("population = 100000", "population = 100000\n"
                                  "immigrant_share = 0.2"), replications=40, years=10)
    mean = 100_000 * 7.3e6 / 333.2e6 / 12 * 0.2 * 0.462 * 0.11
    received = monthly(result, "detainers_received")[:, BASELINE]
    assert received.mean() == pytest.approx(mean, abs=4 * np.sqrt(mean / received.size))


def test_a_month_after_a_switch_or_a_new_measure_equals_a_fresh_one():
    """Levels or measures changed in place between months are noticed, month by month."""
    scenario = sim.load(WITH_JAIL)
    world = World(build_plan(scenario), scenario.scenario.seed, range(5), keep=0)
    inputs, level = world.enforcement_inputs, world.decisions.level
    active, exposed = world.federal.active, world.plan.exposed
    state = initial_enforcement_state(world.plan, 5)
    enforcement_month(state, inputs, level, active, exposed, 0)
    for m, change in enumerate([lambda: level.__setitem__((SANCTUARY, slice(2, None)), 2),
                                lambda: active.__setitem__(slice(1, None), True)], start=1):
        change()
        fresh = EnforcementState(agreement=state.agreement.copy())
        again = enforcement_month(state, inputs, level, active, exposed, m)
        expected = enforcement_month(fresh, inputs, level, active, exposed, m)
        for name, values in expected.items():
            assert again[name].tobytes() == values.tobytes(), (m, name)
