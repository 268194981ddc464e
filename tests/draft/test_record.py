"""The current federal record drafts copy is the one of the newest shipped scenarios."""

import re
from pathlib import Path

import pytest

import sim
from sim.draft.bundle import read_text
from sim.draft.record import (
    FILE,
    NATIONAL_IMMIGRANT_SHARE,
    NO_BAILOUT,
    NO_BAILOUT_CAP_SOURCE,
    UNAUTHORIZED,
    current_record,
)

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def _shipped():
    """The newest shipped scenarios that model the whole record (the most measures).

    Variants on one measure (denver-no-bailout.toml) vary it on purpose.
    """
    found = [sim.load(path) for path in sorted(SCENARIOS.glob("*.toml"))]
    newest = max(s.scenario.start for s in found)
    found = [s for s in found if s.scenario.start == newest]
    most = max(len(s.measure) for s in found)
    return newest, [s for s in found if len(s.measure) == most]


@pytest.fixture(scope="module")
def record():
    return sim.load(read_text(FILE).replace("[scenario]\n", '[scenario]\nname = "record"\n')
                    + _city())


def _for_city(share):
    """The record as a draft for a city with this immigrant share reads it."""
    record = current_record()
    text = read_text(FILE)
    first = text.index("\n[[measure]]\n") + 1
    last = text.index("\n[sources]\n") + 1
    return sim.load(text[:first].replace("[scenario]\n", '[scenario]\nname = "record"\n')
                    + record.tables_for(share) + text[last:] + _city())


def _city():
    return ('\n[[city]]\nname = "X"\nstate = "IL"\nfiscal_year_start = 1\npopulation = 1\n'
            'source = "test"\n[city.budget]\nexpenditure = 1\nreserves = 0\n')


def test_record_starts_with_the_newest_shipped_scenarios():
    """The drafts' horizon starts where the newest shipped scenarios start."""
    newest, shipped = _shipped()
    assert shipped and current_record().start == newest


def test_record_measures_are_the_shipped_measures(record):
    """Each measure of a newest shipped scenario is the record's, to the last source.

    When the shipped measures change, change sim/draft/data/current_record.toml too.
    """
    _, shipped = _shipped()
    assert len(shipped) >= 3
    for scenario in shipped:
        (city,) = scenario.city
        mine = {m.name: m for m in _for_city(city.immigrant_share).measure}
        assert set(mine) == {m.name for m in scenario.measure}, scenario.scenario.name
        for measure in scenario.measure:
            assert measure == mine[measure.name], (scenario.scenario.name, measure.name)
            cited = {ref for text in measure.sources.values()
                     for ref in re.findall(r"\[([a-z0-9][a-z0-9._-]*)\]", text)}
            for ref in cited:
                assert record.sources[ref] == scenario.sources[ref], ref


def test_no_bailout_cap_is_the_places_unauthorized_residents():
    """H.R. 32 cuts at most the unauthorized residents' share; a place's own share sets it."""
    def cap(record):
        (act,) = [m for m in record.measure if m.name.startswith("No Bailout")]
        return act.withhold_share.high

    assert cap(_for_city(0.40)) == round(0.40 * UNAUTHORIZED, 3) == 0.092
    assert cap(_for_city(None)) == round(NATIONAL_IMMIGRANT_SHARE * UNAUTHORIZED, 3)
    assert "immigrant share 0.400 x 23%" in current_record().tables_for(0.40)


def test_the_cap_is_set_in_the_measure_only_and_the_rest_is_copied_as_written(record):
    """The record's own text is the national case of the cap's source; a place's tables differ
    from the record's in the No Bailout Act's withhold_share and its source alone."""
    (act,) = [m for m in record.measure if m.name == NO_BAILOUT]
    national = round(NATIONAL_IMMIGRANT_SHARE * UNAUTHORIZED, 3)
    assert act.withhold_share.high == national
    assert act.sources["withhold_share"] == NO_BAILOUT_CAP_SOURCE.format(
        cap=national, immigrant_share=NATIONAL_IMMIGRANT_SHARE)
    before = current_record().tables.splitlines()
    after = current_record().tables_for(0.40).splitlines()
    changed = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    assert [b.partition(" = ")[0] for _, b in changed] == ["withhold_share", "withhold_share"]
    assert changed[0][1] == 'withhold_share = { dist = "uniform", low = 0.0, high = 0.092 }'


def test_record_injunctions_protect_the_parties_only(record):
    """Trump v. CASA: injunctions cover the plaintiffs, the schema's default made explicit."""
    assert record.litigation.scope == "parties"
    assert "CASA" in record.litigation.sources["scope"]


def test_record_tables_are_the_files_tables():
    """What drafts copy is the measures and litigation, and the bibliography they cite."""
    copied = current_record()
    assert copied.tables.startswith("[[measure]]") and "[litigation]" in copied.tables
    assert "[sources]" not in copied.tables
    assert set(copied.sources) == {
        "bondi-memo", "dhs-terms", "hud-dot-conditions", "eo-14287", "hr32", "hr5717",
        "hr32-status", "s707", "bill-base-rate", "pew-unauthorized", "doj-conditions-2025",
        "doj-list", "hhs-freeze", "ny-v-hhs", "cdc-rescission", "ca-v-omb"}
