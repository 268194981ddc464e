"""The ``fundsim`` command group: how every command fails, warns and stops.

Every user error becomes one clean message and an exit status (2 for bad
input, 130 for Ctrl-C, 1 for failures that are not the user's); no traceback
unless ``FUNDSIM_DEBUG`` is set.  SIGTERM stops a command as Ctrl-C does.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import warnings
from collections.abc import Iterator

import click

import sim
from sim.errors import FundsimError, FundsimWarning, Interrupted, ScenarioError, printable

MAX_PROBLEMS_SHOWN = 200
"""Problem lines printed at most; the rest are counted (a file of 5,000 broken
cities should not scroll its first lines away)."""


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Print fundsim's warnings as one line each; others as Python would."""
    if issubclass(category, FundsimWarning):
        click.echo(printable(f"Warning: {message}", newlines=True), err=True)
    else:
        _PYTHON_SHOWWARNING(message, category, filename, lineno, file, line)


_PYTHON_SHOWWARNING = warnings.showwarning


class _Group(click.Group):
    def invoke(self, ctx: click.Context):
        with _sigterm_as_ctrl_c(), warnings.catch_warnings():
            warnings.simplefilter("always", FundsimWarning)
            warnings.showwarning = _show_warning
            return self._invoke(ctx)

    def _invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ScenarioError as error:
            for problem in error.problems[:MAX_PROBLEMS_SHOWN]:
                click.echo(printable(str(problem), newlines=True), err=True)
            hidden = error.problems[MAX_PROBLEMS_SHOWN:]
            if hidden:
                click.echo(f"{hidden[0].file}: {len(hidden)} more problems not shown; fix "
                           "those above first", err=True)
            sys.exit(error.exit_code)
        except (KeyboardInterrupt, Interrupted) as error:
            # Another Ctrl-C while the interpreter shuts the pool's threads down
            # would only add "Exception ignored" noise under the one line.
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            # A sweep says which points it kept; everything else wrote nothing.
            click.echo(printable(str(error), newlines=True) or "interrupted; no results written",
                       err=True)
            sys.exit(Interrupted.exit_code)
        except FundsimError as error:
            click.echo(printable(f"Error: {error}", newlines=True), err=True)
            sys.exit(error.exit_code)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except BrokenPipeError:
            # The reader went away (fundsim keys ... | head): stop quietly, as other tools do,
            # and keep Python from complaining when it flushes stdout at exit.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(1)
        except Exception as error:
            if os.environ.get("FUNDSIM_DEBUG"):
                raise
            click.echo(printable(f"Error: internal error ({type(error).__name__}: {error}). This "
                                 "is a bug in fundsim: please report it with the command and "
                                 "its input files (FUNDSIM_DEBUG=1 shows the traceback).",
                                 newlines=True), err=True)
            sys.exit(1)


@contextlib.contextmanager
def _sigterm_as_ctrl_c() -> Iterator[None]:
    """SIGTERM (``kill``, a batch scheduler ending a job) stops a command as Ctrl-C does.

    Workers are ended, temporary files and folders removed, and the one line
    says what was kept.  By default SIGTERM would end the process at once,
    leaving its workers running and its half-written folder behind.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _interrupt(_signal: int, _frame: object) -> None:
    raise KeyboardInterrupt


@click.group(cls=_Group)
@click.version_option(sim.__version__, prog_name="fundsim")
def main() -> None:
    """Simulate what federal pressure on sanctuary jurisdictions does to their budgets."""
