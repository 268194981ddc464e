import textwrap

import pytest
from click.testing import CliRunner

import sim
from sim.cli import main
from sim.scenario import provenance

BASE = """
[scenario]
name = "Provenance"
start = 2025-01-01
years = 1
replications = 5
seed = 3
"""


def scenario(body: str) -> sim.Scenario:
    return sim.load(BASE + textwrap.dedent(body))


def cites(s: sim.Scenario) -> dict[str, str | None]:
    return {c.path: c.source for c in provenance.citations(s)}


CITY = """
[[city]]
name = "A"
state = "IL"
fiscal_year_start = 1
population = 100
source = "city table"
[city.sources]
population = "census"
[city.budget]
expenditure = 1e6
reserves = 1e5
"""


def test_per_key_source_beats_table_source():
    """A key's own `sources` entry wins over its table's `source`."""
    got = cites(scenario(CITY))
    assert got["city[A].population"] == "census"
    assert got["city[A].fiscal_year_start"] == "city table"


def test_nested_table_inherits_from_enclosing_table():
    """A budget with no source of its own inherits the city's citation."""
    got = cites(scenario(CITY))
    assert got["city[A].budget.expenditure"] == "city table"


def test_enclosing_per_key_entry_covers_a_whole_subtable():
    """`[city.sources] budget = ...` cites every number of `[city.budget]`."""
    body = CITY.replace('population = "census"', 'population = "census"\nbudget = "ACFR p. 4"')
    got = cites(scenario(body))
    assert got["city[A].budget.reserves"] == "ACFR p. 4"
    assert got["city[A].budget.expenditure"] == "ACFR p. 4"


def test_citations_saying_to_confirm_await_the_analysts_check():
    """A citation with "TO CONFIRM" (as fundsim draft writes them) marks its number."""
    body = CITY.replace('population = "census"',
                        'population = "assumption: TO CONFIRM in the census"')
    got = {c.path: c.to_confirm for c in provenance.citations(scenario(body))}
    assert got["city[A].population"] and not got["city[A].fiscal_year_start"]


def test_table_source_beats_inherited_source():
    """A grant's own `source` wins over the city's."""
    body = CITY + """
[[city.grant]]
program = "JAG"
agency = "DOJ"
amount = 5e5
source = "BJA award page"
"""
    assert cites(scenario(body))["city[A].grant[JAG].amount"] == "BJA award page"


def test_unsourced_leaves_are_reported_and_settings_are_exempt():
    """Numbers without any citation are unsourced; start, years, seed are run settings."""
    body = CITY.replace('source = "city table"\n', "").replace('population = "census"', "")
    missing = {c.path for c in provenance.unsourced(scenario(body))}
    assert missing == {"city[A].fiscal_year_start", "city[A].population",
                       "city[A].budget.expenditure", "city[A].budget.reserves"}


def test_a_distribution_is_one_leaf_and_defaults_are_not_leaves():
    """An uncertain quantity is cited as a whole; keys left to defaults are not listed."""
    body = CITY.replace("reserves = 1e5", 'reserves = { dist = "uniform", low = 1, high = 2 }')
    paths = [c.path for c in provenance.citations(scenario(body))]
    assert paths.count("city[A].budget.reserves") == 1
    assert not any("low" in p or "expenditure_growth" in p for p in paths)


def test_assumption_label_is_recognised():
    """Citations starting with 'assumption' are labelled assumptions, others are not."""
    body = CITY.replace('"census"', '"Assumption: a round number"')
    kinds = {c.path: provenance.kind(c) for c in provenance.citations(scenario(body))}
    assert kinds["city[A].population"] == "assumption"
    assert kinds["city[A].fiscal_year_start"] == "source"


def test_unknown_bibliography_reference_is_a_problem():
    """A `[key]` reference must name an entry of the top-level bibliography."""
    body = CITY.replace('"census"', '"[census-2024] table 1"')
    problems = provenance.problems(scenario(body), "f.toml")
    assert [(p.path, p.value) for p in problems] == [("city[A].population", "census-2024")]
    fixed = scenario(body + '\n[sources]\ncensus-2024 = "US Census Bureau, Vintage 2024"\n')
    assert provenance.problems(fixed) == []
    expanded = provenance.expand("[census-2024] table 1", fixed.sources)
    assert "US Census Bureau, Vintage 2024" in expanded


def test_sources_check_command_exits_2_naming_file_path_and_value(tmp_path):
    """`fundsim sources --check` lists each unsourced number as FILE: path: ... (got VALUE)."""
    path = tmp_path / "bare.toml"
    path.write_text(sim.scenario.EXAMPLE)
    result = CliRunner().invoke(main, ["sources", "--check", str(path)])
    assert result.exit_code == 2
    assert f"{path}: city[Springfield].population: no source" in result.output
    assert "(got 100000)" in result.output


def test_sources_listing_shows_kind_and_citation(tmp_path):
    """`fundsim sources` prints each number with its kind and citation."""
    path = tmp_path / "ok.toml"
    path.write_text(BASE + CITY)
    result = CliRunner().invoke(main, ["sources", str(path)])
    assert result.exit_code == 0, result.output
    assert f"{path}: city[A].population = 100 [source] census" in result.output


def test_assumed_defaults_list_unsourced_defaults_a_file_relies_on():
    """Defaults labelled "Assumption" in the schema are listed; sourced or written ones are not."""
    scenario = sim.load(sim.scenario.EXAMPLE.replace(
        "population = 100000", "population = 100000\ntrust = { trust_loss_partial = 0.05 }"))
    listed = {d.path: d for d in provenance.assumed_defaults(scenario)}
    assert "city[Springfield].enforcement.followup_share" in listed
    assert "Assumption" in listed["city[Springfield].enforcement.followup_share"].note
    assert "city[Springfield].trust.trust_loss_partial" not in listed
    assert "city[Springfield].trust.reporting_rate" not in listed


