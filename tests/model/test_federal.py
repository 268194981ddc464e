"""Federal withholding arithmetic, checked against figures computed by hand."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sim
from sim.model import federal
from sim.model.plan import build_plan
from sim.model.reference import run_reference
from sim.model.world import World
from tests.conftest import ONE_CITY, PASS_THROUGH

MILLION = 1e6


def simulate(text: str, replications: int = 2):
    scenario = sim.load(text)
    world = World(build_plan(scenario), scenario.scenario.seed, range(replications), keep=1)
    return run_reference(world)


def strategy(result, name: str) -> int:
    return ["baseline", "sanctuary", "partial", "full"].index(name)


def test_measure_withholds_targeted_grant_from_penalised_level_only():
    """JAG ($1M a month) is withheld from March 2025 to December 2026: 22 months."""
    result = simulate(ONE_CITY)
    withheld = result.outcomes["federal_withheld"][:, 0, 0]
    assert withheld[strategy(result, "sanctuary")] == pytest.approx(22 * MILLION, abs=0.01)
    assert withheld[strategy(result, "baseline")] == 0
    assert withheld[strategy(result, "partial")] == 0
    assert withheld[strategy(result, "full")] == 0


def test_received_counts_monthly_reimbursements_and_advance_awards():
    """Two years of JAG ($24M) less $22M withheld, plus two October CDBG awards ($48M)."""
    result = simulate(ONE_CITY)
    received = result.outcomes["federal_received"][:, 0, 0]
    assert received[strategy(result, "sanctuary")] == pytest.approx(50 * MILLION, abs=0.01)
    assert received[strategy(result, "full")] == pytest.approx(72 * MILLION, abs=0.01)
    cdbg = result.trajectories["federal_received"][:, strategy(result, "full"), 0, 0]
    october = [9, 21]
    assert np.allclose(np.delete(cdbg, october), MILLION)
    assert np.allclose(cdbg[october], 25 * MILLION)


def test_net_fiscal_impact_is_discounted_withholding():
    """With no other costs, the impact is the present value of what is withheld."""
    result = simulate(ONE_CITY)
    months = np.arange(2, 24)
    expected = -MILLION * np.sum(1.03 ** (-(months + 1) / 12))
    impact = result.outcomes["net_fiscal_impact"][strategy(result, "sanctuary"), 0, 0]
    assert impact == pytest.approx(expected, rel=1e-12)


def test_rescission_releases_the_pool_after_the_lag():
    """Rescinded in September: six months withheld, paid back in November."""
    text = ONE_CITY.replace('agencies = ["DOJ"]', 'agencies = ["DOJ"]\nrescind_probability = 1.0\n'
                            "rescind_date = 2025-09-15\nrelease_lag_months = 2")
    result = simulate(text)
    s = strategy(result, "sanctuary")
    restored = result.trajectories["federal_restored"][:, s, 0, 0]
    assert result.outcomes["federal_withheld"][s, 0, 0] == pytest.approx(6 * MILLION)
    assert restored[10] == pytest.approx(6 * MILLION)
    assert np.count_nonzero(restored) == 1
    assert result.outcomes["federal_unresolved"][s, 0, 0] == pytest.approx(0.0, abs=1e-6)


def test_clawback_reclaims_past_payments_when_the_measure_first_hits():
    """Three months of JAG ($3M: December, January, February) are clawed back in March,
    on top of the withholding; December was paid before the start, in full."""
    text = ONE_CITY.replace('agencies = ["DOJ"]', 'agencies = ["DOJ"]\nclawback_months = 3')
    result = simulate(text)
    s = strategy(result, "sanctuary")
    received = result.trajectories["federal_received"][:, s, 0, 0]
    assert received[2] == pytest.approx(-3 * MILLION)
    assert result.outcomes["federal_withheld"][s, 0, 0] == pytest.approx(25 * MILLION)


FUNDING_KINDS = ONE_CITY.replace('payment_lag_months = 0',
                                 'payment_lag_months = 0\nfunding = "formula"') + """
