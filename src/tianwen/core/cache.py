"""Where the compiled kernels are cached, and a guard that Numba's cache lacks: a change to any kernel source.

Numba keeps each kernel's machine code beside its source (``__pycache__``) or under ``$NUMBA_CACHE_DIR``, and
trusts it while the kernel's *own* file is unchanged (its modification time and size). A kernel's machine code,
though, contains the kernels it calls, inlined from other files: after an edit (or a ``git pull``) that touches
only ``lambert_block.py``, the cached porkchop grid kernel of ``transfer.py`` would still run the old Lambert
code, silently. :func:`drop_if_stale` closes that hole: it keeps a stamp of every source in this package
(names, sizes, modification times) beside the cache, and when the stamp differs it deletes the package's cached
kernels, so that each is compiled again from the current sources. Fresh installs and unchanged trees pay nothing
but a few ``stat`` calls.

No Numba import here: :mod:`tianwen.warm` reads the cache folder before a command imports anything heavy.
"""

from __future__ import annotations

import glob
import hashlib
import os

HERE = os.path.dirname(os.path.abspath(__file__))
STAMP = "tianwen-core-sources.stamp"


def cache_dirs(source: str) -> list[str]:
    """Where Numba keeps the cache of ``source``: ``$NUMBA_CACHE_DIR/<folder>_<sha1 of the folder>`` when the
    variable is set, otherwise the ``__pycache__`` folder beside the source (Numba's own rules, numba.core.caching)."""
    folder = os.path.dirname(os.path.abspath(source))
    user = os.environ.get("NUMBA_CACHE_DIR")
    if user:
        sub = "_".join([os.path.split(folder)[-1], hashlib.sha1(folder.encode()).hexdigest()])
        return [os.path.join(user, sub)]
    return [os.path.join(folder, "__pycache__")]


def sources_stamp() -> str:
    """A fingerprint of every kernel source of this package (name, size, modification time in ns)."""
    parts = []
    for path in sorted(glob.glob(os.path.join(glob.escape(HERE), "*.py"))):
        st = os.stat(path)
        parts.append(f"{os.path.basename(path)}:{st.st_size}:{st.st_mtime_ns}")
    return hashlib.sha1("\n".join(parts).encode()).hexdigest()


def drop_if_stale() -> bool:
    """Delete this package's cached kernels if any of its sources changed since they were cached; True if it did.
    Never raises: a cache that cannot be read or written is left to Numba."""
    stamp = sources_stamp()
    dropped = False
    for folder in cache_dirs(os.path.join(HERE, "jit.py")):
        path = os.path.join(folder, STAMP)
        try:
            with open(path) as f:
                if f.read().strip() == stamp:
                    continue
        except OSError:
            pass
        try:
            for old in glob.glob(os.path.join(glob.escape(folder), "*.nb[ic]")):
                os.unlink(old)
                dropped = True
            os.makedirs(folder, exist_ok=True)
            tmp = f"{path}.{os.getpid()}"
            with open(tmp, "w") as f:
                f.write(stamp + "\n")
            os.replace(tmp, path)
        except OSError:
            pass
    return dropped
