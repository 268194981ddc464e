"""Every scenario shipped in scenarios/ validates, runs and cites its numbers."""

from pathlib import Path

import numpy as np
import pytest

import sim
from sim import provenance

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted((ROOT / "scenarios").glob("*.toml"))
SOURCES_DOC = ROOT / "docs" / "sources.md"


@pytest.fixture(scope="module", params=SHIPPED, ids=[p.stem for p in SHIPPED])
def shipped(request) -> tuple[Path, sim.Scenario]:
    return request.param, sim.load(request.param)


def test_there_are_shipped_scenarios():
    """The scenarios folder is not empty."""
    assert len(SHIPPED) >= 3


def test_shipped_scenario_runs(shipped):
    """A short run of every strategy gives finite outcomes for every city."""
    _, scenario = shipped
    result = sim.run(scenario, replications=3, workers=1, seed=11)
    table = result.replications
    assert set(table["city"]) == {c.name for c in scenario.city}
    numbers = table.select_dtypes("number")
    assert np.isfinite(numbers.to_numpy()).all()


def test_every_number_has_a_source_or_assumption_label(shipped):
    """Each number, date or distribution in the file is cited or labelled 'assumption:'."""
    path, scenario = shipped
    problems = provenance.problems(scenario, str(path.relative_to(ROOT)))
    assert not problems, "\n".join(str(p) for p in problems)


def test_committed_sources_listing_matches_the_scenarios():
    """docs/sources.md is what `fundsim sources --markdown scenarios/*.toml` prints."""
    scenarios = [(str(p.relative_to(ROOT)), sim.load(p)) for p in SHIPPED]
    assert SOURCES_DOC.read_text(encoding="utf-8") == provenance.markdown(scenarios), (
        "regenerate: fundsim sources --markdown scenarios/*.toml > docs/sources.md")
