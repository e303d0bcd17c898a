"""Cold starts on two cores: compile the kernels a command will need in a second process while this one works.

Numba compiles a kernel the first time it is called and keeps the machine code in its on-disk cache. A cold
``tianwen mission`` (a fresh install, or a fresh ``NUMBA_CACHE_DIR``) spends most of its time compiling, one
kernel after another on one core: the n-body integrator alone is more than half of it. :func:`start` launches
``python -m tianwen.warm TASK`` when the task's kernels are missing from the cache; the child compiles them by
running a tiny problem through the same public functions (so with the same argument types) while the command
goes on with its own work. :func:`join`, called right before the first use of those kernels, waits for the child;
the kernels then load from the cache instead of compiling.

The lock-step Lambert kernels (``lambert-block``, ``porkchop-block``) work the other way round: they run several
times faster than the scalar ones but take 20–30 s of CPU to compile, so until they are cached the callers
use the scalar kernels (the same answers, to 1e-12) and :func:`compiled_or_started` starts a child that compiles
them in the background, for the next command; that child outlives the command.

Results cannot change: the child only fills the compile cache, which Numba writes atomically (a temporary file
renamed into place), and a kernel the child did not finish is compiled by the command as before. The child is not
started with one CPU, when the cache already holds the task's kernels, or with ``TIANWEN_NO_WARM=1``; a child the
command waits for is stopped if the command ends first.

Run by hand: ``python -m tianwen.warm nbody``.
"""

from __future__ import annotations

import atexit
import glob
import os
import subprocess
import sys
import time

#: task -> (the kernels whose cache indexes tell that the task is warm: (source file under tianwen/, qualified
#: name) pairs; the module and function that compile the task's kernels; environment for the child)
TASKS = {
    "nbody": ((("core/nbody.py", "integrate"),), ("tianwen.propagate.face", "warm_up"), {}),
    "porkchop": ((("core/transfer.py", "grid_kernel_scalar"),), ("tianwen.porkchop", "warm_up_scalar"), {}),
    # The lock-step Lambert kernels run several times faster than the scalar ones but take 20-30 s of CPU to
    # compile: until they are cached, callers use the scalar kernels (same answers) while a child compiles them.
    "lambert-block": ((("core/lambert_block.py", "izzo_block_serial"), ("core/lambert_block.py", "izzo_block_parallel")),
                      ("tianwen.lambert", "warm_up_block"), {"TIANWEN_LAMBERT_KERNEL": "block"}),
    "porkchop-block": ((("core/transfer.py", "grid_kernel"),), ("tianwen.porkchop", "warm_up_block"),
                       {"TIANWEN_LAMBERT_KERNEL": "block"}),
}

_pending: dict[str, subprocess.Popen] = {}


def _source(rel: str) -> str:
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), rel)


def _lock_path(task: str) -> str:
    """The marker of a background compile of ``task``, in the cache folder of its first marker kernel."""
    from .core.cache import cache_dirs

    return os.path.join(cache_dirs(_source(TASKS[task][0][0][0]))[0], f"tianwen-warm-{task}.lock")


_cached: set[tuple[str, str]] = set()


def is_cached(task: str) -> bool:
    """True when each of the task's marker kernels has a cache index newer than its source (then nothing is
    compiled). A True is remembered for the process: the glob over the cache folder costs ~1 ms, a third of a
    20,000-problem batch on the block kernel."""
    key = (task, os.environ.get("NUMBA_CACHE_DIR", ""))
    if key in _cached:
        return True
    if all(_has_index(rel, name) for rel, name in TASKS[task][0]):
        _cached.add(key)
        return True
    return False


def _has_index(rel: str, name: str) -> bool:
    from .core.cache import cache_dirs

    source = _source(rel)
    stem = os.path.splitext(os.path.basename(source))[0]
    try:
        stamp = os.path.getmtime(source)
    except OSError:
        return True
    for d in cache_dirs(source):
        for index in glob.glob(os.path.join(glob.escape(d), f"{stem}.{name}-*.nbi")):
            if os.path.getmtime(index) >= stamp:
                return True
    return False


def compiled_or_started(task: str) -> bool:
    """True if ``task``'s kernels are cached (use them); otherwise start their compilation in a second process
    (when one can be started) and return False: the caller uses its quick-to-compile fallback this time."""
    if is_cached(task):
        return True
    start(task)
    return False


def start(task: str) -> bool:
    """Start compiling ``task``'s kernels in a second process if they are not cached; True if a child started."""
    if task not in TASKS:
        raise ValueError(f"task {task!r}: use one of {', '.join(TASKS)}")
    if (task in _pending or os.environ.get("TIANWEN_NO_WARM") or (os.cpu_count() or 1) < 2
            or os.environ.get("NUMBA_DISABLE_JIT") == "1" or is_cached(task)):
        return False
    if task.endswith("-block") and not _claim(task):
        return False  # another process (a Dask worker, a second command) is compiling it already
    try:
        child = subprocess.Popen([sys.executable, "-m", "tianwen.warm", task], stdin=subprocess.DEVNULL,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                 env=dict(os.environ, **TASKS[task][2]), start_new_session=True)
    except OSError:
        return False
    _pending[task] = child
    return True


def _claim(task: str, stale_s: float = 900.0) -> bool:
    """One background compile of a task per cache folder at a time: an exclusive marker file beside the cache,
    taken over when older than ``stale_s`` (a child that died)."""
    marker = _lock_path(task)
    try:
        os.makedirs(os.path.dirname(marker), exist_ok=True)
        if os.path.exists(marker) and time.time() - os.path.getmtime(marker) > stale_s:
            os.unlink(marker)
        os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        return True
    except OSError:
        return False


def join(task: str, timeout_s: float = 600.0) -> None:
    """Wait for ``task``'s child, if one runs (a no-op otherwise). A child that fails or overruns changes nothing:
    the caller then compiles what is missing itself."""
    child = _pending.pop(task, None)
    if child is None:
        return
    try:
        child.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        child.kill()


@atexit.register
def _stop() -> None:
    """A child the command waits for (``nbody``) is stopped when the command ends first; the block kernels'
    children finish their compile in the background, for the next command."""
    for task, child in _pending.items():
        if child.poll() is None and not task.endswith("-block"):
            child.terminate()
    _pending.clear()


def main(argv: list[str]) -> int:
    import importlib

    if len(argv) != 1 or argv[0] not in TASKS:
        print(f"usage: python -m tianwen.warm {{{','.join(TASKS)}}}", file=sys.stderr)
        return 2
    _, (module, function), _env = TASKS[argv[0]]
    t0 = time.perf_counter()
    if argv[0].endswith("-block"):
        os.nice(10)  # a compile for later: the command the user waits for keeps its core
    try:
        getattr(importlib.import_module(module), function)()
    finally:
        if argv[0].endswith("-block"):
            try:
                os.unlink(_lock_path(argv[0]))
            except OSError:
                pass
    print(f"{argv[0]}: compiled or loaded in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
