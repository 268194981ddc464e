"""Big runs: outcomes and events spilled to disk give the files of a run held in memory."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.engine.runner import simulate
from sim.engine.store import ArrayStore, EventStore, SpillFolder, remove_abandoned_spills
from sim.model.world import EventLog
from sim.results import summarise, summarise_outcomes, write_parquet

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
FILES = ("summary.csv", "replications.parquet", "trajectories.parquet", "events.parquet",
         "bands.parquet")


@pytest.fixture(scope="module")
def coalition() -> sim.Scenario:
    """Nine jurisdictions suing in a coalition: many events, several cities."""
    return sim.load(SCENARIOS / "coalition-2025.toml")


def saved(scenario: sim.Scenario, folder: Path, **options) -> dict[str, bytes]:
    result = sim.run(scenario, replications=9, seed=4, keep=3, **options)
    result.save(folder, figures=False)
    return {name: (folder / name).read_bytes() for name in FILES}


def test_spilled_run_writes_the_files_of_a_run_in_memory(coalition, tmp_path, monkeypatch):
    """Outcomes and events on disk (tiny spill threshold) give byte-identical files."""
    in_memory = saved(coalition, tmp_path / "memory", workers=1, batch_size=2)
    monkeypatch.setattr("sim.engine.limits.SPILL_BYTES", 1)
    spilled = saved(coalition, tmp_path / "spilled", workers=2, batch_size=2)
    assert in_memory == spilled


def test_spilled_simulation_reads_back_the_same_arrays_and_events(coalition, monkeypatch):
    """A spilled simulation's outcomes and event rows equal those held in memory."""
    memory = simulate(coalition, replications=5, workers=1, batch_size=2, keep=3)
    monkeypatch.setattr("sim.engine.limits.SPILL_BYTES", 1)
    spilled = simulate(coalition, replications=5, workers=1, batch_size=2, keep=3)
    assert isinstance(spilled.outcomes, ArrayStore) and spilled.outcomes.spilled
    assert isinstance(spilled.trajectories, ArrayStore) and spilled.trajectories.spilled
    assert spilled.events.spilled and len(spilled.events) == len(memory.events) > 0
    assert set(spilled.outcomes) == set(memory.outcomes)
    for name, values in memory.outcomes.items():
        np.testing.assert_array_equal(spilled.outcomes[name], values, err_msg=name)
    for name, values in memory.trajectories.items():
        np.testing.assert_array_equal(spilled.trajectories[name], values, err_msg=name)
    assert spilled.events == memory.events


@pytest.mark.parametrize("axis", [1, 2])
def test_array_store_on_disk_puts_batches_in_place_in_any_order(axis):
    """Batches added out of order land at their replications, on disk as in memory."""
    shape = [2, 3, 4]
    shape.insert(axis, 7)
    values = np.arange(np.prod(shape), dtype=float).reshape(shape)
    memory, disk = (ArrayStore(7, limit, SpillFolder(), axis) for limit in (2**30, 1))
    for first, last in ((4, 7), (0, 2), (2, 2), (2, 4)):
        for store in (memory, disk):
            store.add(first, {"x": values.take(np.arange(first, last), axis=axis)})
    assert disk.spilled and not memory.spilled
    np.testing.assert_array_equal(disk["x"], values)
    np.testing.assert_array_equal(memory["x"], values)
    np.testing.assert_array_equal(disk.limited(5)["x"], values.take(np.arange(5), axis=axis))


def test_events_come_ordered_by_strategy_replication_and_day():
    """Rows sort by strategy, replication and day; same-day rows keep their logging order."""
    log = EventLog()
    log.add([0, 2], 11, 5.0, -1, "measure_start", "A")
    log.add([2], 10, 5.0, 1, "suit_filed", "B")
    log.add([0, 2], [10, 10], 3.0, [0, 1], "funds_released", ["C", "D"])
    log.add([2], 10, 5.0, 0, "suit_joined", "E")
    events = log.freeze()
    assert list(events) == [
        (0, 10, 3.0, 0, "funds_released", "C"),
        (0, 11, 5.0, -1, "measure_start", "A"),
        (2, 10, 3.0, 1, "funds_released", "D"),
        (2, 10, 5.0, 1, "suit_filed", "B"),
        (2, 10, 5.0, 0, "suit_joined", "E"),
        (2, 11, 5.0, -1, "measure_start", "A"),
    ]
    assert [row[4] for row in events.of_strategy(2)] == [
        "funds_released", "suit_filed", "suit_joined", "measure_start"]


