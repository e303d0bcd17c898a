"""Data that ages (issue 19, "Current data"): the Earth-orientation file and its predictions' end, a user's own
JPL SPK file in place of DE421, and single-epoch ``geometry``.

References, none written by us:

* The IERS ``finals2000A.all`` file itself, read in the tests with plain column slicing after the IERS format
  description (``ReadMe.finals2000A`` shipped beside it: MJD in columns 8-15, the UT1-UTC flag in column 58,
  UT1-UTC in columns 59-68, polar motion x in 19-27 and y in 38-46).
* JPL DE421's own Chebyshev coefficients (``de421.bsp`` from skyfield-data, read with jplephem), written into a
  new SPK type-2 file by NAIF's SPICE toolkit (``spiceypy.spkw02``, test-only): a file we did not write the
  format of, holding the same numbers, so tianwen must read it to the same states.
* skyfield's DE421 reader for the states of that file (an independent Chebyshev evaluator).
"""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest

from tianwen.errors import OutOfRangeError, TianwenError, UnknownBodyError
from tianwen.time import Epoch, epoch
from tianwen.tracking import earth_orientation, geometry, utc_grid
from tianwen.tracking.earth import EOPWarning, eop_source

# --------------------------------------------------------------------------------------------------------
# Earth orientation
# --------------------------------------------------------------------------------------------------------


def _finals_rows(path):
    """(MJD, flag, UT1-UTC s, xp, yp) of every row with a UT1-UTC value, by the IERS column layout."""
    rows = []
    with open(path, "rb") as f:
        for line in f:
            line = line.decode("ascii").rstrip("\n")
            if len(line) > 68 and line[57] in "IP":
                rows.append((float(line[7:15]), line[57], float(line[58:68]), float(line[18:27]),
                             float(line[37:46])))
    return rows


def test_earth_orientation_file_is_current():
    """The file tianwen reads is astropy-iers-data's (installed from PyPI, updated weekly), and its
    predictions run past 2026-12-01 (skyfield-data 7.0's ended on 2026-08-29, the issue's complaint). The last
    prediction day is the file's last row with a UT1-UTC value, read here by the IERS column layout."""
    info = eop_source()
    assert info["package"] == "astropy-iers-data"
    rows = _finals_rows(info["path"])
    last = Epoch(2400000.5, rows[-1][0], "utc").date()
    assert info["predictions_end_utc"] == last
    assert info["predictions_end_utc"] > "2026-12-01"
    assert rows[-1][1] == "P" and info["measured_end_utc"] < info["predictions_end_utc"]


def test_ut1_and_polar_motion_are_the_files_values():
    """At 0h UTC of three table days (one measured in 1990, the last measured day, a predicted day after
    2026-12-01), UT1-UTC and polar motion equal the file's columns (1 us, 1 uas: the table is interpolated in
    UT1-TAI, which at a table node is the node's value exactly, up to float rounding)."""
    rows = {int(r[0]): r for r in _finals_rows(eop_source()["path"])}
    info = eop_source()
    days = ["1990-01-01", info["measured_end_utc"], "2027-02-01"]
    mjd = [int(round(float(epoch(d).jd) - 2400000.5)) for d in days]
    dut1, xp, yp = earth_orientation(days)
    for k, m in enumerate(mjd):
        assert abs(dut1[k] - rows[m][2]) < 1e-6 and abs(xp[k] - rows[m][3]) < 1e-6 and abs(yp[k] - rows[m][4]) < 1e-6
    assert rows[mjd[2]][1] == "P"


def test_past_the_predictions_a_one_line_warning_names_the_date():
    """An epoch after the predictions' end gets UT1 = UTC and no polar motion (the documented model) and an
    EOPWarning: one line naming the date the predictions run out and the model used beyond. An epoch inside
    gives no warning."""
    end = eop_source()["predictions_end_utc"]
    later = Epoch(float(epoch(end).jd) + 30.0, 0.0, "utc")
    with pytest.warns(EOPWarning) as caught:
        dut1, xp, yp = earth_orientation(later)
    message = str(caught[0].message)
    assert end in message and "UT1 = UTC" in message and "\n" not in message
    assert float(dut1) == 0.0 and float(xp) == 0.0 and float(yp) == 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("error", EOPWarning)
        earth_orientation("2026-12-06T12:00:00")


def test_geometry_names_the_model_used_beyond(cli):
    """``geometry`` with a site past the predictions: the dataset says which model was used beyond, and the
    command prints it, with the warning as exactly one ``warning:`` line on stderr (status 0)."""
    end = eop_source()["predictions_end_utc"]
    later = Epoch(float(epoch(end).jd) + 60.0, 0.0, "utc").date()
    with pytest.warns(EOPWarning):
        ds = geometry("mars", [later], "kashi")
    assert end in ds.attrs["earth_orientation_beyond"] and "UT1 = UTC" in ds.attrs["earth_orientation_beyond"]
    assert "astropy-iers-data" in ds.attrs["earth_orientation"]
    inside = geometry("mars", ["2026-12-06"], "kashi")
    assert inside.attrs["earth_orientation_beyond"] == ""
    p = cli("geometry", "--from", later, "--to", later, "--station", "kashi")
    assert p.returncode == 0, p.stderr
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("warning:") and end in lines[0]
    assert f"after {end}: UT1 = UTC" in p.stdout


