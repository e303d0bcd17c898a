"""Zarr stores that can be trusted: where one may be written, one writer at a time, digests of what was written.

* :func:`check_location` validates an output location before any work: a local directory (new, empty, or
  already a Zarr store — never an existing regular file or a folder of other files), or an fsspec URL whose
  protocol is installed.
* :func:`writer_lock` keeps two writers off one local store: an exclusive ``fcntl.flock`` on its
  directory, taken without waiting. The operating system releases the lock when its process ends, however it
  ends (a crash or ``kill -9`` leaves no stale lock to clean).
* :func:`digest` is the SHA-256 of decoded arrays (dtype, shape and values, NaN written one way), bound to a
  label, so that a chunk that was deleted, truncated, altered or copied from elsewhere is recognised when the
  data are read back.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re

import numpy as np

from .errors import TianwenError

_URL = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*)://")


def is_url(out: str) -> bool:
    return bool(_URL.match(str(out)))


def check_location(out, what: str = "out") -> str:
    """The normalised location (absolute path, or the URL as given); refuses what cannot hold a store.

    Nothing is created here.
    """
    text = str(out)
    if not text.strip():
        raise TianwenError(f"{what}={out!r} must name a directory or an fsspec URL")
    m = _URL.match(text)
    if m:
        proto = m[1].lower()
        if proto == "file":
            return check_location(text[len("file://"):], what)
        try:
            import fsspec

            fsspec.get_filesystem_class(proto)
        except (ImportError, ValueError) as exc:
            try:
                import fsspec

                known = ", ".join(sorted(p for p in fsspec.available_protocols() if p.isalpha())[:12])
            except ImportError:  # pragma: no cover - fsspec comes with zarr
                known = "none (fsspec is not installed)"
            raise TianwenError(f"{what}={text!r}: the protocol {proto!r} is not available ({exc}); use a local "
                               f"directory or a URL of an installed fsspec protocol, e.g. {known}") from None
        return text
    path = os.path.abspath(os.path.expanduser(text))
    if os.path.exists(path) and not os.path.isdir(path):
        raise TianwenError(f"{what}={text!r} is an existing file, not a Zarr store (a directory); "
                           f"give a new directory")
    if os.path.isdir(path):
        entries = os.listdir(path)
        if entries and "zarr.json" not in entries:
            raise TianwenError(f"{what}={text!r} is a directory of other files, not a Zarr store; "
                               f"give a new or empty directory")
    parent = path
    while not os.path.exists(parent):
        parent = os.path.dirname(parent)
    if not os.path.isdir(parent):
        raise TianwenError(f"{what}={text!r}: {parent} is a file, not a directory")
    if not os.access(parent if not os.path.isdir(path) else path, os.W_OK | os.X_OK):
        raise TianwenError(f"{what}={text!r}: {parent if not os.path.isdir(path) else path} is not writable; "
                           f"give a directory you can write")
    return path


@contextlib.contextmanager
def writer_lock(path: str, what: str = "store"):
    """Hold the exclusive writer lock of the local store ``path`` (created if needed) for the ``with`` block.

    The lock is an ``flock`` on the store's directory itself (no lock file inside the store for Zarr to
    trip over, none left behind). A second writer is refused at once with :class:`TianwenError`. URL stores
    cannot be locked this way and are not locked (the caller must keep to one writer).
    """
    if is_url(path):
        yield
        return
    import fcntl

    try:
        os.makedirs(path, exist_ok=True)
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError as exc:
        raise TianwenError(f"cannot create the {what} at {path}: {exc.strerror}") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise TianwenError(f"the {what} at {path} is being written by another tianwen process; wait for it "
                               f"to finish, or use another location") from None
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def digest(label: str, *arrays) -> np.ndarray:
    """SHA-256 (32 uint8) of ``label`` and each array's dtype, shape and values; every NaN counts as one NaN."""
    h = hashlib.sha256(label.encode())
    for a in arrays:
        a = np.ascontiguousarray(a)
        if a.dtype.kind == "f":
            a = np.where(np.isnan(a), np.array(np.nan, a.dtype), a)
        h.update(f"|{a.dtype.str}{a.shape}|".encode())
        h.update(a.tobytes())
    return np.frombuffer(h.digest(), dtype=np.uint8).copy()
