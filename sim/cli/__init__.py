"""The ``fundsim`` command: thin click wrappers around the Python API.

Each command is a few lines around the API under its click options.  The
commands live by what they work on: :mod:`~sim.cli.running` simulates
(``run``, ``rerun``, ``backtest``), :mod:`~sim.cli.checking` reads input
files (``validate``, ``keys``, ``schema``, ``sources``, ``draft``),
:mod:`~sim.cli.reviewing` reads finished runs (``report``, ``export``,
``compare``) and :mod:`~sim.cli.sweeping` varies scenarios (``sweep``,
``discover``); :mod:`~sim.cli.group` holds what they share: one clean line
and an exit status for every error.
"""

from __future__ import annotations

from sim.cli import checking, reviewing, running, sweeping
from sim.cli.group import main

for _command in (running.run, running.rerun, running.backtest,
                 checking.validate, checking.keys, checking.schema, checking.sources,
                 checking.draft,
                 reviewing.report, reviewing.export, reviewing.compare,
                 sweeping.sweep, sweeping.discover):
    main.add_command(_command)

__all__ = ["main"]