[[city.grant]]
program = "Medicaid"
agency = "HHS"
amount = 3.6e8
funding = "entitlement"
payment_lag_months = 0

[[city.grant]]
program = "Shelter grant"
agency = "DHS"
amount = 1.2e7
funding = "discretionary"
payment_lag_months = 0
"""
"""JAG (formula, $1M a month), CDBG (discretionary by default, advance), Medicaid
(entitlement, $30M a month) and a discretionary shelter grant ($1M a month)."""


@pytest.mark.parametrize(("kind", "reached"), [
    ("executive_order", {"Shelter grant", "CDBG"}),
    ("grant_condition", {"Shelter grant", "CDBG", "JAG"}),
    ("legislation", {"Shelter grant", "CDBG", "JAG", "Medicaid"}),
])
def test_what_a_measure_reaches_depends_on_its_kind_and_the_kind_of_funding(kind, reached):
    """An order aimed at every program withholds only discretionary grants; a grant
    condition also formula grants; only an Act of Congress reaches the entitlement.
    From March 2025 to December 2026 (22 months), $1M a month of each monthly grant
    reached, $30M of Medicaid, and the two October CDBG awards ($24M each)."""
    text = FUNDING_KINDS.replace('kind = "grant_condition"\neffective = 2025-03-10\n'
                                 'agencies = ["DOJ"]', f'kind = "{kind}"\neffective = 2025-03-10')
    result = simulate(text)
    monthly = {"JAG": 1, "Shelter grant": 1, "Medicaid": 30, "CDBG": 0}
    expected = 22 * sum(monthly[p] for p in reached) + 48 * ("CDBG" in reached)
    withheld = result.outcomes["federal_withheld"][strategy(result, "sanctuary"), 0, 0]
    assert withheld == pytest.approx(expected * MILLION, abs=0.01)


def test_an_executive_order_leaves_an_entitlement_untouched():
    """Medicaid ($30M a month, an entitlement) is paid in full under an executive order
    aimed at every federal dollar: only the shelter grant (22 x $1M) and the two CDBG
    awards ($48M) are withheld, and every month at least Medicaid's $30M arrives."""
    text = FUNDING_KINDS.replace('kind = "grant_condition"\neffective = 2025-03-10\n'
                                 'agencies = ["DOJ"]', 'kind = "executive_order"\n'
                                 'effective = 2025-03-10')
    scenario = sim.load(text)
    world = World(build_plan(scenario), scenario.scenario.seed, range(2), keep=1)
    assert not world.plan.targeted[0, 0, world.plan.programs.index("Medicaid")]
    result = run_reference(world)
    s = strategy(result, "sanctuary")
    assert result.outcomes["federal_withheld"][s, 0, 0] == pytest.approx(70 * MILLION)
    assert np.all(result.trajectories["federal_received"][:, s, 0, 0] >= 30 * MILLION)


HUD_MEASURE = ('\n[[measure]]\nname = "HUD conditions"\nkind = "grant_condition"\n'
               'effective = {effective}\nagencies = ["HUD"]\nclawback_months = 3\n'
               'withhold_share = 0.5\n')


@pytest.mark.parametrize(("effective", "month", "clawed"), [
    # Hit in November: the October award ($24M) was paid in the last three months.
    ("2025-11-10", 10, 12 * MILLION),
    # Hit in March 2026: December to February paid nothing of the advance grant.
    ("2026-03-10", 14, 0.0),
    # Hit in December, two months after the October award was paid: still in the window.
    ("2025-12-10", 11, 12 * MILLION),
])
def test_clawback_of_an_advance_grant_takes_the_payments_of_the_last_months(
        effective, month, clawed):
    """An advance grant is paid once a year: a clawback takes half (the share) of the
    award paid in the window, not 3/12 of the annual award ($3M)."""
    text = ONE_CITY.replace('effective = 2025-03-10', 'effective = 2025-03-10\nprobability = 0')
    result = simulate(text + HUD_MEASURE.format(effective=effective))
    s = strategy(result, "sanctuary")
    withheld = result.trajectories["federal_withheld"][:, s, 0, 0]
    assert withheld[month] == pytest.approx(clawed, abs=0.01)
    assert np.count_nonzero(withheld[:month]) == 0


