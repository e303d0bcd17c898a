"""CCSDS Orbit Ephemeris Message (OEM 2.0, KVN) export of propagated trajectories.

Format: CCSDS 502.0-B-2, *Orbit Data Messages*, Blue Book issue 2 (November 2009), section 5 (OEM) — a
header (``CCSDS_OEM_VERS = 2.0``, ``CREATION_DATE``, ``ORIGINATOR``), then one or more segments, each a
metadata block (``META_START`` .. ``META_STOP``: object, centre, frame, time system, start/stop times,
interpolation hint) and its ephemeris lines ``epoch x y z x_dot y_dot z_dot`` in km and km/s.

What tianwen writes:

* **one segment per coast arc**: a :class:`tianwen.propagate.ManoeuvreTrajectory` gives one segment between
  consecutive impulsive manoeuvres, so a manoeuvre is a segment break: the segment before it ends at the
  burn epoch with the pre-burn state, the next one starts there with the post-burn state. (An OEM may hold
  several segments, each with its own metadata; a reader interpolates within a segment only, so a velocity
  discontinuity must not lie inside one.) Each manoeuvre is described in a ``COMMENT`` after the
  ``META_START`` of the segment it starts, where the standard allows metadata comments;
* states sampled every ``step_s`` seconds from each segment's start, plus its exact end; epochs written to
  the microsecond in the chosen time system (UTC by default, leap seconds as ``23:59:60``), and each state
  evaluated at the epoch *as printed* (read back from the text), so epoch and state agree to round-off;
* numbers with 16 significant digits (the most the standard's examples and the ``oem`` package's checks
  allow), i.e. to ~1e-16 relative;
* ``REF_FRAME = EME2000`` by default, with the ICRF-axis numbers of DE421. This is NAIF's convention (the
  "J2000" frame of SPICE and of the JPL DE files is realised by the ICRF axes); the 23-mas frame bias between
  the dynamical EME2000 and the ICRF — up to ~25 km at 1.5 AU — is *not* applied. Write
  ``frame="ICRF"`` to state the axes literally;
* written atomically: to a temporary file in the target directory, re-read with the independent ``oem``
  PyPI package (Brad Sease's OEM tools), checked against the states written, and only then renamed onto
  ``path``. A failure at any point leaves no file behind and raises :class:`TianwenError`.

>>> # write_oem("cruise.oem", trajectory, object_name="TIANWEN-1", object_id="2020-049A", step_s=3600.0)
"""

from __future__ import annotations

import datetime as _dt
import math
import os
from pathlib import Path

import numpy as np

from .bodies import body as _lookup_body
from .errors import TianwenError
from .files import atomic_write, check_output
from .time import SCALES, Epoch, epoch as _epoch

__all__ = ["write_oem", "read_oem", "OEM_CENTER_NAMES"]

#: OEM CENTER_NAME for tianwen body names: NAIF names of the bodies DE421 gives (barycentres for 4-9).
OEM_CENTER_NAMES = {
    "sun": "SUN", "mercury": "MERCURY", "venus": "VENUS", "earth": "EARTH", "moon": "MOON",
    "emb": "EARTH BARYCENTER", "mars": "MARS BARYCENTER", "jupiter": "JUPITER BARYCENTER",
    "saturn": "SATURN BARYCENTER", "uranus": "URANUS BARYCENTER", "neptune": "NEPTUNE BARYCENTER",
    "pluto": "PLUTO BARYCENTER",
}
_FRAMES = ("EME2000", "ICRF")
_EPOCH_DIGITS = 6  # microseconds
_NUMBER = "{: .15e}"  # 16 significant digits
#: Largest file write_oem makes by default, in states (data lines): about 320 MiB at ~160 bytes a line.
MAX_STATES = int(os.environ.get("TIANWEN_MAX_OEM_STATES", 2_000_000))
#: Files up to this many states are re-read with the ``oem`` package before they replace the target.
VALIDATE_MAX_STATES = 200_000
_BYTES_PER_LINE = 160
_CHUNK = 20_000  # states evaluated and written at a time


