"""Missions as data: the catalogue of spacecraft launched toward Mars, 1960 to 2026.

The catalogue is ``data/mars_missions.csv`` (58 rows, each with its source; columns and rules in
``data/mars_missions.md``). :func:`load_catalogue` reads it into :class:`CatalogueEntry` records and
checks every row: dates that parse, departure and arrival after launch, known mission types and outcomes,
a source. The optional column ``departure_utc`` holds the trans-Mars injection of spacecraft that left
Earth orbit by their own engine (India's Mars Orbiter Mission, Nozomi): their Earth–Mars arc starts there.
Users can add their own rows in a file of the same columns (``extra=[path]``, or ``--catalogue FILE``);
a malformed file is refused with one line naming the file, row and field.
"""

from __future__ import annotations

import csv
import functools
import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from .errors import TianwenError

COLUMNS = ("name", "agency", "country", "launch_utc", "arrival_utc", "mission_type", "outcome",
           "gravity_assist_only", "notes", "source")
MISSION_TYPES = ("flyby", "orbiter", "lander", "rover", "impactor", "sample-return")
OUTCOMES = ("success", "partial", "failure", "launch-failure", "en-route")
#: Columns a catalogue may have besides :data:`COLUMNS` (empty or absent means: none).
OPTIONAL_COLUMNS = ("departure_utc",)


@dataclass(frozen=True)
class CatalogueEntry:
    """One spacecraft (or one named mission) launched toward Mars. Dates are UTC ISO strings."""

    name: str
    agency: str
    country: str
    launch: str
    arrival: str | None
    mission_type: tuple[str, ...]
    outcome: str
    gravity_assist_only: bool
    notes: str
    source: str
    departure: str | None = None  # trans-Mars injection by the spacecraft's own engine (UTC), if it left that way

    @property
    def departure_or_launch(self) -> str:
        """The epoch the Earth–Mars arc starts: the trans-Mars injection when recorded, else the launch."""
        return self.departure or self.launch

    @property
    def short_name(self) -> str:
        """The name without its parenthesised aliases: 'Tianwen-1 (orbiter, lander, Zhurong rover)' -> 'Tianwen-1'."""
        return self.name.split(" (")[0].strip()

    @property
    def is_mars_mission(self) -> bool:
        """Counts as a Mars mission (spacecraft that only used Mars for a gravity assist do not)."""
        return not self.gravity_assist_only


def _check_row(row: dict, where: str) -> CatalogueEntry:
    from .time import epoch

    missing = [c for c in COLUMNS if c not in row]
    if missing:
        raise TianwenError(f"{where}: missing column(s) {', '.join(missing)}; expected {', '.join(COLUMNS)}")
    name = (row["name"] or "").strip()
    if not name:
        raise TianwenError(f"{where}: empty name")
    try:
        launch = epoch(row["launch_utc"].strip())
    except ValueError as exc:
        raise TianwenError(f"{where} ({name}): launch_utc {row['launch_utc']!r}: {exc}") from None
    arrival = (row["arrival_utc"] or "").strip() or None
    if arrival is not None:
        try:
            arr = epoch(arrival)
        except ValueError as exc:
            raise TianwenError(f"{where} ({name}): arrival_utc {arrival!r}: {exc}") from None
        if float(arr - launch) <= 0:
            raise TianwenError(f"{where} ({name}): arrival {arrival} is not after launch {row['launch_utc']}")
    departure = (row.get("departure_utc") or "").strip() or None
    if departure is not None:
        try:
            dep = epoch(departure)
        except ValueError as exc:
            raise TianwenError(f"{where} ({name}): departure_utc {departure!r}: {exc}") from None
        if float(dep - launch) <= 0:
            raise TianwenError(f"{where} ({name}): departure {departure} is not after launch {row['launch_utc']}")
        if arrival is not None and float(arr - dep) <= 0:
            raise TianwenError(f"{where} ({name}): arrival {arrival} is not after departure {departure}")
    types = tuple(t.strip() for t in (row["mission_type"] or "").split("+") if t.strip())
    bad = [t for t in types if t not in MISSION_TYPES]
    if not types or bad:
        raise TianwenError(f"{where} ({name}): mission_type {row['mission_type']!r}; use {', '.join(MISSION_TYPES)} "
                           f"joined by '+'")
    outcome = (row["outcome"] or "").strip()
    if outcome not in OUTCOMES:
        raise TianwenError(f"{where} ({name}): outcome {outcome!r}; use one of {', '.join(OUTCOMES)}")
    ga = (row["gravity_assist_only"] or "").strip().lower()
    if ga not in ("true", "false"):
        raise TianwenError(f"{where} ({name}): gravity_assist_only {row['gravity_assist_only']!r}; use true or false")
    source = (row["source"] or "").strip()
    if not source:
        raise TianwenError(f"{where} ({name}): every row needs a source")
    if outcome == "launch-failure" and (arrival is not None or departure is not None):
        raise TianwenError(f"{where} ({name}): a launch failure cannot have an arrival or departure date")
    return CatalogueEntry(name, row["agency"].strip(), row["country"].strip(), row["launch_utc"].strip(), arrival,
                          types, outcome, ga == "true", (row["notes"] or "").strip(), source, departure)


