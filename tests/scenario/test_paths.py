"""Key paths (sim/scenario/paths.py): what-ifs by Scenario.with_values and Scenario.value_at,
names of uncertain quantities."""

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sim
from sim.errors import ScenarioError
from sim.scenario import EXAMPLE, loads, parse_path, uncertain_leaves
from sim.scenario.uncertain import Uniform
from tests.conftest import ONE_CITY

SCENARIOS = Path(__file__).parents[2] / "scenarios"


@pytest.fixture(scope="module")
def coalition():
    return sim.load(SCENARIOS / "coalition-2025.toml")


@pytest.fixture(scope="module")
def los_angeles():
    return sim.load(SCENARIOS / "los-angeles.toml")


def only_problem(error: pytest.ExceptionInfo) -> object:
    assert len(error.value.problems) == 1, error.value.problems
    return error.value.problems[0]


def test_item_by_name_or_by_index_is_the_same_item(coalition):
    """city[Seattle] and city[1] (and city[-n+1], counted from the end) name the same city."""
    by_name = coalition.with_values({"city[Seattle].budget.reserves": 1.5e8})
    by_index = coalition.with_values({"city[1].budget.reserves": 1.5e8})
    from_end = coalition.with_values({f"city[{1 - len(coalition.city)}].budget.reserves": 1.5e8})
    assert by_name == by_index == from_end
    assert by_name.city_named("Seattle").budget.reserves == 1.5e8


def test_one_key_under_two_spellings_is_refused(coalition):
    """city[Seattle] and city[1] given together: one key, two values; neither silently wins."""
    with pytest.raises(ScenarioError) as error:
        coalition.with_values({"city[1].budget.reserves": 1e8,
                               "city[Seattle].budget.reserves": 2e8})
    assert str(only_problem(error)) == (
        "<override>: city[Seattle].budget.reserves: the same key as city[1].budget.reserves; "
        "give each key once (got 200000000.0)")
    assert coalition.canonical_path("city[Seattle].budget.reserves") == (
        coalition.canonical_path(f"city[{1 - len(coalition.city)}].budget.reserves"))


def test_grants_are_named_by_program(los_angeles):
    """A grant is selected by its program name, even one with dots and parentheses."""
    path = "city[Los Angeles].grant[Violence Against Women (OVW)].amount"
    changed = los_angeles.with_values({path: 7e5})
    assert changed.value_at(path) == 7e5
    assert changed.city[0].grant[4].amount == 7e5


def test_item_names_may_contain_dots():
    """Names are read whole inside brackets, dots included."""
    assert parse_path("measure[H.R. 32].probability") == [("measure", "H.R. 32"),
                                                          ("probability", None)]


def test_other_values_are_left_alone(coalition):
    """Only the named value changes; the original scenario is not modified."""
    before = coalition.model_dump()
    changed = coalition.with_values({"city[Denver].budget.reserves": 1e6})
    assert coalition.model_dump() == before
    after = changed.model_dump()
    denver = [c["name"] for c in before["city"]].index("Denver")
    after["city"][denver]["budget"]["reserves"] = before["city"][denver]["budget"]["reserves"]
    assert after == before


def test_no_override_gives_an_equal_scenario(coalition, los_angeles):
    """Dumping and validating again loses nothing."""
    assert coalition.with_values({}) == coalition
    assert los_angeles.with_values({}) == los_angeles


def test_nested_default_table_is_created_on_the_way():
    """A key inside a table the file left to its defaults can be set."""
    scenario = sim.load(EXAMPLE)
    changed = scenario.with_values({"city[0].budget.gap_closing.order": ["tax_increase"]})
    assert changed.city[0].budget.gap_closing.order == ["tax_increase"]
    assert changed.city[0].budget.gap_closing.service_cut_limit == 0.05


def test_lists_and_list_elements(los_angeles):
    """Whole lists and single list elements (by index) can be replaced."""
    changed = los_angeles.with_values({
        "measure[0].penalises": ["sanctuary", "partial"],
        "city[0].grant[Byrne JAG].tags[0]": "justice",
    })
    assert changed.measure[0].penalises == ["sanctuary", "partial"]
    assert changed.city[0].grant[0].tags == ["justice"]


def test_a_whole_table_can_be_replaced(los_angeles):
    """A list item given as a dict replaces the whole table, validated."""
    grant = {"program": "Byrne JAG", "agency": "DOJ", "amount": 1e6}
    changed = los_angeles.with_values({"city[0].grant[Byrne JAG]": grant})
    assert changed.city[0].grant[0].amount == 1e6
    assert changed.city[0].grant[0].tags == []


