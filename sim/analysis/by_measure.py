"""The loss split by measure: what each federal measure costs a strategy, and their overlap.

A budget office asks "which measure costs what?".  The net fiscal impact of a
strategy (against the no-measure baseline) is split into parts that add up
to it exactly, replication by replication and so in the mean:

* **without measures**: the strategy with every measure switched off: what
  the compliance choice costs on its own (jail holds, liability, its suits'
  fixed costs; zero for the baseline's own level);
* **each measure**: that measure switched on *alone*, minus the run without
  measures: what it costs if it were the only one;
* **interaction**: the total less all of the above.  Mostly overlap: two
  measures withholding the same grant take it once, so the sum of the
  measures alone overstates the loss and the interaction is positive (a
  saving); a negative interaction is a loss that only measures together
  cause (a suit over one measure that also enjoins the other's money runs
  the other way).

A measure with history (``[[measure]].history``: money withheld before the
start) is *held*: in force in every run of the split and never split.  Its
history is what already happened, not what the measure does from the start
on, and a measure that happened cannot be switched off without pretending
that money was never taken: a run with it off would still hold the money
but no longer withhold under it, so the first event of any other measure
would release the money and every other measure's part would show it as a
gain (about +$265M for each measure of New York City, with the FEMA
termination's $268M history).  Held, the first part becomes **without
measures, history held** (:data:`HISTORY_HELD`): the strategy with every
other measure off, so what the held measures do from the start (their
history paid back by a judgment or lost, anything they withhold later) sits
in it with what the compliance choice costs on its own; the record names
them (``held``).

The measures are added to the waterfall one at a time in the order the user
states (default: the scenario file's); because each part is measured alone,
the order changes where a bar sits, not its height, and the interaction
holds every effect of measures acting together.

Every run uses the original run's seed, replications and strategies, so all
share their random draws (common random numbers: streams are keyed by name,
and a measure switched off by ``probability = 0`` leaves every other draw
unchanged).  The split costs one run per measure plus the run without
measures (one more with ``leave_out``), each with no kept trajectories.

>>> import sim
>>> from sim.analysis.by_measure import loss_by_measure
>>> result = sim.run(sim.scenario.EXAMPLE, replications=4, seed=1, workers=1)
>>> table = loss_by_measure(result, workers=1)
>>> rows = table[(table["strategy"] == "sanctuary") & (table["city"] == "Springfield")]
>>> parts = rows.loc[rows["kind"] != "total", "mean"].sum()
>>> bool(abs(parts - rows.loc[rows["kind"] == "total", "mean"].iloc[0]) < 0.005)
True
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.engine.runner import simulate
from sim.errors import UsageError
from sim.metrics import ALL_CITIES

if TYPE_CHECKING:
    from sim.results import RunResult
    from sim.scenario import Scenario

METRIC = "net_fiscal_impact"
"""The outcome split: a change against the baseline, so its parts are too."""
NO_MEASURES = "without measures"
"""Label of the part the strategy costs with every measure switched off."""
HISTORY_HELD = "without measures, history held"
"""Label of that part when measures with history are held in every run (see the module)."""
INTERACTION = "interaction"
"""Label of the part that only measures acting together cause (overlap when positive)."""
TOTAL = "total"
"""Label of the strategy's whole net fiscal impact."""
COLUMNS = ["strategy", "city", "part", "kind", "position", "mean", "ci95_half_width"]
"""Columns of the split table: ``kind`` is ``no_measures``, ``measure``,
``interaction`` or ``total``; ``position`` is the part's place in the waterfall."""


def held(scenario: Scenario) -> list[str]:
    """The measures with history (money withheld before the start): in force in every run."""
    return [m.name for m in scenario.measure
            if m.history is not None and any(v > 0 for v in m.history.withheld.values())]


def measure_order(scenario: Scenario, order: Sequence[str] | None = None,
                  leave_out: str | None = None) -> list[str]:
    """The measures split, in waterfall order: those named first, the others in file order.

    ``leave_out`` is dropped, and so are the :func:`held` measures.  Unknown or
    repeated names, or a held one, raise :class:`UsageError`.
    """
    kept = held(scenario)
    for name in [*(order or []), *([leave_out] if leave_out else [])]:
        if name in kept:
            raise UsageError(f"measure {name!r} has history (money withheld before the start): "
                             "it is held in force in every run of the split, not split")
    names = [m.name for m in scenario.measure if m.name not in kept]
    for given, what in ((order or [], "measure order"), ([leave_out] if leave_out else [],
                                                         "left-out measure")):
        for name in given:
            if name not in names:
                raise UsageError(f"{what}: no measure {name!r} in the scenario (it has: "
                                 f"{', '.join(names) or 'none'})")
    if order and len(set(order)) != len(order):
        raise UsageError(f"measure order names a measure twice (got {', '.join(order)})")
    if order and leave_out in order:
        raise UsageError(f"measure order names the left-out measure {leave_out!r}")
    ordered = [*(order or []), *[n for n in names if n not in (order or [])]]
    return [n for n in ordered if n != leave_out]