def read_catalogue_file(path) -> list[CatalogueEntry]:
    """Read and check one catalogue CSV (the columns of :data:`COLUMNS`, and any of :data:`OPTIONAL_COLUMNS`)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise TianwenError(f"cannot read catalogue {str(p)!r}: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise TianwenError(f"catalogue {str(p)!r} is not UTF-8 text (byte {exc.start}); save it as UTF-8 CSV") \
            from None
    return _parse(text, str(p))


def _parse(text: str, label: str) -> list[CatalogueEntry]:
    reader = csv.DictReader(text.splitlines())
    if reader.fieldnames is None or set(COLUMNS) - set(reader.fieldnames):
        raise TianwenError(f"{label}: header must name the columns {', '.join(COLUMNS)}")
    return [_check_row(row, f"{label} row {i}") for i, row in enumerate(reader, start=2)]


@functools.lru_cache(maxsize=1)
def _builtin() -> tuple[CatalogueEntry, ...]:
    text = resources.files("tianwen").joinpath("data/mars_missions.csv").read_text(encoding="utf-8")
    return tuple(_parse(text, "mars_missions.csv"))


def load_catalogue(extra=()) -> list[CatalogueEntry]:
    """The built-in catalogue plus the rows of any ``extra`` CSV files, sorted by launch."""
    rows = list(_builtin())
    for path in extra or ():
        rows.extend(read_catalogue_file(path))
    return sorted(rows, key=lambda r: r.launch)


# ---------------------------------------------------------------------------------------------------------
# Mission files: one TOML per mission with its published events (schema in data/missions/tianwen-1.toml)
# ---------------------------------------------------------------------------------------------------------

MISSION_FILES = {"tianwen-1": "tianwen-1.toml", "hope": "hope.toml", "mars2020": "mars2020.toml"}
_ALIASES = {"tianwen1": "tianwen-1", "tw-1": "tianwen-1", "tw1": "tianwen-1", "emm": "hope",
            "emirates": "hope", "mars-2020": "mars2020", "perseverance": "mars2020", "m2020": "mars2020"}


@dataclass(frozen=True)
class Event:
    """One published event: its kind (launch, tcm, dsm, moi, orbit_change, entry, landing, ...), label,
    UTC epoch string, the epoch's precision and time reference, its quantities (name -> value) and sources."""

    kind: str
    label: str
    utc: str
    precision: str
    time_ref: str
    quantities: dict
    source: tuple
    planned: bool = False

    def value(self, name: str, default=None):
        q = self.quantities.get(name)
        return default if q is None else q.get("value", default)


@dataclass(frozen=True)
class Mission:
    """A mission file: name, agency, launch epoch and site, spacecraft and cruise facts, events, sources."""

    key: str
    name: str
    agency: str
    launch_utc: str
    launch_site: dict
    spacecraft: dict
    cruise: dict
    events: tuple
    sources: dict
    raw: dict

    def events_of(self, *kinds: str) -> list:
        return [e for e in self.events if e.kind in kinds]

    @property
    def arrival(self) -> Event:
        """The first arrival event: Mars orbit insertion, or atmospheric entry for a direct-entry lander."""
        found = self.events_of("moi", "entry")
        if not found:
            raise TianwenError(f"mission {self.name} has no orbit-insertion or entry event")
        return found[0]

    @property
    def manoeuvres(self) -> list:
        """Trajectory corrections and deep-space manoeuvres during cruise (planned-only ones excluded)."""
        return [e for e in self.events_of("tcm", "dsm") if not e.planned]


def mission_names() -> list[str]:
    return sorted(MISSION_FILES)


