"""fundsim: what federal pressure on sanctuary jurisdictions does to local budgets.

The Python API in a few calls::

    import sim
    scenario = sim.load("scenarios/chicago.toml")
    result = sim.run(scenario, replications=500, seed=1)
    result.summary                 # pandas DataFrame
    result.plot.reserves_fan()     # matplotlib Figure

>>> import sim
>>> scenario = sim.load(sim.scenario.EXAMPLE)
>>> scenario.scenario.name
'Example'
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim import scenario
from sim.errors import FundsimError, ScenarioError
from sim.scenario import Scenario

if TYPE_CHECKING:
    from sim.results import RunResult

__all__ = ["FundsimError", "Scenario", "ScenarioError", "load", "open_results", "run",
           "scenario"]
__version__ = "0.1.0"


def load(source: str | Path) -> Scenario:
    """A validated scenario from a file path or from TOML text.

    Raises :class:`ScenarioError` listing every problem.
    """
    if isinstance(source, Path) or ("\n" not in source and source.strip().endswith(".toml")):
        return scenario.load(source)
    return scenario.loads(source)


def run(scenario: Scenario, **options: Any) -> RunResult:
    """Simulate every strategy and the baseline; return the result tables.

    Options (all optional): ``replications``, ``seed``, ``workers``,
    ``strategies`` (names), ``keep`` (replications whose monthly trajectories
    are kept), ``batch_size``, ``engine`` (``"simpy"`` or ``"reference"``),
    ``scheduler`` (a Dask scheduler address ``"tcp://HOST:PORT"`` or a
    ``distributed.Client``: run the batches on that cluster, same results),
    ``progress`` (called with the number of replications finished).
    """
    from sim.results import RunResult
    from sim.runner import simulate

    return RunResult.from_simulation(simulate(scenario, **options))


def open_results(folder: str | Path) -> RunResult:
    """A saved run folder, as the same result object :func:`run` returns."""
    from sim.results import open_results as _open

    return _open(folder)
