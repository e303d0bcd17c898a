"""Earth orientation for :mod:`tianwen.tracking` (IERS Conventions 2010, CIO based, through pyerfa).

GCRS to ITRS is ``W(xp, yp, s') R3(ERA) Q(X, Y, s)``: the CIP X, Y and CIO locator s from IAU 2006/2000A
(``erfa.xys06a``), the Earth rotation angle from UT1 (``erfa.era00``), s' from ``erfa.sp00`` and polar motion from
``erfa.pom00``. UT1 and polar motion come from an IERS ``finals2000A.all`` file (linear in UT1−TAI): the one of the
``astropy-iers-data`` package (re-released weekly on PyPI, so ``pip install -U astropy-iers-data`` brings the latest
Bulletin A and its ~1-year predictions), or the one of ``skyfield-data`` when that is newer or astropy-iers-data is
absent (:func:`eop_source` says which). Outside the file's span tianwen uses UT1 = UTC and no polar motion and, past
the end of the predictions, warns once with an :class:`EOPWarning` naming the date they run out.
For long epoch arrays X, Y, s and TDB−TT are computed on daily nodes and interpolated by cubic splines
(:func:`tai_tdb`, :func:`c2t_and_cip`).
"""

from __future__ import annotations

import functools
import math
import warnings
from dataclasses import dataclass
from importlib import resources

import erfa
import numpy as np

from ..bodies import DAY_S
from ..errors import TianwenError
from ..time import J2000_JD, UTC_START_JD, Epoch, epoch

__all__ = ["OMEGA_EARTH_RAD_S", "EOPWarning", "BEYOND_EOP_MODEL", "eop_source", "earth_orientation", "celestial_to_terrestrial", "tai_tdb", "c2t_and_cip"]

#: Earth rotation rate, rad/s of UT1 (IERS Conventions 2010: dERA/dt = 2 pi x 1.00273781191135448 per day).
OMEGA_EARTH_RAD_S = 2.0 * np.pi * 1.00273781191135448 / DAY_S

_NODE_DAYS = 1.0  # node spacing for the interpolated CIP X, Y, s and TDB-TT (see _on_nodes)
_ARCSEC = np.pi / 180.0 / 3600.0


#: The Earth-orientation model used outside the IERS file's span (named in warnings and outputs).
BEYOND_EOP_MODEL = "UT1 = UTC and no polar motion (|UT1-UTC| < 0.9 s: at most 0.004 deg of Earth rotation)"


class EOPWarning(UserWarning):
    """An epoch lies outside the IERS Earth-orientation data: :data:`BEYOND_EOP_MODEL` is used there."""


@dataclass(frozen=True)
class _EOP:
    tai_mjd: np.ndarray  # table epochs (0h UTC of each day) expressed as TAI MJD
    ut1_minus_tai_s: np.ndarray
    xp_arcsec: np.ndarray
    yp_arcsec: np.ndarray
    utc_mjd: np.ndarray | None = None  # the table's own MJD (0h UTC)
    measured: np.ndarray | None = None  # True where UT1-UTC is flagged I (IERS), False for P (prediction)


def _parse_finals(data: bytes) -> _EOP:
    """Bulletin A columns of an IERS ``finals2000A.all`` file (fixed width, IERS readme.finals2000A):
    MJD in columns 8-15, polar motion x and y (arcsec) in 19-27 and 38-46, UT1-UTC (s) in 59-68 with its
    I(ERS)/P(rediction) flag in column 58. Rows without UT1-UTC (the file's empty future tail) are skipped."""
    lines = data.splitlines()
    if not lines:
        return _EOP(*(np.zeros(0),) * 4)
    width = max(68, max(len(x) for x in lines))
    chars = np.array(lines, dtype=f"S{width}").view("S1").reshape(len(lines), width)

    def column(a, b, rows):
        field = np.ascontiguousarray(chars[rows, a:b]).view(f"S{b - a}").ravel()
        return np.where(np.char.strip(field) == b"", b"0", field).astype(float)

    flag = chars[:, 57]
    rows = np.flatnonzero((flag == b"I") | (flag == b"P"))
    mjd, dut1 = column(7, 15, rows), column(58, 68, rows)
    xp, yp = column(18, 27, rows), column(37, 46, rows)
    # TAI-UTC at 0h UTC of each table day (ERFA's leap-second table), to make UT1-TAI (continuous).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", erfa.ErfaWarning)
        iy, im, iday, _ = erfa.jd2cal(2400000.5, mjd)
        dat = erfa.dat(iy, im, iday, 0.0)
    return _EOP(mjd + dat / DAY_S, dut1 - dat, xp, yp, mjd, flag[rows] == b"I")


