"""The HTML report of a run, and the comparison of two runs (or two strategies of one).

A report is one self-contained HTML file (figures embedded as PNG, no
network): the scenario, the assumptions and sources it relies on, key numbers
per strategy with their uncertainty, every figure and a summary of the event
log.  Every string that comes from a scenario or a run goes through Jinja2's
autoescaping, so a hostile scenario name cannot inject markup.

A comparison puts two *sides* next to each other: two runs (``fundsim compare
A B``) or two strategies of one run (``fundsim compare RUN --strategies
sanctuary full``).  Figures are drawn on shared axes, changes of every metric
come with a 95% confidence interval, and the resolved scenarios are diffed key
by key.  Two runs with the same seed share their random streams replication by
replication (replication *i* of each draws from the same streams, whatever the
scenario or the number of replications), so their changes are paired on the
replications both have; runs with different seeds are independent (Welch).  A
change is flagged only when it exceeds Monte Carlo error for the whole page
(:data:`FAMILY_ERROR`): two runs of one unchanged model flag nothing.

The package:

* :mod:`~sim.presentation.pages.run`: the run report;
* :mod:`~sim.presentation.pages.compare`: the comparison;
* :mod:`~sim.presentation.pages.sweep`: the sweep page;
* :mod:`~sim.presentation.pages.numbers`, :mod:`~sim.presentation.pages.facts`
  and :mod:`~sim.presentation.pages.html`: what they share (numbers and
  changes, the scenario described, the Jinja environment and images).
"""

from sim.presentation.pages.compare import (
    Comparison,
    Side,
    compare,
    default_compare_folder,
    parameter_diff,
    render_comparison,
    share_limits,
    write_comparison,
)
from sim.presentation.pages.facts import peer_rows, scenario_provenance
from sim.presentation.pages.html import linkify
from sim.presentation.pages.numbers import (
    FAMILY_ERROR,
    Interval,
    drift,
    event_summary,
    format_change,
    format_metric,
    key_numbers,
    mean_difference,
)
from sim.presentation.pages.run import decision_section, render_report, write_report
from sim.presentation.pages.sweep import render_sweep_report

__all__ = [
    "FAMILY_ERROR", "Comparison", "Interval", "Side", "compare", "decision_section",
    "default_compare_folder", "drift", "event_summary", "format_change", "format_metric",
    "key_numbers", "linkify", "mean_difference", "parameter_diff", "peer_rows",
    "render_comparison", "render_report", "render_sweep_report", "scenario_provenance",
    "share_limits", "write_comparison", "write_report",
]
