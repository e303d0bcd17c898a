"""The JSON API's request and response shapes (pydantic), from which ``/openapi.json`` is generated.

Requests refuse unknown fields, so a misspelt parameter is a 422 naming it rather than a silent default.
Dates are ISO-8601 strings, UTC unless a scale follows (``2021-02-10T11:52:00 TDB``), exactly as the CLI reads
them; the pattern below only admits the ISO forms, the library checks the rest (calendar, ephemeris span).

Fields bounded by a server limit (:data:`LIMITED_FIELDS`) take their bound from the limit's default in
:class:`tianwen.web.limits.Limits`; an app serving other limits states its own in ``/openapi.json``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .limits import Limits

_DEFAULT = Limits.__dataclass_fields__  # the limits' defaults, without reading the environment
MAX_POINTS: int = _DEFAULT["max_points"].default
MAX_AXIS_POINTS: int = _DEFAULT["max_axis_points"].default

#: (model, field) -> the limit that bounds it (its ``maximum`` in the schema).
LIMITED_FIELDS = {("PorkchopRequest", "n"): "max_axis_points", ("TransferRequest", "points"): "max_points",
                  ("MissionRequest", "points"): "max_points"}

DATE_PATTERN = (r"^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,9})?)?)?"
                r"(Z| (UTC|TAI|TT|TDB|utc|tai|tt|tdb))?$")
DateStr = Annotated[str, Field(pattern=DATE_PATTERN, max_length=40, examples=["2020-07-19"],
                               description="ISO-8601 date or date-time, UTC unless ' TDB', ' TT' or ' TAI' follows")]
Body = Literal["mercury", "venus", "earth", "emb", "mars", "jupiter", "saturn"]
Ephemeris = Literal["de421", "analytic", "analytic-long"]
Year = Annotated[int, Field(ge=1000, le=3000)]


def _float(default=None, **kw):
    return Field(default, allow_inf_nan=False, **kw)


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DateWindow(_Request):
    start: DateStr
    end: DateStr


class Capture(_Request):
    """Capture orbit at the target: altitudes above its mean radius (adds ``dv_arrive``)."""

    periapsis_alt_km: float = _float(..., ge=0, le=1e7)
    apoapsis_alt_km: float = _float(..., ge=0, le=1e8)


class PorkchopRequest(_Request):
    """A porkchop: give ``opportunity`` (a year, or ``"next"``), or both ``departure`` and ``arrival`` windows.

    Server limits (GET /api/limits): each window at most ``max_window_days`` long, at most ``max_cells`` cells,
    at most ``max_axis_points`` points on an axis."""

    origin: Body = "earth"
    target: Body = "mars"
    opportunity: Optional[Union[Year, Literal["next"]]] = Field(
        None, description="the opportunity whose minimum-C3 launch date falls in this year, or 'next'",
        examples=[2020])
    departure: Optional[DateWindow] = None
    arrival: Optional[DateWindow] = None
    step_days: float = _float(1.0, gt=0, le=60, description="grid step on both axes, days")
    n: Optional[tuple[Annotated[int, Field(ge=1, le=MAX_AXIS_POINTS)], Annotated[int, Field(ge=1, le=MAX_AXIS_POINTS)]]] = Field(
        None, description="grid points (departure, arrival) instead of a step (server limit max_axis_points)")
    revs: int = Field(0, ge=0, le=3, description="complete revolutions of the transfer")
    branch: Literal["left", "right"] = "left"
    prograde: bool = True
    ephemeris: Ephemeris = "de421"
    parking_alt_km: Optional[float] = _float(None, ge=0, le=1e6, description="circular parking orbit (adds dv_depart)")
    capture: Optional[Capture] = None

    @model_validator(mode="after")
    def _one_way(self):
        has_dates = self.departure is not None or self.arrival is not None
        if self.opportunity is not None and has_dates:
            raise ValueError("give either opportunity or departure and arrival windows, not both")
        if self.opportunity is None and not (self.departure is not None and self.arrival is not None):
            raise ValueError("give opportunity (a year or 'next'), or both departure and arrival windows")
        return self


class OpportunitiesRequest(_Request):
    """The opportunities of a pair of bodies in an ephemeris (the page's year list)."""

    origin: Body = "earth"
    target: Body = "mars"
    ephemeris: Ephemeris = "de421"


class TransferRequest(_Request):
    """One ballistic transfer (a porkchop cell): departure and either arrival or tof_days."""

    origin: Body = "earth"
    target: Body = "mars"
    departure: DateStr
    arrival: Optional[DateStr] = None
    tof_days: Optional[float] = _float(None, gt=0, le=20_000)
    revs: int = Field(0, ge=0, le=3)
    branch: Literal["left", "right"] = "left"
    prograde: bool = True
    ephemeris: Ephemeris = "de421"
    points: int = Field(100, ge=2, le=MAX_POINTS, description="epochs on the propagated arc (server limit max_points)")
    frame: Literal["ecliptic", "icrf"] = Field("ecliptic", description="frame of the trajectory and orbits")
    parking_alt_km: Optional[float] = _float(None, ge=0, le=1e6)
    capture: Optional[Capture] = None

    @model_validator(mode="after")
    def _one_end(self):
        if (self.arrival is None) == (self.tof_days is None):
            raise ValueError("give exactly one of arrival (a date) and tof_days")
        return self


class WindowsRequest(_Request):
    """Launch windows from ``year_from`` to ``year_to``: at most ``max_windows_years`` apart (GET /api/limits)."""

    year_from: Year
    year_to: Year
    origin: Body = "earth"
    target: Body = "mars"
    ephemeris: Ephemeris = "de421"


class HistoryRequest(_Request):
    """Mars launches from ``since`` to ``until``: at most ``max_history_years`` apart (GET /api/limits)."""

    since: Year = 1960
    until: Optional[Year] = Field(None, description="default: the catalogue's last launch year")
    margin_km2s2: float = _float(5.0, gt=0, le=100, description="window = launch days with C3 within this of "
                                                                "the minimum")


Mission = Literal["tianwen-1", "hope", "mars2020"]


class MissionRequest(_Request):
    """A mission flown again from its published events (Tianwen-1, Hope, Mars 2020)."""

    name: Mission = "tianwen-1"
    points: int = Field(300, ge=2, le=MAX_POINTS, description="epochs on the cruise (server limit max_points)")
    frame: Literal["ecliptic", "icrf"] = "ecliptic"


class MissionOemRequest(_Request):
    name: Mission = "tianwen-1"
    step_s: float = _float(3600.0, ge=60, le=864_000, description="OEM sampling step, s")


class GeometryRequest(_Request):
    """Tracking geometry from ``start`` to ``end``: at most ``max_geometry_days`` long and ``max_points`` epochs;
    passes are listed for spans up to ``max_pass_days`` (GET /api/limits)."""

    target: Literal["mercury", "venus", "mars", "jupiter", "saturn", "moon", "sun", "tianwen-1", "hope",
                    "mars2020"] = Field("mars", description="a body, or a mission's reconstructed cruise")
    start: DateStr
    end: DateStr
    step_hours: float = _float(24.0, gt=0, le=24 * 366)
    station: Optional[Annotated[str, Field(max_length=64, pattern=r"^[A-Za-z0-9 ._()'-]+$")]] = Field(
        None, description="a station of GET /api/stations (elevation, azimuth and passes)")
    min_elevation_deg: float = _float(10.0, ge=-5, le=90)
    conjunction_deg: float = _float(3.0, gt=0, le=45, description="solar-conjunction threshold, Sun-Earth-target")


class ReturnRequest(_Request):
    """A Mars-to-Earth porkchop of an opportunity (tianwen.returns.return_grid): the departure burn from a Mars
    orbit, the Earth arrival v-infinity and entry speed. Server limits as for the porkchop (GET /api/limits)."""

    opportunity: Union[Year, Literal["next"]] = Field(
        "next", description="the Mars-to-Earth opportunity whose minimum-C3 departure falls in this year, or 'next'",
        examples=[2030])
    step_days: float = _float(2.0, gt=0, le=60, description="grid step on both axes, days")
    periapsis_radius_km: Optional[float] = _float(
        None, gt=0, le=1e7, description="Mars orbit periapsis radius, km from the centre (default: the library's "
                                        "400 km circular orbit, 3789.5)")
    apoapsis_radius_km: Optional[float] = _float(None, gt=0, le=1e8, description="default: circular")
    entry_alt_km: Optional[float] = _float(None, ge=0, lt=10_000, description="Earth entry interface altitude "
                                                                             "(default 125 km)")
    max_entry_kms: Optional[float] = _float(None, gt=0, le=100, description="entry-speed cap: cells above it are "
                                                                           "infeasible")
    ephemeris: Ephemeris = "de421"


Family = Literal["conjunction", "opposition"]


class RoundTripRequest(_Request):
    """An Earth-Mars-Earth round trip of an Earth-to-Mars opportunity (tianwen.roundtrip.roundtrip): outbound,
    stay and return chosen together under the constraints given."""

    opportunity: Union[Year, Literal["next"]] = Field(
        "next", description="the Earth-to-Mars opportunity (year of its minimum-C3 launch), or 'next'",
        examples=[2028])
    family: Family = Field("conjunction", description="conjunction class (long stay) or opposition class (short "
                                                      "stay, direct legs: no Venus swing-by)")
    stay_days: Optional[tuple[Annotated[float, Field(ge=0, le=5000, allow_inf_nan=False)],
                              Annotated[float, Field(ge=0, le=5000, allow_inf_nan=False)]]] = Field(
        None, description="(min, max) days at Mars; default: any stay reaching the conjunction-class return "
                          "window, 30-90 days for opposition class")
    max_c3_km2s2: Optional[float] = _float(None, gt=0, le=1000, description="launch energy cap, km^2/s^2")
    max_entry_kms: Optional[float] = _float(None, gt=0, le=100, description="Earth entry-speed cap, km/s")
    max_dv_kms: Optional[float] = _float(None, gt=0, le=100, description="cap on capture + Mars departure burns")
    minimise: Literal["dv", "duration"] = "dv"
    periapsis_radius_km: Optional[float] = _float(None, gt=0, le=1e7, description="Mars orbit periapsis radius, "
                                                                                  "km from the centre")
    apoapsis_radius_km: Optional[float] = _float(None, gt=0, le=1e8)
    entry_alt_km: Optional[float] = _float(None, ge=0, lt=10_000)
    step_days: float = _float(1.0, ge=0.5, le=10, description="grid step, days (finer grids are the CLI's)")
    ephemeris: Ephemeris = "de421"


StationName = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9 ._()'-]+$")]


class NavigationRequest(_Request):
    """Station sets compared at Mars arrival (tianwen.navigation.compare_stations): the base stations, with
    delta-DOR, with the added stations, with both. Takes seconds; answers are cached."""

    mission: Literal["tianwen-1"] = "tianwen-1"
    stations: list[StationName] = Field(["kashi", "jiamusi"], min_length=1, max_length=8,
                                        description="the base station set (GET /api/stations)")
    add: list[StationName] = Field(["neuquen", "new-norcia", "cebreros", "malargue"], max_length=8,
                                   description="stations added to the base set")
    ddor: bool = Field(True, description="also compare with delta-DOR on every baseline")
    start: Optional[DateStr] = Field(None, description="data arc start (default 2020-10-29)")
    end: Optional[DateStr] = Field(None, description="data arc end (default 2021-02-03)")


# -- responses (documentation and schema checks; the bodies are produced by tianwen.web.compute) ------------


class Error(BaseModel):
    detail: str = Field(description="one line: the bad value and what is accepted")
    errors: Optional[list[dict[str, Any]]] = None


GridFormat = Literal["compact", "json"]


class Variable(BaseModel):
    units: str
    long_name: str
    label: str = Field(description="short human label with units (tianwen.porkchop.VARIABLES)")
    decimals: int = Field(description="decimals the values are rounded to")
    values: list[list[Optional[float]]] = Field(description="indexed [departure][arrival]; null = no solution")


class CompactVariable(BaseModel):
    """One variable of the compact grid (decoding: tianwen.web.compute)."""

    units: str
    long_name: str
    label: str
    decimals: int = Field(description="values are integers q / 10**decimals")
    dtype: Literal["delta", "int8"] = Field(description="delta: row differences of q; int8: the values")
    width: Literal[1, 4, 8] = Field(description="bytes per integer (little-endian, byte-shuffled)")
    low: Optional[str] = Field(description="delta: base64 of the integers' least significant bytes")
    data: str = Field(description="base64 of the zlib-compressed other bytes (int8: of the values)")
    nan: Optional[str] = Field(description="base64 of the zlib-compressed bit mask of non-finite values "
                                           "(row-major, most significant bit first), or null")


class Minimum(BaseModel):
    type: str
    departure: str
    arrival: str
    i: int
    j: int
    tof_days: float
    c3_km2s2: float
    vinf_arr_kms: float
    dla_deg: float
    rla_deg: float


class MissionMark(BaseModel):
    name: str
    launch: str
    arrival: Optional[str] = None
    outcome: str


class PorkchopResponse(BaseModel):
    origin: str
    target: str
    ephemeris: str
    opportunity: Optional[str] = None
    departure_window: list[str]
    arrival_window: list[str]
    time_scale: str
    shape: list[int]
    departure: list[str]
    arrival: list[str]
    encoding: Literal["json"]
    variables: dict[str, Variable]
    minima: list[Minimum]
    missions: list[MissionMark]
    attrs: dict[str, Any]


class PorkchopCompactResponse(PorkchopResponse):
    """The same grid, each variable compact (media type application/vnd.tianwen.porkchop+json)."""

    encoding: Literal["compact"]
    variables: dict[str, CompactVariable]


class Number(BaseModel):
    value: Optional[float]
    units: str
    long_name: str
    label: str


class State(BaseModel):
    r_km: list[float]
    v_kms: list[float]
    planet_v_kms: list[float]


class Trajectory(BaseModel):
    model: str
    gm_sun_km3_s2: float
    epochs_utc: list[str]
    t_s: list[float]
    r_km: list[list[float]]
    v_kms: list[list[float]]


class Orbit(BaseModel):
    period_days: float
    source: str
    r_km: list[list[float]]


class TransferResponse(BaseModel):
    origin: str
    target: str
    ephemeris: str
    departure_utc: str
    arrival_utc: str
    departure_tdb: str
    arrival_tdb: str
    revs: int
    branch: str
    numbers: dict[str, Number]
    frame: str
    departure_state: State
    arrival_state: State
    trajectory: Trajectory
    orbits: dict[str, Orbit]


class WindowRow(BaseModel):
    opportunity: int
    type: str
    minimizes: str
    launch: str
    arrival: str
    tof_days: float
    c3_km2s2: float
    vinf_arr_kms: float
    dla_deg: float
    rla_deg: float
    note: Optional[str] = None
    launch_utc: str
    arrival_utc: str


class WindowsResponse(BaseModel):
    origin: str
    target: str
    ephemeris: str
    year_from: int
    year_to: int
    rows: list[WindowRow]


class Arc(BaseModel):
    c3_km2s2: Optional[float] = None
    dla_deg: Optional[float] = None
    vinf_arr_kms: Optional[float] = None
    tof_days: Optional[float] = None
    type: Optional[str] = None
    note: Optional[str] = None


class HistoryMission(BaseModel):
    name: str
    full_name: str
    agency: str
    country: str
    launch: str
    arrival: Optional[str] = None
    outcome: str
    in_window: bool
    arc: Arc


class HistoryOpportunity(BaseModel):
    label: str
    window_open: str
    window_close: str
    min_c3_km2s2: float
    min_c3_launch: str
    missions: list[HistoryMission]


class HistorySummary(BaseModel):
    since: int
    until: int
    opportunities: int
    with_launch: int


class HistoryResponse(BaseModel):
    opportunities: list[HistoryOpportunity]
    summary: HistorySummary


class OpportunityRow(BaseModel):
    year: int = Field(description="year of the opportunity's minimum-C3 launch date (the `opportunity` to ask for)")
    date_tdb: str = Field(description="its minimum-C3 launch date on the 4-day scan grid (TDB)")


class OpportunitiesResponse(BaseModel):
    origin: str
    target: str
    ephemeris: str
    year_from: int = Field(description="first year searched (covered by the ephemeris)")
    year_to: int
    opportunities: list[OpportunityRow]
    next: Optional[OpportunityRow] = Field(description="the first opportunity whose best launch date is today or "
                                                       "later (tianwen.windows.next_opportunity), or null")


class StepChoice(BaseModel):
    step_days: float
    shape: list[int] = Field(description="(departure, arrival) points")
    cells: int
    allowed: bool = Field(description="cells <= this server's max_cells")


class PorkchopSteps(BaseModel):
    origin: str
    target: str
    opportunity: Optional[str] = None
    departure_window: list[str]
    arrival_window: list[str]
    max_cells: int
    steps: list[StepChoice]


class Health(BaseModel):
    status: Literal["ok", "starting", "failed"]
    version: str
    workers: dict[str, Any]
