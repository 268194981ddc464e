"""Reserve funds against their floors, read back from the event log."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

import sim
from sim.results.funds import fund_floors
from tests.model.test_fiscal import funds_city


def test_spells_below_a_floor_add_up_and_an_open_spell_runs_to_the_horizon():
    """Two replications of a 2-year run: one below from month 3 to 5 and again from
    month 20 (open: 4 months), one never: 6 months and 0, probability 1/2."""
    scenario = funds_city([{"name": "Unassigned", "floor": 0.05},
                           {"name": "Rainy day", "balance": 1e7, "floor": 0.01}])
    def row(month: int, kind: str) -> dict:
        return {"strategy": "sanctuary", "replication": 0, "city": "Springfield",
                "date": pd.Timestamp(dt.date(2025 + month // 12, month % 12 + 1, 28)),
                "kind": kind, "detail": "Rainy day"}
    events = pd.DataFrame([row(3, "fund_below_floor"), row(5, "fund_restored"),
                           row(20, "fund_below_floor")])
    table = fund_floors(events, scenario, ["baseline", "sanctuary"], 2).set_index(
        ["strategy", "fund"])
    assert table.loc[("sanctuary", "Rainy day"), "below_floor"] == 0.5
    assert table.loc[("sanctuary", "Rainy day"), "months_below"] == 3.0
    assert table.loc[("sanctuary", "Rainy day"), "floor"] == 0.01
    assert table.loc[("baseline", "Rainy day"), "below_floor"] == 0.0
    assert table.loc[("sanctuary", "Unassigned"), "months_below"] == 0.0


def test_run_result_funds_match_the_city_floor_of_a_deficit_city():
    """$10M a month short: the first fund is below its floor exactly when the city is
    below its floor (the sum of the funds' floors), the second fund later."""
    scenario = funds_city(
        [{"name": "Unassigned", "floor": 0.05},
         {"name": "Stabilization", "balance": 5e7, "floor": 0.02}],
        **{"city[0].budget.own_source_revenue": 1.2e9 - 1.2e8, "city[0].budget.reserves": 2e8,
           "city[0].budget.gap_closing": {"order": [], "borrowing_limit": 0.0}})
    result = sim.run(scenario, replications=2, workers=1)
    funds = result.funds.set_index(["strategy", "fund"])
    months = result.summary.set_index(["strategy", "metric"]).loc[
        ("baseline", "months_below_floor"), "mean"]
    assert funds.loc[("baseline", "Unassigned"), "months_below"] == pytest.approx(months)
    assert 0 < funds.loc[("baseline", "Stabilization"), "months_below"] < months
    assert funds["below_floor"].eq(1.0).all()


def test_no_funds_no_rows(one_city):
    """A city without funds is one pool: no fund rows, no events read."""
    assert sim.run(one_city, replications=2, workers=1).funds.empty
