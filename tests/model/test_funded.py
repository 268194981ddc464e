"""Grant-funded positions and programs: backfill, cut and absorb, computed by hand.

ONE_CITY, undiscounted: JAG pays $1M a month (reimbursement, no lag) and is
withheld from March 2025 to December 2026 (22 months); half of it pays for 10
officers ($0.5M a month).  CDBG pays its $24M award each October (advance).
"""

import pytest

import sim
from tests.conftest import ONE_CITY, scenario_text

OFFICERS = """
[[city.grant.funds]]
name = "10 officers"
positions = 10
share = 0.5
response = "{response}"
cut_lag_months = 2
absorb_months = 6
then = "{then}"
"""
STRATEGIES = """
[[strategy]]
name = "sanctuary, backfill"
compliance = "sanctuary"
grant_response = "backfill"

[[strategy]]
name = "sanctuary, cut"
compliance = "sanctuary"
grant_response = "cut"
"""


def scenario(response: str = "cut", then: str = "backfill", extra: str = "") -> sim.Scenario:
    text = ONE_CITY.replace("seed = 7", "seed = 7\ndiscount_rate = 0.0")
    text = text.replace("payment_lag_months = 0\n", "payment_lag_months = 0\n"
                        + OFFICERS.format(response=response, then=then), 1)
    return sim.load(scenario_text(text, extra))


def outcomes(result, strategy: str = "sanctuary") -> dict[str, float]:
    rows = result.summary[result.summary["strategy"] == strategy]
    return dict(zip(rows["metric"], rows["mean"], strict=True))


@pytest.mark.parametrize(("response", "then", "backfill", "lost", "positions"), [
    # 22 months of $0.5M: all backfilled.
    ("backfill", "backfill", 11e6, 0.0, 0.0),
    # Backfilled for the 2 months of the cut lag, then 20 months cut.
    ("cut", "backfill", 1e6, 10e6, 10.0),
    # Absorbed 6 months, then backfilled 16.
    ("absorb", "backfill", 8e6, 3e6, 0.0),
    # Absorbed 6 months, then cut (the cut lag of 2 is over): 16 months cut.
    ("absorb", "cut", 0.0, 11e6, 10.0),
], ids=["backfill", "cut", "absorb-backfill", "absorb-cut"])
def test_backfill_cut_and_absorb_cost_and_cut_as_computed_by_hand(response, then, backfill,
                                                                   lost, positions):
    """The general fund pays what is backfilled; what is cut or absorbed is spending saved."""
    got = outcomes(sim.run(scenario(response, then), workers=1, replications=2))
    assert got["grant_backfill"] == pytest.approx(backfill, abs=0.01)
    assert got["grant_service_lost"] == pytest.approx(lost, abs=0.01)
    assert got["grant_positions_cut"] == pytest.approx(positions)
    # The JAG loss, less the spending stopped.
    assert got["net_fiscal_impact"] == pytest.approx(-22e6 + lost, abs=0.01)


def test_a_strategy_chooses_the_response_for_every_item_of_its_cities():
    """'sanctuary, backfill' and 'sanctuary, cut' compare the two responses on one run."""
    chosen = scenario("absorb", extra=STRATEGIES).with_values(
        {"scenario.strategies": ["sanctuary", "sanctuary, backfill", "sanctuary, cut"]})
    result = sim.run(chosen, workers=1, replications=2)
    assert outcomes(result, "sanctuary")["grant_service_lost"] == pytest.approx(3e6)
    assert outcomes(result, "sanctuary, backfill")["grant_backfill"] == pytest.approx(11e6)
    cut = outcomes(result, "sanctuary, cut")
    assert (cut["grant_backfill"], cut["grant_service_lost"]) == pytest.approx((1e6, 10e6))
    assert outcomes(result, "baseline")["grant_positions_cut"] == 0.0


def test_an_advance_award_withheld_leaves_the_program_unpaid_for_the_year():
    """CDBG's October 2026 award is withheld: its program is cut from October to December."""
    text = ONE_CITY.replace("seed = 7", "seed = 7\ndiscount_rate = 0.0").replace(
        "award_month = 10\n", "award_month = 10\n[[city.grant.funds]]\nname = \"housing\"\n"
        "response = \"cut\"\ncut_lag_months = 0\n", 1)
    extra = ('\n[[measure]]\nname = "HUD"\nkind = "grant_condition"\n'
             'effective = 2026-01-01\nagencies = ["HUD"]\n')
    got = outcomes(sim.run(sim.load(scenario_text(text, extra)), workers=1, replications=1))
    # 3 months (October to December 2026) of $2M a month.
    assert got["grant_service_lost"] == pytest.approx(6e6)
    assert got["grant_positions_cut"] == 0.0


def test_shares_beyond_the_whole_grant_and_repeated_names_are_refused():
    text = ONE_CITY.replace("payment_lag_months = 0\n", "payment_lag_months = 0\n"
                            + OFFICERS.format(response="cut", then="cut")
                            + OFFICERS.format(response="cut", then="cut").replace(
                                "10 officers", "more officers").replace("0.5", "0.6"), 1)
    with pytest.raises(sim.ScenarioError, match="shares add up to more than the whole grant"):
        sim.load(text)
    with pytest.raises(sim.ScenarioError, match="two entries are named '10 officers'"):
        sim.load(text.replace("more officers", "10 officers"))


def test_without_funded_items_there_are_no_grant_outcomes(one_city):
    """A scenario naming nothing a grant pays for runs as before: no new columns."""
    result = sim.run(one_city, workers=1, replications=2)
    assert "grant_backfill" not in result.replications


@pytest.mark.parametrize(("response", "backfill", "lost"), [
    # 20 months cut: the officers' whole cost stops, $0.5M of grant and the city's $1/6M.
    ("cut", 1e6, 20 * 0.5e6 / 0.75),
    # Absorbing covers the grant money only; the city keeps paying its match.
    ("absorb", 8e6, 3e6),
], ids=["cut", "absorb-backfill"])
def test_a_local_match_is_saved_when_positions_are_cut(response, backfill, lost):
    """COPS Hiring pays at most 75%: with local_match = 0.25 a cut saves the match too."""
    matched = scenario(response).with_values(
        {"city[0].grant[JAG].funds[0].local_match": 0.25})
    got = outcomes(sim.run(matched, workers=1, replications=2))
    assert got["grant_backfill"] == pytest.approx(backfill, abs=0.01)
    assert got["grant_service_lost"] == pytest.approx(lost, abs=0.01)
    assert got["net_fiscal_impact"] == pytest.approx(-22e6 + lost, abs=0.01)
