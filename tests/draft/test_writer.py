"""Drafted files: sourced numbers, marked assumptions, state law, and 50+ drafts that run."""

import re

import numpy as np
import pytest

import sim
import sim.draft
from sim.draft.bundle import load
from sim.draft.jurisdictions import draftable
from sim.scenario import provenance

BIG = 50_000
"""The issue's scale: places of more than 50,000 residents."""


def _sample() -> list[str]:
    """At least 50 draftable places over 50,000 residents: each state's largest, then more.

    Every state (and DC) that has such a place is in the sample; the rest are
    every 25th of the remaining places by GEOID.
    """
    big = sorted((j for j in draftable(load()) if j.kind == "place" and j.population > BIG),
                 key=lambda j: j.geoid)
    largest = {}
    for j in big:
        if j.state not in largest or j.population > largest[j.state].population:
            largest[j.state] = j
    chosen = {j.geoid for j in largest.values()}
    chosen |= {j.geoid for j in big[::25]}
    return sorted(chosen)


SAMPLE = _sample()


def test_the_sample_covers_every_state_with_data():
    """At least 50 places, and every state that has a draftable place over 50,000 residents."""
    data = load()
    states = {j.state for j in draftable(data) if j.kind == "place" and j.population > BIG}
    assert len(SAMPLE) >= 50
    assert {data.places[g].state for g in SAMPLE} == states


def _numbers_to_confirm(text: str) -> int:
    """Number lines (not strings) with a TO CONFIRM comment naming a document."""
    marked = [line for line in text.splitlines()
              if re.match(r"^[a-z_]+ = [^\"]", line) and "# TO CONFIRM: " in line]
    assert all(re.search(r"budget|ACFR|ordinances", line) for line in marked)
    return len(marked)


@pytest.mark.parametrize("geoid", SAMPLE)
def test_drafts_validate_are_sourced_and_run(geoid):
    """Each draft validates, sources every number, marks what to confirm, and runs."""
    text = sim.draft.draft(geoid)
    scenario = text.scenario
    assert not provenance.unsourced(scenario) and not provenance.unknown_references(scenario)
    pending = [c for c in provenance.citations(scenario) if c.to_confirm]
    assert all(c.is_assumption or c.source.startswith("derived") for c in pending)
    assert len(pending) == _numbers_to_confirm(text.toml) == 6
    short = scenario.with_values({"scenario.years": 1})
    result = sim.run(short, replications=2, workers=1)
    assert result.strategies == ["baseline", *short.scenario.strategies]
    assert np.isfinite(result.replications.select_dtypes("number").to_numpy()).all()


@pytest.fixture(scope="module")
def drafts():
    return {q: sim.draft.draft(q) for q in ("Denver, CO", "San Francisco, CA", "Chicago, IL",
                                           "Austin, TX", "Cook County, IL", "Fulton County, GA",
                                           "Columbus, OH")}


@pytest.mark.parametrize(("query", "population", "revenues"), [
    ("Denver, CO", 729_019, "$5,206,355,000"), ("San Francisco, CA", 827_526, "$14,206,115,000"),
    ("Chicago, IL", 2_721_308, "$15,025,035,000")], ids=["Denver", "San Francisco", "Chicago"])
def test_checked_figures_in_the_drafts(drafts, query, population, revenues):
    """Vintage 2024 population and FY2023 ACFR revenues, said in the budget's scope."""
    city = drafts[query].scenario.city[0]
    assert city.population == population
    assert city.budget.scope.startswith("all funds") and revenues in city.budget.scope


def test_expenditure_is_the_acfrs_total_expenses(drafts):
    """Denver's FY2023 ACFR total expenses, cited with the report's address."""
    budget = drafts["Denver, CO"].scenario.city[0].budget
    assert budget.expenditure == 4_264_180_000
    assert budget.sources["expenditure"].startswith("[acfr-fy2023]")
    assert ".pdf" in budget.sources["expenditure"]


