"""Option types and phrases the commands share."""

from __future__ import annotations

import click

from sim.errors import FundsimError


def size_option(_ctx: click.Context, _param: click.Parameter, value: str | None) -> int | None:
    """``--max-memory``: a size such as 8GiB, in bytes; a bad one is a usage error."""
    from sim.engine.limits import parse_size

    try:
        return None if value is None else parse_size(value)
    except FundsimError as error:
        raise click.BadParameter(str(error)) from None


def duration_option(_ctx: click.Context, _param: click.Parameter,
                     value: str | None) -> float | None:
    """``--max-time``: a duration such as 30m or 2h, in seconds; a bad one is a usage error."""
    from sim.engine.limits import parse_duration

    try:
        return None if value is None else parse_duration(value)
    except FundsimError as error:
        raise click.BadParameter(str(error)) from None


def saving(no_figures: bool) -> str:
    """What a run does once simulated, for the spinner that replaces the progress bar."""
    return "saving the tables" + ("" if no_figures else ", drawing figures, writing the report")