def _event(raw: dict) -> Event:
    ep = raw.get("epoch", {})
    skip = {"kind", "label", "epoch", "source", "note", "status"}
    quantities = {k: v for k, v in raw.items() if k not in skip and isinstance(v, dict)}
    return Event(kind=raw.get("kind", ""), label=raw.get("label", ""), utc=ep.get("utc", ""),
                 precision=ep.get("precision", "day"), time_ref=ep.get("time_ref", "unspecified"),
                 quantities=quantities, source=tuple(raw.get("source", ())),
                 planned=raw.get("status") == "planned" or "(planned" in raw.get("label", ""))


def load_mission(name: str) -> Mission:
    """Read a mission file by name (``tianwen-1``, ``hope``, ``mars2020``; aliases such as ``perseverance``)."""
    import tomllib

    key = str(name).strip().lower().replace("_", "-").replace(" ", "-")
    key = _ALIASES.get(key, key)
    if key not in MISSION_FILES:
        raise TianwenError(f"unknown mission {name!r}; known missions: {', '.join(mission_names())}")
    raw = tomllib.loads(resources.files("tianwen").joinpath(f"data/missions/{MISSION_FILES[key]}").read_text("utf-8"))
    launch = raw["launch"]
    site = {"lat_deg": launch.get("site_lat", {}).get("value"), "lon_deg": launch.get("site_lon", {}).get("value"),
            "name": launch.get("site", {}).get("value")}
    return Mission(key=key, name=raw["name"], agency=raw.get("agency", ""), launch_utc=launch["epoch"]["utc"],
                   launch_site=site, spacecraft=raw.get("spacecraft", {}), cruise=raw.get("cruise", {}),
                   events=tuple(_event(e) for e in raw.get("events", ())), sources=raw.get("sources", {}), raw=raw)


#: How far outside a porkchop's departure span a launch may fall and still be marked on it (days): a mission
#: launched just past the grid's edge is still of that opportunity.
OVERLAY_MARGIN_DAYS = 30.0


def launched_between(start, end, *, margin_days: float = 0.0, extra=()) -> list[CatalogueEntry]:
    """Catalogued Mars missions (gravity-assist-only flybys excluded) launched from ``start - margin_days`` to
    ``end + margin_days`` inclusive, sorted by launch.

    ``start`` and ``end`` are UTC instants as ``numpy.datetime64`` or ISO strings (``"2020-07-01"``);
    ``extra`` are catalogue files added as in :func:`load_catalogue`.

    >>> [m.short_name for m in launched_between("2020-07-01", "2020-07-31")]
    ['Hope', 'Tianwen-1', 'Mars 2020']
    """
    import numpy as np

    try:
        a, b = np.datetime64(start, "s"), np.datetime64(end, "s")
    except (TypeError, ValueError):
        raise TianwenError(f"start {start!r} and end {end!r} must be UTC dates (ISO strings or numpy.datetime64)") \
            from None
    if not np.isfinite(float(margin_days)) or margin_days < 0:
        raise TianwenError(f"margin_days = {margin_days!r} must be a non-negative number of days")
    pad = np.timedelta64(int(round(float(margin_days) * 86400.0)), "s")
    return [m for m in load_catalogue(extra) if m.is_mars_mission and a - pad <= np.datetime64(m.launch[:19], "s")
            <= b + pad]


def escape_fit(name: str = "tianwen-1") -> dict:
    """The independently fitted escape hyperbola of the mission file: C3 = GM (e - 1) / q, and the outgoing
    asymptote's DLA/RLA (J2000 equator) from the elements (true anomaly at infinity acos(-1/e))."""
    raw = load_mission(name).raw.get("escape_orbit_fit")
    if raw is None:
        raise TianwenError(f"mission {name!r} has no [escape_orbit_fit] in its file")
    q, e = raw["perigee_distance"]["value"], raw["eccentricity"]["value"]
    inc, node, argp = (math.radians(raw[k]["value"]) for k in ("inclination", "ascending_node", "argument_of_perigee"))
    u = argp + math.acos(-1.0 / e)
    dla = math.degrees(math.asin(math.sin(inc) * math.sin(u)))
    rla = (math.degrees(node + math.atan2(math.cos(inc) * math.sin(u), math.cos(u)))) % 360.0
    return {"c3_km2s2": raw["gm_earth"]["value"] * (e - 1.0) / q, "dla_deg": dla, "rla_deg": rla,
            "source": list(raw["eccentricity"]["source"])}