WEAK_CITY = CITY.replace('population = "census"', 'population = "via https://wikimili.com/en/List"')


def test_key_number_resting_on_an_aggregator_is_a_problem():
    """A key number citing a listed aggregator is rejected, naming the site and the value."""
    problems = provenance.problems(scenario(WEAK_CITY), "f.toml")
    assert [(p.path, p.value) for p in problems] == [("city[A].population", 100)]
    assert "wikimili.com" in problems[0].message


def test_sub_domains_and_bibliography_entries_of_weak_sites_are_caught():
    """mail.citywatchla.com is citywatchla.com; a [key] reference is expanded before looking."""
    body = CITY.replace('population = "census"', 'population = "[lat]"') + (
        '\n[sources]\nlat = "CAO report via https://mail.citywatchla.com/la-watchdog/1"\n')
    problems = provenance.problems(scenario(body), "f.toml")
    assert [p.path for p in problems] == ["city[A].population"]
    assert "mail.citywatchla.com" in problems[0].message


def test_a_ranged_assumption_may_name_the_weak_site_it_was_built_from():
    """An 'assumption:' range that mentions a weak site passes; a point assumption does not."""
    ranged = CITY.replace("reserves = 1e5", 'reserves = { dist = "uniform", low = 1, high = 2 }')
    ranged = ranged.replace('population = "census"',
                            'population = "census"\nbudget = "assumption: see citizenportal.ai/x"')
    assert [p.path for p in provenance.problems(scenario(ranged))] == ["city[A].budget.expenditure"]


def test_numbers_that_are_not_key_numbers_may_cite_any_site():
    """Enforcement figures are not key numbers: the weak-site rule does not apply to them."""
    body = CITY + '\n[city.enforcement]\nbed_day_cost = 90\nsource = "https://laalmanac.com/x"\n'
    assert provenance.weak_key_numbers(scenario(body)) == []
    weak = body.replace("laalmanac.com", "wikimili.com")
    assert provenance.weak_key_numbers(scenario(weak)) == []


DATED = """
[[measure]]
name = "Conditions"
kind = "grant_condition"
effective = 2025-03-01
agencies = ["DOJ"]
source = "agency notice"
as_of = { effective = 2023-06-01 }
"""


def test_a_fact_the_run_outlives_is_a_warning_not_a_problem():
    """valid_until before the run ends warns; the scenario still has no problems."""
    body = CITY.replace("reserves = 1e5",
                        "reserves = 1e5\nvalid_until = { expenditure = 2025-09-30 }")
    s = scenario(body)
    (fact,) = provenance.aged_facts(s)
    assert fact.path == "city[A].budget.expenditure"
    assert "before the run ends (2026-01-01)" in fact.message
    assert provenance.problems(s) == []


def test_a_fact_already_expired_at_the_start_says_so():
    """valid_until before the start reads 'before the run starts'."""
    body = CITY.replace("reserves = 1e5", "reserves = 1e5\nvalid_until = { reserves = 2024-06-30 }")
    (fact,) = provenance.aged_facts(scenario(body))
    assert "before the run starts" in fact.message


def test_legal_status_over_a_year_old_warns_and_other_old_facts_do_not():
    """as_of more than a year before the start warns for measures and policies only."""
    s = scenario(CITY + DATED)
    assert [f.path for f in provenance.aged_facts(s)] == ["measure[Conditions].effective"]
    recent = scenario(CITY + DATED.replace("2023-06-01", "2024-06-01"))
    assert provenance.aged_facts(recent) == []
    budget = CITY.replace("reserves = 1e5", "reserves = 1e5\nas_of = { reserves = 2019-12-31 }")
    assert provenance.aged_facts(scenario(budget)) == []


def test_dates_of_facts_are_not_numbers_needing_a_source():
    """as_of and valid_until describe numbers: they are not leaves of the provenance walk."""
    body = CITY.replace("reserves = 1e5", "reserves = 1e5\nas_of = { reserves = 2024-12-31 }")
    assert not any("as_of" in c.path for c in provenance.citations(scenario(body)))


def test_dated_keys_must_name_the_tables_keys():
    """A typo in as_of is an error naming the key, like one in sources."""
    body = CITY.replace("reserves = 1e5", "reserves = 1e5\nas_of = { reservs = 2024-12-31 }")
    with pytest.raises(sim.ScenarioError, match="reservs"):
        scenario(body)


def test_validate_prints_dated_fact_warnings_and_passes(tmp_path):
    """`fundsim validate` prints each warning as FILE: path: warning: ... and exits 0."""
    path = tmp_path / "dated.toml"
    path.write_text(BASE + CITY + DATED)
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    assert f"{path}: ok, 1 dated-fact warning" in result.output
    assert f"{path}: measure[Conditions].effective: warning: legal status as of 2023-06-01" in (
        result.output)


@pytest.mark.parametrize("site", ["slideplayer.com/slide/1", "newyork-news.org/nyc-sues",
                                  "nvnorthwest.com/2020/08/x", "blackchronicle.com/west/x"])
def test_mirrors_found_in_the_sourcing_audit_are_weak(site):
    """The mirrors and rewriters the issue-23 audit found cited are rejected for a key number."""
    body = CITY.replace('population = "census"', f'population = "via https://{site}"')
    assert [p.path for p in provenance.problems(scenario(body))] == ["city[A].population"]
