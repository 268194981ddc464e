"""CPU milliseconds per replication of each stage of a run (benchmark, not a test).

Stages: *setup* (building a batch's world: sampling every input), *monthly
step* (``World.tick``), *events* (the rest of driving a batch: SimPy and the
event handlers), *collect* (a batch's result and folding it into the run),
*saving* (tables and folder, no figures) and *figures* (figures and report).
Simulation runs in this process with one worker, so every stage is timed
with ``time.process_time`` and other load on the machine counts little.

One checkout::

    python benchmarks/stages.py SCENARIO.toml -n 500

Two checkouts side by side, alternating, in one run on one machine (the
fastest of ``--repeats`` runs of each is kept)::

    python benchmarks/stages.py SCENARIO.toml -n 500 --against /work/wt-base

Each checkout runs in a subprocess with ``PYTHONPATH`` set to it; both the
layout before issue 20 (``sim.runner``, ``sim.plots``) and after it are read.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STAGES = ("setup", "monthly step", "events", "collect", "saving", "figures")
ROOT = Path(__file__).resolve().parent.parent


def _wrap(owner: object, name: str, totals: dict[str, float], stage: str) -> None:
    """Add the CPU time of each call of ``owner.name`` to ``totals[stage]``."""
    original = getattr(owner, name)

    def timed(*args, **kwargs):
        began = time.process_time()
        try:
            return original(*args, **kwargs)
        finally:
            totals[stage] += time.process_time() - began

    setattr(owner, name, timed)


def measure(scenario_file: str, replications: int, figures: bool) -> dict[str, float]:
    """CPU ms per replication of each stage, for the ``sim`` on ``sys.path``."""
    import sim
    from sim.model import world

    # By the checkout's own layout, not by trying imports: an editable install of
    # another checkout would supply the submodules this one lacks (its import finder
    # maps sim.engine to its own sim/engine whatever sim was imported from).
    before_issue_20 = not (Path(sim.__file__).parent / "engine").is_dir()
    if before_issue_20:
        from sim import runner
    else:
        from sim.engine import runner
    if not Path(runner.__file__).is_relative_to(Path(sim.__file__).parent):
        raise SystemExit(f"{runner.__file__} is not the checkout's ({sim.__file__})")
    totals = dict.fromkeys(("world", "tick", "drive", "result", "collect", "saving",
                            "figures"), 0.0)
    _wrap(world.World, "__init__", totals, "world")
    _wrap(world.World, "tick", totals, "tick")
    _wrap(world.World, "result", totals, "result")
    _wrap(runner.Collector, "add", totals, "collect")
    engines = runner.ENGINES
    _wrap(world, "run_simpy", totals, "drive")
    engines["simpy"] = world.run_simpy
    scenario = sim.load(Path(scenario_file).read_text())
    runner.simulate(scenario, replications=min(20, replications), workers=1, keep=0)  # warm up
    for key in totals:
        totals[key] = 0.0
    began = time.process_time()
    simulation = runner.simulate(scenario, replications=replications, workers=1, keep=5,
                                 max_memory=0, max_seconds=0)
    simulate_cpu = time.process_time() - began
    if figures:
        from sim.results import RunResult, for_figures
        if before_issue_20:
            from sim.plots import save_figures
            from sim.report import render_report
        else:
            from sim.presentation.figure_registry import save_figures
            from sim.presentation.pages import render_report
        began = time.process_time()
        result = RunResult.from_simulation(simulation)
        with tempfile.TemporaryDirectory() as scratch:
            result.save(Path(scratch) / "run", figures=False)
            totals["saving"] = time.process_time() - began
            began = time.process_time()
            drawn = for_figures(result)
            render_report(drawn, save_figures(drawn, Path(scratch) / "figures"))
            totals["figures"] = time.process_time() - began
    per = 1000 / replications
    stages = {
        "setup": totals["world"] * per,
        "monthly step": totals["tick"] * per,
        "events": (totals["drive"] - totals["tick"] - totals["result"]) * per,
        "collect": (totals["result"] + totals["collect"]) * per,
        "saving": totals["saving"] * per,
        "figures": totals["figures"] * per,
    }
    stages["simulate (all)"] = simulate_cpu * per
    return stages


def measure_in(checkout: Path, scenario_file: str, replications: int,
               figures: bool) -> dict[str, float]:
    """:func:`measure` in a fresh process that imports ``sim`` from ``checkout``."""
    code = (f"import sys, json; sys.path.insert(0, {str(ROOT / 'benchmarks')!r}); "
            f"from stages import measure; "
            f"print(json.dumps(measure({scenario_file!r}, {replications}, {figures})))")
    environment = {**os.environ, "PYTHONPATH": str(checkout),
                   "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=environment, cwd=tempfile.gettempdir())
    if done.returncode:
        raise SystemExit(f"the stage run in {checkout} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def side_by_side(checkouts: dict[str, Path], scenario_file: str, replications: int,
                 repeats: int, figures: bool) -> dict[str, dict[str, float]]:
    """Least CPU ms per replication of each stage of each checkout, runs alternating."""
    best: dict[str, dict[str, float]] = {}
    for _ in range(repeats):
        for name, checkout in checkouts.items():
            stages = measure_in(checkout, scenario_file, replications, figures)
            print(name, json.dumps({k: round(v, 3) for k, v in stages.items()}), flush=True)
            kept = best.setdefault(name, stages)
            for stage, value in stages.items():
                kept[stage] = min(kept[stage], value)
    return best


def table(best: dict[str, dict[str, float]]) -> str:
    """The stages as rows, the checkouts as columns, and the ratio of the last to the first."""
    names = list(best)
    lines = [f"{'CPU ms per replication':<24}" + "".join(f"{n:>14}" for n in names)
             + ("      ratio" if len(names) > 1 else "")]
    for stage in best[names[0]]:
        values = [best[n][stage] for n in names]
        ratio = (f"   {values[-1] / values[0]:7.3f}x" if len(names) > 1 and values[0] > 0
                 else "")
        lines.append(f"{stage:<24}" + "".join(f"{v:14.2f}" for v in values) + ratio)
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", help="scenario file (TOML)")
    parser.add_argument("-n", "--replications", type=int, default=500)
    parser.add_argument("--against", type=Path, action="append", default=[],
                        help="another checkout to measure beside this one (first column)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-figures", action="store_true", help="skip saving and figures")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    checkouts = {path.name: path for path in args.against}
    checkouts[ROOT.name] = ROOT
    best = side_by_side(checkouts, str(Path(args.scenario).resolve()), args.replications,
                        args.repeats, not args.no_figures)
    print(f"CPU time (time.process_time), 1 worker in process, {args.replications:,} "
          f"replications, least of {args.repeats}; load average {os.getloadavg()[0]:.1f}")
    print(table(best))
    if args.json:
        args.json.write_text(json.dumps(best, indent=2) + "\n")


if __name__ == "__main__":
    main()
