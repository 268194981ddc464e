"""The scenario reference: every key of a scenario file, as Markdown.

Generated from the schema itself (the pydantic models of :mod:`sim.scenario`
and their field docstrings), so the reference cannot drift from the code:
``fundsim schema --markdown > docs/scenario-reference.md``, and a test checks
that the committed file matches.  Each table of the file gets a section; each
key a row with its type and unit, its default, and its description, which
gives the source of the default or labels it an assumption.
"""

from __future__ import annotations

import datetime as dt
import inspect
import types
import typing
from typing import Any, Literal, Union

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from sim.scenario.schema import Scenario
from sim.scenario.uncertain import (
    DATE_DISTS,
    NUMBER_DISTS,
    Frozen,
    Money,
    Rate,
    Share,
    UncertainDate,
    field_metadata,
    walk_annotations,
)

_NAMED_NUMBERS = {
    id(Money.__metadata__[-1].func): "money, USD ≥ 0",
    id(Share.__metadata__[-1].func): "share, 0–1",
    id(Rate.__metadata__[-1].func): "rate per year, −1–1",
}
_NUMBER_DISCRIMINATOR = Money.__metadata__[0].discriminator
_DATE_DISCRIMINATOR = UncertainDate.__metadata__[0].discriminator
_UNCERTAIN = " (or uncertain)"

HEADER = """\
# Scenario reference

Every key of a scenario file, generated from the schema by
`fundsim schema --markdown` (do not edit by hand: a test checks that this
file matches the code).  Money is US dollars, annual unless the description
says otherwise (reserves are a stock); shares are 0–1; months count calendar
months.  A key marked *(or uncertain)* also accepts a distribution
`{dist = "...", ...}`, sampled once per replication (see
[Uncertain quantities](#uncertain-quantities)).  Defaults whose description
says "Assumption" are not backed by a source: set your own.

Every number a shipped scenario states carries a citation: the enclosing
table's `sources = { key = "..." }` entry, else its `source = "..."`, else
the citation its enclosing table inherits by the same rule; numbers no
source backs say `"assumption: ..."` (see `sim/scenario/provenance.py` and
`fundsim sources`).
"""


def _submodel(annotation: Any) -> tuple[type[BaseModel] | None, bool]:
    """The scenario table type inside an annotation, and whether it is a list of them."""
    origin = typing.get_origin(annotation)
    if origin is list:
        model, _ = _submodel(typing.get_args(annotation)[0])
        return model, model is not None
    if origin in (Union, types.UnionType):
        for arg in typing.get_args(annotation):
            model, many = _submodel(arg)
            if model is not None:
                return model, many
        return None, False
    if (inspect.isclass(annotation) and issubclass(annotation, Frozen)
            and annotation not in NUMBER_DISTS + DATE_DISTS):
        return annotation, False
    return None, False


def _bounds(metadata: list[Any]) -> str:
    symbols = {"ge": "≥", "gt": ">", "le": "≤", "lt": "<"}
    parts = []
    for meta in metadata:
        for name, symbol in symbols.items():
            value = getattr(meta, name, None)
            if isinstance(value, int | float) and not isinstance(value, bool):
                parts.append(f"{symbol} {_number(value)}")
    return ", ".join(parts)


def _number(value: float) -> str:
    if isinstance(value, int):
        return f"{value:,}" if abs(value) >= 10_000 else str(value)
    if value.is_integer() and abs(value) >= 1e4:
        return f"{value:,.0f}"
    return f"{value:g}"


def _bounded(kind: str, metadata: list[Any]) -> str:
    bounds = _bounds(metadata)
    return f"{kind}, {bounds}" if bounds else kind


def _without_none(annotation: Any) -> Any:
    """``X`` for ``X | None``; the annotation itself otherwise."""
    if typing.get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation


def _literal(annotation: Any) -> list[str] | None:
    for item in walk_annotations(annotation):
        if typing.get_origin(item) is Literal:
            return [str(v) for v in typing.get_args(item)]
    return None


