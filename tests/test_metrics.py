"""The metrics catalogue is the one list of outcomes (sim/metrics.py)."""

from __future__ import annotations

import sim
from sim.engine.runner import _size, settle, simulate
from sim.metrics import GRANT_FUNDS, METRICS, RECESSION, TERMINATIONS
from sim.model.world import FLOW_TOTALS, MONTHLY_MEANS
from tests.conftest import ONE_CITY

TERMINATED = """
[[measure]]
name = "Grants terminated"
kind = "termination"
effective = 2025-03-01
agencies = ["DOJ"]
"""


def featured(one_city: sim.Scenario) -> dict[str, sim.Scenario]:
    """The one-city scenario as it is, with a grant-funded item, with a recession and with
    a measure terminating grants."""
    funded = one_city.with_values({"city[0].grant[0].funds": [{"name": "officers",
                                                               "positions": 3}]})
    in_a_recession = sim.load(ONE_CITY + "\n[recession]\nprobability = 0.5\n")
    terminated = sim.load(ONE_CITY + TERMINATED)
    return {"plain": one_city, "funded": funded, "recession": in_a_recession,
            "terminated": terminated}


def test_a_run_reports_exactly_the_outcomes_of_the_catalogue(one_city):
    """Every outcome the model produces is in the catalogue, and every catalogue entry is
    produced (those with a condition when it holds: grant-funded positions, a recession,
    a terminated grant); Scenario.reported_metrics says which beforehand."""
    condition = {"plain": "", "funded": GRANT_FUNDS, "recession": RECESSION,
                 "terminated": TERMINATIONS}
    expected = {name: {m for m, x in METRICS.items() if x.only_when in ("", when)}
                for name, when in condition.items()}
    for name, scenario in featured(one_city).items():
        simulation = simulate(scenario, replications=2, workers=1, keep=0)
        assert set(simulation.outcomes) == expected[name], name
        assert scenario.reported_metrics() == [m for m in METRICS if m in expected[name]]
    assert set(FLOW_TOTALS) | set(MONTHLY_MEANS) <= set(METRICS)


def test_the_memory_estimate_counts_the_outcomes_a_run_has(one_city):
    """The estimate sizes the outcome arrays by the metrics the run will report: it once
    counted 26 of 39, then the conditional ones even when they were off."""
    for name, scenario in featured(one_city).items():
        plan, settings = settle(scenario, replications=10, workers=1)
        simulation = simulate(scenario, replications=2, workers=1, keep=0)
        assert _size(plan, settings).outcomes == len(simulation.outcomes), name


def test_every_metric_says_how_cities_combine_and_its_unit():
    for name, metric in METRICS.items():
        assert metric.over_cities in {"sum", "min", "max", "mean"}, name
        assert metric.unit and metric.description.endswith("."), name