def _center(center: str) -> tuple[str, str]:
    """(tianwen body name, OEM CENTER_NAME) for a tianwen name or an OEM/NAIF name."""
    text = str(center).strip()
    by_oem = {v: k for k, v in OEM_CENTER_NAMES.items()}
    if text.upper() in by_oem:
        return by_oem[text.upper()], text.upper()
    try:
        name = _lookup_body(text).name
    except TianwenError:
        raise TianwenError(f"OEM centre {center!r} is unknown; use one of {', '.join(OEM_CENTER_NAMES.values())}") \
            from None
    return name, OEM_CENTER_NAMES[name]


def _segments_of(trajectory) -> tuple[list, list]:
    """(coast arcs, manoeuvre per arc or None) from a ManoeuvreTrajectory, a Trajectory or a list of them."""
    from .propagate import ManoeuvreTrajectory, Trajectory

    if isinstance(trajectory, ManoeuvreTrajectory):
        arcs = list(trajectory.segments)
        burns = [None] * len(arcs)
        for when, dv in trajectory.manoeuvres:
            # The arc that starts (in time) at the burn carries its post-burn state, forwards or backwards.
            gaps = [abs(float(a.span[0] - when)) * 86400.0 for a in arcs]
            k = int(np.argmin(gaps))
            if gaps[k] < 1e-6:
                burns[k] = (when, dv)
        return arcs, burns
    if isinstance(trajectory, Trajectory):
        return [trajectory], [None]
    arcs = list(trajectory)
    if not arcs or not all(isinstance(a, Trajectory) for a in arcs):
        raise TianwenError("segments must be a ManoeuvreTrajectory, a Trajectory or a non-empty list of "
                           "Trajectory objects (from tianwen.propagate)")
    return arcs, [None] * len(arcs)


def _sample(arc, step_s: float, scale: str) -> tuple[list[str], Epoch]:
    """Epoch strings (scale ``scale``, to the microsecond) from the arc's start to its end, and the epochs they
    denote (read back from the text)."""
    span = arc.span  # TDB, in time order
    a, b = span[0].to(scale), span[1].to(scale)
    # A regular grid in the file's own time scale (SI seconds; through TAI for UTC), then the exact end.
    # The span measured in the seconds the grid is laid in (TAI for UTC: the grid steps through TAI), so the
    # last grid point and the end never print alike (TDB and TAI seconds differ by up to ~2 ms over months).
    ref = "tai" if scale == "utc" else scale
    ra, rb = span[0].to(ref), span[1].to(ref)
    length = float((rb.jd1 - ra.jd1) + (rb.jd2 - ra.jd2)) * 86400.0
    n = int(math.floor(length / step_s + 1e-9))
    offsets = np.arange(n + 1) * step_s
    offsets = offsets[offsets < length - 1e-3]
    grid = a + offsets / 86400.0
    text = np.concatenate([np.atleast_1d(grid.iso(_EPOCH_DIGITS)), [b.iso(_EPOCH_DIGITS)]])
    # Read the printed epochs back so that each state is evaluated where the file says it is.
    back = _epoch(np.array([f"{s} {scale.upper()}" for s in text]))
    if len(set(text)) != len(text):
        raise TianwenError(f"step_s={step_s!r} s gives equal epochs at microsecond resolution; use a longer step")
    return list(text), back.to("tdb")


def _comment(text: str, width: int = 100) -> list[str]:
    """``COMMENT`` lines holding ``text``, wrapped so that no KVN line exceeds the standard's 254 characters."""
    words, lines, line = text.split(), [], ""
    for w in words:
        if line and len(line) + 1 + len(w) > width:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}" if line else w
    lines.append(line)
    return [f"COMMENT {x}"[:254] for x in lines]


