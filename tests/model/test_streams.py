"""Random streams: every draw traceable to the seed, one replication and a name."""

from __future__ import annotations

import threading

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.model.streams import ReplicationStreams, philox_uniforms, rekeyed, uniforms


def test_batched_uniforms_equal_one_generator_per_name():
    """uniforms() gives exactly the numbers of generator(stream, name).random()."""
    streams = [ReplicationStreams(42, r) for r in (0, 3, 17)]
    names = ["Chicago", "Cook County", "Denver"]
    batch = uniforms(streams, "enforcement", names, (2, 5))
    for r, rs in enumerate(streams):
        for i, name in enumerate(names):
            assert np.array_equal(batch[r, i], rs.generator("enforcement", name).random((2, 5)))
    assert not np.array_equal(batch[0, 0], batch[0, 1])


def test_rekeyed_draws_equal_a_fresh_generator_per_name():
    """rekeyed() gives, name by name, exactly the numbers of a new generator (after skip)."""
    streams = [ReplicationStreams(9, 4), ReplicationStreams(9, 5)]
    names = ["a|b", "Springfield", ""]
    for skip in (0, 3, 8):
        for r, i, shared in rekeyed(streams, "revenue", names, skip):
            fresh = streams[r].generator("revenue", names[i])
            fresh.bit_generator.random_raw(skip)
            expected = fresh.random(5), fresh.standard_normal(3)
            np.testing.assert_array_equal(shared.random(5), expected[0])
            np.testing.assert_array_equal(shared.standard_normal(3), expected[1])


def test_names_replications_and_streams_are_independent():
    """Another name, replication or stream gives other numbers."""
    base = ReplicationStreams(9, 4).generator("courts", "x").random(4)
    for other in (ReplicationStreams(9, 4).generator("courts", "y"),
                  ReplicationStreams(9, 5).generator("courts", "x"),
                  ReplicationStreams(9, 4).generator("revenue", "x"),
                  ReplicationStreams(8, 4).generator("courts", "x")):
        assert not np.array_equal(other.random(4), base)


def test_rekeyed_draws_are_safe_in_threads():
    """Threads (as in a Dask worker with several threads) never mix each other's draws."""
    errors = []

    def work(replication: int) -> None:
        streams = [ReplicationStreams(1, replication)]
        expected = streams[0].generator("courts", "x").random(8)
        for _ in range(500):
            for _, _, draw in rekeyed(streams, "courts", ["x"]):
                if not np.array_equal(draw.random(8), expected):
                    errors.append(replication)
                    return

    threads = [threading.Thread(target=work, args=(r,)) for r in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


@settings(max_examples=60, deadline=None)
@given(keys=st.lists(st.tuples(st.integers(0, 2**64 - 1), st.integers(0, 2**64 - 1)),
                     min_size=1, max_size=8),
       count=st.integers(0, 70))
def test_vectorised_philox_equals_numpy(keys, count):
    """philox_uniforms() reproduces numpy's Philox generator bit for bit, for any key."""
    table = np.array(keys, dtype=np.uint64)
    batch = philox_uniforms(table, count)
    for row, key in zip(batch, table, strict=True):
        expected = np.random.Generator(np.random.Philox(key=key)).random(count)
        assert np.array_equal(row, expected)


def test_uniforms_agree_on_both_paths():
    """Short blocks (computed in numpy) and long ones (numpy's generator) match generator()."""
    streams = [ReplicationStreams(5, r) for r in (0, 1, 250)]
    for shape in [(), (3,), (4, 16), (5, 120)]:
        batch = uniforms(streams, "parameters", ["a", "b.c"], shape)
        assert batch.shape == (3, 2, *shape)
        for r, rs in enumerate(streams):
            for i, name in enumerate(["a", "b.c"]):
                assert np.array_equal(batch[r, i], rs.generator("parameters", name).random(shape))


@settings(max_examples=30, deadline=None)
@given(skip=st.integers(0, 130), count=st.integers(0, 130))
def test_skipped_uniforms_are_the_rest_of_the_stream(skip, count):
    """uniforms(skip=n) are the generator's uniforms after its first n, on both paths."""
    streams = [ReplicationStreams(5, r) for r in (0, 7)]
    batch = uniforms(streams, "enforcement", ["a", "b"], (count,), skip=skip)
    for r, rs in enumerate(streams):
        for i, name in enumerate(["a", "b"]):
            expected = rs.generator("enforcement", name).random(skip + count)[skip:]
            assert np.array_equal(batch[r, i], expected)
