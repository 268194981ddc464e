"""Cost of litigation in the engine: one batch of 250 replications, 50 cities, 10 years.

Three cases on the same cities and measures: nobody sues, every city sues
alone (one suit per city and measure), and a 40-city coalition with ten
late members.  Prints wall and CPU time per engine (CPU time is the fairer
figure on a busy machine) and the number of event-log rows.

    python benchmarks/litigation.py
"""

from __future__ import annotations

import time

import sim
from sim.model.plan import build_plan
from sim.model.reference import run_reference
from sim.model.world import World, run_simpy

CITY = """
[[city]]
name = "City {c}"
state = "IL"
fiscal_year_start = 7
population = {population}
[city.budget]
expenditure = 1.2e9
reserves = 1.0e8
[[city.grant]]
program = "JAG"
agency = "DOJ"
amount = 1.2e7
[[city.grant]]
program = "CDBG"
agency = "HUD"
amount = 2.4e7
basis = "advance"
"""

MEASURES = """
[[measure]]
name = "DOJ conditions"
kind = "grant_condition"
effective = { dist = "uniform", low = 2025-02-01, high = 2026-01-01 }
agencies = ["DOJ"]
[[measure]]
name = "Executive order"
kind = "executive_order"
effective = 2025-04-28
probability = 0.5
rescind_probability = 0.3
rescind_date = { dist = "uniform", low = 2026-01-01, high = 2030-01-01 }
[[measure]]
name = "Statute"
kind = "legislation"
probability = 0.3
effective = { dist = "uniform", low = 2026-10-01, high = 2028-10-01 }
penalises = ["sanctuary", "partial"]
"""

COALITION = ('[[litigation.coalition]]\nname = "Forty"\ncost_sharing = "population"\n'
             "members = [" + ", ".join(f'"City {c}"' for c in range(30)) + "]\n"
             "late_members = [" + ", ".join(f'{{ city = "City {c}", join_after_days = 150 }}'
                                            for c in range(30, 40)) + "]\n")
CASES = {"nobody sues": '[litigation]\nstrategies = []\n', "every city alone": "",
         "40-city coalition": COALITION}


def scenario_text(litigation: str, cities: int = 50) -> str:
    text = '[scenario]\nname = "benchmark"\nstart = 2025-01-01\nyears = 10\nseed = 1\n'
    text += "".join(CITY.format(c=c, population=100_000 + 1000 * c) for c in range(cities))
    return text + MEASURES + litigation


def main() -> None:
    print(f"{'case':20s} {'engine':10s} {'wall s':>8s} {'CPU s':>8s} {'events':>8s}")
    for name, litigation in CASES.items():
        plan = build_plan(sim.load(scenario_text(litigation)))
        for engine in (run_simpy, run_reference):
            began, cpu = time.perf_counter(), time.process_time()
            result = engine(World(plan, 1, range(250), keep=0))
            wall, cpu = time.perf_counter() - began, time.process_time() - cpu
            label = "simpy" if engine is run_simpy else "reference"
            print(f"{name:20s} {label:10s} {wall:8.2f} {cpu:8.2f} {len(result.events):8d}")


if __name__ == "__main__":
    main()
