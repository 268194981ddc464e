"""Results: the tables a run produces, their one summary, and run folders on disk.

Above the engine, below analysis and presentation.

* :mod:`~sim.results.tables`: the result tables built from a simulation
  (replications, trajectories, events, bands), :class:`RunResult`, the
  summary, and run folders written atomically and read back;
* :mod:`~sim.results.folders`: where result folders may be written, writing
  them (and single files) atomically, and what ``--overwrite`` may replace;
* :mod:`~sim.results.branches`: which uncertain branches each replication
  took, read from its event log;
* :mod:`~sim.results.presenter`: how ``result.plot`` and ``result.save()``
  reach figures and pages without importing the layer above.

The outcomes themselves (unit, meaning, how cities combine) are listed once
in :mod:`sim.metrics`.  The names below are the package's public face: other
layers import them from ``sim.results``.
"""

from sim.results.folders import (
    check_output,
    check_place,
    file_sha256,
    prove,
    read_json,
    remove_leftovers,
    write_file,
    write_folder,
    write_manifest,
)
from sim.results.tables import (
    FIGURE_SERIES,
    REPRODUCIBLE,
    TRAJECTORY_KEYS,
    VERSION,
    RunResult,
    compare_files,
    default_folder,
    drawn_replications,
    for_figures,
    open_results,
    over_cities,
    read_manifest,
    recorded_run,
    scenario_digest,
    slug,
    summarise,
    summarise_outcomes,
    t_975,
    versions,
    versus_baseline,
    write_parquet,
    write_run,
)

__all__ = [
    "FIGURE_SERIES", "REPRODUCIBLE", "TRAJECTORY_KEYS", "VERSION", "RunResult", "check_output",
    "check_place", "compare_files", "default_folder", "drawn_replications", "file_sha256",
    "for_figures", "open_results", "over_cities", "prove", "read_json", "read_manifest",
    "recorded_run", "remove_leftovers", "scenario_digest", "slug", "summarise",
    "summarise_outcomes", "t_975", "versions", "versus_baseline", "write_file", "write_folder",
    "write_manifest", "write_parquet", "write_run",
]
