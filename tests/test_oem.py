"""Tests of tianwen.oem: CCSDS OEM 2.0 export of propagated cruises.

Reference: CCSDS 502.0-B-2, *Orbit Data Messages* (Blue Book, 2009), section 5. The independent parser is the
``oem`` PyPI package (Brad Sease's OEM tools, which itself checks the message against the standard's
constraints: required keywords, epoch order, non-overlapping segments); every file written here is read back
with it and the states compared with the propagator's, to the precision printed (16 significant digits, so
1e-15 relative) and epochs to the microsecond printed.
"""

import os

import numpy as np
import pytest

from tianwen.ephemeris import get_ephemeris, state
from tianwen.errors import TianwenError
from tianwen.oem import read_oem, write_oem
from tianwen.propagate import NBodyModel, propagate, propagate_with_manoeuvres
from tianwen.time import Epoch, epoch

oem = pytest.importorskip("oem", reason="the oem package (PyPI) is the independent OEM parser")

DE421 = get_ephemeris("de421")
T0 = epoch("2020-07-30T12:00:00")  # UTC
BURNS = [(T0 + 7.3, np.array([0.001, -0.002, 0.0005])), (T0 + 14.0, np.array([0.0, 0.0, 0.01]))]


@pytest.fixture(scope="module")
def cruise():
    """Three coast arcs of a 2020 Mars departure, 20 days, two impulsive manoeuvres, dense output."""
    r, v = DE421.heliocentric("earth", T0.tdb)
    r0 = r[0] + 1e6 * v[0] / np.linalg.norm(v[0])
    return propagate_with_manoeuvres(r0, 1.09 * v[0], T0, BURNS, T0 + 20, model=NBodyModel(), dense=True)


def as_epoch(times, scale):
    """astropy Time (the oem package's epochs) -> tianwen Epoch, through the two-part Julian date."""
    return Epoch(np.array([float(t.jd1) for t in times]), np.array([float(t.jd2) for t in times]), scale)


def relerr(a, b):
    return np.max(np.abs(a - b) / np.maximum(np.linalg.norm(b, axis=-1), 1e-300)[..., None])


def test_oem_rereads_with_the_oem_package_and_matches_the_propagated_states(cruise, tmp_path):
    """Header and metadata keywords of CCSDS 502.0-B-2 Tables 5-2 and 5-3 are present; each state read back
    by the ``oem`` package equals ``trajectory.state`` at the epoch read back, to 1e-15 relative (the 16
    printed digits) in position and velocity."""
    path = write_oem(tmp_path / "cruise.oem", cruise, object_name="TIANWEN-TEST", object_id="2020-999A",
                     step_s=6 * 3600.0, comments=["test file"])
    msg = oem.OrbitEphemerisMessage.open(str(path))
    assert msg.version == "2.0"
    assert msg.header["ORIGINATOR"] == "tianwen"
    assert "CREATION_DATE" in msg.header
    segments = list(msg)
    assert len(segments) == 3  # two manoeuvres: three coast arcs
    n_states = 0
    for seg in segments:
        meta = seg.metadata
        for key, value in {"OBJECT_NAME": "TIANWEN-TEST", "OBJECT_ID": "2020-999A", "CENTER_NAME": "SUN",
                           "REF_FRAME": "EME2000", "TIME_SYSTEM": "UTC", "INTERPOLATION": "HERMITE"}.items():
            assert meta[key] == value
        states = list(seg.states)
        t = as_epoch([s.epoch for s in states], "utc")
        pos = np.array([s.position for s in states])
        vel = np.array([s.velocity for s in states])
        # Evaluate the coast arc the segment was written from (at a burn epoch the ManoeuvreTrajectory gives
        # the post-burn state; the segment before it ends with the pre-burn one).
        arc = cruise.segments[segments.index(seg)]
        r, v = arc.state(t)
        assert relerr(pos, r) < 1e-15
        assert relerr(vel, v) < 1e-15
        n_states += len(states)
    # 6-hour grids from each arc's start, plus its exact end: 7.3 d -> 30 + 1, 6.7 d -> 27 + 1, 6 d -> 24 + 1
    assert n_states == 31 + 28 + 25
    text = path.read_text()
    assert text.startswith("CCSDS_OEM_VERS = 2.0\n") and "COMMENT test file" in text


