"""Random streams: every draw traceable to the seed, one replication and a name."""

from __future__ import annotations

import numpy as np

from sim.streams import ReplicationStreams, uniforms


def test_batched_uniforms_equal_one_generator_per_name():
    """uniforms() gives exactly the numbers of generator(stream, name).random()."""
    streams = [ReplicationStreams(42, r) for r in (0, 3, 17)]
    names = ["Chicago", "Cook County", "Denver"]
    batch = uniforms(streams, "enforcement", names, (2, 5))
    for r, rs in enumerate(streams):
        for i, name in enumerate(names):
            assert np.array_equal(batch[r, i], rs.generator("enforcement", name).random((2, 5)))
    assert not np.array_equal(batch[0, 0], batch[0, 1])
