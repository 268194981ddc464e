"""Errors that fundsim reports to users.

Every error a user can cause derives from :class:`FundsimError` and carries the
exit status the command line uses for it.  Scenario problems are collected
(all of them, not only the first) as :class:`Problem` records, each naming the
file, the key path inside the file and the offending value.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

_MAX_VALUE_CHARS = 80
_MAX_DEPTH = 20
"""Nesting shown in a value; deeper tables and lists are elided."""
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""Control characters (ANSI escape sequences start with one) and the invisible marks that
reorder text on screen (bidirectional overrides)."""


def printable(text: str, *, newlines: bool = False) -> str:
    r"""``text`` safe to print on a terminal: control characters written as escapes.

    A name holding ``\x1b[2J`` would clear the screen, or one holding an OSC
    sequence retitle the window; written ``\u001b`` it is shown, not obeyed.
    Line breaks are kept only with ``newlines``.

    >>> printable("Spring\x1b[31mfield"), printable("a\nb"), printable("a\nb", newlines=True)
    ('Spring\\u001b[31mfield', 'a\\nb', 'a\nb')
    """
    def escaped(match: re.Match[str]) -> str:
        character = match.group()
        return "\n" if newlines and character == "\n" else json.dumps(character)[1:-1]

    return _UNPRINTABLE.sub(escaped, text)


def toml_text(value: Any, depth: int = 0) -> str:
    """A value written as it would appear in a TOML file (dates bare, strings quoted).

    Tables and lists nested more than :data:`_MAX_DEPTH` deep are shown as
    ``{...}`` and ``[...]`` (a file may nest keys a thousand deep).

    >>> toml_text({"dist": "uniform", "low": dt.date(2026, 1, 1), "high": True})
    "{dist = 'uniform', low = 2026-01-01, high = true}"
    >>> toml_text({"a": {"b": [[1]]}}, depth=_MAX_DEPTH - 1)
    '{a = {...}}'
    """
    if isinstance(value, dict | list | tuple) and depth >= _MAX_DEPTH:
        return "{...}" if isinstance(value, dict) else "[...]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        if "'" in value or any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
            return json.dumps(value)
        return f"'{value}'"
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dict):
        items = ", ".join(f"{_toml_key(k)} = {toml_text(v, depth + 1)}"
                          for k, v in value.items())
        return "{" + items + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_text(v, depth + 1) for v in value) + "]"
    return repr(value)


def _toml_key(key: Any) -> str:
    key = str(key)
    return key if _BARE_KEY.fullmatch(key) else json.dumps(key)


def show_value(value: Any) -> str:
    """Short, single-line TOML-like representation of a value for error messages."""
    if isinstance(value, str) and len(value) > _MAX_VALUE_CHARS:
        value = value[:_MAX_VALUE_CHARS]  # never format megabytes to show 80 characters
    elif isinstance(value, list | dict) and len(value) > _MAX_VALUE_CHARS:
        value = list(value)[:_MAX_VALUE_CHARS] if isinstance(value, list) else dict(
            list(value.items())[:_MAX_VALUE_CHARS])
    text = toml_text(value)
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


class BatchError(FundsimError):
    """Replications could not be simulated: a worker process died or the model failed.

    Names the replications and the seed, and how to repeat them in one process
    (where a debugger or a traceback can follow).
    """

    def __init__(self, first: int, last: int, seed: int, cause: BaseException,
                 unfinished: int = 0):
        self.first, self.last, self.seed, self.cause = first, last, seed, cause
        if type(cause).__name__ == "WorkerDied":  # its message says what happened
            what = str(cause)
        else:
            what = f"{type(cause).__name__}: {cause}"
        later = f"; {unfinished} other batches were left unfinished" if unfinished else ""
        super().__init__(
            f"replications {first} to {last - 1} (seed {seed}) failed: {what}{later}. "
            f"To repeat them in one process: --seed {seed} --replications {last} --workers 1; "
            "no results written")


class FundsimWarning(UserWarning):
    """Something went wrong that did not stop the command: a figure could not be drawn.

    The command line prints it as one ``Warning:`` line; the Python API
    issues it as a :mod:`warnings` warning.
    """


class Interrupted(FundsimError):
    """The user stopped a run (Ctrl-C); nothing that looks complete was written."""

    exit_code = 130
