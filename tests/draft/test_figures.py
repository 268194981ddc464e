"""The drafted numbers: county awards scaled by residents, national estimates, shares, reserves."""

import pytest

from sim.draft.bundle import load
from sim.draft.figures import (
    AWARD_YEARS,
    county_awards,
    foreign_born,
    national_share,
    reserve_range,
    scaled_total,
)
from sim.draft.jurisdictions import resolve


@pytest.fixture(scope="module")
def data():
    return load()


def _county_total(data, fips, agency):
    return sum(amount for key, amount in data.awards[fips]
               if data.programs[key].agency == agency) / AWARD_YEARS


def test_city_awards_are_county_awards_scaled_by_residents(data):
    """Austin's HUD money: each county's yearly HUD awards x the city's share of its residents."""
    austin = resolve("Austin, TX", data)
    hud = next(a for a in county_awards(austin, data) if a.agency == "HUD")
    expected = sum(_county_total(data, c.fips, "HUD") * share for c, share in austin.counties
                   if c.fips in data.awards)
    assert hud.amount == pytest.approx(expected)
    assert hud.tags == ("housing",)


def test_consolidated_city_takes_its_county_whole(data):
    """Denver's awards are Denver County's, one year's worth, unscaled."""
    denver = resolve("Denver, CO", data)
    for agency in county_awards(denver, data):
        assert agency.amount == pytest.approx(_county_total(data, "08031", agency.agency))


def test_the_fast_total_equals_the_program_by_program_sum(data):
    """Peers use one sum per county; drafts list programs; both give the same money."""
    for query in ("Austin, TX", "Cook County, IL", "New York, NY", "Springfield, IL"):
        place = resolve(query, data)
        assert scaled_total(place, data) == pytest.approx(
            sum(a.amount for a in county_awards(place, data)))


def test_national_share_is_obligations_per_us_resident(data):
    """JAG: the FY2023-2024 mean of national obligations x population / US population."""
    jag = data.national["16.738"]
    assert national_share(1_000_000, "16.738", data) == pytest.approx(
        (jag.obligations[0] + jag.obligations[1]) / 2 * 1e6 / 333_287_557)


def test_foreign_born_share_weights_counties_by_residents(data):
    """A city in several counties takes their shares weighted by its residents in each."""
    austin = resolve("Austin, TX", data)
    pairs = [(n, c.foreign_born) for (c, _), n in zip(austin.counties, austin.residents,
                                                      strict=True)]
    assert foreign_born(austin) == pytest.approx(
        sum(n * s for n, s in pairs) / sum(n for n, _ in pairs))
    assert foreign_born(resolve("San Francisco, CA", data)) == pytest.approx(0.342)


def test_reserves_from_a_positive_unrestricted_net_position(data):
    """Denver: half of the unrestricted net position to all of it."""
    denver = resolve("Denver, CO", data)
    low, high, from_report = reserve_range(denver, 0.05)
    assert from_report and (low, high) == (627_709_000 / 2, 627_709_000)


def test_reserves_when_the_net_position_is_negative(data):
    """Chicago (-$38B): the floor to two months of expenses, not read from the report."""
    chicago = resolve("Chicago, IL", data)
    low, high, from_report = reserve_range(chicago, 0.05)
    expenses = chicago.acfr.expenses
    assert not from_report and (low, high) == (0.05 * expenses, expenses / 6)
