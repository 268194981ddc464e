"""Every scenario shipped in scenarios/ cites its numbers (tests/test_shipped.py runs them)."""

from pathlib import Path

import pytest

import sim
from sim.scenario import provenance

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted((ROOT / "scenarios").glob("*.toml"))
SOURCES_DOC = ROOT / "docs" / "sources.md"


@pytest.fixture(scope="module", params=SHIPPED, ids=[p.stem for p in SHIPPED])
def shipped(request) -> tuple[Path, sim.Scenario]:
    return request.param, sim.load(request.param)


def test_there_are_shipped_scenarios():
    """The scenarios folder is not empty."""
    assert len(SHIPPED) >= 3


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


def test_no_key_number_rests_on_an_aggregator_site(shipped):
    """Budgets, reserves, state aid, awards, population and immigrant share cite no listed
    aggregator (sim.scenario.provenance.WEAK_SOURCES) unless labelled an assumption with a range."""
    path, scenario = shipped
    weak = [(c.path, hosts) for c, hosts in provenance.weak_key_numbers(scenario)]
    assert not weak, f"{path.name}: {weak}"
