"""Executors: local processes and a Dask cluster run the same batches and give the same files.

A local worker that dies or is stopped half-way through sending a result is
reported at once; no more workers start than there are batches.
"""

from __future__ import annotations

import contextlib
import http.server
import multiprocessing
import socket
import socketserver
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

import sim
import sim.engine.executors
from sim.cli import main
from sim.engine.executors import (
    MOST_WORKERS,
    WORKERS_PER_CORE,
    _on_dask_worker,
    dask_client,
    run_in_processes,
    usable_cores,
    worker_count,
)
from sim.errors import UsageError
from tests.conftest import ONE_CITY
from tests.model.test_world import UNCERTAIN

distributed = pytest.importorskip("distributed")

FILES = ("summary.csv", "replications.parquet", "trajectories.parquet", "events.parquet",
         "bands.parquet")


@pytest.fixture(scope="module")
def scheduler():
    """Address of a two-worker Dask cluster on 127.0.0.1 (TCP, pickled like a real one).

    Its HTTP server takes any free port: with ``dashboard_address=None`` it still
    wants 8787, which another cluster on the machine may hold.
    """
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  protocol="tcp://", host="127.0.0.1",
                                  dashboard_address=":0") as cluster:
        yield cluster.scheduler_address


def test_dask_cluster_writes_the_same_files_as_local_processes(cli, scheduler, tmp_path):
    """`fundsim run --scheduler tcp://...` gives byte-identical files to a local run."""
    path = tmp_path / "s.toml"
    path.write_text(UNCERTAIN)
    common = ["run", str(path), "-n", "30", "-q", "--no-figures", "--keep", "7"]
    local = cli.invoke(main, [*common, "-w", "2", "-o", str(tmp_path / "local")])
    dask = cli.invoke(main, [*common, "--scheduler", scheduler, "-o", str(tmp_path / "dask")])
    assert local.exit_code == 0, local.output
    assert dask.exit_code == 0, dask.output
    for name in FILES:
        assert (tmp_path / "local" / name).read_bytes() == (tmp_path / "dask" / name).read_bytes()


def test_python_api_takes_a_client_and_keeps_it_open(scheduler):
    """sim.run(scheduler=client) uses the caller's client and leaves it usable."""
    scenario = sim.load(UNCERTAIN)
    with distributed.Client(scheduler) as client:
        on_dask = sim.run(scenario, replications=12, scheduler=client, batch_size=5)
        assert client.status == "running"
    local = sim.run(scenario, replications=12, workers=1)
    assert on_dask.replications.equals(local.replications)
    assert on_dask.manifest["scheduler"] == scheduler


@pytest.mark.parametrize("address", ["localhost", "localhost:8786", "http://localhost:8786",
                                     "tcp://", "tcp://localhost", "tcp://localhost:port",
                                     "tcp://:8786", 8786])
def test_scheduler_must_be_an_address(address):
    """Something that is not tcp://HOST:PORT is a usage error, not a traceback."""
    with pytest.raises(UsageError, match=r"tcp://HOST:PORT \(got "):
        dask_client(address)


def test_a_malformed_scheduler_address_is_refused_at_once(cli, tmp_path):
    """`fundsim run --scheduler http://...` says what is wrong, exits 2 and writes nothing."""
    path, out = tmp_path / "s.toml", tmp_path / "run"
    path.write_text(ONE_CITY)
    result = cli.invoke(main, ["run", str(path), "-q", "--no-figures", "-o", str(out),
                               "--scheduler", "http://localhost:8786"])
    assert result.exit_code == 2, result.output
    assert "scheduler must be an address like tcp://HOST:PORT (got 'http://localhost:8786')" in (
        result.output)
    assert not out.exists()


@contextlib.contextmanager
def service(answer: bytes | None):
    """A TCP server on 127.0.0.1 that sends ``answer`` to each connection (None: an HTTP server)."""
    if answer is None:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                                 http.server.SimpleHTTPRequestHandler)
    else:
        class Garbage(socketserver.BaseRequestHandler):
            def handle(self):
                self.request.sendall(answer)
                time.sleep(1)

        server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Garbage)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"tcp://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_scheduler_address_that_is_an_http_server_is_refused_in_one_line(cli, tmp_path,
                                                                            monkeypatch):
    """An HTTP server (a dashboard, say) says nothing first: one line after the timeout, exit 2."""
    monkeypatch.setattr(sim.engine.executors, "CONNECT_SECONDS", 1.0)
    path = tmp_path / "s.toml"
    path.write_text(ONE_CITY)
    with service(None) as address:
        began = time.monotonic()
        result = cli.invoke(main, ["run", str(path), "-q", "-o", str(tmp_path / "run"),
                                   "--scheduler", address])
    assert result.exit_code == 2, result.output
    assert result.stderr == (f"Error: {address} does not answer like a Dask scheduler (it sent "
                             "nothing in 1 s): is that the scheduler's port (8786 by default), "
                             "not its dashboard's?\n")
    assert time.monotonic() - began < 20 and not (tmp_path / "run").exists()


