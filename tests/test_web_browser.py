"""End to end in a real headless Chromium (issue 8): load the page, choose 2020, see the porkchop drawn, hover
a cell and see every variable, click cells and see the trajectory and the numbers change, download the OEM;
the page never asks for anything but this server. The page decodes the compact porkchop grid itself (issue 13:
its values equal the API's plain JSON form) under the server's Content-Security-Policy (issue 21: no script
error, no policy violation). Screenshots go to ``test-artifacts/`` for a person to look
at (``web_porkchop_2020.png``; ``web_phone.png`` and ``web_phone_transfer.png`` on a phone-sized screen).

Needs Debian's ``chromium`` (``/usr/bin/chromium``; .ci/run installs it) and the Python ``playwright`` package
(driving that Chromium through ``executable_path``: ``playwright install`` is never run). Without them the
test is skipped with a loud warning, not silently.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
import warnings
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("TIANWEN_CHROMIUM", "/usr/bin/chromium")
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
    page.mouse.move(p1["x"], p1["y"])
    page.wait_for_selector("#porkchop .hoverlayer .hovertext")
    hover = page.locator("#porkchop .hoverlayer").text_content()
    for var in ("c3", "vinf_dep", "dla", "rla", "vinf_arr", "dla_arr", "rla_arr", "tof", "transfer_angle",
                "transfer_type"):
        assert f"{var} =" in hover, (var, hover)

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
    page.mouse.move(p2["x"], p2["y"])
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

    # The windows table was filled by the survey the opportunity started; a row loads its transfer.
    page.wait_for_selector("#windows tbody tr")
    assert page.locator("#windows tbody tr").count() >= 4

    # The views below the fold load when scrolled to: history timeline, Tianwen-1, tracking geometry (each
    # drawn, or saying plainly that its module is not installed).
    page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_selector("#history[data-state=ready]")
    assert page.locator("#history .scatterlayer .point").count() >= 3  # Hope, Tianwen-1, Mars 2020 at least
    page.wait_for_selector("#mission[data-state=ready], #mission[data-state=unavailable]")
    if page.get_attribute("#mission", "data-state") == "ready":
        names = page.evaluate("() => document.getElementById('mission-plot').data.map(t => t.name)")
        assert "Tianwen-1 cruise" in names and "mars orbit" in names
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
    ctx, page, outside, errors = _offline_page(browser, server, viewport={"width": 390, "height": 844},
                                               device_scale_factor=2, is_mobile=True, has_touch=True)
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