def test_clawback_counts_only_what_was_actually_paid():
    """JAG is withheld from March by the first measure: a second one clawing back three
    months of JAG in June takes half of nothing (March to May paid nothing), not half of
    3/12 of the award ($1.5M)."""
    text = ONE_CITY + ('\n[[measure]]\nname = "Second"\nkind = "executive_order"\n'
                       'effective = 2025-06-10\nprograms = ["JAG"]\n'
                       'clawback_months = 3\nwithhold_share = 0.5\n')
    result = simulate(text)
    s = strategy(result, "sanctuary")
    withheld = result.trajectories["federal_withheld"][:, s, 0, 0]
    assert withheld[5] == pytest.approx(MILLION)  # June's JAG payment, nothing more


def test_withhold_share_and_overlapping_measures_take_the_largest_share():
    """Two measures on one grant: the larger share applies, not the sum."""
    text = ONE_CITY.replace('agencies = ["DOJ"]', 'agencies = ["DOJ"]\nwithhold_share = 0.25')
    text += ('\n[[measure]]\nname = "Second"\nkind = "executive_order"\n'
             'effective = 2026-01-01\nwithhold_share = 0.5\nprograms = ["JAG"]\n')
    result = simulate(text)
    withheld = result.trajectories["federal_withheld"][:, strategy(result, "sanctuary"), 0, 0]
    assert np.allclose(withheld[2:12], 0.25 * MILLION)
    assert np.allclose(withheld[12:], 0.5 * MILLION)


def test_measure_probability_zero_never_happens():
    """A measure with probability zero withholds nothing."""
    text = ONE_CITY.replace('agencies = ["DOJ"]', 'agencies = ["DOJ"]\nprobability = 0.0')
    result = simulate(text, replications=20)
    assert not result.outcomes["federal_withheld"].any()
    assert not result.events


def test_measure_probability_is_respected_on_average():
    """A 30% measure happens in about 30% of replications."""
    text = ONE_CITY.replace('agencies = ["DOJ"]', 'agencies = ["DOJ"]\nprobability = 0.3')
    result = simulate(text, replications=2000)
    happened = result.outcomes["federal_withheld"][1, :, 0] > 0
    assert abs(happened.mean() - 0.3) < 4 * np.sqrt(0.3 * 0.7 / 2000)


def test_measure_targeting_cities_spares_the_others():
    """A measure naming one city does not touch another city's grants."""
    second = ONE_CITY[ONE_CITY.index("[[city]]"):ONE_CITY.index("[[measure]]")]
    text = ONE_CITY.replace('agencies = ["DOJ"]', 'agencies = ["DOJ"]\ncities = ["Springfield"]')
    text = text + second.replace("Springfield", "Shelbyville")
    result = simulate(text)
    withheld = result.outcomes["federal_withheld"][strategy(result, "sanctuary"), 0]
    assert withheld[0] > 0 and withheld[1] == 0


