"""Draft a sourced scenario for any US incorporated place or county from bundled public data.

``fundsim draft "Austin, TX"`` (or :func:`draft`) finds the jurisdiction in the
Census estimates bundled with fundsim, fills in every number public data can
give, each cited by dataset, table and vintage, marks every number they
cannot give as an assumption TO CONFIRM with the document to look in, and
adds the federal measures of the current record, so that the file validates
and runs as it is.

>>> import sim.draft
>>> text = sim.draft.draft("Denver, CO")
>>> text.jurisdiction.population, text.jurisdiction.consolidated
(729019, True)
>>> sim.load(text.toml).city[0].budget.expenditure
4264180000.0

Modules: :mod:`~sim.draft.bundle` (the data), :mod:`~sim.draft.jurisdictions`
(names to governments), :mod:`~sim.draft.figures` (the numbers),
:mod:`~sim.draft.peers` (peer context), :mod:`~sim.draft.record` (the
federal measures), :mod:`~sim.draft.writer` (the TOML).
"""

from __future__ import annotations

import re
from pathlib import Path

import sim.scenario
from sim.draft.bundle import load as load_bundle
from sim.draft.jurisdictions import DraftError, Jurisdiction, normalise, resolve
from sim.draft.peers import figures, peer_context, peer_table
from sim.draft.record import current_record
from sim.draft.writer import TO_CONFIRM, Text, render
from sim.errors import OutputError
from sim.results import write_file

__all__ = ["TO_CONFIRM", "DraftError", "Jurisdiction", "Text", "default_path", "draft",
           "write"]


def draft(query: str) -> Text:
    """The scenario drafted for the place or county ``query`` names (validated).

    Raises :class:`DraftError` for an ambiguous, unknown or undraftable name.
    """
    data = load_bundle()
    jurisdiction = resolve(query, data)
    peers = peer_context(peer_table(data), jurisdiction.kind, jurisdiction.population,
                         *figures(jurisdiction, data), exclude=jurisdiction.geoid)
    toml = render(jurisdiction, data, current_record(), peers, query)
    scenario = sim.scenario.loads(toml, f"<draft of {jurisdiction.label}>")
    return Text(jurisdiction, toml, scenario, peers)


def default_path(text: Text) -> Path:
    """``austin-tx.toml`` in the current directory."""
    slug = re.sub(r"[^a-z0-9]+", "-", normalise(text.jurisdiction.label)).strip("-")
    return Path(f"{slug}.toml")


def write(text: Text, path: Path | None = None, overwrite: bool = False) -> Path:
    """Write the draft atomically to ``path`` (default :func:`default_path`); return the path.

    An existing file is replaced only with ``overwrite``; otherwise an
    :class:`~sim.errors.OutputError` and nothing written, also when another
    process wrote the file in the meantime.
    """
    path = Path(path) if path is not None else default_path(text)
    if (path.exists() or path.is_symlink()) and not overwrite:
        raise OutputError(f"{path}: exists; --overwrite replaces it")
    if path.is_dir():
        raise OutputError(f"{path}: is a folder; give a file name ending in .toml")
    write_file(path, lambda staging: staging.write_text(text.toml, encoding="utf-8"),
               replace=overwrite)
    return path