# --------------------------------------------------------------------------------------------------------
# Single-epoch geometry
# --------------------------------------------------------------------------------------------------------


def test_single_epoch_geometry(cli):
    """``geometry --from D --to D`` (the issue's refused case) gives one row, the library's value at D: range to
    Mars at Tianwen-1's orbit insertion 2021-02-10T11:52 UTC, 1.92e8 km (CNSA: "about 192 million km",
    docs/research/references.md §5; 0.5 % covers the rounding of the published figure). A reversed window is
    still refused."""
    t = utc_grid("2021-02-10T11:52:00", "2021-02-10T11:52:00", 1.0)
    assert len(t) == 1 and t.utc_iso()[0] == "2021-02-10T11:52:00Z"
    p = cli("geometry", "--from", "2021-02-10T11:52", "--to", "2021-02-10T11:52", "--json")
    assert p.returncode == 0, p.stderr
    import json

    rows = json.loads(p.stdout)
    ds = geometry("mars", ["2021-02-10T11:52:00"])
    assert len(rows) == 1 and abs(rows[0]["range_km"] - float(ds.range_km[0])) < 1e-3
    assert abs(rows[0]["range_km"] / 1.92e8 - 1.0) < 0.005
    p = cli("geometry", "--from", "2021-02-10T11:52", "--to", "2021-02-10T11:52", "--station", "kashi")
    assert p.returncode == 0 and "Sun–Earth–target angle" in p.stdout and len(p.stdout.splitlines()) == 4
    p = cli("geometry", "--from", "2021-02-11", "--to", "2021-02-10")
    assert p.returncode == 2 and "2021-02-10" in p.stderr


# --------------------------------------------------------------------------------------------------------
# A user's SPK file
# --------------------------------------------------------------------------------------------------------

DE421 = os.path.join(os.path.dirname(__import__("skyfield_data").__file__), "data", "de421.bsp")
CUT_START, CUT_END = "2020-06-01", "2020-10-01"


def _cut_de421(path, pairs=((0, 10), (0, 3), (3, 399), (0, 4)), start=CUT_START, end=CUT_END, parts=1,
               data_type=2):
    """Copy DE421's Chebyshev records covering [start, end] of the (center, target) ``pairs`` into a new SPK
    file written by SPICE: type 2 (``spkw02``: ``cdata`` is each record's x, y, z coefficients, no MID/RADIUS)
    or type 3 (``spkw03``: x, y, z then vx, vy, vz, the velocity series being the position series' derivative,
    ``numpy.polynomial.chebyshev.chebder``, times 2 / record length). ``parts`` > 1 splits each pair into
    that many consecutive segments (as DE441 comes in parts). Returns the span every pair covers."""
    spice = pytest.importorskip("spiceypy")
    from jplephem.spk import SPK
    from numpy.polynomial import chebyshev

    j2000 = 2451545.0
    lo, hi = float(epoch(start).to("tdb").jd), float(epoch(end).to("tdb").jd)
    kernel = SPK.open(DE421)
    if os.path.exists(path):
        os.remove(path)
    handle = spice.spkopn(str(path), "tianwen test", 0)
    first, last = -np.inf, np.inf
    try:
        for center, target in pairs:
            seg = kernel[center, target]
            init, intlen, coef = seg.load_array()  # (3, records, n)
            k0 = int(np.floor((lo - init) / intlen))
            k1 = int(np.ceil((hi - init) / intlen))
            cuts = np.linspace(k0, k1, parts + 1).round().astype(int)
            for a, b in zip(cuts[:-1], cuts[1:]):
                block = coef[:, a:b, :].transpose(1, 0, 2).copy()  # (records, 3, n), writable for SPICE
                btime = (init + a * intlen - j2000) * 86400.0
                args = (handle, target, center, "J2000", btime, btime + (b - a) * intlen * 86400.0,
                        f"DE421 {target} cut", intlen * 86400.0, b - a, coef.shape[2] - 1)
                if data_type == 2:
                    spice.spkw02(*args, block.ravel(), btime)
                else:
                    vel = chebyshev.chebder(block, axis=2) * (2.0 / (intlen * 86400.0))
                    vel = np.concatenate([vel, np.zeros(vel.shape[:2] + (1,))], axis=2)
                    spice.spkw03(*args, np.concatenate([block, vel], axis=1).ravel(), btime)
            first, last = max(first, init + k0 * intlen), min(last, init + k1 * intlen)
    finally:
        spice.spkcls(handle)
        kernel.close()
    return first, last  # where every pair is covered