def test_reimbursements_follow_the_status_of_the_month_money_was_spent():
    """Paid two months in arrears: withholding starts in May and outlasts the measure."""
    text = ONE_CITY.replace("payment_lag_months = 0", "payment_lag_months = 2").replace(
        'agencies = ["DOJ"]', 'agencies = ["DOJ"]\nrescind_probability = 1.0\n'
        "rescind_date = 2025-09-15\nrelease_lag_months = 1")
    result = simulate(text)
    s = strategy(result, "sanctuary")
    withheld = result.trajectories["federal_withheld"][:, s, 0, 0]
    restored = result.trajectories["federal_restored"][:, s, 0, 0]
    assert np.flatnonzero(withheld).tolist() == [4, 5, 6, 7, 8, 9]
    assert restored.sum() == pytest.approx(6 * MILLION)
    assert result.outcomes["federal_unresolved"][s, 0, 0] == pytest.approx(0.0, abs=1e-6)


TWO_CITIES_TWO_MEASURES = ONE_CITY.replace(
    'agencies = ["DOJ"]', 'agencies = ["DOJ"]\nwithhold_share = 0.5') + ONE_CITY[
    ONE_CITY.index("[[city]]"):ONE_CITY.index("[[measure]]")].replace(
    "Springfield", "Shelbyville") + (
    '\n[[measure]]\nname = "Second"\nkind = "executive_order"\neffective = 2026-01-01\n'
    'penalises = ["sanctuary", "partial"]\nprograms = ["JAG", "CDBG"]\n')
CHANGE = st.tuples(st.sampled_from(["active", "recognised", "enjoined"]),
                   st.integers(0, 2**16), st.booleans())


@settings(max_examples=40, deadline=None)
@given(st.lists(CHANGE, min_size=1, max_size=12))
def test_refreshing_the_changed_cities_equals_refreshing_every_city(changes):
    """After any events, month by month, the status is as worked out afresh for every city."""
    scenario = sim.load(TWO_CITIES_TWO_MEASURES)
    world = World(build_plan(scenario), scenario.scenario.seed, range(3), keep=0)
    plan, inputs, state = world.plan, world.federal_inputs, world.federal
    for m, (array, where, month_ends) in enumerate(changes):
        values = getattr(state, array)
        cell = np.unravel_index(where % values.size, values.shape)
        values[cell] = (where // values.size) % 3 if array == "recognised" else ~values[cell]
        if month_ends:
            federal._refresh(state, inputs, plan, m)
    federal._refresh(state, inputs, plan, len(changes))
    fresh = federal.initial_federal_state(plan, 3)
    for array in ("active", "recognised", "enjoined"):
        getattr(fresh, array)[...] = getattr(state, array)
    federal._refresh(fresh, inputs, plan, 0)
    for array in ("penalised", "exposed", "hit", "withholding"):
        np.testing.assert_array_equal(getattr(state, array), getattr(fresh, array), array)


def test_state_measure_withholds_the_pass_through_grant_not_a_direct_award():
    """HHS against Illinois (March 2025 on): Springfield's CCDF, passed through the state
    ($1M a month), is withheld for 22 months under every compliance level, full
    cooperation too (the state is the target); its direct HHS award ($2M a month) is not,
    nor Ogdenville's CCDF, which HHS pays it directly."""
    result = simulate(PASS_THROUGH)
    withheld = result.outcomes["federal_withheld"][:, 0, :]
    springfield, ogdenville = 0, 1
    for name in ("sanctuary", "partial", "full"):
        assert withheld[strategy(result, name), springfield] == pytest.approx(22 * MILLION)
        assert withheld[strategy(result, name), ogdenville] == 0
    assert withheld[strategy(result, "baseline")].sum() == 0


def test_state_measure_leaves_cities_of_other_states_untouched():
    """Shelbyville (WI) gets CCDF through Wisconsin: a measure against Illinois and
    Minnesota takes none of it, and its accounts equal the baseline's."""
    result = simulate(PASS_THROUGH)
    shelbyville = 2
    for name in ("sanctuary", "partial", "full"):
        s = strategy(result, name)
        assert result.outcomes["federal_withheld"][s, 0, shelbyville] == 0
        assert result.outcomes["federal_received"][s, 0, shelbyville] == pytest.approx(
            result.outcomes["federal_received"][0, 0, shelbyville])
