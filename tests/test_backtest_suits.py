"""Suit backtests: the record files, a hand-computed scoring, the printed table."""

import datetime as dt
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

import sim
from sim.backtest_suits import (
    SuitBacktest,
    format_scores,
    load_suit_backtest,
    score_items,
    summarise,
)
from sim.errors import ScenarioError
from tests.conftest import ONE_CITY

ROOT = Path(__file__).resolve().parent.parent
SUIT_FILES = [ROOT / "scenarios" / "observed" / name
              for name in ("backtest-2025.toml", "backtest-2025-rolling.toml")]
START = pd.Timestamp("2025-01-01")


@pytest.mark.parametrize("path", SUIT_FILES, ids=lambda p: p.stem)
def test_shipped_suit_backtests_load_and_cite_every_suit(path):
    """Each shipped record names its scenario's measures and cities and cites every suit."""
    backtest, scenario = load_suit_backtest(path)
    assert all(s.source for s in backtest.suit)
    assert {s.measure for s in backtest.suit} <= {m.name for m in scenario.measure}


BASE = """
scenario = "{scenario}"
observed_until = 2025-04-30
[reference]
relief_days = [10, 100]
extension_days = [20]
source = "past suits"
[[suit]]
name = "Springfield v. DOJ"
measure = "DOJ conditions"
filed = 2025-03-01
relief = 2025-03-21
source = "order"
"""


@pytest.mark.parametrize(("change", "message"), [
    (('measure = "DOJ conditions"', 'measure = "Nope"'), "suit[0].measure: no [[measure]]"),
    (("relief = 2025-03-21", "relief = 2025-02-01"), "relief (2025-02-01) comes before filed"),
    (("filed = 2025-03-01", "filed = 2025-03-01\npool = [\"Atlantis\"]"),
     "suit[0].pool: no coalition or city"),
    (('source = "order"', 'source = "order"\n[[withheld]]\ncity = "Atlantis"\nvalue = 1\n'
      'reference = [0]\nsource = "x"'), "withheld[0].city: no [[city]]"),
    (("observed_until = 2025-04-30", "observed_until = 2025-02-01"),
     "suit[0].filed: filed after observed_until"),
], ids=["measure", "order", "pool", "city", "window"])
def test_bad_records_are_reported_by_key(tmp_path, change, message):
    """Each mistake names the key and what is wrong."""
    (tmp_path / "s.toml").write_text(ONE_CITY)
    text = BASE.format(scenario="s.toml").replace(*change)
    (tmp_path / "o.toml").write_text(text)
    with pytest.raises(ScenarioError, match=message.replace("[", r"\[").replace("(", r"\(")
                       .replace(")", r"\)")):
        load_suit_backtest(tmp_path / "o.toml")


def fake_run():
    """Two simulated suits relieved 10 and 30 days after filing; withheld 0 or 100."""
    day = pd.Timedelta(days=1)
    events = pd.DataFrame([
        {"strategy": "sanctuary", "replication": r, "date": START + d * day,
         "city": "Springfield", "kind": k, "detail": "DOJ conditions; Springfield"}
        for r, d, k in ((0, 5, "suit_filed"), (0, 15, "injunction_granted"),
                        (1, 5, "suit_filed"), (1, 35, "injunction_granted"))])
    trajectories = pd.DataFrame({"strategy": "sanctuary", "replication": [0, 1],
                                 "city": "Springfield", "date": START,
                                 "federal_withheld": [0.0, 100.0]})
    return SimpleNamespace(events=events, trajectories=trajectories)


def test_scores_of_a_hand_computed_case():
    """Model certain of relief in the window, naive 50-50; CRPS by hand."""
    backtest = SuitBacktest.model_validate({
        "scenario": "s.toml", "observed_until": dt.date(2025, 4, 30),
        "reference": {"relief_days": [10, 100], "source": "past"},
        "suit": [{"name": "S v. DOJ", "measure": "DOJ conditions", "filed": dt.date(2025, 3, 1),
                  "relief": dt.date(2025, 3, 21), "source": "order"}],
        "withheld": [{"city": "Springfield", "value": 0, "reference": [0], "source": "x"}]})
    items = score_items(fake_run(), backtest, sim.load(ONE_CITY)).set_index(["family", "rule"])
    # Window 60 days: both simulated suits relieved within it (p = 1), naive 10 of [10, 100].
    assert items.loc[("relief", "Brier"), ["model_score", "naive_score"]].tolist() == [0.0, 0.25]
    # 20 days: model [10, 30] -> 10 - 10 / 2 = 5; naive [10, 100] -> 45 - 45 / 2 = 22.5.
    assert items.loc[("days_to_relief", "CRPS"), ["model_score", "naive_score"]].tolist() == \
        pytest.approx([5.0, 22.5])
    # $0 withheld: model [0, 100] -> 50 - 50 / 2 = 25; naive certain of 0.
    assert items.loc[("withheld", "CRPS"), ["model_score", "naive_score"]].tolist() == \
        pytest.approx([25.0, 0.0])


def test_summary_gives_skill_and_the_table_fits_80_columns():
    """Skill 1 - model / naive per family; the printed table never passes 80 columns."""
    items = pd.DataFrame({
        "family": ["relief", "relief", "days_to_relief", "withheld"],
        "rule": ["Brier", "Brier", "CRPS", "CRPS"],
        "model_score": [0.1, 0.3, 40.0, 4.5e9], "naive_score": [0.2, 0.2, 20.0, 1.0]})
    scores = summarise(items, draws=200).set_index(["family", "rule"])
    assert scores.loc[("relief", "Brier"), "skill"] == pytest.approx(0.0)
    assert scores.loc[("days_to_relief", "CRPS"), "skill"] == pytest.approx(-1.0)
    text = format_scores(scores.reset_index(), "A title")
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "relief granted" in text and "dollars withheld" in text and "4.5B" in text
