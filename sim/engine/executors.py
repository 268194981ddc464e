"""Where batches of replications run: in this process, local worker processes, or Dask.

Every executor takes the same list of batches (replication ranges) and yields
each finished batch as ``(index, result)`` in whatever order batches finish;
the runner puts them back in replication order.  A batch's numbers depend only
on the scenario, the seed and its replication numbers, so the executor never
changes results.

Interruption (Ctrl-C) stops the work promptly: pending batches are cancelled,
local worker processes are terminated, and :class:`~sim.errors.Interrupted`
is raised.  A local worker that dies (killed by the system, say) is seen at
once through its process sentinel and reported as its batch's failure; each
local worker has a pipe of its own, so one killed half-way through sending a
result never leaves the parent waiting for the rest.  Local workers ignore
SIGINT themselves, so a Ctrl-C typed in a terminal (which reaches every
process of the group) is handled once, by the parent, without a traceback
from each worker; the command line handles SIGTERM as a Ctrl-C too.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
import multiprocessing
import numbers
import os
import platform
import signal
import socket
import struct
import threading
from collections.abc import Callable, Iterator, Sequence
from multiprocessing.connection import Connection, wait
from typing import TYPE_CHECKING, Any

from sim.errors import FundsimError, Interrupted, UsageError

if TYPE_CHECKING:
    from sim.model.world import BatchResult

Task = Callable[[int, int], "BatchResult"]
"""Runs replications ``first`` to ``last - 1``; must be picklable for pools."""
Bounds = Sequence[tuple[int, int]]
INTERRUPTED = "interrupted; no results written"
WORKERS_PER_CORE = 4
"""Most local worker processes per usable core: each one simulates flat out,
so more would only share the cores and hold more memory."""
CONNECT_SECONDS = 10.0
"""Longest wait to connect to a Dask scheduler, and for its first bytes."""
HANDSHAKE_BYTES = 2**20
"""Most bytes a Dask scheduler's handshake message may announce (it takes a few hundred)."""
MOST_WORKERS = 1024
"""Most workers asked for at all, local or on a cluster: more is a typo (such
as ``-w`` for ``-n``), and a million of them would start processes until the
machine stops."""
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
    """Run every batch in this process, one after the other, on one BLAS thread."""
    for index, (first, last) in enumerate(bounds):
        run = functools.partial(_on_one_blas_thread, task, first, last)
        yield index, _checked(index, run, len(bounds) - index - 1)


def _on_one_blas_thread(task: Task, first: int, last: int) -> BatchResult:
    """``task(first, last)`` with BLAS held to one thread, restored afterwards."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        return task(first, last)


def _one_blas_thread() -> None:
    """Hold BLAS to one thread in this worker process for good.

    A batch's arithmetic is elementwise and holds the GIL; BLAS threads only
    compete with the other workers for the cores.
    """
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")


class WorkerDied(Exception):
    """A local worker process ended while it ran a batch (killed, or crashed)."""

    def __init__(self, exitcode: int | None):
        super().__init__("a worker process died abruptly (killed by the system, often for lack "
                         f"of memory, or crashed: {_ending(exitcode)})")


def _ending(exitcode: int | None) -> str:
    """How a process ended, from its exit code (negative: the signal that killed it)."""
    if exitcode is None or exitcode >= 0:
        return f"exit status {exitcode}"
    try:
        return f"signal {signal.Signals(-exitcode).name}"
    except ValueError:
        return f"signal {-exitcode}"


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity, where the system tells)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def worker_count(workers: Any, local: bool = True) -> int:
    """Workers to use for a request: a whole number from 1 to :data:`MOST_WORKERS`.

    Local workers are further capped at :data:`WORKERS_PER_CORE` per usable
    core (results never depend on the number of workers).
    """
    if isinstance(workers, bool) or not isinstance(workers, numbers.Integral) or not (
            1 <= workers <= MOST_WORKERS):
        raise UsageError(f"workers must be a whole number from 1 to {MOST_WORKERS} "
                         f"(got {workers!r})")
    return min(int(workers), WORKERS_PER_CORE * usable_cores()) if local else int(workers)


def _serve(connection: Connection, task: Task, inherited: Sequence[Connection]) -> None:
    """A worker's life: run the batches the parent sends, send each result back."""
    # Ctrl-C in a terminal reaches every process of the group: the parent
    # alone handles it.  SIGTERM ends a worker at once, whatever handler the
    # parent had set (a forked worker inherits it).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _one_blas_thread()
    # A forked worker holds copies of the parent's ends of the earlier workers'
    # pipes; closed, a worker that ends never keeps another's pipe open.
    for other in inherited:
        other.close()
    while True:
        try:
            bounds = connection.recv()
        except (EOFError, OSError):
            return  # the parent is gone
        if bounds is None:
            return
        try:
            reply: tuple[bool, Any] = (True, task(*bounds))
        except Exception as error:
            reply = (False, error)
        try:
            connection.send(reply)
        except OSError:
            return  # the parent is gone
        except Exception as error:  # pickling failed, before anything was sent
            connection.send((False, RuntimeError(f"{type(error).__name__}: {error}")))


