"""Terminal output: the headline and backtest tables read at 80 columns and say what they show;
names from scenario files reach the terminal as text, never as escape sequences or markup."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest
from rich.console import Console

import sim
from sim.analysis.backtest import summarise
from sim.cli import main
from sim.console import backtest_comparison, backtest_scores, headline_table
from tests.conftest import ONE_CITY


@pytest.fixture(scope="module")
def poor_city_run():
    """The one-city scenario with reserves so low that the baseline breaches its floor."""
    scenario = sim.load(ONE_CITY).with_values({"city[Springfield].budget.reserves": 1e6})
    return sim.run(scenario, replications=12, workers=1)


def printed(run) -> str:
    console = Console(width=80, record=True, file=io.StringIO())
    headline_table(run, console)
    return console.export_text()


def test_headline_table_fits_80_columns_two_lines_a_strategy(poor_city_run):
    """Each strategy: its means, then the 90% ranges; nothing wider than the terminal."""
    text = printed(poor_city_run)
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "mean over replications; under it, the range of 90% of them" in text
    row = next(line for line in text.splitlines() if line.strip().startswith("sanctuary"))
    assert row.count("$") == 3


def test_floor_breached_is_a_change_against_a_baseline_that_already_breaches(poor_city_run):
    """The baseline's own share, each strategy's change in pp, and one line saying why."""
    text = printed(poor_city_run)
    base = poor_city_run.summary.query("strategy == 'baseline' and metric == 'floor_breached'")
    assert base["mean"].iloc[0] > 0
    assert "pp" in next(line for line in text.splitlines() if "sanctuary" in line)
    assert f"reserves already fall below the floor in {base['mean'].iloc[0]:.0%}" in " ".join(
        text.split())


def test_score_table_fits_80_columns_even_for_extreme_scores():
    """Billions of dollars and a skill far below -99 still fit, and every family is labelled."""
    items = pd.DataFrame({
        "family": ["relief", "relief", "days_to_relief", "days_to_extend", "withheld"],
        "rule": ["Brier", "Brier", "CRPS", "CRPS", "CRPS"],
        "model_score": [0.1, 0.3, 40.0, 12345.0, 4.5e9], "naive_score": [0.2, 0.2, 20.0, 5.0, 1.0]})
    text = backtest_scores(summarise(items, draws=200), "A title")
    assert max(len(line) for line in text.splitlines()) <= 80
    for label in ("relief granted", "days to first relief", "days to extend relief",
                  "dollars withheld", "4.5B", "<-99", "Skill = 1 - model / naive"):
        assert label in text


def test_comparison_table_fits_80_columns_and_explains_its_columns():
    """A metric backtest prints a titled table with its percentile and 90% band explained."""
    table = pd.DataFrame([{
        "metric": "months_to_injunction", "city": "A city with a rather long name, Illinois",
        "strategy": "sanctuary", "observed": 1.7, "mean": 3.8, "p05": 2.9, "p50": 3.0,
        "p95": 10.3, "percentile": 0.0, "inside_90": False}, {
        "metric": "federal_withheld", "city": "Chicago", "strategy": "sanctuary",
        "observed": 2333428.0, "mean": 987040.0, "p05": 0.0, "p50": 0.0, "p95": 2333428.0,
        "percentile": 79.2, "inside_90": True}])
    text = backtest_comparison(table, "Backtest: Chicago")
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "percentile" in text and "central 90%" in text
    assert "$987K" in text and "NO" in text


HOSTILE_NAME = "Spring\x1b[2J\x1b]0;owned\x07[/bold]field\u202e"
"""Clears the screen, retitles the window, closes rich markup never opened, reverses text."""


def test_names_in_the_terminal_summary_are_escaped(cli, tmp_path):
    """Issue 21 item 24: ANSI escape sequences in a name were printed raw in the summary
    (and rich markup in one was an internal MarkupError); now shown escaped, as in errors."""
    path = tmp_path / "city.toml"  # JSON's string escapes are TOML's
    path.write_text(ONE_CITY.replace('"Springfield"', json.dumps(HOSTILE_NAME), 1)
                    .replace('"Test city"', json.dumps("Test\x1b[5m city"), 1))
    result = cli.invoke(main, ["run", str(path), "-o", str(tmp_path / "out"), "-n", "2",
                               "-w", "1", "--no-figures"])
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "\u202e" not in result.output
    assert "Test\\u001b[5m city" in result.stderr
    assert "Spring\\u001b[2J\\u001b]0;owned\\u0007[/bold]field\\u202e" in result.stderr


def test_backtest_table_escapes_names():
    """A city's name in a backtest table cannot drive the terminal either."""
    table = pd.DataFrame([{
        "metric": "federal_withheld", "city": "Chi\x1b[31mcago", "strategy": "sanctuary",
        "observed": 1.0, "mean": 1.0, "p05": 0.0, "p50": 1.0, "p95": 2.0, "percentile": 50.0,
        "inside_90": True}])
    text = backtest_comparison(table, "Back\x1b[2Jtest")
    assert "\x1b" not in text
    assert "Back\\u001b[2Jtest" in text and "Chi\\u001b[31mcago" in text
