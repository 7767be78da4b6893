"""painlit.parallel: the same results, in order, with worker processes or without."""

from __future__ import annotations

import os

import pytest

from painlit import parallel


def _square_plus_shared(job: int) -> tuple[int, int]:
    shared = parallel.shared()
    assert isinstance(shared, int)
    return job * job + shared, os.getpid()


def test_results_come_in_order_from_worker_processes() -> None:
    results = list(parallel.fork_map(_square_plus_shared, list(range(12)), 100))
    assert [value for value, _ in results] == [n * n + 100 for n in range(12)]
    if (os.cpu_count() or 1) >= 2:
        assert os.getpid() not in {pid for _, pid in results}  # really in workers
    assert parallel.shared() is None  # nothing is left behind


def test_without_cores_the_jobs_run_here_with_the_same_results(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    results = list(parallel.fork_map(_square_plus_shared, list(range(5)), 7))
    assert results == [(n * n + 7, os.getpid()) for n in range(5)]


def test_closing_early_stops_the_workers_and_clears_what_was_shared() -> None:
    results = parallel.fork_map(_square_plus_shared, list(range(50)), 1)
    assert next(results)[0] == 1
    results.close()
    assert parallel.shared() is None


def _dies_in_a_worker_on_three(job: int) -> int:
    parent = parallel.shared()
    if job == 3 and os.getpid() != parent:
        os._exit(1)  # as a worker killed for want of memory would end
    return job * 10


def test_jobs_left_by_a_worker_that_died_run_here_instead_of_hanging() -> None:
    if (os.cpu_count() or 1) < 2:
        pytest.skip("needs two cores for worker processes")
    results = list(parallel.fork_map(_dies_in_a_worker_on_three, list(range(8)), os.getpid()))
    assert results == [n * 10 for n in range(8)]


def test_work_that_cannot_be_pickled_runs_here_instead_of_hanging() -> None:
    """A pool given a job it cannot pickle fails it, then hangs when shut down (CPython
    issue 116685, Python 3.11): fork_map runs such work here."""
    import signal

    def expire(signum: int, frame: object) -> None:
        raise TimeoutError("fork_map hung")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(30)
    try:
        offset = 5
        closure = lambda job: (job + offset, os.getpid())  # noqa: E731 - not picklable
        assert list(parallel.fork_map(closure, [1, 2, 3], None)) == [
            (6, os.getpid()), (7, os.getpid()), (8, os.getpid())]
        unpicklable_jobs = [lambda: 1, lambda: 2]
        assert list(parallel.fork_map(_call, unpicklable_jobs, None)) == [1, 2]
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert parallel.shared() is None


def _call(job: object) -> object:
    assert callable(job)
    return job()
