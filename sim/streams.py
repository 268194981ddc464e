"""Random streams: every draw traceable to the scenario seed and one replication.

The scenario seed roots one :class:`numpy.random.SeedSequence`.  Replication
``r`` of stream ``s`` (revenue noise, measures, courts, enforcement...) gets
the child sequence with spawn key ``(r, s)``, whatever the batch it runs in,
so results never depend on batch size, chunking or worker count.  Within a
stream, each named thing (a city, a measure, a parameter path) gets its own
counter-based Philox generator keyed by the child sequence and a hash of the
name: adding a city or a measure leaves every other draw unchanged, and every
strategy sees the same draws (common random numbers).
"""

from __future__ import annotations

import functools
import hashlib
import threading
from collections.abc import Sequence

import numpy as np

#: Stream identifiers; never renumber (it would change every result).
STREAMS: dict[str, int] = {
    "parameters": 1,
    "measures": 2,
    "courts": 3,
    "revenue": 4,
    "enforcement": 5,
    "liability": 6,
    "decisions": 7,
    "design": 8,
}


@functools.lru_cache(maxsize=65_536)
def name_key(name: str) -> int:
    """Stable 64-bit key of a name (independent of Python's hash seed)."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "little")


class ReplicationStreams:
    """The random streams of one replication."""

    def __init__(self, seed: int, replication: int):
        self.seed = seed
        self.replication = replication
        self._stream_keys: dict[str, int] = {}

    def _stream_key(self, stream: str) -> int:
        key = self._stream_keys.get(stream)
        if key is None:
            sequence = np.random.SeedSequence(self.seed, spawn_key=(self.replication,
                                                                    STREAMS[stream]))
            key = int(sequence.generate_state(1, np.uint64)[0])
            self._stream_keys[stream] = key
        return key

    def key(self, stream: str, name: str = "") -> np.ndarray:
        """Philox key of one named thing within a stream."""
        return np.array([self._stream_key(stream), name_key(name)], dtype=np.uint64)

    def generator(self, stream: str, name: str = "") -> np.random.Generator:
        """Independent generator for one named thing within a stream."""
        return np.random.Generator(np.random.Philox(key=self.key(stream, name)))

    def draws(self, stream: str, name: str = "") -> np.random.Generator:
        """The same draws as :meth:`generator`, from one generator reused per thread.

        Four times cheaper than a new generator; valid only until the next
        call of ``draws`` in the same thread (draw what you need at once).
        """
        shared = getattr(_PER_THREAD, "generator", None)
        if shared is None:
            shared = _PER_THREAD.generator = np.random.Generator(np.random.Philox(0))
        shared.bit_generator.state = {
            "bit_generator": "Philox",
            "state": {"counter": np.zeros(4, np.uint64), "key": self.key(stream, name)},
            "buffer": np.zeros(4, np.uint64), "buffer_pos": 4, "has_uint32": 0, "uinteger": 0,
        }
        return shared


_PER_THREAD = threading.local()


def uniforms(streams: Sequence[ReplicationStreams], stream: str, names: Sequence[str],
             shape: tuple[int, ...]) -> np.ndarray:
    """Uniforms in [0, 1) for many replications and named things at once.

    Returns an array of shape ``(len(streams), len(names), *shape)`` whose slice
    ``[r, i]`` equals ``streams[r].generator(stream, names[i]).random(shape)``:
    the same numbers, drawn by re-keying one bit generator instead of building
    one per name (ten times faster for thousands of replications and cities).
    """
    out = np.empty((len(streams), len(names), *shape))
    bits = np.random.Philox(key=np.zeros(2, dtype=np.uint64))
    draw = np.random.Generator(bits)
    fresh = bits.state
    name_keys = [name_key(name) for name in names]
    for r, rs in enumerate(streams):
        stream_key = rs._stream_key(stream)
        for i, key in enumerate(name_keys):
            fresh["state"] = {"counter": np.zeros(4, dtype=np.uint64),
                              "key": np.array([stream_key, key], dtype=np.uint64)}
            bits.state = fresh
            out[r, i] = draw.random(shape)
    return out


def design_generator(seed: int, name: str) -> np.random.Generator:
    """Generator for randomness outside any replication, keyed by a name.

    Sweep designs (Latin hypercube, scrambled Sobol points, Morris
    trajectories) and bootstrap confidence intervals draw from it, so they too
    follow from the root seed alone.  Its spawn key ``(design stream, hash of
    name)`` cannot equal a replication's ``(r, s)``, whose ``s`` is a small
    stream identifier.  The generator keeps its seed sequence, which
    :mod:`scipy.stats.qmc` needs to spawn from it.
    """
    sequence = np.random.SeedSequence(seed, spawn_key=(STREAMS["design"], name_key(name)))
    return np.random.Generator(np.random.Philox(sequence))
