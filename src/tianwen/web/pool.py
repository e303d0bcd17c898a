"""Compute processes for the web app: bounded concurrency, a hard timeout, and a bounded result cache.

Every computation runs in one of ``processes`` long-lived worker processes (fresh interpreters, each
warmed up once so that the compiled kernels are loaded before the first request). The server's event loop
only waits on pipes, so it keeps answering (``/api/health`` included) however busy the workers are.

* **Installed code only**: a worker is ``python -I -c ...`` (isolated mode: neither the working directory nor
  ``PYTHONPATH`` nor the user's site-packages is on ``sys.path``), so a module planted where the server was
  started (a ``queue.py``, say) is never imported.
* **Start-up**: a worker reports ``loaded`` once its imports are done and ``ready`` once warmed up.
  :meth:`Pool.wait_loaded` lets ``tianwen serve`` refuse to start when no worker can; a slot that fails three
  times in a row marks the pool :attr:`Pool.failed` once no worker is left, and then every request is refused
  at once (:class:`Down`: 503 naming the cause) instead of waiting.

* **Concurrency** is bounded by the number of processes; at most ``max_queue`` further requests wait for one,
  each for at most ``queue_timeout_s`` (then :class:`Busy`: 503); beyond that they are refused at once.
* **Timeout**: a computation still running after ``timeout_s`` has its process killed and replaced
  (:class:`Timeout`: 504). A process that dies is replaced too. No worker can hang the server.
* **Cache**: results are kept in a least-recently-used cache bounded in entries and bytes; identical
  requests in flight at the same time share one computation.

The pool uses threads and pipes only (no asyncio objects), so one pool can serve any number of event loops:
the API routes wrap :meth:`Pool.submit`'s future with ``asyncio.wrap_future``.
"""

from __future__ import annotations

import gzip
import json
import logging
import os
import queue
import socket
import subprocess
import sys
import threading
import time
import traceback
from collections import OrderedDict, deque
from concurrent.futures import Future, ThreadPoolExecutor
from multiprocessing.connection import Connection

log = logging.getLogger("tianwen.web")

STARTUP_TIMEOUT_S = 300.0  # a cold process imports NumPy, Numba, xarray and loads the compiled kernels


class Busy(Exception):
    """Every compute process is busy and the queue is full or the wait too long (503)."""


class Timeout(Exception):
    """A computation ran over the time limit; its process was killed and replaced (504)."""


class BadInput(Exception):
    """The library refused the input (:class:`tianwen.errors.TianwenError`): 422 with this one-line message."""


class Down(Exception):
    """No compute process could start (503, with the cause)."""


class WorkerError(Exception):
    """A bug inside a computation, or a crashed process (500)."""


class Result:
    """An encoded response: media type, body bytes and the same body gzipped (compressed in the worker), or None
    where gzip is not worth its time."""

    __slots__ = ("media_type", "body", "gz", "compute_s")

    def __init__(self, media_type: str, body: bytes, gz: bytes, compute_s: float):
        self.media_type, self.body, self.gz, self.compute_s = media_type, body, gz, compute_s

    @property
    def nbytes(self) -> int:
        return len(self.body) + len(self.gz or b"") + 200


# ---------------------------------------------------------------------------------------------------------
# the worker process
# ---------------------------------------------------------------------------------------------------------


def _encode(value) -> tuple[str, bytes]:
    """(media type, body) of a compute function's result: text, a JSON value, or ``(media type, JSON value)``, or
    ``(media type, bytes)`` (a file, sent as it is)."""
    media = "application/json"
    if isinstance(value, tuple):
        media, value = value
    if isinstance(value, (bytes, bytearray)):
        return media, bytes(value)
    if isinstance(value, str):
        return "text/plain; charset=utf-8", value.encode()
    return media, json.dumps(value, allow_nan=False, separators=(",", ":")).encode()


def compute_function(name: str):
    """The compute function a route names: ``"porkchop"`` is :func:`tianwen.web.compute.porkchop`,
    ``"compute_return.roundtrip"`` is :func:`tianwen.web.compute_return.roundtrip` (a module of this package)."""
    import importlib

    module, _, func = name.rpartition(".")
    if module not in ("", "compute", "compute_return", "compute_navigation"):
        raise ValueError(f"no compute module {module!r}")
    return getattr(importlib.import_module(f"tianwen.web.{module or 'compute'}"), func)


#: The compute process's program, run as ``python -I -c WORKER_CODE FD THREADS WARM``.
WORKER_CODE = "from tianwen.web.pool import _worker_entry; _worker_entry()"


