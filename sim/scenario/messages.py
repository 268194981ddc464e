"""Plain-language messages for scenario validation errors.

pydantic reports problems in its own vocabulary ("Input should be greater
than or equal to 0", "String should match pattern ...").  Analysts read
scenario files, not Python, so each error type is rewritten here in the terms
of the file: keys, tables, numbers, dates, ``true``/``false``; unknown keys
and unknown choices come with the closest valid spelling.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Iterable
from typing import Any, Literal

from pydantic import BaseModel

from sim.scenario.uncertain import UNION_TAGS

PATTERNS = {
    r"^[A-Z]{2}$": "must be a two-letter state postal code in capitals, e.g. 'IL'",
}
"""Messages for string patterns of the schema, by pattern."""

_DATE = "must be a date written YYYY-MM-DD, without quotes (e.g. 2025-07-01)"
_NUMBER = "must be a number (e.g. 1.5e6), without quotes"
_WHOLE = "must be a whole number (e.g. 12), without quotes"

_FIXED = {
    "missing": "required key is missing",
    "union_tag_not_found": "an uncertain quantity needs a `dist` key",
    "finite_number": "must be a finite number (inf and nan are not allowed)",
    "int_from_float": _WHOLE,
    "int_parsing": _WHOLE,
    "int_type": _WHOLE,
    "float_parsing": _NUMBER,
    "float_type": _NUMBER,
    "bool_parsing": "must be true or false",
    "bool_type": "must be true or false",
    "string_type": "must be text in quotes",
    "date_parsing": _DATE,
    "date_type": _DATE,
    "date_from_datetime_parsing": _DATE,
    "date_from_datetime_inexact": "must be a date without a time of day (YYYY-MM-DD)",
    "date_future": _DATE,
    "date_past": _DATE,
    "dict_type": "must be a table: [name] on its own line, or {key = value, ...}",
    "model_type": "must be a table: [name] on its own line, or {key = value, ...}",
    "model_attributes_type": "must be a table: [name] on its own line, or {key = value, ...}",
    "list_type": "must be a list in brackets, e.g. ['a', 'b']",
}

_BOUNDS = {"greater_than": ">", "greater_than_equal": ">=", "less_than": "<",
           "less_than_equal": "<="}


def plain_message(err: dict, root: type[BaseModel]) -> str:
    """The message for one pydantic error, in the terms of the scenario file."""
    kind, ctx, loc = err["type"], err.get("ctx") or {}, err["loc"]
    if kind == "extra_forbidden":
        return _unknown_key(str(loc[-1]), keys_at(root, loc[:-1]))
    if kind == "list_type" and _is_table_list(root, loc):
        key = ".".join(str(p) for p in loc if isinstance(p, str) and p not in UNION_TAGS)
        return f"must be one or more [[{key}]] tables, not a single [{key}] table"
    if kind == "uncertain_type" and isinstance(err.get("input"), str):
        return "expected a number without quotes, or an uncertain quantity {dist = ...}"
    if kind in _FIXED:
        return _FIXED[kind]
    if kind in _BOUNDS:
        limit = next(v for k, v in ctx.items() if k in ("gt", "ge", "lt", "le"))
        return f"must be {_BOUNDS[kind]} {limit:g}" if isinstance(limit, float) else (
            f"must be {_BOUNDS[kind]} {limit}")
    if kind == "literal_error":
        return _unknown_choice(err.get("input"), re.findall(r"'([^']*)'", str(ctx["expected"])))
    if kind == "union_tag_invalid":
        expected = str(ctx.get("expected_tags", ""))
        return f"unknown distribution (expected one of {expected})"
    if kind == "string_pattern_mismatch":
        return PATTERNS.get(ctx["pattern"], f"must match the pattern {ctx['pattern']}")
    if kind == "string_too_short":
        if ctx["min_length"] == 1:
            return "must not be empty"
        return f"must have at least {ctx['min_length']} characters"
    if kind == "string_too_long":
        return (f"is too long: {len(err.get('input', ''))} characters, at most "
                f"{ctx['max_length']} allowed")
    if kind == "too_short":
        least = ctx["min_length"]
        return f"needs at least {least} {'entry' if least == 1 else 'entries'}"
    if kind == "too_long":
        return f"has {ctx['actual_length']} entries; at most {ctx['max_length']} allowed"
    message = str(err["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    return message.replace("Input should be", "must be")


def _unknown_key(key: str, allowed: list[str]) -> str:
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    if close:
        return f"unknown key; did you mean '{close[0]}'?"
    if allowed and len(allowed) <= 25:
        return f"unknown key (allowed here: {', '.join(allowed)})"
    return "unknown key (see `fundsim schema` for the keys allowed)"


def _unknown_choice(value: Any, choices: list[str]) -> str:
    listed = ", ".join(f"'{c}'" for c in choices)
    close = difflib.get_close_matches(str(value), choices, n=1, cutoff=0.6)
    hint = f"; did you mean '{close[0]}'?" if close and close[0] != value else ""
    return f"must be one of {listed}{hint}"


def keys_at(root: type[BaseModel], loc: Iterable[Any]) -> list[str]:
    """Keys a scenario file may use in the table at a pydantic location."""
    models = _models_at(root, loc)
    keys: dict[str, None] = {}
    for model in models:
        for name, field in model.model_fields.items():
            keys[field.alias or name] = None
    return list(keys)


def _models_at(root: type[BaseModel], loc: Iterable[Any]) -> list[type[BaseModel]]:
    models = [root]
    for part in loc:
        if isinstance(part, int):
            continue
        if part in UNION_TAGS:
            tagged = [m for m in models if _dist_tag(m) == part]
            models = tagged or models
            continue
        inner: list[type[BaseModel]] = []
        for model in models:
            field = _field(model, part)
            if field is not None:
                inner.extend(_models_in(field.annotation))
        models = inner
        if not models:
            break
    return models


def _field(model: type[BaseModel], key: str):
    for name, field in model.model_fields.items():
        if key in (name, field.alias):
            return field
    return None


def _dist_tag(model: type[BaseModel]) -> str | None:
    field = model.model_fields.get("dist")
    if field is None or typing.get_origin(field.annotation) is not Literal:
        return None
    return typing.get_args(field.annotation)[0]


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """Every model class a (possibly nested, optional or annotated) type can hold."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type[BaseModel]] = []
    for arg in typing.get_args(annotation):
        found.extend(_models_in(arg))
    return found


def _is_table_list(root: type[BaseModel], loc: tuple) -> bool:
    """Whether the key at ``loc`` holds a list of tables (``[[key]]``)."""
    if not loc or not isinstance(loc[-1], str):
        return False
    for model in _models_at(root, loc[:-1]):
        field = _field(model, loc[-1])
        if field is not None and typing.get_origin(field.annotation) in (list, types.GenericAlias):
            return bool(_models_in(field.annotation))
    return False
