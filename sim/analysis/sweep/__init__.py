"""Parameter sweeps and global sensitivity: which assumptions drive the answer.

A sweep varies some of a scenario's numbers, named by key path as
:meth:`~sim.scenario.Scenario.with_values` takes them
(``city[Denver].budget.reserves``), over ranges or over the scenario's own
distributions, following a design:

* ``grid``: every combination of a few levels per parameter;
* ``lhs`` and ``qmc``: a Latin hypercube or scrambled Sobol points
  (:mod:`scipy.stats.qmc`);
* ``sobol``: Saltelli's scheme (SALib) for first-order and total Sobol indices;
* ``morris``: Morris trajectories (SALib) for elementary effects (mu*, sigma).

Each design point is the base scenario with the point's values, simulated with
the sweep's replications and seed.  Every point sees the same random draws
(common random numbers, :mod:`sim.model.streams`), so differences between points
come from the parameters alone.  A one-at-a-time block around the base case
(both ends of each parameter's range, the others at their base values) feeds
the tornado chart.

Points are independent tasks (:class:`~sim.analysis.sweep.points.PointWork`)
run on the same executors as ``fundsim run`` (:mod:`sim.engine.executors`:
this process, local processes or a Dask cluster), one point per task.  Each
finished point is written to its own file atomically, so an interrupted sweep
restarted on the same folder skips the points already done; every point file
carries a key (a hash of the point's scenario, seed, replications and
strategies) that must match before it is reused.

The sweep file (TOML)::

    [sweep]
    name = "Denver sensitivity"
    scenario = "../denver-no-bailout.toml"   # relative to this file
    design = "sobol"
    samples = 256
    replications = 50

    [[parameter]]
    path = "city[Denver].budget.reserves"
    low = 8.3e7
    high = 3.32e8
    source = "assumption: 5% to 20% of expenditure"

    [[parameter]]                            # no range: the scenario's distribution
    path = "measure[No Bailout for Sanctuary Cities Act].probability"

    [[output]]
    metric = "net_fiscal_impact"
    strategy = "sanctuary"

    [[discovery]]                            # where does the outcome happen? (PRIM)
    metric = "floor_breached"
    strategy = "sanctuary"
    above = 0.5

The package, in the order a sweep goes:

* :mod:`~sim.analysis.sweep.file`: the sweep file's schema;
* :mod:`~sim.analysis.sweep.factors`: the file and its base scenario checked
  together, parameters resolved into factors and outputs into targets;
* :mod:`~sim.analysis.sweep.design`: the design's points;
* :mod:`~sim.analysis.sweep.points`: points simulated as tasks, each kept in its file;
* :mod:`~sim.analysis.sweep.sensitivity`: indices and swings per target;
* :mod:`~sim.analysis.sweep.folder`: running into a folder, reading it back,
  more discovery questions.

The names below are the package's public face.
"""

from sim.analysis.sweep.design import DesignTable, build_design, unit_design
from sim.analysis.sweep.factors import (
    Factor,
    Sweep,
    Target,
    load,
    parse_output,
    parse_parameter,
    validate_sweep,
)
from sim.analysis.sweep.file import Output, SweepFile, SweepInfo, SweptParameter, reference_markdown
from sim.analysis.sweep.folder import SweepResult, default_folder, discover_in, open_sweep, run
from sim.analysis.sweep.points import PointStore, PointWork, point_tasks, run_point
from sim.analysis.sweep.sensitivity import sensitivity, tornado_table

__all__ = [
    "DesignTable", "Factor", "Output", "PointStore", "PointWork", "Sweep", "SweepFile", "SweepInfo",
    "SweepResult", "SweptParameter", "Target", "build_design", "default_folder", "discover_in",
    "load", "open_sweep", "parse_output", "parse_parameter", "point_tasks", "reference_markdown",
    "run", "run_point", "sensitivity", "tornado_table", "unit_design", "validate_sweep",
]
