"""Every scenario shipped in scenarios/ cites its numbers (tests/test_shipped.py runs them)."""

from pathlib import Path
from typing import get_args

import pytest

import sim
from sim.scenario import provenance
from sim.scenario.law import ComplianceLevel

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


CITY_SCENARIOS = [p for p in SHIPPED if not p.stem.startswith("backtest")]
"""The shipped scenarios of today's cities (the backtests keep the record as it was
frozen, see docs/backtest-2017.md and docs/backtest-2025.md)."""


@pytest.mark.parametrize("path", CITY_SCENARIOS, ids=[p.stem for p in CITY_SCENARIOS])
def test_every_grant_states_its_kind_of_funding_with_a_source(path):
    """What a measure can reach depends on the funding kind: each grant states it, cited."""
    for city in sim.load(path).city:
        for grant in city.grant:
            assert "funding" in grant.model_fields_set, (city.name, grant.program)
            assert grant.sources.get("funding"), (city.name, grant.program)


@pytest.mark.parametrize("path", CITY_SCENARIOS, ids=[p.stem for p in CITY_SCENARIOS])
def test_which_levels_a_measure_penalises_is_sourced(path):
    """No measure penalises compliance levels by assumption left unsaid."""
    for measure in sim.load(path).measure:
        assert measure.sources.get("penalises"), measure.name


def test_appropriations_lapses_penalise_every_compliance_level(shipped):
    """A funding lapse delays every jurisdiction's payments whatever its policy: no level
    (notify ones included) escapes it."""
    path, scenario = shipped
    for measure in scenario.measure:
        if measure.kind == "appropriations_lapse":
            assert set(measure.penalises) == set(get_args(ComplianceLevel)), measure.name


@pytest.mark.parametrize("path", CITY_SCENARIOS, ids=[p.stem for p in CITY_SCENARIOS])
def test_shipped_strategies_are_lawful_in_every_city(path):
    """Loading checks each strategy against each city's state law; every city names its
    state's own law where fundsim knows one."""
    scenario = sim.load(path)
    known = {law.state: name for name, law in sim.scenario.STATE_LAWS.items() if law.state}
    for city in scenario.city:
        if city.state in known:
            assert city.state_law == known[city.state], city.name