def test_manoeuvres_are_segment_breaks(cruise, tmp_path):
    """An OEM reader interpolates within a segment only (CCSDS 502.0-B-2 sec. 5), so an impulsive burn - a
    velocity discontinuity - starts a new segment. Segment k stops
    where segment k+1 starts, at the burn epoch (to the printed microsecond); the position is continuous and
    the velocity jumps by dv (to 1e-12 km/s: 16 digits of ~30 km/s); each burn is described in a COMMENT."""
    path = write_oem(tmp_path / "cruise.oem", cruise, object_name="X", object_id="Y", step_s=86400.0)
    segs = list(oem.OrbitEphemerisMessage.open(str(path)))
    for k, (when, dv) in enumerate(BURNS):
        a, b = list(segs[k].states), list(segs[k + 1].states)
        assert segs[k].metadata["STOP_TIME"] == segs[k + 1].metadata["START_TIME"]
        t_burn = as_epoch([b[0].epoch], "utc")[0]
        assert abs(float(t_burn - when.tdb)) * 86400.0 < 1e-6
        assert np.linalg.norm(a[-1].position - b[0].position) < 1e-6  # km: the same point
        assert np.allclose(b[0].velocity - a[-1].velocity, dv, rtol=0, atol=1e-12)
    text = path.read_text()
    assert text.count("Starts with an impulsive manoeuvre") == 2
    assert text.count("META_START") == 3


def test_leap_second_epoch_is_written_and_read(tmp_path):
    """A 20-second UTC arc across the leap second of 2016-12-31 sampled every SI second: 22 epochs including
    ``2016-12-31T23:59:60.000000`` (ERFA and astropy both count it); states match to 1e-15 relative."""
    t0, t1 = epoch("2016-12-31T23:59:50"), epoch("2017-01-01T00:00:10")
    r, v = DE421.heliocentric("earth", t0.tdb)
    tr = propagate(r[0] + [1e6, 0, 0], v[0] * 1.1, t0, t1, model=NBodyModel(), dense=True)
    path = write_oem(tmp_path / "leap.oem", tr, object_name="LEAP", object_id="2016-000A", step_s=1.0)
    assert "2016-12-31T23:59:60.000000 " in path.read_text()
    (seg,) = read_oem(path)
    assert len(seg["epochs"]) == 22
    rs, vs = tr.state(seg["epochs"])
    assert relerr(seg["r_km"], rs) < 1e-15 and relerr(seg["v_kms"], vs) < 1e-15


def test_mars_centred_tdb_file(cruise, tmp_path):
    """CENTER_NAME = MARS BARYCENTER and TIME_SYSTEM = TDB: states are the trajectory minus DE421's Mars
    (tianwen.ephemeris.state with center="mars", to 1e-15 relative) at TDB epochs read back by the package."""
    path = write_oem(tmp_path / "m.oem", cruise.segments[0], object_name="X", object_id="Y", step_s=43200.0,
                     center="mars", time_system="TDB", frame="ICRF")
    (seg,) = list(oem.OrbitEphemerisMessage.open(str(path)))
    assert seg.metadata["CENTER_NAME"] == "MARS BARYCENTER" and seg.metadata["TIME_SYSTEM"] == "TDB"
    assert seg.metadata["REF_FRAME"] == "ICRF"
    states = list(seg.states)
    t = as_epoch([s.epoch for s in states], "tdb")
    r, _ = state(cruise.segments[0], t, center="mars")
    assert relerr(np.array([s.position for s in states]), r) < 1e-15


def test_bad_path_and_failures_leave_no_file(cruise, tmp_path):
    """Errors are TianwenError naming the problem, and nothing half-written is left: not the target, not the
    temporary file; an existing file survives a failed overwrite untouched (write to temp + rename)."""
    with pytest.raises(TianwenError, match="folder .* does not exist"):
        write_oem(tmp_path / "missing" / "x.oem", cruise, object_name="X", object_id="Y")
    assert not (tmp_path / "missing").exists()
    with pytest.raises(TianwenError, match="is a directory"):
        write_oem(tmp_path, cruise, object_name="X", object_id="Y")
    not_dense = propagate([1.5e8, 0, 0], [0, 30, 0], T0, T0 + 1, model=NBodyModel(perturbers=()))
    with pytest.raises(TianwenError, match="dense=True"):
        write_oem(tmp_path / "nd.oem", not_dense, object_name="X", object_id="Y")
    with pytest.raises(TianwenError, match="time_system"):
        write_oem(tmp_path / "ts.oem", cruise, object_name="X", object_id="Y", time_system="GPS")
    with pytest.raises(TianwenError, match="frame"):
        write_oem(tmp_path / "f.oem", cruise, object_name="X", object_id="Y", frame="GCRF")

    target = tmp_path / "keep.oem"
    target.write_text("previous content\n")

    def broken_open(path):
        raise ValueError("simulated parser failure")

    mp = pytest.MonkeyPatch()
    mp.setattr(oem.OrbitEphemerisMessage, "open", staticmethod(broken_open))
    try:
        with pytest.raises(TianwenError, match="did not re-read"):
            write_oem(target, cruise, object_name="X", object_id="Y")
    finally:
        mp.undo()
    assert target.read_text() == "previous content\n"
    assert sorted(os.listdir(tmp_path)) == ["keep.oem"]
