"""Benchmark of the Monte Carlo engine on the reference workload (not a test).

Reference workload: 50 synthetic cities, 10 years monthly, three strategies
and the baseline, every model process that has landed (federal measures,
litigation with a coalition, and enforcement and trust where the scenario
schema has them).  Prints each figure beside its target (issue 5)::

    python benchmarks/bench_run.py            # everything (about 15 minutes on 2 cores)
    python benchmarks/bench_run.py --quick --rss 0   # skip 10,000 and 100,000 replications
    python benchmarks/bench_run.py --rss-only --rss 10000   # peak memory only

Wall figures are wall times on this machine; other load on it shows up in them.
The machine the project runs on is shared, so the targets on cost (500 against
50 cities, 2 workers against 1) are judged on CPU time, which other load
disturbs far less; the CPU milliseconds per replication of each stage come from
:mod:`stages` (``benchmarks/stages.py``, which also compares two checkouts).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import sim
from sim.engine.runner import default_batch_size, simulate
from sim.scenario import City

sys.path.insert(0, str(Path(__file__).resolve().parent))
from stages import measure_in  # noqa: E402
from stages import table as stage_table  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "scenarios" / "los-angeles.toml"
CLEAN_ENVIRONMENT = dict(os.environ)
"""The environment before any Dask cluster starts: a Dask nanny sets
``MALLOC_TRIM_THRESHOLD_=65536`` in its own process's environment for good, and
a run started from there with it had twice the CPU time, most of it page
faults (measured: 143 million in a 100,000-replication worker, against 2
million without)."""


def synthetic_scenario(cities: int = 50, years: int = 10, seed: int = 2025,
                       lone: int | None = None) -> str:
    """TOML of the reference workload: ``cities`` made-up cities, three measures, litigation.

    As in 2017 and 2025, most cities sue in coalitions: four coalitions share
    the cities, except ``lone`` cities (default 20%) that sue alone.  Each suit
    brings its own court events, so lone suits make the events grow with cities.
    """
    lone = cities // 5 if lone is None else lone
    rng = np.random.default_rng(seed)
    parts = [f"""
[scenario]
name = "Benchmark {cities} cities"
start = 2025-01-01
years = {years}
replications = 1000
seed = 11
strategies = ["sanctuary", "partial", "full"]
"""]
    for c in range(cities):
        spending = float(rng.uniform(2e8, 1e10))
        parts.append(f"""
[[city]]
name = "City {c:04d}"
state = "IL"
fiscal_year_start = {int(rng.integers(1, 13))}
population = {int(rng.integers(50_000, 3_000_000))}
immigrant_share = {rng.uniform(0.05, 0.4):.3f}
[city.budget]
expenditure = {spending:.6g}
reserves = {spending * rng.uniform(0.02, 0.15):.6g}
revenue_volatility = {{dist = "uniform", low = 0.01, high = 0.05}}
[[city.grant]]
program = "JAG"
agency = "DOJ"
amount = {spending * 0.002:.6g}
tags = ["law_enforcement"]
[[city.grant]]
program = "CDBG"
agency = "HUD"
amount = {spending * 0.01:.6g}
basis = "advance"
[[city.grant]]
program = "FEMA"
agency = "DHS"
amount = {spending * 0.005:.6g}
{_enforcement(rng)}""")
    coalitions = "".join(
        f'\n[[litigation.coalition]]\nname = "Coalition {k}"\nmembers = ['
        + ", ".join(f'"City {c:04d}"' for c in range(k, cities - lone, 4)) + "]\n"
        for k in range(4))
    loners = ", ".join(f'"City {c:04d}"' for c in range(cities - lone, cities))
    parts.append(f"""
