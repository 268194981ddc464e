"""Terminal tables: the backtest tables fit an 80-column terminal and say what they show."""

import pandas as pd

from sim.analysis.backtest import summarise
from sim.console import backtest_comparison, backtest_scores


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
