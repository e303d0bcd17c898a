"""``tianwen serve``: the web app, a thin skin over the library (FastAPI + uvicorn).

The page (``/``) is static HTML and JavaScript that talks only to the JSON API under ``/api/``; plotly.js is
served from the installed ``plotly`` package (``/vendor/plotly.min.js``), so nothing is fetched from the
network. The API's schema is ``/openapi.json``.

==========================  ===========================================================================
route                       what it answers
==========================  ===========================================================================
``GET  /api/health``        liveness and the compute processes' state (never waits for a computation)
``GET  /api/limits``        the limits below (:mod:`tianwen.web.limits`)
``POST /api/porkchop``      porkchop grid of an opportunity or of two windows (:func:`tianwen.porkchop`),
                            compact by default, plain JSON lists with ``Accept: application/json``
``POST /api/porkchop/steps`` the grid steps the page offers, each with its cell count and whether it fits
``POST /api/porkchop/csv``  the porkchop as a CSV file, ``POST /api/porkchop/nc`` as NetCDF (both written by
                            :func:`tianwen.plots.save_porkchop`)
``POST /api/opportunities`` the opportunities of the years the ephemeris covers, and the next one
``POST /api/transfer``      one transfer: numbers, Lambert arc propagated two-body, planets' orbits
``POST /api/transfer/oem``  that arc as a CCSDS OEM 2.0 file
``POST /api/windows``       launch-window survey (:func:`tianwen.windows.windows`)
``POST /api/history``       Mars launches by opportunity (:func:`tianwen.history.history`)
``POST /api/mission``       a mission flown again (Tianwen-1, Hope, Mars 2020: :mod:`tianwen.reconstruct`)
``POST /api/mission/oem``   its cruise as a CCSDS OEM 2.0 file
``POST /api/geometry``      tracking geometry: range, light time, conjunctions, passes
``GET  /api/stations``      the ground stations the geometry view knows
``POST /api/return``        Mars-to-Earth porkchop of an opportunity (:func:`tianwen.returns.return_grid`)
``POST /api/roundtrip``     Earth–Mars–Earth round trip (:func:`tianwen.roundtrip.roundtrip`)
``POST /api/navigation``    station sets compared at Mars arrival (:func:`tianwen.navigation.compare_stations`)
==========================  ===========================================================================

Status codes: 200; 400 malformed JSON, or a Host header this server does not answer to; 413 body too large;
422 bad input (a field out of its range, or the library's one-line :class:`~tianwen.errors.TianwenError`: an
epoch outside the ephemeris, a reversed window, a grid over the cap); 503 every compute process busy (retry),
or none could start; 504 a computation over the time limit (it was stopped). Error bodies are
``{"detail": "one line"}``.

Doors: every response carries :data:`SECURITY_HEADERS` (a Content-Security-Policy that allows only this
server's own scripts, no framing, ``nosniff``, no referrer); a request whose ``Host`` is not the bound address
or an allowed name (``allowed_hosts``, ``tianwen serve --allow-host``) is refused with 400, so a page on
another site cannot reach a server on this machine through DNS rebinding.
"""

from __future__ import annotations

import asyncio
import gzip
import logging
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Optional

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import __version__
from . import models as m
from .compute import COMPACT_MEDIA_TYPE
from .limits import Limits
from .pool import BadInput, Busy, Down, Pool, Timeout, WorkerError

log = logging.getLogger("tianwen.web")
STATIC = Path(__file__).with_name("static")

_ERRORS = {400: {"model": m.Error, "description": "malformed JSON"},
           413: {"model": m.Error, "description": "request body too large"},
           422: {"model": m.Error, "description": "bad input: the field and what is accepted"},
           503: {"model": m.Error, "description": "every compute process busy (retry), or none could start"},
           504: {"model": m.Error, "description": "computation over the time limit (stopped)"}}

#: Names a server bound to a loopback address answers to.
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")

#: Headers on every response. The page's scripts and styles are files of this server (no inline script);
#: plotly.js sets style attributes as it draws (without 'unsafe-inline' for styles its hover labels never show,
#: as tried in Chromium), hence that for styles only; scripts are this server's files and nothing else.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                               "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
                               "worker-src 'self' blob:; object-src 'none'; base-uri 'none'; form-action 'self'; "
                               "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}


def _error(status: int, detail: str, errors=None, headers=None) -> JSONResponse:
    body = {"detail": detail}
    if errors is not None:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, headers=headers)


def _where(loc) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path")]
    return ".".join(parts) or "body"


