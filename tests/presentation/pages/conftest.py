"""A small uncertain run and stand-in figures shared by the page tests."""

from __future__ import annotations

import pytest
from matplotlib.figure import Figure

import sim
from sim.presentation import figure_registry, style
from tests.conftest import ONE_CITY


def tiny_png() -> bytes:
    return style.png_bytes(Figure(figsize=(1, 1)), dpi=10)


UNCERTAIN_CITY = (ONE_CITY.replace("revenue_volatility = 0.0", "revenue_volatility = 0.05")
                  .replace('agencies = ["DOJ"]', 'agencies = ["DOJ"]\nprobability = 0.6'))
"""The one-city test scenario with revenue noise and a measure that may not happen."""


@pytest.fixture(scope="module")
def one_city_run():
    """A small run of the uncertain one-city scenario, every strategy."""
    return sim.run(sim.load(UNCERTAIN_CITY), replications=24, workers=1)


def fake_figures() -> dict[str, bytes]:
    return dict.fromkeys(figure_registry.FIGURES, tiny_png())
