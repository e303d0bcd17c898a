"""Tests of tianwen.bodies: gravitational parameters, radii, spheres of influence and names.

References, none written by us:

* the DE421 header as shipped in the ``de421`` PyPI package (``constants.npy``, read here with NumPy):
  GMs in AU^3/day^2, AU in km, EMRAT (Folkner, Williams & Boggs 2009, IPN PR 42-178);
* the IAU 2009 System of Astronomical Constants (Luzum et al. 2011, Celest. Mech. Dyn. Astron. 110, 293,
  Table 1) and the IERS Conventions 2010 Table 1.1; IAU 2015 Resolution B3 (nominal solar values);
* the IAU WGCCRE 2015 report (Archinal et al. 2018, Celest. Mech. Dyn. Astron. 130:22, Table 5) for radii;
* Curtis, *Orbital Mechanics for Engineering Students* (3rd ed., 2014), Table A.2, spheres of influence;
* NAIF's integer ID codes, as tabulated in jplephem (``jplephem.names.target_names``).
"""

import os
import re

import de421
import numpy as np
import pytest
from jplephem.names import target_names

from tianwen import bodies
from tianwen.bodies import body
from tianwen.errors import UnknownBodyError

DAY_S = 86400.0


@pytest.fixture(scope="module")
def header():
    """The DE421 header constants, name -> value, from the de421 package's constants.npy."""
    table = np.load(os.path.join(os.path.dirname(de421.__file__), "constants.npy"))
    return {name.decode(): float(value) for name, value in table}


def km3_s2(header, key):
    """A DE421 GM (AU^3/day^2) in km^3/s^2, with DE421's own AU."""
    return header[key] * header["AU"] ** 3 / DAY_S**2


@pytest.mark.parametrize("name, key", [
    ("sun", "GMS"), ("mercury", "GM1"), ("venus", "GM2"), ("emb", "GMB"), ("mars", "GM4"),
    ("jupiter", "GM5"), ("saturn", "GM6"), ("uranus", "GM7"), ("neptune", "GM8"),
])
def test_gm_equals_de421_header(header, name, key):
    """Each GM is DE421's header value converted with DE421's AU (km) and 86400 s/day.

    Source: DE421 header (de421 package, constants.npy). The same numbers through a few float operations
    in a possibly different order: 1e-14 relative (a few ulps).
    """
    assert body(name).gm_km3_s2 == pytest.approx(km3_s2(header, key), rel=1e-14)


def test_earth_and_moon_split_the_emb_gm_by_emrat(header):
    """GM(Earth) + GM(Moon) = GMB and GM(Earth)/GM(Moon) = EMRAT, DE421's Earth/Moon mass ratio.

    Source: DE421 header (GMB, EMRAT = 81.3005690699153). Physical definitions of the two constants;
    1e-14 relative covers float round-off.
    """
    earth, moon = body("earth").gm_km3_s2, body("moon").gm_km3_s2
    assert earth + moon == pytest.approx(km3_s2(header, "GMB"), rel=1e-14)
    assert earth / moon == pytest.approx(header["EMRAT"], rel=1e-14)


def test_module_constants_are_de421s(header):
    """AU, EMRAT, the speed of light, Earth's J2 and equatorial radius are the DE421 header's.

    Source: DE421 header keys AU, EMRAT, CLIGHT, J2E, AE (exact copies expected).
    """
    assert bodies.AU_KM == header["AU"]
    assert bodies.EMRAT == header["EMRAT"]
    assert bodies.C_KMS == header["CLIGHT"]
    assert bodies.J2_EARTH == header["J2E"]
    assert bodies.R_EARTH_EQ_KM == header["AE"]


def test_sun_gm_matches_iau():
    """GM(Sun) = 1.32712440041e11 km^3/s^2 (TDB-compatible) within the IAU's stated +/- 1e1 km^3/s^2;
    also the IAU 2015 nominal 1.3271244e11 to its 8 digits.

    Source: IAU 2009 System of Astronomical Constants (Luzum et al. 2011, Table 1): GM_S = 1.32712440041e20
    m^3 s^-2 +/- 1e10 (TDB-compatible); IAU 2015 Resolution B3: (GM)_Sun^N = 1.3271244e20 m^3 s^-2.
    """
    assert bodies.GM_SUN == pytest.approx(1.32712440041e11, abs=10.0)
    assert bodies.GM_SUN == pytest.approx(1.3271244e11, rel=0.5e-7)
    assert body("sun").gm_km3_s2 == bodies.GM_SUN


def test_earth_gm_matches_iers():
    """GM(Earth) = 398600.4356 km^3/s^2 (TDB-compatible) within the published +/- 8e-4 km^3/s^2.

    Source: IAU 2009 constants (Luzum et al. 2011, Table 1) and IERS Conventions 2010, Table 1.1:
    GM_E = 3.986004418e14 m^3 s^-2 +/- 8e5 (TCG-compatible), i.e. 3.986004415e14 in TT and 3.986004356e14
    in TDB units. DE421's own value (from its GMB and EMRAT) is 398600.43623, inside that uncertainty.
    """
    assert body("earth").gm_km3_s2 == pytest.approx(398600.4356, abs=8e-4)


