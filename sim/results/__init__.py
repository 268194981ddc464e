"""Results: the tables a run produces, their one summary, and run folders on disk.

Above the engine, below analysis and presentation.

* :mod:`~sim.results.tables`: the result tables built from a simulation
  (replications, trajectories, events, bands), written to Parquet;
* :mod:`~sim.results.summary`: the one summary of runs, sweep points and
  comparisons, and how cities combine;
* :mod:`~sim.results.run`: :class:`RunResult`, what ``sim.run`` returns,
  saved to and opened from its run folder;
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
    commit_folder,
    file_sha256,
    prove,
    read_json,
    remove_leftovers,
    write_file,
    write_folder,
    write_manifest,
)
from sim.results.run import (
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
    read_manifest,
    recorded_run,
    scenario_digest,
    slug,
    unique_slugs,
    versions,
    write_run,
)
from sim.results.summary import (
    SUMMARY_COLUMNS,
    over_cities,
    statistics,
    summarise,
    summarise_outcomes,
    t_975,
    versus_baseline,
)
from sim.results.tables import write_parquet

__all__ = [
    "FIGURE_SERIES", "REPRODUCIBLE", "SUMMARY_COLUMNS", "TRAJECTORY_KEYS", "VERSION",
    "RunResult", "check_output", "check_place", "commit_folder", "compare_files",
    "default_folder", "drawn_replications", "file_sha256", "for_figures", "open_results",
    "over_cities", "prove", "read_json", "read_manifest", "recorded_run", "remove_leftovers",
    "scenario_digest", "slug", "statistics", "summarise", "summarise_outcomes", "t_975",
    "unique_slugs", "versions", "versus_baseline", "write_file", "write_folder",
    "write_manifest", "write_parquet", "write_run",
]
