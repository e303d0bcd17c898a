"""End to end in a real headless Chromium (issue 8): load the page, choose 2020, see the porkchop drawn, hover
a cell and see every variable, click cells and see the trajectory and the numbers change, download the OEM;
the page never asks for anything but this server. The page decodes the compact porkchop grid itself (issue 13:
its values equal the API's plain JSON form) under the server's Content-Security-Policy (issue 21: no script
error, no policy violation). Screenshots go to ``test-artifacts/`` for a person to look
at (``web_porkchop_2020.png``; ``web_phone.png`` and ``web_phone_transfer.png`` on a phone-sized screen;
``web_desktop_scrolled.png``, ``web_desktop_full.png`` and ``web_phone_full.png`` from the layout test;
``web_geometry_passes.png``; ``web_return.png``, ``web_roundtrip.png``, ``web_roundtrip_error.png``, ``web_navigation.png`` and
their ``web_phone_*.png``).

Issue 19.3 (the page): at desktop (1400 x 1000) and phone (390 x 844) sizes no card's box overlaps another's, the
sticky settings card included, at every scroll position (boxes computed in the page, not pixels); only years
with an opportunity are offered, opening on the next one; steps over the cell limit are disabled with their
cell counts; UTC date-time inputs read the same in any locale and time zone; hover labels are human names
with units; the CSV and NetCDF downloads; stale cards cleared on every change; passes, not midnight elevations;
keyboard use and a label on every control, checked by axe-core (``tests/node_modules/axe-core``, installed by
``cd tests && npm ci``; without it that test is skipped loudly).

Needs Debian's ``chromium`` (``/usr/bin/chromium``; .ci/run installs it) and the Python ``playwright`` package
(driving that Chromium through ``executable_path``: ``playwright install`` is never run). Without them the
test is skipped with a loud warning, not silently.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import socket
import threading
import time
import warnings
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("TIANWEN_CHROMIUM", "/usr/bin/chromium")
AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
DESKTOP = {"width": 1400, "height": 1000}
PHONE = dict(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True)
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]


def _skip_loudly(reason: str):
    message = f"BROWSER TESTS SKIPPED: {reason}"
    warnings.warn(message, pytest.PytestWarning, stacklevel=2)
    print(f"\n*** {message} ***\n")
    pytest.skip(message, allow_module_level=True)


try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    _skip_loudly("the Python package 'playwright' is not installed (pip install playwright; the browser is "
                 "Debian's chromium, never `playwright install`)")
if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):  # pragma: no cover
    _skip_loudly(f"no Chromium at {CHROMIUM} (apt-get install -y chromium chromium-driver)")

uvicorn = pytest.importorskip("uvicorn")
from test_web import shared_pool, wait_ready, web_limits  # noqa: E402  (same compute processes)

from tianwen.web.app import create_app  # noqa: E402


@pytest.fixture(scope="module")
def server():
    """The app under uvicorn on a free loopback port, in a thread of this process."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app(web_limits(), pool=shared_pool())
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.time() + 60
    while not srv.started and time.time() < deadline:
        time.sleep(0.05)
    assert srv.started, "uvicorn did not start"
    wait_ready(shared_pool())
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(30)


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        try:
            b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        except Exception as exc:  # pragma: no cover - a broken browser install
            _skip_loudly(f"Chromium at {CHROMIUM} does not start: {str(exc).splitlines()[0]}")
        yield b
        b.close()


def _offline_page(browser, base: str, **context):
    """A page whose every request outside this server is refused and recorded (the page must work offline)."""
    ctx = browser.new_context(accept_downloads=True, **context)
    page = ctx.new_page()
    page.set_default_timeout(180_000)
    outside: list[str] = []
    errors: list[str] = []

    def route(r):
        url = r.request.url
        if url.startswith(base) or url.startswith(("data:", "blob:")):
            r.continue_()
        else:
            outside.append(url)
            r.abort()

    page.route("**/*", route)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
    return ctx, page, outside, errors


def _number(page, label: str) -> str:
    return page.locator("#numbers tr", has=page.locator(f"th:text-is('{label}')")).locator("td").inner_text()


