"""Shipped scenarios against their committed reference runs (``results/reference/``).

A reference run is a small run of a shipped scenario, committed so that
reviewers can ``fundsim compare results/reference/<scenario> <new run>`` and so
that a change to the model that moves any result beyond Monte Carlo error is
noticed.  After an intended change, regenerate the references (see
``results/README.md``) and say in the commit what moved and why.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import sim
from sim.presentation import pages
from tests.conftest import ONE_CITY

ROOT = Path(__file__).parent.parent
SCENARIOS = sorted((ROOT / "scenarios").glob("*.toml"))
REFERENCE = ROOT / "results" / "reference"
REGENERATE = ("for f in scenarios/*.toml; do fundsim run \"$f\" -n 200 --keep 10 --no-figures "
              "-q --overwrite -o \"results/reference/$(basename \"$f\" .toml)\"; done")
"""The command that writes every reference run (also in results/README.md)."""


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_shipped_scenario_matches_its_reference_run(path):
    """The model reproduces each shipped scenario's reference run within Monte Carlo error."""
    folder = REFERENCE / path.stem
    if not (folder / "manifest.json").is_file():
        pytest.fail(f"{path} has no reference run in {folder}; write them with:\n{REGENERATE}")
    reference = sim.open_results(folder)
    current = sim.run(sim.load(path), replications=reference.manifest["replications"],
                      seed=reference.manifest["seed"], workers=1, keep=0)
    moved = pages.drift(reference, current)
    if not moved.empty:
        changed = pages.parameter_diff(reference.manifest["scenario"],
                                        current.manifest["scenario"])
        pytest.fail(f"{path.stem} drifted from {folder}:\n{moved.to_string(index=False)}\n"
                    f"scenario keys changed since the reference:\n"
                    f"{changed.to_string(index=False) if len(changed) else '(none)'}\n"
                    f"If the change is intended, regenerate the references:\n{REGENERATE}")


def test_every_reference_run_belongs_to_a_shipped_scenario():
    """No reference folder outlives its scenario."""
    stems = {p.stem for p in SCENARIOS}
    stale = [p.name for p in REFERENCE.iterdir() if p.is_dir() and p.name not in stems]
    assert not stale, f"reference runs without a scenario: {stale}"


NOISY = (ONE_CITY.replace("revenue_volatility = 0.0", "revenue_volatility = 0.05")
         .replace('agencies = ["DOJ"]', 'agencies = ["DOJ"]\nprobability = 0.6'))


@pytest.fixture(scope="module")
def noisy_reference():
    return sim.run(sim.load(NOISY), replications=150, workers=1, keep=0)


def test_drift_ignores_new_random_draws(noisy_reference):
    """Another seed moves every mean only by Monte Carlo noise: no drift."""
    other = sim.run(sim.load(NOISY), replications=150, seed=12345, workers=1, keep=0)
    assert pages.drift(noisy_reference, other).empty


def test_drift_flags_a_real_change(noisy_reference):
    """A 20% larger DOJ grant moves federal payments beyond Monte Carlo error."""
    bigger = sim.load(NOISY).with_values({"city[Springfield].grant[0].amount": 1.44e7})
    moved = pages.drift(noisy_reference, sim.run(bigger, replications=150, workers=1, keep=0))
    assert {"federal_due", "federal_received"} <= set(moved["metric"])


def test_drift_lists_missing_strategies_and_metrics(noisy_reference):
    """A strategy or metric the reference has and the new run lacks is drift too."""
    fewer = sim.run(sim.load(NOISY), replications=150, workers=1, keep=0,
                    strategies=["sanctuary"])
    fewer.replications = fewer.replications.drop(columns=["legal_cost"])
    problems = set(pages.drift(noisy_reference, fewer)["problem"])
    assert {"strategy missing", "metric missing"} <= problems


def test_regeneration_command_is_documented():
    """results/README.md gives the same command the drift test prints."""
    assert REGENERATE in (ROOT / "results" / "README.md").read_text()
