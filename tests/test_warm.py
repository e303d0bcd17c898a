"""The cold-start helper (tianwen.warm): a second process compiles the integrator while a command starts.

What must hold for it to help and never to harm: the child's warm-up compiles the integrator with the very argument
types a real mission uses (otherwise the command would compile again after waiting), the cache check reads Numba's
own cache location, and the helper stays out of the way when the cache is warm or the user turns it off.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tianwen import warm


def _run(code: str, env=None) -> str:
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=900,
                       env=dict(os.environ, **(env or {})))
    assert p.returncode == 0, p.stderr[-2000:]
    return p.stdout.strip().splitlines()[-1]


def test_the_warm_up_compiles_the_signature_a_mission_uses():
    """After the warm-up, reconstructing Tianwen-1 (events, manoeuvres, STM, dense output) adds no second signature
    of the integrator or of the dense-output kernel: one compile serves both, so the child's work is never wasted."""
    out = _run(
        "import json\n"
        "from tianwen.propagate.face import warm_up\n"
        "from tianwen.core.nbody import integrate, dense_many\n"
        "warm_up()\n"
        "before = (len(integrate.signatures), len(dense_many.signatures))\n"
        "from tianwen.reconstruct import reconstruct\n"
        "reconstruct('tianwen-1')\n"
        "print(json.dumps([before, (len(integrate.signatures), len(dense_many.signatures))]))\n")
    before, after = json.loads(out)
    assert before == [1, 1]
    assert after == before


def test_the_cache_check_finds_what_numba_wrote(tmp_path):
    """``is_cached`` answers from the folder Numba itself uses under NUMBA_CACHE_DIR: false for an empty cache,
    true once Numba has written the integrator's index there (checked through Numba's own cache object)."""
    env = {"NUMBA_CACHE_DIR": str(tmp_path)}
    assert _run("from tianwen import warm; print(warm.is_cached('nbody'))", env) == "False"
    index = _run("from tianwen.core.nbody import integrate; print(integrate._cache._cache_file._index_path)", env)
    os.makedirs(os.path.dirname(index), exist_ok=True)
    with open(index, "wb"):
        pass  # the index Numba would write (its folder and name are Numba's; only its presence is read)
    assert _run("from tianwen import warm; print(warm.is_cached('nbody'))", env) == "True"


def test_no_child_when_turned_off_or_warm(monkeypatch):
    """TIANWEN_NO_WARM=1, or a warm cache, starts nothing; joining then returns at once; an unknown task is an
    error naming the known ones."""
    monkeypatch.setenv("TIANWEN_NO_WARM", "1")
    assert warm.start("nbody") is False
    warm.join("nbody")
    monkeypatch.delenv("TIANWEN_NO_WARM")
    monkeypatch.setattr(warm, "is_cached", lambda task: True)
    assert warm.start("nbody") is False
    try:
        warm.start("everything")
    except ValueError as exc:
        assert "nbody" in str(exc)
    else:
        raise AssertionError("an unknown task was accepted")


def test_which_lambert_kernel_a_batch_takes(monkeypatch):
    """Small batches take the scalar kernel (a block of W lanes gains nothing on a handful of problems); larger ones
    the lock-step kernel once it is compiled, and the scalar one before (no minute-long compile in the user's
    way); TIANWEN_LAMBERT_KERNEL forces either."""
    from tianwen.lambert import BLOCK_MIN, KERNEL_ENV, use_block_kernel

    monkeypatch.delenv(KERNEL_ENV, raising=False)
    monkeypatch.setattr(warm, "is_cached", lambda task: True)
    assert not use_block_kernel(BLOCK_MIN - 1) and use_block_kernel(BLOCK_MIN)
    monkeypatch.setattr(warm, "is_cached", lambda task: False)
    monkeypatch.setenv("TIANWEN_NO_WARM", "1")  # and no child is started from a test
    assert not use_block_kernel(10_000)
    monkeypatch.setenv(KERNEL_ENV, "block")
    assert use_block_kernel(1)
    monkeypatch.setenv(KERNEL_ENV, "scalar")
    assert not use_block_kernel(10_000)


def test_the_scalar_grid_warm_up_compiles_the_signature_a_porkchop_uses():
    """The cold porkchop's second process compiles the scalar grid kernel from made-up states (so that it need not
    compile the ephemeris kernel too); a real 2020 porkchop on that kernel then adds no second signature."""
    out = _run(
        "from tianwen.porkchop import porkchop_grid, warm_up_scalar\n"
        "from tianwen.core.transfer import grid_kernel_scalar\n"
        "warm_up_scalar()\n"
        "porkchop_grid(('2020-07-01', '2020-07-20'), ('2021-02-01', '2021-02-20'))\n"
        "print(len(grid_kernel_scalar.signatures))\n", env={"TIANWEN_LAMBERT_KERNEL": "scalar"})
    assert out == "1"


def test_a_change_to_any_kernel_source_drops_the_cached_kernels(tmp_path, monkeypatch):
    """Numba trusts a kernel's cache while the kernel's own file is unchanged, but the machine code also holds
    the kernels it calls from other files (the porkchop grid kernel inlines lambert_block's Izzo): after an edit
    to those alone the old code would run. tianwen.core.cache keeps a stamp of every core source beside the
    cache: an unchanged stamp keeps the cached kernels, a changed one deletes them (here the stamp is changed by
    hand: touching a real source would recompile every kernel of the test session)."""
    from tianwen.core import cache

    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))
    folder = cache.cache_dirs(os.path.join(cache.HERE, "jit.py"))[0]
    cache.drop_if_stale()  # writes the stamp of the sources as they are
    kernel = os.path.join(folder, "transfer.grid_kernel-169.py311.nbi")
    open(kernel, "wb").close()
    assert cache.drop_if_stale() is False and os.path.exists(kernel)
    monkeypatch.setattr(cache, "sources_stamp", lambda: "a source changed")
    assert cache.drop_if_stale() is True and not os.path.exists(kernel)
    assert open(os.path.join(folder, cache.STAMP)).read().strip() == "a source changed"


def test_the_event_warm_up_compiles_the_signature_the_integrator_calls():
    """On a cold mission the command's process compiles the event location while the second one compiles the
    integrator: the integrator must find that very compile (one signature of Brent's method after a mission)."""
    out = _run(
        "from tianwen.propagate.face import warm_up_events\n"
        "from tianwen.core import nbody\n"
        "warm_up_events()\n"
        "from tianwen.reconstruct import reconstruct\n"
        "reconstruct('tianwen-1')\n"
        "print(len(nbody._brent.signatures), len(nbody.integrate.signatures))\n")
    assert out == "1 1"