[[measure]]
name = "DOJ conditions"
kind = "grant_condition"
effective = {{dist = "uniform", low = 2025-03-01, high = 2026-06-30}}
agencies = ["DOJ"]
probability = 0.8
[[measure]]
name = "EO all funds"
kind = "executive_order"
effective = 2025-06-01
agencies = ["DHS", "HUD"]
withhold_share = {{dist = "uniform", low = 0.2, high = 0.8}}
rescind_probability = 0.3
rescind_date = {{dist = "uniform", low = 2027-01-01, high = 2030-01-01}}
[[measure]]
name = "Statute"
kind = "legislation"
probability = 0.3
effective = {{dist = "uniform", low = 2026-01-01, high = 2028-01-01}}
penalises = ["sanctuary", "partial"]

[litigation]
scope = "parties"
sue_alone = [{loners}]
{coalitions}""")
    return "".join(parts)


def _enforcement(rng: np.random.Generator) -> str:
    """Enforcement and trust tables, once the schema has them (issue 4)."""
    fields = City.model_fields
    text = ""
    if "enforcement" in fields:
        text += f"[city.enforcement]\nbookings_per_month = {int(rng.integers(500, 8000))}\n"
    if "trust" in fields:
        text += "[city.trust]\n"
    return text


CPU: list[float] = []
"""CPU seconds (this process and its finished workers) of each timed run, in order."""


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + workers.ru_utime + workers.ru_stime


def timed(scenario: sim.Scenario, **options) -> float:
    """Wall seconds of one simulation (no tables, no files); its CPU seconds go to CPU."""
    began, cpu = time.perf_counter(), _cpu()
    simulate(scenario, keep=0, **options)
    CPU.append(_cpu() - cpu)
    return time.perf_counter() - began


def best(repeats: int, run) -> float:
    """Fastest of ``repeats`` runs: the least disturbed by other load on the machine."""
    return min(run() for _ in range(repeats))


def cpu_note(runs: int = 1) -> str:
    """CPU seconds of the last ``runs`` timed runs (the least), to read beside wall times."""
    return f"cpu {min(CPU[-runs:]):.2f} s"


class Report:
    """Collects figures and prints each beside its target."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, str]] = []

    def add(self, name: str, value: str, target: str = "", ok: bool | None = None) -> None:
        verdict = "" if ok is None else ("met" if ok else "MISSED")
        self.rows.append((name, value, target, verdict))
        print(f"{name:<58} {value:>24}   {target:<22} {verdict}", flush=True)


