"""Positions and velocities of solar-system bodies: JPL DE421 and Standish's analytic model.

``state(body, epochs, center="sun", frame="icrf", ephemeris="de421")`` returns ``(r_km, v_kms)`` of shape
``epochs.shape + (3,)``, one call for any number of epochs.

* **de421** — JPL Development Ephemeris 421 (Folkner, Williams & Boggs 2009, IPN Progress Report 42-178),
  the ``de421.bsp`` SPK file shipped by the ``skyfield-data`` package. jplephem reads the file's segments
  (Chebyshev type 2); a compiled kernel evaluates them for whole epoch arrays with no per-epoch temporaries.
  It covers 1899-07-29 to 2053-10-09 TDB; an epoch outside raises :class:`OutOfRangeError`.
* **analytic** — E. M. Standish, "Keplerian Elements for Approximate Positions of the Major Planets"
  (JPL Solar System Dynamics), Table 1 (valid 1800–2050; errors listed in ``data/standish_elements.md``).
  Sun-centred, no Moon: ``earth`` is approximated by the Earth–Moon barycentre (4670 km away, below the
  model's own error), and ``moon`` is not available.
* **a path ending in .bsp** — any JPL SPK planetary file of Chebyshev types 2/3 the user has (DE430, DE440 for
  1550–2650, DE441 for 13200 BC–17191 AD ...), read like DE421 and checked on loading for the Sun, the Earth and
  Mars (:data:`SPK_REQUIRED_BODIES`); its span is where all three are covered, and an epoch outside it raises
  :class:`OutOfRangeError` naming the file and its span.
* **analytic-long** — the same model with Standish's Tables 2a and 2b (valid 3000 BC – 3000 AD; larger
  errors than Table 1, listed in ``data/standish_elements.md``): for dates beyond DE421, e.g. long surveys.

Frames: ``icrf`` — the ICRF axes of DE421, which tianwen also calls EME2000 (the two differ by the 23-mas
frame bias, far below mission-design precision); ``ecliptic`` — the mean ecliptic and equinox of J2000,
obtained by a rotation about x by the J2000 obliquity 84381.448" (IAU 1976, as used by JPL Horizons).

Anything with a ``state(epoch) -> (r_km, v_kms)`` method (Sun-centred, ICRF) can stand in for a body name,
so tests and users can plug in their own planets.
"""

from __future__ import annotations

import csv
import functools
from importlib import resources

import numpy as np

from .bodies import AU_KM, BODIES, DAY_S, body as _lookup_body
from .errors import OutOfRangeError, TianwenError, UnknownBodyError
from .time import J2000_JD, Epoch, epoch as _epoch

OBLIQUITY_J2000_RAD = np.deg2rad(84381.448 / 3600.0)
_CE, _SE = np.cos(OBLIQUITY_J2000_RAD), np.sin(OBLIQUITY_J2000_RAD)
#: Rotation taking ICRF/EME2000 vectors to the J2000 mean ecliptic frame (row vectors: ``x_ecl = x_icrf @ R.T``).
ICRF_TO_ECLIPTIC = np.array([[1.0, 0.0, 0.0], [0.0, _CE, _SE], [0.0, -_SE, _CE]])
FRAMES = ("icrf", "ecliptic")
_FRAME_ALIASES = {"icrf": "icrf", "eme2000": "icrf", "j2000": "icrf", "ecliptic": "ecliptic", "eclipj2000": "ecliptic"}
EPHEMERIDES = ("de421", "analytic", "analytic-long")
#: Bodies an SPK file must hold (with their chains to the barycentre) to serve as an ephemeris for tianwen.
SPK_REQUIRED_BODIES = ("sun", "earth", "mars")


# ---------------------------------------------------------------------------------------------------------
# Compiled Chebyshev evaluation of SPK type-2 segments: tianwen.core.chebyshev
# ---------------------------------------------------------------------------------------------------------

