"""Faults: full disks, unwritable folders, dying workers, and repeating a run.

Whatever goes wrong while results are written, the output folder either
appears complete or not at all, and an earlier run in its place is left
exactly as it was.  A worker that dies or a batch that fails surfaces as one
clean error naming the replications and the seed.  ``fundsim rerun``
repeats a run from its manifest, byte for byte.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

import sim
import sim.engine.runner
from sim.cli import main
from sim.errors import BatchError, OutputError
from sim.results import REPRODUCIBLE, write_run
from tests.conftest import ONE_CITY

ROOT = str(Path(__file__).resolve().parents[1])


@pytest.fixture
def scenario_file(tmp_path) -> Path:
    path = tmp_path / "city.toml"
    path.write_text(ONE_CITY)
    return path


def run_args(scenario_file: Path, out: Path, *extra: str) -> list[str]:
    return ["run", str(scenario_file), "-o", str(out), "-n", "4", "-w", "1", "-q",
            "--no-figures", *extra]


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file of a folder, by relative path, with its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def leftovers(parent: Path) -> list[str]:
    """Hidden staging or retired folders left beside the output."""
    return [p.name for p in parent.iterdir() if p.name.startswith(".")]


@pytest.fixture
def earlier_run(cli, scenario_file, tmp_path) -> Path:
    """A complete run folder, as a user would have from yesterday."""
    out = tmp_path / "results" / "run"
    assert cli.invoke(main, run_args(scenario_file, out)).exit_code == 0
    return out


def full_disk(*_args, **_kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_full_disk_while_writing_leaves_the_earlier_run_untouched(cli, scenario_file,
                                                                  earlier_run, monkeypatch):
    """ENOSPC half-way through: exit 2, a clear message, the earlier run byte for byte."""
    before = snapshot(earlier_run)
    monkeypatch.setattr(pd.DataFrame, "to_parquet", full_disk)
    result = cli.invoke(main, run_args(scenario_file, earlier_run, "--overwrite", "--seed", "9"))
    assert result.exit_code == 2, result.output
    assert "No space left on device (the disk is full); earlier results are untouched" in (
        result.stderr)
    assert "Traceback" not in result.output
    assert snapshot(earlier_run) == before
    assert leftovers(earlier_run.parent) == []


def test_interrupted_write_leaves_nothing_that_looks_complete(scenario_file, tmp_path,
                                                             monkeypatch):
    """Ctrl-C while files are written: no folder, no staging debris."""
    result = sim.run(sim.load(scenario_file), replications=2, workers=1)
    monkeypatch.setattr(pd.DataFrame, "to_parquet", lambda *a, **k: (_ for _ in ()).throw(
        KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        write_run(result, tmp_path / "out", figures=False)
    assert list(tmp_path.iterdir()) == [scenario_file]


def test_failed_swap_puts_the_earlier_run_back(scenario_file, earlier_run, monkeypatch):
    """If the new folder cannot be renamed into place, the retired one is restored."""
    before = snapshot(earlier_run)
    result = sim.run(sim.load(scenario_file), replications=2, workers=1, seed=3)
    real_rename = os.rename

    def rename(src, dst):
        if str(src).endswith(".partial"):
            raise OSError(errno.EXDEV, os.strerror(errno.EXDEV))
        real_rename(src, dst)

    monkeypatch.setattr(os, "rename", rename)
    with pytest.raises(OutputError, match="earlier results are untouched"):
        write_run(result, earlier_run, overwrite=True, figures=False)
    assert snapshot(earlier_run) == before
    assert leftovers(earlier_run.parent) == []


def test_unwritable_output_folder_fails_before_simulating(cli, scenario_file, tmp_path,
                                                          monkeypatch):
    """No permission to create the folder: exit 2 with the reason, nothing written."""
    def refuse(*_args, **_kwargs):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))

    monkeypatch.setattr("tempfile.mkdtemp", refuse)
    result = cli.invoke(main, run_args(scenario_file, tmp_path / "out"))
    assert result.exit_code == 2
    assert "Permission denied (no permission to write there)" in result.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("where", ["file/sub", "file"])
def test_output_under_or_at_a_file_is_refused_before_simulating(where, cli, scenario_file,
                                                                tmp_path, monkeypatch):
    """-o inside (or onto) an ordinary file: exit 2, the file untouched, no run."""
    (tmp_path / "file").write_text("precious")
    monkeypatch.setattr(sim, "run", lambda *a, **k: pytest.fail("simulated anyway"))
    result = cli.invoke(main, run_args(scenario_file, tmp_path / where, "--overwrite"))
    assert result.exit_code == 2, result.output
    assert (tmp_path / "file").read_text() == "precious"


def test_overwrite_replaces_an_earlier_run(cli, scenario_file, earlier_run):
    """--overwrite swaps in the new run where an earlier one was."""
    before = snapshot(earlier_run)
    result = cli.invoke(main, run_args(scenario_file, earlier_run, "--overwrite", "--seed", "9"))
    assert result.exit_code == 0, result.output
    assert snapshot(earlier_run)["summary.csv"] != before["summary.csv"]
    assert leftovers(earlier_run.parent) == []


@pytest.mark.parametrize("target", [".", "", "..", "mine"])
def test_overwrite_never_replaces_a_folder_of_other_files(target, cli, scenario_file, tmp_path,
                                                         monkeypatch):
    """--overwrite refuses the current directory, its parents and folders fundsim did not write."""
    work = tmp_path / "work"
    (work / "mine").mkdir(parents=True)
    (work / "mine" / "notes.txt").write_text("mine")
    (work / "notes.txt").write_text("mine")
    monkeypatch.chdir(work)
    before = snapshot(tmp_path)
    result = cli.invoke(main, ["run", str(scenario_file), "-o", target, "-n", "2", "-w", "1",
                               "-q", "--no-figures", "--overwrite"])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert snapshot(tmp_path) == before


def test_real_full_disk_on_a_small_tmpfs(cli, scenario_file, tmp_path):
    """On a real 1 MiB file system, a second run does not fit: the first survives intact."""
    mount = tmp_path / "small"
    mount.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)],
                             capture_output=True)
    if mounted.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root and CAP_SYS_ADMIN)")
    try:
        first = mount / "run"
        assert cli.invoke(main, run_args(scenario_file, first)).exit_code == 0
        before = snapshot(first)
        filler = mount / "filler"
        free = shutil.disk_usage(mount).free
        filler.write_bytes(b"\0" * max(0, free - sum(map(len, before.values())) // 2))
        result = cli.invoke(main, run_args(scenario_file, first, "--overwrite", "--seed", "5"))
        assert result.exit_code == 2, result.output
        assert "the disk is full" in result.stderr
        assert snapshot(first) == before
        assert leftovers(mount) == []
    finally:
        # Lazily: a file still open in it must not leave it mounted for pytest to trip on.
        subprocess.run(["umount", "--lazy", str(mount)], check=False)


def die_at_first_batch(scenario, settings, first, last):
    """A worker that dies like one killed by the system (no exception, no cleanup)."""
    if first == 0:
        os._exit(9)
    return REAL_BATCH(scenario, settings, first, last)


def fail_at_third_batch(scenario, settings, first, last):
    """A model bug in one batch."""
    if first == 4:
        raise ZeroDivisionError("division by zero in month 7")
    return REAL_BATCH(scenario, settings, first, last)


REAL_BATCH = sim.engine.runner._batch_in_worker


def test_dead_worker_is_one_clean_error_naming_replications_and_seed(one_city, monkeypatch):
    """A worker process killed mid-batch: BatchError with the range, the seed, how to repeat."""
    monkeypatch.setattr(sim.engine.runner, "_batch_in_worker", die_at_first_batch)
    with pytest.raises(BatchError) as caught:
        sim.run(one_city, replications=8, batch_size=2, workers=2, seed=11)
    message = str(caught.value)
    assert message.startswith("replications 0 to 1 (seed 11) failed: a worker process died")
    assert "--seed 11 --replications 2 --workers 1" in message


def test_failing_batch_names_its_replications_in_any_executor(one_city, monkeypatch):
    """An exception in one batch names that batch, in worker processes and in process."""
    monkeypatch.setattr(sim.engine.runner, "_batch_in_worker", fail_at_third_batch)
    with pytest.raises(BatchError, match=r"^replications 4 to 5 \(seed 3\) failed: "
                                         r"ZeroDivisionError: division by zero in month 7"):
        sim.run(one_city, replications=8, batch_size=2, workers=2, seed=3)
    real = sim.engine.runner.simulate_batch
    monkeypatch.setattr(sim.engine.runner, "simulate_batch", lambda plan, settings, first, last: (
        1 / 0 if first == 2 else real(plan, settings, first, last)))
    with pytest.raises(BatchError, match=r"^replications 2 to 3 \(seed 3\) failed: "
                                         r"ZeroDivisionError"):
        sim.run(one_city, replications=8, batch_size=2, workers=1, seed=3)


def test_dead_worker_on_the_command_line_exits_1_and_writes_nothing(cli, scenario_file,
                                                                    tmp_path, monkeypatch):
    """The CLI prints the one error line (no traceback) and leaves no folder."""
    monkeypatch.setattr(sim.engine.runner, "_batch_in_worker", die_at_first_batch)
    out = tmp_path / "out"
    result = cli.invoke(main, ["run", str(scenario_file), "-o", str(out), "-n", "8", "-w", "2",
                               "-q", "--no-figures"])
    assert result.exit_code == 1, result.output
    (line,) = result.stderr.splitlines()
    assert line.startswith("Error: replications 0 to ") and "(seed 7)" in line
    assert "Traceback" not in result.output and not out.exists()


KILLS = 12
"""Workers killed at random moments in one process by the test below (the issue asks for 10)."""

KILL_WORKERS = textwrap.dedent("""
    import json, multiprocessing, os, random, signal, sys, threading, time
    import sim
    from sim.errors import BatchError

    scenario = sim.load(sys.argv[1])
    rng = random.Random(int(sys.argv[3]))

    def kill_one(delay, when):
        while len(workers := multiprocessing.active_children()) < 2:
            time.sleep(0.005)
        time.sleep(delay)
        pids.extend(worker.pid for worker in workers)
        when.append(time.monotonic())
        os.kill(rng.choice(pids), signal.SIGKILL)

    for _ in range(int(sys.argv[2])):
        pids, when = [], []
        threading.Thread(target=kill_one, args=(rng.uniform(0, 0.8), when), daemon=True).start()
        signal.alarm(30)  # a run that hangs ends the script, one line short
        try:
            sim.run(scenario, replications=8000, workers=2)
            message = "finished"
        except BatchError as error:
            message = str(error)
        signal.alarm(0)
        print(json.dumps({"message": message, "seconds": time.monotonic() - when[0],
                          "workers": pids, "left": len(multiprocessing.active_children())}),
              flush=True)