def test_event_store_spilled_gives_the_rows_it_was_given():
    """Batches of events read back from disk in table order."""
    stores = [EventStore(limit, SpillFolder()) for limit in (2**30, 1)]
    for first in (3, 0):
        log = EventLog()
        log.add([1, 0], first, 2.0, 0, "k", f"batch {first}")
        for store in stores:
            store.add(first, log.freeze())
    memory, disk = stores
    assert disk.spilled and not memory.spilled
    assert list(disk) == list(memory) == [(0, 0, 2.0, 0, "k", "batch 0"),
                                          (0, 3, 2.0, 0, "k", "batch 3"),
                                          (1, 0, 2.0, 0, "k", "batch 0"),
                                          (1, 3, 2.0, 0, "k", "batch 3")]


@pytest.mark.parametrize(("scenario", "rows"), [("coalition-2025", 2**17), ("chicago", 2**17),
                                               ("coalition-2025", 20)])
def test_summary_from_arrays_equals_the_table_summary_to_the_bit(scenario, rows, monkeypatch):
    """Summarising metric by metric (in blocks of replications) gives summarise()'s numbers."""
    monkeypatch.setattr("sim.engine.limits.ROWS_PER_GROUP", rows)
    result = sim.run(SCENARIOS / f"{scenario}.toml", replications=7, seed=2, workers=1)
    sim_ = result.simulation
    fast = summarise_outcomes(sim_.outcomes, sim_.plan.strategies, sim_.plan.cities)
    pd.testing.assert_frame_equal(fast, summarise(result.replications), check_exact=True)


def test_parquet_file_does_not_depend_on_how_the_table_was_cut(tmp_path, monkeypatch):
    """Row groups have a fixed size: pieces of any size give the same bytes."""
    monkeypatch.setattr("sim.engine.limits.ROWS_PER_GROUP", 4)
    frame = pd.DataFrame({"a": np.arange(11), "b": [f"x{i}" for i in range(11)]})
    write_parquet(tmp_path / "one.parquet", iter([frame]))
    write_parquet(tmp_path / "many.parquet", iter([frame[:3], frame[3:3], frame[3:10],
                                                   frame[10:]]))
    assert (tmp_path / "one.parquet").read_bytes() == (tmp_path / "many.parquet").read_bytes()
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "many.parquet"), frame)


def _ended_process_id() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


@pytest.mark.skipif(os.name == "nt", reason="processes are not probed on Windows")
def test_spill_folders_of_ended_runs_on_this_machine_are_removed(tmp_path):
    """A killed run's spill goes at the next run; live runs' and other machines' stay."""
    host = socket.gethostname()
    ended = tmp_path / f"fundsim-spill-{host}-{_ended_process_id()}-k1ll3d"
    live = tmp_path / f"fundsim-spill-{host}-{os.getpid()}-runn1ng"
    elsewhere = tmp_path / f"fundsim-spill-not-{host}-{_ended_process_id()}-0ther"
    longer_name = tmp_path / f"fundsim-spill-{host}-{_ended_process_id()}-{_ended_process_id()}-x"
    unowned = tmp_path / "fundsim-spill-0ldname"
    for folder in (ended, live, elsewhere, longer_name, unowned):
        folder.mkdir()
        (folder / "outcomes.npy").write_bytes(b"x" * 100)
    assert remove_abandoned_spills(tmp_path) == [ended]
    assert not ended.exists()
    assert all(f.exists() for f in (live, elsewhere, longer_name, unowned))


def test_spill_folder_is_named_after_its_machine_and_process(tmp_path, monkeypatch):
    """The folder a run spills into says which run made it, so it can be cleaned up."""
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    folder = SpillFolder().path
    assert folder.parent == tmp_path
    assert folder.name.startswith(f"fundsim-spill-{socket.gethostname()}-{os.getpid()}-")
