"""Errors that fundsim reports to users.

Every error a user can cause derives from :class:`FundsimError` and carries the
exit status the command line uses for it.  Scenario problems are collected
(all of them, not only the first) as :class:`Problem` records, each naming the
file, the key path inside the file and the offending value.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

_MAX_VALUE_CHARS = 80


def show_value(value: Any) -> str:
    """Short, single-line representation of a value for error messages."""
    text = repr(value)
    text = text.replace("\n", "\\n")
    if len(text) > _MAX_VALUE_CHARS:
        text = text[: _MAX_VALUE_CHARS - 3] + "..."
    return text


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario, located by file and key path."""

    file: str
    path: str
    message: str
    value: Any = None
    has_value: bool = True

    def __str__(self) -> str:
        where = f"{self.file}: {self.path}: " if self.path else f"{self.file}: "
        got = f" (got {show_value(self.value)})" if self.has_value else ""
        return f"{where}{self.message}{got}"


class FundsimError(Exception):
    """Base class of errors caused by user input or the environment."""

    exit_code = 1


class ScenarioError(FundsimError):
    """A scenario (file, string or override) is invalid; holds every problem found."""

    exit_code = 2

    def __init__(self, problems: Iterable[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class UsageError(FundsimError):
    """A command was asked for something it cannot do (bad option, missing run folder)."""

    exit_code = 2


class OutputError(FundsimError):
    """Results could not be written; earlier results are left untouched."""

    exit_code = 2


class Interrupted(FundsimError):
    """The user stopped a run (Ctrl-C); nothing that looks complete was written."""

    exit_code = 130