def _worker_entry() -> None:  # pragma: no cover - runs in the child process
    """Child process entry: ``python -I -c WORKER_CODE FD THREADS WARM`` (see :meth:`Pool._launch`)."""
    import sys
    from multiprocessing.connection import Connection

    fd, threads, warm = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "1"
    _worker_main(Connection(fd), threads, warm)


def _worker_main(conn, threads: int, warm: bool) -> None:  # pragma: no cover - runs in the child process
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the server's to handle; it stops us
    os.environ["NUMBA_NUM_THREADS"] = str(threads)
    try:
        from ..errors import TianwenError
        from . import compute

        compute.preload()
    except BaseException as exc:
        conn.send(("failed", f"{type(exc).__name__}: {exc}"))
        return
    conn.send(("loaded", os.getpid()))
    try:
        if warm:
            compute.warmup()
    except BaseException as exc:
        conn.send(("failed", f"warm-up: {type(exc).__name__}: {exc}"))
        return
    conn.send(("ready", os.getpid()))
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        if msg is None:
            return
        name, params, limits = msg
        t0 = time.perf_counter()
        try:
            value = compute_function(name)(params, limits)
            media, body = _encode(value)
            # The compact grid is zlib inside already: gzip would only undo base64's third, for its time.
            gz = None if media == compute.COMPACT_MEDIA_TYPE else gzip.compress(body, 1 if len(body) > 2**20 else 3)
            reply = ("ok", media, body, gz, time.perf_counter() - t0)
        except TianwenError as exc:
            reply = ("bad_input", str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        except Exception as exc:
            reply = ("error", f"{type(exc).__name__}: {exc}", traceback.format_exc())
        try:
            conn.send(reply)
        except (OSError, ValueError):
            return


class _Stderr(threading.Thread):
    """A compute process's stderr: held while it starts (the last line names a start-up failure), then relayed
    to ours line by line."""

    def __init__(self, stream):
        super().__init__(name="tianwen-worker-stderr", daemon=True)
        self.stream, self.held, self.live = stream, deque(maxlen=200), False
        self._lock = threading.Lock()
        self.start()

    def run(self):  # pragma: no cover - a thread
        try:
            for raw in iter(self.stream.readline, b""):
                with self._lock:
                    if self.live:
                        self._write(raw)
                    else:
                        self.held.append(raw)
        except (OSError, ValueError):
            pass

    @staticmethod
    def _write(raw: bytes) -> None:
        try:
            sys.stderr.write(raw.decode(errors="replace"))
            sys.stderr.flush()
        except (OSError, ValueError):
            pass

    def go_live(self) -> None:
        with self._lock:
            for raw in self.held:
                self._write(raw)
            self.held.clear()
            self.live = True

    def last_line(self) -> str:
        """The last non-empty line written (the process has exited or been killed)."""
        self.join(5)
        with self._lock:
            for raw in reversed(self.held):
                text = raw.decode(errors="replace").strip()
                if text:
                    return text[:300]
        return ""


class _Worker:
    def __init__(self, process, conn):
        self.process, self.conn = process, conn
        self.alive = True
        self.jobs = 0

    def call(self, name: str, params: dict, limits: dict, timeout_s: float):
        try:
            self.conn.send((name, params, limits))
            if not self.conn.poll(timeout_s):
                self.kill()
                raise Timeout(f"{name} took longer than {timeout_s:g} s and was stopped; ask for a smaller "
                              "computation (a coarser step, shorter windows or span)")
            reply = self.conn.recv()
        except (EOFError, OSError, BrokenPipeError) as exc:
            self.kill()
            raise WorkerError(f"the compute process died during {name} ({type(exc).__name__}); it was restarted")
        self.jobs += 1
        return reply

    def kill(self):
        self.alive = False
        try:
            self.process.kill()
            self.process.wait(10)
        except Exception:  # noqa: BLE001 - already gone
            pass
        try:
            self.conn.close()
        except OSError:
            pass

    def stop(self):
        if self.alive:
            try:
                self.conn.send(None)
                self.process.wait(5)
            except (OSError, ValueError, subprocess.TimeoutExpired):
                pass
        self.kill()


# ---------------------------------------------------------------------------------------------------------
# the pool
# ---------------------------------------------------------------------------------------------------------


class Pool:
    def __init__(self, processes: int = 2, *, timeout_s: float = 60.0, queue_timeout_s: float = 60.0,
                 max_queue: int = 32, cache_entries: int = 256, cache_mb: float = 256.0, warm: bool = True):
        self.processes = int(processes)
        self.timeout_s = float(timeout_s)
        self.queue_timeout_s = float(queue_timeout_s)
        self.max_queue = int(max_queue)
        self.warm = warm
        self.cache = ResultCache(cache_entries, int(cache_mb * 2**20))
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._pending = 0
        self._inflight: dict[tuple, Future] = {}
        self._workers: set[_Worker] = set()
        self._launching: set[subprocess.Popen] = set()
        self._starting = 0
        self._closed = False
        self._started = False
        self._loaded = threading.Event()
        self._failures: list[str] = []
        #: Why no compute process could start (None while one runs or may still start).
        self.failed: str | None = None
        self._threads = max(1, os.cpu_count() or 1)  # every core for each request; concurrent ones share them
        self._executor = ThreadPoolExecutor(max_workers=self.processes + self.max_queue,
                                            thread_name_prefix="tianwen-dispatch")
        self.stats = {"computed": 0, "cache_hits": 0, "coalesced": 0, "timeouts": 0, "busy": 0, "restarts": 0,
                      "errors": 0, "bad_input": 0}

    # -- lifecycle --------------------------------------------------------------------------------------
    def start(self) -> "Pool":
        """Start the processes in the background (requests wait for the first one to be ready)."""
        with self._lock:
            if self._started:
                return self
            self._started = True
        for _ in range(self.processes):
            self._spawn_async()
        return self

    def _spawn_async(self):
        with self._lock:
            if self._closed:
                return
            self._starting += 1
        threading.Thread(target=self._spawn, name="tianwen-spawn", daemon=True).start()

    def _spawn(self):
        msg = ("failed", "not started")
        try:
            for attempt in range(3):
                if self._closed:
                    return
                p, parent = self._launch()
                err = _Stderr(p.stderr)
                with self._lock:
                    self._launching.add(p)
                msg = self._hear(p, parent)
                if msg[0] == "loaded":
                    self._loaded.set()
                    msg = self._hear(p, parent)
                with self._lock:
                    self._launching.discard(p)
                if msg[0] == "ready":
                    err.go_live()
                    w = _Worker(p, parent)
                    with self._lock:
                        if self._closed:
                            w.stop()
                            return
                        self._workers.add(w)
                    self._idle.put(w)
                    return
                if self._closed:
                    return
                _Worker(p, parent).kill()
                last = err.last_line()
                if last:
                    msg = ("failed", f"{msg[1]}: {last}")
                log.error("tianwen compute process failed to start (%s), attempt %d", msg[1], attempt + 1)
                time.sleep(1.0)
        finally:
            with self._lock:
                self._starting -= 1
                if self._workers or self._closed:
                    self._failures.clear()
                else:
                    self._failures.append(str(msg[1]))
                    if self._starting == 0:  # every slot gave up and no process runs: say so, do not wait
                        self.failed = f"compute processes could not start: {self._failures[-1]}"
            if self.failed:
                self._loaded.set()

    @staticmethod
    def _hear(p, parent) -> tuple:
        """The next start-up message of a launching process, or ("failed", why)."""
        try:
            if not parent.poll(STARTUP_TIMEOUT_S):
                return ("failed", f"no answer in {STARTUP_TIMEOUT_S:g} s")
            return parent.recv()
        except (EOFError, OSError):
            try:
                code = p.wait(10)
            except subprocess.TimeoutExpired:
                code = "unknown"
            return ("failed", f"the process exited with status {code}")

    def _launch(self):
        """A compute process running :func:`_worker_entry`, and our end of a socket pair to it. A plain
        ``python -I -c`` child (not multiprocessing's spawn, which re-imports the parent's ``__main__``) in
        isolated mode: only installed code is importable, whatever the working directory holds."""
        ours, theirs = socket.socketpair()
        try:
            p = subprocess.Popen([sys.executable, "-I", "-c", WORKER_CODE, str(theirs.fileno()), str(self._threads),
                                  "1" if self.warm else "0"], pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL,
                                 stderr=subprocess.PIPE)
        finally:
            theirs.close()
        return p, Connection(ours.detach())

    def wait_loaded(self, timeout_s: float = STARTUP_TIMEOUT_S) -> bool:
        """Wait until a compute process has imported the library (True) or every one failed to (False, the
        cause in :attr:`failed`); starts the pool if needed."""
        self.start()
        self._loaded.wait(timeout_s)
        return self.failed is None and self._loaded.is_set()

    def close(self):
        with self._lock:
            self._closed = True
            workers = list(self._workers)
            self._workers.clear()
            launching = list(self._launching)
        for p in launching:  # still importing or warming up: nothing to finish
            p.kill()
        for w in workers:
            w.stop()
        self._executor.shutdown(wait=False, cancel_futures=True)

    @property
    def ready(self) -> int:
        with self._lock:
            return sum(1 for w in self._workers if w.alive)

    def health(self) -> dict:
        with self._lock:
            busy = self._pending
            starting = self._starting
        return {"processes": self.processes, "ready": self.ready, "starting": starting, "failed": self.failed,
                "idle": self._idle.qsize(), "requests_in_progress": busy, "timeout_s": self.timeout_s,
                "stats": dict(self.stats), "cache": self.cache.info()}

    # -- work -------------------------------------------------------------------------------------------
    def submit(self, name: str, params: dict, limits: dict, *, cache: bool = True,
               timeout_s: float | None = None) -> Future:
        """A future for the :class:`Result` of ``compute.<name>(params, limits)`` (from the cache if there);
        ``timeout_s`` overrides the pool's time limit for this call."""
        key = (name, json.dumps(params, sort_keys=True, default=str))
        if cache:
            hit = self.cache.get(key)
            if hit is not None:
                self.stats["cache_hits"] += 1
                f: Future = Future()
                f.set_result(hit)
                return f
        with self._lock:
            if self._closed:
                raise Busy("the server is shutting down")
            if self.failed is not None:
                raise Down(self.failed)
            if key in self._inflight:
                self.stats["coalesced"] += 1
                return self._inflight[key]
            if self._pending >= self.processes + self.max_queue:
                self.stats["busy"] += 1
                raise Busy(f"{self._pending} requests are already running or waiting (limit "
                           f"{self.processes + self.max_queue}); retry in a few seconds")
            self._pending += 1
            fut = self._executor.submit(self._run, name, params, limits, timeout_s or self.timeout_s)
            self._inflight[key] = fut

        def done(f: Future):
            with self._lock:
                self._pending -= 1
                self._inflight.pop(key, None)
            if cache and not f.cancelled() and f.exception() is None:
                self.cache.put(key, f.result())

        fut.add_done_callback(done)
        return fut

    def _run(self, name: str, params: dict, limits: dict, timeout_s: float) -> Result:
        deadline = time.monotonic() + self.queue_timeout_s
        while True:  # in slices, so that a pool whose processes cannot start refuses at once
            try:
                w = self._idle.get(timeout=max(0.0, min(0.5, deadline - time.monotonic())))
                break
            except queue.Empty:
                if self.failed is not None:
                    raise Down(self.failed) from None
                if time.monotonic() >= deadline:
                    self.stats["busy"] += 1
                    raise Busy(f"all {self.processes} compute processes stayed busy for {self.queue_timeout_s:g} s; "
                               "retry in a few seconds") from None
        try:
            reply = w.call(name, params, limits, timeout_s)
        except Timeout:
            self.stats["timeouts"] += 1
            raise
        finally:
            self._release(w)
        kind = reply[0]
        if kind == "ok":
            self.stats["computed"] += 1
            return Result(reply[1], reply[2], reply[3], reply[4])
        if kind == "bad_input":
            self.stats["bad_input"] += 1
            raise BadInput(reply[1])
        self.stats["errors"] += 1
        log.error("tianwen web: %s failed: %s\n%s", name, reply[1], reply[2] if len(reply) > 2 else "")
        raise WorkerError(reply[1])

    def _release(self, w: _Worker):
        if w.alive and w.process.poll() is None:
            self._idle.put(w)
            return
        with self._lock:
            self._workers.discard(w)
        self.stats["restarts"] += 1
        self._spawn_async()


# ---------------------------------------------------------------------------------------------------------
# the cache
# ---------------------------------------------------------------------------------------------------------


class ResultCache:
    """Least-recently-used results, at most ``max_entries`` of them and ``max_bytes`` in all."""

    def __init__(self, max_entries: int, max_bytes: int):
        self.max_entries, self.max_bytes = int(max_entries), int(max_bytes)
        self._data: OrderedDict[tuple, Result] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def put(self, key, value: Result):
        if value.nbytes > self.max_bytes:
            return
        with self._lock:
            old = self._data.pop(key, None)
            if old is not None:
                self._bytes -= old.nbytes
            self._data[key] = value
            self._bytes += value.nbytes
            while len(self._data) > self.max_entries or self._bytes > self.max_bytes:
                _, dropped = self._data.popitem(last=False)
                self._bytes -= dropped.nbytes

    def info(self) -> dict:
        with self._lock:
            return {"entries": len(self._data), "bytes": self._bytes, "max_entries": self.max_entries,
                    "max_bytes": self.max_bytes}
