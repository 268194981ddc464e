"""The public data bundled for drafting: the figures the issue checks, size, provenance."""

from importlib import resources

import pytest

from sim.draft.bundle import DATASETS, load
from sim.scenario import STATE_LAWS

DATA = resources.files("sim.draft").joinpath("data")


@pytest.fixture(scope="module")
def data():
    return load()


@pytest.mark.parametrize(("geoid", "population"), [
    ("0820000", 729_019), ("0667000", 827_526), ("1714000", 2_721_308)],
    ids=["Denver", "San Francisco", "Chicago"])
def test_vintage_2024_populations(data, geoid, population):
    """Census Vintage 2024 populations of the checked cities."""
    assert data.places[geoid].population == population


@pytest.mark.parametrize(("geoid", "billions"), [
    ("0667000", 14.21), ("1714000", 15.03), ("0820000", 5.21)],
    ids=["San Francisco", "Chicago", "Denver"])
def test_acfr_revenues(data, geoid, billions):
    """FY2023 ACFR total revenues of the checked cities, to the $10M."""
    assert data.places[geoid].acfr.revenues / 1e9 == pytest.approx(billions, abs=0.005)


def test_georgia_counties_come_from_vintage_2022(data):
    """Georgia is missing from Vintage 2024: its counties carry the 2022 estimate."""
    fulton = data.counties["13121"]
    assert (fulton.vintage, fulton.population) == (2022, 1_074_634)
    assert all(c.vintage == 2022 for c in data.counties.values() if c.state == "GA")
    assert all(c.vintage == 2024 for c in data.counties.values() if c.state != "GA")


def test_georgia_places_have_no_population(data):
    """Georgia's places are known by their ACFR only, so they can be refused by name."""
    atlanta = data.places["1304000"]
    assert atlanta.population is None and atlanta.acfr is not None


def test_national_total_is_the_vintage_2022_estimate(data):
    """The denominator of per-resident figures: 50 states and DC, July 1 2022."""
    assert data.us_population == 333_287_557


def test_place_parts_add_up_to_the_place(data):
    """A place's residents by county add up to its population (Vintage 2024 both)."""
    for geoid in ("4805000", "3651000", "0820000"):
        assert sum(n for _, n in data.parts[geoid]) == data.places[geoid].population


def test_awards_name_known_programs_and_agencies(data):
    """Every county award is of a program with a scenario agency code and a tag."""
    keys = {key for awards in data.awards.values() for key, _ in awards}
    assert keys <= set(data.programs)
    assert {p.agency for p in data.programs.values()} <= {"HUD", "DOT", "DHS", "EPA", "USDA",
                                                        "DOI", "DOC"}
    assert all(amount > 0 for awards in data.awards.values() for _, amount in awards)


def test_every_state_has_a_law_with_a_source(data):
    """The state-law table covers the 50 states and DC, each cited or labelled assumption."""
    assert len(data.state_law) == 51
    assert {c.state for c in data.counties.values()} == set(data.state_law)
    for state, entry in data.state_law.items():
        assert entry["law"] in STATE_LAWS, state
        assert STATE_LAWS[entry["law"]].state in (None, state), state
        assert entry["source"].strip(), state
        if entry["law"] == "neutral":
            assert entry["source"].startswith("assumption:"), state


def test_bundle_is_small():
    """A few MB at most, installed with the package."""
    size = sum(f.stat().st_size for f in DATA.iterdir())
    assert size < 3e6


def test_readme_describes_every_file_and_dataset():
    """The data README names each bundled file; each dataset cited has a licence stated."""
    readme = DATA.joinpath("README.md").read_text()
    for f in DATA.iterdir():
        if f.name != "README.md":
            assert f"`{f.name}`" in readme, f.name
    assert "Urban Institute and USAspending.gov" in readme
    assert all(("public domain" in text or "MIT" in text or "attribution" in text)
               for text in DATASETS.values())
