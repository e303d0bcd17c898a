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
from .core.chebyshev import spk_states_parallel as _chebyshev_parallel
from .core.chebyshev import spk_states_serial as _chebyshev_serial
from .errors import OutOfRangeError, TianwenError, UnknownBodyError
from .time import J2000_JD, Epoch, epoch as _epoch

OBLIQUITY_J2000_RAD = np.deg2rad(84381.448 / 3600.0)
_CE, _SE = np.cos(OBLIQUITY_J2000_RAD), np.sin(OBLIQUITY_J2000_RAD)
#: Rotation taking ICRF/EME2000 vectors to the J2000 mean ecliptic frame (row vectors: ``x_ecl = x_icrf @ R.T``).
ICRF_TO_ECLIPTIC = np.array([[1.0, 0.0, 0.0], [0.0, _CE, _SE], [0.0, -_SE, _CE]])
FRAMES = ("icrf", "ecliptic")
_FRAME_ALIASES = {"icrf": "icrf", "eme2000": "icrf", "j2000": "icrf", "ecliptic": "ecliptic", "eclipj2000": "ecliptic"}
EPHEMERIDES = ("de421", "analytic", "analytic-long")


# ---------------------------------------------------------------------------------------------------------
# Compiled Chebyshev evaluation of SPK type-2 segments: tianwen.core.chebyshev
# ---------------------------------------------------------------------------------------------------------

#: Epoch arrays at least this long are evaluated on all cores (below it, thread start-up costs more).
PARALLEL_THRESHOLD = 20_000


class SPKEphemeris:
    """A JPL SPK file read with jplephem and evaluated by a compiled Chebyshev kernel."""

    def __init__(self, path: str, name: str):
        from jplephem.spk import SPK

        self.name = name
        self.path = str(path)
        kernel = SPK.open(self.path)
        self._segments = {}
        starts, ends = [], []
        for seg in kernel.segments:
            if seg.data_type != 2:
                continue
            init_jd, intlen_days, coefficients = seg.load_array()
            # jplephem's public load_array: first epoch (JD TDB), record length (days) and the coefficients
            # as (3, records, n_coef), lowest degree first; the kernel wants (records, 3, n_coef).
            coef = np.ascontiguousarray(np.asarray(coefficients).transpose(1, 0, 2))
            self._segments[(seg.center, seg.target)] = (coef, float(init_jd), float(intlen_days))
            starts.append(seg.start_jd)
            ends.append(seg.end_jd)
        kernel.close()
        self.span_tdb_jd = (max(starts), min(ends))
        self._parent = {target: center for (center, target) in self._segments}

    def _chain(self, naif_id: int) -> list[int]:
        chain = [naif_id]
        while chain[-1] != 0:
            if chain[-1] not in self._parent:
                raise UnknownBodyError(f"body with NAIF id {naif_id} is not in {self.name}")
            chain.append(self._parent[chain[-1]])
        return chain

    def barycentric(self, name: str, tdb: Epoch) -> tuple[np.ndarray, np.ndarray]:
        """State of ``name`` relative to the solar-system barycentre (ICRF, km, km/s) at TDB epochs."""
        chain = self._chain(_lookup_body(name).naif_id)
        jd1 = np.ascontiguousarray(tdb.jd1.ravel())
        jd2 = np.ascontiguousarray(tdb.jd2.ravel())
        r = np.zeros((jd1.size, 3))
        v = np.zeros((jd1.size, 3))
        for target, center in zip(chain[:-1], chain[1:]):
            coef, init, intlen = self._segments[(center, target)]
            kernel = _chebyshev_parallel if jd1.size >= PARALLEL_THRESHOLD else _chebyshev_serial
            kernel(coef, init, intlen, jd1, jd2, 1.0, r, v)
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


@functools.lru_cache(maxsize=None)
def get_ephemeris(name: str = "de421"):
    """The ephemeris called ``name`` (``de421``, ``analytic`` or ``analytic-long``), loaded once per process."""
    key = str(name).lower()
    if key == "de421":
        path = resources.files("skyfield_data").joinpath("data/de421.bsp")
        return SPKEphemeris(str(path), "de421")
    if key == "analytic":
        return StandishEphemeris()
    if key == "analytic-long":
        return StandishEphemeris(table="3000bc-3000ad")
    raise TianwenError(f"unknown ephemeris {name!r}; use one of {', '.join(EPHEMERIDES)}")


def resolve_ephemeris(ephemeris):
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
        hint = ("; use ephemeris=\"analytic\" (1800-2050) for this date"
                if eph.name == "de421" and alt_lo <= jd <= alt_hi else
                "; use ephemeris=\"analytic-long\" (3000 BC-3000 AD) for this date"
                if eph.name in ("de421", "analytic") and long_lo <= jd <= long_hi else "")
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
