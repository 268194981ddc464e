"""Benchmark of `fundsim draft` (not a test): the time to draft a place over 50,000 residents.

Two figures (issue 25's target: under a second for any one place)::

    python benchmarks/bench_draft.py              # both
    python benchmarks/bench_draft.py --cli 10     # ten cold command runs only

- **In process**: every draftable place over 50,000 residents drafted one
  after the other with the bundle already read (what a notebook or a loop
  pays per place); the bundle's first reading is reported apart.
- **Cold command**: ``fundsim draft`` run as a fresh process (Python start,
  imports, reading the bundle, the peer table, drafting, validating and
  writing), wall and CPU time, for a sample of places.

Wall times include whatever else the machine is doing; CPU times do not.

Measured 2026-12-07 on 2 cores shared with other work (load average 7-8):
in process, 754 places, median 11.3 ms, 95th percentile 17.0 ms, slowest
55 ms; cold command, 10 runs, CPU median 0.80 s (max 0.82), wall median
2.43 s on the loaded machine.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import sim.draft
from sim.draft.bundle import load
from sim.draft.jurisdictions import draftable
from sim.draft.peers import peer_table

ROOT = Path(__file__).resolve().parent.parent


def places(least: int = 50_000) -> list[str]:
    """GEOIDs of the draftable places over ``least`` residents."""
    return sorted(j.geoid for j in draftable(load())
                  if j.kind == "place" and j.population > least)


def in_process() -> None:
    """Draft every place over 50,000 residents in one process."""
    start = time.perf_counter()
    data = load()
    peer_table(data)
    first = time.perf_counter() - start
    geoids = places()
    times = []
    for geoid in geoids:
        t = time.perf_counter()
        sim.draft.draft(geoid)
        times.append(time.perf_counter() - t)
    times.sort()
    print(f"bundle and peer table, first reading: {first:.2f} s")
    print(f"in process, {len(times)} places over 50,000 residents: median "
          f"{1000 * statistics.median(times):.1f} ms, 95th percentile "
          f"{1000 * times[int(0.95 * len(times))]:.1f} ms, slowest {1000 * times[-1]:.1f} ms, "
          f"all {sum(times):.1f} s")


def cold(runs: int) -> None:
    """Run the command as a fresh process ``runs`` times, on places spread over the list."""
    geoids = places()
    chosen = geoids[:: max(1, len(geoids) // runs)][:runs]
    walls, cpus = [], []
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with tempfile.TemporaryDirectory() as folder:
        for i, geoid in enumerate(chosen):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t = time.perf_counter()
            subprocess.run([sys.executable, "-m", "sim", "draft", geoid, "-o",
                            str(Path(folder) / f"{i}.toml")], check=True, env=env,
                           stdout=subprocess.DEVNULL)
            walls.append(time.perf_counter() - t)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    print(f"cold command, {len(chosen)} runs: wall median {statistics.median(walls):.2f} s "
          f"(max {max(walls):.2f}), CPU median {statistics.median(cpus):.2f} s "
          f"(max {max(cpus):.2f}); load average {os.getloadavg()[0]:.1f}")


def main() -> None:
    """Parse the command line and measure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cli", type=int, default=10, help="cold command runs (0: none)")
    parser.add_argument("--no-loop", action="store_true", help="skip the in-process loop")
    args = parser.parse_args()
    if not args.no_loop:
        in_process()
    if args.cli:
        cold(args.cli)


if __name__ == "__main__":
    main()
