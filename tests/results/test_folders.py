"""Result folders (sim/results/folders.py): nothing the user did not ask to lose is lost.

Each test works on real folders through the ``fundsim`` command: ``--overwrite``
replaces only a folder that proves to be fundsim's of the same kind (run,
sweep, comparison), the current directory and places inside result folders
are refused, two runs given the same folder never replace each other, and
temporary files of processes that died are cleaned up by the next write.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

import sim
from sim.cli import main
from sim.errors import OutputError
from sim.results import folders, write_folder, write_run
from tests.conftest import ONE_CITY

SWEEP_ARGS = ("-p", "city[0].budget.reserves=5e7..2e8", "--design", "grid", "--levels", "2",
              "-n", "2", "-w", "1", "-q", "--no-figures")


@pytest.fixture
def scenario_file(tmp_path) -> Path:
    path = tmp_path / "city.toml"
    path.write_text(ONE_CITY)
    return path


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory) -> tuple[Path, Path]:
    """Two small finished runs (seeds 1 and 2), to compare; never changed by the tests."""
    root = tmp_path_factory.mktemp("runs")
    runs = []
    for seed in (1, 2):
        result = sim.run(sim.load(ONE_CITY), replications=3, seed=seed, workers=1)
        runs.append(result.save(root / f"seed-{seed}", figures=False))
    return runs[0], runs[1]


def run_args(scenario_file: Path, out: Path | str, *extra: str) -> list[str]:
    return ["run", str(scenario_file), "-o", str(out), "-n", "3", "-w", "1", "-q",
            "--no-figures", *extra]


def command(kind: str, scenario_file: Path, out: Path | str, runs: tuple[Path, Path],
            *extra: str) -> list[str]:
    """The command that writes a ``kind`` folder at ``out``."""
    if kind == "run":
        return run_args(scenario_file, out, *extra)
    if kind == "sweep":
        return ["sweep", str(scenario_file), *SWEEP_ARGS, "-o", str(out), *extra]
    return ["compare", str(runs[0]), str(runs[1]), "-o", str(out), *extra]


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under a folder (hidden ones too), by relative path, with its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def one_error_line(result) -> str:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    (line,) = result.stderr.splitlines()
    return line


KINDS = ["run", "sweep", "compare"]


@pytest.mark.parametrize("kind", KINDS)
def test_overwrite_leaves_a_folder_with_a_foreign_manifest_alone(kind, cli, scenario_file,
                                                                 tmp_path, two_runs):
    """Issue 21 item 1: a manifest.json that is not fundsim's proves nothing."""
    other = tmp_path / "extension"
    other.mkdir()
    (other / "manifest.json").write_text('{"manifest_version": 3}')
    (other / "background.js").write_text("code")
    before = snapshot(other)
    line = one_error_line(cli.invoke(main, command(kind, scenario_file, other, two_runs,
                                                   "--overwrite")))
    assert "not a fundsim manifest" in line
    assert snapshot(other) == before


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("damage", ["a file added", "a file changed", "another kind"])
def test_overwrite_replaces_only_an_untouched_folder_of_the_same_kind(kind, damage, cli,
                                                                      scenario_file, tmp_path,
                                                                      two_runs):
    """A fundsim folder with a file added or changed since, or of another kind, stays."""
    folder = tmp_path / "out"
    if damage == "another kind":
        other = next(k for k in KINDS if k != kind)
        assert cli.invoke(main, command(other, scenario_file, folder, two_runs)).exit_code == 0
    else:
        assert cli.invoke(main, command(kind, scenario_file, folder, two_runs)).exit_code == 0
        if damage == "a file added":
            (folder / "notes.txt").write_text("mine")
        else:
            listed = json.loads((folder / "manifest.json").read_text())["files"]
            changed = folder / sorted(listed)[0]
            changed.write_bytes(changed.read_bytes() + b"\n")
    before = snapshot(folder)
    line = one_error_line(cli.invoke(main, command(kind, scenario_file, folder, two_runs,
                                                   "--overwrite")))
    assert {"a file added": "fundsim did not write (notes.txt)",
            "a file changed": "was changed since fundsim wrote it",
            "another kind": "not a"}[damage] in line
    assert snapshot(folder) == before


@pytest.mark.parametrize("kind", KINDS)
def test_overwrite_replaces_an_untouched_folder_of_the_same_kind(kind, cli, scenario_file,
                                                                 tmp_path, two_runs):
    folder = tmp_path / "out"
    assert cli.invoke(main, command(kind, scenario_file, folder, two_runs)).exit_code == 0
    (folder / ".report.html.x.partial").write_text("left by a process of another machine")
    result = cli.invoke(main, command(kind, scenario_file, folder, two_runs, "--overwrite"))
    assert "fundsim did not write (.report.html.x.partial)" in one_error_line(result)
    (folder / ".report.html.x.partial").unlink()
    result = cli.invoke(main, command(kind, scenario_file, folder, two_runs, "--overwrite"))
    assert result.exit_code == 0, result.output
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize("target", [".", ".."])
def test_sweep_refuses_the_current_directory_and_its_parents(target, cli, scenario_file,
                                                             tmp_path, monkeypatch):
    """Issue 21 item 2: `sweep -o . --overwrite` beside a manifest.json emptied the directory."""
    work = tmp_path / "work"
    work.mkdir()
    (work / "manifest.json").write_text("{}")
    (work / "notes.txt").write_text("mine")
    monkeypatch.chdir(work)
    before = snapshot(tmp_path)
    for extra in ((), ("--overwrite",)):
        result = cli.invoke(main, ["sweep", str(scenario_file), *SWEEP_ARGS, "-o", target,
                                   *extra])
        assert "is the current directory or holds it" in one_error_line(result)
    assert snapshot(tmp_path) == before


