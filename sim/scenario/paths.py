"""Key paths into a scenario: ``city[Chicago].grant[Byrne JAG].amount``.

A key path names tables by key and list items by position or by name
(``program`` for grants, ``name`` for the rest).  Overrides
(:meth:`~sim.scenario.Scenario.with_values`), sweeps, ``fundsim keys`` and
messages use them; :func:`format_loc` writes pydantic's error locations the
same way, and :func:`uncertain_leaves` names every uncertain quantity by a
path that adding a city does not change.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.errors import Problem, show_value
from sim.scenario.uncertain import UNION_TAGS, Frozen, is_uncertain

if TYPE_CHECKING:
    from sim.scenario.schema import Scenario


_STEP = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?:\[([^\]]*)\])?")
_INDEX = re.compile(r"-?[0-9]+")
_PATH_HELP = "write key paths like city[0].budget.reserves or city[Chicago].grant[Byrne JAG].amount"


def parse_path(path: str) -> list[tuple[str, str | None]]:
    """Split a key path into steps: each a key and, for a list, the item selected.

    Item names may contain dots and spaces, so ``[...]`` is read whole.

    >>> parse_path("measure[H.R. 32].probability")
    [('measure', 'H.R. 32'), ('probability', None)]
    """
    if not isinstance(path, str) or not path:
        raise KeyError(f"not a key path; {_PATH_HELP}")
    steps, position = [], 0
    while True:
        match = _STEP.match(path, position)
        if match is None or match.group(2) == "":
            raise KeyError(f"cannot read the key path at {path[position:]!r}; {_PATH_HELP}")
        steps.append((match.group(1), match.group(2)))
        position = match.end()
        if position == len(path):
            return steps
        if path[position] != ".":
            raise KeyError(f"cannot read the key path at {path[position:]!r}; {_PATH_HELP}")
        position += 1


def _label(item: Any) -> str | None:
    """Name a list item is selected by: its ``name``, else its ``program``."""
    for key in ("name", "program"):
        value = item.get(key) if isinstance(item, dict) else getattr(item, key, None)
        if isinstance(value, str):
            return value
    return None


def _item_index(items: list, selector: str, where: str) -> int:
    """Position of the item a selector names: an index (negative from the end) or a name."""
    if _INDEX.fullmatch(selector):
        index = int(selector)
        if not -len(items) <= index < len(items):
            entries = "1 entry" if len(items) == 1 else f"{len(items)} entries"
            raise KeyError(f"{where} has {entries}, no [{index}]")
        return index % len(items)
    for i, item in enumerate(items):
        if _label(item) == selector:
            return i
    names = [name for name in map(_label, items) if name is not None]
    known = f" (known: {', '.join(names)})" if names else ""
    raise KeyError(f"no {where} named {selector!r}{known}")


def _child(node: Any, key: str, where: str) -> Any:
    """Value of ``key`` inside a scenario object or a dict, by its file spelling."""
    if isinstance(node, dict) and key in node:
        return node[key]
    if isinstance(node, Frozen):
        fields = {info.alias or name: name for name, info in type(node).model_fields.items()}
        if key in fields:
            return getattr(node, fields[key])
    if isinstance(node, dict | Frozen):
        raise KeyError(f"{where or 'a scenario'} has no key {key!r}")
    raise KeyError(f"{where} is a value ({show_value(node)}), not a table")
def value_at(node: Any, path: str) -> Any:
    """The value at a key path inside a scenario object (see :meth:`Scenario.value_at`).

    Raises :class:`KeyError` naming the step that does not exist.
    """
    return _walk(node, path)[0]


def canonical_path(node: Any, path: str) -> str:
    """A key path with list items by position (see :meth:`Scenario.canonical_path`)."""
    return _walk(node, path)[1]


def _walk(node: Any, path: str) -> tuple[Any, str]:
    """The value at a key path, and the path with list items by position."""
    steps = parse_path(path)
    canonical: list[tuple[str, str | None]] = []
    for i, (key, selector) in enumerate(steps):
        node = _child(node, key, joined(steps[:i]))
        if selector is None:
            canonical.append((key, None))
            continue
        here = joined([*steps[:i], (key, None)])
        if not isinstance(node, list):
            raise KeyError(f"{here} is not a list; [{selector}] selects nothing")
        index = _item_index(node, selector, here)
        canonical.append((key, str(index)))
        node = node[index]
    return node, joined(canonical)


def set_path(data: dict, path: str, value: Any) -> str:
    """Set a value in nested scenario data by key path.

    Returns the path with list items by position, as validation errors name
    them.  Optional tables left out on the way are created.
    """
    node: Any = data
    steps = parse_path(path)
    canonical: list[tuple[str, str | None]] = []
    for i, (key, selector) in enumerate(steps):
        last = i == len(steps) - 1
        parent, here = joined(steps[:i]), joined([*steps[:i], (key, None)])
        if not isinstance(node, dict):
            raise KeyError(f"{parent} is a value ({show_value(node)}), not a table")
        if selector is None:
            canonical.append((key, None))
            if last:
                node[key] = value
            else:
                # A table left out, or an unknown key that validation will name.
                if node.get(key) is None:
                    node[key] = {}
                node = node[key]
            continue
        if key not in node:
            raise KeyError(f"{parent or 'a scenario'} has no key {key!r}")
        items = node.get(key)
        if not isinstance(items, list):
            raise KeyError(f"{here} is not a list; [{selector}] selects nothing")
        index = _item_index(items, selector, here)
        canonical.append((key, str(index)))
        if last:
            items[index] = value
        else:
            node = items[index]
    return joined(canonical)


def uncertain_leaves(scenario: Scenario) -> Iterator[tuple[str, Any]]:
    """Every uncertain quantity, with a stable path naming list items by name.

    Names (not positions) make random streams stable: adding a city does not
    change the draws of the others.
    """
    yield from _leaves(scenario, "")


def _leaves(node: Any, prefix: str) -> Iterator[tuple[str, Any]]:
    # Only objects and lists can hold a distribution: plain values (most fields) are
    # skipped without a call, which keeps the walk of a 500-city scenario short.
    if is_uncertain(node):
        yield prefix, node
    elif isinstance(node, Frozen):
        for key in type(node).model_fields:
            value = getattr(node, key)
            if isinstance(value, Frozen | list):
                yield from _leaves(value, f"{prefix}.{key}" if prefix else key)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            if isinstance(item, Frozen | list):
                label = getattr(item, "name", None) or getattr(item, "program", None) or str(i)
                yield from _leaves(item, f"{prefix}[{label}]")


def number_leaves(scenario: Scenario) -> Iterator[tuple[str, Any, bool]]:
    """Every number, date and uncertain quantity of a scenario, written or defaulted.

    Yields ``(key path, value, written)``: the paths
    :meth:`Scenario.with_values` and sweep files take, naming list items by
    name; ``written`` says whether the file set the value (else it is the
    schema's default).  Keys whose default is worked out from other keys
    (left ``None``) are not listed.
    """
    yield from _number_leaves(scenario, "", True)


def _number_leaves(node: Any, prefix: str, written: bool) -> Iterator[tuple[str, Any, bool]]:
    if is_uncertain(node) or (isinstance(node, int | float | dt.date)
                              and not isinstance(node, bool)):
        yield prefix, node, written
    elif isinstance(node, Frozen):
        for key in type(node).model_fields:
            if key not in ("source", "sources"):
                yield from _number_leaves(getattr(node, key), f"{prefix}.{key}" if prefix
                                          else key, written and key in node.model_fields_set)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            if isinstance(item, Frozen):
                label = getattr(item, "name", None) or getattr(item, "program", None) or str(i)
                yield from _number_leaves(item, f"{prefix}[{label}]", written)


def format_loc(loc: tuple) -> str:
    """Turn a pydantic error location into a file key path: ``city[0].budget.reserves``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part in UNION_TAGS or part.startswith("function-"):
            continue
        else:
            text += f".{part}" if text else str(part)
    return text


def plain_data(value: Any) -> Any:
    """Turn numpy numbers, arrays and scenario objects into plain Python, to validate alike."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Frozen):
        return value.model_dump(mode="python", by_alias=True)
    if isinstance(value, Mapping):
        return {k: plain_data(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain_data(v) for v in value]
    return value


def spelled_prefixes(canonical: str, spelled: str) -> dict[str, str]:
    """Map each prefix of a path with items by position to the same prefix as written."""
    steps, written = parse_path(canonical), parse_path(spelled)
    return {joined(steps[:n]): joined(written[:n]) for n in range(1, len(steps) + 1)}


def joined(steps: list[tuple[str, str | None]]) -> str:
    """Steps written back as a key path (the inverse of :func:`parse_path`)."""
    return ".".join(key if selector is None else f"{key}[{selector}]" for key, selector in steps)


def respelled(problem: Problem, spelled: dict[str, str]) -> Problem:
    """Locate a problem the way the override was written (``city[Chicago]``, not ``[3]``)."""
    for canonical in sorted(spelled, key=len, reverse=True):
        rest = problem.path.removeprefix(canonical)
        if rest != problem.path and rest[:1] in ("", ".", "["):
            return dataclasses.replace(problem, path=spelled[canonical] + rest)
    return problem
