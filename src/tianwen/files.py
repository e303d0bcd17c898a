"""Writing files safely: every file tianwen writes goes through :func:`atomic_write`.

* The output is written to a temporary file in the target's own folder, flushed to disk (``fsync``) and renamed
  onto the target, so a reader sees the old file or the new one, never half of one, and a full disk leaves the old
  file in place.
* The temporary file is created with mode 0666 less the user's umask (0644 under umask 022), like any file a
  program opens for writing; ``tempfile.mkstemp``'s private 0600 is not used.
* It is removed on every exit path: an exception, Ctrl-C (``KeyboardInterrupt``) and SIGTERM (turned into
  ``SystemExit`` while a write is open). A ``kill -9`` cannot be caught: the next write to the same target removes
  the temporary files whose writing process is gone.
* :func:`check_output` refuses, before any computing, an output the writer could not create: unknown format,
  missing or read-only folder, a name too long for the file system, a folder where a file should go.
"""

from __future__ import annotations

import errno
import os
import signal
import threading
from contextlib import contextmanager
from pathlib import Path

from .errors import TianwenError

_TAG = ".tianwen-"
_open_temps: set[str] = set()
_lock = threading.Lock()
_previous_sigterm = None


def _temp_name(target: Path) -> Path:
    return target.parent / f".{target.name}{_TAG}{os.getpid()}-{threading.get_ident() % 10**6}.tmp"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_temps(target: str | os.PathLike) -> list[str]:
    """Remove temporary files of earlier writes to ``target`` whose process no longer runs (a ``kill -9``)."""
    target = Path(target)
    folder = target.parent if str(target.parent) else Path(".")
    removed = []
    try:
        names = os.listdir(folder)
    except OSError:
        return removed
    prefix = f".{target.name}{_TAG}"
    for name in names:
        if not (name.startswith(prefix) and name.endswith(".tmp")):
            continue
        try:
            pid = int(name[len(prefix):].split("-")[0])
        except ValueError:
            continue
        if pid != os.getpid() and not _pid_alive(pid):
            try:
                os.remove(folder / name)
                removed.append(str(folder / name))
            except OSError:
                pass
    return removed


def _on_sigterm(signum, frame):
    raise SystemExit(128 + signum)


def _install_sigterm():
    """While a write is open in the main thread, SIGTERM unwinds (so the temporary file is removed)."""
    global _previous_sigterm
    if threading.current_thread() is not threading.main_thread():
        return False
    try:
        current = signal.getsignal(signal.SIGTERM)
    except (ValueError, OSError):
        return False
    if current in (signal.SIG_DFL, None):
        _previous_sigterm = current
        signal.signal(signal.SIGTERM, _on_sigterm)
        return True
    return False


def _restore_sigterm():
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _previous_sigterm or signal.SIG_DFL)


def check_output(path: str | os.PathLike, formats: tuple[str, ...] | None = None) -> Path:
    """Refuse, before any work, an output path that cannot be written; returns it as a ``Path``.

    ``formats`` lists the accepted suffixes (``(".png", ".csv")``); ``None`` accepts any.
    """
    target = Path(path)
    text = str(path)
    try:
        is_dir = target.is_dir()
    except OSError:  # e.g. a name too long to stat: the length check below names it
        is_dir = False
    if not text or text.endswith(os.sep) or is_dir:
        raise TianwenError(f"output {text!r} is a folder; give a file name")
    ext = target.suffix.lower()
    if formats is not None and ext not in formats:
        raise TianwenError(f"output {text!r}: unknown format {ext or '(none)'}; use one of {', '.join(formats)}")
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise TianwenError(f"output folder {str(folder)!r} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise TianwenError(f"output folder {str(folder)!r} is not writable")
    try:
        name_max = os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError):
        name_max = 255
    if len(_temp_name(target).name.encode()) > name_max:
        raise TianwenError(f"output file name {target.name!r} is too long for its folder "
                           f"(at most {name_max - 40} bytes here)")
    return target


@contextmanager
def atomic_write(path: str | os.PathLike, formats: tuple[str, ...] | None = None):
    """Yield a temporary path beside ``path``; on success it is fsynced and renamed onto ``path``.

    Any failure (an exception, Ctrl-C, SIGTERM, a full disk) removes the temporary file and leaves an existing
    ``path`` untouched; the error is re-raised as a one-line :class:`TianwenError` when it is an ``OSError``.
    """
    target = check_output(path, formats)
    remove_stale_temps(target)
    tmp = _temp_name(target)
    with _lock:
        installed = _install_sigterm() if not _open_temps else False
        _open_temps.add(str(tmp))
    try:
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            os.close(fd)
            yield str(tmp)
            with open(tmp, "rb+") as f:
                os.fsync(f.fileno())
            os.replace(tmp, target)
        except OSError as exc:
            reason = "the disk is full" if exc.errno == errno.ENOSPC else (exc.strerror or str(exc))
            raise TianwenError(f"cannot write {str(target)!r}: {reason}") from None
        try:
            dfd = os.open(target.parent if str(target.parent) else ".", os.O_RDONLY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)
        except OSError:
            pass
    finally:
        try:
            os.remove(tmp)
        except OSError:
            pass
        with _lock:
            _open_temps.discard(str(tmp))
            if installed:
                _restore_sigterm()
