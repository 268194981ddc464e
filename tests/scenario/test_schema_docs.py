from pathlib import Path

from click.testing import CliRunner

from sim.cli import main
from sim.scenario import (
    Budget,
    City,
    Enforcement,
    Grant,
    Measure,
    Scenario,
    ScenarioInfo,
    Strategy,
    SwitchRule,
    Trust,
)
from sim.scenario.schema_docs import describe_type, markdown

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "docs" / "scenario-reference.md"


def test_committed_reference_matches_the_schema():
    """docs/scenario-reference.md is exactly what `fundsim schema --markdown` prints."""
    assert REFERENCE.read_text(encoding="utf-8") == markdown(), (
        "regenerate: fundsim schema --markdown > docs/scenario-reference.md")


def test_every_key_of_every_table_is_documented():
    """Each field of each scenario table has a row, with its description."""
    text = markdown()
    for model in (Scenario, ScenarioInfo, City, Budget, Grant, Measure, Strategy,
                  Enforcement, Trust, SwitchRule):
        for key, field in model.model_fields.items():
            assert f"| `{field.alias or key}` |" in text, (model.__name__, key)
            assert field.description, f"{model.__name__}.{key} has no docstring"


def test_types_carry_units():
    """Money, shares, rates, months and dates are named as such."""
    assert describe_type("reserves", Budget.model_fields["reserves"]).startswith("money, USD")
    assert describe_type("reserve_floor", Budget.model_fields["reserve_floor"]).startswith(
        "share, 0–1")
    assert describe_type("payment_lag_months",
                         Grant.model_fields["payment_lag_months"]).startswith("months")
    assert describe_type("effective", Measure.model_fields["effective"]) == "date (or uncertain)"


def test_schema_markdown_command_prints_the_reference():
    """`fundsim schema --markdown` prints the reference."""
    result = CliRunner().invoke(main, ["schema", "--markdown"])
    assert result.exit_code == 0
    assert result.output == markdown()
