"""Scenarios and helpers shared by the litigation tests: small cities, set courts, by hand."""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np

import sim
from sim.model.litigation.courts import RULINGS
from sim.model.plan import build_plan
from sim.model.reference import run_reference
from sim.model.world import World

MILLION = 1e6
SANCTUARY, PARTIAL, FULL = 1, 2, 3
SPRINGFIELD, SHELBYVILLE = 0, 1
SCENARIOS = Path(__file__).resolve().parents[3] / "scenarios"

CITY = """
[[city]]
name = "{name}"
state = "IL"
fiscal_year_start = 7
population = {population}
[city.budget]
expenditure = 1.2e9
reserves = 1.0e8
revenue_volatility = 0.0
[[city.grant]]
program = "JAG"
agency = "DOJ"
amount = 1.2e7
payment_lag_months = 0
"""


def settled(stage: str, **defaults: float) -> str:
    """An inline stage table with the chances after a loss equal to those after a win."""
    table = tomllib.loads(f"stage = {stage}")["stage"]
    for key, after in (("probability", "probability_after_loss"), ("taken", "taken_after_loss")):
        if key in table and not isinstance(table[key], dict):
            table.setdefault(after, table[key])
    for key, value in defaults.items():
        table.setdefault(key, value)
    return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in table.items()) + " }"


def _toml(value: object) -> str:
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"
    return str(value).lower() if isinstance(value, bool) else repr(value) if isinstance(
        value, str) else str(value)


def scenario_text(*, cities: int = 1, pi: str = "{ taken = 1, probability = 1, days = 61 }",
                  merits: str = "{ probability = 1, days = 92 }",
                  appeal: str = "{ taken = 1, probability = 0, days = 92 }",
                  certiorari: str = "{ taken = 1, probability = 0, days = 120 }",
                  litigation: str = "filing_delay_days = 0", measure: str = "",
                  stay: str = "{ sought = 0 }", extra: str = "", years: int = 3) -> str:
    """Cities with $1M of JAG a month, a DOJ condition from 2025-03-01, set courts and costs.

    Each stage is won and taken with the same chances after a lost ruling as after a
    won one unless its table says otherwise; no stay is sought and nothing is vacated
    unless ``stay`` and ``merits`` say so.
    """
    names = [("Springfield", 100_000), ("Shelbyville", 300_000), ("Ogdenville", 50_000)]
    text = f"""
[scenario]
name = "Litigation test"
start = 2025-01-01
years = {years}
replications = 1
seed = 3
"""
    for name, population in names[:cities]:
        text += CITY.format(name=name, population=population)
    text += f"""
[[measure]]
name = "DOJ conditions"
kind = "grant_condition"
effective = 2025-03-01
agencies = ["DOJ"]
release_lag_months = 1
{measure}

[litigation]
{litigation}
[litigation.costs]
in_house_per_month = 10000
outside_per_month = 0
preliminary_injunction = 1000
merits = 2000
appeal = 3000
certiorari = 4000
[litigation.grant_condition]
preliminary_injunction = {pi}
merits = {settled(merits, vacatur=0)}
appeal = {settled(appeal)}
certiorari = {settled(certiorari)}
stay = {stay}
{extra}
"""
    return text


def run(text: str, replications: int = 1, before_month=None):
    """Run the reference engine; ``before_month(world, m)`` may change the state first."""
    scenario = sim.load(text)
    world = World(build_plan(scenario), scenario.scenario.seed, range(replications),
                  keep=replications)
    if before_month is None:
        return world, run_reference(world)
    for m, tick in enumerate(world.plan.calendar.tick_days):
        before_month(world, m)
        world.env.run(until=tick)
        world.tick(m)
    return world, world.result()


def timeline(world: World, result, strategy: int = SANCTUARY, replication: int = 0,
             kinds=None) -> list[tuple[str, str, str]]:
    """(date, kind, city) of the events of one strategy and replication."""
    rows = []
    for s, r, day, c, kind, _ in result.events:
        if s == strategy and r == replication and (kinds is None or kind in kinds):
            city = world.plan.cities[c] if c >= 0 else ""
            rows.append((str(world.plan.calendar.date_of_day(day)), kind, city))
    return rows


def series(result, name: str, strategy: int = SANCTUARY, city: int = SPRINGFIELD) -> np.ndarray:
    return result.trajectories[name][:, strategy, 0, city]


def outcome(result, name: str, strategy: int = SANCTUARY, city: int = SPRINGFIELD) -> float:
    return float(result.outcomes[name][strategy, 0, city])


COURT_KINDS = {"suit_filed", "suit_joined", "injunction_extended", *RULINGS.values(),
               "judgment_final", "funds_forfeited", "suit_withdrawn", "suit_ended"}



def as_statute(text: str) -> str:
    """A :func:`scenario_text` whose measure is a statute (a final loss forfeits)."""
    return text.replace('kind = "grant_condition"', 'kind = "legislation"').replace(
        "[litigation.grant_condition]", "[litigation.legislation]")


UNCERTAIN = scenario_text(
    cities=3, years=4,
    pi='{ taken = 0.8, probability = 0.7, days = { low = 20, mode = 60, high = 90 } }',
    merits='{ probability = 0.6, days = { low = 100, mode = 200, high = 400 } }',
    appeal='{ taken = 0.7, probability = 0.5, days = { low = 200, mode = 400, high = 700 } }',
    certiorari='{ taken = 0.5, probability = 0.5, days = 300 }',
    litigation='filing_delay_days = { dist = "uniform", low = -60, high = 60 }',
    measure='probability = 0.8\nrescind_probability = 0.3\n'
            'rescind_date = { dist = "uniform", low = 2025-06-01, high = 2028-06-01 }',
    extra='[[litigation.coalition]]\nname = "Pair"\nmembers = ["Springfield"]\n'
          'cost_sharing = "budget"\n'
          'late_members = [{ city = "Shelbyville", join_after_days = { dist = "uniform", '
          'low = 30, high = 300 } }]')



HOLDING_JAIL = """
[city.enforcement]
bookings_per_month = 1000
noncitizen_share = 1.0
detainer_rate = 0.1
serious_offence_share = 0.5
hold_days = 0
notification_cost = 0
agreement_staff = 0
agreement_setup_cost = 0
"""
"""100 detainers a month, none with a judicial warrant, half for serious offences; holding
costs nothing, so spending differs between strategies only by liability."""

