"""Mars atmosphere and shape for entry: an exponential model and a tabulated mean atmosphere.

Two models, each an :class:`Atmosphere` (density, temperature, pressure and speed of sound versus altitude, as
NumPy arrays in and out), and a density dispersion factor that scales the density (dust season, day-to-day
variability) while leaving the temperature and the speed of sound alone:

* :func:`exponential` -- ``rho = rho0 exp(-h / H)``, by default ``rho0 = 0.020 kg/m^3`` and ``H = 11.1 km``
  (the reference case of the landing issue; 11.1 km is also the pressure scale height of NASA Glenn's model,
  ``exp(-0.00009 h)``). Isothermal: ``T = g H / R`` with the surface gravity, so that the model is hydrostatic.
* :func:`mars_mean` -- the table ``data/mars_atmosphere.csv``: a hydrostatic column built on NASA Glenn Research
  Center's curve fit to Mars Global Surveyor measurements (April 1996) -- Glenn's temperature to 50 km (held
  constant above) and his 699 Pa surface pressure; the method, and how it departs from Glenn's own pressure
  formula, in ``data/mars_atmosphere.md``.

Altitudes are above the reference surface of :mod:`tianwen.landing` (the IAU 2015 ellipsoid, standing in for the
MOLA areoid, or the mean-radius sphere). The atmosphere co-rotates with the planet at :data:`ROTATION_RAD_S`.

>>> round(float(exponential().density(11.1)), 6)   # one scale height: 0.020 / e
0.007358
>>> round(float(mars_mean().temperature(0.0)), 1)   # Glenn: -31 C at the reference altitude
242.1
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field, replace
from importlib import resources

import numpy as np

from .bodies import GM_MARS, R_MARS_EQ_KM
from .errors import TianwenError

__all__ = ["Atmosphere", "exponential", "mars_mean", "atmosphere", "ROTATION_RAD_S", "MEAN_RADIUS_KM",
           "EQUATORIAL_RADIUS_KM", "POLAR_RADIUS_KM", "GAS_CONSTANT_J_KG_K", "GAMMA"]

#: Mars mean radius, IAU WGCCRE 2015 (Archinal et al. 2018, Celest. Mech. Dyn. Astron. 130:22, Table 5).
MEAN_RADIUS_KM = 3389.50
#: Mars equatorial and polar radii of the IAU 2015 reference ellipsoid (Archinal et al. 2018, Table 5).
EQUATORIAL_RADIUS_KM = R_MARS_EQ_KM
POLAR_RADIUS_KM = 3376.20
#: Rotation rate, rad/s: 350.891982443297 deg/day, the IAU WGCCRE 2015 prime-meridian rate for Mars
#: (Archinal et al. 2018, Table 2), the value :func:`tianwen.arrival.entry_conditions` uses.
ROTATION_RAD_S = math.radians(350.891982443297) / 86400.0
#: Specific gas constant of NASA Glenn's Mars model, J/(kg K) ("0.1921 kJ/kg K", CO2-rich mixture).
GAS_CONSTANT_J_KG_K = 192.1
#: Ratio of specific heats used for the speed of sound: CO2 gives 1.29 at 300 K to about 1.37 at 150 K
#: (ideal-gas heat capacities, NIST Chemistry WebBook); 1.33 is the middle, i.e. +-1.5 % in sound speed.
GAMMA = 1.33
_G_SURFACE = GM_MARS * 1e9 / (MEAN_RADIUS_KM * 1e3) ** 2  # m/s^2, 3.727


@dataclass(frozen=True)
class Atmosphere:
    """An atmosphere model on a uniform altitude grid (log-linear in density and pressure between nodes).

    ``alt_km`` must be uniformly spaced; beyond the grid the end segments are extended (exact for an
    exponential or isothermal layer), temperature and sound speed held at the end values.
    """

    name: str
    alt_km: np.ndarray = field(repr=False)
    temperature_k: np.ndarray = field(repr=False)
    pressure_pa: np.ndarray = field(repr=False)
    density_kg_m3: np.ndarray = field(repr=False)
    speed_of_sound_m_s: np.ndarray = field(repr=False)
    density_factor: float = 1.0
    source: str = ""
    parameters: dict = field(default_factory=dict, repr=False)

    def _interp_log(self, values, alt_km):
        h = np.asarray(alt_km, dtype=float)
        x = (h - self.alt_km[0]) / (self.alt_km[1] - self.alt_km[0])
        i = np.clip(np.floor(np.nan_to_num(x)).astype(int), 0, self.alt_km.size - 2)
        w = x - i
        lv = np.log(values)
        return np.exp(lv[i] + w * (lv[i + 1] - lv[i]))

    def _interp_lin(self, values, alt_km):
        return np.interp(np.asarray(alt_km, dtype=float), self.alt_km, values)

    def density(self, alt_km):
        """Density, kg/m^3 (times :attr:`density_factor`), at ``alt_km`` (any shape)."""
        return self.density_factor * self._interp_log(self.density_kg_m3, alt_km)

    def pressure(self, alt_km):
        """Pressure, Pa (times :attr:`density_factor`: the dispersion is a uniform scaling of the column)."""
        return self.density_factor * self._interp_log(self.pressure_pa, alt_km)

    def temperature(self, alt_km):
        """Temperature, K."""
        return self._interp_lin(self.temperature_k, alt_km)

    def speed_of_sound(self, alt_km):
        """Speed of sound ``sqrt(GAMMA R T)``, m/s."""
        return self._interp_lin(self.speed_of_sound_m_s, alt_km)

    def scaled(self, density_factor: float) -> "Atmosphere":
        """The same atmosphere with the density dispersion factor ``density_factor`` (> 0)."""
        f = _positive(density_factor, "density_factor", "")
        return replace(self, density_factor=f)

    def table(self):
        """``(h0_m, dh_m, log_density, speed_of_sound)`` for the compiled entry kernels (factor excluded)."""
        h0 = float(self.alt_km[0]) * 1e3
        dh = float(self.alt_km[1] - self.alt_km[0]) * 1e3
        return (h0, dh, np.ascontiguousarray(np.log(self.density_kg_m3)),
                np.ascontiguousarray(self.speed_of_sound_m_s, dtype=float))

    def as_json(self) -> dict:
        """The model's name, parameters and source, for reports."""
        return {"model": self.name, **self.parameters, "density_factor": self.density_factor,
                "source": self.source}


