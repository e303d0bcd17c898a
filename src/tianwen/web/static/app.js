// tianwen web page: talks only to the JSON API under /api/ (schema at /openapi.json). No framework, no network
// beyond this server: plotly.js is served by it from the installed plotly package.
// Part 1 (settings, porkchop, transfer, windows, start); grid.js decodes the compact grid and draws porkchops,
// views.js, returns.js and navigation.js draw the cards below the fold.
"use strict";

const AU_KM = 149597870.7;
const OUTCOME_COLOURS = { "success": "#2ca02c", "partial": "#ff7f0e", "failure": "#d62728",
                          "launch-failure": "#7f7f7f", "en-route": "#1f77b4" };
const BODY_COLOURS = { earth: "#1f77b4", emb: "#1f77b4", mars: "#d62728", venus: "#e6a100", mercury: "#7f7f7f",
                       jupiter: "#8c564b" };
const PLOT_CONFIG = { responsive: true, displaylogo: false, modeBarButtonsToRemove: ["lasso2d", "select2d"] };

const $ = (id) => document.getElementById(id);
const state = { porkchop: null, porkchopRequest: null, transfer: null, transferRequest: null, history: null,
                health: null, limits: null, opportunities: null, steps: null,
                generation: 0,      // bumped on every change of the settings: late answers for older ones are dropped
                bodies: 0,          // bumped on a change of origin, target or ephemeris (what the windows table uses)
                transferSeq: 0 };   // the same for transfers
window.tianwen = { state };  // for the browser tests and the curious

// ---------------------------------------------------------------------------------------------------------
// API
// ---------------------------------------------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, detail) { super(detail); this.status = status; }
}

async function api(path, body, { text = false, blob = false, accept = text ? "text/plain" : "application/json" } = {}) {
  const init = body === undefined ? { headers: { "Accept": accept } } : {
    method: "POST", headers: { "Content-Type": "application/json", "Accept": accept }, body: JSON.stringify(body) };
  let resp;
  try {
    resp = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, "the tianwen server does not answer (is `tianwen serve` running?)");
  }
  if (!resp.ok) {
    let detail = `${resp.status} ${resp.statusText}`;
    try { detail = (await resp.json()).detail || detail; } catch (e) { /* not JSON */ }
    throw new ApiError(resp.status, detail);
  }
  return blob ? resp.blob() : text ? resp.text() : resp.json();
}

const narrow = () => window.matchMedia("(max-width: 760px)").matches;

function setStatus(id, message, kind = "") {
  const el = $(id);
  el.textContent = message;
  el.className = "status" + (kind ? " " + kind : "");
}

function fmt(x, digits = 3) {
  return x === null || x === undefined || Number.isNaN(x) ? "—" : Number(x).toFixed(digits);
}

function esc(s) {
  return String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}

function params() {
  return { origin: $("origin").value, target: $("target").value, ephemeris: $("ephemeris").value };
}

function download(name, content, type) {
  const url = URL.createObjectURL(new Blob([content], { type }));
  const a = document.createElement("a");
  a.href = url; a.download = name;
  document.body.appendChild(a); a.click(); a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 5000);
}

// ---------------------------------------------------------------------------------------------------------
// server health
// ---------------------------------------------------------------------------------------------------------

async function pollHealth() {
  const box = $("server");
  try {
    const h = await api("/api/health");
    state.health = h;
    const w = h.workers;
    box.className = "server " + (h.status === "ok" ? "ok" : "");
    $("server-text").textContent = h.status === "ok"
      ? `tianwen ${h.version} · ${w.ready} compute process${w.ready === 1 ? "" : "es"} ready`
      : `tianwen ${h.version} · starting compute processes…`;
    if (h.status !== "ok") setTimeout(pollHealth, 2000);
    else setTimeout(pollHealth, 30000);
    return h;
  } catch (e) {
    box.className = "server down";
    $("server-text").textContent = "server unreachable";
    setTimeout(pollHealth, 5000);
    return null;
  }
}

