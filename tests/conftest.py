"""Shared fixtures: small scenarios written as TOML text, and a CLI runner."""

from __future__ import annotations

import textwrap

import pytest
from click.testing import CliRunner

import sim

ONE_CITY = """
[scenario]
name = "Test city"
start = 2025-01-01
years = 2
replications = 8
seed = 7

[[city]]
name = "Springfield"
state = "IL"
fiscal_year_start = 7
population = 100000
[city.budget]
expenditure = 1.2e9
reserves = 1.0e8
revenue_volatility = 0.0

[[city.grant]]
program = "JAG"
agency = "DOJ"
amount = 1.2e7
tags = ["law_enforcement"]
payment_lag_months = 0

[[city.grant]]
program = "CDBG"
agency = "HUD"
amount = 2.4e7
basis = "advance"
award_month = 10

[[measure]]
name = "DOJ conditions"
kind = "grant_condition"
effective = 2025-03-10
agencies = ["DOJ"]

[litigation]
strategies = []
"""
"""One city, one certain measure on its DOJ grant, no revenue noise, no lawsuit."""


PASS_THROUGH = """
[scenario]
name = "Pass-through"
start = 2025-01-01
years = 2
replications = 2
seed = 7

[[city]]
name = "Springfield"
state = "IL"
fiscal_year_start = 7
population = 100000
[city.budget]
expenditure = 1.2e9
reserves = 1.0e8
revenue_volatility = 0.0

[[city.grant]]
program = "CCDF"
agency = "HHS"
amount = 1.2e7
funding = "formula"
payment_lag_months = 0
pass_through = "Illinois Department of Human Services"

[[city.grant]]
program = "Public health"
agency = "HHS"
amount = 2.4e7
payment_lag_months = 0

[[city]]
name = "Ogdenville"
state = "IL"
fiscal_year_start = 7
population = 100000
[city.budget]
expenditure = 1.2e9
reserves = 1.0e8
revenue_volatility = 0.0

[[city.grant]]
program = "CCDF"
agency = "HHS"
amount = 1.2e7
funding = "formula"
payment_lag_months = 0

[[city]]
name = "Shelbyville"
state = "WI"
fiscal_year_start = 7
population = 100000
[city.budget]
expenditure = 1.2e9
reserves = 1.0e8
revenue_volatility = 0.0

[[city.grant]]
program = "CCDF"
agency = "HHS"
amount = 1.2e7
funding = "formula"
payment_lag_months = 0
pass_through = "Wisconsin Department of Children and Families"

[[measure]]
name = "HHS freeze"
kind = "grant_condition"
effective = 2025-03-10
agencies = ["HHS"]
states = ["IL", "MN"]

[litigation]
strategies = []
"""
"""Three cities under a state measure on HHS grants: Springfield (IL) gets CCDF through
its state and public-health money directly, Ogdenville (IL) CCDF directly, Shelbyville
(WI) CCDF through its own state; nobody sues."""


def scenario_text(base: str = ONE_CITY, extra: str = "") -> str:
    """A scenario's TOML with extra tables appended."""
    return textwrap.dedent(base) + textwrap.dedent(extra)


@pytest.fixture
def one_city() -> sim.Scenario:
    """The :data:`ONE_CITY` scenario."""
    return sim.load(ONE_CITY)


@pytest.fixture
def cli() -> CliRunner:
    """A click runner for the ``fundsim`` command."""
    return CliRunner()