def _positive(x, name: str, unit: str) -> float:
    try:
        v = float(x)
    except (TypeError, ValueError):
        raise TianwenError(f"{name} = {x!r} is not a number; pass a positive float{unit}") from None
    if not (v > 0.0 and math.isfinite(v)):
        raise TianwenError(f"{name} = {v!r}{unit} must be positive and finite")
    return v


def exponential(rho0_kg_m3: float = 0.020, scale_height_km: float = 11.1, *, density_factor: float = 1.0,
                top_km: float = 400.0) -> Atmosphere:
    """Isothermal exponential atmosphere ``rho0 exp(-h / H)``; ``T = g0 H / R`` (g0 = GM / R_mean^2).

    The defaults are the reference case of the landing issue (0.020 kg/m^3, 11.1 km), which gives
    ``T = 215 K`` and a speed of sound of 236 m/s.
    """
    rho0 = _positive(rho0_kg_m3, "rho0_kg_m3", " kg/m^3")
    hs = _positive(scale_height_km, "scale_height_km", " km")
    f = _positive(density_factor, "density_factor", "")
    alt = np.arange(-10.0, float(top_km) + 1.0, 1.0)
    rho = rho0 * np.exp(-alt / hs)
    t = _G_SURFACE * hs * 1e3 / GAS_CONSTANT_J_KG_K
    temp = np.full(alt.shape, t)
    return Atmosphere(
        "exponential", alt, temp, rho * GAS_CONSTANT_J_KG_K * t, rho,
        np.full(alt.shape, math.sqrt(GAMMA * GAS_CONSTANT_J_KG_K * t)), f,
        "exponential model, rho0 and H as given (reference case 0.020 kg/m^3, 11.1 km)",
        {"rho0_kg_m3": rho0, "scale_height_km": hs, "temperature_k": t})


_MEAN = None


def mars_mean(*, density_factor: float = 1.0) -> Atmosphere:
    """Mean Mars atmosphere from ``data/mars_atmosphere.csv`` (hydrostatic on NASA Glenn's temperature fit)."""
    global _MEAN
    f = _positive(density_factor, "density_factor", "")
    if _MEAN is None:
        text = resources.files("tianwen").joinpath("data/mars_atmosphere.csv").read_text()
        rows = list(csv.DictReader(text.splitlines()))
        col = {k: np.array([float(r[k]) for r in rows]) for k in
               ("alt_km", "temperature_k", "pressure_pa", "density_kg_m3", "speed_of_sound_m_s")}
        _MEAN = Atmosphere(
            "mars-mean", col["alt_km"], col["temperature_k"], col["pressure_pa"], col["density_kg_m3"],
            col["speed_of_sound_m_s"], 1.0,
            "hydrostatic column on NASA Glenn's Mars temperature fit (MGS, April 1996) and surface pressure, "
            "isothermal above 50 km; data/mars_atmosphere.md",
            {"surface_density_kg_m3": float(np.interp(0.0, col["alt_km"], col["density_kg_m3"])),
             "table_top_km": float(col["alt_km"][-1])})
    return _MEAN.scaled(f) if f != 1.0 else _MEAN


_MODELS = {"exponential": exponential, "mars-mean": mars_mean}


def atmosphere(model="mars-mean", *, density_factor: float = 1.0) -> Atmosphere:
    """An :class:`Atmosphere` by name (``"mars-mean"`` or ``"exponential"``), or ``model`` itself rescaled."""
    if isinstance(model, Atmosphere):
        return model.scaled(model.density_factor * _positive(density_factor, "density_factor", ""))
    key = str(model).strip().lower()
    if key not in _MODELS:
        raise TianwenError(f"unknown atmosphere {model!r}; use one of {', '.join(_MODELS)} or an Atmosphere")
    return _MODELS[key](density_factor=density_factor)