def test_choose_2020_draw_click_and_download(server, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    ctx, page, outside, errors = _offline_page(browser, server, viewport={"width": 1440, "height": 1000})
    t0 = time.perf_counter()
    page.goto(server + "/", timeout=180_000)
    page.select_option("#opportunity", "2020")
    page.select_option("#step", "2")
    page.click("#draw")
    page.wait_for_selector("#porkchop[data-state=ready]")
    t_drawn = time.perf_counter() - t0
    assert page.evaluate("() => document.getElementById('porkchop').data[0].type") == "contour"
    assert page.locator("#porkchop .contourlayer path").count() > 10
    assert "2020 opportunity" in page.inner_text("#pc-status")
    pc = page.evaluate("() => window.tianwen.state.porkchop")
    # The page's decoding of the compact grid is the API's plain JSON form, value for value.
    import httpx

    plain = httpx.post(server + "/api/porkchop", json={"origin": "earth", "target": "mars", "ephemeris": "de421",
                                                       "opportunity": 2020, "step_days": 2},
                       headers={"Accept": "application/json"}, timeout=180).json()
    assert pc["shape"] == plain["shape"] and set(pc["variables"]) == set(plain["variables"])
    for k, v in plain["variables"].items():
        assert pc["variables"][k]["values"] == v["values"], k
    m1 = next(m for m in pc["minima"] if m["type"] == "I")
    m2 = next(m for m in pc["minima"] if m["type"] == "II")

    # Two plain cells near the Type I and Type II minima (not on their star markers).
    cells = [(m1["i"] - 10, m1["j"] - 12), (m2["i"] - 6, m2["j"] - 8)]  # away from the mission markers
    c3_grid = [pc["variables"]["c3"]["values"][i][j] for i, j in cells]
    assert all(c is not None for c in c3_grid)

    # Hover the first: the label lists every variable of the grid.
    p1 = page.evaluate(f"() => window.tianwen.cellPixel({cells[0][0]}, {cells[0][1]})")
    # Plotly shows a hover label on a mouse *move* over the plot; a pointer that lands on the spot in one jump is
    # sometimes not seen (the first move only enters the plot), so approach the cell in a few steps.
    for dx in (-12, -6, -2, 0):
        page.mouse.move(p1["x"] + dx, p1["y"], steps=3)
        page.wait_for_timeout(120)
    page.wait_for_selector("#porkchop .hoverlayer .hovertext", timeout=30_000)
    hover = page.locator("#porkchop .hoverlayer").text_content()
    # Every variable by its human label and units (tianwen.porkchop.VARIABLES), never by its code name.
    from tianwen.porkchop import VARIABLES

    for k in pc["variables"]:
        if k == "status":
            continue
        var = VARIABLES[k]
        name = var.label.rsplit(" (", 1)[0]
        assert f"{name}:" in hover, (name, hover)
        if "(" in var.label and k != "transfer_type":
            unit = var.label.rsplit("(", 1)[1].rstrip(")")
            assert re.search(re.escape(name) + r": -?[0-9.]+ " + re.escape(unit), hover), (name, unit, hover)
        assert f"{k} =" not in hover and f"{k}:" not in hover, (k, hover)
    assert "transfer type: Type I" in hover and "UTC" in hover, hover

    # Click it: that transfer's numbers (the cell's C3) and its 3-D trajectory with both orbits.
    page.mouse.click(p1["x"], p1["y"])
    page.wait_for_selector("#trajectory[data-state=ready]")
    page.wait_for_function("() => document.querySelector('#numbers tbody').children.length > 8")
    c3_first = _number(page, "C3")
    assert abs(float(c3_first.split()[0]) - c3_grid[0]) < 0.001, (c3_first, c3_grid[0])
    assert _number(page, "transfer type") == "I"
    traces = page.evaluate("() => document.getElementById('trajectory').data.map(t => t.name)")
    assert {"transfer", "earth orbit", "mars orbit", "Sun"} <= set(traces)
    first_arrival = page.evaluate("() => window.tianwen.state.transfer.arrival_utc")

    # Click the second: the numbers and the trajectory change.
    p2 = page.evaluate(f"() => window.tianwen.cellPixel({cells[1][0]}, {cells[1][1]})")
    for dx in (-12, -6, -2, 0):  # approach in steps, as above, so plotly knows the point under the pointer
        page.mouse.move(p2["x"] + dx, p2["y"], steps=3)
        page.wait_for_timeout(120)
    page.mouse.click(p2["x"], p2["y"])
    page.wait_for_function(f"() => window.tianwen.state.transfer && window.tianwen.state.transfer.arrival_utc "
                           f"!== '{first_arrival}'")
    page.wait_for_function(f"() => !document.querySelector('#numbers').innerText.includes('{c3_first}')")
    c3_second = _number(page, "C3")
    assert c3_second != c3_first and abs(float(c3_second.split()[0]) - c3_grid[1]) < 0.001
    assert _number(page, "transfer type") == "II"
    arc = page.evaluate("() => document.getElementById('trajectory').data.find(t => t.name === 'transfer').x.length")
    assert arc == 150

    # Downloads: the OEM through the API, the JSON from the page.
    with page.expect_download() as dl:
        page.click("#dl-oem")
    oem = Path(dl.value.path()).read_text()
    assert oem.startswith("CCSDS_OEM_VERS") and "META_START" in oem
    with page.expect_download() as dl:
        page.click("#dl-json")
    assert '"numbers"' in Path(dl.value.path()).read_text()

    # The porkchop's own downloads: the grid on screen as CSV (a row per cell, the clicked cell's C3 in it) and
    # as NetCDF (read back with xarray: the page's grid, value for value to its decimals).
    with page.expect_download() as dl:
        page.click("#dl-csv")
    assert dl.value.suggested_filename == "tianwen_porkchop_earth_mars_2020.csv"
    rows = [r for r in csv.reader(io.StringIO(Path(dl.value.path()).read_text())) if r and not r[0].startswith("#")]
    head = rows[0]
    col = {re.split(r"[_ ]", h)[0]: n for n, h in enumerate(head)}  # departure_utc, c3_km2s2, ...
    i, j = cells[0]
    hit = [r for r in rows[1:] if r[col["departure"]][:10] == pc["departure"][i][:10]
           and r[col["arrival"]][:10] == pc["arrival"][j][:10]]
    assert len(hit) == 1 and abs(float(hit[0][col["c3"]]) - c3_grid[0]) <= 5e-5, (head, hit[:1])
    with page.expect_download() as dl:
        page.click("#dl-nc")
    assert dl.value.suggested_filename.endswith(".nc")
    import xarray as xr

    with xr.open_dataset(dl.value.path()) as nc:
        assert nc.c3.shape == tuple(pc["shape"])
        got = nc.c3.values[i, j]
        assert abs(got - c3_grid[0]) <= 5e-5

    # The windows table was filled by the survey the opportunity started; a row loads its transfer.
    page.wait_for_selector("#windows tbody tr")
    assert page.locator("#windows tbody tr").count() >= 4

    # The views below the fold load when scrolled to: history timeline, Tianwen-1, tracking geometry (each
    # drawn, or saying plainly that its module is not installed).
    page.evaluate("() => document.getElementById('history-card').scrollIntoView()")
    page.wait_for_selector("#history[data-state=ready]")
    assert page.locator("#history .scatterlayer .point").count() >= 3  # Hope, Tianwen-1, Mars 2020 at least
    page.evaluate("() => document.getElementById('mission-card').scrollIntoView()")
    page.wait_for_selector("#mission[data-state=ready], #mission[data-state=unavailable]")
    if page.get_attribute("#mission", "data-state") == "ready":
        names = page.evaluate("() => document.getElementById('mission-plot').data.map(t => t.name)")
        assert "Tianwen-1 cruise" in names and "mars orbit" in names
    page.evaluate("() => document.getElementById('geometry-card').scrollIntoView()")
    page.wait_for_selector("#geometry[data-state=ready], #geometry[data-state=unavailable]")
    page.evaluate("() => window.scrollTo(0, 0)")
    page.wait_for_timeout(500)
    page.screenshot(path=str(ARTIFACTS / "web_porkchop_2020.png"), full_page=True)
    assert not outside, f"the page asked for addresses outside this server: {outside}"
    assert not errors, errors
    print(f"\nporkchop drawn {t_drawn:.1f} s after loading; timings {page.evaluate('() => window.tianwen.state.timings')}")
    ctx.close()


def test_phone_screen(server, browser):
    """A phone-sized screen: the controls, the porkchop and a tapped transfer fit one column."""
    ctx, page, outside, errors = _offline_page(browser, server, **PHONE)
    page.goto(server + "/", timeout=180_000)
    page.select_option("#opportunity", "2020")
    page.select_option("#step", "2")
    page.tap("#draw")
    page.wait_for_selector("#porkchop[data-state=ready]")
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width} px wide on a 390 px screen"
    page.evaluate("() => document.getElementById('pc-title').scrollIntoView()")
    page.wait_for_timeout(800)
    page.screenshot(path=str(ARTIFACTS / "web_phone.png"), full_page=False)
    page.tap("#minima button")  # the Type I minimum, as a finger would
    page.wait_for_selector("#trajectory[data-state=ready]")
    page.evaluate("() => document.getElementById('tr-title').scrollIntoView()")
    page.wait_for_timeout(800)
    page.screenshot(path=str(ARTIFACTS / "web_phone_transfer.png"), full_page=False)
    assert not outside and not errors, (outside, errors)
    ctx.close()


