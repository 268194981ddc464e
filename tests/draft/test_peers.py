"""Peer context: percentiles among governments of similar size, by the drafting rules."""

from pathlib import Path

import numpy as np
import pytest

import sim
import sim.draft
from sim.draft.bundle import load
from sim.draft.jurisdictions import resolve
from sim.draft.peers import (
    MIN_PEERS,
    PeerTable,
    city_standings,
    federal_money,
    figures,
    peer_context,
    peer_table,
    peers_of,
    percentile,
    scenario_figures,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def data():
    return load()


def _table(populations, shares, reserves, kind="place"):
    n = len(populations)
    return PeerTable(np.array([kind] * n), np.array([str(i) for i in range(n)]),
                     np.array(populations), np.array(shares, dtype=float),
                     np.array(reserves, dtype=float))


def test_percentile_counts_ties_half():
    """Below counts fully, equal counts half."""
    assert percentile(5, [1, 5, 9, 9]) == 37.5
    assert percentile(0, [1, 2]) == 0 and percentile(3, [1, 2]) == 100


def test_peers_are_within_a_factor_of_two_when_there_are_enough():
    """A band of 1/2 to 2 times the population, same kind, the jurisdiction itself left out."""
    table = _table([100] * 30 + [1000] * 30, [0.1] * 60, [10] * 60)
    chosen = peers_of(table, "place", 120, exclude="0")
    assert len(chosen) == 29 and set(table.population[chosen]) == {100}


def test_the_band_widens_until_there_are_enough_peers():
    """Too few near peers: the band doubles until MIN_PEERS are in it."""
    table = _table([100] * 5 + [1000] * 40, [0.1] * 45, [10] * 45)
    chosen = peers_of(table, "place", 100)
    assert len(chosen) >= MIN_PEERS and 1000 in table.population[chosen]


def test_counties_are_compared_with_counties():
    """A county's peers are counties, never places."""
    table = _table([100] * 25, [0.1] * 25, [10] * 25, kind="county")
    assert len(peers_of(table, "place", 100)) == 0
    assert len(peers_of(table, "county", 100)) == 25


def test_standing_of_a_known_value():
    """Values placed among peers with known figures."""
    table = _table([100] * 20, np.linspace(0.01, 0.20, 20), np.arange(20) * 10.0)
    share, reserves = peer_context(table, "place", 100, 0.105, 45.0)
    assert share.percentile == 50 and reserves.percentile == 25
    assert share.peers == 20 and share.band == (100, 100)


def test_a_drafts_figures_are_its_files_numbers(data):
    """The draft's federal money and reserves (at their means) are what the peers see."""
    text = sim.draft.draft("Austin, TX")
    city = text.scenario.city[0]
    money = sum(getattr(g.amount, "mean", g.amount) for g in city.grant)
    austin = resolve("Austin, TX", data)
    assert money == pytest.approx(federal_money(austin, data), rel=1e-3)
    share, reserves = figures(austin, data)
    assert share == pytest.approx(money / austin.acfr.expenses, rel=1e-3)
    assert reserves == pytest.approx(city.budget.reserves.mean / austin.population)
    assert scenario_figures(city) == pytest.approx((share, reserves), rel=1e-3)
    assert text.peers[0].value == share


def test_a_scenario_city_is_placed_among_its_peers(data):
    """A shipped scenario's city: its own figures, its kind found by name, itself left out."""
    denver = sim.load(ROOT / "scenarios" / "denver.toml").city[0]
    share, reserves = city_standings(denver, data)
    assert share.value == pytest.approx(2.61e8 / 1.921e9, rel=0.01)
    assert reserves.value == pytest.approx(1.66e8 / 729_019)
    assert share.peers == 44
    assert 729_019 / 2 <= share.band[0] and share.band[1] <= 729_019 * 2


def test_revenue_is_own_source_plus_aid_plus_grants_when_given():
    """With own-source revenue in the file, the federal share is of all three."""
    example = sim.load(sim.scenario.EXAMPLE)
    given = example.with_values({"city[0].budget.own_source_revenue": 8e7,
                                 "city[0].budget.state_aid": 1e7}).city[0]
    federal = sum(g.amount for g in given.grant)
    assert scenario_figures(given)[0] == pytest.approx(federal / (9e7 + federal))
    assert scenario_figures(example.with_values({"city[0].population": 0}).city[0]) is None


def test_peer_table_covers_the_draftable_governments(data):
    """Every government with an ACFR and residents is a possible peer."""
    table = peer_table(data)
    assert (table.kind == "place").sum() > 6000 and (table.kind == "county").sum() > 2000
    assert np.isfinite(table.federal_share).all() and (table.federal_share >= 0).all()