def peak_rss(replications: int, workers: int, cities: int) -> dict[str, float]:
    """Peak resident memory (MiB) of a run in a fresh process: the parent and its workers.

    The run simulates, saves its tables, then draws its figures and report, as
    ``fundsim run`` does.  The parent's peak is taken after each step; its CPU
    seconds come along, to see what it takes from the workers.
    """
    code = f"""
import json, resource, sys, tempfile
sys.path.insert(0, {str(ROOT / "benchmarks")!r})
from bench_run import synthetic_scenario
import sim
from pathlib import Path
from sim.presentation.figure_registry import save_figures
from sim.presentation.pages import render_report
from sim.results import RunResult, for_figures
from sim.engine.runner import simulate

def peak():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

# No caps: this measures memory; whether the limits admit the run is tested elsewhere.
simulation = simulate(sim.load(synthetic_scenario({cities})), replications={replications},
                      workers={workers}, max_memory=0, max_seconds=0)
own = resource.getrusage(resource.RUSAGE_SELF)
figures = {{"simulate": peak(), "parent_cpu": own.ru_utime + own.ru_stime,
           "worker": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}}
result = RunResult.from_simulation(simulation)
with tempfile.TemporaryDirectory() as scratch:
    result.save(scratch + "/run", figures=False)
    figures["save"] = peak()
    drawn = for_figures(result)
    render_report(drawn, save_figures(drawn, Path(scratch) / "figures"))
figures["figures"] = peak()
print(json.dumps(figures))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=CLEAN_ENVIRONMENT)
    if done.returncode:
        raise SystemExit(f"the peak-memory run failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def dask_seconds(scenario: sim.Scenario, replications: int, batch_size: int,
                 repeats: int) -> tuple[float, float]:
    """(cluster start, run) seconds on a two-worker Dask cluster on 127.0.0.1."""
    from distributed import Client, LocalCluster

    began = time.perf_counter()
    with LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1",
                      dashboard_address=":0") as cluster, Client(cluster) as client:
        started = time.perf_counter() - began
        client.run(lambda: __import__("sim.engine.runner"))  # as a long-lived cluster would have
        run = best(repeats, lambda: timed(scenario, replications=replications,
                                          scheduler=client, batch_size=batch_size))
    return started, run


def validate_seconds() -> float:
    """Wall seconds of ``fundsim validate`` on a shipped scenario (best of 5)."""
    def once() -> float:
        began, cpu = time.perf_counter(), _cpu()
        subprocess.run([sys.executable, "-m", "sim", "validate", str(SHIPPED)], check=True,
                       capture_output=True, env=CLEAN_ENVIRONMENT)
        CPU.append(_cpu() - cpu)
        return time.perf_counter() - began

    return best(5, once)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="skip the 10,000-replication figures")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--repeats", type=int, default=2,
                        help="runs per timing, the fastest kept (default 2)")
    parser.add_argument("--cities-replications", type=int, default=500,
                        help="replications of the 500- against 50-city timing (default 500)")
    parser.add_argument("--dask-replications", type=int,
                        help="replications of the Dask against pool timing "
                             "(default 10,000; 1,000 with --quick)")
    parser.add_argument("--rss", type=int, default=100_000,
                        help="replications of the peak-memory runs (default 100,000; 0: skip)")
    parser.add_argument("--rss-only", action="store_true",
                        help="only the peak-memory run")
    parser.add_argument("--stage-replications", type=int, default=500,
                        help="replications of the CPU-per-stage run (default 500; 0: skip)")
    args = parser.parse_args()
    print(f"fundsim benchmark: {os.cpu_count()} cores, numpy {np.__version__}, "
          f"load average {os.getloadavg()[0]:.1f}\n")
    report = Report()
    if not args.rss_only and args.stage_replications:
        stages(args.stage_replications, report)
    if not args.rss_only:
        timings(args, report)
    if args.rss:
        memory(args.rss, report)
    if args.json:
        args.json.write_text(json.dumps(report.rows, indent=2) + "\n")


def stages(replications: int, report: Report) -> None:
    """CPU ms per replication of each stage, 50 cities, one worker (:mod:`stages`)."""
    with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as file:
        file.write(synthetic_scenario(50))
    try:
        figures = measure_in(ROOT, file.name, replications, figures=True)
    finally:
        os.unlink(file.name)
    print(f"CPU ms per replication by stage, 50 cities, {replications:,} replications, "
          f"1 worker:\n{stage_table({ROOT.name: figures})}\n")
    for stage, value in figures.items():
        report.add(f"CPU per replication, {stage}", f"{value:.2f} ms")


def timings(args: argparse.Namespace, report: Report) -> None:
    """Every timed figure against its target."""
    scenario = sim.load(synthetic_scenario(50))
    validation = validate_seconds()
    report.add("fundsim validate (shipped scenario)",
               f"{validation:.2f} s ({cpu_note(5)})", "<= 0.5 s", validation <= 0.5)
    timed(scenario, replications=20, workers=1)  # warm caches and lazy imports
    seconds: dict[tuple[int, int], float] = {}
    cpu: dict[tuple[int, int], float] = {}
    for workers in (1, 2):
        for n in (1000,) if args.quick else (1000, 10_000):
            repeats = args.repeats if n == 1000 else 1
            seconds[workers, n] = best(repeats, functools.partial(
                timed, scenario, replications=n, workers=workers))
            cpu[workers, n] = min(CPU[-repeats:])
            target, ok = ("<= 3 s (stretch 1.5 s)", seconds[workers, n] <= 3.0) if (
                workers, n) == (2, 1000) else ("", None)
            report.add(f"{n:,} replications, {workers} worker(s): wall",
                       f"{seconds[workers, n]:.2f} s ({cpu_note(repeats)})", target, ok)
            report.add(f"{n:,} replications, {workers} worker(s): replications/s",
                       f"{n / seconds[workers, n]:,.0f}")
    for workers in (1, 2):
        reference = best(args.repeats, functools.partial(
            timed, scenario, replications=1000, workers=workers, engine="reference"))
        ratio = seconds[workers, 1000] / reference
        report.add(f"numpy reference, 1,000 replications, {workers} worker(s)",
                   f"{reference:.2f} s ({cpu_note(args.repeats)})")
        report.add(f"SimPy engine / numpy reference, {workers} worker(s)", f"{ratio:.2f}x",
                   "<= 2x", ratio <= 2.0)
    for n in (1000,) if args.quick else (1000, 10_000):
        # Wall speed-up: its target holds on an idle machine only; on a shared one
        # other agents take the second core.  The CPU ratio holds on either.
        speedup = seconds[1, n] / seconds[2, n]
        report.add(f"2 workers vs 1, {n:,} replications: wall speed-up", f"{speedup:.2f}x",
                   ">= 1.85x (idle machine)", speedup >= 1.85)
        ratio = cpu[2, n] / cpu[1, n]
        report.add(f"2 workers vs 1, {n:,} replications: CPU of both / CPU of one",
                   f"{ratio:.2f}x", "<= 1.10x", ratio <= 1.10)
    large = sim.load(synthetic_scenario(500))
    n = args.cities_replications
    best(args.repeats, lambda: timed(scenario, replications=n, workers=2))
    small_cpu = min(CPU[-args.repeats:])
    timed(large, replications=n, workers=2)
    cost = CPU[-1] / small_cpu
    report.add(f"500 cities / 50 cities, {n:,} replications, 2 workers: CPU",
               f"{cost:.2f}x", "<= 11x", cost <= 11.0)
    # The same, with ten lone suits at both sizes: court events per replication
    # stay about the same, so this shows how the monthly arrays scale.
    same_suits = sim.load(synthetic_scenario(500, lone=10))
    timed(same_suits, replications=n, workers=2)
    report.add("  same, ten lone suits at both sizes (events do not grow): CPU",
               f"{CPU[-1] / small_cpu:.2f}x")
    n = args.dask_replications or (1000 if args.quick else 10_000)
    batch = default_batch_size(n, 2, len(scenario.city))
    pool = best(args.repeats, lambda: timed(scenario, replications=n, workers=2,
                                            batch_size=batch))
    started, on_dask = dask_seconds(scenario, n, batch, args.repeats)
    report.add(f"Dask LocalCluster / process pool, {n:,} replications",
               f"{on_dask / pool:.2f}x", "<= 1.2x", on_dask / pool <= 1.2)
    report.add("Dask LocalCluster start (not in the ratio)", f"{started:.2f} s")


def memory(replications: int, report: Report) -> None:
    """Peak resident memory of a run, simulating and then saving its folder."""
    rss = peak_rss(replications, 2, 50)
    for step, what in (("simulate", "simulate"), ("save", "simulate and save")):
        total = rss[step] + rss["worker"]
        # The target is at 100,000 replications; a smaller run cannot meet or miss it.
        report.add(f"peak RSS, {replications:,} replications, {what}: parent + worker",
                   f"{total:.0f} MiB", "<= 1024 MiB at 100,000",
                   total <= 1024 if replications >= 100_000 else None)
        report.add(f"peak RSS, {replications:,} replications, {what}: parent",
                   f"{rss[step]:.0f} MiB")
    # The workers have exited by then: the parent is all there is.
    report.add(f"peak RSS, {replications:,} replications, then figures and report: parent",
               f"{rss['figures']:.0f} MiB", "<= 1024 MiB at 100,000",
               rss["figures"] <= 1024 if replications >= 100_000 else None)
    report.add(f"peak RSS, {replications:,} replications: largest worker",
               f"{rss['worker']:.0f} MiB")
    report.add(f"parent CPU while simulating {replications:,} replications",
               f"{rss['parent_cpu']:.1f} s")

if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as scratch:
        os.chdir(scratch)
        main()