#: Epoch arrays at least this long are evaluated on all cores (below it, thread start-up costs more).
PARALLEL_THRESHOLD = 20_000


#: Below this many epochs the Chebyshev series are summed by NumPy (no compiled kernel is loaded: loading one
#: costs ~0.5-1 s per process), above it by the compiled kernels of :mod:`tianwen.core.chebyshev`. Both sum the
#: same recurrence in the same order, so they give the same bits (tests/test_ephemeris.py checks it).
COMPILED_MIN_EPOCHS = 64


def _spk_add_numpy(coef, init_jd, intlen_d, jd1, jd2, r_out, v_out):
    """:func:`tianwen.core.chebyshev.spk_states_serial` (sign +1) in NumPy, vectorised over the epochs."""
    nrec = coef.shape[0]
    whole = jd1 - init_jd
    k = np.clip(np.floor((whole + jd2) / intlen_d).astype(np.int64), 0, nrec - 1)
    offset = (whole - k * intlen_d) + jd2
    s = 2.0 * offset / intlen_d - 1.0
    scale = 2.0 / (intlen_d * 86400.0)
    c = coef[k]  # (n, 3, ncoef)
    sc = s[:, None]
    t0, t1 = 1.0, sc
    d0, d1 = 0.0, 1.0
    p = c[:, :, 0] + c[:, :, 1] * sc
    v = c[:, :, 1].copy()
    for n in range(2, coef.shape[2]):
        t2 = 2.0 * sc * t1 - t0
        d2 = 2.0 * t1 + 2.0 * sc * d1 - d0
        p += c[:, :, n] * t2
        v += c[:, :, n] * d2
        t0, t1 = t1, t2
        d0, d1 = d1, d2
    r_out += 1.0 * p
    v_out += 1.0 * v * scale


def _spk_states(coef, init_jd, intlen_d, jd1, jd2, r_out, v_out):
    """Add one SPK segment's states at TDB epochs ``jd1 + jd2`` into ``r_out``, ``v_out`` (km, km/s)."""
    if jd1.size < COMPILED_MIN_EPOCHS:
        _spk_add_numpy(coef, init_jd, intlen_d, jd1, jd2, r_out, v_out)
        return
    from .core.chebyshev import spk_states_parallel, spk_states_serial

    kernel = spk_states_parallel if jd1.size >= PARALLEL_THRESHOLD else spk_states_serial
    kernel(coef, init_jd, intlen_d, jd1, jd2, 1.0, r_out, v_out)