# -------------------------------------------------------------------------------------------------------------
# issue 19.3: the page holds together
# -------------------------------------------------------------------------------------------------------------

#: In the page: every card's box and the sticky settings card's, in viewport coordinates, and the pairs that
#: intersect by more than half a pixel (boxes, not pixels: nothing is read from a screenshot).
OVERLAPS_JS = """() => {
  const boxes = [...document.querySelectorAll('main .card')].map((el) => {
    const r = el.getBoundingClientRect();
    return { id: el.id || el.className, l: r.left, t: r.top, r: r.right, b: r.bottom };
  });
  const hits = [];
  for (let a = 0; a < boxes.length; a++) for (let b = a + 1; b < boxes.length; b++) {
    const p = boxes[a], q = boxes[b];
    const w = Math.min(p.r, q.r) - Math.max(p.l, q.l), h = Math.min(p.b, q.b) - Math.max(p.t, q.t);
    if (w > 0.5 && h > 0.5) hits.push([p.id, q.id, Math.round(w), Math.round(h)]);
  }
  return { hits, n: boxes.length, scroll: window.scrollY, height: document.documentElement.scrollHeight };
}"""


def _no_overlap_while_scrolling(page, label: str):
    """Scroll the page from top to bottom (a third of the screen at a time, then onto each card) and check the
    card boxes at each stop; returns the number of stops."""
    stops = 0
    height = page.evaluate("() => document.documentElement.scrollHeight")
    step = page.viewport_size["height"] // 3
    for y in list(range(0, height, step)) + [height]:
        page.evaluate(f"() => window.scrollTo(0, {y})")
        got = page.evaluate(OVERLAPS_JS)
        assert got["n"] == 10, got
        assert not got["hits"], f"{label}: cards overlap at scroll {got['scroll']}: {got['hits']}"
        stops += 1
    for card in ("history-card", "mission-card", "geometry-card") + tuple(c for c, _ in NEW_VIEWS):
        page.evaluate(f"() => document.getElementById('{card}').scrollIntoView()")
        got = page.evaluate(OVERLAPS_JS)
        assert not got["hits"], f"{label}: cards overlap with {card} in view: {got['hits']}"
        stops += 1
    return stops