#: Packages that ship an IERS ``finals2000A.all`` (as package data at ``data/finals2000A.all``), in order of
#: preference when their files end on the same day.
EOP_PACKAGES = ("astropy_iers_data", "skyfield_data")


def _package_version(package: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(package.replace("_", "-"))
    except metadata.PackageNotFoundError:  # pragma: no cover - importable but not installed as a distribution
        return "unknown version"


@functools.lru_cache(maxsize=1)
def _loaded() -> tuple[_EOP, dict]:
    """The newest ``finals2000A.all`` of :data:`EOP_PACKAGES` (the one whose predictions run furthest), parsed."""
    best = None
    for package in EOP_PACKAGES:
        try:
            path = resources.files(package).joinpath("data/finals2000A.all")
            data = path.read_bytes()
        except (ModuleNotFoundError, FileNotFoundError, OSError):
            continue
        eop = _parse_finals(data)
        if eop.tai_mjd.size and (best is None or eop.tai_mjd[-1] > best[0].tai_mjd[-1]):
            best = (eop, {"package": package.replace("_", "-"), "version": _package_version(package),
                          "path": str(path)})
    if best is None:  # pragma: no cover - skyfield-data is a dependency
        return _parse_finals(b""), {"package": None, "version": None, "path": None}
    eop, info = best
    last_measured = eop.utc_mjd[eop.measured][-1] if np.any(eop.measured) else eop.utc_mjd[0]
    info.update(first_utc=_mjd_date(eop.utc_mjd[0]), measured_end_utc=_mjd_date(last_measured),
                predictions_end_utc=_mjd_date(eop.utc_mjd[-1]))
    return eop, info


def _mjd_date(mjd: float) -> str:
    return Epoch(2400000.5, float(mjd), "utc").date()


def _eop() -> _EOP:
    return _loaded()[0]


def eop_source() -> dict:
    """Where tianwen's UT1 and polar motion come from: ``package`` (``astropy-iers-data`` or ``skyfield-data``),
    its ``version``, the file's ``path``, its ``first_utc`` day, the last day of measured values
    (``measured_end_utc``) and the last day of the predictions (``predictions_end_utc``), UTC dates; and
    ``beyond``, the model used outside that span (:data:`BEYOND_EOP_MODEL`)."""
    return dict(_loaded()[1], beyond=BEYOND_EOP_MODEL)


def _warn_outside(mjd: np.ndarray, eop: _EOP) -> None:
    """One :class:`EOPWarning` line when epochs (TAI MJD) fall after the predictions' end (or before the file)."""
    info = _loaded()[1]
    if np.any(mjd > eop.tai_mjd[-1]):
        warnings.warn(EOPWarning(
            f"Earth orientation: IERS predictions ({info['package']} {info['version']}) run out on "
            f"{info['predictions_end_utc']}; later epochs use {BEYOND_EOP_MODEL}; "
            f"update with: pip install -U astropy-iers-data"), stacklevel=2)
    if np.any((mjd < eop.tai_mjd[0]) & (mjd >= UTC_START_JD - 2400000.5)):
        warnings.warn(EOPWarning(
            f"Earth orientation: IERS data ({info['package']}) start on {info['first_utc']}; earlier epochs use "
            f"{BEYOND_EOP_MODEL}"), stacklevel=2)


def earth_orientation(epochs) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """UT1−UTC (s) and polar motion xp, yp (arcsec) used at ``epochs`` (IERS finals2000A.all, linear in
    UT1−TAI; 0, 0, 0 outside the file's span, with an :class:`EOPWarning`; :func:`eop_source` names the file)."""
    t = epoch(epochs)
    tai = t.to("tai")
    dta = _ut1_minus_tai(tai)
    utc = t.to("utc")
    tai_minus_utc = ((tai.jd1 - utc.jd1) + (tai.jd2 - utc.jd2)) * DAY_S
    xp, yp = _polar_motion(tai)
    return dta + tai_minus_utc, xp, yp


def _inside(tai: Epoch, warn: bool = False) -> tuple[np.ndarray, _EOP]:
    eop = _eop()
    mjd = (tai.jd1 - 2400000.5) + tai.jd2
    if eop.tai_mjd.size == 0:
        return np.zeros(mjd.shape, bool), eop
    inside = (mjd >= eop.tai_mjd[0]) & (mjd <= eop.tai_mjd[-1])
    if warn and not np.all(inside):
        _warn_outside(mjd, eop)
    return inside, eop


def _ut1_minus_tai(tai: Epoch) -> np.ndarray:
    inside, eop = _inside(tai, warn=True)
    mjd = (tai.jd1 - 2400000.5) + tai.jd2
    out = np.empty(mjd.shape)
    if np.any(inside):
        out[inside] = np.interp(mjd[inside], eop.tai_mjd, eop.ut1_minus_tai_s)
    if np.any(~inside):  # UT1 = UTC: UT1 - TAI = -(TAI - UTC)
        t = Epoch(tai.jd1[~inside], tai.jd2[~inside], "tai")
        if np.any(t.jd < UTC_START_JD + 10.0 / DAY_S):
            raise TianwenError(f"epoch {t[np.argmin(t.jd)].iso()} TAI is before 1960-01-01, where tianwen has no UT1 "
                               f"(no IERS data and no UTC): station geometry needs a later epoch")
        utc = t.to("utc")
        out[~inside] = -((t.jd1 - utc.jd1) + (t.jd2 - utc.jd2)) * DAY_S
    return out


def _polar_motion(tai: Epoch) -> tuple[np.ndarray, np.ndarray]:
    inside, eop = _inside(tai)
    mjd = (tai.jd1 - 2400000.5) + tai.jd2
    xp, yp = np.zeros(mjd.shape), np.zeros(mjd.shape)
    if np.any(inside):
        xp[inside] = np.interp(mjd[inside], eop.tai_mjd, eop.xp_arcsec)
        yp[inside] = np.interp(mjd[inside], eop.tai_mjd, eop.yp_arcsec)
    return xp, yp


_NODE_CACHE: dict = {}  # function -> (first node index, values (k, n)): the last block of nodes computed


def _node_values(func, i0: int, i1: int) -> np.ndarray:
    """``func(J2000_JD, days)`` stacked as (k, n) on the nodes ``i0 .. i1`` (days = index x _NODE_DAYS), reusing
    the block cached for ``func`` (repeated calls over one span, as in pass refinement, compute each node once)."""
    start, block = _NODE_CACHE.get(func, (0, None))
    if block is not None and start <= i0 and i1 < start + block.shape[1]:
        return block[:, i0 - start:i1 - start + 1]
    j0, j1 = i0, i1
    if block is not None and max(i1, start + block.shape[1] - 1) - min(i0, start) < 4 * (i1 - i0 + 1) + 400:
        j0, j1 = min(i0, start), max(i1, start + block.shape[1] - 1)  # extend the cached block
    block = np.atleast_2d(np.array(func(J2000_JD, np.arange(j0, j1 + 1) * _NODE_DAYS)))
    _NODE_CACHE[func] = (j0, block)
    return block[:, i0 - j0:i1 - j0 + 1]


def _on_nodes(func, days: np.ndarray):
    """``func(J2000_JD, days)`` for a long array of days since J2000 (TT or TDB), evaluated on nodes every
    ``_NODE_DAYS`` and interpolated by cubic splines when that is cheaper; ``None`` when it is not. The
    functions so treated (``erfa.xys06a``, ``erfa.dtdb``) are smooth on that scale: tested errors 0.004 mas for
    the CIP X, Y, s and 0.001 ns for TDB-TT at 0.5-day nodes, 0.06 mas and 0.013 ns at the 1-day nodes used."""
    if days.size <= 64:
        return None
    i0 = int(math.floor(float(days.min()) / _NODE_DAYS)) - 2
    i1 = int(math.ceil(float(days.max()) / _NODE_DAYS)) + 2
    start, block = _NODE_CACHE.get(func, (0, None))
    cached = block is not None and start <= i0 and i1 < start + block.shape[1]
    if i1 - i0 + 1 >= days.size and not cached:  # direct evaluation is cheaper
        return None
    from scipy.interpolate import CubicSpline

    values = _node_values(func, i0, i1)
    return tuple(CubicSpline(np.arange(i0, i1 + 1) * _NODE_DAYS, v)(days) for v in values)


def _cip_xys(tt1: np.ndarray, tt2: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CIP X, Y and CIO locator s (IAU 2006/2000A, ``erfa.xys06a``), directly or from nodes (``_on_nodes``)."""
    fast = _on_nodes(erfa.xys06a, (tt1 - J2000_JD) + tt2)
    return fast if fast is not None else erfa.xys06a(tt1, tt2)


def tai_tdb(t: Epoch) -> tuple[Epoch, Epoch]:
    """The epochs ``t`` (any scale) in TAI and TDB, flattened. TT<->TDB needs ``erfa.dtdb`` (~30 us an epoch);
    for long arrays it is evaluated on daily nodes and interpolated by cubic splines."""
    jd1, jd2 = t.jd1.ravel(), t.jd2.ravel()
    if t.scale in ("utc", "tai", "tt"):
        tai = Epoch(jd1, jd2, t.scale).to("tai")
        tt1, tt2 = erfa.taitt(tai.jd1, tai.jd2)
        tdb = Epoch(tt1, tt2 + _tdb_minus_tt(tt1, tt2) / DAY_S, "tdb")
        return tai, tdb
    tdb = Epoch(jd1, jd2, "tdb")
    tt = Epoch(jd1, jd2 - _tdb_minus_tt(jd1, jd2) / DAY_S, "tt")  # argument TDB for TT: error ~1e-12 s
    return tt.to("tai"), tdb


def _dtdb(jd1, jd2):
    return erfa.dtdb(jd1, jd2, 0.0, 0.0, 0.0, 0.0)


def _tdb_minus_tt(jd1: np.ndarray, jd2: np.ndarray) -> np.ndarray:
    """TDB - TT (s), the geocentric series of ``erfa.dtdb`` (as tianwen.time uses), directly or from nodes."""
    fast = _on_nodes(_dtdb, (jd1 - J2000_JD) + jd2)
    return fast[0] if fast is not None else _dtdb(jd1, jd2)


def celestial_to_terrestrial(epochs) -> np.ndarray:
    """Rotation matrices GCRS -> ITRS (shape ``epochs.shape + (3, 3)``): ``r_itrs = M @ r_gcrs``."""
    t = epoch(epochs)
    return c2t_and_cip(tai_tdb(t)[0])[0].reshape(t.shape + (3, 3))


def c2t_and_cip(tai: Epoch) -> tuple[np.ndarray, np.ndarray]:
    """GCRS -> ITRS matrices (n, 3, 3) and the Earth's rotation axis (the CIP) in the ITRS, (n, 3), at TAI
    epochs (:func:`tai_tdb` gives them); :func:`celestial_to_terrestrial` is the same rotation for any epochs."""
    tai1, tai2 = tai.jd1.ravel(), tai.jd2.ravel()
    tt1, tt2 = erfa.taitt(tai1, tai2)
    tai = Epoch(tai1, tai2, "tai")
    ut11, ut12 = erfa.taiut1(tai1, tai2, _ut1_minus_tai(tai))
    x, y, s = _cip_xys(tt1, tt2)
    rc2i = erfa.c2ixys(x, y, s)
    era = erfa.era00(ut11, ut12)
    xp, yp = _polar_motion(tai)
    rpom = erfa.pom00(xp * _ARCSEC, yp * _ARCSEC, erfa.sp00(tt1, tt2))
    return erfa.c2tcio(rc2i, era, rpom), rpom[..., :, 2]
