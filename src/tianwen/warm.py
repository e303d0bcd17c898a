"""Cold starts on two cores: compile the kernels a command will need in a second process while this one works.

Numba compiles a kernel the first time it is called and keeps the machine code in its on-disk cache. A cold
``tianwen mission`` (a fresh install, or a fresh ``NUMBA_CACHE_DIR``) spends most of its time compiling, one
kernel after another on one core: the n-body integrator alone is more than half of it. :func:`start` launches
``python -m tianwen.warm TASK`` when the task's kernels are missing from the cache; the child compiles them by
running a tiny problem through the same public functions (so with the same argument types) while the command
goes on with its own work. :func:`join`, called right before the first use of those kernels, waits for the child;
the kernels then load from the cache instead of compiling.

Results cannot change: the child only fills the compile cache, which Numba writes atomically (a temporary file
renamed into place), and a kernel the child did not finish is compiled by the command as before. The child is not
started with one CPU, when the cache already holds the task's kernels, or with ``TIANWEN_NO_WARM=1``; it is
stopped if the command ends first.

Run by hand: ``python -m tianwen.warm nbody``.
"""

from __future__ import annotations

import atexit
import glob
import hashlib
import os
import subprocess
import sys
import time

#: task -> (the kernel whose cached index tells that the task is warm: source file under tianwen/ and
#: qualified name; the module and function that compile the task's kernels)
TASKS = {
    "nbody": (("core/nbody.py", "integrate"), ("tianwen.propagate.face", "warm_up")),
}

_pending: dict[str, subprocess.Popen] = {}


def _cache_dirs(source: str) -> list[str]:
    """Where Numba keeps the cache of ``source``: ``$NUMBA_CACHE_DIR/<folder>_<sha1 of the folder>`` when the
    variable is set, otherwise the ``__pycache__`` folder beside the source (Numba's own rules, numba.core.caching)."""
    folder = os.path.dirname(os.path.abspath(source))
    user = os.environ.get("NUMBA_CACHE_DIR")
    if user:
        sub = "_".join([os.path.split(folder)[-1], hashlib.sha1(folder.encode()).hexdigest()])
        return [os.path.join(user, sub)]
    return [os.path.join(folder, "__pycache__")]


def is_cached(task: str) -> bool:
    """True when the task's marker kernel has a cache index newer than its source (then nothing is compiled)."""
    (rel, name), _ = TASKS[task]
    source = os.path.join(os.path.dirname(os.path.abspath(__file__)), rel)
    stem = os.path.splitext(os.path.basename(source))[0]
    try:
        stamp = os.path.getmtime(source)
    except OSError:
        return True
    for d in _cache_dirs(source):
        for index in glob.glob(os.path.join(glob.escape(d), f"{stem}.{name}-*.nbi")):
            if os.path.getmtime(index) >= stamp:
                return True
    return False


def start(task: str) -> bool:
    """Start compiling ``task``'s kernels in a second process if they are not cached; True if a child started."""
    if task not in TASKS:
        raise ValueError(f"task {task!r}: use one of {', '.join(TASKS)}")
    if (task in _pending or os.environ.get("TIANWEN_NO_WARM") or (os.cpu_count() or 1) < 2
            or os.environ.get("NUMBA_DISABLE_JIT") == "1" or is_cached(task)):
        return False
    try:
        child = subprocess.Popen([sys.executable, "-m", "tianwen.warm", task], stdin=subprocess.DEVNULL,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ))
    except OSError:
        return False
    _pending[task] = child
    return True


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
    for child in _pending.values():
        if child.poll() is None:
            child.terminate()
    _pending.clear()


def main(argv: list[str]) -> int:
    import importlib

    if len(argv) != 1 or argv[0] not in TASKS:
        print(f"usage: python -m tianwen.warm {{{','.join(TASKS)}}}", file=sys.stderr)
        return 2
    _, (module, function) = TASKS[argv[0]]
    t0 = time.perf_counter()
    getattr(importlib.import_module(module), function)()
    print(f"{argv[0]}: compiled or loaded in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
