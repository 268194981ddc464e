"""What every table shares (sim/scenario/base.py): per-key sources."""

from __future__ import annotations

from tests.conftest import ONE_CITY
from tests.scenario.conftest import problems


def test_sources_must_name_existing_keys():
    """A per-key source for a key that does not exist is a typo."""
    text = ONE_CITY.replace("revenue_volatility = 0.0",
                            'revenue_volatility = 0.0\nsources = { reservs = "CAFR 2024" }')
    (line,) = problems(text)
    assert "city[0].budget" in line and "reservs" in line
