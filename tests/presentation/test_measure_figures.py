"""The loss-by-measure waterfall: image test on a hand-made split, and what it shows."""

import pandas as pd
import pytest

from sim.presentation import measure_figures, style

IMAGE = {"tolerance": 5, "savefig_kwargs": {"dpi": 80}}
STRATEGIES = ["baseline", "sanctuary", "partial"]


def split_table() -> pd.DataFrame:
    parts = [("without measures", "no_measures", (0.0, -3e6)),
             ("Executive order 14159 and its sanctuary jurisdiction list", "measure",
              (-4.5e7, -1e7)),
             ("DOJ grant conditions", "measure", (-2.2e7, 0.0)),
             ("No Bailout Act", "measure", (-5e6, -5e6)),
             ("interaction", "interaction", (1.2e7, 2e6))]
    rows = []
    for j, strategy in enumerate(STRATEGIES[1:]):
        total = sum(values[j] for *_, values in parts)
        for position, (part, kind, values) in enumerate([*parts, ("total", "total",
                                                                   (total, total))]):
            rows.append({"strategy": strategy, "city": "all cities", "part": part, "kind": kind,
                         "position": position, "mean": values[j], "ci95_half_width": 1e6})
    return pd.DataFrame(rows)


@pytest.mark.mpl_image_compare(**IMAGE)
def test_loss_waterfall_image():
    """The waterfall looks as reviewed: bars from where the last ended, the total from zero."""
    return measure_figures.loss_waterfall(split_table(), STRATEGIES,
                                          style.strategy_colours(STRATEGIES))


def test_each_bar_starts_where_the_one_before_ended_and_the_total_from_zero():
    fig = measure_figures.loss_waterfall(split_table(), STRATEGIES,
                                         style.strategy_colours(STRATEGIES))
    bars = fig.axes[0].patches
    bottoms = [b.get_y() for b in bars]
    heights = [b.get_height() for b in bars]
    assert bottoms[:5] == pytest.approx([0.0, 0.0, -4.5e7, -6.7e7, -7.2e7])
    assert bottoms[5] == 0.0 and heights[5] == pytest.approx(-6e7)
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()][1].endswith("…")
