"""CPU of event handling per replication on the reference workload, two checkouts side by side.

Event handling is everything a batch's SimPy run does besides the monthly
step: measures taking effect, suits filed and ruled on, switches.  It is
measured as the CPU time of ``run_simpy`` minus the CPU time inside
``World.tick`` (the monthly step), on one batch of the benchmark workload
(``benchmarks/bench_run.py``: 50 cities, 10 years, 250 replications).  Each
checkout runs in its own subprocess, alternately, so both see the same load::

    python benchmarks/events.py /work/wt-base /work/main --rounds 5

Prints each round's figures, and the median and the least of each figure per checkout
(CPU ms per replication; on a loaded machine the least is the steadier figure).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

CHILD = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1] + "/benchmarks")
import sim
from bench_run import synthetic_scenario
from sim.model.plan import build_plan
from sim.model.world import World, run_simpy

replications = int(sys.argv[2])
plan = build_plan(sim.load(synthetic_scenario(50)))
World(plan, 11, range(4), keep=0)  # warm caches and imports
ticking = [0.0]
tick = World.tick

def timed(self, m):
    began = time.process_time()
    tick(self, m)
    ticking[0] += time.process_time() - began

World.tick = timed
began = time.process_time()
world = World(plan, 11, range(replications), keep=0)
setup = time.process_time() - began
began = time.process_time()
result = run_simpy(world)
run = time.process_time() - began
print(json.dumps({"setup": setup, "run": run, "months": ticking[0],
                  "events": run - ticking[0], "rows": len(result.events)}))
"""


def measure(repo: str, replications: int) -> dict[str, float]:
    """One batch of ``replications`` in a subprocess importing ``sim`` from ``repo``."""
    env = {**os.environ, "PYTHONPATH": repo, "OMP_NUM_THREADS": "1",
           "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    out = subprocess.run([sys.executable, "-c", CHILD, repo, str(replications)], env=env,
                         capture_output=True, text=True, check=True, cwd=repo)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("repos", nargs="+", help="checkouts to compare")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--replications", type=int, default=250)
    args = parser.parse_args()
    per_rep = {repo: [] for repo in args.repos}
    for round_ in range(args.rounds):
        for repo in args.repos:
            figures = measure(repo, args.replications)
            ms = {k: 1000 * v / args.replications for k, v in figures.items() if k != "rows"}
            per_rep[repo].append(ms)
            print(f"round {round_ + 1} {repo}: events {ms['events']:.2f} ms/rep, monthly step "
                  f"{ms['months']:.2f}, run {ms['run']:.2f}, setup {ms['setup']:.2f} "
                  f"({figures['rows']} event rows)", flush=True)
    for repo, rounds in per_rep.items():
        for name, pick in (("median", statistics.median), ("min", min)):
            figures = {k: round(pick(r[k] for r in rounds), 3) for k in rounds[0]}
            print(f"{name} {repo}: " + json.dumps(figures))


if __name__ == "__main__":
    main()
