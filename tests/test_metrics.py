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


def test_a_run_reports_exactly_the_outcomes_of_the_catalogue(one_city):
    """Every outcome the model produces is in the catalogue, and every catalogue entry is
    produced (those with a condition when it holds: grant-funded positions, a recession,
    a terminated grant)."""
    simulation = simulate(one_city, replications=2, workers=1, keep=0)
    assert set(simulation.outcomes) == {m for m, x in METRICS.items() if not x.only_when}
    assert set(FLOW_TOTALS) | set(MONTHLY_MEANS) <= set(METRICS)
    funded = one_city.with_values({"city[0].grant[0].funds": [{"name": "officers",
                                                               "positions": 3}]})
    simulation = simulate(funded, replications=2, workers=1, keep=0)
    assert set(simulation.outcomes) == {m for m, x in METRICS.items()
                                        if x.only_when in ("", GRANT_FUNDS)}
    in_a_recession = sim.load(ONE_CITY + "\n[recession]\nprobability = 0.5\n")
    simulation = simulate(in_a_recession, replications=2, workers=1, keep=0)
    assert set(simulation.outcomes) == {m for m, x in METRICS.items()
                                        if x.only_when in ("", RECESSION)}
    terminated = sim.load(ONE_CITY + TERMINATED)
    simulation = simulate(terminated, replications=2, workers=1, keep=0)
    assert set(simulation.outcomes) == {m for m, x in METRICS.items()
                                        if x.only_when in ("", TERMINATIONS)}


def test_the_memory_estimate_counts_every_outcome(one_city):
    """The estimate sizes the outcome arrays by the catalogue (it once counted 26 of 39)."""
    plan, settings = settle(one_city, replications=10, workers=1)
    assert _size(plan, settings).outcomes == len(METRICS)


def test_every_metric_says_how_cities_combine_and_its_unit():
    for name, metric in METRICS.items():
        assert metric.over_cities in {"sum", "min", "max", "mean"}, name
        assert metric.unit and metric.description.endswith("."), name