class SPKEphemeris:
    """A JPL SPK file of Chebyshev segments (types 2 and 3: DE421, DE430, DE440, DE441 ...) read with jplephem
    and evaluated by a compiled Chebyshev kernel.

    ``span_tdb_jd`` is where every body of :data:`SPK_REQUIRED_BODIES` (Sun, Earth, Mars) is covered; a file
    that lacks one of them, holds no type-2/3 segment or cannot be read is refused with an error naming the file
    and what is missing. Type-3 segments carry fitted velocities too; tianwen, as for type 2, takes the velocity
    as the derivative of the position series (the two differ by far less than the fit's own error).
    """

    def __init__(self, path: str, name: str):
        from jplephem.spk import SPK

        self.name = name
        self.path = str(path)
        try:
            kernel = SPK.open(self.path)
        except FileNotFoundError:
            raise TianwenError(f"ephemeris file {self.path!r} does not exist; give the path of a JPL SPK (.bsp) "
                               f"file or one of {', '.join(EPHEMERIDES)}") from None
        except (OSError, ValueError) as exc:
            raise TianwenError(f"ephemeris file {self.path!r} is not a JPL SPK file jplephem can read ({exc}); "
                               f"give a DE4xx .bsp file") from None
        self._segments: dict = {}  # (center, target) -> [(coef, init_jd, intlen_days, start_jd, end_jd), ...]
        types = set()
        try:
            for seg in kernel.segments:
                types.add(seg.data_type)
                if seg.data_type not in (2, 3):
                    continue
                init_jd, intlen_days, coefficients = seg.load_array()
                # jplephem's public load_array: first epoch (JD TDB), record length (days) and the coefficients
                # as (components, records, n_coef), lowest degree first (3 components for type 2, 6 for type 3:
                # positions then velocities); the kernel wants the positions as (records, 3, n_coef).
                coef = np.ascontiguousarray(np.asarray(coefficients)[:3].transpose(1, 0, 2))
                coef.flags.writeable = False  # all segments alike (some are copies, some the file's read-only
                # map): one signature of the compiled kernel instead of two (a second compile on a cold start)
                self._segments.setdefault((seg.center, seg.target), []).append(
                    (coef, float(init_jd), float(intlen_days), float(seg.start_jd), float(seg.end_jd)))
        finally:
            kernel.close()
        if not self._segments:
            raise TianwenError(f"ephemeris file {self.path!r} has no Chebyshev position segment of SPK type 2 or 3 "
                               f"(types found: {', '.join(map(str, sorted(types))) or 'none'}); give a JPL DE4xx file")
        for segs in self._segments.values():
            segs.sort(key=lambda x: x[3])
        self._parent = {target: center for (center, target) in self._segments}
        lo, hi = -np.inf, np.inf
        for body_name in SPK_REQUIRED_BODIES:
            b_lo, b_hi = self.body_span(body_name)
            lo, hi = max(lo, b_lo), min(hi, b_hi)
        if not lo < hi:
            raise TianwenError(f"ephemeris file {self.path!r}: its Sun, Earth and Mars segments share no time span")
        self.span_tdb_jd = (lo, hi)

    def _chain(self, naif_id: int, name: str | None = None) -> list[int]:
        chain = [naif_id]
        while chain[-1] != 0:
            if chain[-1] not in self._parent:
                held = ", ".join(sorted({n for n, b in BODIES.items() if b.naif_id in self._parent}))
                raise UnknownBodyError(f"body {name or naif_id!r} (NAIF id {naif_id}) is not in {self.name}: no "
                                       f"segment for NAIF id {chain[-1]}; it holds {held or 'no known body'}")
            chain.append(self._parent[chain[-1]])
        return chain

    def body_span(self, name: str) -> tuple[float, float]:
        """(first, last) TDB Julian dates over which ``name``'s barycentric state is covered by the file."""
        chain = self._chain(_lookup_body(name).naif_id, name)
        lo, hi = -np.inf, np.inf
        for target, center in zip(chain[:-1], chain[1:]):
            segs = self._segments[(center, target)]
            lo, hi = max(lo, segs[0][3]), min(hi, max(x[4] for x in segs))
        return lo, hi

    def barycentric(self, name: str, tdb: Epoch) -> tuple[np.ndarray, np.ndarray]:
        """State of ``name`` relative to the solar-system barycentre (ICRF, km, km/s) at the epochs ``tdb`` (read
        in TDB: an epoch in another scale is converted, never taken for TDB)."""
        tdb = tdb.to("tdb")
        chain = self._chain(_lookup_body(name).naif_id, name)
        jd1 = np.ascontiguousarray(tdb.jd1.ravel())
        jd2 = np.ascontiguousarray(tdb.jd2.ravel())
        r = np.zeros((jd1.size, 3))
        v = np.zeros((jd1.size, 3))
        for target, center in zip(chain[:-1], chain[1:]):
            segs = self._segments[(center, target)]
            if len(segs) == 1:
                coef, init, intlen = segs[0][:3]
                _spk_states(coef, init, intlen, jd1, jd2, r, v)
                continue
            # Several segments for one pair (files in parts, e.g. DE441): each epoch from the segment holding it.
            jd = jd1 + jd2
            which = np.clip(np.searchsorted([x[3] for x in segs], jd, side="right") - 1, 0, len(segs) - 1)
            for k, (coef, init, intlen, _, _) in enumerate(segs):
                idx = np.flatnonzero(which == k)
                if idx.size:
                    rk, vk = np.zeros((idx.size, 3)), np.zeros((idx.size, 3))
                    _spk_states(coef, init, intlen, np.ascontiguousarray(jd1[idx]), np.ascontiguousarray(jd2[idx]),
                                rk, vk)
                    r[idx] += rk
                    v[idx] += vk
        return r, v

    def heliocentric(self, name: str, tdb: Epoch) -> tuple[np.ndarray, np.ndarray]:
        r, v = self.barycentric(name, tdb)
        if name != "sun":
            rs, vs = self.barycentric("sun", tdb)
            r -= rs
            v -= vs
        else:
            r[:] = 0.0
            v[:] = 0.0
        return r, v