""")


def test_a_worker_killed_at_random_moments_ends_the_run_at_once(scenario_file, tmp_path):
    """SIGKILL one of two workers at random moments, 12 times: one line, no orphan, at once.

    Many small batches, so that kills land while a worker simulates, sends a
    result or waits for its next batch.  Each run must end within 30 s of the kill.
    """
    script = tmp_path / "kill_workers.py"
    script.write_text(KILL_WORKERS)
    done = subprocess.run([sys.executable, str(script), str(scenario_file), str(KILLS), "21"],
                          capture_output=True, text=True, timeout=30 * KILLS,
                          cwd=Path(__file__).resolve().parents[1])
    tries = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(tries) == KILLS, done.stderr
    for run in tries:
        assert re.fullmatch(r"replications \d+ to \d+ \(seed 7\) failed: a worker process died "
                            r"abruptly \(.*signal SIGKILL\).*no results written", run["message"])
        assert run["seconds"] < 30 and run["left"] == 0
        assert not [pid for pid in run["workers"] if alive(pid)]
    print(f"{KILLS} kills: slowest end {max(run['seconds'] for run in tries):.2f} s after the kill")


def kill_a_worker(scenario_file: Path, out: Path, delay: float) -> tuple[int, str, list[int]]:
    """Run the command, SIGKILL one of its two workers ``delay`` seconds after they start.

    Returns the exit status, standard error and the workers' process ids.
    """
    command = [sys.executable, "-m", "sim", "run", str(scenario_file), "-n", "8000", "-w", "2",
               "-q", "--no-figures", "-o", str(out)]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    run = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True)
    workers: list[int] = []
    try:
        while len(workers := children(run.pid)) < 2 and run.poll() is None:
            time.sleep(0.01)
        time.sleep(delay)
        os.kill(workers[-1], signal.SIGKILL)
        _, stderr = run.communicate(timeout=30)
        return run.returncode, stderr, workers
    finally:
        run.kill()
        for worker in workers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(worker, signal.SIGKILL)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
@pytest.mark.parametrize("delay", [0.0, 0.6])
def test_a_worker_killed_during_fundsim_run_gives_one_line(delay, scenario_file, tmp_path):
    """The command, a worker killed: exit 1 within 30 s, one line, no folder, no orphan."""
    out = tmp_path / "out"
    status, stderr, workers = kill_a_worker(scenario_file, out, delay)
    assert status == 1, stderr
    (line,) = stderr.splitlines()
    assert line.startswith("Error: replications ") and "worker process died" in line
    assert not out.exists() and not [w for w in workers if alive(w)]


@pytest.mark.parametrize("broken", ["figure", "report"])
def test_a_failing_figure_or_report_never_costs_the_run(broken, cli, scenario_file, tmp_path,
                                                       monkeypatch):
    """The tables and manifest are written whatever a figure or the report does: a warning."""
    from sim.presentation import figure_registry, pages

    if broken == "figure":
        spec = figure_registry.FIGURES["net_impact"]
        monkeypatch.setitem(figure_registry.FIGURES, "net_impact", dataclasses.replace(
            spec, draw=lambda run, colours: 1 / 0))
    else:
        monkeypatch.setattr(pages, "render_report", lambda *a, **k: {}["missing"])
    out = tmp_path / "out"
    result = cli.invoke(main, ["run", str(scenario_file), "-o", str(out), "-n", "4", "-w", "1",
                               "-q"])
    assert result.exit_code == 0, result.output
    (warning,) = result.stderr.splitlines()
    assert warning.startswith("Warning: figure net_impact could not be drawn (" if broken
                              == "figure" else "Warning: report.html could not be written "
                              "(KeyError: 'missing'); the tables are complete")
    written = set(json.loads((out / "manifest.json").read_text())["files"])
    assert {"summary.csv", "replications.parquet", "figures/reserves_fan.png"} <= written
    assert ("figures/net_impact.png" in written) == (broken == "report")
    assert ("report.html" in written) == (broken == "figure")


def test_rerun_reproduces_the_run_byte_for_byte(cli, scenario_file, tmp_path):
    """`fundsim rerun` repeats a run from its manifest: identical tables, whatever the workers."""
    original = tmp_path / "original"
    assert cli.invoke(main, ["run", str(scenario_file), "-o", str(original), "-n", "6", "-w",
                             "1", "-q", "--no-figures", "--seed", "21"]).exit_code == 0
    again = tmp_path / "again"
    result = cli.invoke(main, ["rerun", str(original), "-o", str(again), "-w", "2", "-q",
                               "--no-figures"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [str(again)] + [f"{n}: identical" for n in REPRODUCIBLE]
    for name in REPRODUCIBLE:
        assert (original / name).read_bytes() == (again / name).read_bytes()
    manifest = json.loads((again / "manifest.json").read_text())
    assert manifest["seed"] == 21 and manifest["replications"] == 6


def test_rerun_names_a_file_changed_since_the_run(cli, scenario_file, tmp_path):
    """A table altered since the run no longer has the SHA-256 its manifest records: named
    before anything is run, exit status 2 (issue 21 item 23)."""
    original = tmp_path / "original"
    cli.invoke(main, run_args(scenario_file, original))
    (original / "summary.csv").write_text("edited by hand\n")
    result = cli.invoke(main, ["rerun", str(original), "-o", str(tmp_path / "again"), "-q",
                               "--no-figures", "-w", "1"])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [f"{original}/summary.csv: changed since fundsim "
                                          "wrote it: its SHA-256 is not the one manifest.json "
                                          "records"]
    assert not (tmp_path / "again").exists()


def test_rerun_reports_a_run_that_no_longer_reproduces(cli, scenario_file, tmp_path):
    """A folder consistent in itself (hashes recorded anew) whose tables the model no longer
    gives: listed DIFFERENT, exit status 1, the verdict rerun is for."""
    original = tmp_path / "original"
    cli.invoke(main, run_args(scenario_file, original))
    (original / "summary.csv").write_text("edited by hand\n")
    manifest = json.loads((original / "manifest.json").read_text())
    manifest["files"]["summary.csv"] = hashlib.sha256(b"edited by hand\n").hexdigest()
    (original / "manifest.json").write_text(json.dumps(manifest))
    result = cli.invoke(main, ["rerun", str(original), "-o", str(tmp_path / "again"), "-q",
                               "--no-figures", "-w", "1"])
    assert result.exit_code == 1
    assert "summary.csv: DIFFERENT" in result.stdout and "differs from" in result.stderr


@pytest.mark.parametrize("damage", ["missing", "not json", "a list", "no scenario",
                                    "bad scenario", "not a folder"])
def test_rerun_of_a_damaged_run_folder_is_a_clean_error(damage, cli, scenario_file, tmp_path):
    """No manifest, garbage, or an invalid scenario in it: exit 2, one message, nothing run."""
    folder = tmp_path / "run"
    cli.invoke(main, run_args(scenario_file, folder))
    manifest = folder / "manifest.json"
    data = json.loads(manifest.read_text())
    if damage == "missing":
        manifest.unlink()
    elif damage == "not json":
        manifest.write_bytes(b"\x00\xff{")
    elif damage == "a list":
        manifest.write_text("[1, 2]")
    elif damage == "no scenario":
        manifest.write_text(json.dumps({k: v for k, v in data.items() if k != "scenario"}))
    elif damage == "bad scenario":
        data["scenario"]["city"][0]["budget"]["reserves"] = -5
        manifest.write_text(json.dumps(data))
    else:
        shutil.rmtree(folder)
        folder.write_text("a file")
    result = cli.invoke(main, ["rerun", str(folder), "-o", str(tmp_path / "again"), "-q"])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and not (tmp_path / "again").exists()


# --------------------------------------------------------------------------
# Signals, file size limits and interrupted sweeps (issue 21 items 10-12)


def fundsim_process(*args: str, script: str = "", **popen) -> subprocess.Popen:
    """``fundsim ARGS`` in a process of its own, after ``script`` (Python) has run in it."""
    code = (f"{script}\nimport sys\nfrom sim.cli import main\n"
            f"sys.argv = ['fundsim', *{args!r}]\nmain()")
    return subprocess.Popen([sys.executable, "-c", code], env={**os.environ, "PYTHONPATH": ROOT},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen)


def children(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (read from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_for(condition, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"waited {seconds} s in vain")
        time.sleep(0.05)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_sigterm_mid_simulation_stops_like_ctrl_c(scenario_file, tmp_path):
    """Issue 21 item 10: SIGTERM left 2 orphaned workers (240 MB each) in 1 of 3 tries."""
    out = tmp_path / "out"
    run = fundsim_process("run", str(scenario_file), "-o", str(out), "-n", "100000", "-w", "2",
                          "-q", "--no-figures", "--max-time", "0")
    try:
        wait_for(lambda: len(children(run.pid)) >= 2 or run.poll() is not None)
        workers = children(run.pid)
        run.send_signal(signal.SIGTERM)
        _, stderr = run.communicate(timeout=30)
    finally:
        run.kill()
    assert run.returncode == 130, stderr
    assert stderr.splitlines() == ["interrupted; no results written"]
    wait_for(lambda: not any(alive(pid) for pid in workers), 10)
    assert not out.exists() and leftovers(tmp_path) == []


def test_sigterm_while_saving_leaves_no_partial_folder(scenario_file, tmp_path):
    """Issue 21 item 10: SIGTERM while saving left `.out.XXXX.partial` for good."""
    out = tmp_path / "out"
    ready = tmp_path / "writing"
    stall = (f"import time, sim.results.run as run\nreal = run.write_parquet\n"
             f"def slow(path, chunks):\n    real(path, chunks)\n"
             f"    open({str(ready)!r}, 'w').close()\n    time.sleep(60)\n"
             "run.write_parquet = slow")
    run = fundsim_process(*run_args(scenario_file, out), script=stall)
    try:
        wait_for(lambda: ready.exists() or run.poll() is not None)
        run.send_signal(signal.SIGTERM)
        _, stderr = run.communicate(timeout=30)
    finally:
        run.kill()
    assert run.returncode == 130, stderr
    assert not out.exists()
    assert leftovers(tmp_path) == []


@pytest.mark.skipif(os.name == "nt", reason="resource limits are POSIX")
def test_report_over_the_file_size_limit_leaves_no_partial_file(cli, scenario_file, earlier_run):
    """Issue 21 item 11: a full disk (here `ulimit -f`) left `.report.html.XXXX.partial`."""
    import resource

    before = snapshot(earlier_run)
    report = subprocess.run(
        [sys.executable, "-m", "sim", "report", str(earlier_run)], capture_output=True,
        text=True, env={**os.environ, "PYTHONPATH": ROOT}, timeout=300,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000)))
    assert report.returncode == 2, report.stderr
    (line,) = report.stderr.splitlines()
    # The run was saved without figures: report draws them first, and they are too big.
    assert line.startswith(f"Error: cannot write results to {earlier_run / 'figures'}: "
                           "File too large")
    assert snapshot(earlier_run) == before


def test_report_to_an_empty_path_is_refused(cli, earlier_run, tmp_path, monkeypatch):
    """Issue 21 item 11: `report RUN -o ''` left `..XXXX.partial` in the current directory."""
    monkeypatch.chdir(tmp_path)
    before = snapshot(tmp_path)
    result = cli.invoke(main, ["report", str(earlier_run), "-o", ""])
    assert result.exit_code == 2, result.output
    (line,) = result.stderr.splitlines()
    assert "it is a folder; give a file's name" in line
    assert snapshot(tmp_path) == before


def test_ctrl_c_while_a_sweep_draws_figures_tells_what_is_saved(cli, scenario_file, tmp_path,
                                                               monkeypatch):
    """Issue 21 item 12: 'no results written', though points and tables were on disk."""
    import sim.presentation

    out = tmp_path / "sweep"
    args = ["sweep", str(scenario_file), "-p", "city[0].budget.reserves=5e7..2e8", "--design",
            "grid", "--levels", "2", "-n", "2", "-w", "1", "-q", "-o", str(out)]
    real = sim.presentation.write_sweep_figures

    def interrupted(result, folder):
        (folder / "tornado.png").write_bytes(b"half a figure")
        raise KeyboardInterrupt

    monkeypatch.setattr(sim.presentation, "write_sweep_figures", interrupted)
    result = cli.invoke(main, args)
    assert result.exit_code == 130, result.output
    (line,) = result.stderr.splitlines()
    assert re.fullmatch(rf"interrupted while writing the figures; all \d+ points and the "
                        rf"tables are saved in {re.escape(str(out))}, the figures and report "
                        rf"are not; run the same command with -o {re.escape(str(out))} to "
                        "finish", line), line
    assert (out / "responses.csv").is_file() and not (out / "figures").exists()
    assert leftovers(out) == []
    dead = f".figures.{socket.gethostname()}-{ended_process_id()}-k1ll3d.partial"
    (out / dead).mkdir()
    monkeypatch.setattr(sim.presentation, "write_sweep_figures", real)
    result = cli.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert (out / "figures").is_dir() and (out / "manifest.json").is_file()
    assert leftovers(out) == []


def ended_process_id() -> int:
    """The id of a process that has ended."""
    return int(subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True, check=True).stdout)
