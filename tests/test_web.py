"""The web API (issue 8), through FastAPI's test client: every route answers with the numbers of the library
function the CLI calls (compared here value by value), bad input of every kind is a 4xx with a one-line
message, the limits hold (grid cap, spans, body size, busy, timeout with the process replaced), and a
property-based fuzz of the OpenAPI schema (schemathesis, positive and negative data) finds no 5xx.

Issue 13.4: the porkchop grid's compact form decodes (with a decoder written here) to the library's values and
is under 1.5 MB for the 2020 opportunity at 1-day steps. Issue 21.4: the server's doors — security headers on
every response, the Host check, compute processes that import only installed code, `tianwen serve` refusing
to start without them, and OpenAPI bounds equal to the enforced limits.

The compute processes are shared by this file and tests/test_web_browser.py (:func:`shared_pool`), so the
suite pays for their start-up once.
"""

from __future__ import annotations

import atexit
import base64
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import warnings
import zlib
from concurrent.futures import ThreadPoolExecutor
from importlib import resources

import numpy as np
import pytest

fastapi = pytest.importorskip("fastapi", reason="the web dependencies are not installed: pip install fastapi uvicorn")
with warnings.catch_warnings():  # starlette's notice that its test client will move from httpx to httpx2
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient  # noqa: E402

from tianwen.web.app import create_app  # noqa: E402
from tianwen.web.limits import Limits  # noqa: E402
from tianwen.web.pool import BadInput, Busy, Pool, Timeout  # noqa: E402

BASE = "http://127.0.0.1"  # a Host the app answers to (its default allowed hosts are the loopback names)

#: Small limits, so that the fuzzer's largest requests stay quick (the served defaults are in tianwen.web.limits).
TEST_LIMITS = dict(max_cells=60_000, max_window_days=800.0, max_windows_years=2, max_history_years=6,
                   max_points=500, max_pass_days=10.0, max_geometry_days=400.0, timeout_s=150.0,
                   queue_timeout_s=240.0)
FUZZ_EXAMPLES = int(os.environ.get("TIANWEN_FUZZ_EXAMPLES", "6"))
_SHARED: dict = {}


def shared_pool() -> Pool:
    """Two warmed compute processes for every web test of this run, started by the first app that runs (its
    lifespan), closed at exit."""
    if "pool" not in _SHARED:
        pool = Pool(2, timeout_s=TEST_LIMITS["timeout_s"], queue_timeout_s=TEST_LIMITS["queue_timeout_s"],
                    max_queue=16, cache_entries=64, cache_mb=128)
        atexit.register(pool.close)
        _SHARED["pool"] = pool
    return _SHARED["pool"]


def web_limits():
    return Limits(**TEST_LIMITS)


@pytest.fixture(scope="module")
def client():
    app = create_app(web_limits(), pool=shared_pool())
    with TestClient(app, base_url=BASE) as c:
        yield c


def one_line_error(r, status=None):
    assert 400 <= r.status_code < 500, (r.status_code, r.text[:300])
    if status is not None:
        assert r.status_code == status, (r.status_code, r.text[:300])
    detail = r.json()["detail"]
    assert isinstance(detail, str) and detail and "\n" not in detail and "Traceback" not in detail
    return detail


# -------------------------------------------------------------------------------------------------------------
# server, page and assets
# -------------------------------------------------------------------------------------------------------------


def test_health_answers_without_waiting(client):
    t0 = time.perf_counter()
    h = client.get("/api/health").json()
    assert time.perf_counter() - t0 < 2.0
    assert h["status"] in ("ok", "starting") and h["version"]
    assert h["workers"]["processes"] == 2 and h["workers"]["failed"] is None


def test_openapi_documents_every_route(client):
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    for route in ("/api/porkchop", "/api/transfer", "/api/transfer/oem", "/api/windows", "/api/history",
                  "/api/mission", "/api/mission/oem", "/api/geometry", "/api/opportunities", "/api/porkchop/steps",
                  "/api/porkchop/csv", "/api/porkchop/nc", "/api/return", "/api/roundtrip", "/api/navigation"):
        assert "post" in paths[route], route
        assert "422" in paths[route]["post"]["responses"]
    content = paths["/api/porkchop"]["post"]["responses"]["200"]["content"]
    assert set(content) == {"application/json", "application/vnd.tianwen.porkchop+json"}
    assert "/api/health" in paths and "/api/limits" in paths
    # No docs page that would pull Swagger UI from a CDN.
    assert client.get("/docs").status_code == 404


def test_page_and_assets_are_served_locally(client):
    """Issue 8.1: the page works with no network — every asset it names is a path on this server, and
    plotly.js is the installed plotly package's own file."""
    html = client.get("/").text
    refs = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert "/vendor/plotly.min.js" in refs and "/static/app.js" in refs and "/static/views.js" in refs
    assert "/static/returns.js" in refs and "/static/navigation.js" in refs
    for ref in refs:
        assert not re.match(r"^(https?:)?//", ref), f"external asset {ref}"
        if ref.startswith("/") and not ref.startswith(("/api/", "/openapi")):
            assert client.get(ref).status_code == 200, ref
    for name in ("app.js", "grid.js", "views.js", "returns.js", "navigation.js", "style.css"):
        text = client.get(f"/static/{name}").text
        assert not re.search(r"https?://", text), f"{name} names a network address"
    raw = (resources.files("plotly") / "package_data" / "plotly.min.js").read_bytes()
    r = client.get("/vendor/plotly.min.js", headers={"Accept-Encoding": "identity"})
    assert r.status_code == 200 and r.content == raw
    r = client.get("/vendor/plotly.min.js", headers={"Accept-Encoding": "gzip"})
    assert r.headers["content-encoding"] == "gzip" and r.content == raw  # httpx decompresses


def test_limits_route(client):
    lim = client.get("/api/limits").json()
    assert lim["max_cells"] == TEST_LIMITS["max_cells"] and lim["timeout_s"] == TEST_LIMITS["timeout_s"]
    assert Limits().max_cells == 200_000  # the served default, documented in tianwen.web.limits


# -------------------------------------------------------------------------------------------------------------
# the same numbers as the library (and so as the CLI)
# -------------------------------------------------------------------------------------------------------------

DEP = {"start": "2020-06-01", "end": "2020-09-01"}
ARR = {"start": "2020-11-01", "end": "2021-10-01"}


def test_porkchop_is_the_library_grid(client):
    """Every variable equals tianwen.porkchop.porkchop's, to the decimals the API sends (half a unit of the last
    decimal); the minima are the CLI's (tianwen.cli.porkchop.minima_json). This is the plain JSON form, asked
    for with Accept: application/json (scripts)."""
    from tianwen.cli.porkchop import minima_json as _minima
    from tianwen.porkchop import VARIABLES, porkchop

    r = client.post("/api/porkchop", json={"departure": DEP, "arrival": ARR, "step_days": 5,
                                           "parking_alt_km": 200, "capture": {"periapsis_alt_km": 400,
                                                                              "apoapsis_alt_km": 40000}},
                    headers={"Accept": "application/json"})
    assert r.status_code == 200, r.text[:300]
    assert r.headers["content-type"].startswith("application/json")
    d = r.json()
    ds = porkchop((DEP["start"], DEP["end"]), (ARR["start"], ARR["end"]), step_days=5.0, parking_alt_km=200,
                  capture=(400, 40000))
    assert d["shape"] == [ds.sizes["departure"], ds.sizes["arrival"]]
    assert d["departure"][0] == "2020-06-01T00:00:00Z" and d["arrival"][-1] == "2021-09-27T00:00:00Z"
    assert set(d["variables"]) == set(ds.data_vars)
    for k, var in d["variables"].items():
        got = np.array([[np.nan if x is None else x for x in row] for row in var["values"]], dtype=float)
        want = ds[k].values.astype(float)
        assert np.array_equal(np.isnan(got), np.isnan(want)), k
        tol = 0.5 * 10.0 ** -VARIABLES[k].decimals + 1e-12
        assert np.nanmax(np.abs(got - want)) <= tol, k
        assert var["units"] == ds[k].attrs["units"]
    cli = _minima(ds)
    assert [(m["type"], m["c3_km2s2"]) for m in d["minima"]] == [(m["type"], m["c3_km2s2"]) for m in cli]
    assert [m["departure"][:10] for m in d["minima"]] == [m["launch"] for m in cli]
    names = {m["name"] for m in d["missions"]}
    assert {"Tianwen-1", "Hope", "Mars 2020"} <= names  # launched in July 2020, inside the window


