"""Where batches of replications run: in this process, a local process pool, or Dask.

Every executor takes the same list of batches (replication ranges) and yields
each finished batch as ``(index, result)`` in whatever order batches finish;
the runner puts them back in replication order.  A batch's numbers depend only
on the scenario, the seed and its replication numbers, so the executor never
changes results.

Interruption (Ctrl-C) stops the work promptly: pending batches are cancelled,
local worker processes are terminated, and :class:`~sim.errors.Interrupted`
is raised.  Local workers ignore SIGINT themselves, so a Ctrl-C typed in a
terminal (which reaches every process of the group) is handled once, by the
parent, without a traceback from each worker; the command line handles
SIGTERM as a Ctrl-C too.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
import itertools
import multiprocessing
import platform
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import TYPE_CHECKING, Any

from sim.errors import FundsimError, Interrupted, UsageError

if TYPE_CHECKING:
    from sim.model.world import BatchResult

Task = Callable[[int, int], "BatchResult"]
"""Runs replications ``first`` to ``last - 1``; must be picklable for pools."""
Bounds = Sequence[tuple[int, int]]
INTERRUPTED = "interrupted; no results written"
QUEUED_PER_WORKER = 2
"""Batches handed to the local pool ahead of each worker."""
WAKE_SECONDS = 0.1
"""How often the parent wakes while it waits for the pool, to notice a Ctrl-C."""
MMAP_THRESHOLD = 32 * 2**20
"""Blocks below this come from the heap in Dask workers (glibc's own dynamic upper limit)."""
TRIM_THRESHOLD = 64 * 2**20
"""Free heap a Dask worker keeps for reuse before returning memory to the system."""


class BatchFailed(Exception):
    """A batch raised an unexpected exception, or the process running it died."""

    def __init__(self, index: int, cause: BaseException, unfinished: int):
        super().__init__(f"batch {index} failed: {cause!r}")
        self.index = index
        """Position of the batch in the list of bounds."""
        self.cause = cause
        self.unfinished = unfinished
        """Other batches left unfinished."""


def _checked(index: int, outcome: Callable[[], BatchResult], unfinished: int) -> BatchResult:
    """A batch's result; its failure, unless a clean user error, as :class:`BatchFailed`."""
    try:
        return outcome()
    except (FundsimError, KeyboardInterrupt):
        raise
    except Exception as error:
        raise BatchFailed(index, error, unfinished) from error


def run_here(task: Task, bounds: Bounds) -> Iterator[tuple[int, BatchResult]]:
    """Run every batch in this process, one after the other."""
    for index, (first, last) in enumerate(bounds):
        run = functools.partial(task, first, last)
        yield index, _checked(index, run, len(bounds) - index - 1)


def _worker_signals() -> None:
    """A worker ignores Ctrl-C (its parent handles it) and dies of SIGTERM at once.

    A forked worker inherits the parent's handlers; the command line's,
    which turns SIGTERM into a Ctrl-C, would make a worker that its parent
    ends print a traceback instead of ending.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def run_in_processes(task: Task, bounds: Bounds,
                     workers: int) -> Iterator[tuple[int, BatchResult]]:
    """Run batches on a pool of local worker processes (forked where the OS allows)."""
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    pool = ProcessPoolExecutor(max_workers=workers, initializer=_worker_signals,
                               mp_context=multiprocessing.get_context(method))
    waiting = iter(enumerate(bounds))
    pending: dict[Future, int] = {}

    def submit_next() -> None:
        for index, (first, last) in itertools.islice(waiting, 1):
            pending[pool.submit(task, first, last)] = index

    try:
        # A few batches ahead of the workers, not all of them: a million
        # replications are thousands of batches, and queueing them all up
        # front takes seconds and delays a Ctrl-C.
        for _ in range(QUEUED_PER_WORKER * workers):
            submit_next()
        finished = 0
        while pending:
            # Waking up now and then lets a Ctrl-C through: the signal may be
            # taken by one of the pool's threads, and is then handled only
            # when the main thread runs Python code again.
            done, _ = wait(pending, timeout=WAKE_SECONDS, return_when=FIRST_COMPLETED)
            for future in sorted(done, key=pending.__getitem__):
                index = pending.pop(future)
                submit_next()
                finished += 1
                yield index, _checked(index, future.result, len(bounds) - finished)
    except KeyboardInterrupt:
        _terminate(pool)
        raise Interrupted(INTERRUPTED) from None
    except BaseException:
        _terminate(pool)
        raise
    pool.shutdown()


def _terminate(pool: ProcessPoolExecutor) -> None:
    # The pool's own shutdown waits for running batches; a user who pressed
    # Ctrl-C should not wait for them.  A second Ctrl-C must not cut this
    # short: workers left running, or pipes left open, hang the exit.
    with _signals_ignored():
        # Shutting down drops the pool's references to these: take them first.
        processes = list((getattr(pool, "_processes", None) or {}).values())
        calls = getattr(pool, "_call_queue", None)
        results = getattr(pool, "_result_queue", None)
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.terminate()
        for process in processes:
            process.join(timeout=5)
        # A task being fed to a worker when it died can leave the queue's feeder
        # thread blocked on a full pipe, and joining it at exit would hang.
        if calls is not None:
            calls.cancel_join_thread()
        # A worker killed while sending a result leaves the pool's thread
        # waiting for the rest of it, and the interpreter joins that thread at
        # exit.  With the parent's copy of the write end closed too (the dead
        # workers' copies are), the thread reads end-of-file and stops.
        if results is not None:
            results._writer.close()


@contextlib.contextmanager
def _signals_ignored() -> Iterator[None]:
    """Ignore SIGINT and SIGTERM for a moment (only the main thread can set handlers)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = [(s, signal.signal(s, signal.SIG_IGN)) for s in (signal.SIGINT, signal.SIGTERM)]
    try:
        yield
    finally:
        for number, handler in previous:
            signal.signal(number, handler)


def dask_client(scheduler: Any):
    """Connect to a scheduler address (``tcp://HOST:PORT``), or take a ready client.

    Returns the ``distributed.Client`` and whether it was made here (and so
    must be closed here).
    """
    try:
        from distributed import Client
    except ImportError:
        raise UsageError("running on a Dask cluster needs dask.distributed: "
                         "pip install 'fundsim[dask]'") from None
    if isinstance(scheduler, Client):
        return scheduler, False
    _check_address(scheduler)
    try:
        return Client(scheduler, timeout="10s", set_as_default=False), True
    except OSError as error:
        raise UsageError(f"cannot reach the Dask scheduler at {scheduler}: {error}") from None


def _check_address(scheduler: Any) -> None:
    """Refuse what Dask could not parse as a scheduler address, before any Client exists.

    A Client made from a malformed address fails with a bare ValueError, and
    the half-made Client then holds up the exit for 20 s.
    """
    from distributed.comm.addressing import parse_address, parse_host_port
    from distributed.comm.registry import backends

    try:
        scheme, location = parse_address(scheduler, strict=True)
        if scheme not in backends:
            raise ValueError(f"unknown scheme {scheme!r}")
        if scheme != "inproc" and not parse_host_port(location)[0]:
            raise ValueError("no host")
    except (TypeError, ValueError):
        raise UsageError(f"scheduler must be an address like tcp://HOST:PORT "
                         f"(got {scheduler!r})") from None


def run_on_dask(task: Task, bounds: Bounds, scheduler: Any) -> Iterator[tuple[int, BatchResult]]:
    """Run batches as tasks on a Dask distributed cluster.

    ``scheduler`` is an address (``tcp://HOST:PORT``) or a ``distributed.Client``;
    a client made here is closed at the end.
    """
    from distributed import as_completed

    client, owned = dask_client(scheduler)
    futures = []
    try:
        futures = [client.submit(_on_dask_worker, task, first, last, pure=False)
                   for first, last in bounds]
        index = {future: i for i, future in enumerate(futures)}
        for left, future in enumerate(as_completed(futures, loop=client.loop)):
            yield index[future], _checked(index[future], future.result,
                                          len(futures) - left - 1)
    except KeyboardInterrupt:
        client.cancel(futures)
        raise Interrupted(INTERRUPTED) from None
    except BaseException:
        client.cancel(futures)
        raise
    finally:
        if owned:
            client.close()


def _on_dask_worker(task: Task, first: int, last: int) -> BatchResult:
    _reuse_freed_memory()
    return task(first, last)


@functools.lru_cache(maxsize=1)
def _glibc() -> ctypes.CDLL | None:
    """The C library when it is glibc (looked up once: finding it runs ``ldconfig``)."""
    if platform.libc_ver()[0] != "glibc":
        return None
    return ctypes.CDLL(ctypes.util.find_library("c"))


def release_freed_memory() -> None:
    """Give memory freed on the heap back to the system (glibc only; about a millisecond).

    The parent of a run receives a batch's arrays, copies them into place and
    frees them, batch after batch; glibc keeps most of that freed memory
    mapped, which measured on the benchmark workload made the parent's
    resident memory 70 MiB larger than what it held.
    """
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)


def _reuse_freed_memory() -> None:
    """Let glibc's allocator keep freed blocks for reuse in this process.

    Dask's nanny starts workers with ``MALLOC_TRIM_THRESHOLD_=65536``, which
    fixes glibc's thresholds low: every array above 128 KiB is then mapped
    afresh from the system and faulted in page by page.  A batch allocates
    thousands of such arrays a month, and measured on the benchmark workload
    this made Dask workers take 2.4 times the CPU of pool workers; with these
    thresholds they take the same.  Elsewhere than glibc, nothing to do.
    """
    libc = _glibc()
    if libc is None:
        return
    m_trim_threshold, m_mmap_threshold = -1, -3  # from glibc's malloc.h
    libc.mallopt(m_mmap_threshold, MMAP_THRESHOLD)
    libc.mallopt(m_trim_threshold, TRIM_THRESHOLD)
