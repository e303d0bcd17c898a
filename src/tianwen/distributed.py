"""Running tianwen's grids on a Dask cluster: one scheduler address is all that changes.

tianwen does not schedule work itself. Its big computations — porkchop grids, the opportunity scan, the
refinement of each opportunity, surveys — are split into chunks that are pure functions of a few small
arguments (grid bounds, body names, an ephemeris name). In-process they run one after another; given a
Dask scheduler they run as Dask tasks (``distributed``), and the results are assembled in the same order,
so the answer is the same to the last bit (with the same chunk size).

Where the work runs, in order of precedence:

* ``scheduler=`` a :class:`distributed.Client`, or a scheduler address such as ``"tcp://10.0.0.5:8786"``;
* ``workers=N``: a :class:`distributed.LocalCluster` of N worker processes, started for the call and
  closed after it;
* the ``TIANWEN_SCHEDULER`` environment variable (an address);
* otherwise in-process, as without Dask. Inside a Dask task, always in-process (no nested clusters).

Workers need tianwen installed (the same version) and, for surveys, the output path (a shared file system,
or an fsspec URL such as ``s3://bucket/survey.zarr``). Each task computes its own ephemeris states, so only
small arguments and results cross the network. Within a worker the compiled kernels use Numba's threads; a
lock lets one tianwen task at a time use them, so ``dask worker --nthreads 1`` with
``NUMBA_NUM_THREADS`` = the cores per worker is the efficient setting (see ``docs/cluster.md``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading

from .errors import TianwenError

ENV_SCHEDULER = "TIANWEN_SCHEDULER"
_KERNEL_LOCK = threading.Lock()


def in_dask_worker() -> bool:
    """True inside a Dask task (where tianwen always computes in-process). A process that has not imported
    ``distributed`` is no Dask worker: the check then costs nothing (no import of the Dask stack)."""
    if "distributed" not in sys.modules:
        return False
    try:
        from distributed import get_worker

        get_worker()
        return True
    except (ImportError, ValueError):
        return False


def _require_distributed():
    try:
        import distributed  # noqa: F401
    except ImportError:  # pragma: no cover - distributed is a dependency
        raise TianwenError("running on a Dask cluster needs the 'distributed' package: "
                           "pip install distributed") from None


def local_cluster(workers: int, numba_threads: int | None = None, **kwargs):
    """A :class:`distributed.LocalCluster` of ``workers`` processes, one Dask thread each.

    Each worker's Numba kernels get ``numba_threads`` threads (default: this machine's cores shared out among
    the workers), so the cluster does not oversubscribe the cores.
    """
    _require_distributed()
    from distributed import LocalCluster

    n = int(workers)
    if n < 1:
        raise TianwenError(f"workers={workers!r} must be at least 1")
    threads = int(numba_threads) if numba_threads else max(1, (os.cpu_count() or 1) // n)
    opts = dict(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None,
                silence_logs=logging.CRITICAL, env={"NUMBA_NUM_THREADS": str(threads)})
    opts.update(kwargs)
    return LocalCluster(**opts)


@contextlib.contextmanager
def dask_client(scheduler=None, workers: int | None = None):
    """Context manager yielding a :class:`distributed.Client`, or ``None`` for in-process work.

    ``scheduler``: a Client (used, not closed), an address (connected, closed on exit), ``""`` or ``False``
    (in-process, ignoring ``$TIANWEN_SCHEDULER``), or ``None``. ``workers=N`` starts a local cluster (closed
    on exit). See the module docstring for the precedence.
    """
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise TianwenError(f"workers={workers!r} must be a whole number of at least 1")
    if scheduler is not None and scheduler is not False and scheduler != "" and workers:
        raise TianwenError("give a scheduler address or a number of local workers, not both")
    if isinstance(scheduler, str) and scheduler and "://" not in scheduler and ":" not in scheduler:
        raise TianwenError(f"scheduler={scheduler!r} is not a Dask scheduler address; give one like "
                           f"'tcp://HOST:8786'")
    if in_dask_worker() or scheduler is False or scheduler == "":
        yield None
        return
    if scheduler is None and not workers:
        scheduler = os.environ.get(ENV_SCHEDULER) or None
        if scheduler is None:
            yield None
            return
    if scheduler is not None and not isinstance(scheduler, str):
        yield scheduler  # a distributed.Client (or anything with its submit/nthreads API)
        return
    _require_distributed()
    from distributed import Client

    if scheduler is not None:
        try:
            client = Client(scheduler, timeout="20s")
        except (OSError, ValueError, TypeError) as exc:
            raise TianwenError(f"cannot reach the Dask scheduler at {scheduler!r} ({exc}); check the address "
                               f"(tcp://HOST:8786) or unset {ENV_SCHEDULER}") from None
        try:
            yield client
        finally:
            client.close()
        return
    cluster = local_cluster(workers)
    client = Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


def _locked(func, *args):
    """Run one task at a time per worker process (the compiled kernels already use all its Numba threads)."""
    with _KERNEL_LOCK:
        return func(*args)


def _runner(client):
    """``run(func, tasks, keys=None)``: submit ``func(*args)`` per task, yield ``(key, result)`` as they finish.

    At most a few tasks per worker thread are in flight, so neither the scheduler nor this process holds
    more than that many results at once; a task whose worker dies is re-run elsewhere by Dask.
    """
    from distributed import as_completed

    def run(func, tasks, keys=None):
        tasks = list(tasks)
        keys = list(range(len(tasks))) if keys is None else list(keys)
        todo = iter(zip(keys, tasks))
        nthreads = sum(client.nthreads().values()) or 1
        window = max(8, 4 * nthreads)
        pending = {}
        done = as_completed()

        def submit_next():
            for key, args in todo:
                fut = client.submit(_locked, func, *args, pure=False)
                pending[fut.key] = (key, fut)
                done.add(fut)
                return

        for _ in range(window):
            submit_next()
        try:
            for fut in done:
                key, _ = pending.pop(fut.key)
                result = fut.result()
                fut.release()
                submit_next()
                yield key, result
        finally:
            if pending:
                client.cancel([f for _, f in pending.values()])

    return run


@contextlib.contextmanager
def map_tasks(scheduler=None, workers: int | None = None):
    """Context manager yielding ``None`` (compute in-process) or a ``run`` function (see :func:`_runner`)."""
    with dask_client(scheduler, workers) as client:
        yield None if client is None else _runner(client)


def run_all(func, tasks, scheduler=None, workers: int | None = None, progress=None) -> list:
    """``[func(*args) for args in tasks]``, in-process or as Dask tasks, in the order of ``tasks``.

    ``progress(done, total)`` is called after each task (``None``: no reports)."""
    tasks = list(tasks)
    total = len(tasks)
    with map_tasks(scheduler, workers) as run:
        out = [None] * total
        if run is None:
            for k, args in enumerate(tasks):
                out[k] = func(*args)
                if progress is not None:
                    progress(k + 1, total)
            return out
        for done, (k, res) in enumerate(run(func, tasks), start=1):
            out[k] = res
            if progress is not None:
                progress(done, total)
        return out


def shippable_ephemeris(ephemeris):
    """The name of a registered ephemeris (what a task should carry), else the ephemeris itself."""
    if isinstance(ephemeris, str):
        return ephemeris
    from .ephemeris import EPHEMERIDES, get_ephemeris

    name = getattr(ephemeris, "name", None)
    if isinstance(name, str) and name in EPHEMERIDES and get_ephemeris(name) is ephemeris:
        return name
    return ephemeris