def test_porkchop_of_the_2020_opportunity(client):
    """The opportunity form uses tianwen.windows.plot_window, like `tianwen porkchop --opportunity 2020`; its
    Type I minimum is the README's 13.09 km^2/s^2 on 2020-07-19 (on a 2-day grid: within 0.05)."""
    from tianwen.windows import plot_window

    d = client.post("/api/porkchop", json={"opportunity": 2020, "step_days": 2}).json()
    dep, arr, label = plot_window(2020)
    assert d["opportunity"] == label == "2020"
    assert d["departure_window"] == list(dep) and d["arrival_window"] == list(arr)
    t1 = next(m for m in d["minima"] if m["type"] == "I")
    assert abs(t1["c3_km2s2"] - 13.09) < 0.05 and t1["departure"][:7] == "2020-07"


def test_opportunities_are_the_library_list_and_the_next(client):
    """Issue 19.3 / 14.4: the page's year list. `POST /api/opportunities` lists every Earth–Mars opportunity of
    the years DE421 covers (tianwen.windows.covered_years: 1901–2050), as tianwen.windows.find_opportunities
    finds them, and the next one as tianwen.windows.next_opportunity. Independent check: consecutive
    minimum-C3 dates are one synodic period apart (779.9 days; the eccentric orbits of Mars and Earth spread
    them, by the table, from 744 to 824 days: 700–860 allows for that and fails on a missed or doubled one);
    2021, a year between opportunities, is not offered."""
    from tianwen.windows import covered_years, find_opportunities, next_opportunity

    r = client.post("/api/opportunities", json={"origin": "earth", "target": "mars", "ephemeris": "de421"})
    assert r.status_code == 200, r.text[:300]
    o = r.json()
    first, last = covered_years()
    assert (o["year_from"], o["year_to"]) == (first, last) == (1901, 2050)
    want = find_opportunities(first, last)
    assert [row["date_tdb"] for row in o["opportunities"]] == [t.date() for t in want]
    years = [row["year"] for row in o["opportunities"]]
    assert 2020 in years and 2022 in years and 2021 not in years and 2023 not in years
    jd = np.array([np.datetime64(row["date_tdb"]).astype("datetime64[D]").astype(float) for row in o["opportunities"]])
    assert np.all((np.diff(jd) > 700) & (np.diff(jd) < 860))
    assert o["next"]["date_tdb"] == next_opportunity().date()
    assert np.datetime64(o["next"]["date_tdb"]) >= np.datetime64("today") - np.timedelta64(1, "D")
    venus = client.post("/api/opportunities", json={"target": "venus"}).json()
    gaps = np.diff([np.datetime64(row["date_tdb"]).astype(float) for row in venus["opportunities"]])
    assert np.all((gaps > 500) & (gaps < 660))  # Earth–Venus synodic period: 583.9 days


def test_porkchop_steps_count_the_cells(client):
    """Issue 19.3: `POST /api/porkchop/steps` gives each offered step's grid without computing it. The counts
    are checked against a count written here from the 2020 opportunity's windows (tianwen.windows.plot_window):
    a window of D days at a step s has floor(D / s) + 1 points; a step whose cells exceed max_cells (60 000 in
    these tests) is flagged, and /api/porkchop refuses it with the same count."""
    import datetime as dt

    from tianwen.windows import plot_window

    r = client.post("/api/porkchop/steps", json={"opportunity": 2020})
    assert r.status_code == 200, r.text[:300]
    d = r.json()
    dep, arr, _ = plot_window(2020)
    days = lambda w: (dt.date.fromisoformat(w[1]) - dt.date.fromisoformat(w[0])).days  # noqa: E731
    assert [s["step_days"] for s in d["steps"]] == [0.5, 1.0, 2.0, 5.0] and d["max_cells"] == 60_000
    for s in d["steps"]:
        nd, na = int(days(dep) / s["step_days"]) + 1, int(days(arr) / s["step_days"]) + 1
        assert s["shape"] == [nd, na] and s["cells"] == nd * na, s
        assert s["allowed"] == (nd * na <= 60_000), s
    over = next(s for s in d["steps"] if not s["allowed"])
    refused = one_line_error(client.post("/api/porkchop", json={"opportunity": 2020,
                                                                "step_days": over["step_days"]}), 422)
    assert f"{over['cells']:,} cells" in refused
    assert d["steps"][2]["allowed"]  # 2 days: 18 252 cells


def test_porkchop_downloads_are_the_library_files(client, tmp_path):
    """Issue 19.3: the CSV and NetCDF downloads are the files tianwen.plots.save_porkchop writes for the
    library's porkchop of the same request (the route only carries them). The NetCDF file, read back with
    xarray, holds the library's values bit for bit; the CSV's C3 in the Type I minimum's row is the API's
    minimum (rounded there to 3 decimals: 5e-4)."""
    import csv
    import io

    import xarray as xr

    from tianwen.plots import save_porkchop
    from tianwen.porkchop import porkchop
    from tianwen.windows import plot_window

    req = {"opportunity": 2020, "step_days": 5}
    dep, arr, label = plot_window(2020)
    ds = porkchop(dep, arr, step_days=5.0)
    r = client.post("/api/porkchop/csv", json=req)
    assert r.status_code == 200, r.text[:300]
    assert r.headers["content-type"].startswith("text/csv")
    assert 'filename="tianwen_porkchop_earth_mars_2020.csv"' in r.headers["content-disposition"]
    save_porkchop(ds, tmp_path / "lib.csv", label=label)
    assert r.content == (tmp_path / "lib.csv").read_bytes()
    m1 = next(m for m in client.post("/api/porkchop", json=req, headers={"Accept": "application/json"}).json()["minima"]
              if m["type"] == "I")
    rows = [row for row in csv.reader(io.StringIO(r.text)) if row and not row[0].startswith("#")]
    header = rows[0]
    dcol = next(i for i, h in enumerate(header) if h.startswith("departure"))
    acol = next(i for i, h in enumerate(header) if h.startswith("arrival"))
    ccol = next(i for i, h in enumerate(header) if h.split(" ")[0].split("_")[0] == "c3")
    hit = [row for row in rows[1:] if row[dcol][:10] == m1["departure"][:10] and row[acol][:10] == m1["arrival"][:10]]
    assert len(hit) == 1 and abs(float(hit[0][ccol]) - m1["c3_km2s2"]) <= 5e-4
    r = client.post("/api/porkchop/nc", json=req)
    assert r.status_code == 200 and r.headers["content-type"] == "application/x-netcdf"
    (tmp_path / "web.nc").write_bytes(r.content)
    with xr.open_dataset(tmp_path / "web.nc") as got:
        for k in ds.data_vars:
            assert np.array_equal(got[k].values, ds[k].values, equal_nan=True), k
        assert got.attrs["ephemeris"] == ds.attrs["ephemeris"]