#: The views of issues 16 and 18 (return porkchop, round trip, navigation): each card and its drawn state.
NEW_VIEWS = (("return-card", "#return-plot[data-state=ready]"), ("roundtrip-card", "#roundtrip-plot[data-state=ready]"),
             ("navigation-card", "#navigation-plot[data-state=ready]"))


def _settled(page):
    """The page drawn as it opens (the next opportunity), and the cards below the fold loaded."""
    page.wait_for_selector("#porkchop[data-state=ready]")
    for card, ready in (("history-card", "#history[data-state=ready]"),
                        ("mission-card", "#mission[data-state=ready], #mission[data-state=error]"),
                        ("geometry-card", "#geometry[data-state=ready]")) + NEW_VIEWS:
        page.evaluate(f"() => document.getElementById('{card}').scrollIntoView()")  # each loads when seen
        page.wait_for_selector(ready)


def test_layout_no_card_overlaps_at_desktop_and_phone_sizes(server, browser):
    """Issue 19.3: at 1400 x 1000 the sticky "Opportunity" card covered Mission history and Mission
    reconstruction. At desktop and phone sizes, with every card filled, no two cards' boxes intersect at any
    scroll position; on the desktop the settings card stays in view (sticky) beside the lower cards, and on the
    phone the page is no wider than the screen."""
    ARTIFACTS.mkdir(exist_ok=True)
    ctx, page, outside, errors = _offline_page(browser, server, viewport=DESKTOP)
    page.goto(server + "/")
    _settled(page)
    assert _no_overlap_while_scrolling(page, "desktop") >= 6
    page.evaluate("() => document.getElementById('mission-card').scrollIntoView()")
    aside = page.evaluate("() => { const r = document.querySelector('aside.controls').getBoundingClientRect();"
                          " return [r.top, r.bottom]; }")
    assert 0 <= aside[0] < 50 and aside[1] <= 1000, aside  # still on screen, beside the mission card
    page.evaluate("() => document.getElementById('history-card').scrollIntoView()")
    page.wait_for_timeout(300)
    page.screenshot(path=str(ARTIFACTS / "web_desktop_scrolled.png"))
    page.evaluate("() => window.scrollTo(0, 0)")
    page.wait_for_timeout(300)
    page.screenshot(path=str(ARTIFACTS / "web_desktop_full.png"), full_page=True)
    assert not outside and not errors, (outside, errors)
    ctx.close()

    ctx, page, outside, errors = _offline_page(browser, server, **PHONE)
    page.goto(server + "/")
    _settled(page)
    assert _no_overlap_while_scrolling(page, "phone") >= 6
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    page.evaluate("() => window.scrollTo(0, 0)")
    page.wait_for_timeout(300)
    page.screenshot(path=str(ARTIFACTS / "web_phone_full.png"), full_page=True)
    assert not outside and not errors, (outside, errors)
    ctx.close()


def test_year_list_steps_and_errors(server, browser):
    """Issues 19.3 and 14.4: the year list is the API's opportunities (tianwen.windows: the years with an
    opportunity, none between them) and opens on the next one (tianwen.windows.next_opportunity), drawn; the
    steps whose grids exceed the server's cells (60 000 in these tests) are disabled and show their cell
    counts (counted here from the windows: floor(days / step) + 1 points a side); a refused request clears the
    porkchop and its minima rather than leaving the last ones beside the error."""
    import datetime as dt

    from tianwen.windows import covered_years, find_opportunities, next_opportunity, plot_window

    ctx, page, outside, errors = _offline_page(browser, server, viewport=DESKTOP)
    page.goto(server + "/")
    page.wait_for_selector("#porkchop[data-state=ready]")
    years = page.eval_on_selector_all("#opportunity option", "os => os.map(o => o.value)")
    want = [t.date()[:4] for t in find_opportunities(*covered_years())]
    assert years == want and "2021" not in years and "2024" in years
    nxt = next_opportunity().date()[:4]
    assert page.eval_on_selector("#opportunity", "s => s.value") == nxt
    assert f"{nxt} opportunity" in page.inner_text("#pc-status")  # the page opened on it, drawn

    page.select_option("#opportunity", "2020")
    page.wait_for_function("() => [...document.querySelectorAll('#step option')].every(o => o.textContent.includes('cells'))"
                           " && window.tianwen.state.steps && window.tianwen.state.steps.opportunity === '2020'")
    dep, arr, _ = plot_window(2020)
    days = lambda w: (dt.date.fromisoformat(w[1]) - dt.date.fromisoformat(w[0])).days  # noqa: E731
    options = page.eval_on_selector_all("#step option", "os => os.map(o => [o.value, o.textContent, o.disabled])")
    for value, text, disabled in options:
        step = float(value)
        cells = (int(days(dep) / step) + 1) * (int(days(arr) / step) + 1)
        assert f"{cells:,} cells" in text, (text, cells)
        assert disabled == (cells > 60_000), (text, disabled)
    assert [v for v, _, d in options if d] == ["0.5", "1"]
    assert page.eval_on_selector("#step", "s => s.value") == "2"

    # A porkchop, then a refused request (an arrival window before the departures): no minima stay behind.
    page.click("#draw")
    page.wait_for_selector("#porkchop[data-state=ready]")
    assert page.locator("#minima button").count() == 2
    page.check("input[name=mode][value=dates]")
    page.fill("#arr-start", "2021-10-31")  # reversed: refused by the library
    page.fill("#arr-end", "2020-12-01")
    page.dispatch_event("#arr-end", "change")
    page.click("#draw")
    page.wait_for_selector("#porkchop[data-state=error]")
    assert page.locator("#minima button").count() == 0
    assert page.get_attribute("#dl-csv", "disabled") is not None
    assert page.inner_text("#pc-status").strip()
    # A date that is not ISO is refused by the form itself, before any request.
    page.fill("#arr-start", "12/01/2020")
    page.click("#draw")
    assert page.eval_on_selector("#arr-start", "e => e.validity.patternMismatch")
    assert not outside and not errors, (outside, errors)
    ctx.close()


