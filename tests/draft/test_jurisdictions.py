"""Names to governments: cities, counties, consolidated city-counties, and clear refusals."""

import pytest

from sim.draft.bundle import load
from sim.draft.jurisdictions import DraftError, resolve


@pytest.fixture(scope="module")
def data():
    return load()


def test_a_city_and_its_counties(data):
    """Austin lies in several counties; each share is its residents over the county's."""
    austin = resolve("Austin, TX", data)
    assert (austin.kind, austin.geoid, austin.population) == ("place", "4805000", 993_588)
    assert not austin.consolidated
    travis = dict((c.name, (s, c.population)) for c, s in austin.counties)["Travis County"]
    people = dict(zip((c.name for c, _ in austin.counties), austin.residents, strict=True))
    assert travis[0] == pytest.approx(people["Travis County"] / travis[1])
    assert sum(austin.residents) == austin.population


def test_a_county(data):
    """A county is drafted whole, from its own ACFR."""
    cook = resolve("Cook County, IL", data)
    assert (cook.kind, cook.geoid, cook.name) == ("county", "17031", "Cook County")
    assert [(c.fips, s) for c, s in cook.counties] == [("17031", 1.0)]
    assert cook.acfr.revenues == pytest.approx(8.28e9, rel=1e-3)


@pytest.mark.parametrize(("query", "counties"), [
    ("Denver, CO", {"08031"}), ("San Francisco, CA", {"06075"}),
    ("New York, NY", {"36005", "36047", "36061", "36081", "36085"}),
    ("Nashville, TN", {"47037"})], ids=["Denver", "San Francisco", "New York", "Nashville"])
def test_consolidated_city_counties_are_not_scaled(data, query, counties):
    """Where city and county are one government, the county counts whole."""
    place = resolve(query, data)
    assert place.consolidated
    assert {c.fips for c, s in place.counties if s == 1.0} == counties


def test_consolidated_government_filing_as_the_county(data):
    """Kansas City, KS files its ACFR as the Unified Government of Wyandotte County."""
    kck = resolve("Kansas City, KS", data)
    assert kck.consolidated and kck.acfr.revenues == data.counties["20209"].acfr.revenues


def test_a_georgia_county_takes_vintage_2022(data):
    """Georgia's counties are drafted with the Vintage 2022 estimate."""
    fulton = resolve("Fulton County, GA", data)
    assert (fulton.vintage, fulton.population) == (2022, 1_074_634)


def test_a_georgia_place_is_sent_to_its_county(data):
    """Georgia's places are missing from Vintage 2024: the message says what to do instead."""
    with pytest.raises(DraftError, match="Georgia's places are missing.*draft the county"):
        resolve("Atlanta, GA", data)


def test_an_ambiguous_name_lists_the_matches(data):
    """Springfield: every match with state and population, largest first; exit status 2."""
    with pytest.raises(DraftError) as caught:
        resolve("Springfield", data)
    message = str(caught.value)
    assert caught.value.exit_code == 2
    assert "matches 16 jurisdictions" in message
    assert message.index("Springfield, MO (place, 170,596 residents") < message.index(
        "Springfield, IL (place, 112,949 residents")
    assert "and 4 more" in message


def test_an_unknown_name_suggests_the_closest(data):
    """A misspelling gets the nearest names of the state."""
    with pytest.raises(DraftError, match=r"no incorporated place or county .* in TX.*"
                                         r"closest: Austin, TX"):
        resolve("Austn, TX", data)


def test_below_the_datas_coverage(data):
    """A city without an ACFR in the data is refused, saying why."""
    with pytest.raises(DraftError, match=r"Gary, IN \(67,555 residents\): cannot draft: no "
                                         "FY2023 audited financial report"):
        resolve("Gary, IN", data)


def test_a_region_without_a_county_government(data):
    """Connecticut's planning regions are no governments."""
    with pytest.raises(DraftError, match="no county government"):
        resolve("Capitol Planning Region, CT", data)


@pytest.mark.parametrize(("query", "label"), [
    ("0820000", "Denver, CO"), ("17031", "Cook County, IL"), ("austin,  texas", "Austin, TX"),
    ("Saint Louis, MO", "St. Louis, MO"), ("Honolulu, HI", "Honolulu County, HI"),
    ("Louisville, KY", "Louisville/Jefferson County, KY")],
    ids=["GEOID", "FIPS", "state in full", "saint", "county by bare name", "alias"])
def test_ways_of_naming(data, query, label):
    """GEOIDs, FIPS codes, state names in full, Saint/St., bare county names, short aliases."""
    assert resolve(query, data).label == label


@pytest.mark.parametrize("query", ["9999999", "99999", "", " , TX"],
                         ids=["GEOID", "FIPS", "empty", "state only"])
def test_nothing_named(data, query):
    """Codes that exist nowhere and empty names are refused."""
    with pytest.raises(DraftError):
        resolve(query, data)


@pytest.mark.parametrize(("query", "words"), [
    ("Danbury, CT", "expenses -428,657,162"), ("Providence, RI", "expenses 1,117,780")],
    ids=["negative expenses", "thousands"])
def test_transcriptions_that_cannot_be_a_budget_are_refused(data, query, words):
    """Negative totals or a few dollars a resident: refused, pointing to the report."""
    with pytest.raises(DraftError, match=rf"cannot draft: .*{words} USD .*\.pdf"):
        resolve(query, data)