@pytest.mark.parametrize(("query", "law", "strategies", "policy"), [
    ("Denver, CO", "colorado", ["sanctuary", "notify_serious"], "sanctuary"),
    ("Austin, TX", "texas", ["full"], "full"),
    ("Fulton County, GA", "cooperation_mandated", ["full"], "full"),
    ("Columbus, OH", "neutral", ["sanctuary", "partial", "full", "notify_serious", "notify"],
     "partial")],
    ids=["sanctuary state", "cooperation state", "Georgia", "neutral state"])
def test_state_law_decides_the_strategies(drafts, query, law, strategies, policy):
    """The state's law, cited, and only the strategies it allows."""
    scenario = drafts[query].scenario
    city = scenario.city[0]
    assert (city.state_law, city.current_policy) == (law, policy)
    assert scenario.scenario.strategies == strategies
    assert city.sources["state_law"]
    assert (law == "neutral") == city.sources["state_law"].startswith("assumption:")


def test_consolidated_city_grants_are_unscaled(drafts):
    """San Francisco takes San Francisco County's awards whole; Chicago's are scaled."""
    sf = drafts["San Francisco, CA"].scenario.city[0]
    chicago = drafts["Chicago, IL"].scenario.city[0]
    assert not any("scaled" in g.program for g in sf.grant)
    assert any(g.program.endswith("(county awards, scaled)") for g in chicago.grant)
    assert all("scaled by residents" in g.source for g in chicago.grant
               if g.program.endswith("scaled)"))


def test_a_county_draft(drafts):
    """Cook County: the county government, its own awards, its foreign-born share."""
    city = drafts["Cook County, IL"].scenario.city[0]
    assert city.name == "Cook County" and city.population == 5_182_617
    assert city.immigrant_share == pytest.approx(0.214)
    assert city.sources["immigrant_share"].startswith("[acs-2019-2023]")


def test_a_georgia_county_draft_cites_vintage_2022(drafts):
    """Fulton County's population is the Vintage 2022 estimate, and says so."""
    city = drafts["Fulton County, GA"].scenario.city[0]
    assert city.population == 1_074_634
    assert "[census-pep-v2022]" in city.sources["population"]
    assert "Georgia is missing from the Vintage 2024" in city.sources["population"]


def test_what_data_cannot_give_is_an_assumption_naming_the_document(drafts):
    """JAG, COPS and homeland security grants: wide ranges, TO CONFIRM in the SEFA."""
    city = drafts["Chicago, IL"].scenario.city[0]
    grants = {g.program: g for g in city.grant}
    for program, aln in (("Byrne JAG", "16.738"), ("COPS", "16.710"),
                         ("Homeland security (HSGP: UASI, SHSP)", "97.067")):
        grant = grants[program]
        assert grant.amount.low == 0 and grant.amount.high > 0
        assert grant.source.startswith("assumption: TO CONFIRM in the ACFR's schedule of "
                                       f"expenditures of federal awards (ALN {aln})")
    assert city.budget.sources["reserves"].startswith("assumption: TO CONFIRM")
    assert city.budget.sources["reserve_floor"].startswith("assumption: TO CONFIRM")


def test_the_record_and_the_bibliography_come_along(drafts):
    """The current record's measures, and every cited dataset in [sources]."""
    scenario = drafts["Austin, TX"].scenario
    assert len(scenario.measure) == 7 and scenario.litigation.scope == "parties"
    assert {"census-pep-v2024", "acfr-fy2023", "usaspending-county-awards", "program-inventory",
            "acs-2019-2023", "bondi-memo"} <= set(scenario.sources)
    assert "Urban Institute and USAspending.gov" in scenario.sources["usaspending-county-awards"]


def test_drafts_are_reproducible(drafts):
    """The same query gives the same file."""
    assert sim.draft.draft("Denver, CO").toml == drafts["Denver, CO"].toml