def describe_type(key: str, field: FieldInfo) -> str:
    """Type and unit of a field, in words."""
    metadata = field_metadata(field)
    discriminators = [m.discriminator for m in metadata if hasattr(m, "discriminator")]
    if _DATE_DISCRIMINATOR in discriminators:
        return "date" + _UNCERTAIN
    if _NUMBER_DISCRIMINATOR in discriminators:
        for meta in metadata:
            name = _NAMED_NUMBERS.get(id(getattr(meta, "func", None)))
            if name:
                return name + _UNCERTAIN
        checks = [m.func for m in metadata if hasattr(m, "func")]
        bounds = getattr(checks[-1], "describe", lambda: "")() if checks else ""
        bounds = bounds.replace(">=", "≥").replace("<=", "≤").replace(" and ", ", ")
        return (f"number, {bounds}" if bounds else "number") + _UNCERTAIN
    model, many = _submodel(field.annotation)
    if model is not None:
        return "list of tables" if many else "table"
    literal = _literal(field.annotation)
    base = _without_none(field.annotation)
    if typing.get_origin(base) is list:
        inner = typing.get_args(base)[0]
        if literal:
            return "list of: " + ", ".join(f"`{v}`" for v in literal)
        return "list of numbers" if inner is float else "list of text"
    if literal:
        return "one of: " + ", ".join(f"`{v}`" for v in literal)
    if typing.get_origin(base) is dict:
        return "table of dates" if typing.get_args(base)[-1] is dt.date else "table of text"
    types_in = set(walk_annotations(base))
    if float in types_in and dt.date in types_in:
        lists = any(typing.get_origin(a) is list for a in walk_annotations(base))
        return "list of numbers or dates" if lists else "number or date"
    if int in types_in:
        unit = "months" if key.endswith("_months") else "whole number"
        if key in ("fiscal_year_start", "award_month"):
            unit = "calendar month"
        return _bounded(unit, metadata)
    if float in types_in:
        return _bounded("number", metadata)
    if dt.date in types_in:
        return "date"
    if bool in types_in:
        return "true/false"
    return "text"


def _format(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return f"`{_number(value)}`"
    if isinstance(value, str):
        return f'`"{value}"`'
    if isinstance(value, list):
        return "`[" + ", ".join(f'"{v}"' if isinstance(v, str) else f"{v}" for v in value) + "]`"
    if isinstance(value, dict):
        return "`{}`" if not value else f"`{value}`"
    return f"`{value}`"


def describe_default(field: FieldInfo) -> str:
    """The default of a field, or *required*."""
    if field.default_factory is not None:
        value = field.default_factory()
    elif field.default is PydanticUndefined:
        return "**required**"
    else:
        value = field.default
    if value is None:
        return "—"
    if isinstance(value, BaseModel):
        return "see its section"
    return _format(value)


def _cell(text: str) -> str:
    return " ".join(inspect.cleandoc(text).split()).replace("|", "\\|")


def _table(model: type[BaseModel]) -> list[str]:
    lines = ["| key | type and unit | default | description |", "|---|---|---|---|"]
    for key, field in model.model_fields.items():
        name = field.alias or key
        text = _cell(field.description or "")
        lines.append(f"| `{name}` | {describe_type(key, field)} | {describe_default(field)} "
                     f"| {text} |")
    return lines


def _sections(model: type[BaseModel], path: str, many: bool,
              seen: set[type]) -> typing.Iterator[list[str]]:
    header = f"[[{path}]]" if many else f"[{path}]"
    doc = inspect.cleandoc(model.__doc__ or "")
    yield [f"## `{header}`", "", doc, "", *_table(model), ""]
    for key, field in model.model_fields.items():
        sub, sub_many = _submodel(field.annotation)
        if sub is not None and sub not in seen:
            yield from _sections(sub, f"{path}.{key}", sub_many, seen | {sub})


def _top_level() -> typing.Iterator[list[str]]:
    lines = ["## Top level", "", inspect.cleandoc(Scenario.__doc__ or ""), "",
             *_table(Scenario), ""]
    yield lines
    for key, field in Scenario.model_fields.items():
        sub, many = _submodel(field.annotation)
        if sub is not None:
            yield from _sections(sub, key, many, {sub})


def _optional(field: FieldInfo) -> str:
    if field.is_required():
        return ""
    default = describe_default(field)
    return ", optional" if default == "—" else f", default {default}"


def _distributions() -> list[str]:
    lines = ["## Uncertain quantities", "",
             "Any key marked *(or uncertain)* takes a number (or a date) or one of these "
             "tables, chosen by `dist`.", ""]
    for title, classes in (("Numbers", NUMBER_DISTS), ("Dates", DATE_DISTS)):
        lines += [f"### {title}", "", "| `dist` | keys | meaning |", "|---|---|---|"]
        for cls in classes:
            dist = typing.get_args(cls.model_fields["dist"].annotation)[0]
            keys = ", ".join(
                f"`{f.alias or k}` ({_cell(f.description or '').rstrip('.').lower()})"
                + _optional(f)
                for k, f in cls.model_fields.items() if k != "dist")
            lines.append(f"| `{dist}` | {keys} | {_cell(cls.__doc__ or '')} |")
        lines.append("")
    return lines


def markdown() -> str:
    """The scenario reference as one Markdown document."""
    blocks = [HEADER]
    for section in _top_level():
        blocks.append("\n".join(section))
    blocks.append("\n".join(_distributions()))
    return "\n".join(blocks).rstrip() + "\n"


def file_markdown(model: type[BaseModel], header: str) -> str:
    """The reference of a file read into ``model`` (each table a section), under ``header``.

    Other file kinds (sweep files, :mod:`sim.analysis.sweep`) document their
    schema with this, so every reference reads the same.
    """
    blocks = [header]
    for key, field in model.model_fields.items():
        sub, many = _submodel(field.annotation)
        if sub is not None:
            blocks.extend("\n".join(section) for section in _sections(sub, key, many, {sub}))
    return "\n".join(blocks).rstrip() + "\n"
