"""Run one function over many jobs in forked worker processes, when that is safe and useful.

Workers are forked, so they inherit whatever the caller hands over as `shared` (the bytes of a
large corpus file, a corpus to grade) without it ever being copied through a pipe; each job is
small (offsets, ranges) and each result comes back pickled. Where forking is not available or
not safe (no `fork` start method, other threads running, one core, a function or job that
cannot be pickled), the jobs run here, one after another, with the same results; so do the
jobs left when a worker dies (killed for want of memory, say): the work is then slower, never
lost or hung.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from typing import TypeVar

J = TypeVar("J")
R = TypeVar("R")

#: At most this many workers, whatever the machine has.
MOST_WORKERS = 4

_shared: object = None


def shared() -> object:
    """What the running `fork_map` was given as `shared` (in a worker, or here)."""
    return _shared


def worker_count() -> int:
    """How many workers `fork_map` starts for many jobs (fewer for fewer jobs)."""
    import os

    return min(os.cpu_count() or 1, MOST_WORKERS)


def die_with_parent(parent: int, signum: int) -> None:
    """In a forked process: be sent `signum` when the parent process ends, however it ends
    (Linux; elsewhere nothing happens), and end now if it already has. A worker whose parent
    was killed would otherwise wait for work for ever, with no parent."""
    import os
    import sys

    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signum, 0, 0, 0)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):  # no libc prctl: the parent's own clean-up remains
            pass
    if os.getppid() != parent:  # the parent ended before the request was made
        os._exit(1)


def _quiet_worker(parent: int) -> None:
    """Workers leave Ctrl-C to the parent, which stops them (no traceback from each), end
    with it when it is killed, and skip the cyclic garbage collector: they build many objects
    and free them all at once."""
    import gc
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent(parent, signal.SIGKILL)
    gc.disable()


def fork_map(function: Callable[[J], R], jobs: Sequence[J], shared: object
             ) -> Generator[R, None, None]:
    """`function(job)` for each job, in order, each yielded as soon as it is ready.

    `function` must be a module-level function (workers find it by name) and may call
    `shared()` for what is shared. Closing the generator early stops the workers.
    """
    import multiprocessing
    import threading

    global _shared
    _shared = shared
    try:
        workers = min(len(jobs), worker_count())
        if (workers < 2 or threading.active_count() != 1
                or "fork" not in multiprocessing.get_all_start_methods()
                or not _picklable(function, jobs)):
            yield from (function(job) for job in jobs)
            return
        done = 0
        try:
            for result in _in_workers(function, jobs, workers):
                yield result
                done += 1
        except _WorkerLost:
            yield from (function(job) for job in jobs[done:])
    finally:
        _shared = None


def _picklable(function: Callable[[J], R], jobs: Sequence[J]) -> bool:
    """Whether the function and jobs can be sent to workers. Not always so in Python 3.11: a
    pool given one that cannot be pickled fails that job and then hangs when shut down
    (CPython issue 116685), so such work runs here instead (a function defined inside
    another, say). Each job is small; a module-level function pickles as its name."""
    import pickle

    try:
        pickle.dumps((function, list(jobs)))
    except Exception:  # pickling fails in many ways: PicklingError, TypeError, AttributeError
        return False
    return True


class _WorkerLost(Exception):
    """A worker process ended without finishing its job."""


def _in_workers(function: Callable[[J], R], jobs: Sequence[J], workers: int
                ) -> Generator[R, None, None]:
    import multiprocessing
    import os
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    # concurrent.futures rather than multiprocessing.Pool: a Pool whose worker is killed
    # waits for that worker's result for ever, an executor says it is broken.
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                               initializer=_quiet_worker, initargs=(os.getpid(),))
    try:
        futures = [pool.submit(function, job) for job in jobs]
        for future in futures:
            try:
                result = future.result()
            except BrokenProcessPool:
                raise _WorkerLost from None
            yield result
    finally:
        # Running jobs end normally (workers ignore Ctrl-C). They are not terminated: a
        # worker killed while writing its result leaves a half message in the result pipe,
        # and the executor then waits for the rest for ever (seen under load).
        pool.shutdown(wait=True, cancel_futures=True)