def _bound(schema, limit) -> None:
    """Lower every ``maximum`` inside a field's JSON schema to ``limit`` where that is tighter."""
    if isinstance(schema, dict):
        if "maximum" in schema:
            schema["maximum"] = min(schema["maximum"], limit)
        for value in schema.values():
            _bound(value, limit)
    elif isinstance(schema, list):
        for value in schema:
            _bound(value, limit)


def _host_name(header: str) -> str:
    """The host part of a Host header, lower case, without port or IPv6 brackets."""
    h = header.strip().lower()
    if h.startswith("["):
        return h[1:h.find("]")] if "]" in h else h
    return h.rsplit(":", 1)[0] if h.count(":") == 1 else h


class Doors:
    """The outermost layer: :data:`SECURITY_HEADERS` on every response, the Host check (400), and a last
    one-line 500 for a bug anywhere inside (so even that response carries the headers)."""

    def __init__(self, app, allowed_hosts):
        self.app = app
        names = {_host_name(h) for h in allowed_hosts}
        self.any_host = "*" in names
        self.allowed = sorted(names - {"*"})
        self.headers = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = False

        async def with_headers(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                present = {k.lower() for k, _ in message.get("headers", [])}
                message = dict(message, headers=list(message.get("headers", []))
                               + [(k, v) for k, v in self.headers if k not in present])
            await send(message)

        if not self.any_host:
            raw = dict(scope.get("headers") or []).get(b"host", b"").decode("latin-1")
            if _host_name(raw) not in self.allowed:
                shown = raw[:100] if raw else "(none)"
                return await _error(400, f"Host header {shown!r} is not a name this server answers to "
                                         f"({', '.join(self.allowed)}); start it with --allow-host NAME to add one")(
                    scope, receive, with_headers)
        try:
            await self.app(scope, receive, with_headers)
        except Exception:
            log.exception("tianwen web: unhandled error")
            if not started:
                await _error(500, "internal error; please report it")(scope, receive, with_headers)


class BodyLimit:
    """Refuse request bodies over ``max_bytes`` with 413, whether Content-Length says so or the bytes do."""

    class _TooLarge(Exception):
        pass

    def __init__(self, app, max_bytes: int):
        self.app, self.max_bytes = app, int(max_bytes)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            return await _error(413, f"request body of {length.decode(errors='replace')} bytes is over the limit "
                                     f"of {self.max_bytes} bytes")(scope, receive, send)
        seen = 0
        started = False

        async def counted():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise BodyLimit._TooLarge
            return message

        async def watch(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, watch)
        except BodyLimit._TooLarge:
            if not started:
                await _error(413, f"request body is over the limit of {self.max_bytes} bytes")(scope, receive, send)


def create_app(limits: Limits | None = None, *, pool: Pool | None = None, allowed_hosts=LOCAL_HOSTS) -> FastAPI:
    """The ASGI app. Without ``pool`` it starts (and at shutdown stops) its own compute processes.

    ``allowed_hosts``: the names a request's Host header may carry (host part; ``"*"``: any); default the
    loopback names :data:`LOCAL_HOSTS`."""
    limits = limits or Limits()
    own_pool = pool is None
    if pool is None:
        pool = Pool(limits.processes, timeout_s=limits.timeout_s, queue_timeout_s=limits.queue_timeout_s,
                    max_queue=limits.max_queue, cache_entries=limits.cache_entries, cache_mb=limits.cache_mb)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        pool.start()
        try:
            yield
        finally:
            if own_pool:
                await asyncio.to_thread(pool.close)

    app = FastAPI(
        title="tianwen", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None,
        description=("Earth–Mars mission design, computed live by the tianwen library: porkchops, transfers, "
                     "launch windows, mission history. Limits: GET /api/limits."),
    )
    app.state.limits = limits
    app.state.pool = pool
    app.add_middleware(BodyLimit, max_bytes=limits.max_body_bytes)
    app.add_middleware(Doors, allowed_hosts=tuple(allowed_hosts))  # added last: the outermost

    # -- errors: always one line of JSON, never a traceback -------------------------------------------------
    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        errs = exc.errors()
        bad_json = [e for e in errs if e.get("type") in ("json_invalid", "json_type")]
        if bad_json:
            e = bad_json[0]
            return _error(400, f"malformed JSON body: {e.get('ctx', {}).get('error', e.get('msg'))}")
        clean = []
        for e in errs:
            loc, kind, msg = [str(p) for p in e.get("loc", ())], str(e.get("type")), str(e.get("msg"))
            if loc == ["body"] and kind == "missing":
                msg = "a JSON object is required (Content-Type: application/json)"
            elif loc == ["body"] and kind in ("model_attributes_type", "dict_type"):
                msg = "must be a JSON object sent as Content-Type: application/json"
            clean.append({"loc": loc, "msg": msg, "type": kind})
        first = "; ".join(f"{_where(e['loc'])}: {e['msg']}" for e in clean[:3])
        if len(clean) > 3:
            first += f" (and {len(clean) - 3} more)"
        return _error(422, first.replace("\n", " "), clean)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        return _error(exc.status_code, str(exc.detail), headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception):  # a bug in the web layer: still one line
        log.exception("tianwen web: unhandled error")
        return _error(500, f"internal error ({type(exc).__name__}); please report it")

    async def compute(request: Request, name: str, params: dict, cache: bool = True) -> Response:
        try:
            fut = pool.submit(name, params, limits.for_workers(), cache=cache)
            result = await asyncio.shield(asyncio.wrap_future(fut))
        except BadInput as exc:
            return _error(422, str(exc))
        except Down as exc:
            return _error(503, str(exc))
        except Busy as exc:
            return _error(503, str(exc), headers={"Retry-After": "5"})
        except Timeout as exc:
            return _error(504, str(exc))
        except WorkerError as exc:
            return _error(500, f"internal error: {exc}; please report it")
        headers = {"X-Compute-Seconds": f"{result.compute_s:.3f}", "Vary": "Accept, Accept-Encoding",
                   "Cache-Control": "no-store"}
        if result.gz is not None and "gzip" in request.headers.get("accept-encoding", ""):
            headers["Content-Encoding"] = "gzip"
            return Response(result.gz, media_type=result.media_type, headers=headers)
        return Response(result.body, media_type=result.media_type, headers=headers)

    # -- the page and its assets ----------------------------------------------------------------------------
    @app.get("/", include_in_schema=False)
    async def index():
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})

    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    plotly_js: dict = {}

    def _load_plotly():
        if not plotly_js:
            path = resources.files("plotly") / "package_data" / "plotly.min.js"
            raw = path.read_bytes()
            plotly_js.update(raw=raw, gz=gzip.compress(raw, 6))
        return plotly_js

    @app.get("/vendor/plotly.min.js", include_in_schema=False)
    async def plotly(request: Request):
        try:
            js = await asyncio.to_thread(_load_plotly)
        except (FileNotFoundError, ModuleNotFoundError):
            return _error(503, "plotly.min.js is not in the installed plotly package; reinstall plotly")
        headers = {"Cache-Control": "public, max-age=86400", "Vary": "Accept-Encoding"}
        if "gzip" in request.headers.get("accept-encoding", ""):
            headers["Content-Encoding"] = "gzip"
            return Response(js["gz"], media_type="text/javascript", headers=headers)
        return Response(js["raw"], media_type="text/javascript", headers=headers)

    # -- the API --------------------------------------------------------------------------------------------
    @app.get("/api/health", response_model=m.Health, tags=["server"])
    async def health():
        """Liveness: answers at once, however busy the compute processes are."""
        info = pool.health()
        status = "ok" if info["ready"] > 0 else "failed" if info["failed"] else "starting"
        return {"status": status, "version": __version__, "workers": info}

    @app.get("/api/limits", tags=["server"])
    async def get_limits() -> dict:
        """The server's limits: grid size, date spans, concurrency, timeout, cache."""
        return limits.as_json()

    @app.post("/api/porkchop", response_model=m.PorkchopResponse, responses=_ERRORS, tags=["design"])
    async def porkchop(request: Request, body: m.PorkchopRequest, format: Optional[m.GridFormat] = None):
        """Porkchop grid: every variable of :func:`tianwen.porkchop.porkchop`, indexed [departure][arrival], with
        the Type I/II minimum-C3 cells and the catalogued missions launched in the window.

        The grid comes compact (``application/vnd.tianwen.porkchop+json``: each variable as byte-shuffled row
        differences of its values in units of its last decimal, base64, partly zlib-compressed; see
        :mod:`tianwen.web.compute`) unless the request asks for ``Accept: application/json`` or
        ``?format=json``: then every variable is nested lists, ``null`` where there is no solution."""
        if body.n is not None and max(body.n) > limits.max_axis_points:
            return _error(422, f"n = {list(body.n)}: at most {limits.max_axis_points} points on an axis")
        if format is None:
            accept = request.headers.get("accept", "")
            format = "json" if "application/json" in accept and COMPACT_MEDIA_TYPE not in accept else "compact"
        return await compute(request, "porkchop", dict(body.model_dump(mode="json"), format=format))

    @app.post("/api/porkchop/steps", response_model=m.PorkchopSteps, responses=_ERRORS, tags=["design"])
    async def porkchop_steps(request: Request, body: m.PorkchopRequest):
        """The grid steps the page offers for this porkchop (its ``step_days`` ignored): each one's grid shape
        and cell count, and whether it is within this server's ``max_cells``. Nothing is computed."""
        return await compute(request, "porkchop_steps", body.model_dump(mode="json"))

    def _file_route(suffix: str, media: str, what: str):
        async def route(request: Request, body: m.PorkchopRequest):
            if body.n is not None and max(body.n) > limits.max_axis_points:
                return _error(422, f"n = {list(body.n)}: at most {limits.max_axis_points} points on an axis")
            resp = await compute(request, "porkchop_file", dict(body.model_dump(mode="json"), suffix=suffix))
            if resp.status_code == 200:
                which = body.opportunity if body.opportunity is not None else body.departure.start[:10]
                name = f"tianwen_porkchop_{body.origin}_{body.target}_{which}{suffix}"
                resp.headers["Content-Disposition"] = f'attachment; filename="{name}"'
            return resp

        route.__name__ = f"porkchop_{suffix[1:]}"
        route.__doc__ = (f"The porkchop of this request as {what}, written by the library "
                         f"(:func:`tianwen.plots.save_porkchop` with a ``{suffix}`` name), sent as a download.")
        app.post(f"/api/porkchop/{suffix[1:]}", response_class=Response, tags=["design"],
                 responses={**_ERRORS, 200: {"content": {media: {}}, "description": what}})(route)

    _file_route(".csv", "text/csv", "a CSV file (one row per cell)")
    _file_route(".nc", "application/x-netcdf", "a NetCDF file (the xarray Dataset)")

    @app.post("/api/opportunities", response_model=m.OpportunitiesResponse, responses=_ERRORS, tags=["design"])
    async def opportunities(request: Request, body: m.OpportunitiesRequest):
        """The opportunities (year and minimum-C3 launch date) of the years the ephemeris covers
        (:func:`tianwen.windows.find_opportunities`, :func:`tianwen.windows.covered_years`; at most
        ``max_opportunity_years`` around today), and the next one (:func:`tianwen.windows.next_opportunity`)."""
        return await compute(request, "opportunities", body.model_dump(mode="json"))

    @app.post("/api/transfer", response_model=m.TransferResponse, responses=_ERRORS, tags=["design"])
    async def transfer(request: Request, body: m.TransferRequest):
        """One ballistic transfer: the porkchop cell's numbers, the Lambert arc propagated two-body about the Sun,
        and the orbits of origin and target over one period."""
        if body.points > limits.max_points:
            return _error(422, f"points = {body.points}: at most {limits.max_points}")
        return await compute(request, "transfer", body.model_dump(mode="json"))

    @app.post("/api/transfer/oem", responses={**_ERRORS, 200: {"content": {"text/plain": {}}, "description": "CCSDS OEM 2.0 (KVN)"}},
              response_class=Response, tags=["design"])
    async def transfer_oem(request: Request, body: m.TransferRequest):
        """The transfer's arc as a CCSDS OEM 2.0 ephemeris (KVN text; Sun-centred ICRF, TDB, km and km/s)."""
        if body.points > limits.max_points:
            return _error(422, f"points = {body.points}: at most {limits.max_points}")
        resp = await compute(request, "oem", body.model_dump(mode="json"))
        if resp.status_code == 200:
            name = f"tianwen_{body.origin}_{body.target}_{body.departure[:10]}.oem"
            resp.headers["Content-Disposition"] = f'attachment; filename="{name}"'
        return resp

    @app.post("/api/windows", response_model=m.WindowsResponse, responses=_ERRORS, tags=["design"])
    async def windows(request: Request, body: m.WindowsRequest):
        """Every opportunity in the span with its refined Type I/II minimum-C3 and minimum-v∞ transfers."""
        return await compute(request, "windows", body.model_dump(mode="json"))

    @app.post("/api/history", response_model=m.HistoryResponse, responses=_ERRORS, tags=["record"])
    async def history(request: Request, body: m.HistoryRequest):
        """Mars launches grouped by Earth–Mars opportunity, each with its ballistic arc."""
        return await compute(request, "history", body.model_dump(mode="json"))

    @app.post("/api/mission", responses=_ERRORS, tags=["record"])
    async def mission(request: Request, body: m.MissionRequest) -> dict:
        """A mission flown again from its published events (issue 6: Lambert arc, n-body cruise through the
        published manoeuvres, arrival), as `tianwen mission NAME --json`, with the cruise sampled for a 3-D
        view."""
        if body.points > limits.max_points:
            return _error(422, f"points = {body.points}: at most {limits.max_points}")
        return await compute(request, "mission", body.model_dump(mode="json"))

    @app.post("/api/mission/oem", responses={**_ERRORS, 200: {"content": {"text/plain": {}},
                                                                "description": "CCSDS OEM 2.0 (KVN)"}},
              response_class=Response, tags=["record"])
    async def mission_oem(request: Request, body: m.MissionOemRequest):
        """The reconstructed cruise as a CCSDS OEM 2.0 file (tianwen.oem, as `tianwen mission NAME --oem`)."""
        resp = await compute(request, "mission_oem", body.model_dump(mode="json"))
        if resp.status_code == 200:
            resp.headers["Content-Disposition"] = f'attachment; filename="tianwen_{body.name}_cruise.oem"'
        return resp

    @app.post("/api/geometry", responses=_ERRORS, tags=["tracking"])
    async def geometry(request: Request, body: m.GeometryRequest) -> dict:
        """Tracking geometry (issue 7): range, light time, range rate and Sun–Earth–target angle over a span,
        solar conjunctions, and elevation/azimuth and passes from a station."""
        return await compute(request, "geometry", body.model_dump(mode="json"))

    @app.post("/api/return", tags=["design"], responses={
        **_ERRORS, 200: {"content": {COMPACT_MEDIA_TYPE: {}},
                         "description": "the grid, compact (as /api/porkchop's) unless plain JSON is asked for"}})
    async def return_porkchop(request: Request, body: m.ReturnRequest, format: Optional[m.GridFormat] = None):
        """Mars-to-Earth porkchop of an opportunity (:func:`tianwen.returns.return_grid`): every porkchop
        variable, with the departure burn from the Mars orbit (``dv_depart``), the Earth entry speed
        (``entry_speed``) and, under a cap, ``entry_ok``, indexed [departure][arrival], compact or
        plain JSON as ``/api/porkchop``; and the opportunity's least-Δv leg of each type
        (:func:`tianwen.returns.return_opportunities`) in ``legs``, or in ``legs_note`` why there is none."""
        if format is None:
            accept = request.headers.get("accept", "")
            format = "json" if "application/json" in accept and COMPACT_MEDIA_TYPE not in accept else "compact"
        return await compute(request, "compute_return.return_porkchop", dict(body.model_dump(mode="json"),
                                                                             format=format))

    @app.post("/api/roundtrip", responses=_ERRORS, tags=["design"])
    async def roundtrip(request: Request, body: m.RoundTripRequest) -> dict:
        """The best Earth–Mars–Earth round trip of an opportunity (:func:`tianwen.roundtrip.roundtrip`): the
        outbound leg, the stay and the return leg chosen together, as ``tianwen roundtrip --json``. Constraints no
        trip meets are a 422 naming the closest feasible value."""
        return await compute(request, "compute_return.roundtrip", body.model_dump(mode="json"))

    @app.post("/api/navigation", responses=_ERRORS, tags=["tracking"])
    async def navigation(request: Request, body: m.NavigationRequest) -> dict:
        """B-plane 1-sigma ellipse and periapsis-altitude uncertainty at Mars for each station set
        (:func:`tianwen.navigation.compare_stations`, as ``tianwen navigation --json``). Seconds of computation;
        the answer is cached."""
        return await compute(request, "compute_navigation.navigation", body.model_dump(mode="json"))

    @app.get("/api/stations", responses=_ERRORS, tags=["tracking"])
    async def stations(request: Request) -> list[dict]:
        """Ground stations known to the geometry view."""
        return await compute(request, "stations", {})

    def openapi() -> dict:
        """The generated schema, plus the compact porkchop media type (its own response schema)."""
        if app.openapi_schema is None:
            from fastapi.openapi.utils import get_openapi

            schema = get_openapi(title=app.title, version=app.version, description=app.description,
                                 routes=app.routes)
            compact = m.PorkchopCompactResponse.model_json_schema(ref_template="#/components/schemas/{model}",
                                                                  mode="serialization")
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            for name, sub in compact.pop("$defs", {}).items():
                components.setdefault(name, sub)
            components["PorkchopCompactResponse"] = compact
            for (model, field), limit in m.LIMITED_FIELDS.items():  # this server's bounds, where tighter
                _bound(components[model]["properties"][field], getattr(limits, limit))
            content = schema["paths"]["/api/porkchop"]["post"]["responses"]["200"]["content"]
            content[COMPACT_MEDIA_TYPE] = {"schema": {"$ref": "#/components/schemas/PorkchopCompactResponse"}}
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi
    return app