@pytest.mark.parametrize("name, curtis_km, half_unit_km", [
    ("mercury", 112_000.0, 500.0),
    ("venus", 616_000.0, 500.0),
    ("earth", 925_000.0, 500.0),
    ("mars", 577_000.0, 500.0),
    ("jupiter", 48_200_000.0, 50_000.0),
])
def test_sphere_of_influence_matches_curtis(name, curtis_km, half_unit_km):
    """Laplace sphere-of-influence radii agree with Curtis Table A.2 to the digits Curtis prints.

    Source: Curtis, Orbital Mechanics for Engineering Students (3rd ed.), Table A.2: Mercury 112,000 km,
    Venus 616,000 km, Earth 925,000 km, Mars 577,000 km, Jupiter 48,200,000 km. Curtis prints three
    significant figures, so the tolerance is half a unit of the third figure; his semi-major axes and
    masses (Table A.1, four figures) move the radius by < 0.05 %, well inside that. Saturn-Neptune are not
    checked: Curtis's mean distances differ from Standish's J2000 semi-major axes by up to 0.5 %.
    """
    assert body(name).soi_km == pytest.approx(curtis_km, abs=half_unit_km)


@pytest.mark.parametrize("name, radius_km", [
    ("sun", 695_700.0),     # IAU 2015 Resolution B3, nominal solar radius
    ("venus", 6051.8),      # Archinal et al. 2018, Table 5, mean radius
    ("earth", 6371.0084),
    ("moon", 1737.4),
    ("mars", 3389.50),
    ("jupiter", 69_911.0),
])
def test_mean_radii_are_iau_2015(name, radius_km):
    """Mean radii are the IAU WGCCRE 2015 values (Archinal et al. 2018, Table 5) and the IAU 2015 nominal
    solar radius; quoted numbers, so compared exactly (to float equality of the decimal literal)."""
    assert body(name).radius_km == pytest.approx(radius_km, rel=1e-12)


@pytest.mark.parametrize("name, naif_name", [
    ("sun", "SUN"), ("mercury", "MERCURY"), ("venus", "VENUS"), ("earth", "EARTH"), ("moon", "MOON"),
    ("emb", "EARTH BARYCENTER"), ("mars", "MARS BARYCENTER"), ("jupiter", "JUPITER BARYCENTER"),
    ("saturn", "SATURN BARYCENTER"), ("uranus", "URANUS BARYCENTER"), ("neptune", "NEPTUNE BARYCENTER"),
])
def test_naif_ids_name_the_documented_body(name, naif_name):
    """Each body's NAIF id is the code NAIF gives the body the README describes ('mars' is the Mars system
    barycentre, 'earth' the Earth's centre, 'emb' the Earth-Moon barycentre).

    Source: NAIF integer ID codes (NAIF IDs Required Reading), as tabulated in jplephem.names.
    """
    assert target_names[body(name).naif_id] == naif_name


@pytest.mark.parametrize("bad", ["vulcan", "marz", "", "4"])
def test_unknown_body_names_the_accepted_names(bad):
    """An unknown name raises UnknownBodyError, a ValueError whose one-line message repeats the bad name and
    lists the names accepted: every body the README documents appears in it.

    Source: README ("Bodies" and the ephemeris command's BODY list) and CONTRIBUTING.md rule 6 (errors name the
    value and the fix).
    """
    with pytest.raises(UnknownBodyError) as info:
        body(bad)
    message = str(info.value)
    assert isinstance(info.value, ValueError)
    assert "\n" not in message and repr(bad) in message
    readme_names = ["sun", "mercury", "venus", "earth", "moon", "emb", "mars", "jupiter", "saturn",
                    "uranus", "neptune"]
    words = set(re.findall(r"[a-z]+", message.replace(repr(bad), "")))
    assert set(readme_names) <= words


class _Delegate:
    """A user-defined body (the :class:`tianwen.bodies.BodyModel` contract): any object with ``name``,
    ``gm_km3_s2``, ``radius_km`` and ``state(tdb)``. This one returns DE421's state of a named planet, so the
    porkchop made with it must be the porkchop made with the planet's name, to the last bit."""

    def __init__(self, planet: str):
        from tianwen.bodies import body

        b = body(planet)
        self.planet = planet
        self.name = f"my-{planet}"
        self.gm_km3_s2 = b.gm_km3_s2
        self.radius_km = b.radius_km

    def state(self, tdb):
        from tianwen.ephemeris import heliocentric_state

        return heliocentric_state(self.planet, tdb)


def test_a_user_defined_body_is_a_porkchop_origin_and_target():
    import numpy as np

    from tianwen.bodies import BodyModel
    from tianwen.porkchop import porkchop

    earth, mars = _Delegate("earth"), _Delegate("mars")
    assert isinstance(earth, BodyModel)
    kw = dict(step_days=10.0, parking_alt_km=200.0, capture=(400.0, 40000.0))
    mine = porkchop(("2020-06-01", "2020-09-01"), ("2021-01-01", "2021-09-01"), origin=earth, target=mars, **kw)
    ref = porkchop(("2020-06-01", "2020-09-01"), ("2021-01-01", "2021-09-01"), origin="earth", target="mars", **kw)
    assert mine.attrs["origin"] == "my-earth" and mine.attrs["target"] == "my-mars"
    for k in ("c3", "vinf_arr", "dla", "rla", "dv_depart", "dv_arrive", "dv_total"):
        np.testing.assert_array_equal(mine[k].values, ref[k].values, err_msg=k)


def test_an_object_without_the_contract_is_refused_with_what_it_lacks():
    import pytest

    from tianwen.bodies import body
    from tianwen.errors import UnknownBodyError

    class Half:
        name = "half"

        def state(self, tdb):
            return None

    with pytest.raises(UnknownBodyError, match="lacks gm_km3_s2, radius_km"):
        body(Half())
