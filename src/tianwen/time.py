"""Epochs in explicit time scales (UTC, TAI, TT, TDB), held as two-part Julian dates.

An :class:`Epoch` is an array of instants in one scale, stored as two float64 arrays ``jd1 + jd2`` (whole
days and fraction) so that sub-microsecond precision survives any date in the ephemeris span. All scale
conversions go through pyerfa (the IAU SOFA library), leap seconds included:

* UTC <-> TAI: ``eraUtctai`` / ``eraTaiutc`` with ERFA's built-in leap-second table.
* TAI <-> TT: TT = TAI + 32.184 s.
* TT <-> TDB: the geocentric periodic term of ``eraDtdb`` (Fairhead & Bretagnon 1990), under 2 ms.

**UTC before 1972 and before 1960.** From 1960-01-01 to 1971-12-31 UTC ran on "rubber seconds": tianwen
uses ERFA's table of the official IERS/BIH offsets and drift rates for that era. Before 1960-01-01 UTC is not
defined at all; tianwen refuses a UTC epoch there and asks for an explicit scale (``"1950-01-01 TT"``).

**Future UTC.** Leap seconds are announced six months ahead; a UTC epoch beyond ERFA's table assumes no new
leap seconds, as every tool does.

Inputs accepted by :func:`epoch`: ISO-8601 strings (``"2021-02-10T11:52:00"``, UTC unless a scale follows:
``"2021-02-10T11:52:00 TDB"``; a trailing ``Z`` means UTC; a leap second ``23:59:60`` is valid on a leap-second
day), ``"JD 2459255.5 TDB"`` strings, :class:`datetime.datetime` (naive means UTC), ``numpy.datetime64``
(UTC; that type cannot hold a leap second), plain numbers (Julian dates, UTC unless ``scale`` is given), an
existing :class:`Epoch`, and lists or arrays of any of these.
"""

from __future__ import annotations

import calendar
import datetime as _dt
import re
import warnings

import erfa
import numpy as np

from .errors import EpochError

SCALES = ("utc", "tai", "tt", "tdb")
SECONDS_PER_DAY = 86400.0
J2000_JD = 2451545.0
TT_MINUS_TAI_S = 32.184
UTC_START_JD = 2436934.5  # 1960-01-01 00:00 UTC: the first day ERFA (and the IERS) define UTC
UNIX_EPOCH_JD = 2440587.5  # 1970-01-01T00:00 as a Julian date

_ISO = re.compile(
    r"^\s*(?P<y>[+-]?\d{4,5})-(?P<m>\d{1,2})-(?P<d>\d{1,2})"
    r"(?:[T ](?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}(?:\.\d*)?))?)?"
    r"\s*(?P<z>Z)?\s*(?P<scale>[A-Za-z]+)?\s*$"
)
_JD = re.compile(r"^\s*(?:JD|jd)\s*(?P<jd>[+-]?\d+(?:\.\d*)?)\s*(?P<scale>[A-Za-z]+)?\s*$")


def _check_scale(scale: str) -> str:
    s = str(scale).lower()
    if s not in SCALES:
        raise EpochError(f"unknown time scale {scale!r}; use one of {', '.join(x.upper() for x in SCALES)}")
    return s


