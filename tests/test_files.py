"""tianwen.files: every output written atomically, with the user's umask, and nothing left behind.

The contract (issue 21 item 1, issue 19 "Files"): a temporary file in the target's folder, fsync, rename; mode
0666 less the umask (0644 under 022, as `touch` would give); the temporary file removed on an exception, on
SIGTERM, and (after a ``kill -9``) by the next write to the same target. A full disk and a read-only folder give
one-line errors and leave the previous file as it was. The full disk and the read-only folder are real: a small
tmpfs mounted for the test (root only; skipped with the reason where mounting is not allowed).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from tianwen.errors import TianwenError
from tianwen.files import atomic_write, check_output


def _leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_mode_follows_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        with atomic_write(tmp_path / "a.csv") as tmp:
            open(tmp, "w").write("x\n")
        os.umask(0o077)
        with atomic_write(tmp_path / "b.csv") as tmp:
            open(tmp, "w").write("x\n")
    finally:
        os.umask(old)
    assert oct((tmp_path / "a.csv").stat().st_mode & 0o777) == "0o644"
    assert oct((tmp_path / "b.csv").stat().st_mode & 0o777) == "0o600"


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temp(tmp_path):
    target = tmp_path / "keep.csv"
    target.write_text("previous\n")
    with pytest.raises(RuntimeError):
        with atomic_write(target) as tmp:
            open(tmp, "w").write("half")
            raise RuntimeError("boom")
    assert target.read_text() == "previous\n"
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("path, message", [
    ("missing/x.csv", "does not exist"),
    ("x.pdf", "unknown format"),
    ("", "folder"),
    ("x" * 300 + ".csv", "too long"),
])
def test_check_output_refuses_before_any_work(tmp_path, path, message):
    with pytest.raises(TianwenError, match=message):
        check_output(tmp_path / path if path else str(tmp_path) + os.sep, (".csv", ".png"))


def _mount_tmpfs(folder, options):
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root: the full-disk and read-only cases are not tested here")
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({r.stderr.strip()}): full-disk and read-only cases not tested")


def test_full_disk_keeps_the_previous_file(tmp_path):
    disk = tmp_path / "disk"
    disk.mkdir()
    _mount_tmpfs(disk, "size=64k")
    try:
        target = disk / "out.csv"
        target.write_text("previous good file\n")
        with pytest.raises(TianwenError, match="full"):
            with atomic_write(target) as tmp:
                with open(tmp, "w") as f:
                    f.write("y" * 200_000)
        assert target.read_text() == "previous good file\n"
        assert _leftovers(disk) == []
    finally:
        subprocess.run(["umount", str(disk)], check=False)


def test_read_only_folder_is_refused_before_writing(tmp_path):
    disk = tmp_path / "ro"
    disk.mkdir()
    _mount_tmpfs(disk, "ro,size=64k")
    try:
        with pytest.raises(TianwenError, match="not writable|cannot write"):
            with atomic_write(disk / "out.csv") as tmp:
                open(tmp, "w").write("x")
    finally:
        subprocess.run(["umount", str(disk)], check=False)


_WRITER = textwrap.dedent("""
    import sys, time
    from tianwen.files import atomic_write
    with atomic_write(sys.argv[1]) as tmp:
        open(tmp, "w").write("partial")
        print("writing", flush=True)
        time.sleep(60)
""")


def _start_writer(target):
    p = subprocess.Popen([sys.executable, "-c", _WRITER, str(target)], stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "writing"
    return p


def test_sigterm_during_a_write_removes_the_temp(tmp_path):
    target = tmp_path / "t.csv"
    p = _start_writer(target)
    p.send_signal(signal.SIGTERM)
    assert p.wait(30) == 128 + signal.SIGTERM
    assert _leftovers(tmp_path) == [] and not target.exists()


def test_kill_9_leftovers_are_cleaned_by_the_next_write(tmp_path):
    target = tmp_path / "k.csv"
    p = _start_writer(target)
    p.kill()
    p.wait(30)
    time.sleep(0.1)
    assert len(_leftovers(tmp_path)) == 1  # what kill -9 leaves: it cannot be caught
    with atomic_write(target) as tmp:
        open(tmp, "w").write("done\n")
    assert _leftovers(tmp_path) == [] and target.read_text() == "done\n"