@pytest.fixture(scope="module")
def cut_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("spk") / "de421-cut.bsp"
    span = _cut_de421(path)
    return str(path), span


def test_a_cut_spk_file_gives_de421s_states(cut_file):
    """States of Earth and Mars (Sun-centred) from the SPICE-written cut equal DE421's (and skyfield's reading
    of DE421) to 1 mm and 1e-9 km/s: the coefficients are the same numbers; only the record start differs in
    the time argument's rounding. The file's name is the ephemeris's name and its span the cut's."""
    from skyfield.api import load_file

    from tianwen.ephemeris import get_ephemeris, resolve_ephemeris, state

    path, (lo, hi) = cut_file
    eph = resolve_ephemeris(path)
    assert eph is get_ephemeris(path) and eph.name == path
    assert abs(eph.span_tdb_jd[0] - lo) < 1e-9 and abs(eph.span_tdb_jd[1] - hi) < 1e-9
    t = utc_grid("2020-06-15", "2020-09-15", 0.37)
    for body in ("earth", "mars"):
        r, v = state(body, t, ephemeris=path)
        r0, v0 = state(body, t, ephemeris="de421")
        np.testing.assert_allclose(r, r0, rtol=0, atol=1e-6)
        np.testing.assert_allclose(v, v0, rtol=0, atol=1e-9)
    sky = load_file(DE421)
    tdb = t.to("tdb")
    from skyfield.api import load

    ts = load.timescale(builtin=True)
    st = ts.tdb_jd(tdb.jd1, tdb.jd2)
    mars = (sky["mars barycenter"] - sky["sun"]).at(st)
    r, _ = state("mars", t, ephemeris=path)
    np.testing.assert_allclose(r, mars.position.km.T, rtol=0, atol=1e-3)


@pytest.mark.parametrize("parts, data_type", [(3, 2), (1, 3)])
def test_segments_in_parts_and_type_3(tmp_path, parts, data_type):
    """A file whose pairs come in three consecutive segments (as DE441's do), and a type-3 file (positions and
    velocities, as SPICE writes them): Mars and the Earth equal DE421 to 1 mm on both sides of every segment
    boundary, velocities to 1e-9 km/s (type 3's are read, as type 2's, as the position series' derivative)."""
    from tianwen.ephemeris import get_ephemeris, state

    path = str(tmp_path / f"de421-{parts}-{data_type}.bsp")
    lo, hi = _cut_de421(path, parts=parts, data_type=data_type)
    eph = get_ephemeris(path)
    assert abs(eph.span_tdb_jd[0] - lo) < 1e-9 and abs(eph.span_tdb_jd[1] - hi) < 1e-9
    t = Epoch(np.linspace(lo + 0.01, hi - 0.01, 400), 0.0, "tdb")
    for body in ("earth", "mars"):
        r, v = state(body, t, ephemeris=path)
        r0, v0 = state(body, t, ephemeris="de421")
        np.testing.assert_allclose(r, r0, rtol=0, atol=1e-6)
        np.testing.assert_allclose(v, v0, rtol=0, atol=1e-9)


def test_the_spk_file_is_checked_for_span_and_bodies(cut_file, tmp_path, cli):
    """An epoch outside the cut is refused with the file's span in the message; a file without Mars is refused
    naming the body; a missing file or a non-SPK file is one line naming the path; the CLI accepts the path
    for ``--ephemeris`` and refuses an epoch outside it with status 2."""
    from tianwen.ephemeris import get_ephemeris, state

    path, (lo, hi) = cut_file
    with pytest.raises(OutOfRangeError) as info:
        state("mars", "2021-02-10", ephemeris=path)
    span = Epoch(np.array([lo, hi]), 0.0, "tdb").iso()
    assert path in str(info.value) and span[0][:10] in str(info.value) and span[1][:10] in str(info.value)
    no_mars = tmp_path / "no-mars.bsp"
    _cut_de421(no_mars, pairs=((0, 10), (0, 3), (3, 399)))
    with pytest.raises(UnknownBodyError, match="mars"):
        get_ephemeris(str(no_mars))
    with pytest.raises(TianwenError, match="does not exist"):
        get_ephemeris(str(tmp_path / "absent.bsp"))
    junk = tmp_path / "junk.bsp"
    junk.write_bytes(b"not a DAF file" * 100)
    with pytest.raises(TianwenError, match="junk.bsp"):
        get_ephemeris(str(junk))
    p = cli("ephemeris", "mars", "2020-07-23T04:41:15", "--ephemeris", path, "--json")
    assert p.returncode == 0, p.stderr
    import json

    r = json.loads(p.stdout)["states"][0]["r_km"]
    np.testing.assert_allclose(r, state("mars", "2020-07-23T04:41:15")[0], rtol=0, atol=1e-6)
    p = cli("ephemeris", "mars", "2021-02-10", "--ephemeris", path)
    assert p.returncode == 2 and len(p.stderr.strip().splitlines()) == 1 and span[1][:10] in p.stderr