def _format(value: float) -> str:
    return _NUMBER.format(float(value))


def check_size(span_s: float, step_s: float, max_states: int | None = None) -> int:
    """The number of states an OEM of ``span_s`` seconds sampled every ``step_s`` seconds holds; refuses (before
    any work) a step that is not a positive number or a file over ``max_states`` (default :data:`MAX_STATES`)."""
    if not (isinstance(step_s, (int, float)) and math.isfinite(step_s) and step_s >= 1e-3):
        raise TianwenError(f"step_s={step_s!r}: give the sampling step in seconds (at least 1e-3)")
    limit = MAX_STATES if max_states is None else int(max_states)
    total = int(float(span_s) / float(step_s)) + 2
    if total > limit:
        raise TianwenError(f"step_s={step_s!r} s gives {total:,} states ({total * _BYTES_PER_LINE / 2**20:,.0f} MiB), "
                           f"over the limit of {limit:,}; use a longer step or raise max_states (TIANWEN_MAX_OEM_STATES)")
    return total


def write_oem(path, segments, *, object_name: str, object_id: str, step_s: float = 3600.0, center: str = "SUN",
              frame: str = "EME2000", time_system: str = "UTC", originator: str = "tianwen",
              comments=(), validate: bool = True, max_states: int | None = None) -> Path:
    """Write propagated coast arcs to ``path`` as a CCSDS OEM 2.0 (KVN) file; return the path.

    ``segments`` is a :class:`tianwen.propagate.ManoeuvreTrajectory` (one OEM segment per coast arc, the
    manoeuvres as segment breaks), a :class:`tianwen.propagate.Trajectory`, or a list of them; every arc
    must have been propagated with ``dense=True``. ``step_s`` is the sampling step (s). ``center`` is
    ``SUN`` or another body (tianwen or NAIF name: states are then relative to it, from DE421); ``frame``
    ``EME2000`` or ``ICRF`` (same numbers, see the module docstring); ``time_system`` UTC, TAI, TT or TDB.
    The file is streamed to a temporary file beside ``path`` and renamed into place when complete
    (:func:`tianwen.files.atomic_write`). Files of up to :data:`VALIDATE_MAX_STATES` states are first re-read
    with the independent ``oem`` package and compared with what was meant (larger ones would cost the reader
    gigabytes). More than ``max_states`` states (default :data:`MAX_STATES`) are refused before any work.
    """
    if not (isinstance(step_s, (int, float)) and math.isfinite(step_s) and step_s >= 1e-3):
        raise TianwenError(f"step_s={step_s!r}: give the sampling step in seconds (at least 1e-3)")
    fr = str(frame).strip().upper()
    if fr not in _FRAMES:
        raise TianwenError(f"frame {frame!r}: tianwen writes its ICRF axes as EME2000 or ICRF; use one of those")
    scale = str(time_system).strip().lower()
    if scale not in SCALES:
        raise TianwenError(f"time_system {time_system!r}: use one of {', '.join(s.upper() for s in SCALES)}")
    for label, value in (("object_name", object_name), ("object_id", object_id), ("originator", originator)):
        if not str(value).strip() or "\n" in str(value):
            raise TianwenError(f"{label} {value!r} must be a non-empty single line")
    center_name, center_oem = _center(center)
    arcs, burns = _segments_of(segments)
    for k, arc in enumerate(arcs):
        if arc._dense is None:
            raise TianwenError(f"segment {k + 1} was propagated without dense output; "
                               "propagate with dense=True to write it as an OEM")

    # Size first: refuse what would not fit before any work (the file is streamed to disk, never built in memory).
    ephemeris = arcs[0].model.ephemeris
    limit = MAX_STATES if max_states is None else int(max_states)
    total = sum(int(float(arc.span[1] - arc.span[0]) * 86400.0 / float(step_s)) + 2 for arc in arcs)
    if total > limit:
        raise TianwenError(f"step_s={step_s!r} s gives {total:,} states ({total * _BYTES_PER_LINE / 2**20:,.0f} MiB), "
                           f"over the limit of {limit:,}; use a longer step or raise max_states (TIANWEN_MAX_OEM_STATES)")
    target = Path(path)
    if target.is_dir():
        raise TianwenError(f"OEM path {str(target)!r} is a directory; give a file name such as "
                           f"{str(target / 'cruise.oem')!r}")
    check_output(target)
    created = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    header = ["CCSDS_OEM_VERS = 2.0"]
    for c in comments:
        header += _comment(str(c))
    header += _comment(f"Propagated by tianwen: {arcs[0].model!r}")
    header += _comment("Axes: ICRF as realised by the JPL DE ephemeris (NAIF's J2000); frame bias not applied")
    header += [f"CREATION_DATE = {created}", f"ORIGINATOR = {originator}", ""]
    check = validate and total <= VALIDATE_MAX_STATES
    written = []
    ordered = sorted(range(len(arcs)), key=lambda i: float(arcs[i].span[0] - arcs[0].span[0]))
    with atomic_write(target) as tmp:
        with open(tmp, "w", encoding="ascii", newline="\n") as f:
            f.write("\n".join(header) + "\n")
            for number, k in enumerate(ordered, start=1):
                arc = arcs[k]
                text, tdb = _sample(arc, float(step_s), scale)
                lines = ["META_START", f"COMMENT Segment {number} of {len(arcs)}: coast arc"
                         + (f" after a terminal event ({arc.terminated_by.name} {arc.terminated_by.body})"
                            if arc.terminated_by is not None else "")]
                if burns[k] is not None:
                    when, dv = burns[k]
                    lines.append(f"COMMENT Starts with an impulsive manoeuvre at {when.to(scale).iso(_EPOCH_DIGITS)} "
                                 f"{scale.upper()}: dv = [{dv[0]:.9f}, {dv[1]:.9f}, {dv[2]:.9f}] km/s "
                                 f"({float(np.linalg.norm(dv)) * 1000.0:.6f} m/s)")
                lines += [
                    f"OBJECT_NAME = {object_name}", f"OBJECT_ID = {object_id}", f"CENTER_NAME = {center_oem}",
                    f"REF_FRAME = {fr}", f"TIME_SYSTEM = {scale.upper()}", f"START_TIME = {text[0]}",
                    f"USEABLE_START_TIME = {text[0]}", f"USEABLE_STOP_TIME = {text[-1]}", f"STOP_TIME = {text[-1]}",
                    "INTERPOLATION = HERMITE", "INTERPOLATION_DEGREE = 7", "META_STOP", "",
                ]
                f.write("\n".join(lines) + "\n")
                rs, vs = [], []
                for i0 in range(0, len(text), _CHUNK):
                    i1 = min(len(text), i0 + _CHUNK)
                    r, v = arc.state(tdb[i0:i1])
                    if center_name != "sun":
                        from .propagate import relative_state

                        rc, vc = relative_state(ephemeris, center_name, "sun", tdb[i0:i1])
                        r, v = r - rc, v - vc
                    if not (np.all(np.isfinite(r)) and np.all(np.isfinite(v))):
                        raise TianwenError(f"segment {number} has non-finite states; nothing was written")
                    f.write("".join(text[i0 + i] + " " + " ".join(_format(x) for x in (*r[i], *v[i])) + "\n"
                                    for i in range(i1 - i0)))
                    if check:
                        rs.append(r)
                        vs.append(v)
                f.write("\n")
                if check:
                    written.append((text, tdb, np.concatenate(rs), np.concatenate(vs)))
        if check:
            _validate(tmp, written, object_name, object_id, center_oem, fr, scale)
    return target