def test_uncertain_quantities_as_dicts_or_objects(los_angeles):
    """A value may become uncertain, given as a dict or as a distribution object."""
    path = "measure[No Bailout for Sanctuary Cities Act].probability"
    as_dict = los_angeles.with_values({path: {"dist": "uniform", "low": 0.2, "high": 0.4}})
    as_object = los_angeles.with_values({path: Uniform(dist="uniform", low=0.2, high=0.4)})
    assert as_dict == as_object
    assert as_dict.value_at(path).mean == pytest.approx(0.3)
    fixed = los_angeles.with_values({path: 0.75})
    assert fixed.value_at(path) == 0.75


def test_numpy_numbers_are_accepted(los_angeles):
    """Values from numpy sweeps (np.float64, np.int64, arrays) validate like Python ones."""
    changed = los_angeles.with_values({
        "city[0].budget.reserves": np.float64(5e8),
        "scenario.years": np.int64(3),
        "measure[0].penalises": np.array(["sanctuary", "partial"]),
    })
    assert changed.scenario.years == 3
    assert changed.city[0].budget.reserves == 5e8
    assert changed.measure[0].penalises == ["sanctuary", "partial"]


BAD_OVERRIDES = [
    ("city[Seattle].budget.reserves", -1, "must be >= 0"),
    ("city[Seattle].budget.reservs", 1e8, "unknown key; did you mean 'reserves'?"),
    ("cty[0].name", "x", "a scenario has no key 'cty'"),
    ("city[Gotham].budget.reserves", 1e8, "no city named 'Gotham' (known: San Francisco, "
                                          "Seattle, Santa Clara County"),
    ("city[12].budget.reserves", 1e8, "city has 9 entries, no [12]"),
    ("city[Seattle].grant[0].amount", "lots", "expected a number"),
    ("city[Seattle].budget.reserve_floor.low", 1, "city[Seattle].budget.reserve_floor is a value"),
    ("city[Seattle].budget[0]", 1, "city[Seattle].budget is not a list"),
    ("measure[0].withhold_share", {"dist": "uniform", "low": 0.5, "high": 0.2},
     "low (0.5) must be below high (0.2)"),
    ("measure[0].probability", 1.5, "must be >= 0 and <= 1"),
    ("city[Seattle].budget.gap_closing.order[0]", "cuts",
     "must be one of 'service_cuts', 'tax_increase'"),
    ("city..budget", 1, "cannot read the key path at '.budget'"),
    ("city[]", 1, "cannot read the key path"),
    ("''", 1, "not a key path"),
]


@pytest.mark.parametrize(("path", "value", "message"), BAD_OVERRIDES,
                         ids=[case[0] or "empty" for case in BAD_OVERRIDES])
def test_bad_override_is_one_clear_problem(coalition, path, value, message):
    """Each bad override names its origin, the key path as written, and the value."""
    with pytest.raises(ScenarioError) as error:
        coalition.with_values({"" if path == "''" else path: value})
    problem = only_problem(error)
    assert (problem.file, problem.path, problem.value) == ("<override>", path, value)
    assert message in problem.message
    assert str(problem).startswith(f"<override>: {path}: ")


def test_unknown_table_on_the_way_is_named(coalition):
    """A misspelt table inside the path is the problem, with a suggestion."""
    with pytest.raises(ScenarioError) as error:
        coalition.with_values({"city[Seattle].budgt.reserves": 1e8})
    problem = only_problem(error)
    assert problem.path == "city[Seattle].budgt"
    assert problem.message == "unknown key; did you mean 'budget'?"


def test_problem_shows_the_value(coalition):
    """The line printed for a problem ends with the offending value."""
    with pytest.raises(ScenarioError) as error:
        coalition.with_values({"city[Denver].budget.reserves": -3})
    assert str(only_problem(error)) == (
        "<override>: city[Denver].budget.reserves: must be >= 0 (got -3)")


def test_every_problem_is_reported_at_once(coalition):
    """Several bad overrides give one problem each, in one error."""
    with pytest.raises(ScenarioError) as error:
        coalition.with_values({"city[Denver].budget.reserves": -3, "scenario.years": 0,
                               "city[Nowhere].population": 1})
    assert sorted(p.path for p in error.value.problems) == [
        "city[Denver].budget.reserves", "city[Nowhere].population", "scenario.years"]


def test_override_problems_read_like_file_problems(tmp_path):
    """The same bad value gives the same message from a file and from an override."""
    bad = tmp_path / "bad.toml"
    bad.write_text(EXAMPLE.replace("reserves = 1e7", "reserves = -1e7"))
    with pytest.raises(ScenarioError) as from_file:
        sim.load(bad)
    with pytest.raises(ScenarioError) as from_override:
        sim.load(EXAMPLE).with_values({"city[0].budget.reserves": -1e7})
    file_problem, override_problem = only_problem(from_file), only_problem(from_override)
    assert file_problem.file == str(bad)
    assert (file_problem.path, file_problem.message, file_problem.value) == (
        override_problem.path, override_problem.message, override_problem.value)