// ---------------------------------------------------------------------------------------------------------
// porkchop
// ---------------------------------------------------------------------------------------------------------

// The opportunities of this pair of bodies in this ephemeris (POST /api/opportunities): only their years are
// offered, the next one (tianwen.windows.next_opportunity) selected.
async function loadOpportunities() {
  const gen = state.generation;
  const sel = $("opportunity");
  const want = params();
  $("opp-note").textContent = "loading the opportunities…";
  try {
    const o = await api("/api/opportunities", want);
    if (gen !== state.generation && JSON.stringify(params()) !== JSON.stringify(want)) return null;
    state.opportunities = o;
    const keep = sel.value;
    sel.innerHTML = "";
    for (const row of o.opportunities) {
      const opt = document.createElement("option");
      const next = o.next && o.next.year === row.year;
      opt.value = String(row.year);
      opt.textContent = `${row.year} (${row.date_tdb}${next ? ", next" : ""})`;
      sel.appendChild(opt);
    }
    const years = o.opportunities.map((r) => String(r.year));
    sel.value = o.next && years.includes(String(o.next.year)) ? String(o.next.year)
      : years.includes(keep) ? keep : years[years.length - 1] || "";
    $("opp-note").textContent = o.opportunities.length
      ? `${o.opportunities.length} ${o.origin}–${o.target} opportunities, ${o.year_from}–${o.year_to}`
        + (o.next ? `; the next: ${o.next.date_tdb}.` : "; none still ahead in this ephemeris.")
      : `no ${o.origin}–${o.target} opportunity in ${o.year_from}–${o.year_to} (${o.ephemeris}); use my dates.`;
    return o;
  } catch (e) {
    $("opp-note").textContent = e.message;
    return null;
  }
}

const STEP_NAMES = { "0.5": "½ day", "1": "1 day", "2": "2 days", "5": "5 days" };

// Each grid step with its cell count (POST /api/porkchop/steps); a step over the server's cell limit is
// disabled, and the selection moves to the finest step that fits.
async function refreshSteps() {
  const gen = state.generation;
  const body = porkchopRequest();
  delete body.step_days;
  const sel = $("step");
  if (body.opportunity !== undefined && !body.opportunity) return;
  if (body.departure && !datesValid()) { $("step-note").textContent = "dates must be YYYY-MM-DD (UTC)"; return; }
  try {
    const r = await api("/api/porkchop/steps", body);
    if (gen !== state.generation) return;
    state.steps = r;
    for (const st of r.steps) {
      const opt = [...sel.options].find((o) => Number(o.value) === st.step_days);
      if (!opt) continue;
      opt.disabled = !st.allowed;
      opt.textContent = `${STEP_NAMES[opt.value] || opt.value + " days"} · ${st.cells.toLocaleString("en")} cells`
        + (st.allowed ? "" : " (over the limit)");
    }
    if (sel.selectedOptions[0] && sel.selectedOptions[0].disabled) {
      const ok = [...sel.options].filter((o) => !o.disabled);
      if (ok.length) sel.value = ok[0].value;
    }
    const over = r.steps.filter((st) => !st.allowed).map((st) => STEP_NAMES[String(st.step_days)]);
    $("step-note").textContent = `This server draws at most ${r.max_cells.toLocaleString("en")} cells`
      + (over.length ? `; ${over.join(", ")} would need more.` : ".");
    $("draw").disabled = !r.steps.some((st) => st.allowed);
  } catch (e) {
    if (gen === state.generation) $("step-note").textContent = e.message;
  }
}

function datesValid() {
  return ["dep-start", "dep-end", "arr-start", "arr-end"].every((id) => $(id).checkValidity());
}

