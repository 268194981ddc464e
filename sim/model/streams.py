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
import math
from collections.abc import Iterator, Sequence

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
    "recession": 9,
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

    def stream_key(self, stream: str) -> int:
        """First word of the Philox key of every named thing within a stream."""
        key = self._stream_keys.get(stream)
        if key is None:
            sequence = np.random.SeedSequence(self.seed, spawn_key=(self.replication,
                                                                    STREAMS[stream]))
            key = int(sequence.generate_state(1, np.uint64)[0])
            self._stream_keys[stream] = key
        return key

    def key(self, stream: str, name: str = "") -> np.ndarray:
        """Philox key of one named thing within a stream."""
        return np.array([self.stream_key(stream), name_key(name)], dtype=np.uint64)

    def generator(self, stream: str, name: str = "") -> np.random.Generator:
        """Independent generator for one named thing within a stream."""
        return np.random.Generator(np.random.Philox(key=self.key(stream, name)))


PHILOX_MULTIPLIERS = (0xD2E7470EE14C6C93, 0xCA5A826395121157)
"""Philox4x64 round multipliers (Salmon et al. 2011, as in Random123 and numpy)."""
PHILOX_WEYL = (0x9E3779B97F4A7C15, 0xBB67AE8584CAA73B)
"""Philox4x64 key increments between rounds (golden ratio and sqrt(3) - 1)."""
PHILOX_ROUNDS = 10
_LOW32 = np.uint64(0xFFFFFFFF)
_DOUBLE_UNIT = 2.0**-53
_BLOCKS_PER_CHUNK = 1 << 16
_VECTORISED_UP_TO = 64
"""Uniforms per key up to which :func:`uniforms` computes Philox in numpy, many keys at
once; above, numpy's generator re-keyed per key is faster (measured, 2026-11)."""


def _mulhilo(multiplier: int, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """High and low 64-bit words of the 128-bit products ``multiplier * x``."""
    a_low, a_high = np.uint64(multiplier & 0xFFFFFFFF), np.uint64(multiplier >> 32)
    x_low, x_high = x & _LOW32, x >> np.uint64(32)
    low_low, high_low, low_high = a_low * x_low, a_high * x_low, a_low * x_high
    carry = ((low_low >> np.uint64(32)) + (high_low & _LOW32) + (low_high & _LOW32)
             ) >> np.uint64(32)
    high = (a_high * x_high + (high_low >> np.uint64(32)) + (low_high >> np.uint64(32))
            + carry)
    return high, np.uint64(multiplier) * x


def philox_blocks(keys: np.ndarray, blocks: int) -> np.ndarray:
    """Philox4x64-10 output (N, blocks, 4) of keys (N, 2) at counters 1 to ``blocks``.

    These are the 64-bit words numpy's ``Philox(key=key)`` produces from a
    zero counter, in order: it increments the counter before each block.
    """
    keys = np.asarray(keys, dtype=np.uint64)
    key0, key1 = keys[:, :1].copy(), keys[:, 1:].copy()
    shape = (len(keys), blocks)
    # Counter words 1 to 3 start at zero, so the first round needs one product only.
    zero = np.zeros(shape, dtype=np.uint64)
    high0, low0 = _mulhilo(PHILOX_MULTIPLIERS[0],
                           np.broadcast_to(np.arange(1, blocks + 1, dtype=np.uint64), shape))
    words = (zero ^ key0, zero, high0 ^ key1, low0)
    for _ in range(PHILOX_ROUNDS - 1):
        key0 += np.uint64(PHILOX_WEYL[0])
        key1 += np.uint64(PHILOX_WEYL[1])
        high0, low0 = _mulhilo(PHILOX_MULTIPLIERS[0], words[0])
        high1, low1 = _mulhilo(PHILOX_MULTIPLIERS[1], words[2])
        words = (high1 ^ words[1] ^ key0, low1, high0 ^ words[3] ^ key1, low0)
    return np.stack(words, axis=-1)


def philox_uniforms(keys: np.ndarray, count: int) -> np.ndarray:
    """(N, count) uniforms of keys (N, 2), computed for all keys at once.

    Row ``i`` is exactly ``Generator(Philox(key=keys[i])).random(count)``:
    doubles are the top 53 bits of each 64-bit word, as numpy makes them.
    """
    keys = np.asarray(keys, dtype=np.uint64).reshape(-1, 2)
    blocks = -(-count // 4)
    out = np.empty((len(keys), count))
    if not count:
        return out
    step = max(1, _BLOCKS_PER_CHUNK // max(blocks, 1))
    for first in range(0, len(keys), step):
        words = philox_blocks(keys[first:first + step], blocks).reshape(-1, 4 * blocks)
        out[first:first + step] = (words[:, :count] >> np.uint64(11)) * _DOUBLE_UNIT
    return out


def uniforms(streams: Sequence[ReplicationStreams], stream: str, names: Sequence[str],
             shape: tuple[int, ...], skip: int = 0) -> np.ndarray:
    """Uniforms in [0, 1) for many replications and named things at once.

    Returns an array of shape ``(len(streams), len(names), *shape)`` whose slice
    ``[r, i]`` equals ``streams[r].generator(stream, names[i]).random(shape)``
    (after ``skip`` uniforms drawn and thrown away): the same numbers, computed
    for every key at once when each needs only a few, else by re-keying one bit
    generator instead of building one per name.
    """
    count = math.prod(shape)
    if skip + count <= _VECTORISED_UP_TO:
        keys = _keys(streams, stream, names).reshape(-1, 2)
        drawn = philox_uniforms(keys, skip + count)[:, skip:]
        return drawn.reshape(len(streams), len(names), *shape)
    out = np.empty((len(streams), len(names), count))
    for r, i, draw in rekeyed(streams, stream, names, skip):
        draw.random(count, out=out[r, i])
    return out.reshape(len(streams), len(names), *shape)


def rekeyed(streams: Sequence[ReplicationStreams], stream: str, names: Sequence[str],
            skip: int = 0) -> Iterator[tuple[int, int, np.random.Generator]]:
    """``(r, i, generator)`` for every replication ``r`` and name ``i``, in that order.

    The generator gives the draws of ``streams[r].generator(stream, names[i])``
    that follow its first ``skip`` 64-bit words (one word per uniform), until
    the next step: it is one generator, re-keyed at each step, because building
    a generator per name costs more than drawing a year of months from it
    (docs/engine.md, measured choices).  Philox makes
    four words per step of its counter, so skipping sets the counter instead of
    drawing.
    """
    keys = _keys(streams, stream, names)
    bits = np.random.Philox(key=keys[0, 0] if keys.size else np.zeros(2, np.uint64))
    draw = np.random.Generator(bits)
    # A fresh generator's state but for the counter: empty buffer, the key changes.
    fresh = bits.state
    start = fresh["state"]
    start["counter"] = np.array([skip // 4, 0, 0, 0], dtype=np.uint64)
    for r in range(len(streams)):
        for i in range(len(names)):
            start["key"] = keys[r, i]
            bits.state = fresh
            if skip % 4:
                bits.random_raw(skip % 4)
            yield r, i, draw


def _keys(streams: Sequence[ReplicationStreams], stream: str,
          names: Sequence[str]) -> np.ndarray:
    """(R, N, 2) Philox keys of every replication's named things within a stream."""
    stream_keys = np.array([rs.stream_key(stream) for rs in streams], dtype=np.uint64)
    name_keys = np.array([name_key(name) for name in names], dtype=np.uint64)
    return np.stack(np.broadcast_arrays(stream_keys[:, None], name_keys[None, :]), axis=-1)


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