def test_changes_clear_stale_cards(server, browser):
    """Issue 19.3: the Transfer card kept an Earth–Mars transfer after the target changed. Any change of the
    settings clears the porkchop, its minima, the transfer (numbers, trajectory, downloads) and, for other
    bodies, the windows table; the year list becomes the new pair's (Earth–Venus: the API's list), and a transfer
    clicked on the new porkchop is Earth–Venus."""
    ctx, page, outside, errors = _offline_page(browser, server, viewport=DESKTOP)
    page.goto(server + "/")
    page.select_option("#opportunity", "2020")
    page.select_option("#step", "5")
    page.click("#draw")
    page.wait_for_selector("#porkchop[data-state=ready]")
    page.click("#minima button >> nth=0")
    page.wait_for_selector("#trajectory[data-state=ready]")
    page.wait_for_selector("#windows tbody tr")
    assert page.evaluate("() => window.tianwen.state.transfer.target") == "mars"

    page.select_option("#target", "venus")
    assert page.locator("#numbers tbody tr").count() == 0
    assert page.get_attribute("#trajectory", "data-state") == "empty"
    assert page.evaluate("() => document.getElementById('trajectory').data") is None
    assert page.get_attribute("#dl-oem", "disabled") is not None
    assert page.get_attribute("#porkchop", "data-state") == "empty" and page.locator("#minima button").count() == 0
    assert page.locator("#windows tbody tr").count() == 0
    assert page.evaluate("() => window.tianwen.state.transfer") is None
    import httpx

    venus = httpx.post(server + "/api/opportunities", json={"target": "venus"}, timeout=120).json()
    page.wait_for_function("() => window.tianwen.state.opportunities.target === 'venus'")
    years = page.eval_on_selector_all("#opportunity option", "os => os.map(o => o.value)")
    assert years == [str(r["year"]) for r in venus["opportunities"]]
    page.select_option("#opportunity", "2021")
    page.select_option("#step", "5")
    page.click("#draw")
    page.wait_for_selector("#porkchop[data-state=ready]")
    page.click("#minima button >> nth=0")
    page.wait_for_selector("#trajectory[data-state=ready]")
    assert page.evaluate("() => window.tianwen.state.transfer.target") == "venus"
    names = page.evaluate("() => document.getElementById('trajectory').data.map(t => t.name)")
    assert "venus orbit" in names and "mars orbit" not in names
    assert not outside and not errors, (outside, errors)
    ctx.close()


@pytest.mark.parametrize("locale,zone", [("en-US", "America/Los_Angeles"), ("de-DE", "Asia/Tokyo")])
def test_utc_inputs_ignore_the_browser_locale(server, browser, locale, zone):
    """Issue 19.3: the date inputs followed the browser's locale (12-hour clock, no zone). In two locales and
    time zones the transfer form shows the API's UTC epoch as "YYYY-MM-DD HH:MM:SS" (24-hour), every date
    input is a text field labelled UTC, and a typed UTC time reaches the API as typed."""
    ctx, page, outside, errors = _offline_page(browser, server, viewport=DESKTOP, locale=locale, timezone_id=zone)
    page.goto(server + "/")
    assert page.evaluate("() => Intl.DateTimeFormat().resolvedOptions().timeZone") == zone
    for sel in ("#dep-start", "#dep-end", "#arr-start", "#arr-end", "#tr-dep", "#tr-arr", "#geo-start", "#geo-end"):
        assert page.get_attribute(sel, "type") == "text", sel
        label = page.evaluate(f"() => document.querySelector('{sel}').closest('label').textContent")
        assert "UTC" in label, (sel, label)
    page.wait_for_selector("#porkchop[data-state=ready]")
    page.click("#minima button >> nth=0")
    page.wait_for_selector("#trajectory[data-state=ready]")
    t = page.evaluate("() => window.tianwen.state.transfer")
    shown = page.input_value("#tr-dep")
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", shown), shown
    assert shown == t["departure_utc"].replace("T", " ").replace("Z", "")[:19]
    page.fill("#tr-dep", "2020-07-30 11:50:00")
    page.fill("#tr-arr", "2021-02-18 20:55:00")
    page.click("#tr-go")
    page.wait_for_function("() => window.tianwen.state.transfer && "
                           "window.tianwen.state.transfer.departure_utc.startsWith('2020-07-30T11:50:00')")
    assert page.evaluate("() => window.tianwen.state.transferRequest.departure") == "2020-07-30 11:50:00"
    assert not outside and not errors, (outside, errors)
    ctx.close()