class Epoch:
    """Instants in one time scale, as two-part Julian dates ``jd1 + jd2`` (float64 arrays, any shape).

    >>> t = epoch("2020-07-23T04:41:00")
    >>> round(float((t.to("tt").jd - t.jd).item()) * 86400.0, 3)   # TT - UTC in 2020
    69.184
    """

    __slots__ = ("jd1", "jd2", "scale")

    def __init__(self, jd1, jd2=0.0, scale: str = "tdb"):
        jd1, jd2 = np.broadcast_arrays(np.asarray(jd1, dtype=float), np.asarray(jd2, dtype=float))
        # Normalise so that jd1 holds whole days + 0.5 (midnight) and |jd2| < 1: precision lives in jd2.
        whole = np.floor(jd1 - 0.5) + 0.5
        frac = (jd1 - whole) + jd2
        carry = np.floor(frac)
        self.jd1 = whole + carry
        self.jd2 = frac - carry
        self.scale = _check_scale(scale)

    # -- array protocol -------------------------------------------------------------------------------
    @property
    def shape(self) -> tuple:
        return self.jd1.shape

    def __len__(self) -> int:
        return len(self.jd1)

    def __getitem__(self, item) -> "Epoch":
        return Epoch(self.jd1[item], self.jd2[item], self.scale)

    def __repr__(self) -> str:
        if self.jd1.ndim == 0:
            return f"Epoch('{self.iso()} {self.scale.upper()}')"
        return f"Epoch(shape={self.shape}, scale={self.scale!r})"

    @property
    def jd(self) -> np.ndarray:
        """Julian date as one float (loses precision below ~20 microseconds; use ``jd1, jd2`` when it matters)."""
        return self.jd1 + self.jd2

    # -- arithmetic -----------------------------------------------------------------------------------
    def __add__(self, days) -> "Epoch":
        """Shift by a number of days of 86400 SI seconds; on UTC this is done in TAI (leap seconds respected)."""
        if self.scale == "utc":
            return self.to("tai").__add__(days).to("utc")
        return Epoch(self.jd1, self.jd2 + np.asarray(days, dtype=float), self.scale)

    def __sub__(self, other):
        """``epoch - epoch`` -> elapsed SI days (TDB); ``epoch - days`` -> shifted epoch."""
        if isinstance(other, Epoch):
            a, b = self.to("tdb"), other.to("tdb")
            return (a.jd1 - b.jd1) + (a.jd2 - b.jd2)
        return self + (-np.asarray(other, dtype=float))

    # -- scale conversion -----------------------------------------------------------------------------
    def to(self, scale: str) -> "Epoch":
        """The same instants in another scale (UTC, TAI, TT, TDB), through pyerfa."""
        scale = _check_scale(scale)
        chain = list(SCALES)
        i, j = chain.index(self.scale), chain.index(scale)
        jd1, jd2 = self.jd1, self.jd2
        step = 1 if j > i else -1
        for k in range(i, j, step):
            jd1, jd2 = _CONVERT[(chain[k], chain[k + step])](jd1, jd2)
        return Epoch(jd1, jd2, scale)

    @property
    def tdb(self) -> "Epoch":
        return self.to("tdb")

    @property
    def utc(self) -> "Epoch":
        return self.to("utc")

    # -- output ---------------------------------------------------------------------------------------
    def iso(self, digits: int = 0, sep: str = "T") -> np.ndarray | str:
        """Calendar strings ``YYYY-MM-DDTHH:MM:SS[.fff]`` in this epoch's own scale (leap second shown as :60)."""
        if self.scale == "utc":
            _check_utc_defined(self.jd1, self.jd2)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", erfa.ErfaWarning)
            iy, im, iday, ihmsf = erfa.d2dtf(self.scale.upper(), digits, self.jd1, self.jd2)
        h, m, s, f = ihmsf["h"], ihmsf["m"], ihmsf["s"], ihmsf["f"]
        out = np.empty(self.shape, dtype=object)
        for idx in np.ndindex(self.shape):
            text = f"{iy[idx]:04d}-{im[idx]:02d}-{iday[idx]:02d}{sep}{h[idx]:02d}:{m[idx]:02d}:{s[idx]:02d}"
            if digits > 0:
                text += f".{f[idx]:0{digits}d}"
            out[idx] = text
        return out.item() if out.ndim == 0 else out.astype(str)

    def utc_iso(self, digits: int = 0) -> np.ndarray | str:
        """UTC calendar strings with a trailing ``Z`` (``2021-02-10T11:52:00Z``)."""
        s = self.to("utc").iso(digits)
        return s + "Z" if isinstance(s, str) else np.char.add(s, "Z")

    def date(self) -> np.ndarray | str:
        """UTC calendar dates ``YYYY-MM-DD``; before 1960, where UTC is undefined, the TDB date (the scales
        then differ by well under a minute, so only instants within a minute of midnight could differ)."""
        jd = np.asarray(self.to("tdb").jd)
        s = self.to("tdb" if np.any(jd < UTC_START_JD + 1.0) else "utc").iso(0)
        return s[:10] if isinstance(s, str) else np.array([x[:10] for x in s.ravel()]).reshape(s.shape)

    def datetime64(self, scale: str = "utc") -> np.ndarray:
        """Calendar instants as ``numpy.datetime64[ms]``, in UTC unless another scale is asked for (that type
        has no leap seconds: 23:59:60 UTC maps to the next midnight)."""
        u = self.to(scale)
        if u.scale == "utc":
            _check_utc_defined(u.jd1, u.jd2)
        days = (u.jd1 - UNIX_EPOCH_JD) + u.jd2
        ms = np.round(days * SECONDS_PER_DAY * 1000.0).astype("int64")
        return ms.astype("datetime64[ms]")