# ---------------------------------------------------------------------------------------------------------
# Standish's approximate Keplerian elements
# ---------------------------------------------------------------------------------------------------------


def _kepler_E(M, e):
    """Eccentric anomaly from mean anomaly (rad), Newton's method, vectorised (e < 1)."""
    E = M + e * np.sin(M)
    for _ in range(30):
        dE = (E - e * np.sin(E) - M) / (1.0 - e * np.cos(E))
        E -= dE
        if np.all(np.abs(dE) < 1e-15):
            break
    return E


class StandishEphemeris:
    """Heliocentric planets from Standish's Keplerian elements and rates (Table 1, 1800–2050)."""

    name = "analytic"
    span_tdb_jd = (2378496.5, 2470172.5)  # 1800-01-01 .. 2051-01-01: Table 1's stated validity, 1800-2050 AD
    _SUBSTITUTES = {"earth": "emb"}

    #: Names and validity spans (TDB Julian dates) of Standish's tables: Table 1, and Tables 2a+2b.
    TABLES = {"1800-2050": ("analytic", (2378496.5, 2470172.5)),
              "3000bc-3000ad": ("analytic-long", (625697.5, 2817152.5))}  # -2999-01-01 .. 3001-01-01

    def __init__(self, table: str = "1800-2050"):
        if table not in self.TABLES:
            raise TianwenError(f"unknown Standish table {table!r}; use one of {', '.join(self.TABLES)}")
        self.name, self.span_tdb_jd = self.TABLES[table]
        self._elements = {}
        text = resources.files("tianwen").joinpath("data/standish_elements.csv").read_text()
        for row in csv.DictReader(line for line in text.splitlines() if not line.startswith("#")):
            if row["table"] == table:
                self._elements[row["body"]] = row

    def heliocentric(self, name: str, tdb: Epoch) -> tuple[np.ndarray, np.ndarray]:
        tdb = tdb.to("tdb")  # an epoch in another scale is converted, never taken for TDB
        key = self._SUBSTITUTES.get(name, name)
        if key == "sun":
            z = np.zeros(tdb.jd1.size * 3).reshape(-1, 3)
            return z, z.copy()
        if key not in self._elements:
            raise UnknownBodyError(
                f"body {name!r} is not in the analytic ephemeris; it knows sun, earth (as emb), "
                f"{', '.join(sorted(self._elements))}; use ephemeris='de421' for the Moon"
            )
        el = self._elements[key]
        T = (((tdb.jd1 - J2000_JD) + tdb.jd2) / 36525.0).ravel()  # Julian centuries TDB since J2000

        a = (float(el["a_au"]) + float(el["a_au_cy"]) * T) * AU_KM
        e = float(el["e"]) + float(el["e_cy"]) * T
        inc = np.deg2rad(float(el["i_deg"]) + float(el["i_deg_cy"]) * T)
        L = float(el["l_deg"]) + float(el["l_deg_cy"]) * T
        varpi = float(el["varpi_deg"]) + float(el["varpi_deg_cy"]) * T
        node = np.deg2rad(float(el["omega_deg"]) + float(el["omega_deg_cy"]) * T)
        M_deg = L - varpi
        for extra in ("b", "c", "s", "f"):
            if el.get(extra, "") == "":
                break
        else:  # Table 2b extra terms for Jupiter..Pluto
            b, c, s, f = (float(el[k]) for k in ("b", "c", "s", "f"))
            M_deg = M_deg + b * T**2 + c * np.cos(np.deg2rad(f * T)) + s * np.sin(np.deg2rad(f * T))
        argp = np.deg2rad(varpi) - node
        M = np.deg2rad(np.mod(M_deg + 180.0, 360.0) - 180.0)
        E = _kepler_E(M, e)
        # Mean motion from the rate of the mean anomaly (deg/century -> rad/s).
        n = np.deg2rad(float(el["l_deg_cy"]) - float(el["varpi_deg_cy"])) / (36525.0 * DAY_S)
        sq = np.sqrt(1.0 - e * e)
        cosE, sinE = np.cos(E), np.sin(E)
        Edot = n / (1.0 - e * cosE)
        xp, yp = a * (cosE - e), a * sq * sinE
        vxp, vyp = -a * sinE * Edot, a * sq * cosE * Edot
        cw, sw, cO, sO, ci, si = np.cos(argp), np.sin(argp), np.cos(node), np.sin(node), np.cos(inc), np.sin(inc)
        # Perifocal -> J2000 ecliptic (Standish eq. 8.34 form), then ecliptic -> ICRF.
        m11 = cw * cO - sw * sO * ci
        m12 = -sw * cO - cw * sO * ci
        m21 = cw * sO + sw * cO * ci
        m22 = -sw * sO + cw * cO * ci
        m31 = sw * si
        m32 = cw * si
        r_ecl = np.stack([m11 * xp + m12 * yp, m21 * xp + m22 * yp, m31 * xp + m32 * yp], axis=-1)
        v_ecl = np.stack([m11 * vxp + m12 * vyp, m21 * vxp + m22 * vyp, m31 * vxp + m32 * vyp], axis=-1)
        return r_ecl @ ICRF_TO_ECLIPTIC, v_ecl @ ICRF_TO_ECLIPTIC


