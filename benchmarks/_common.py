"""Helpers shared by the benchmark scripts: the machine line, and importing peers that may be missing."""

import builtins
import importlib
import io
import os
import platform


def _missing(name: str, err: BaseException | None = None) -> None:
    if err is None or isinstance(err, ModuleNotFoundError):
        print(f"{name}: not installed (pip install tianwen[bench])")
    else:
        print(f"{name}: import failed ({type(err).__name__}: {err}); skipped")


def import_optional(name: str):
    """The module ``name``, or None after saying it is missing."""
    try:
        return importlib.import_module(name)
    except Exception as err:  # noqa: BLE001 - any failure means "skip this peer"
        _missing(name.split(".")[0], err)
        return None


def import_pykep():
    """``import pykep`` that survives pykep 3.0.1's PyPI wheel.

    That wheel lacks ``pykep/trajopt/gym/tops/_tops_{cr3bp,twobody,ss,mee}.json``, which
    ``pykep/trajopt/gym/__init__.py`` reads at import time (``Path.open`` -> ``io.open``), so a plain
    ``import pykep`` raises FileNotFoundError. While importing, reads of those missing files are answered
    with ``{}``: only the TOPS benchmark problems of ``pykep.trajopt.gym`` lose their data, nothing this
    benchmark uses.
    """
    real_open = io.open

    def patched_open(file, mode="r", *args, **kwargs):
        path = os.fspath(file) if isinstance(file, (str, bytes, os.PathLike)) else None
        if isinstance(path, bytes):
            path = path.decode(errors="replace")
        if (path is not None and "r" in str(mode) and os.path.basename(path).startswith("_tops_")
                and path.endswith(".json") and "trajopt" in path and not os.path.exists(path)):
            return io.StringIO("{}")
        return real_open(file, mode, *args, **kwargs)

    io.open = builtins.open = patched_open
    try:
        return importlib.import_module("pykep")
    except Exception as err:  # noqa: BLE001
        _missing("pykep", err)
        return None
    finally:
        io.open = builtins.open = real_open


def machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{model}, {os.cpu_count()} logical cores, Python {platform.python_version()}; load average {load}"


def exit_without_teardown(code: int) -> None:
    """Leave without interpreter teardown: with the peers' extension modules loaded, Python's final garbage
    collection has twice (of about ten runs) aborted ("corrupted double-linked list") or spun forever in
    gc_collect_main after every figure was printed. Nothing is left to clean up by then."""
    import sys

    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