class _Worker:
    """One local worker process, with a pipe of its own to take batches and send results.

    A pipe per worker, not a queue shared by all: a worker killed while it
    sends a result leaves only its own pipe half-written, and the parent, who
    holds the only other end, reads end-of-file there instead of waiting for
    the rest.
    """

    def __init__(self, context: Any, task: Task, inherited: Sequence[Connection]):
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, task, inherited),
                                       daemon=True)
        self.process.start()
        child.close()
        self.batch: int | None = None
        """Index of the batch it runs, or None when idle."""

    def give(self, work: tuple[int, tuple[int, int]] | None) -> None:
        """Send the next batch, or nothing (the worker then idles until stopped)."""
        self.batch = None if work is None else work[0]
        if work is not None:
            try:
                self.connection.send(work[1])
            except OSError:
                pass  # it is dead: its sentinel says so, and take() reports it

    def ready(self, signalled: Sequence[Any]) -> bool:
        return self.connection in signalled or self.process.sentinel in signalled

    def take(self) -> Callable[[], BatchResult]:
        """The batch's result (or its error), once :meth:`ready`; the worker's death raises."""
        try:
            if self.connection.poll():
                succeeded, value = self.connection.recv()
                if succeeded:
                    return lambda: value
                return functools.partial(_reraise, value)
        except (EOFError, OSError):
            pass  # killed while sending: the pipe ends half-way
        self.process.join(timeout=5)
        return functools.partial(_reraise, WorkerDied(self.process.exitcode))

    def stop(self) -> None:
        """Ask it to finish (it is idle)."""
        with contextlib.suppress(OSError):
            self.connection.send(None)


def _reraise(error: BaseException) -> BatchResult:
    raise error


def run_in_processes(task: Task, bounds: Bounds,
                     workers: int) -> Iterator[tuple[int, BatchResult]]:
    """Run batches on local worker processes (forked where the OS allows), one batch each at a time.

    No more processes start than there are batches.  A worker that dies is
    reported as its batch's failure (:class:`WorkerDied`) as soon as the
    parent sees its process end.
    """
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    waiting = iter(enumerate(bounds))
    pool: list[_Worker] = []
    try:
        for _ in range(min(workers, len(bounds))):
            inherited = [worker.connection for worker in pool] if method == "fork" else []
            pool.append(_Worker(context, task, inherited))
        for worker in pool:
            worker.give(next(waiting, None))
        finished = 0
        while busy := [worker for worker in pool if worker.batch is not None]:
            signalled = wait([w.connection for w in busy] + [w.process.sentinel for w in busy])
            for worker in sorted((w for w in busy if w.ready(signalled)), key=lambda w: w.batch):
                index = worker.batch
                finished += 1
                result = _checked(index, worker.take(), len(bounds) - finished)
                worker.give(next(waiting, None))  # before the result is handled, to keep it busy
                yield index, result
    except KeyboardInterrupt:
        _terminate(pool)
        raise Interrupted(INTERRUPTED) from None
    except BaseException:
        _terminate(pool)
        raise
    for worker in pool:
        worker.stop()
    for worker in pool:
        worker.process.join(timeout=5)
    _terminate(pool)


def _terminate(pool: Sequence[_Worker]) -> None:
    # A user who pressed Ctrl-C should not wait for running batches, and a
    # second Ctrl-C must not cut this short: workers left running hang the exit.
    with _signals_ignored():
        for worker in pool:
            if worker.process.is_alive():
                worker.process.terminate()
        for worker in pool:
            worker.process.join(timeout=5)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            worker.connection.close()


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
    _listen_for_scheduler(scheduler)
    try:
        return Client(scheduler, timeout=f"{CONNECT_SECONDS}s", set_as_default=False), True
    except (OSError, MemoryError, ValueError, TypeError) as error:
        raise UsageError(f"cannot connect to the Dask scheduler at {scheduler}: "
                         f"{type(error).__name__}: {error}") from None


def _listen_for_scheduler(scheduler: str) -> None:
    """Check that a ``tcp://`` address answers like a Dask scheduler, before any Client exists.

    A scheduler speaks first: on a new connection it sends its handshake,
    whose first 8 bytes give a small length.  A Client pointed at an HTTP
    server waited for ever; at a service that sends other bytes, it read
    them as a length and tried to allocate exabytes.  Here nothing is sent
    and only those 8 bytes are read, each step within :data:`CONNECT_SECONDS`.
    """
    from distributed.comm.addressing import parse_address, parse_host_port

    scheme, location = parse_address(scheduler, strict=True)
    if scheme != "tcp":
        return  # TLS and other transports talk before a handshake: left to Dask
    host, port = parse_host_port(location)
    try:
        with socket.create_connection((host, port), timeout=CONNECT_SECONDS) as connection:
            head = b""
            while len(head) < 8 and (more := connection.recv(8 - len(head))):
                head += more
    except TimeoutError:
        raise UsageError(f"{scheduler} does not answer like a Dask scheduler (it sent nothing in "
                         f"{CONNECT_SECONDS:g} s): is that the scheduler's port (8786 by "
                         "default), not its dashboard's?") from None
    except OSError as error:
        raise UsageError(f"cannot reach the Dask scheduler at {scheduler}: "
                         f"{error.strerror or error}") from None
    if len(head) < 8 or not 0 < struct.unpack("<Q", head)[0] <= HANDSHAKE_BYTES:
        raise UsageError(f"{scheduler} does not answer like a Dask scheduler (it sent "
                         f"{head[:8]!r}): is that the scheduler's address?")


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
    _one_blas_thread()
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