@pytest.mark.parametrize("answer", [b"SSH-2.0-OpenSSH_9.2\r\n", b"\xff" * 4096, b"hi"])
@pytest.mark.parametrize("command", ["run", "sweep"])
def test_a_scheduler_address_sending_garbage_is_refused_in_one_line(command, answer, cli,
                                                                    tmp_path):
    """Garbage from the service: one line at once, exit 2, no MemoryError, nothing written."""
    path = tmp_path / "s.toml"
    path.write_text(ONE_CITY)
    with service(answer) as address:
        result = cli.invoke(main, [command, str(path), "-p", "scenario.discount_rate=0..0.1",
                                   "-o", str(tmp_path / "out"), "--scheduler", address]
                            if command == "sweep" else
                            [command, str(path), "-o", str(tmp_path / "out"), "--scheduler",
                             address])
    assert result.exit_code == 2, result.output
    assert result.stderr == (f"Error: {address} does not answer like a Dask scheduler (it sent "
                             f"{answer[:8]!r}): is that the scheduler's address?\n")
    assert not (tmp_path / "out").exists()


def test_garbage_from_the_scheduler_address_leaves_no_noise_at_exit(tmp_path):
    """The whole command, to its exit: one line, no 'Exception ignored in Client.__del__'."""
    path = tmp_path / "s.toml"
    path.write_text(ONE_CITY)
    with service(b"\x00\x01garbage" * 100) as address:
        done = subprocess.run([sys.executable, "-m", "sim", "run", str(path), "--scheduler",
                               address, "-o", str(tmp_path / "out")], capture_output=True,
                              text=True, timeout=60, cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 2, done.stderr
    assert len(done.stderr.splitlines()) == 1 and "Dask scheduler" in done.stderr


def test_nothing_listening_at_the_scheduler_address_is_one_line(cli, tmp_path):
    """A closed port: 'cannot reach', exit 2."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    path = tmp_path / "s.toml"
    path.write_text(ONE_CITY)
    result = cli.invoke(main, ["run", str(path), "-q", "--scheduler", f"tcp://127.0.0.1:{port}"])
    assert result.exit_code == 2, result.output
    assert result.stderr == (f"Error: cannot reach the Dask scheduler at tcp://127.0.0.1:{port}: "
                             "Connection refused\n")


def test_a_dask_task_runs_its_batch_after_setting_the_allocator():
    """The wrapper Dask runs sets glibc's thresholds (if glibc) and returns the batch."""
    assert _on_dask_worker(lambda first, last: (first, last), 250, 500) == (250, 500)


HALF_SENT = textwrap.dedent("""
    import multiprocessing, os, signal, struct, sys, time
    from sim.errors import Interrupted
    from sim.engine.executors import BatchFailed, run_in_processes

    def half_sent(first, last):
        # Like a worker killed while it sends a big result: the parent reads
        # the length of a message and only its first bytes.
        if first == 1:
            time.sleep(600)
        connection = multiprocessing.current_process()._args[0]
        os.write(connection.fileno(), struct.pack("!i", 1000) + b"x" * 10)
        if sys.argv[1] == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        time.sleep(600)

    def ctrl_c(*_):
        raise KeyboardInterrupt

    signal.signal(signal.SIGALRM, ctrl_c)
    signal.setitimer(signal.ITIMER_REAL, 20.0 if sys.argv[1] == "kill" else 1.0)
    try:
        list(run_in_processes(half_sent, [(0, 1), (1, 2)], 2))
    except Interrupted:
        print("interrupted")
    except BatchFailed as failure:
        print(failure.index, failure.cause)
""")


@pytest.mark.parametrize(("how", "said"), [
    ("interrupt", "interrupted"),
    ("kill", "0 a worker process died abruptly (killed by the system, often for lack of "
             "memory, or crashed: signal SIGKILL)"),
])
def test_a_worker_stopped_while_it_sends_a_result_does_not_hang(how, said, tmp_path):
    """Half a result sent, then Ctrl-C or the sender killed: the parent reports it at once.

    The other worker is still busy (it would hold a shared result pipe open).
    """
    script = tmp_path / "half_sent.py"
    script.write_text(HALF_SENT)
    done = subprocess.run([sys.executable, str(script), how], capture_output=True, text=True,
                          timeout=15, cwd=Path(__file__).resolve().parents[2])
    assert done.stdout.strip() == said, done.stderr
    assert done.returncode == 0, done.stderr


def test_no_more_workers_start_than_there_are_batches():
    """-w 30 with two batches: two worker processes, not thirty."""
    started = []
    for _ in run_in_processes(divmod, [(1, 2), (3, 4)], 30):
        started.append(len(multiprocessing.active_children()))
    assert started[0] == 2 and not multiprocessing.active_children()


def test_local_workers_are_capped_per_core_and_absurd_counts_refused():
    """A few per core at most; a million is refused in one line, whatever the executor."""
    cores = usable_cores()
    assert worker_count(1) == 1
    assert worker_count(10 * WORKERS_PER_CORE * cores) == WORKERS_PER_CORE * cores
    assert worker_count(500, local=False) == 500
    for absurd in (0, MOST_WORKERS + 1, 1_000_000, 2.0, True):
        with pytest.raises(UsageError, match=rf"^workers must be a whole number from 1 to "
                                             rf"{MOST_WORKERS} \(got {absurd!r}\)$"):
            worker_count(absurd)


def test_a_million_workers_is_one_line_and_starts_nothing(cli, tmp_path, monkeypatch):
    """`fundsim run -w 1000000`: exit 2, one line, no process, no folder."""
    path = tmp_path / "s.toml"
    path.write_text(ONE_CITY)
    monkeypatch.setattr(multiprocessing.process.BaseProcess, "start",
                        lambda self: pytest.fail("a worker started"))
    result = cli.invoke(main, ["run", str(path), "-w", "1000000", "-n", "2",
                               "-o", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert result.stderr == f"Error: workers must be a whole number from 1 to {MOST_WORKERS} " \
                            "(got 1000000)\n"
    assert not (tmp_path / "out").exists()
