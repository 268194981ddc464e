"""Helpers for the scenario tests."""

from __future__ import annotations

import pytest

from sim.errors import ScenarioError
from sim.scenario import loads


def problems(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        loads(text, "bad.toml")
    return [str(p) for p in caught.value.problems]
