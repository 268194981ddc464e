"""Simulated suits read back from the event log, and the forecasts they make."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

import sim
from sim.analysis import lawsuits
from tests.conftest import scenario_text

START = dt.date(2025, 1, 1)
MEASURES = ["Conditions", "Conditions II"]  # the first name begins the second
GROUPS = ["Coalition", "Alpha", "Beta", "Gamma"]


def events(rows):
    """An event log from (replication, day, city, kind, detail) rows."""
    return pd.DataFrame(
        [{"strategy": "sanctuary", "replication": r, "date": pd.Timestamp(START) +
          pd.Timedelta(days=d), "city": c, "kind": k, "detail": t} for r, d, c, k, t in rows])


LOG = events([
    (0, 10, "Alpha", "suit_filed", "Conditions; Alpha"),
    (0, 40, "Alpha", "injunction_denied", "Conditions; Alpha"),
    (0, 200, "Alpha", "merits_won", "Conditions; Alpha"),
    (0, 12, "Beta", "suit_filed", "Conditions II; Beta"),
    (0, 20, "Alpha", "suit_filed", "Conditions II; Coalition"),
    (0, 20, "Beta", "suit_filed", "Conditions II; Coalition"),
    (0, 50, "", "injunction_granted", "Conditions II; Coalition"),
    (0, 60, "Gamma", "suit_joined", "Conditions II; Coalition"),
    (0, 90, "Gamma", "injunction_extended", "Conditions II; Coalition"),
    (0, 30, "Alpha", "measure_start", "Conditions"),
])


def test_each_suit_has_its_filing_and_first_relief():
    """A denied motion is not relief; the merits win is. A suit without relief has NaN."""
    table = lawsuits.suits(LOG, MEASURES, GROUPS, START).set_index(["measure", "suit"])
    assert table.loc[("Conditions", "Alpha"), ["filed", "relief"]].tolist() == [10.0, 200.0]
    assert table.loc[("Conditions II", "Coalition"), ["filed", "relief"]].tolist() == [20.0, 50.0]
    assert np.isnan(table.loc[("Conditions II", "Beta"), "relief"])
    assert len(table) == 3  # one row per suit, not per plaintiff


def test_late_plaintiffs_are_relieved_by_the_extension():
    """Gamma joined on day 60 and the injunction reached it on day 90."""
    late = lawsuits.late_plaintiffs(LOG, MEASURES, GROUPS, START)
    assert late[["city", "joined", "relieved"]].values.tolist() == [["Gamma", 60.0, 90.0]]
    assert lawsuits.extension_days(late).tolist() == [30.0]


def test_a_late_plaintiff_joining_before_any_injunction_is_relieved_at_the_ruling():
    """No injunction in force at the extension: relief comes with the next ruling won."""
    log = events([
        (0, 20, "Alpha", "suit_filed", "Conditions; Coalition"),
        (0, 30, "Gamma", "suit_joined", "Conditions; Coalition"),
        (0, 95, "", "injunction_granted", "Conditions; Coalition"),
    ])
    late = lawsuits.late_plaintiffs(log, MEASURES, GROUPS, START)
    assert lawsuits.extension_days(late).tolist() == [65.0]


def test_relief_probability_counts_only_suits_followed_long_enough():
    """Suits filed too close to the horizon to be followed for the window are left out."""
    table = pd.DataFrame({"filed": [0.0, 0.0, 0.0, 900.0], "relief": [20.0, 100.0, np.nan, 905.0]})
    p, n = lawsuits.relief_probability(table, within=50, horizon=1000)
    assert (p, n) == (pytest.approx(2 / 4), 4)  # 20 and 5 days are within 50
    p, n = lawsuits.relief_probability(table, within=200, horizon=1000)
    assert (p, n) == (pytest.approx(2 / 3), 3)


def test_relief_probability_can_be_conditioned_on_a_pending_suit():
    """Pending 30 days after filing: the suit relieved on day 20 no longer counts."""
    table = pd.DataFrame({"filed": [0.0, 0.0, 0.0], "relief": [20.0, 100.0, np.nan]})
    p, n = lawsuits.relief_probability(table, within=150, horizon=1000, pending=30)
    assert (p, n) == (pytest.approx(1 / 2), 2)
    assert lawsuits.relief_days(table, pending=30).tolist() == [100.0]
    assert lawsuits.relief_probability(table.iloc[:0], 10, 1000) == (pytest.approx(np.nan,
                                                                                   nan_ok=True), 0)


def test_a_run_logs_the_suits_as_the_scenario_fixes_them():
    """A coalition enjoined after exactly 76 days reads back as relief 76 days after filing."""
    text = scenario_text(extra="""
        [[city]]
        name = "Shelbyville"
        state = "IL"
        fiscal_year_start = 7
        population = 50000
        [city.budget]
        expenditure = 6e8
        reserves = 5e7
        [[city.grant]]
        program = "JAG"
        agency = "DOJ"
        amount = 1e6
        tags = ["law_enforcement"]
        [[litigation.coalition]]
        name = "Springfield v. Trump"
        members = ["Springfield"]
        late_members = [{ city = "Shelbyville", join_after_days = 30 }]
        extension_days = 44
        filing_delay_days = 5
        [litigation.coalition.courts.preliminary_injunction]
        taken = 1.0
        probability = 1.0
        days = 76
    """).replace("strategies = []", "")
    scenario = sim.load(text)
    result = sim.run(scenario, replications=4, workers=1, strategies=["sanctuary"])
    groups = ["Springfield v. Trump", "Springfield", "Shelbyville"]
    table = lawsuits.suits(result.events, ["DOJ conditions"], groups, scenario.scenario.start)
    assert len(table) == 4
    assert (table["relief"] - table["filed"]).tolist() == [76.0] * 4
    late = lawsuits.late_plaintiffs(result.events, ["DOJ conditions"], groups,
                                    scenario.scenario.start)
    assert lawsuits.extension_days(late).tolist() == [76.0 - 30.0] * 4
