"""The bad-input corpus: every broken scenario is refused cleanly by every command.

``tests/data/bad/`` holds one deliberately broken file per failure mode (its
first line says what is wrong).  Each is paired here with the problems
fundsim must report, one line each, ``FILE: key.path: message (got VALUE)``:
every listed fragment must appear on its own line and no other line may
appear.  Absurd sizes too large to commit are generated on the fly.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.cli import main

BAD = Path(__file__).parent / "data" / "bad"

Line = str | tuple[str, ...]
"""Fragments of one message line: one, or several that must all appear in it."""

EXPECTED: dict[str, list[Line]] = {
    # syntax and file format
    "binary": [": binary data, not a TOML text file"],
    "not_utf8": [": not UTF-8 text (byte 157, line 10); save the file as UTF-8"],
    "empty": [": empty file; a scenario needs [scenario] and at least one [[city]]"],
    "comments_only": [": scenario: required key is missing", ": city: required key is missing"],
    "syntax_unclosed_string": [": TOML syntax error: Illegal character '\\n' (at line 10"],
    "syntax_missing_value": [": TOML syntax error: Invalid value (at line 5, column 8)"],
    "syntax_duplicate_key": [": TOML syntax error: Cannot overwrite a value (at line 6"],
    "syntax_invalid_date": [": TOML syntax error: Invalid date or datetime (at line 4"],
    "syntax_deep_nesting": [": TOML nested too deeply"],
    "missing_city": [": city: required key is missing"],
    "missing_scenario": [": scenario: required key is missing"],
    "missing_required_key": [": city[0].budget.expenditure: required key is missing"],
    # wrong types
    "type_quoted_number": [
        ": city[0].budget.reserves: expected a number without quotes, or an uncertain "
        "quantity {dist = ...} (got '1.0e8')"],
    "type_bool_for_number": [(": city[0].budget.reserves: expected a number", "(got true)")],
    "type_fractional_count": [(": scenario.years: must be a whole number", "(got 2.5)")],
    "type_date_as_text": [(": scenario.start: must be a date written YYYY-MM-DD, without quotes",
                          "(got 'January 2025')")],
    "type_datetime_for_date": [(": scenario.start: must be a date without a time of day",
                               "(got 2025-01-01T09:30:00)")],
    "type_text_for_list": [(": measure[0].agencies: must be a list in brackets", "(got 'DOJ')")],
    "type_number_in_text_list": [": measure[0].agencies[1]: must be text in quotes (got 7)"],
    "type_table_for_table_list": [
        ": city: must be one or more [[city]] tables, not a single [city] table (got {name = "],
    "type_number_for_table": [(": city[0].budget: must be a table", "(got 1000000000.0)")],
    # out-of-range numbers
    "range_negative_money": [": city[0].budget.reserves: must be >= 0 (got -1000000.0)"],
    "range_share_above_one": [
        ": city[0].budget.reserve_floor: must be >= 0 and <= 1 (got 1.5)"],
    "range_probability_above_one": [": measure[0].probability: must be >= 0 and <= 1 (got 1.2)"],
    "range_probability_negative": [
        ": measure[0].withhold_share: must be >= 0 and <= 1 (got -0.25)"],
    "range_zero_years": [": scenario.years: must be >= 1 (got 0)"],
    "range_month_13": [": city[0].fiscal_year_start: must be <= 12 (got 13)"],
    "range_negative_seed": [": scenario.seed: must be >= 0 (got -1)"],
    "range_zero_replications": [": scenario.replications: must be >= 1 (got 0)"],
    "range_infinite_money": [(": city[0].grant[0].amount: must be a finite number", "(got inf)")],
    "range_nan_money": [(": city[0].grant[0].amount: must be a finite number", "(got nan)")],
    "range_overflowing_literal": [": city[0].grant[0].amount: must be a finite number"],
    "range_absurd_money": [
        ": city[0].budget.expenditure: must lie between -1e+15 and 1e+15 (got 1e+300)"],
    "range_huge_integer": [
        ": city[0].population: must be <= 100000000 (got 123456789012345678901234567890)"],
    "range_growth_above_100pct": [
        ": city[0].budget.expenditure_growth: must be >= -1 and <= 1 (got 2.5)"],
    # invalid distributions
    "dist_unknown": [(": city[0].budget.reserves: unknown distribution (expected one of",
                     "(got {dist = 'poisson', lam = 3.0})")],
    "dist_missing_dist_key": [": city[0].budget.reserves: an uncertain quantity needs a `dist`"],
    "dist_negative_sigma": [": city[0].budget.reserves.sigma: must be > 0 (got -0.5)"],
    "dist_low_above_high": [
        ": city[0].budget.reserves: low (200000000.0) must be below high (100000000.0) "
        "(got {dist = 'uniform', low = 200000000.0, high = 100000000.0})"],
    "dist_triangular_mode_outside": [
        ": city[0].budget.reserves: need low <= mode <= high"],
    "dist_zero_sd": [": city[0].budget.reserves.sd: must be > 0 (got 0)"],
    "dist_untruncated_normal_money": [
        ": city[0].budget.reserves: the distribution's range [-inf, inf] must lie within >= 0"],
    "dist_range_outside_share": [
        ": measure[0].probability: the distribution's range [0.5, 1.5] must lie within "
        ">= 0 and <= 1"],
    "dist_weights_mismatch": [
        ": city[0].budget.reserves: weights has 1 entries but values has 2"],
    "dist_empty_choice": [": city[0].budget.reserves.values: needs at least 1 entry (got [])"],
    "dist_heavy_lognormal": [
        ": city[0].budget.reserves: the distribution can produce inf, beyond 1e+15"],
    "dist_unknown_parameter": [
        ": city[0].budget.reserves.mean: unknown key (allowed here: dist, low, high) "
        "(got 100000000.0)"],
    # impossible dates
    "date_measure_after_horizon": [
        ": measure[0].effective: after the horizon, which ends 2026-12-31 (got 2031-03-01)"],
    "date_rescinded_before_effect": [
        ": measure[0].rescind_date: before the measure takes effect (2025-03-01) "
        "(got 2025-01-15)"],
    "date_rescission_without_date": [
        ": measure[0].rescind_date: required when rescind_probability can be above zero"],
    "date_range_end_before_start": [
        ": measure[0].effective: low (2026-06-01) must be before high (2025-06-01)"],
    "date_start_out_of_range": [": scenario.start: outside the years 1900-2300 (got 1850-01-01)"],
    "date_horizon_past_9999": [
        ": scenario.start: outside the years 1900-2300 (got 9995-01-01)"],
    "date_number_for_date": [(": measure[0].effective: expected a date (YYYY-MM-DD)",
                             "(got 20250301)")],
    # unknown keys and typos
    "unknown_key_typo": [": city[0].budget.reserves: required key is missing",
                         ": city[0].budget.reserve: unknown key; did you mean 'reserves'? "
                         "(got 100000000.0)"],
    "unknown_table_typo": [": scenario: required key is missing",
                           ": scenaro: unknown key; did you mean 'scenario'?"],
    "unknown_key_top_level": [": author: unknown key (allowed here: scenario, city, measure, "
                              "strategy, litigation, sources, recession, threshold) "
                              "(got 'me')"],
    "unknown_choice_typo": [
        ": city[0].state_law: must be one of 'neutral', 'sanctuary_mandated', "
        "'cooperation_mandated', 'california', 'washington', 'illinois', 'colorado', "
        "'massachusetts', 'new_york', 'new_jersey', 'oregon', 'texas'; did you mean "
        "'sanctuary_mandated'? (got 'sanctuary')"],
    "unknown_measure_kind": [": measure[0].kind: must be one of 'executive_order', "
                             "'grant_condition', 'legislation', 'termination', "
                             "'appropriations_lapse' (got 'decree')"],
    "unknown_source_key": [
        ": city[0].budget.sources: names keys this table does not have: expenditur; "
        "did you mean 'expenditure'? (got {expenditur = '2025 budget'})"],
    "state_not_postal_code": [
        ": city[0].state: must be a two-letter state postal code in capitals, e.g. 'IL' "
        "(got 'Illinois')"],
    "empty_name": [": city[0].name: must not be empty (got '')"],
    # duplicates and references
    "duplicate_city": [": city[1].name: name 'Springfield' used 2 times (city[0] has it first)"],
    "duplicate_measure": [
        ": measure[1].name: name 'DOJ conditions' used 2 times (measure[0] has it first)"],
    "duplicate_grant_program": [(
        ": city[0].grant[1].program: program 'JAG' used 2 times", "(got 'JAG')")],
    "reference_undefined_city": [
        ": measure[0].cities[0]: no [[city]] has this name (got 'Capital City')"],
    "reference_undefined_strategy": [
        ": scenario.strategies[1]: no such strategy (known: full, notify, notify_serious, "
        "partial, sanctuary) "
        "(got 'defiance')"],
    "reference_strategy_city": [
        ": strategy[0].cities[0]: no [[city]] has this name (got 'Capital City')"],
    "reserved_city_name": [
        ": city[1].name: 'all cities' is reserved for the rows of every city together; choose "
        "another name (got 'all cities')"],
    "reserved_strategy_name": [
        ": strategy[0].name: 'baseline' is reserved for the run without federal measures that "
        "every strategy is compared with; choose another name (got 'baseline')"],
    "reference_baseline_listed": [
        ": scenario.strategies[0]: the baseline is always run; do not list it (got 'baseline')"],
    "no_strategies": [": scenario.strategies: no strategy to run (got [])"],
    # state law
    "forbidden_strategy_state_law": [
        ": scenario.strategies[1]: strategy 'partial' (partial) is forbidden in Springfield: "
        "Cal. Gov. Code 7284.6(a)(1)(B) bars detaining anyone on an ICE hold request "
        "(state_law 'california') (got 'partial')"],
    "forbidden_current_policy": [
        ": city[0].current_policy: forbidden in Springfield: Texas SB 4 (2017), Code of "
        "Criminal Procedure art. 2.251 (comply with every immigration detainer) and Government "
        "Code 752.053 (no policy limiting immigration enforcement), upheld in City of El Cenizo "
        "v. Texas, 890 F.3d 164 (5th Cir. 2018): every detainer must be honoured (state_law "
        "'texas') (got 'sanctuary')"],
    "state_law_of_another_state": [
        ": city[0].state_law: the law of IL, but Springfield is in CO (got 'illinois')"],
    "measure_reach_beyond_its_kind": [
        ": measure[0].funding: a measure of kind 'executive_order' cannot reach entitlement "
        "funding: the executive cannot withhold funds Congress appropriated without its "
        "authorisation: City and County of San Francisco v. Trump, 897 F.3d 1225 (9th Cir. "
        "2018) (got ['discretionary', 'entitlement'])"],
    # litigation, coalitions, adaptive rules, enforcement and trust
    "coalition_undefined_member": [
        ": litigation.coalition[0].members[1]: no [[city]] has this name (got 'Gotham')"],
    "coalition_undefined_measure": [
        ": litigation.coalition[0].measures[0]: no [[measure]] has this name (got 'Travel ban')"],
    "coalition_duplicate_name": [
        ": litigation.coalition[1].name: name 'Cities' used 2 times (litigation.coalition[0] "
        "has it first)"],
    "coalition_late_member_undefined": [
        ": litigation.coalition[0].late_members[0].city: no [[city]] has this name "
        "(got 'Gotham')"],
    "coalition_cost_sharing_typo": [
        ": litigation.coalition[0].cost_sharing: must be one of 'equal', 'population', "
        "'budget'; did you mean 'equal'? (got 'equally')"],
    "litigation_undefined_strategy": [
        ": litigation.strategies[0]: no such strategy (known: full, notify, notify_serious, "
        "partial, sanctuary) "
        "(got 'defiance')"],
    "litigation_sue_alone_undefined_city": [
        ": litigation.sue_alone[0]: no [[city]] has this name (got 'Gotham')"],
    "litigation_scope_typo": [
        ": litigation.scope: must be one of 'parties', 'universal' (got 'nationwide')"],
    "court_probability_above_one": [
        ": litigation.grant_condition.merits.probability: must be >= 0 and <= 1 (got 1.5)"],
    "court_days_unordered": [
        ": litigation.grant_condition.merits.days: need low <= mode <= high (low 300, mode 200, "
        "high 100)"],
    "rule_unknown_condition": [
        ": strategy[0].rule[0].when: must be one of 'reserves_below_floor', 'funds_withheld', "
        "'measure_in_force', 'measure_rescinded', 'injunction_lost', 'final_loss' "
        "(got 'bankruptcy')"],
    "rule_undefined_measure": [
        ": strategy[0].rule[0].measure: no [[measure]] has this name (got 'Travel ban')"],
    "rule_zero_lag": [": strategy[0].rule[0].lag_months: must be >= 1 (got 0)"],
    "enforcement_negative_bookings": [
        ": city[0].enforcement.bookings_per_month: must be >= 0 and <= 1e+07 (got -40)"],
    "trust_sensitivity_absurd": [
        ": city[0].trust.enforcement_sensitivity: must be >= 0 and <= 1000 (got 5000)"],
    "measure_surge_below_one": [
        ": measure[0].enforcement_surge: must be >= 1 and <= 100 (got 0.5)"],
    "liability_zero_sigma": [
        ": litigation.liability.payout_sigma: must be > 0 and <= 5 (got 0)"],
    # absurd sizes
    "too_many_cities": [": city: has 10000 entries; at most 5000 allowed (got [{}, {}, "],
    "too_many_grants": [": city[0].grant: has 601 entries; at most 500 allowed"],
    "name_too_long": [(": scenario.name: is too long: 500 characters, at most 120 allowed",
                      "(got 'NNNNNNNN")],
    "description_too_long": [
        ": scenario.description: is too long: 20000 characters, at most 10000 allowed"],
}


def assert_refused(cli, path: Path, expected: list[Line], tmp_path: Path, monkeypatch) -> None:
    """`validate` and `run` both exit 2 with exactly the expected lines and write nothing."""
    monkeypatch.chdir(tmp_path)
    commands = (["validate", str(path)],
                ["run", str(path), "-w", "1", "-q"],
                ["run", str(path), "-o", str(tmp_path / "out"), "--overwrite"])
    for command in commands:
        result = cli.invoke(main, command)
        assert result.exit_code == 2, (command, result.output)
        assert "Traceback" not in result.output and result.stdout == ""
        lines = result.stderr.splitlines()
        assert all(line.startswith(f"{path}: ") for line in lines), lines
        assert_lines_match(lines, expected)
    assert [p.name for p in tmp_path.iterdir() if p != path] == []


def assert_lines_match(lines: list[str], expected: list[Line]) -> None:
    """Exactly one printed line per expected line, each holding all its fragments."""
    assert len(lines) == len(expected), lines
    for want in expected:
        fragments = (want,) if isinstance(want, str) else want
        assert any(all(f in line for f in fragments) for line in lines), (fragments, lines)


def test_every_corpus_file_is_listed():
    """Each file in tests/data/bad has its expected messages, and vice versa."""
    assert sorted(p.stem for p in BAD.glob("*.toml")) == sorted(EXPECTED)
    assert len(EXPECTED) >= 30


@pytest.mark.parametrize("name", sorted(EXPECTED), ids=sorted(EXPECTED))
def test_bad_file_is_refused_cleanly(name, cli, tmp_path, monkeypatch):
    """Exit status 2, one line per problem naming file, key path and value; nothing written."""
    assert_refused(cli, BAD / f"{name}.toml", EXPECTED[name], tmp_path, monkeypatch)


def _million_cities(path: Path) -> None:
    path.write_text("city = [" + ", ".join(["{}"] * 10**6) + "]\n")


def _ten_megabyte_string(path: Path) -> None:
    text = (BAD / "range_zero_years.toml").read_text().replace("years = 0", "years = 2")
    path.write_text(text.replace('name = "Broken on purpose"',
                                 'name = "Broken on purpose"\ndescription = "'
                                 + "x" * 10 * 2**20 + '"'))


def _seventeen_megabytes(path: Path) -> None:
    path.write_text("# " + "x" * 17 * 2**20 + "\n")


GIANTS = {
    "million_cities": (_million_cities, [
        ": city: has 1000000 entries; at most 5000 allowed",
        ": scenario: required key is missing"]),
    "ten_megabyte_string": (_ten_megabyte_string, [
        ": scenario.description: is too long: 10485760 characters, at most 10000 allowed"]),
    "seventeen_megabyte_file": (_seventeen_megabytes, [
        ": file is larger than 16 MiB, the limit for a scenario file"]),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(GIANTS), ids=sorted(GIANTS))
def test_absurdly_large_file_is_refused_cleanly(name, cli, tmp_path, monkeypatch):
    """Files too big to commit (10^6 cities, a 10 MB string, 17 MB) are refused the same way."""
    write, expected = GIANTS[name]
    path = tmp_path / f"{name}.toml"
    write(path)
    monkeypatch.chdir(tmp_path)
    result = cli.invoke(main, ["run", str(path), "-q"])
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert all(line.startswith(f"{path}: ") for line in lines), lines
    assert_lines_match(lines, expected)
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


@pytest.mark.parametrize("depth", [330, 2000])
@pytest.mark.parametrize("form", ["dotted key", "table header", "key in a city"])
def test_keys_nested_hundreds_deep_are_one_line(form, depth, cli, tmp_path):
    """a.b.c... 330 or 2,000 deep: one 'unknown key' line (it was a RecursionError)."""
    keys = [f"k{i}" for i in range(depth)]
    text = (BAD / "range_zero_years.toml").read_text().replace("years = 0", "years = 2")
    if form == "dotted key":
        text += "\n[extra]\n" + ".".join(keys) + " = 1\n"
    elif form == "table header":
        text += "\n[" + ".".join(keys) + "]\nx = 1\n"
    else:
        text = text.replace("[city.budget]\n", "[city.budget]\n" + ".".join(keys) + " = 1\n", 1)
    path = tmp_path / "deep.toml"
    path.write_text(text)
    result = cli.invoke(main, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    (line,) = result.stderr.splitlines()
    assert ": unknown key (allowed here: " in line and line.endswith("...)")