def switched_off(scenario: Scenario, off: Sequence[str]) -> Scenario:
    """The scenario with these measures never happening (probability 0).

    A measure stays in the file, so rules, coalitions and suits naming it
    stay valid, and its name keeps every other measure's draws unchanged.
    """
    index = {m.name: i for i, m in enumerate(scenario.measure)}
    if not off:
        return scenario
    return scenario.with_values({f"measure[{index[name]}].probability": 0 for name in off},
                                origin="loss by measure")


def _impacts(result: RunResult) -> dict[tuple[str, str], np.ndarray]:
    """Net fiscal impact per (strategy, city or all cities): arrays over replications."""
    table = result.replications
    out: dict[tuple[str, str], np.ndarray] = {}
    cities = list(result.manifest["cities"])
    for strategy in result.manifest["strategies"]:
        rows = table[table["strategy"] == strategy]
        wide = rows.pivot(index="replication", columns="city", values=METRIC)[cities]
        values = wide.to_numpy(dtype=float)
        for j, city in enumerate(cities):
            out[strategy, city] = values[:, j]
        if len(cities) > 1:
            out[strategy, ALL_CITIES] = values.sum(axis=1)
    return out


def _rerun(result: RunResult, scenario: Scenario, workers: int | None,
           progress: Callable[[int], None] | None,
           scheduler: Any = None) -> dict[tuple[str, str], np.ndarray]:
    from sim.results import RunResult as Result

    manifest = result.manifest
    sim = simulate(scenario, replications=int(manifest["replications"]),
                   seed=int(manifest["seed"]), strategies=list(manifest["strategies"]),
                   keep=0, workers=workers, engine=manifest.get("engine", "simpy"),
                   progress=progress, scheduler=scheduler, max_memory=0, max_seconds=0)
    return _impacts(Result.from_simulation(sim))


def loss_by_measure(result: RunResult, order: Sequence[str] | None = None,
                    leave_out: str | None = None, workers: int | None = None,
                    progress: Callable[[int], None] | None = None,
                    scheduler: Any = None) -> pd.DataFrame:
    """Split each strategy's net fiscal impact into measures, their interaction and the rest.

    ``result`` is a run (from :func:`sim.run` or a run folder); the split
    reruns its scenario with measures switched off, on the same seed,
    replications and strategies; measures with history stay on (:func:`held`).
    ``order`` names measures to put first in the waterfall (the others follow
    in file order).  ``leave_out`` names a
    measure struck from the scenario: the split is then of the scenario
    without it (its total differs from the run's by what that measure costs
    with the others), at one more run.  ``progress`` gets the replications
    finished, run after run (:func:`runs_needed` runs of the result's
    replications in all).  ``scheduler`` (a Dask scheduler address or client,
    as :func:`sim.run` takes it) runs the reruns on that cluster, as the run
    itself was; else they run on ``workers`` local processes.  The split is the
    same either way.

    The table (columns :data:`COLUMNS`) is also recorded in
    ``result.manifest["loss_by_measure"]`` with the order, the measure left
    out, the measures held, the runs made and their wall time, so that saving the result writes
    ``loss_by_measure.csv`` and the report and ``compare`` show it.  Parts
    add up to the total to floating-point rounding (far below a cent).
    """
    scenario = result.scenario
    names = measure_order(scenario, order, leave_out)
    kept = held(scenario)
    began = time.perf_counter()
    left = [leave_out] if leave_out else []
    every = [m.name for m in scenario.measure if m.name not in kept]
    total = (_rerun(result, switched_off(scenario, left), workers, progress, scheduler)
             if leave_out else _impacts(result))
    none = _rerun(result, switched_off(scenario, every), workers, progress, scheduler)
    alone = {name: _rerun(result, switched_off(scenario, [n for n in every if n != name]),
                          workers, progress, scheduler) for name in names}
    rows = []
    for key in total:
        parts = [(HISTORY_HELD if kept else NO_MEASURES, "no_measures", none[key])]
        parts += [(name, "measure", alone[name][key] - none[key]) for name in names]
        interaction = total[key] - sum((values for *_, values in parts), np.zeros_like(
            total[key]))
        parts += [(INTERACTION, "interaction", interaction), (TOTAL, "total", total[key])]
        for position, (part, kind, values) in enumerate(parts):
            rows.append({"strategy": key[0], "city": key[1], "part": part, "kind": kind,
                         "position": position, "mean": float(np.mean(values)),
                         "ci95_half_width": _half_width(values)})
    table = pd.DataFrame(rows, columns=COLUMNS)
    result.manifest["loss_by_measure"] = {
        "metric": METRIC, "order": names, "left_out": leave_out, "held": kept,
        "runs": runs_needed(scenario), "wall_time_s": round(
            time.perf_counter() - began, 3), "rows": table.to_dict("records")}
    return table


def runs_needed(scenario: Scenario) -> int:
    """Runs the split makes: one per measure split (not :func:`held`) and one without.

    With a measure left out, the measure's own run gives way to the run of
    the scenario without it, so the count is the same.
    """
    return len(scenario.measure) - len(held(scenario)) + 1


def _half_width(values: np.ndarray) -> float:
    """Half-width of the 95% confidence interval of the mean (normal approximation)."""
    if len(values) < 2:
        return float("nan")
    return float(1.96 * np.std(values, ddof=1) / np.sqrt(len(values)))