def test_geometry_shows_passes_not_midnight_elevations(server, browser):
    """Issue 19.3: the 1-day geometry view plotted the elevation at 00:00 each day. With a station and a daily
    step the plot has no sampled elevation; it has one marker per pass at its culmination, the API's passes
    (tianwen.tracking.passes), each above the 10° minimum elevation, one a day: a target culminates once per
    sidereal day (23.934 h) plus the time its right ascension moves (Mars in January 2021: under 1° a day,
    under 4 minutes), so consecutive culminations are 23.934 h + [0, 0.1] h apart (0.15 h allowed)."""
    ctx, page, outside, errors = _offline_page(browser, server, viewport=DESKTOP)
    page.goto(server + "/")
    page.evaluate("() => document.getElementById('geometry-card').scrollIntoView()")
    page.wait_for_selector("#geometry[data-state=ready]")
    page.select_option("#geo-station", "kashi")
    page.fill("#geo-start", "2021-01-01")
    page.fill("#geo-end", "2021-01-09")
    page.evaluate("() => document.getElementById('geometry').dataset.state = 'stale'")
    page.click("#geo-go")
    page.wait_for_selector("#geometry[data-state=ready]")
    traces = page.evaluate("() => document.getElementById('geometry').data.map(t => [t.name, t.x.length])")
    names = [n for n, _ in traces]
    assert not any(n.startswith("elevation") for n in names), names
    culm = page.evaluate("() => document.getElementById('geometry').data.find(t => t.name.startsWith('pass')).x")
    import numpy as np

    t = np.array([np.datetime64(x.rstrip("Z")) for x in culm]).astype("datetime64[s]").astype(float)
    gaps_h = np.diff(t) / 3600
    assert 7 <= len(t) <= 10 and np.all((gaps_h > 23.934 - 0.05) & (gaps_h < 23.934 + 0.15)), gaps_h
    el = page.evaluate("() => document.getElementById('geometry').data.find(t => t.name.startsWith('pass')).y")
    assert all(10 < e <= 90 for e in el)
    firsts = page.eval_on_selector_all("#geo-events tbody tr td:first-child", "tds => tds.map(td => td.textContent)")
    assert sum(f.startswith("pass") for f in firsts) == len(t)
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("#geometry-card").screenshot(path=str(ARTIFACTS / "web_geometry_passes.png"))
    assert not outside and not errors, (outside, errors)
    ctx.close()