# ---------------------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------------------


def is_spk_path(name) -> bool:
    """Whether an ephemeris name is a path to an SPK file (it ends in ``.bsp``) rather than a registered name."""
    return isinstance(name, str) and name.strip().lower().endswith(".bsp")


@functools.lru_cache(maxsize=None)
def get_ephemeris(name: str = "de421"):
    """The ephemeris called ``name`` (``de421``, ``analytic`` or ``analytic-long``), or the JPL SPK file at the
    path ``name`` (ending in ``.bsp``: DE430, DE440, DE441 ... of SPK types 2/3, checked for the Sun, Earth and
    Mars; its ``name`` is that path), loaded once per process."""
    if is_spk_path(name):
        return SPKEphemeris(str(name).strip(), str(name).strip())
    key = str(name).lower()
    if key == "de421":
        path = resources.files("skyfield_data").joinpath("data/de421.bsp")
        return SPKEphemeris(str(path), "de421")
    if key == "analytic":
        return StandishEphemeris()
    if key == "analytic-long":
        return StandishEphemeris(table="3000bc-3000ad")
    raise TianwenError(f"unknown ephemeris {name!r}; use one of {', '.join(EPHEMERIDES)} or the path of a JPL "
                       f"SPK file ending in .bsp (e.g. de440.bsp)")


def resolve_ephemeris(ephemeris):
    """An ephemeris object from a name, an SPK path (``.bsp``) or an ephemeris object (returned as is)."""
    return get_ephemeris(ephemeris) if isinstance(ephemeris, str) else ephemeris


