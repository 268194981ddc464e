"""Whole-run arrays of a simulation, held in memory or spilled to disk.

A run of 100,000 replications of 50 cities has some 40 outcomes of 20 million
values each (6 GB) and tens of millions of event-log rows: more than memory
holds.  The stores here gather finished batches in memory while the run is
small, and in files of a temporary folder once it is large, so the parent
process holds little; readers load one metric (or one batch of events) at a
time.  What is stored, and how it reads back, does not depend on where it is
kept.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import tempfile
import weakref
from collections.abc import Iterator, Mapping
from pathlib import Path

import numpy as np

from sim.model.world import Events

SPILL_PREFIX = "fundsim-spill-"
"""Spill folders are ``$TMPDIR/fundsim-spill-HOST-PID-XXXXXXXX``: the run that made
each can be told, so folders of runs that died can be removed."""


def owned_prefix(prefix: str) -> str:
    """``prefix`` followed by this machine's name and this process's id: ``prefixHOST-PID-``.

    A temporary file or folder named with it (and a token without ``-`` or
    ``.``, as :func:`tempfile.mkdtemp` makes) says which process made it, so
    :func:`remove_abandoned` can tell what a process that died left behind.
    """
    return f"{prefix}{socket.gethostname()}-{os.getpid()}-"


class SpillFolder:
    """A temporary folder, made on first use, removed with the last store using it."""

    def __init__(self) -> None:
        self._path: Path | None = None

    @property
    def path(self) -> Path:
        """The folder (``$TMPDIR/fundsim-spill-HOST-PID-...``), made now if need be."""
        if self._path is None:
            self._path = Path(tempfile.mkdtemp(prefix=owned_prefix(SPILL_PREFIX)))
            weakref.finalize(self, shutil.rmtree, self._path, ignore_errors=True)
        return self._path


def remove_abandoned_spills(root: Path | None = None) -> list[Path]:
    """Remove the spill folders of this machine's runs whose process is gone; return them.

    A run killed outright (SIGKILL, or the system out of memory) cannot remove
    its folder, and the folder of a run of 100,000 replications holds about
    7 GB.  Folders of other machines sharing ``root`` (default ``$TMPDIR``)
    and of live processes are left alone.
    """
    return remove_abandoned(Path(root or tempfile.gettempdir()), re.escape(SPILL_PREFIX))


def remove_abandoned(folder: Path, prefix: str, suffixes: tuple[str, ...] = ("",)) -> list[Path]:
    """Remove what this machine's processes that are gone left in ``folder``; return it.

    Removed: files and folders named by :func:`owned_prefix` (``prefix`` is a
    regular expression for what comes before ``HOST-PID-``), then a token,
    then one of ``suffixes``, whose process no longer runs.  What other
    machines sharing the folder, or live processes, made is left alone, as is
    anything else.  Nothing to do in a folder that does not exist.
    """
    if os.name == "nt":  # os.kill(pid, 0) would end the process there, not probe it
        return []
    ends = "|".join(re.escape(s) for s in suffixes)
    # PID, then a token without "-": not a machine whose name extends this one's.
    owned = re.compile(rf"{prefix}{re.escape(socket.gethostname())}-(\d+)-[^-.]+(?:{ends})")
    removed = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return []
    for entry in entries:
        named = owned.fullmatch(entry.name)
        if named is None or _running(int(named[1])):
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
        removed.append(entry)
    return removed


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


class ArrayStore(Mapping[str, np.ndarray]):
    """Whole-run arrays by name, filled a batch of replications at a time.

    Replications run along ``axis``: outcomes are (S, R, C), axis 1; kept
    trajectories (T, S, K, C), axis 2.  Past ``spill_bytes`` (judged from the
    first batch), each array is a ``.npy`` file written batch by batch;
    reading an array then maps the file, so only the pages used stay in
    memory, and only as long as the array read is kept.
    """

    def __init__(self, replications: int, spill_bytes: int, folder: SpillFolder,
                 axis: int = 1, length: int | None = None):
        self.replications = replications
        """Replications the store has room for."""
        self.axis = axis
        self.length = replications if length is None else length
        """Replications read back (a precision run stops short of the room made)."""
        self.spill_bytes = spill_bytes
        self.folder = folder
        self._arrays: dict[str, np.ndarray] = {}
        self._files: dict[str, tuple[Path, int, tuple[int, ...], np.dtype]] = {}

    @property
    def spilled(self) -> bool:
        """Whether the arrays are kept on disk."""
        return bool(self._files)

    def _shape(self, values: np.ndarray) -> tuple[int, ...]:
        shape = list(values.shape)
        shape[self.axis] = self.replications
        return tuple(shape)

    def add(self, first: int, arrays: Mapping[str, np.ndarray], spill: bool = False) -> None:
        """Store a batch's arrays from replication ``first`` on.

        ``spill``: keep the arrays on disk whatever their size (decided at the first batch).
        """
        if not self._arrays and not self._files:
            total = sum(int(np.prod(self._shape(v), dtype=np.int64)) * v.itemsize
                        for v in arrays.values())
            if spill or total > self.spill_bytes:
                for name, values in arrays.items():
                    self._files[name] = self._create(values)
        for name, values in arrays.items():
            if self._files:
                self._write(name, first, values)
            else:
                if name not in self._arrays:
                    self._arrays[name] = np.empty(self._shape(values), dtype=values.dtype)
                self._arrays[name][self._span(first, first + values.shape[self.axis])] = values

    def _span(self, first: int, last: int) -> tuple[slice, ...]:
        return (slice(None),) * self.axis + (slice(first, last),)

    def _create(self, values: np.ndarray) -> tuple[Path, int, tuple[int, ...], np.dtype]:
        shape = self._shape(values)
        path = self.folder.path / f"array-{id(self)}-{len(self._files)}.npy"
        mapped = np.lib.format.open_memmap(path, mode="w+", dtype=values.dtype, shape=shape)
        offset = mapped.offset
        del mapped  # a sparse file: its pages are written batch by batch
        return path, offset, shape, values.dtype

    def _write(self, name: str, first: int, values: np.ndarray) -> None:
        path, offset, shape, dtype = self._files[name]
        if not values.shape[self.axis]:
            return
        row = int(np.prod(shape[self.axis + 1:], dtype=np.int64)) * dtype.itemsize
        data = np.ascontiguousarray(values, dtype=dtype)
        with open(path, "r+b") as file:
            for number, index in enumerate(np.ndindex(*shape[:self.axis])):
                file.seek(offset + (number * shape[self.axis] + first) * row)
                file.write(memoryview(data[index]).cast("B"))

    def __getitem__(self, name: str) -> np.ndarray:
        span = self._span(0, self.length)
        if name in self._arrays:
            return self._arrays[name][span]
        return np.load(self._files[name][0], mmap_mode="r")[span]

    def __iter__(self) -> Iterator[str]:
        return iter(self._files or self._arrays)

    def __len__(self) -> int:
        return len(self._files or self._arrays)

    def limited(self, length: int) -> Mapping[str, np.ndarray]:
        """The arrays of the first ``length`` replications: a dict when in memory."""
        if not self._files:
            span = self._span(0, length)
            return {name: values[span] for name, values in self._arrays.items()}
        view = ArrayStore(self.replications, self.spill_bytes, self.folder, self.axis, length)
        view._files = self._files
        return view


class EventStore:
    """Event logs of finished batches, by first replication; spilled past ``spill_bytes``.

    Iterating gives the rows of the output table in order: by strategy, then
    replication and day (batches hold consecutive replications and their rows
    come ordered, see :class:`~sim.model.world.Events`).
    """

    def __init__(self, spill_bytes: int, folder: SpillFolder):
        self.spill_bytes = spill_bytes
        self.folder = folder
        self._parts: dict[int, Events | Path] = {}
        self._rows = 0
        self._bytes = 0
        self._strategies: set[int] = set()
        self._spilling = False

    @property
    def spilled(self) -> bool:
        """Whether batches' events are kept on disk."""
        return self._spilling or self._bytes > self.spill_bytes

    def spill(self) -> None:
        """Keep events on disk from now on, whatever their size (a big run's are)."""
        self._spilling = True

    def add(self, first: int, events: Events) -> None:
        """Store the events of the batch whose first replication is ``first``."""
        self._rows += len(events)
        self._bytes += events.nbytes
        self._strategies.update(np.unique(events.strategy).tolist())
        self._parts[first] = events
        if self.spilled:
            for start, part in self._parts.items():
                if isinstance(part, Events):
                    self._parts[start] = self._spill(start, part)

    def _spill(self, first: int, events: Events) -> Path:
        path = self.folder.path / f"events-{first}.npz"
        texts = json.dumps([events.kinds, events.details]).encode()
        np.savez(path, texts=np.frombuffer(texts, dtype=np.uint8),
                 **{name: getattr(events, name) for name in Events.COLUMNS})
        return path

    @staticmethod
    def _read(path: Path) -> Events:
        with np.load(path) as saved:
            kinds, details = json.loads(saved["texts"].tobytes())
            return Events(*(saved[name] for name in Events.COLUMNS), tuple(kinds),
                          tuple(details))

    def parts(self) -> Iterator[Events]:
        """Each batch's events, in replication order."""
        for first in sorted(self._parts):
            part = self._parts[first]
            if isinstance(part, Events):
                yield part
            else:
                yield self._read(part)

    @property
    def strategies(self) -> list[int]:
        """Strategy indices with at least one event."""
        return sorted(self._strategies)

    def of_strategy(self, s: int) -> Iterator[Events]:
        """Strategy ``s``'s events, batch by batch in replication order."""
        for part in self.parts():
            rows = part.of_strategy(s)
            if len(rows):
                yield rows

    def __iter__(self) -> Iterator[tuple]:
        for s in self.strategies:
            for rows in self.of_strategy(s):
                yield from rows

    def __len__(self) -> int:
        return self._rows

    def __eq__(self, other: object) -> bool:
        return isinstance(other, EventStore) and list(self) == list(other)