def _oem_package():
    try:
        import oem  # the PyPI package (absolute import: this module is tianwen.oem)
    except ImportError:
        raise TianwenError("the 'oem' package is needed to validate OEM files: pip install oem") from None
    if not hasattr(oem, "OrbitEphemerisMessage"):
        raise TianwenError(f"module 'oem' at {getattr(oem, '__file__', '?')} is not the PyPI 'oem' package")
    return oem


def _epochs_of(states, scale: str) -> Epoch:
    """The epochs of the ``oem`` package's states (astropy Time, two-part JD in the file's scale) as an Epoch."""
    jd1 = np.array([float(s.epoch.jd1) for s in states])
    jd2 = np.array([float(s.epoch.jd2) for s in states])
    if scale not in SCALES:
        raise TianwenError(f"OEM TIME_SYSTEM {scale.upper()} is not one tianwen reads ({', '.join(SCALES).upper()})")
    return Epoch(jd1, jd2, scale)


def _validate(path, written, object_name, object_id, center_oem, frame, scale) -> None:
    """Re-read ``path`` with the ``oem`` package and compare with what was meant to be written."""
    oem = _oem_package()
    try:
        msg = oem.OrbitEphemerisMessage.open(str(path))
    except Exception as exc:  # the package raises ValueError and others on a malformed file
        raise TianwenError(f"the OEM file did not re-read with the oem package ({exc}); nothing was written") \
            from None
    segs = list(msg)
    if msg.version != "2.0" or len(segs) != len(written):
        raise TianwenError(f"the OEM file re-read as version {msg.version} with {len(segs)} segments, "
                           f"expected 2.0 with {len(written)}; nothing was written")
    for seg, (text, tdb, r, v) in zip(segs, written):
        meta = seg.metadata
        expected = {"OBJECT_NAME": object_name, "OBJECT_ID": object_id, "CENTER_NAME": center_oem,
                    "REF_FRAME": frame, "TIME_SYSTEM": scale.upper()}
        for key, value in expected.items():
            if str(meta[key]) != str(value):
                raise TianwenError(f"OEM re-read: {key} = {meta[key]!r}, expected {value!r}; nothing was written")
        states = list(seg.states)
        if len(states) != len(text):
            raise TianwenError(f"OEM re-read: {len(states)} states in a segment, expected {len(text)}")
        pos = np.array([s.position for s in states])
        vel = np.array([s.velocity for s in states])
        t_read = _epochs_of(states, scale)
        dt_s = np.abs(((t_read.jd1 - tdb.to(scale).jd1) + (t_read.jd2 - tdb.to(scale).jd2)) * 86400.0)
        if not (np.max(np.abs(pos - r) / np.maximum(np.linalg.norm(r, axis=1), 1.0)[:, None]) < 1e-15
                and np.max(np.abs(vel - v) / np.maximum(np.linalg.norm(v, axis=1), 1e-3)[:, None]) < 1e-15
                and np.max(dt_s) < 1e-6):
            raise TianwenError("OEM re-read: states or epochs differ from those written; nothing was written")


def read_oem(path) -> list[dict]:
    """Read an OEM file with the ``oem`` package: one dict per segment with ``metadata`` (dict of str),
    ``epochs`` (:class:`Epoch` in the file's time system), ``r_km`` and ``v_kms`` ((n, 3) arrays)."""
    oem = _oem_package()
    try:
        msg = oem.OrbitEphemerisMessage.open(str(path))
    except FileNotFoundError:
        raise TianwenError(f"OEM file {str(path)!r} does not exist") from None
    except Exception as exc:
        raise TianwenError(f"cannot read OEM file {str(path)!r}: {exc}") from None
    out = []
    for seg in msg:
        meta = {k: str(seg.metadata[k]) for k in seg.metadata}
        scale = meta["TIME_SYSTEM"].lower()
        states = list(seg.states)
        t = _epochs_of(states, scale)
        out.append({"metadata": meta, "epochs": t, "r_km": np.array([s.position for s in states]),
                    "v_kms": np.array([s.velocity for s in states])})
    return out