def check_span(eph, tdb: Epoch, what: str = "epoch") -> None:
    """Raise :class:`OutOfRangeError` naming the first epoch outside ``eph``'s span (no extrapolation)."""
    lo, hi = eph.span_tdb_jd
    jd = np.asarray(tdb.jd1 + tdb.jd2)
    bad = ~((jd >= lo) & (jd <= hi))
    if np.any(bad):
        first = Epoch(np.asarray(tdb.jd1)[bad].ravel()[0], np.asarray(tdb.jd2)[bad].ravel()[0], "tdb")
        span = Epoch(np.array([lo, hi]), 0.0, "tdb").iso()
        jd = float(first.jd)
        label = first.utc_iso() if jd > 2436935.5 else first.iso()[:19] + " TDB"
        alt_lo, alt_hi = StandishEphemeris.span_tdb_jd
        long_lo, long_hi = StandishEphemeris.TABLES["3000bc-3000ad"][1]
        spk = isinstance(eph, SPKEphemeris)
        hint = ("; use ephemeris=\"analytic\" (1800-2050) for this date"
                if spk and alt_lo <= jd <= alt_hi else
                "; use ephemeris=\"analytic-long\" (3000 BC-3000 AD) for this date"
                if (spk or eph.name == "analytic") and long_lo <= jd <= long_hi else "")
        raise OutOfRangeError(
            f"{what} {label} is outside {eph.name} ({span[0][:10]} to {span[1][:10]} TDB){hint}"
        )


def frame_name(frame: str) -> str:
    """The canonical name of a frame (``icrf`` or ``ecliptic``) from any accepted alias (``eme2000`` = ``icrf``)."""
    try:
        return _FRAME_ALIASES[str(frame).lower()]
    except KeyError:
        raise TianwenError(f"unknown frame {frame!r}; use one of {', '.join(FRAMES)} (eme2000 = icrf)") from None


def heliocentric_state(body, tdb: Epoch, ephemeris="de421") -> tuple[np.ndarray, np.ndarray]:
    """Sun-centred ICRF state of ``body`` (a name or an object with ``state(epoch)``), flat (n, 3) arrays."""
    if not isinstance(body, str):
        r, v = body.state(tdb)
        return np.asarray(r, float).reshape(-1, 3), np.asarray(v, float).reshape(-1, 3)
    name = _lookup_body(body).name
    eph = resolve_ephemeris(ephemeris)
    check_span(eph, tdb)
    return eph.heliocentric(name, tdb)


def state(body, epochs, *, center="sun", frame: str = "icrf", ephemeris="de421") -> tuple[np.ndarray, np.ndarray]:
    """Position (km) and velocity (km/s) of ``body`` relative to ``center`` at ``epochs``.

    ``body`` and ``center`` are names (``sun``, ``mercury`` .. ``neptune``, ``moon``, ``earth``, ``emb``;
    ``mars`` is the Mars barycentre) or objects with a ``state(epoch)`` method. ``epochs`` is anything
    :func:`tianwen.time.epoch` accepts (strings default to UTC). Returns arrays of shape ``epochs.shape + (3,)``.

    >>> r, v = state("mars", "2021-02-10T11:52:00")
    >>> 1.3e8 < float(np.linalg.norm(r)) < 2.5e8
    True
    """
    fr = frame_name(frame)
    t = _epoch(epochs).to("tdb")
    r, v = heliocentric_state(body, t, ephemeris)
    if not (isinstance(center, str) and center.strip().lower() == "sun"):
        rc, vc = heliocentric_state(center, t, ephemeris)
        r, v = r - rc, v - vc
    if fr == "ecliptic":
        r, v = r @ ICRF_TO_ECLIPTIC.T, v @ ICRF_TO_ECLIPTIC.T
    shape = t.shape + (3,)
    return r.reshape(shape), v.reshape(shape)


def known_bodies(ephemeris="de421") -> list[str]:
    """Names of the bodies available in an ephemeris."""
    if ephemeris in ("analytic", "analytic-long"):
        return ["sun", "mercury", "venus", "earth", "emb", "mars", "jupiter", "saturn", "uranus", "neptune", "pluto"]
    return list(BODIES)