// A plot's element replaced by a fresh one (same id and attributes, no plotly state): a drawing still under
// way for the old settings finishes in the detached element and can never mix with the next one.
function freshPlot(id, html = "") {
  const old = $(id);
  const el = old.cloneNode(false);
  el.classList.remove("js-plotly-plot");
  el.innerHTML = html;
  old.replaceWith(el);
  if (typeof Plotly !== "undefined" && old.data) Plotly.purge(old);
  return el;
}

// The porkchop card back to empty (and its downloads off), saying why.
function clearPorkchop(message) {
  const el = freshPlot("porkchop", `<div class="placeholder">${esc(message)}</div>`);
  el.dataset.state = "empty";
  state.porkchop = null;
  $("minima").innerHTML = "";
  $("dl-csv").disabled = true; $("dl-nc").disabled = true;
}

// The transfer card back to empty: no numbers, no trajectory, no downloads of a transfer no longer shown.
function clearTransfer(message = "Click a porkchop cell.") {
  state.transferSeq += 1;
  state.transfer = null; state.transferRequest = null;
  $("numbers").querySelector("tbody").innerHTML = "";
  const el = freshPlot("trajectory", '<div class="placeholder">No transfer chosen.</div>');
  el.dataset.state = "empty";
  $("dl-oem").disabled = true; $("dl-json").disabled = true;
  setStatus("tr-status", message);
}

// Any change of the settings: every card computed from the old ones is cleared.
function settingsChanged(ev) {
  state.generation += 1;
  const id = ev && ev.target ? ev.target.id : "";
  clearPorkchop("Settings changed: draw the porkchop again.");
  setStatus("pc-status", "");
  clearTransfer();
  if (["origin", "target", "ephemeris"].includes(id)) {
    state.bodies += 1;
    state.windowsLoaded = false;
    $("windows").querySelector("tbody").innerHTML = "";
    setStatus("win-status", "");
    loadOpportunities().then(refreshSteps);
  } else {
    refreshSteps();
  }
}

function porkchopRequest() {
  const body = params();
  body.step_days = Number($("step").value);
  if (document.querySelector("input[name=mode]:checked").value === "opportunity") {
    const v = $("opportunity").value;
    body.opportunity = v === "next" ? "next" : v ? Number(v) : null;
  } else {
    body.departure = { start: $("dep-start").value, end: $("dep-end").value };
    body.arrival = { start: $("arr-start").value, end: $("arr-end").value };
  }
  return body;
}