def test_two_runs_given_the_same_folder_never_replace_each_other(scenario_file, tmp_path):
    """Issue 21 item 3: started together without --overwrite, one wins, the other exits 2."""
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    runs = {seed: subprocess.Popen([sys.executable, "-m", "sim", *run_args(scenario_file, out,
                                                                         "--seed", str(seed))],
                                   env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True)
            for seed in (1, 2)}
    errors = {seed: run.communicate(timeout=120)[1] for seed, run in runs.items()}
    codes = {seed: run.returncode for seed, run in runs.items()}
    assert sorted(codes.values()) == [0, 2], errors
    (winner,) = [seed for seed, code in codes.items() if code == 0]
    assert json.loads((out / "manifest.json").read_text())["seed"] == winner
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_folder_that_appears_while_a_run_works_is_never_replaced(tmp_path):
    """The claim at the rename: another run that finished first keeps its folder."""
    scenario = sim.load(ONE_CITY)
    first = sim.run(scenario, replications=2, seed=1, workers=1)
    second = sim.run(scenario, replications=2, seed=2, workers=1)
    out = tmp_path / "out"

    def fill(staging: Path) -> None:
        (staging / "summary.csv").write_text("second")
        write_run(first, out, figures=False)  # the other run, finishing first

    with pytest.raises(OutputError, match="appeared while this work was being done"):
        write_folder(out, fill, kind="run")
    assert json.loads((out / "manifest.json").read_text())["seed"] == 1
    with pytest.raises(OutputError, match="already exists"):
        write_run(second, out, figures=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


@pytest.mark.parametrize("kind", KINDS)
def test_output_inside_a_result_folder_is_refused(kind, cli, scenario_file, two_runs):
    """Issue 21 item 4: `-o RUN/sub` made a run that a later --overwrite of RUN deleted."""
    before = snapshot(two_runs[0])
    result = cli.invoke(main, command(kind, scenario_file, two_runs[0] / "sub", two_runs))
    assert "a fundsim result folder" in one_error_line(result)
    assert snapshot(two_runs[0]) == before


@pytest.mark.parametrize("kind", [*KINDS, "rerun"])
def test_a_name_over_255_bytes_is_one_clean_line(kind, cli, scenario_file, tmp_path, two_runs):
    """Issue 21 item 20: 'internal error (OSError: File name too long)' in four commands."""
    out = tmp_path / ("é" * 150)
    args = (["rerun", str(two_runs[0]), "-o", str(out), "-q", "--no-figures"]
            if kind == "rerun" else command(kind, scenario_file, out, two_runs))
    line = one_error_line(cli.invoke(main, args))
    assert "a name in the path is longer than 255 bytes (got 300 bytes)" in line
    assert list(tmp_path.iterdir()) == [scenario_file]


def test_a_name_of_255_bytes_is_written(cli, scenario_file, tmp_path):
    """The temporary name beside it is cut to fit, so the longest name allowed works."""
    out = tmp_path / ("r" * 255)
    result = cli.invoke(main, run_args(scenario_file, out))
    assert result.exit_code == 0, result.output
    assert (out / "manifest.json").is_file()


def test_leftovers_of_processes_that_died_are_removed_by_the_next_write(cli, scenario_file,
                                                                        tmp_path):
    """Issue 21 item 10: a `.run.XXXX.partial` of a killed run stayed for good."""
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    host = socket.gethostname()
    results = tmp_path / "results"
    results.mkdir()
    mine = results / f".run.{host}-{dead}-k1ll3d.partial"
    (mine / "figures").mkdir(parents=True)
    (mine / "summary.csv").write_text("half written")
    retired = results / f".run.{host}-{dead}-0ld.replaced"
    retired.mkdir()
    alive = results / f".run.{host}-{os.getpid()}-l1ve.partial"
    alive.mkdir()
    elsewhere = results / f".run.not-{host}-{dead}-0ther.partial"
    elsewhere.mkdir()
    assert cli.invoke(main, run_args(scenario_file, results / "run")).exit_code == 0
    assert sorted(p.name for p in results.iterdir()) == sorted(
        [alive.name, elsewhere.name, "run"])
    assert folders.remove_leftovers(results) == []


def test_a_file_is_not_replaced_without_overwrite(tmp_path):
    """write_file(replace=False), as `fundsim draft` without --overwrite: a file there stays."""
    path = tmp_path / "draft.toml"

    def meanwhile(staging: Path) -> None:
        staging.write_text("new")
        path.write_text("written by another process meanwhile")

    with pytest.raises(OutputError, match="exists; --overwrite replaces it"):
        folders.write_file(path, meanwhile, replace=False)
    assert path.read_text() == "written by another process meanwhile"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["draft.toml"]