def test_whole_scenario_checks_apply_to_overrides(los_angeles):
    """Checks across the scenario (state law, horizon) run on overridden values too."""
    with pytest.raises(ScenarioError) as error:
        los_angeles.with_values({"scenario.strategies": ["full"]})
    assert "forbidden in Los Angeles: " in only_problem(error).message
    with pytest.raises(ScenarioError) as error:
        los_angeles.with_values({"measure[4].effective": "2040-01-01"})
    assert "after the horizon" in only_problem(error).message


def test_origin_can_be_named(coalition):
    """Callers (a sweep, a notebook) can say where the override came from."""
    with pytest.raises(ScenarioError) as error:
        coalition.with_values({"scenario.years": 0}, origin="sweep.toml")
    assert str(only_problem(error)).startswith("sweep.toml: scenario.years: ")


def test_values_must_be_a_mapping(coalition):
    """Passing something other than a dict is a programming error."""
    with pytest.raises(TypeError, match="must map key paths"):
        coalition.with_values([("scenario.years", 2)])


def test_value_at_reads_what_with_values_writes(los_angeles):
    """value_at reads tables, list items by name or index, and aliases like `mean`."""
    assert los_angeles.value_at("scenario.years") == 5
    assert los_angeles.value_at("city[Los Angeles].grant[-1].agency") == "HUD"
    beta = los_angeles.value_at("measure[No Bailout for Sanctuary Cities Act].probability")
    assert beta.mean == pytest.approx(0.025)
    normal = los_angeles.with_values(
        {"city[0].budget.reserves": {"dist": "normal", "mean": 4e8, "sd": 1e7, "low": 0}})
    assert normal.value_at("city[0].budget.reserves.mean") == 4e8


@pytest.mark.parametrize(("path", "message"), [
    ("city[Nowhere].budget", "no city named 'Nowhere'"),
    ("city[0].budgt", "city[0] has no key 'budgt'"),
    ("city[0].budget.reserve_floor.low", "city[0].budget.reserve_floor is a value"),
    ("scenario[0]", "scenario is not a list"),
])
def test_value_at_names_the_missing_step(los_angeles, path, message):
    """A path that leads nowhere raises KeyError saying where it stops."""
    with pytest.raises(KeyError, match=message.replace("[", r"\[").replace("]", r"\]")):
        los_angeles.value_at(path)


@settings(max_examples=40, deadline=None)
@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False))
def test_reserves_override_is_kept_or_refused(reserves):
    """Any reserve figure is either kept exactly (>= 0) or refused with the path and value."""
    scenario = sim.load(EXAMPLE)
    path = "city[Springfield].budget.reserves"
    if reserves >= 0:
        assert scenario.with_values({path: reserves}).value_at(path) == reserves
    else:
        with pytest.raises(ScenarioError) as error:
            scenario.with_values({path: reserves})
        problem = only_problem(error)
        assert (problem.path, problem.value) == (path, reserves)


def test_unvalidated_copies_are_refused(coalition):
    """pydantic's model_copy(update=...) would skip validation, so it points to with_values."""
    with pytest.raises(TypeError, match="with_values"):
        coalition.model_copy(update={"city": []})
    with pytest.raises(TypeError, match="with_values"):
        coalition.city[0].budget.model_copy(update={"reserves": -1.0})
    assert coalition.model_copy(deep=True) == coalition


def test_setting_an_attribute_says_to_use_with_values(coalition):
    """`scenario.city[0].budget.reserves = x` names the class and key and points to with_values."""
    with pytest.raises(AttributeError, match=r"Budget\.reserves cannot be set: .*with_values"):
        coalition.city[0].budget.reserves = 1.0
    with pytest.raises(AttributeError, match="with_values"):
        coalition.scenario.name = "other"


def test_with_values_overrides_by_name_and_index(one_city):
    """Overrides address list items by name or by position and are validated."""
    changed = one_city.with_values({"city[Springfield].budget.reserves": 5e7,
                                    "measure[0].withhold_share": 0.5})
    assert changed.city[0].budget.reserves == 5e7
    assert changed.measure[0].withhold_share == 0.5
    assert one_city.city[0].budget.reserves == 1e8


def test_with_values_reports_bad_paths_and_values(one_city):
    """Bad override paths and values give the same clear problems as files."""
    with pytest.raises(ScenarioError) as caught:
        one_city.with_values({"city[Shelbyville].budget.reserves": 1.0})
    assert "no city named 'Shelbyville'" in str(caught.value)
    with pytest.raises(ScenarioError) as caught:
        one_city.with_values({"city[0].budget.reserves": -1.0})
    assert "<override>: city[0].budget.reserves: must be >= 0 (got -1.0)" in str(caught.value)


def test_uncertain_leaves_are_named_by_name_not_position():
    """Stream names of uncertain quantities do not depend on list order."""
    text = ONE_CITY.replace("reserves = 1.0e8",
                            'reserves = {dist = "uniform", low = 5e7, high = 1.5e8}')
    (path, _), = uncertain_leaves(loads(text))
    assert path == "city[Springfield].budget.reserves"