async function drawPorkchop(ev) {
  if (ev) ev.preventDefault();
  if (!$("pc-form").reportValidity()) return;
  const body = porkchopRequest();
  if (body.opportunity === null) { setStatus("pc-status", "no opportunity to draw: choose my dates", "error"); return; }
  const gen = state.generation;
  const btn = $("draw");
  btn.disabled = true;
  clearTransfer();
  $("porkchop").dataset.state = "loading";
  $("dl-csv").disabled = true; $("dl-nc").disabled = true;
  setStatus("pc-status", "computing the porkchop…", "busy");
  const t0 = performance.now();
  try {
    const data = await decodeGrid(await api("/api/porkchop", body, { accept: COMPACT }));
    if (gen !== state.generation) return;  // the settings changed meanwhile: this grid is stale
    const t1 = performance.now();
    state.porkchop = data;
    state.porkchopRequest = body;
    if (narrow()) $("pc-title").scrollIntoView({ behavior: "smooth" });
    await renderPorkchop(data, gen);
    if (gen !== state.generation) return;
    state.timings = { porkchop_fetch_s: (t1 - t0) / 1000, porkchop_render_s: (performance.now() - t1) / 1000 };
    const [nd, na] = data.shape;
    setStatus("pc-status", `${data.origin} → ${data.target}${data.opportunity ? ", " + data.opportunity + " opportunity" : ""}: `
      + `${nd} × ${na} = ${(nd * na).toLocaleString()} transfers in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    $("dl-csv").disabled = false; $("dl-nc").disabled = false;
    if (data.opportunity) {
      const y = Number(data.opportunity);
      const span = Math.min(6, state.limits ? state.limits.max_windows_years : 6);
      if (!state.windowsLoaded) { $("win-from").value = y; $("win-to").value = y + span; surveyWindows(); }
    }
  } catch (e) {
    if (gen !== state.generation) return;
    clearPorkchop("No porkchop: see the message above.");  // never the old minima beside an error
    $("porkchop").dataset.state = "error";
    setStatus("pc-status", e.message, "error");
  } finally {
    btn.disabled = state.steps ? !state.steps.steps.some((st) => st.allowed) : false;
  }
}

async function downloadPorkchop(suffix) {
  const body = state.porkchopRequest;
  if (!body || !state.porkchop) return;
  const kind = suffix === "csv" ? "CSV" : "NetCDF";
  setStatus("pc-status", `writing the ${kind} file…`, "busy");
  try {
    const blob = await api(`/api/porkchop/${suffix}`, body, { blob: true, accept: "*/*" });
    const which = body.opportunity !== undefined ? body.opportunity : body.departure.start;
    download(`tianwen_porkchop_${body.origin}_${body.target}_${which}.${suffix}`, blob, blob.type);
    setStatus("pc-status", `${kind} file of the ${state.porkchop.shape.join(" × ")} grid written.`);
  } catch (e) {
    setStatus("pc-status", e.message, "error");
  }
}

function renderPorkchop(data, gen = state.generation) {
  const traces = gridTraces(data, { fill: "c3", name: "C3", title: "C3 km²/s²", floor: 1, span: 40, size: 2,
                                    lines: { name: "vinf_arr", title: "v∞ arrival", start: 2, end: 8, size: 1 } });
  const y = data.arrival;
  traces.push({
    // The minima are named in the settings card and on hover: text beside the stars would sit on the contours.
    type: "scatter", mode: "markers", name: "minima",
    x: data.minima.map((m) => m.departure), y: data.minima.map((m) => m.arrival),
    text: data.minima.map((m) => `Type ${m.type} min C3 ${m.c3_km2s2.toFixed(2)}`), textposition: "top right",
    textfont: { size: 11 }, customdata: data.minima.map((m) => [m.departure, m.arrival]),
    marker: { symbol: "star", size: 16, color: "white", line: { color: "black", width: 1 } },
    hovertemplate: "%{text}<br>launch %{x|%Y-%m-%d}<br>arrival %{y|%Y-%m-%d}<extra></extra>",
  });
  const inRange = (t) => t && t >= y[0] && t <= y[y.length - 1] + "Z";
  const ms = data.missions.filter((m) => inRange(m.arrival));
  if (ms.length) {
    traces.push({
      type: "scatter", mode: narrow() ? "markers" : "markers+text", name: "missions",
      x: ms.map((m) => m.launch), y: ms.map((m) => m.arrival),
      text: ms.map((m) => m.name), textposition: "bottom right", textfont: { size: 10, color: "#a34700" },
      marker: { color: "orange", size: 9, line: { color: "black", width: 1 } },
      customdata: ms.map((m) => [m.launch, m.arrival]),
      hovertemplate: "%{text}<br>launched %{x|%Y-%m-%d}<br>arrived %{y|%Y-%m-%d}<extra></extra>",
    });
  }
  traces.push({ type: "scatter", mode: "markers", name: "selected", x: [], y: [], hoverinfo: "skip",
                marker: { symbol: "x-thin-open", size: 16, line: { width: 3, color: "#ff2d55" } } });
  const layout = gridLayout();
  const el = $("porkchop");
  if (!el.data) el.innerHTML = "";
  renderMinima(data);
  return Plotly.react(el, traces, layout, PLOT_CONFIG).then(() => {
    if (gen !== state.generation) return;  // cleared by a change of settings while it was drawn
    el.dataset.state = "ready";
    if (!el._tianwenClick) {
      el.on("plotly_click", onPorkchopClick);
      el._tianwenClick = true;
    }
  });
}

function renderMinima(data) {
  const box = $("minima");
  box.innerHTML = "";
  for (const m of data.minima) {
    const b = document.createElement("button");
    b.type = "button";
    b.innerHTML = `★ Type ${esc(m.type)}: C3 ${m.c3_km2s2.toFixed(2)} km²/s², ${esc(m.departure.slice(0, 10))} → `
      + `${esc(m.arrival.slice(0, 10))} (${m.tof_days.toFixed(0)} d)`;
    b.addEventListener("click", () => loadTransfer(m.departure, m.arrival, porkchopContext()));
    box.appendChild(b);
  }
}

function onPorkchopClick(ev) {
  const p = ev.points && ev.points[0];
  if (!p || !state.porkchop) return;
  const data = state.porkchop;
  let dep, arr;
  if (p.data.type === "contour" && Array.isArray(p.pointNumber)) {
    const [j, i] = p.pointNumber;
    dep = data.departure[i]; arr = data.arrival[j];
    const c3 = data.variables.c3.values[i][j];
    if (c3 === null) {
      setStatus("tr-status", `no ballistic transfer at ${dep.slice(0, 10)} → ${arr.slice(0, 10)}`, "error");
      return;
    }
  } else if (p.customdata) {
    [dep, arr] = p.customdata;
  } else {
    return;
  }
  loadTransfer(dep, arr, porkchopContext());
}

// The bodies and Lambert options of the porkchop on screen (not of the form, which may have changed since).
function porkchopContext() {
  const d = state.porkchop;
  if (!d) return params();
  return { origin: d.origin, target: d.target, ephemeris: state.porkchopRequest.ephemeris,
           revs: d.attrs.revs || 0, branch: d.attrs.branch || "left" };
}

function markSelected(dep, arr) {
  const el = $("porkchop");
  if (!el.data) return;
  const k = el.data.findIndex((t) => t.name === "selected");
  if (k >= 0) Plotly.restyle(el, { x: [[dep]], y: [[arr]] }, [k]);
}

// Page coordinates of porkchop cell (i = departure index, j = arrival index): used by the browser tests to
// click a real cell with the mouse.
window.tianwen.cellPixel = function (i, j) {
  const el = $("porkchop");
  const fl = el._fullLayout, d = state.porkchop;
  const rect = el.getBoundingClientRect();
  const px = fl.xaxis._offset + fl.xaxis.l2p(fl.xaxis.d2l(d.departure[i]));
  const py = fl.yaxis._offset + fl.yaxis.l2p(fl.yaxis.d2l(d.arrival[j]));
  return { x: rect.left + window.scrollX + px, y: rect.top + window.scrollY + py };
};

// ---------------------------------------------------------------------------------------------------------
// one transfer
// ---------------------------------------------------------------------------------------------------------

// An ISO UTC date-time as the transfer form shows it: "YYYY-MM-DD HH:MM:SS", whatever the browser's locale.
const toUtcInput = (iso) => iso.replace("Z", "").replace("T", " ").slice(0, 19);

async function loadTransfer(dep, arr, context) {
  const ctx = context || params();
  const req = { origin: ctx.origin, target: ctx.target, ephemeris: ctx.ephemeris,
                departure: dep.replace(/Z$/, ""), arrival: arr.replace(/Z$/, ""), points: 150 };
  if (ctx.revs !== undefined) { req.revs = ctx.revs; req.branch = ctx.branch; }
  const seq = ++state.transferSeq;
  state.transferRequest = req;
  $("tr-dep").value = toUtcInput(dep); $("tr-arr").value = toUtcInput(arr);
  markSelected(dep, arr);
  setStatus("tr-status", `computing ${dep.slice(0, 10)} → ${arr.slice(0, 10)}…`, "busy");
  $("trajectory").dataset.state = "loading";
  $("dl-oem").disabled = true; $("dl-json").disabled = true;
  try {
    const t = await api("/api/transfer", req);
    if (seq !== state.transferSeq) return;  // another transfer, or a change of settings, came since
    state.transfer = t;
    renderNumbers(t);
    renderTrajectory(t);
    $("dl-oem").disabled = false; $("dl-json").disabled = false;
    setStatus("tr-status", `${t.origin} → ${t.target}: launch ${t.departure_utc}, arrival ${t.arrival_utc} `
      + `(${t.frame}; ${t.trajectory.epochs_utc.length} points, two-body)`);
    if (narrow()) $("tr-title").scrollIntoView({ behavior: "smooth" });
  } catch (e) {
    if (seq !== state.transferSeq) return;
    state.transfer = null;
    $("numbers").querySelector("tbody").innerHTML = "";
    $("trajectory").dataset.state = "error";
    setStatus("tr-status", e.message, "error");
  }
}

function renderNumbers(t) {
  const rows = [["launch (UTC)", t.departure_utc.replace("T", " ").replace("Z", "")],
                ["arrival (UTC)", t.arrival_utc.replace("T", " ").replace("Z", "")]];
  for (const [k, n] of Object.entries(t.numbers)) {
    const type = k === "transfer_type";
    const value = type ? (["—", "I", "II"][n.value] || String(n.value)) : fmt(n.value, k === "tof_days" ? 2 : 3);
    rows.push([nameOf(n.label), value + (type || !unitOf(n.label) ? "" : " " + unitOf(n.label)), n.long_name]);
  }
  const tbody = $("numbers").querySelector("tbody");
  tbody.innerHTML = rows.map(([k, v, title]) =>
    `<tr class="changed" data-key="${esc(k)}"><th title="${esc(title || "")}">${esc(k)}</th><td>${esc(v)}</td></tr>`).join("");
}

function renderTrajectory(t) {
  const au = (pts) => ({ x: pts.map((p) => p[0] / AU_KM), y: pts.map((p) => p[1] / AU_KM), z: pts.map((p) => p[2] / AU_KM) });
  const traces = [{ type: "scatter3d", mode: "markers", name: "Sun", x: [0], y: [0], z: [0],
                    marker: { size: 7, color: "#f5b700" }, hoverinfo: "name" }];
  for (const [name, orbit] of Object.entries(t.orbits)) {
    traces.push(Object.assign({ type: "scatter3d", mode: "lines", name: `${name} orbit`,
      line: { color: BODY_COLOURS[name] || "#888", width: 3 }, hoverinfo: "name" }, au(orbit.r_km)));
  }
  const arc = au(t.trajectory.r_km);
  traces.push(Object.assign({ type: "scatter3d", mode: "lines", name: "transfer", text: t.trajectory.epochs_utc,
    line: { color: "#ff8c00", width: 7 }, hovertemplate: "%{text}<br>%{x:.3f}, %{y:.3f}, %{z:.3f} AU<extra>transfer</extra>" }, arc));
  const d = t.departure_state.r_km, a = t.arrival_state.r_km;
  traces.push({ type: "scatter3d", mode: "markers+text", name: "departure", x: [d[0] / AU_KM], y: [d[1] / AU_KM],
    z: [d[2] / AU_KM], text: [`${t.origin} at launch`], textposition: "top center",
    marker: { size: 5, color: BODY_COLOURS[t.origin] || "#333" }, hoverinfo: "text" });
  traces.push({ type: "scatter3d", mode: "markers+text", name: "arrival", x: [a[0] / AU_KM], y: [a[1] / AU_KM],
    z: [a[2] / AU_KM], text: [`${t.target} at arrival`], textposition: "top center",
    marker: { size: 5, color: BODY_COLOURS[t.target] || "#333" }, hoverinfo: "text" });
  // Equal ranges on the three axes (a cube): the geometry keeps its true proportions.
  let R = 0;
  for (const tr of traces) for (const k of ["x", "y", "z"]) for (const q of tr[k]) if (q !== null) R = Math.max(R, Math.abs(q));
  R *= 1.08;
  const axis = (name) => ({ title: { text: name + " (AU)" }, range: [-R, R], zeroline: false });
  const layout = {
    margin: { l: 0, r: 0, t: 0, b: 0 }, showlegend: true, legend: { x: 0, y: 1, font: { size: 10 } },
    scene: { aspectmode: "cube", xaxis: axis("x"), yaxis: axis("y"), zaxis: axis("z"),
             camera: { eye: { x: 0.25, y: -1.45, z: 1.25 } } },
    uirevision: "keep-camera",
  };
  const el = $("trajectory");
  if (!el.data) el.innerHTML = "";
  Plotly.react(el, traces, layout, PLOT_CONFIG).then(() => { el.dataset.state = "ready"; });
}

async function downloadOem() {
  if (!state.transferRequest) return;
  try {
    const text = await api("/api/transfer/oem", state.transferRequest, { text: true });
    const r = state.transferRequest;
    download(`tianwen_${r.origin}_${r.target}_${r.departure.slice(0, 10)}.oem`, text, "text/plain");
  } catch (e) {
    setStatus("tr-status", e.message, "error");
  }
}

function downloadJson() {
  if (!state.transfer) return;
  const r = state.transferRequest;
  download(`tianwen_${r.origin}_${r.target}_${r.departure.slice(0, 10)}.json`,
           JSON.stringify(state.transfer, null, 1), "application/json");
}

// ---------------------------------------------------------------------------------------------------------
// windows survey
// ---------------------------------------------------------------------------------------------------------

async function surveyWindows(ev) {
  if (ev) ev.preventDefault();
  state.windowsLoaded = true;
  const body = Object.assign(params(), { year_from: Number($("win-from").value), year_to: Number($("win-to").value) });
  const bodies = state.bodies;
  setStatus("win-status", `surveying ${body.year_from}–${body.year_to}…`, "busy");
  $("win-go").disabled = true;
  try {
    const w = await api("/api/windows", body);
    if (bodies !== state.bodies) return;  // another pair of bodies or ephemeris since
    const tbody = $("windows").querySelector("tbody");
    tbody.innerHTML = "";
    for (const r of w.rows) {
      const tr = document.createElement("tr");
      tr.tabIndex = 0;
      tr.title = "show this transfer";
      tr.setAttribute("aria-label", `show the ${r.opportunity} Type ${r.type} transfer, launch ${r.launch}`);
      tr.innerHTML = `<td>${r.opportunity}</td><td>${esc(r.type)}</td><td>${r.minimizes === "c3" ? "C3" : "v∞"}</td>`
        + `<td>${esc(r.launch)}</td><td>${esc(r.arrival)}</td><td class="num">${fmt(r.tof_days, 1)}</td>`
        + `<td class="num">${fmt(r.c3_km2s2, 3)}</td><td class="num">${fmt(r.vinf_arr_kms, 3)}</td>`
        + `<td class="num">${fmt(r.dla_deg, 2)}</td><td class="num">${fmt(r.rla_deg, 2)}</td><td class="note">${esc(r.note || "")}</td>`;
      const go = () => loadTransfer(r.launch_utc, r.arrival_utc, { origin: w.origin, target: w.target,
                                                                    ephemeris: w.ephemeris });
      tr.addEventListener("click", go);
      tr.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); go(); } });
      tbody.appendChild(tr);
    }
    const opps = new Set(w.rows.map((r) => r.opportunity)).size;
    setStatus("win-status", `${opps} opportunit${opps === 1 ? "y" : "ies"} ${w.year_from}–${w.year_to}, `
      + `${w.rows.length} refined optima (${w.origin} → ${w.target}). Click a row for its transfer.`);
  } catch (e) {
    if (bodies === state.bodies) setStatus("win-status", e.message, "error");
  } finally {
    $("win-go").disabled = false;
  }
}

// ---------------------------------------------------------------------------------------------------------
// start
// ---------------------------------------------------------------------------------------------------------

function whenVisible(el, fn) {
  if (!("IntersectionObserver" in window)) { fn(); return; }
  const io = new IntersectionObserver((entries) => {
    if (entries.some((e) => e.isIntersecting)) { io.disconnect(); fn(); }
  }, { rootMargin: "200px" });
  io.observe(el);
}

function init() {
  document.querySelectorAll("input[name=mode]").forEach((r) => r.addEventListener("change", (ev) => {
    const dates = document.querySelector("input[name=mode]:checked").value === "dates";
    $("mode-dates").hidden = !dates; $("mode-opportunity").hidden = dates;
    $("mode-dates").disabled = !dates; $("mode-opportunity").disabled = dates;
    settingsChanged(ev);
  }));
  for (const id of ["origin", "target", "ephemeris", "opportunity", "step"]) $(id).addEventListener("change", settingsChanged);
  for (const id of ["dep-start", "dep-end", "arr-start", "arr-end"]) $(id).addEventListener("change", settingsChanged);
  $("pc-form").addEventListener("submit", drawPorkchop);
  $("dl-csv").addEventListener("click", () => downloadPorkchop("csv"));
  $("dl-nc").addEventListener("click", () => downloadPorkchop("nc"));
  $("tr-form").addEventListener("submit", (e) => {
    e.preventDefault();
    if (!$("tr-form").reportValidity()) return;
    loadTransfer($("tr-dep").value.trim(), $("tr-arr").value.trim(), state.porkchop ? porkchopContext() : params());
  });
  $("dl-oem").addEventListener("click", downloadOem);
  $("dl-json").addEventListener("click", downloadJson);
  $("win-form").addEventListener("submit", surveyWindows);
  $("geo-form").addEventListener("submit", loadGeometry);
  $("mis-form").addEventListener("submit", loadMission);
  $("mis-oem").addEventListener("click", downloadMissionOem);
  $("ret-form").addEventListener("submit", loadReturn);
  $("rt-form").addEventListener("submit", loadRoundTrip);
  $("nav-form").addEventListener("submit", loadNavigation);
  $("nav-which").addEventListener("change", () => { if (state.navigation) renderNavigation(state.navigation); });
  $("geo-target").addEventListener("change", () => {
    const cruise = { "tianwen-1": ["2020-07-26", "2021-02-09"], "hope": ["2020-07-22", "2021-02-08"],
                     "mars2020": ["2020-08-02", "2021-02-17"] }[$("geo-target").value];
    if (cruise) { $("geo-start").value = cruise[0]; $("geo-end").value = cruise[1]; }
  });
  pollHealth();
  // The page opens on the next opportunity, drawn (unless the reader has changed something meanwhile).
  const gen = state.generation;
  loadOpportunities().then((o) => refreshSteps().then(() => {
    if (o && o.next && gen === state.generation && typeof Plotly !== "undefined") drawPorkchop();
  }));
  const limits = api("/api/limits").then((l) => { state.limits = l; }).catch(() => {});
  whenVisible($("history-card"), () => limits.then(loadHistory));
  whenVisible($("mission-card"), () => loadMission());
  whenVisible($("geometry-card"), () => initGeometry());
  whenVisible($("return-card"), () => initReturn());
  whenVisible($("roundtrip-card"), () => initRoundTrip());
  whenVisible($("navigation-card"), () => loadNavigation());
  if (typeof Plotly === "undefined") {
    setStatus("pc-status", "plotly.js did not load from /vendor/plotly.min.js", "error");
  }
}

document.addEventListener("DOMContentLoaded", init);