def _check_utc_defined(jd1, jd2) -> None:
    jd = np.asarray(jd1) + np.asarray(jd2)
    if np.any(jd < UTC_START_JD):
        bad = float(np.min(jd))
        raise EpochError(
            f"UTC is undefined before 1960-01-01 (got JD {bad:.1f}); give the epoch with an explicit scale, "
            f"e.g. '1950-01-01 TT' or 'JD 2433282.5 TDB'"
        )


def _erfa(func, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", erfa.ErfaWarning)  # "dubious year": future UTC, documented above
        return func(*args)


def _utc_to_tai(jd1, jd2):
    _check_utc_defined(jd1, jd2)
    return _erfa(erfa.utctai, jd1, jd2)


def _tai_to_utc(jd1, jd2):
    _check_utc_defined(jd1, jd2 - 40.0 / SECONDS_PER_DAY)
    return _erfa(erfa.taiutc, jd1, jd2)


def _tt_minus_tdb_term(jd1, jd2):
    # eraDtdb's geocentric TDB - TT (seconds); the UT argument only matters for topocentric terms (zero here).
    return erfa.dtdb(jd1, jd2, 0.0, 0.0, 0.0, 0.0)


def _tt_to_tdb(jd1, jd2):
    return erfa.tttdb(jd1, jd2, _tt_minus_tdb_term(jd1, jd2))


def _tdb_to_tt(jd1, jd2):
    # TDB - TT evaluated at TDB instead of TT: the error is d(dtdb)/dt * 2 ms ~ 1e-12 s.
    return erfa.tdbtt(jd1, jd2, _tt_minus_tdb_term(jd1, jd2))


_CONVERT = {
    ("utc", "tai"): _utc_to_tai,
    ("tai", "utc"): _tai_to_utc,
    ("tai", "tt"): erfa.taitt,
    ("tt", "tai"): erfa.tttai,
    ("tt", "tdb"): _tt_to_tdb,
    ("tdb", "tt"): _tdb_to_tt,
}


# --------------------------------------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------------------------------------


def _parse_string(text: str, default_scale: str) -> tuple[float, float, str]:
    word = text.strip().lower()
    if word in ("now", "today"):
        # The system clock's UTC: "now" to the microsecond, "today" at 00:00 UTC.
        now = _dt.datetime.now(_dt.timezone.utc)
        text = now.strftime("%Y-%m-%dT%H:%M:%S.%f") if word == "now" else now.strftime("%Y-%m-%d")
        default_scale = "utc"
    m = _JD.match(text)
    if m:
        scale = _check_scale(m["scale"] or default_scale)
        jd = float(m["jd"])
        return np.floor(jd), jd - np.floor(jd), scale
    m = _ISO.match(text)
    if not m:
        raise EpochError(
            f"cannot read epoch {text!r}; use ISO-8601 like '2020-07-23T04:41:00' (UTC), "
            f"'2021-02-10T11:52:00 TDB', 'JD 2459255.5 TDB', 'now' or 'today'"
        )
    scale = m["scale"]
    if scale is not None and m["z"]:
        raise EpochError(f"epoch {text!r} names two scales ('Z' means UTC); give one")
    scale = _check_scale("utc" if m["z"] else (scale or default_scale))
    y, mo, d = int(m["y"]), int(m["m"]), int(m["d"])
    hh, mm = int(m["H"] or 0), int(m["M"] or 0)
    ss = float(m["S"] or 0.0)
    if not (1 <= mo <= 12 and 1 <= d <= 31 and hh <= 23 and mm <= 59 and ss < 61.0):
        raise EpochError(f"epoch {text!r} has a field out of range (month 1-12, day 1-31, 00:00:00-23:59:60)")
    if not (-4712 <= y <= 9999) or d > calendar.monthrange(y if y > 0 else 2000, mo)[1]:
        raise EpochError(f"epoch {text!r} is not a calendar date (years -4712 to 9999, day within its month)")
    if ss >= 60.0 and scale != "utc":
        raise EpochError(f"epoch {text!r}: second 60 exists only in UTC, on a leap-second day")
    if scale == "utc" and erfa.cal2jd(y, mo, d)[0] + erfa.cal2jd(y, mo, d)[1] < UTC_START_JD:
        _check_utc_defined(*erfa.cal2jd(y, mo, d))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", erfa.ErfaWarning)
            warnings.simplefilter("error", RuntimeWarning)
            jd1, jd2 = erfa.dtf2d(scale.upper(), y, mo, d, hh, mm, ss)
    except (erfa.ErfaError, ValueError, RuntimeWarning) as exc:
        raise EpochError(f"epoch {text!r} is not a valid {scale.upper()} date/time ({exc})") from None
    # eraDtf2d accepts second 60 on any day's last minute only if that day has a leap second; check day length.
    if scale == "utc" and ss >= 60.0:
        day_end = erfa.dtf2d("UTC", y, mo, d, 23, 59, 0.0)
        next_day = erfa.cal2jd(*_next_day(y, mo, d))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", erfa.ErfaWarning)
            tai_a = erfa.utctai(*day_end)
            tai_b = erfa.utctai(*next_day)
        minute_s = ((tai_b[0] - tai_a[0]) + (tai_b[1] - tai_a[1])) * SECONDS_PER_DAY
        if hh != 23 or mm != 59 or minute_s < 60.5:
            raise EpochError(f"epoch {text!r}: {y:04d}-{mo:02d}-{d:02d} has no leap second, so :60 is invalid")
    return float(jd1), float(jd2), scale


def _next_day(y, m, d):
    nd = _dt.date(y, m, d) + _dt.timedelta(days=1)
    return nd.year, nd.month, nd.day


def _from_datetime(value: _dt.datetime) -> tuple[float, float]:
    if value.tzinfo is not None:
        value = value.astimezone(_dt.timezone.utc).replace(tzinfo=None)
    sec = value.second + value.microsecond * 1e-6
    if value.year < 1960:
        _check_utc_defined(*erfa.cal2jd(value.year, value.month, value.day))
    jd1, jd2 = _erfa(erfa.dtf2d, "UTC", value.year, value.month, value.day, value.hour, value.minute, sec)
    return float(jd1), float(jd2)


def _from_datetime64(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """UTC calendar fields of each datetime64, then ERFA's UTC quasi-JD (right on leap-second days too)."""
    t = values.astype("datetime64[ns]")
    if np.any(np.isnat(t)):
        raise EpochError("datetime64 epochs contain NaT (not a time)")
    day = t.astype("datetime64[D]")
    y = day.astype("datetime64[Y]").astype(int) + 1970
    m = day.astype("datetime64[M]").astype(int) % 12 + 1
    d = (day - day.astype("datetime64[M]")).astype(int) + 1
    ns = (t - day).astype("int64")
    hh, rest = np.divmod(ns, 3_600_000_000_000)
    mm, rest = np.divmod(rest, 60_000_000_000)
    jd1, jd2 = erfa.cal2jd(y, m, d)
    _check_utc_defined(jd1, jd2)
    return _erfa(erfa.dtf2d, "UTC", y, m, d, hh, mm, rest / 1e9)


def epoch(value, scale: str | None = None) -> Epoch:
    """Build an :class:`Epoch` from a string, datetime, datetime64, Julian date, Epoch or an array of them.

    ``scale`` is the scale of inputs that do not carry one (default UTC). An :class:`Epoch` given with a
    ``scale`` is converted to it.

    >>> epoch("2016-12-31T23:59:60").to("tai").iso()
    '2017-01-01T00:00:36'
    >>> epoch(["2021-02-10T11:52:00 TDB", "2021-02-10"]).shape
    (2,)
    """
    default = _check_scale(scale or "utc")
    if isinstance(value, Epoch):
        return value.to(scale) if scale else value
    if isinstance(value, str):
        jd1, jd2, s = _parse_string(str(value), default)
        return Epoch(jd1, jd2, s)
    if isinstance(value, _dt.datetime):
        return Epoch(*_from_datetime(value), "utc").to(default) if scale else Epoch(*_from_datetime(value), "utc")
    if isinstance(value, _dt.date):
        return epoch(_dt.datetime(value.year, value.month, value.day), scale)
    if isinstance(value, np.datetime64) or (isinstance(value, np.ndarray) and value.dtype.kind == "M"):
        arr = np.asarray(value)
        e = Epoch(*_from_datetime64(arr), "utc")
        return e.to(default) if scale else e
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        if not np.isfinite(value):
            raise EpochError(f"epoch {value!r} is not a finite Julian date")
        if default == "utc":
            _check_utc_defined(float(value), 0.0)
        return Epoch(float(value), 0.0, default)
    arr = np.asarray(value)
    if arr.dtype.kind in "fi":
        if not np.all(np.isfinite(arr)):
            raise EpochError("Julian dates must be finite numbers")
        e = Epoch(arr.astype(float), 0.0, default)
        if default == "utc":
            _check_utc_defined(e.jd1, e.jd2)
        return e
    if arr.dtype.kind == "M":
        return epoch(arr, scale)
    if arr.ndim == 0:
        raise EpochError(f"cannot read epoch {value!r}; use an ISO-8601 string, datetime, datetime64 or Julian date")
    if arr.size == 0:
        raise EpochError("an empty list of epochs")
    items = [epoch(v, scale) for v in arr.ravel()]
    scales = {e.scale for e in items}
    target = scale or (scales.pop() if len(scales) == 1 else "tdb")
    items = [e.to(target) for e in items]
    jd1 = np.array([e.jd1 for e in items]).reshape(arr.shape)
    jd2 = np.array([e.jd2 for e in items]).reshape(arr.shape)
    return Epoch(jd1, jd2, target)


def epoch_range(start, end, step_days: float) -> Epoch:
    """Evenly spaced epochs from ``start`` to ``end`` inclusive (when it falls on the grid), in TDB."""
    a, b = epoch(start).to("tdb"), epoch(end).to("tdb")
    if not (np.isfinite(step_days) and step_days > 0):
        raise EpochError(f"step {step_days!r} days must be a positive number")
    span = float(b - a)
    if span < 0:
        raise EpochError(f"range end {b.utc_iso()} is before its start {a.utc_iso()}")
    n = int(np.floor(span / step_days + 1e-9)) + 1
    return Epoch(np.full(n, a.jd1), a.jd2 + np.arange(n) * step_days, "tdb")
