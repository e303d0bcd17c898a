"""Draw a figure in a second process that imports the plotting libraries while this one computes.

A warm ``tianwen porkchop --out p.png`` spends about half a second importing matplotlib and adjustText before it
can draw, and about as long loading Numba's kernels and computing the grid: one after the other, on one core. On a
machine with a second core, :func:`start` forks a child (POSIX ``fork``: no interpreter start-up, nothing imported
twice) that imports the drawing modules meanwhile; :meth:`Aside.call` then sends it the drawing call (the grid's
arrays, pickled through a pipe), waits, and returns its result or raises its exception here, where the command
turns it into its usual one-line error. The child runs the same library function on the same arrays, so the file
is the one this process would have written (a test compares the bytes).

No child (:func:`start` returns None and the command draws in-process) off Linux (``fork`` is measured and
tested there only; macOS's system libraries are not fork-safe), with one usable CPU, or with
``TIANWEN_NO_WARM=1`` (set by the test suite). A child that dies is replaced by drawing here. The child exits
when this process closes its end of the pipe or ends, so it never outlives the command.
"""

from __future__ import annotations

import os
import pickle
import sys


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class Aside:
    """A forked child that ran ``warm_up()`` and then waits for one call at a time (see the module docstring)."""

    def __init__(self, warm_up):
        import multiprocessing

        ctx = multiprocessing.get_context("fork")
        self._conn, child_end = ctx.Pipe()
        self._proc = ctx.Process(target=_serve, args=(child_end, self._conn, warm_up), daemon=True)
        self._proc.start()
        child_end.close()

    def call(self, func, *args, progress=None, **kwargs):
        """``func(*args, **kwargs)`` in the child (``func`` a module-level function; arguments and result
        picklable); its exception is raised here. If the child is gone, the call runs in this process.

        With ``progress`` (a callback ``progress(done, total, stage)``), ``func`` is called with a ``progress=``
        of its own whose reports travel back through the pipe to ``progress`` here."""
        here = dict(kwargs, progress=progress) if progress is not None else kwargs
        try:
            self._conn.send((func, args, kwargs, progress is not None))  # pickled whole before anything is sent
        except (pickle.PicklingError, TypeError, AttributeError):  # an argument that cannot travel: draw here
            return func(*args, **here)
        except OSError:  # the child is gone
            self.close()
            return func(*args, **here)
        try:
            while True:
                tag, value = self._conn.recv()
                if tag != "progress":
                    break
                progress(*value)
        except (EOFError, OSError):  # the child died while drawing
            self.close()
            return func(*args, **here)
        if tag == "ok":
            return value
        raise value

    def close(self) -> None:
        """Let the child go (it exits on the closed pipe) and reap it."""
        self._conn.close()
        self._proc.join(timeout=5.0)
        if self._proc.is_alive():
            self._proc.kill()
            self._proc.join()


def start(warm_up) -> Aside | None:
    """A child that runs ``warm_up()`` (imports) at once, if a second core and ``fork`` are there; else None."""
    import multiprocessing

    if (os.environ.get("TIANWEN_NO_WARM") or not sys.platform.startswith("linux") or _cpus() < 2
            or "fork" not in multiprocessing.get_all_start_methods()):
        return None
    try:
        return Aside(warm_up)
    except OSError:  # no processes left: draw here
        return None


def _serve(conn, parent_end, warm_up) -> None:
    try:
        _serve_calls(conn, parent_end, warm_up)
    except (KeyboardInterrupt, OSError):  # Ctrl-C reaches both processes; the parent reports it
        pass


def _serve_calls(conn, parent_end, warm_up) -> None:
    parent_end.close()  # the pipe reads EOF once the parent's end is gone
    try:
        warm_up()
    except Exception:  # noqa: BLE001  (the call itself will meet the same failure and report it)
        pass
    while True:
        try:
            func, args, kwargs, report = conn.recv()
        except EOFError:
            return
        if report:
            kwargs["progress"] = lambda done, total, stage=None: conn.send(("progress", (done, total, stage)))
        try:
            reply = ("ok", func(*args, **kwargs))
        except KeyboardInterrupt:
            return
        except BaseException as exc:  # noqa: BLE001  (re-raised in the parent)
            reply = ("error", exc)
        try:
            conn.send(reply)
        except (pickle.PicklingError, TypeError, AttributeError):
            conn.send(("error", RuntimeError(f"{type(reply[1]).__name__}: {reply[1]}")))