def test_keyboard_and_screen_reader_labels(server, browser):
    """Issue 19.3: keyboard navigation and a screen-reader label on every control. axe-core (Deque's WCAG 2.1
    A/AA rules, run in the page) finds no violation with every card filled; with the keyboard alone a reader
    tabs through the settings in order, picks 2020, draws it, and opens its Type I transfer."""
    if not AXE.exists():
        _skip_loudly(f"axe-core is not installed at {AXE} (cd tests && npm ci)")
    ctx = browser.new_context(viewport=DESKTOP, bypass_csp=True)  # axe is injected as a script of the test
    page = ctx.new_page()
    page.set_default_timeout(180_000)
    page.goto(server + "/")
    _settled(page)
    page.evaluate("() => window.scrollTo(0, 0)")
    page.click("#minima button >> nth=0")
    page.wait_for_selector("#trajectory[data-state=ready]")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => {
      const r = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
      return r.violations.map(v => ({ id: v.id, help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ')) }));
    }""")
    assert result == [], "\n".join(map(str, result))
    for card, _ in NEW_VIEWS:  # each new view on its own, drawn (issues 16 and 18)
        result = page.evaluate("""async (card) => {
          const r = await axe.run('#' + card, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
          return r.violations.map(v => ({ id: v.id, help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ')) }));
        }""", card)
        assert result == [], (card, result)
    unlabeled = page.evaluate("""() => [...document.querySelectorAll('input, select, button, textarea')]
      .filter(e => !e.closest('.modebar') && !(e.labels && e.labels.length) && !e.getAttribute('aria-label')
                   && !e.textContent.trim()).map(e => e.id || e.outerHTML.slice(0, 60))""")
    assert unlabeled == [], unlabeled
    ctx.close()

    ctx, page, outside, errors = _offline_page(browser, server, viewport=DESKTOP)
    page.goto(server + "/")
    page.wait_for_selector("#porkchop[data-state=ready]")
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }")
    order = []
    for _ in range(24):  # the skip link, the views' links in the header, then the settings
        page.keyboard.press("Tab")
        order.append(page.evaluate("() => { const e = document.activeElement; "
                                   "return e.type === 'radio' ? 'radio:' + e.value : e.id || e.className; }"))
    want = ["origin", "target", "radio:opportunity", "opportunity", "step", "ephemeris", "draw"]
    seen = [x for x in order if x in want]
    assert seen[:len(want)] == want, order
    assert order[0] == "skip" or "skip" in order[0], order
    # Choose 2020 by typing on the focused list, draw with Enter, open the Type I transfer with Enter.
    page.focus("#opportunity")
    page.keyboard.type("2020")
    page.wait_for_function("() => document.getElementById('opportunity').value === '2020'")
    page.focus("#draw")
    page.keyboard.press("Enter")
    page.wait_for_function("() => window.tianwen.state.porkchop && window.tianwen.state.porkchop.opportunity === '2020'")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.closest('#minima') !== null")
    page.keyboard.press("Enter")
    page.wait_for_selector("#trajectory[data-state=ready]")
    assert page.evaluate("() => window.tianwen.state.transfer.departure_utc").startswith("2020-07")
    # Each new view is a link of the header away: Enter on it moves the focus into that card, and Tab reaches
    # its form.
    for card, first in (("return-card", "ret-opportunity"), ("roundtrip-card", "rt-opportunity"),
                        ("navigation-card", None)):
        page.focus(f"nav.jump a[href='#{card}']")
        page.keyboard.press("Enter")
        page.wait_for_function(f"() => document.activeElement.id === '{card}'")
        page.keyboard.press("Tab")
        focused = page.evaluate("() => [document.activeElement.id, document.activeElement.closest('section').id]")
        assert focused[1] == card and (first is None or focused[0] == first), (card, focused)
    assert not outside and not errors, (outside, errors)
    ctx.close()


# -------------------------------------------------------------------------------------------------------------
# issues 16 and 18: the return porkchop, the round trip, navigation
# -------------------------------------------------------------------------------------------------------------


def _view(page, card: str, ready: str):
    page.evaluate(f"() => document.getElementById('{card}').scrollIntoView()")
    page.wait_for_selector(ready)


def test_return_view_draws_the_return_porkchop(server, browser):
    """Issue 16 item 4: the return card draws the API's Mars-to-Earth grid (tianwen.returns.return_grid) as the
    outbound porkchop is drawn: its decoding of the compact grid equals the API's plain JSON form value for
    value, the fill is the Mars departure burn, the text beside the figure names each best leg the API sends,
    and under an entry-speed cap the cells over it are blank."""
    import httpx

    ARTIFACTS.mkdir(exist_ok=True)
    ctx, page, outside, errors = _offline_page(browser, server, viewport=DESKTOP)
    page.goto(server + "/")
    _view(page, "return-card", "#return-plot[data-state=ready]")
    page.select_option("#ret-opportunity", "2030")
    page.select_option("#ret-step", "5")
    page.click("#ret-go")
    page.wait_for_function("() => window.tianwen.state.returnGrid && window.tianwen.state.returnGrid.opportunity === '2030'"
                           " && document.getElementById('return-plot').dataset.state === 'ready'")
    grid = page.evaluate("() => window.tianwen.state.returnGrid")
    plain = httpx.post(server + "/api/return", json={"opportunity": 2030, "step_days": 5, "ephemeris": "de421"},
                       headers={"Accept": "application/json"}, timeout=180).json()
    assert grid["shape"] == plain["shape"] and set(grid["variables"]) == set(plain["variables"])
    for k, v in plain["variables"].items():
        assert grid["variables"][k]["values"] == v["values"], k
    first = page.evaluate("() => { const t = document.getElementById('return-plot').data[0]; return [t.type, t.name]; }")
    assert first == ["contour", "Mars departure Δv"]
    assert page.locator("#return-plot .contourlayer path").count() > 10
    summary = page.inner_text("#ret-summary")
    assert len(plain["legs"]) == 2
    for leg in plain["legs"]:
        assert f"Type {leg['type']}: leave Mars {leg['launch_utc'][:10]}" in summary
        assert f"departure Δv {leg['departure_dv_kms']:.3f} km/s" in summary
    page.locator("#return-card").screenshot(path=str(ARTIFACTS / "web_return.png"))
    page.fill("#ret-max-entry", "12")
    page.click("#ret-go")
    page.wait_for_function("() => window.tianwen.state.returnGrid && window.tianwen.state.returnGrid.max_entry_kms === 12"
                           " && document.getElementById('return-plot').dataset.state === 'ready'")
    blank = page.evaluate("""() => { const g = window.tianwen.state.returnGrid, z = document.getElementById('return-plot').data[0].z;
      const ok = g.variables.entry_ok.values; let over = 0, drawn = 0;
      ok.forEach((row, i) => row.forEach((f, j) => { if (f === 0) { over += 1; if (z[j][i] !== null) drawn += 1; } }));
      return [over, drawn]; }""")
    assert blank[0] > 0 and blank[1] == 0, blank
    assert "entry speed at most 12.000 km/s" in page.inner_text("#ret-summary")
    # A cap below the escape speed at the interface: the library's one-line message, the input marked.
    page.fill("#ret-max-entry", "11")
    page.click("#ret-go")
    page.wait_for_selector("#return-plot[data-state=error]")
    assert "max_entry_kms=11" in page.inner_text("#ret-status") and "closest feasible value" in page.inner_text("#ret-status")
    assert page.get_attribute("#ret-max-entry", "aria-invalid") == "true" and page.inner_text("#ret-summary") == ""
    assert not outside and not errors, (outside, errors)
    ctx.close()


def test_roundtrip_view_shows_the_legs_and_the_one_line_error(server, browser):
    """Issue 16: the round-trip card shows the API's trip (tianwen.roundtrip.roundtrip): the legs, the stay, the
    total dv and the entry speed, and a timeline of outbound, stay and return; constraints no trip meets give
    the library's one-line message (the API's detail, word for word), the input it names marked invalid, and no
    stale numbers."""
    import httpx

    ARTIFACTS.mkdir(exist_ok=True)
    ctx, page, outside, errors = _offline_page(browser, server, viewport=DESKTOP)
    page.goto(server + "/")
    _view(page, "roundtrip-card", "#roundtrip-plot[data-state=ready]")
    page.select_option("#rt-opportunity", "2028")
    page.fill("#rt-stay-min", "300")
    page.fill("#rt-stay-max", "700")
    page.click("#rt-go")
    page.wait_for_function("() => window.tianwen.state.roundTrip && window.tianwen.state.roundTrip.opportunity === '2028'"
                           " && window.tianwen.state.roundTrip.constraints.stay_days[0] === 300"
                           " && document.getElementById('roundtrip-plot').dataset.state === 'ready'")
    want = httpx.post(server + "/api/roundtrip", json={"opportunity": 2028, "stay_days": [300, 700], "family": "conjunction",
                                                       "minimise": "dv", "ephemeris": "de421"}, timeout=180).json()
    table = page.inner_text("#rt-numbers")
    assert f"{want['total_dv_kms']:.3f} km/s" in table and f"{want['return']['entry_speed_kms']:.3f} km/s" in table
    assert f"{want['stay_days']:.1f} d" in table and want["outbound"]["launch_utc"][:10] in table
    names = page.evaluate("() => document.getElementById('roundtrip-plot').data.map(t => t.name)")
    assert names == ["outbound", "stay at Mars", "return"]
    page.locator("#roundtrip-card").screenshot(path=str(ARTIFACTS / "web_roundtrip.png"))
    page.fill("#rt-max-c3", "5")
    page.click("#rt-go")
    page.wait_for_selector("#roundtrip-plot[data-state=error]")
    detail = httpx.post(server + "/api/roundtrip", json={"opportunity": 2028, "stay_days": [300, 700], "max_c3_km2s2": 5,
                                                         "family": "conjunction", "minimise": "dv", "ephemeris": "de421"},
                        timeout=180).json()["detail"]
    assert page.inner_text("#rt-status") == detail and "\n" not in detail
    assert page.get_attribute("#rt-max-c3", "aria-invalid") == "true"
    assert page.get_attribute("#rt-stay-min", "aria-invalid") is None
    assert page.locator("#rt-numbers tbody tr").count() == 0
    page.locator("#roundtrip-card").screenshot(path=str(ARTIFACTS / "web_roundtrip_error.png"))
    assert not outside and not errors, (outside, errors)
    ctx.close()


def test_navigation_view_shows_busy_then_the_ellipses(server, browser):
    """Issue 18 item 4: the navigation card says it is busy (aria-busy) while tianwen.navigation.compare_stations
    runs, then lists each station set as the API does (China's stations, + delta-DOR, + the partners, both),
    with one ellipse per set whose farthest point from the aim point is its semi-major axis (1 % for the 120
    points drawn); the consider ellipses replace the formal ones when chosen; without partners, two sets."""
    import httpx

    ARTIFACTS.mkdir(exist_ok=True)
    ctx, page, outside, errors = _offline_page(browser, server, viewport=DESKTOP)
    page.goto(server + "/")
    page.evaluate("""() => { window.busySeen = false; new MutationObserver(() => {
      if (document.getElementById('navigation-card').getAttribute('aria-busy') === 'true') window.busySeen = true;
    }).observe(document.getElementById('navigation-card'), { attributes: true }); }""")
    _view(page, "navigation-card", "#navigation-plot[data-state=ready]")
    assert page.evaluate("() => window.busySeen")
    assert page.get_attribute("#navigation-card", "aria-busy") is None
    want = httpx.post(server + "/api/navigation", json={}, timeout=180).json()
    labels = page.eval_on_selector_all("#nav-table tbody tr td:first-child", "tds => tds.map(td => td.textContent)")
    assert labels == [r["label"] for r in want["rows"]] and len(labels) == 4
    import numpy as np

    for which in ("formal", "consider"):
        page.select_option("#nav-which", which)
        page.wait_for_function(f"() => document.getElementById('navigation-plot').layout.xaxis.title.text.includes('{which}')")
        traces = page.evaluate("() => document.getElementById('navigation-plot').data.map(t => [t.name, t.x, t.y])")
        assert [t[0] for t in traces] == labels
        for (name, x, y), row in zip(traces, want["rows"]):
            reach = float(np.max(np.hypot(x, y)))
            assert abs(reach - row[which]["semi_major_km"]) <= 0.01 * row[which]["semi_major_km"], (which, name)
    page.select_option("#nav-which", "formal")
    page.locator("#navigation-card").screenshot(path=str(ARTIFACTS / "web_navigation.png"))
    for box in page.query_selector_all("#nav-form input[name=add]"):
        box.uncheck()
    page.click("#nav-go")
    page.wait_for_function("() => window.tianwen.state.navigation && window.tianwen.state.navigation.rows.length === 2")
    assert page.locator("#nav-table tbody tr").count() == 2
    assert not outside and not errors, (outside, errors)
    ctx.close()


def test_new_views_on_a_phone(server, browser):
    """The return, round-trip and navigation cards on a phone-sized screen: drawn, one column, no wider than
    the screen (screenshots web_phone_return.png, web_phone_roundtrip.png, web_phone_navigation.png)."""
    ARTIFACTS.mkdir(exist_ok=True)
    ctx, page, outside, errors = _offline_page(browser, server, **PHONE)
    page.goto(server + "/")
    for (card, ready), shot in zip(NEW_VIEWS, ("return", "roundtrip", "navigation")):
        _view(page, card, ready)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
        page.wait_for_timeout(500)
        page.locator(f"#{card}").screenshot(path=str(ARTIFACTS / f"web_phone_{shot}.png"))
    assert not outside and not errors, (outside, errors)
    ctx.close()