def _read_compact(var: dict, shape) -> np.ndarray:
    """An independent reader of the compact grid, written from the format's description (tianwen.web.compute's
    docstring): ``width``-byte little-endian integers stored byte-shuffled, the low bytes as they are and the
    others zlib-compressed, then a cumulative sum along each row, in units of 10**-decimals; a bit mask (MSB
    first) marks the non-finite cells."""
    raw = zlib.decompress(base64.b64decode(var["data"]))
    n = shape[0] * shape[1]
    if var["dtype"] == "int8":
        return np.array([b - 256 if b > 127 else b for b in raw], dtype=float).reshape(shape)
    w = var["width"]
    raw = base64.b64decode(var["low"]) + raw
    planes = np.frombuffer(raw, np.uint8).reshape(w, n).astype(np.int64)
    ints = sum(planes[k] << (8 * k) for k in range(w))
    if w < 8:
        ints = np.where(ints >= 1 << (8 * w - 1), ints - (1 << (8 * w)), ints)
    out = np.cumsum(ints.reshape(shape), axis=1) / 10.0 ** var["decimals"]
    if var["nan"]:
        bits = zlib.decompress(base64.b64decode(var["nan"]))
        mask = np.array([(bits[k // 8] >> (7 - k % 8)) & 1 for k in range(n)], dtype=bool).reshape(shape)
        out[mask] = np.nan
    return out


def test_porkchop_compact_form_is_small_and_exact():
    """Issue 13.4: the default porkchop response for the 2020 opportunity at 1-day steps (about 157 x 468 = 73 000
    cells) is at most 1.5 MB before any HTTP compression, and decodes — with the reader above, not the server's —
    to tianwen.porkchop.porkchop's Dataset. Tolerance: half a unit of each variable's last decimal
    (tianwen.porkchop.VARIABLES: 5e-5 km^2/s^2 of C3, 5e-6 km/s, 5e-4 deg, 5e-5 day) plus double rounding: the
    compact form carries exactly the rounded numbers of the JSON form (checked equal), in integers of that
    unit. (Float32 would not fit: 2.8 MB raw, 3.7 MB in base64; this is 1.1 MB.)"""
    from tianwen.porkchop import VARIABLES, porkchop
    from tianwen.windows import plot_window

    app = create_app(Limits(**dict(TEST_LIMITS, max_cells=200_000, max_window_days=1500.0)), pool=shared_pool())
    with TestClient(app, base_url=BASE) as c:
        r = c.post("/api/porkchop", json={"opportunity": 2020, "step_days": 1}, headers={"Accept-Encoding": "identity"})
        plain = c.post("/api/porkchop", json={"opportunity": 2020, "step_days": 1}, params={"format": "json"})
    assert r.status_code == 200, r.text[:300]
    assert r.headers["content-type"].startswith("application/vnd.tianwen.porkchop+json")
    assert "Accept" in r.headers["vary"]
    size = len(r.content)
    print(f"\ncompact porkchop, 2020 at 1 day: {size / 1e6:.3f} MB (JSON lists: {len(plain.content) / 1e6:.3f} MB)")
    assert size <= 1_500_000, size
    d, j = r.json(), plain.json()
    assert d["encoding"] == "compact" and j["encoding"] == "json"
    dep, arr, _ = plot_window(2020)
    ds = porkchop(dep, arr, step_days=1.0)
    shape = (ds.sizes["departure"], ds.sizes["arrival"])
    assert d["shape"] == list(shape) and shape[0] * shape[1] > 70_000
    assert {k: v for k, v in d.items() if k != "variables" and k != "encoding"} == \
        {k: v for k, v in j.items() if k != "variables" and k != "encoding"}
    for k in ds.data_vars:
        got = _read_compact(d["variables"][k], shape)
        want = ds[k].values.astype(float)
        assert np.array_equal(np.isnan(got), np.isnan(want)), k
        tol = 0.5 * 10.0 ** -VARIABLES[k].decimals * (1 + 1e-9) + 1e-12 * np.nanmax(np.abs(want))
        assert np.nanmax(np.abs(got - want)) <= tol, k
        listed = np.array([[np.nan if x is None else x for x in row] for row in j["variables"][k]["values"]])
        assert np.array_equal(got, listed, equal_nan=True), k
        assert d["variables"][k]["label"] == VARIABLES[k].label and d["variables"][k]["units"] == VARIABLES[k].units


def test_missions_in_a_span_is_one_library_function():
    """Issue 12: the porkchop overlay's missions come from tianwen.missions.launched_between, also used by the
    plots. Published launch dates (UTC): Hope 2020-07-19 21:58, Tianwen-1 2020-07-23 04:41, Mars 2020
    2020-07-30 11:50 (the catalogue's sources); Rosetta (2004-03-02) only flew past Mars and is left out."""
    from tianwen.missions import launched_between

    names = lambda *a, **k: [m.short_name for m in launched_between(*a, **k)]  # noqa: E731
    assert names("2020-07-20", "2020-07-29") == ["Tianwen-1"]
    assert names("2020-07-20", "2020-07-29", margin_days=1.0) == ["Hope", "Tianwen-1"]  # to 07-30 00:00
    assert names("2020-07-20", "2020-07-29", margin_days=1.5) == ["Hope", "Tianwen-1", "Mars 2020"]
    assert names("2020-07-19T21:58:00", "2020-07-19T21:58:00") == ["Hope"]  # both ends included
    assert names("2004-02-01", "2004-04-01") == []
    assert names(np.datetime64("2020-07-23T00:00:00.000000000"), np.datetime64("2020-07-24")) == ["Tianwen-1"]


def test_compact_encoding_edge_cases():
    """The encoder keeps what the JSON form keeps in grids a porkchop rarely makes: all-NaN rows, huge values
    (a 1-day transfer's C3 is ~1e6 km^2/s^2: row differences past 2**31 units switch to 8-byte integers),
    negative values and a single cell; the server's decoder agrees with the independent reader above."""
    from tianwen.web.compute import decode_compact, encode_compact

    grids = [np.array([[np.nan, np.nan, np.nan], [1.23456, -7.5, 3e6]]), np.array([[4.2]]),
             np.array([[1e11, -1e11, np.inf, 0.0]]), np.full((2, 2), np.nan)]
    for a in grids:
        var = dict(encode_compact(a, 4), decimals=4)
        want = np.where(np.isfinite(a), np.round(a, 4), np.nan)
        assert np.array_equal(_read_compact(var, a.shape), want, equal_nan=True), a
        assert np.array_equal(decode_compact(var, a.shape), want, equal_nan=True), a
    assert encode_compact(np.array([[1e11, -1e11]]), 4)["width"] == 8
    types = np.array([[0, 1, 2], [3, 4, -1]], dtype=np.int8)
    assert np.array_equal(_read_compact(dict(encode_compact(types, 0), decimals=0), types.shape), types)


def test_transfer_is_the_porkchop_cell_and_its_lambert_arc(client):
    """The numbers are tianwen.porkchop.transfers' for that cell; the arc starts at the Earth and, propagated
    two-body (tianwen.kepler.propagate), ends at Mars: the Lambert problem solved, to ~1 km."""
    from tianwen.ephemeris import ICRF_TO_ECLIPTIC, heliocentric_state
    from tianwen.porkchop import transfers
    from tianwen.time import epoch

    body = {"departure": "2020-07-19", "arrival": "2021-01-27", "points": 120, "frame": "icrf"}
    t = client.post("/api/transfer", json=body).json()
    dep = epoch("2020-07-19").to("tdb")
    tof = float(epoch("2021-01-27") - epoch("2020-07-19"))
    cell = transfers("earth", "mars", dep, tof)
    for key, name in (("c3", "c3_km2s2"), ("vinf_arr", "vinf_arr_kms"), ("dla", "dla_deg"), ("rla", "rla_deg"),
                      ("transfer_angle", "transfer_angle_deg")):
        assert t["numbers"][name]["value"] == pytest.approx(float(cell[key]), abs=1e-6), name
    assert t["numbers"]["tof_days"]["value"] == pytest.approx(tof, abs=1e-6)
    assert t["numbers"]["transfer_type"]["value"] == 1
    r = np.array(t["trajectory"]["r_km"])
    assert r.shape == (120, 3)
    r_e, _ = heliocentric_state("earth", dep)
    r_m, _ = heliocentric_state("mars", epoch("2021-01-27").to("tdb"))
    assert np.linalg.norm(r[0] - r_e[0]) < 1e-3
    assert np.linalg.norm(r[-1] - r_m[0]) < 5.0  # km, after 192 days of two-body flight
    dv = np.array(t["departure_state"]["v_kms"]) - np.array(t["departure_state"]["planet_v_kms"])
    assert float(dv @ dv) == pytest.approx(t["numbers"]["c3_km2s2"]["value"], abs=1e-6)
    mars = t["orbits"]["mars"]
    assert mars["period_days"] == pytest.approx(687.0, abs=2.0) and len(mars["r_km"]) >= 120
    # The ecliptic frame is the same arc rotated.
    e = client.post("/api/transfer", json=dict(body, frame="ecliptic")).json()
    assert np.allclose(np.array(e["trajectory"]["r_km"]), r @ ICRF_TO_ECLIPTIC.T, atol=1e-3)


def test_one_transfer_request_solves_one_lambert_problem(monkeypatch):
    """Issue 12: `/api/transfer` solved the same Lambert problem twice. Its compute function now calls
    tianwen.porkchop.transfer once, which calls tianwen.lambert.lambert once; the numbers equal the porkchop
    grid's cell at the same dates (same kernel arithmetic: to 1e-9 relative), the dv's included, and the arc's
    velocity minus the Earth's is the launch asymptote (C3 = |v1 - v_earth|^2, closed form)."""
    import importlib

    from tianwen.porkchop import VARIABLES, porkchop
    from tianwen.web import compute

    lam = importlib.import_module("tianwen.lambert")  # the module (tianwen.lambert is the facade's function)

    calls = []
    solve = lam.lambert
    monkeypatch.setattr(lam, "lambert", lambda *a, **k: calls.append(1) or solve(*a, **k))
    params = {"origin": "earth", "target": "mars", "ephemeris": "de421", "departure": "2020-07-19",
              "arrival": "2021-01-27", "points": 30, "frame": "icrf", "parking_alt_km": 200,
              "capture": {"periapsis_alt_km": 400, "apoapsis_alt_km": 40000}}
    t = compute.transfer(params, web_limits().for_workers())
    assert len(calls) == 1
    ds = porkchop(("2020-07-19", "2020-07-19"), ("2021-01-27", "2021-01-27"), parking_alt_km=200,
                  capture=(400, 40000))
    for name in ds.data_vars:  # VARIABLES also names the return-only quantities (entry_speed, entry_ok)
        if name == "status":
            continue
        var = VARIABLES[name]
        want = float(ds[name].values[0, 0])
        assert t["numbers"][var.json_name]["value"] == pytest.approx(want, rel=1e-9, abs=1e-12), name
        assert t["numbers"][var.json_name]["label"] == var.label
    dv = np.array(t["departure_state"]["v_kms"]) - np.array(t["departure_state"]["planet_v_kms"])
    assert float(dv @ dv) == pytest.approx(t["numbers"]["c3_km2s2"]["value"], rel=1e-12)
    pk = importlib.import_module("tianwen.porkchop")
    by_tof = pk.transfer("earth", "mars", "2020-07-19", tof_days=t["numbers"]["tof_days"]["value"])
    assert by_tof.c3_km2s2 == pytest.approx(t["numbers"]["c3_km2s2"]["value"], rel=1e-12)


def test_transfer_oem_download(client):
    """CCSDS OEM 2.0 (KVN): version, metadata block, one data line per point whose state is the transfer's."""
    body = {"departure": "2020-07-19", "arrival": "2021-01-27", "points": 25, "frame": "icrf"}
    r = client.post("/api/transfer/oem", json=body)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    assert 'attachment; filename="tianwen_earth_mars_2020-07-19.oem"' == r.headers["content-disposition"]
    lines = r.text.splitlines()
    assert lines[0].replace(" ", "") == "CCSDS_OEM_VERS=2.0"
    meta = lines[lines.index("META_START") + 1: lines.index("META_STOP")]
    keys = dict(re.split(r"\s*=\s*", m, maxsplit=1) for m in meta if "=" in m)
    assert keys["CENTER_NAME"] == "SUN" and keys["TIME_SYSTEM"] in ("TDB", "UTC")
    assert keys["REF_FRAME"] in ("ICRF", "EME2000")
    data = [ln.split() for ln in lines if re.match(r"^\d{4}-\d{2}-\d{2}T", ln)]
    assert len(data) == 25 and all(len(row) == 7 for row in data)
    t = client.post("/api/transfer", json=body).json()
    assert np.allclose([float(x) for x in data[0][1:4]], t["trajectory"]["r_km"][0], atol=1e-3)
    assert np.allclose([float(x) for x in data[-1][4:7]], t["trajectory"]["v_kms"][-1], atol=1e-6)


def test_windows_is_the_library_survey(client):
    from tianwen.windows import windows

    d = client.post("/api/windows", json={"year_from": 2020, "year_to": 2020}).json()
    want = [w.as_json() for w in windows(2020, 2020)]
    got = [{k: v for k, v in row.items() if k not in ("launch_utc", "arrival_utc")} for row in d["rows"]]
    assert got == want
    first = d["rows"][0]
    assert first["launch_utc"].startswith(first["launch"]) and first["launch_utc"].endswith("Z")


def test_history_is_the_library_record(client):
    from tianwen.history import history

    d = client.post("/api/history", json={"since": 2016, "until": 2020}).json()
    opps, summary = history(2016, 2020)
    assert d["summary"] == {k: summary[k] for k in ("since", "until", "opportunities", "with_launch")}
    assert [o["label"] for o in d["opportunities"]] == [o.label for o in opps]
    tw = [m for o in d["opportunities"] for m in o["missions"] if m["name"] == "Tianwen-1"][0]
    assert tw["in_window"] and tw["arc"]["type"] == "I" and tw["launch"] == "2020-07-23"


def test_mission_view_is_the_reconstruction(client):
    """`POST /api/mission` is `tianwen mission NAME --json` (tianwen.reconstruct) plus the cruise sampled for the
    3-D view; its OEM download is tianwen.oem's."""
    from tianwen.reconstruct import reconstruct

    r = client.post("/api/mission", json={"name": "tianwen-1", "points": 50})

    assert r.status_code == 200, r.text[:300]
    m = r.json()
    want = reconstruct("tianwen-1").as_json()
    for key in ("name", "launch_utc", "arrival_utc", "tof_days", "lambert", "moi_dv_kms", "corrector_iterations"):
        assert m[key] == want[key], key
    assert len(m["trajectory"]["r_km"]) == 50 and set(m["orbits"]) == {"earth", "mars"}
    assert len(m["manoeuvre_positions"]) == len(want["manoeuvres"])
    o = client.post("/api/mission/oem", json={"name": "tianwen-1", "step_s": 86400})
    assert o.status_code == 200 and o.text.startswith("CCSDS_OEM_VERS = 2.0")
    assert "OBJECT_NAME = Tianwen-1" in o.text and "OBJECT_ID = 2020-049A" in o.text
    assert o.headers["content-disposition"] == 'attachment; filename="tianwen_tianwen-1_cruise.oem"'
    one_line_error(client.post("/api/mission/oem", json={"name": "tianwen-1", "step_s": 60}), 422)


def test_geometry_view_is_tracking(client):
    """`POST /api/geometry` is tianwen.tracking's geometry on the CLI's UTC grid, with its conjunctions and
    passes; a mission's reconstructed cruise can be the target."""
    from tianwen.tracking import geometry, utc_grid

    r = client.post("/api/geometry", json={"start": "2021-01-01", "end": "2021-03-01", "step_hours": 24})

    assert r.status_code == 200, r.text[:300]
    g = r.json()
    ds = geometry("mars", utc_grid("2021-01-01", "2021-03-01", 1.0))
    assert len(g["epochs_utc"]) == 60 and g["epochs_utc"][0] == "2021-01-01T00:00:00Z"
    lt = np.array(g["variables"]["light_time_s"]["values"], dtype=float)
    assert np.allclose(lt, ds.light_time_s.values, atol=1e-6)
    assert np.all((lt > 150) & (lt < 1400))  # Earth–Mars one-way light time: 3 to 22 minutes
    stations = client.get("/api/stations").json()
    assert "kashi" in {s["name"] for s in stations}
    r = client.post("/api/geometry", json={"target": "tianwen-1", "start": "2021-02-01", "end": "2021-02-05",
                                           "step_hours": 6, "station": "kashi"})
    assert r.status_code == 200, r.text[:300]
    g = r.json()
    assert "elevation_deg" in g["variables"] and len(g["passes"]) >= 3  # one pass a day over Kashi


# -------------------------------------------------------------------------------------------------------------
# the way back from Mars, the round trip, navigation (issues 16 and 18)
# -------------------------------------------------------------------------------------------------------------

#: DE421's GM of the Earth and of the Mars system (km^3/s^2, Folkner et al. 2008, IPN PR 42-178 table 8) and
#: the IAU mean radii (km; Archinal et al. 2018): the constants of the closed forms below.
GM_EARTH, GM_MARS, R_EARTH, R_MARS = 398600.436, 42828.375, 6371.0084, 3389.5


def _values(var) -> np.ndarray:
    return np.array([[np.nan if x is None else x for x in row] for row in var["values"]], dtype=float)


def test_return_view_is_the_library_return_grid(client):
    """Issue 16 item 4: `POST /api/return` is tianwen.returns.return_grid over the opportunity's windows
    (tianwen.windows.plot_window, origin Mars) value by value, to the decimals sent (half a unit of the last
    one), and its legs are tianwen.returns.return_opportunities'. Independent closed forms (patched conics,
    Curtis 2014 eqs. 8.40 and 2.83, vis-viva at periapsis and at the entry interface) with DE421's GMs:
    departure burn from the 400 km circular orbit sqrt(vinf^2 + 2 mu/rp) - sqrt(mu/rp), entry speed
    sqrt(vinf^2 + 2 mu/(R + 125 km)); 2e-5 km/s covers the rounding of the vinf sent (1e-5) and of the result.
    Under an entry-speed cap every cell marked feasible enters at most that fast, and the legs too."""
    from tianwen.returns import return_grid, return_opportunities
    from tianwen.windows import plot_window

    r = client.post("/api/return", json={"opportunity": 2030, "step_days": 5}, headers={"Accept": "application/json"})
    assert r.status_code == 200, r.text[:300]
    d = r.json()
    dep, arr, label = plot_window(2030, origin="mars", target="earth")
    rg = return_grid(dep, arr, step_days=5.0)
    assert d["opportunity"] == label == "2030" and d["origin"] == "mars" and d["target"] == "earth"
    assert d["shape"] == list(rg.grid.shape)
    want = {**rg.grid.data, "dv_depart": rg.departure_dv_kms, "entry_speed": rg.entry_speed_kms}
    for k in ("c3", "vinf_dep", "vinf_arr", "tof", "dv_depart", "entry_speed"):
        got = _values(d["variables"][k])
        assert np.array_equal(np.isnan(got), np.isnan(want[k])), k
        assert np.nanmax(np.abs(got - want[k])) <= 0.5 * 10.0 ** -d["variables"][k]["decimals"] + 1e-12, k
    vd, va = _values(d["variables"]["vinf_dep"]), _values(d["variables"]["vinf_arr"])
    rp = R_MARS + 400.0
    assert np.nanmax(np.abs(_values(d["variables"]["dv_depart"])
                            - (np.sqrt(vd**2 + 2 * GM_MARS / rp) - np.sqrt(GM_MARS / rp)))) < 2e-5
    assert np.nanmax(np.abs(_values(d["variables"]["entry_speed"])
                            - np.sqrt(va**2 + 2 * GM_EARTH / (R_EARTH + 125.0)))) < 2e-5
    assert d["legs"] == [leg.as_json() for leg in return_opportunities(2030, 2030)] and len(d["legs"]) == 2

    capped = client.post("/api/return", json={"opportunity": 2030, "step_days": 5, "max_entry_kms": 12.0},
                         headers={"Accept": "application/json"}).json()
    ok = np.array(capped["variables"]["entry_ok"]["values"]) == 1
    speed = _values(capped["variables"]["entry_speed"])
    assert ok.any() and (~ok).any() and np.all(speed[ok] <= 12.0 + 1e-5)
    assert capped["legs"] and all(leg["entry_speed_kms"] <= 12.0 + 1e-5 for leg in capped["legs"])
    compact = client.post("/api/return", json={"opportunity": 2030, "step_days": 5}).json()
    assert compact["encoding"] == "compact"
    assert np.array_equal(_read_compact(dict(compact["variables"]["dv_depart"]), tuple(compact["shape"])),
                          _values(d["variables"]["dv_depart"]), equal_nan=True)


def test_roundtrip_view_is_the_library_roundtrip(client):
    """Issue 16: `POST /api/roundtrip` is `tianwen roundtrip --json` (tianwen.roundtrip.roundtrip's as_json),
    and what it prints holds together: total dv = capture burn + Mars departure burn, the stay is the Mars
    departure minus the Mars arrival, Earth to Earth is outbound + stay + return (each to its printed rounding).
    A constraint can only cost: with the entry speed capped at 12 km/s the return enters no faster, and the
    least total dv is no lower than without the cap."""
    import datetime as dt

    from tianwen.roundtrip import roundtrip

    r = client.post("/api/roundtrip", json={"opportunity": 2028})
    assert r.status_code == 200, r.text[:300]
    d = r.json()
    assert d == roundtrip(2028).as_json()
    o, b = d["outbound"], d["return"]
    assert abs(d["total_dv_kms"] - (o["capture_dv_kms"] + b["departure_dv_kms"])) <= 1.5e-5
    days = lambda a, z: (dt.datetime.fromisoformat(z[:-1]) - dt.datetime.fromisoformat(a[:-1])).total_seconds() / 86400  # noqa: E731
    assert abs(d["stay_days"] - days(o["arrival_utc"], b["launch_utc"])) < 1 / 86400 + 1e-3
    assert abs(d["duration_days"] - (o["tof_days"] + d["stay_days"] + b["tof_days"])) <= 2e-3
    assert d["class"] == "conjunction" and d["stay_days"] > 200

    c = client.post("/api/roundtrip", json={"opportunity": 2028, "max_entry_kms": 12.0, "stay_days": [300, 700]})
    assert c.status_code == 200, c.text[:300]
    c = c.json()
    assert c["return"]["entry_speed_kms"] <= 12.0 + 1e-5 and 300 - 1e-3 <= c["stay_days"] <= 700 + 1e-3
    assert c["total_dv_kms"] >= d["total_dv_kms"] - 1e-5
    assert c["constraints"]["max_entry_kms"] == 12.0 and c["constraints"]["stay_days"] == [300, 700]
    detail = one_line_error(client.post("/api/roundtrip", json={"opportunity": 2028, "max_c3_km2s2": 5}), 422)
    assert "max_c3_km2s2=5" in detail and "closest feasible value" in detail


def _ellipse_cov(e) -> np.ndarray:
    """The 2x2 covariance of a 1-sigma ellipse (semi-axes a, b; major axis at angle from T towards R)."""
    t = np.radians(e["angle_deg"])
    rot = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
    return rot @ np.diag([e["semi_major_km"] ** 2, e["semi_minor_km"] ** 2]) @ rot.T


def test_navigation_view_is_compare_stations_and_more_data_never_enlarges_the_ellipse(client):
    """Issue 18 item 4: `POST /api/navigation` is tianwen.navigation.compare_stations (as `tianwen navigation
    --json`), row by row (to 1e-9 relative: the same computation in another process). Invariant (least squares:
    a set's measurements are a subset of a larger set's, so its information is smaller; Tapley, Schutz & Born
    2004 sec. 4.4): the formal B-plane covariance of China's stations minus that of a larger set (+ partners,
    + delta-DOR, both) is positive semi-definite, i.e. its 1-sigma ellipse contains the other's, and the
    periapsis-altitude sigma does not grow. The covariances are rebuilt here from the ellipses sent. A second,
    identical request is answered from the cache. (A three-week arc keeps the test to seconds.)"""
    from tianwen.navigation import compare_stations

    body = {"start": "2020-12-31", "end": "2021-01-21"}
    hits = shared_pool().stats["cache_hits"]
    r = client.post("/api/navigation", json=body)
    assert r.status_code == 200, r.text[:300]
    d = r.json()
    want = compare_stations("tianwen-1", ["kashi", "jiamusi"], ["neuquen", "new-norcia", "cebreros", "malargue"],
                            ddor=True, start=body["start"], end=body["end"]).as_json()
    assert [row["label"] for row in d["rows"]] == [row["label"] for row in want["rows"]] and len(d["rows"]) == 4
    for got, exp in zip(d["rows"], want["rows"]):
        assert got["passes"] == exp["passes"] and got["measurements"] == exp["measurements"]
        for kind in ("formal", "consider"):
            for k, v in exp[kind].items():
                if isinstance(v, float):
                    assert got[kind][k] == pytest.approx(v, rel=1e-9, abs=1e-12), (got["label"], kind, k)
    china = d["rows"][0]
    assert china["stations"] == ["kashi", "jiamusi"] and not china["ddor"]
    for row in d["rows"][1:]:
        diff = _ellipse_cov(china["formal"]) - _ellipse_cov(row["formal"])
        assert np.linalg.eigvalsh(diff).min() >= -1e-9 * china["formal"]["semi_major_km"] ** 2, row["label"]
        assert row["formal"]["sigma_alt_km"] <= china["formal"]["sigma_alt_km"] * (1 + 1e-9), row["label"]
    both = d["rows"][3]
    for row in d["rows"][1:3]:
        assert np.linalg.eigvalsh(_ellipse_cov(row["formal"]) - _ellipse_cov(both["formal"])).min() >= -1e-12
    again = client.post("/api/navigation", json=body)
    assert again.json() == d and shared_pool().stats["cache_hits"] == hits + 1


# -------------------------------------------------------------------------------------------------------------
# bad input: 4xx with one line, never a 500
# -------------------------------------------------------------------------------------------------------------

BAD = [
    ("/api/porkchop", '{"opportunity": 20', 400, "malformed JSON"),
    ("/api/porkchop", "", 422, "JSON object is required"),
    ("/api/porkchop", "[]", 422, "object"),
    ("/api/porkchop", '{"opportunity": 2020, "bogus": 1}', 422, "bogus"),
    ("/api/porkchop", '{"opportunity": 2020, "step_days": NaN}', 422, "finite"),
    ("/api/porkchop", '{"opportunity": 2020, "step_days": -1}', 422, "step_days"),
    ("/api/porkchop", '{}', 422, "opportunity"),
    ("/api/porkchop", '{"opportunity": 2021}', 422, "no earth-mars opportunity"),
    ("/api/porkchop", json.dumps({"opportunity": 2020, "departure": DEP, "arrival": ARR}), 422, "not both"),
    ("/api/porkchop", json.dumps({"departure": {"start": "2020-09-01", "end": "2020-05-01"}, "arrival": ARR}), 422,
     "reversed"),
    ("/api/porkchop", json.dumps({"departure": {"start": "2060-01-01", "end": "2060-03-01"},
                                  "arrival": {"start": "2060-09-01", "end": "2061-03-01"}}), 422, "outside de421"),
    ("/api/porkchop", json.dumps({"departure": {"start": "2020-01-01", "end": "2020-12-31"},
                                  "arrival": {"start": "2020-06-01", "end": "2021-12-31"}, "step_days": 0.5}),
     422, "limit of 60,000 cells"),
    ("/api/porkchop", json.dumps({"departure": {"start": "2020-01-01", "end": "2023-01-01"}, "arrival": ARR,
                                  "step_days": 30}), 422, "limit of 800 days"),
    ("/api/porkchop", json.dumps({"departure": {"start": "2020-02-30", "end": "2020-03-01"}, "arrival": ARR}), 422,
     "calendar"),
    ("/api/porkchop", json.dumps({"departure": {"start": "July 2020", "end": "2020-09-01"}, "arrival": ARR}), 422,
     "pattern"),
    ("/api/porkchop", json.dumps({"opportunity": 2020, "target": "earth"}), 422, "same body"),
    ("/api/porkchop", json.dumps({"opportunity": 2020, "target": "pluto"}), 422, "target"),
    ("/api/porkchop", json.dumps({"departure": DEP, "arrival": ARR, "n": [5000, 5000]}), 422, "2000"),
    ("/api/transfer", json.dumps({"departure": "2020-07-19", "arrival": "2020-07-01"}), 422, "not after"),
    ("/api/transfer", json.dumps({"departure": "2020-07-19"}), 422, "exactly one"),
    ("/api/transfer", json.dumps({"departure": "2020-07-19", "arrival": "2021-01-27", "points": 1000}), 422,
     "at most 500"),
    ("/api/windows", json.dumps({"year_from": 2030, "year_to": 2020}), 422, "before"),
    ("/api/windows", json.dumps({"year_from": 2020, "year_to": 2030}), 422, "limit of 2 years"),
    ("/api/windows", json.dumps({"year_from": "soon", "year_to": 2030}), 422, "year_from"),
    ("/api/history", json.dumps({"since": 1960}), 422, "limit of 6 years"),
    ("/api/history", json.dumps({"since": 2020, "until": 2010}), 422, "before"),
    ("/api/history", json.dumps({"margin_km2s2": 0}), 422, "margin_km2s2"),
    ("/api/geometry", json.dumps({"start": "2021-01-01", "end": "2020-01-01"}), 422, "not after"),
    ("/api/return", json.dumps({"opportunity": 2031}), 422, "no mars-earth opportunity"),
    ("/api/return", json.dumps({"opportunity": 2030, "step_days": 0.5}), 422, "limit of 60,000 cells"),
    ("/api/return", json.dumps({"opportunity": 2030, "max_entry_kms": 11}), 422, "closest feasible value"),
    ("/api/return", json.dumps({"opportunity": 2030, "periapsis_radius_km": 3000}), 422, "mean radius"),
    ("/api/roundtrip", json.dumps({"family": "sprint"}), 422, "family"),
    ("/api/roundtrip", json.dumps({"stay_days": [30]}), 422, "stay_days"),
    ("/api/roundtrip", json.dumps({"stay_days": [90, 30]}), 422, "min <= max"),
    ("/api/roundtrip", json.dumps({"step_days": 0.1}), 422, "step_days"),
    ("/api/navigation", json.dumps({"stations": []}), 422, "stations"),
    ("/api/navigation", json.dumps({"stations": ["nowhere"]}), 422, "unknown station 'nowhere'"),
    ("/api/navigation", json.dumps({"mission": "hope"}), 422, "mission"),
    ("/api/navigation", json.dumps({"start": "2019-01-01"}), 422, "inside the cruise"),
    ("/api/navigation", json.dumps({"add": ["neuquen", "new-norcia", "cebreros", "malargue", "goldstone", "canberra",
                                            "madrid"]}), 422, "limit of 8"),
    ("/api/nowhere", "{}", 404, "Not Found"),
]


@pytest.mark.parametrize("path,body,status,words", BAD, ids=[f"{p} {b[:40]}" for p, b, _, _ in BAD])
def test_bad_input_is_a_clear_4xx(client, path, body, status, words):
    r = client.post(path, content=body, headers={"Content-Type": "application/json"})
    detail = one_line_error(r, status)
    if words:
        assert words.lower() in detail.lower(), detail


def test_body_size_and_method_limits(client):
    one_line_error(client.post("/api/porkchop", content=b"{" + b" " * 70_000 + b"}",
                               headers={"Content-Type": "application/json"}), 413)
    one_line_error(client.get("/api/porkchop"), 405)
    r = client.post("/api/porkchop", content="opportunity=2020", headers={"Content-Type": "text/plain"})
    assert 400 <= r.status_code < 500


# -------------------------------------------------------------------------------------------------------------
# limits that keep the server alive: cache, coalescing, busy, timeout
# -------------------------------------------------------------------------------------------------------------


def test_cache_and_identical_requests_share_one_computation(client):
    pool = client.app.state.pool
    body = {"departure": {"start": "2022-08-01", "end": "2022-10-01"},
            "arrival": {"start": "2023-03-01", "end": "2023-09-01"}, "step_days": 3}
    before = dict(pool.stats)
    with ThreadPoolExecutor(4) as ex:
        rs = list(ex.map(lambda _: client.post("/api/porkchop", json=body), range(4)))
    assert all(r.status_code == 200 for r in rs) and len({r.content for r in rs}) == 1
    assert pool.stats["computed"] - before["computed"] == 1
    assert (pool.stats["coalesced"] + pool.stats["cache_hits"]) - (before["coalesced"] + before["cache_hits"]) == 3
    info = pool.cache.info()
    assert 0 < info["entries"] <= info["max_entries"] and info["bytes"] <= info["max_bytes"]


def test_cache_is_bounded():
    from tianwen.web.pool import Result, ResultCache

    cache = ResultCache(max_entries=3, max_bytes=10_000)
    for k in range(10):
        cache.put(k, Result("application/json", b"x" * 2000, b"", 0.0))
    assert cache.info()["entries"] <= 3 and cache.info()["bytes"] <= 10_000
    assert cache.get(9) is not None and cache.get(0) is None


def test_busy_and_timeout_never_hang_the_server():
    """One cold process, no queue: a second request while the first computes is refused at once (503); the
    first, over its 0.05 s limit (its first kernel call alone loads Numba's cache for 0.2 s), is stopped with 504
    and its process replaced; the server answers its health check throughout, and the new process computes."""
    pool = Pool(1, timeout_s=0.05, queue_timeout_s=30, max_queue=0, warm=False)
    app = create_app(Limits(processes=1, timeout_s=0.05, max_queue=1), pool=pool)
    try:
        with TestClient(app, base_url=BASE) as c:
            deadline = time.time() + 60
            while pool.ready < 1 and time.time() < deadline:
                time.sleep(0.1)
            from tianwen.web.models import PorkchopRequest

            slow = PorkchopRequest(departure=DEP, arrival=ARR, step_days=1).model_dump(mode="json")
            fut = pool.submit("porkchop", slow, web_limits().for_workers())
            with pytest.raises(Busy):
                pool.submit("porkchop", dict(slow, step_days=2), web_limits().for_workers()).result(30)
            with pytest.raises(Timeout):
                fut.result(60)
            t0 = time.perf_counter()
            assert c.get("/api/health").status_code == 200 and time.perf_counter() - t0 < 2.0
            r = c.post("/api/porkchop", json=dict(slow, step_days=3))
            detail = r.json()["detail"]
            assert r.status_code in (503, 504), detail  # 504 if it ran; 503 if the replacement was not up yet
            deadline = time.time() + 60
            while pool.ready < 1 and time.time() < deadline:
                time.sleep(0.1)
            assert pool.stats["timeouts"] >= 1 and pool.stats["restarts"] >= 1
            # The replacement computes (given the time to import what it needs).
            bad = PorkchopRequest(opportunity=2020, origin="mars", target="mars").model_dump(mode="json")
            with pytest.raises(BadInput, match="same body"):
                pool.submit("porkchop", bad, web_limits().for_workers(), timeout_s=120).result(150)
    finally:
        pool.close()


# -------------------------------------------------------------------------------------------------------------
# `tianwen serve`
# -------------------------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_command_starts_and_stops():
    """`tianwen serve` answers its health check at once (before its compute processes are up) and the page,
    then stops cleanly on Ctrl-C."""
    import httpx

    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "tianwen", "serve", "--port", str(port), "--processes", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.time() + 60
        health = None
        while time.time() < deadline:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2).json()
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        assert health is not None and health["workers"]["processes"] == 1
        assert "tianwen" in httpx.get(f"http://127.0.0.1:{port}/", timeout=5).text
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            out, _ = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
    assert proc.returncode in (0, -signal.SIGINT, 130), out[-2000:]
    assert f"http://127.0.0.1:{port}/" in out


def test_serve_refuses_a_bad_port():
    r = subprocess.run([sys.executable, "-m", "tianwen", "serve", "--port", "70000"], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 2 and "--port" in r.stderr and "Traceback" not in r.stderr


# -------------------------------------------------------------------------------------------------------------
# the server's doors (issue 21.4)
# -------------------------------------------------------------------------------------------------------------


def test_security_headers_on_every_response(client):
    """Every response — page, script, API success, 404, 405, 413, 422 — carries a Content-Security-Policy that
    runs only this server's scripts (no 'unsafe-inline' or 'unsafe-eval' for scripts) and forbids framing,
    plus nosniff and a referrer policy; and the page has no inline script or style for the policy to block."""
    responses = [client.get("/"), client.get("/static/app.js"), client.get("/static/style.css"),
                 client.get("/api/health"), client.get("/api/limits"), client.get("/openapi.json"),
                 client.get("/nowhere"), client.get("/api/porkchop"),
                 client.post("/api/porkchop", content=b"{" + b" " * 70_000 + b"}",
                             headers={"Content-Type": "application/json"}),
                 client.post("/api/porkchop", json={"opportunity": 2020, "bogus": 1}),
                 client.get("/api/health", headers={"Host": "evil.example"})]
    assert [r.status_code for r in responses] == [200, 200, 200, 200, 200, 200, 404, 405, 413, 422, 400]
    for r in responses:
        csp = r.headers["content-security-policy"]
        rules = dict(part.strip().split(" ", 1) for part in csp.split(";"))
        assert rules["frame-ancestors"] == "'none'" and rules["script-src"] == "'self'", csp
        assert rules["default-src"] == "'self'" and rules["object-src"] == "'none'", csp
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "no-referrer"
    html = responses[0].text
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline script in the page"
    assert not re.search(r"<style|\sstyle=|\son[a-z]+=", html), "inline style or event handler in the page"


@pytest.mark.parametrize("host,status", [("evil.example", 400), ("evil.example:8000", 400),
                                         ("127.0.0.1.nip.io", 400), ("", 400), ("127.0.0.1:8000", 200),
                                         ("localhost:8000", 200), ("[::1]:8000", 200), ("LOCALHOST", 200)])
def test_host_header_is_checked(client, host, status):
    """DNS rebinding: a page of evil.example whose name now resolves to 127.0.0.1 sends ``Host: evil.example``;
    the server answers only to its own names (default: the loopback ones) and refuses the rest with 400."""
    r = client.get("/api/health", headers={"Host": host})
    assert r.status_code == status, (host, r.text[:200])
    if status == 400:
        assert "--allow-host" in one_line_error(r, 400)


def test_allowed_hosts_are_configurable():
    app = create_app(web_limits(), pool=shared_pool(), allowed_hosts=("127.0.0.1", "mars.lan"))
    with TestClient(app, base_url="http://mars.lan") as c:
        assert c.get("/api/limits").status_code == 200
        assert c.get("/api/limits", headers={"Host": "localhost"}).status_code == 400
    anything = create_app(web_limits(), pool=shared_pool(), allowed_hosts=("*",))
    with TestClient(anything, base_url="http://any.example") as c:
        assert c.get("/api/limits").status_code == 200


def test_openapi_states_the_enforced_limits(client):
    """Every request field bounded by a server limit (tianwen.web.models.LIMITED_FIELDS) has, in the pydantic
    model, the limit's default of tianwen.web.limits.Limits as its maximum, and in the served /openapi.json the
    limit this app enforces (here the tests' smaller ones); a value one past it is refused with 422."""
    from tianwen.web import models

    def maxima(schema) -> set:
        found = set()
        if isinstance(schema, dict):
            found |= {schema["maximum"]} if "maximum" in schema else set()
            for v in schema.values():
                found |= maxima(v)
        elif isinstance(schema, list):
            for v in schema:
                found |= maxima(v)
        return found

    served = client.get("/openapi.json").json()["components"]["schemas"]
    enforced = client.get("/api/limits").json()
    for (model, field), limit in models.LIMITED_FIELDS.items():
        declared = getattr(models, model).model_json_schema()["properties"][field]
        assert maxima(declared) == {getattr(Limits, limit)}, (model, field)
        assert maxima(served[model]["properties"][field]) == {enforced[limit]}, (model, field)
    too_many = enforced["max_points"] + 1
    one_line_error(client.post("/api/transfer", json={"departure": "2020-07-19", "arrival": "2021-01-27",
                                                      "points": too_many}), 422)
    ok = client.post("/api/transfer", json={"departure": "2020-07-19", "arrival": "2021-01-27",
                                            "points": enforced["max_points"]})
    assert ok.status_code == 200, ok.text[:300]


def test_compute_processes_import_only_installed_code(tmp_path, monkeypatch):
    """Issue 21: a ``queue.py`` planted in the directory the server starts from (and on PYTHONPATH) was imported
    inside a compute process. Now they run in isolated mode: the planted module never runs, and they compute."""
    marker = tmp_path / "planted-module-ran"
    (tmp_path / "queue.py").write_text(f"open({str(marker)!r}, 'w').write('imported')\n"
                                       "raise ImportError('planted queue.py imported')\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    pool = Pool(1, timeout_s=120, queue_timeout_s=240, warm=False)
    try:
        result = pool.start().submit("stations", {}, web_limits().for_workers()).result(300)
    finally:
        pool.close()
    assert not marker.exists(), "the planted queue.py ran inside a compute process"
    assert "kashi" in {s["name"] for s in json.loads(result.body)}


def test_serve_refuses_to_start_without_compute_processes(cli, monkeypatch):
    """Issue 21: when no compute process can start, `tianwen serve` exits non-zero with one line naming the cause,
    instead of serving "starting" forever and a 503 after 60 s for every request (here the process's program is
    replaced by one that fails at once)."""
    monkeypatch.setattr("tianwen.web.pool.WORKER_CODE", "raise SystemExit('no compute here (planted failure)')")
    r = cli("serve", "--port", str(_free_port()), "--processes", "1")
    assert r.returncode != 0
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "compute processes could not start" in lines[0], r.stderr
    assert "planted failure" in lines[0] and "Traceback" not in r.stderr


def test_failed_pool_refuses_at_once():
    """A pool whose processes cannot start says so in /api/health ("failed") and answers 503 with the cause at
    once, instead of waiting queue_timeout_s for a process that will never come."""
    import tianwen.web.pool as pool_module

    code = pool_module.WORKER_CODE
    pool_module.WORKER_CODE = "raise SystemExit(3)"
    pool = Pool(1, queue_timeout_s=600, warm=False)
    try:
        assert not pool.wait_loaded(60) and "could not start" in pool.failed
    finally:
        pool_module.WORKER_CODE = code
    app = create_app(Limits(processes=1, queue_timeout_s=600), pool=pool)
    try:
        with TestClient(app, base_url=BASE) as c:
            assert c.get("/api/health").json()["status"] == "failed"
            r = c.post("/api/windows", json={"year_from": 2020, "year_to": 2020})
            assert r.status_code == 503 and "could not start" in r.json()["detail"], r.text[:300]
    finally:
        pool.close()


# -------------------------------------------------------------------------------------------------------------
# property-based fuzzing of the OpenAPI schema
# -------------------------------------------------------------------------------------------------------------

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is a test dependency: pip install schemathesis")
from hypothesis import HealthCheck, settings  # noqa: E402


# The schema is the app's own (no request needed); the app's lifespan starts the shared processes on the first
# call. (schemathesis.pytest.from_fixture would be lazier, but it does not run under pytest 9.)
fuzz = schemathesis.openapi.from_dict(create_app(web_limits(), pool=shared_pool()).openapi())
fuzz.app = create_app(web_limits(), pool=shared_pool())
fuzz.config.generation.update(modes=[schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE],
                              max_examples=FUZZ_EXAMPLES)


def wait_ready(pool: Pool, n: int = 1, timeout_s: float = 300.0) -> Pool:
    pool.start()
    deadline = time.time() + timeout_s
    while pool.ready < n and time.time() < deadline:
        time.sleep(0.2)
    assert pool.ready >= n, f"compute processes not ready after {timeout_s:g} s: {pool.health()}"
    return pool


@pytest.fixture
def pool_ready():
    return wait_ready(shared_pool())


@fuzz.parametrize()
@settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_fuzz_openapi_no_server_error(case, pool_ready):
    """Schemathesis draws valid and invalid requests from /openapi.json (TIANWEN_FUZZ_EXAMPLES per operation and
    mode, default 6): never a 5xx, every error one line of JSON, every success of the documented media type
    (the porkchop's compact form by default, plain JSON when asked)."""
    response = case.call(timeout=TEST_LIMITS["timeout_s"] + 30)
    status = response.status_code
    ctype = response.headers.get("content-type", [""])
    ctype = ctype[0] if isinstance(ctype, list) else ctype
    assert status < 500, f"{case.method} {case.path} {case.body!r} -> {status} {response.text[:300]}"
    if status >= 400:
        detail = response.json()["detail"]
        assert isinstance(detail, str) and detail and "\n" not in detail
    elif case.path.endswith("/oem"):
        assert ctype.startswith("text/plain")
    elif ctype.startswith("application/vnd.tianwen.porkchop+json"):
        assert case.path in ("/api/porkchop", "/api/return") and response.json()["encoding"] == "compact"
        if case.path == "/api/porkchop":
            from schemathesis.checks import response_schema_conformance

            case.validate_response(response, checks=[response_schema_conformance])
    else:
        assert ctype.startswith("application/json")
        if case.path in ("/api/porkchop", "/api/transfer", "/api/windows", "/api/history"):
            from schemathesis.checks import response_schema_conformance

            case.validate_response(response, checks=[response_schema_conformance])
