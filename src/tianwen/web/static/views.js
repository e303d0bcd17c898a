// tianwen web page, part 3 of 3: the views below the fold (mission history, a mission flown again,
// tracking geometry); they use app.js's helpers and are started by its init().
"use strict";

// ---------------------------------------------------------------------------------------------------------
// mission history timeline
// ---------------------------------------------------------------------------------------------------------

async function loadHistory() {
  if (state.history) return;
  state.history = "loading";
  setStatus("hist-status", "grouping every Mars launch by opportunity (the first time takes a while)…", "busy");
  try {
    // The whole catalogue (1960 on), or as much of it as this server's limits allow.
    const max = state.limits ? state.limits.max_history_years : 100;
    const h = await api("/api/history", { since: Math.max(1960, new Date().getUTCFullYear() - max) });
    state.history = h;
    renderHistory(h);
    const s = h.summary;
    setStatus("hist-status", `${s.with_launch} of ${s.opportunities} Earth–Mars opportunities from ${s.since} to `
      + `${s.until} had at least one Mars launch.`);
  } catch (e) {
    state.history = null;
    setStatus("hist-status", e.message, "error");
  }
}

function renderHistory(h) {
  const c3s = h.opportunities.map((o) => o.min_c3_km2s2);
  const cmin = Math.min(...c3s), cmax = Math.max(...c3s);
  const shapes = [], annotations = [], traces = [];
  h.opportunities.forEach((o, idx) => {
    const f = cmax > cmin ? (o.min_c3_km2s2 - cmin) / (cmax - cmin) : 0;
    shapes.push({ type: "rect", xref: "x", yref: "paper", x0: o.window_open, x1: o.window_close, y0: 0, y1: 1,
                  fillcolor: "steelblue", opacity: 0.75 - 0.55 * f, line: { width: 0 }, layer: "below" });
    annotations.push({ x: o.window_open, y: 0, xref: "x", yref: "paper", yanchor: "bottom", xanchor: "right",
                       text: o.label, showarrow: false, textangle: -90, font: { size: 9, color: "#333" } });
    o.missions.forEach((m, k) => {
      const arc = m.arc.c3_km2s2 !== null && m.arc.c3_km2s2 !== undefined
        ? `C3 ${m.arc.c3_km2s2} km²/s², type ${m.arc.type}, v∞ arr ${m.arc.vinf_arr_kms} km/s` : (m.arc.note || "");
      traces.push({ type: "scatter", mode: "markers+text", x: [m.launch], y: [1 + k + 0.5 * (idx % 2)],
        text: [m.name], textposition: "middle right", textfont: { size: 9 }, showlegend: false,
        marker: { size: 10, color: m.in_window ? OUTCOME_COLOURS[m.outcome] || "#333" : "white",
                  line: { color: OUTCOME_COLOURS[m.outcome] || "black", width: 2 } },
        hovertext: `${esc(m.full_name)}<br>${esc(m.agency)}, ${esc(m.country)}<br>launch ${esc(m.launch)}`
          + `${m.arrival ? "<br>arrival " + esc(m.arrival.slice(0, 10)) : ""}<br>${esc(m.outcome)}`
          + `${m.in_window ? "" : " (outside the window)"}<br>${esc(arc)}<br>opportunity ${esc(o.label)}: `
          + `min C3 ${o.min_c3_km2s2.toFixed(2)} on ${esc(o.min_c3_launch)}`,
        hoverinfo: "text" });
    });
  });
  for (const [name, colour] of Object.entries(OUTCOME_COLOURS)) {
    traces.push({ type: "scatter", mode: "markers", x: [null], y: [null], name, marker: { size: 10, color: colour } });
  }
  const layout = { margin: { l: 10, r: 10, t: 10, b: 40 }, shapes, annotations, hovermode: "closest",
                   xaxis: { type: "date", title: { text: "launch date (UTC)" } }, yaxis: { visible: false, rangemode: "tozero" },
                   legend: { orientation: "h", y: 1.08, font: { size: 10 } } };
  const el = $("history");
  Plotly.react(el, traces, layout, PLOT_CONFIG).then(() => { el.dataset.state = "ready"; });
}

// ---------------------------------------------------------------------------------------------------------
// a mission flown again, tracking geometry
// ---------------------------------------------------------------------------------------------------------

async function loadMission(ev) {
  if (ev) ev.preventDefault();
  const name = $("mis-name").value;
  setStatus("mis-status", `flying ${name} again (n-body cruise, differential correction)…`, "busy");
  $("mission").dataset.state = "loading";
  try {
    const m = await api("/api/mission", { name, points: 300 });
    state.mission = m;
    renderMission(m);
    $("mis-oem").disabled = false;
    setStatus("mis-status", `${m.name}: ${m.frame}; corrector converged in ${m.corrector_iterations} steps.`);
  } catch (e) {
    $("mission").dataset.state = "error";
    setStatus("mis-status", e.message, "error");
  }
}

async function downloadMissionOem() {
  const name = $("mis-name").value;
  try {
    setStatus("mis-status", "writing the OEM…", "busy");
    const text = await api("/api/mission/oem", { name, step_s: 3600 }, { text: true });
    download(`tianwen_${name}_cruise.oem`, text, "text/plain");
    setStatus("mis-status", `${name}: cruise OEM written (hourly states).`);
  } catch (e) {
    setStatus("mis-status", e.message, "error");
  }
}

function renderMission(m) {
  const el = $("mission");
  const pub = m.published || {};
  const kv = [
    ["launch (UTC)", m.launch_utc], [`arrival (${m.arrival_event})`, m.arrival_utc], ["cruise", `${fmt(m.tof_days, 1)} d`],
    ["Lambert C3 · DLA · RLA", `${fmt(m.lambert.c3_km2s2, 3)} km²/s² · ${fmt(m.lambert.dla_deg, 2)}° · ${fmt(m.lambert.rla_deg, 2)}°`],
    ["n-body departure C3", `${fmt(m.departure.c3_km2s2, 3)} km²/s²`],
    ["arrival v∞", `${fmt(m.arrival_state.vinf_kms, 3)} km/s`],
  ];
  if (m.arrival_state.periapsis_alt_km !== undefined) {
    kv.push(["periapsis", `${fmt(m.arrival_state.periapsis_alt_km, 1)} km, i = ${fmt(m.arrival_state.inclination_deg, 2)}°`]);
  }
  if (m.capture) kv.push(["capture Δv (impulsive)", `${fmt(m.capture.dv_impulsive_kms, 3)} km/s`]);
  if (m.capture && m.capture.finite_burn_duration_min) {
    kv.push(["finite burn", `${fmt(m.capture.finite_burn_duration_min, 1)} min`
      + (m.capture.published_burn_min ? ` (published about ${fmt(m.capture.published_burn_min, 0)} min)` : "")]);
  }
  if (m.entry) kv.push(["entry", `${fmt(m.entry.speed_kms, 3)} km/s at ${fmt(m.entry.fpa_deg, 2)}°`]);
  const vs = (label, ours, key, scale, unit) => {
    const p = pub[key];
    kv.push([label, `${fmt(ours / scale, 1)} ${unit}` + (p ? ` (published ${fmt(p.value / scale, 1)} ${unit})` : "")]);
  };
  vs("cruise path", m.cruise_path_length_km, "path_length", 1e6, "million km");
  vs("Earth–Mars at arrival", m.earth_mars_distance_at_arrival_km,
     pub.earth_mars_distance_at_moi ? "earth_mars_distance_at_moi" : "earth_mars_distance_at_landing", 1e6, "million km");
  const man = (m.manoeuvres || []).map((x) => `<tr><td>${esc(x.label)}</td><td>${esc(x.epoch_utc)}</td>`
    + `<td class="num">${fmt(1000 * x.dv_kms, 3)}`
    + (x.burn_implied_dv_kms ? ` (published burn: ${fmt(1000 * x.burn_implied_dv_kms, 0)})` : "")
    + `</td><td>${esc((x.source || []).join(", "))}</td></tr>`).join("");
  el.innerHTML = `<div class="mission-body"><div>`
    + `<dl class="kv">${kv.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join("")}</dl>`
    + (man ? `<div class="table-wrap" tabindex="0" role="region" aria-label="Manoeuvres"><table class="data"><thead><tr><th>manoeuvre</th><th>epoch (UTC)</th>`
      + `<th>Δv m/s</th><th>sources</th></tr></thead><tbody>${man}</tbody></table></div>` : "")
    + ((m.differences_from_published || []).length || (m.capture && m.capture.note)
      ? `<p class="hint">Differs from what was published: ${[...(m.differences_from_published || []),
        ...(m.capture && m.capture.note ? [`capture burn: ${m.capture.note}`] : []),
        ...(m.manoeuvres || []).filter((x) => x.note).map((x) => `${x.label}: ${x.note}`)].map(esc).join("; ")}.</p>`
      : "")
    + ((m.assumptions || []).length ? `<p class="hint">Assumed: ${m.assumptions.map(esc).join("; ")}.</p>` : "")
    + `</div><div id="mission-plot" class="plot plot3d"></div></div>`;
  const au = (pts) => ({ x: pts.map((p) => p[0] / AU_KM), y: pts.map((p) => p[1] / AU_KM), z: pts.map((p) => p[2] / AU_KM) });
  const traces = [{ type: "scatter3d", mode: "markers", name: "Sun", x: [0], y: [0], z: [0], marker: { size: 6, color: "#f5b700" } }];
  for (const [name, orbit] of Object.entries(m.orbits || {})) {
    traces.push(Object.assign({ type: "scatter3d", mode: "lines", name: `${name} orbit`,
      line: { color: BODY_COLOURS[name] || "#888", width: 3 }, hoverinfo: "name" }, au(orbit.r_km)));
  }
  traces.push(Object.assign({ type: "scatter3d", mode: "lines", name: `${m.name} cruise`, text: m.trajectory.epochs_utc,
    line: { color: "#ff8c00", width: 7 }, hovertemplate: "%{text}<extra>cruise</extra>" }, au(m.trajectory.r_km)));
  const mp = m.manoeuvre_positions || [];
  if (mp.length) {
    traces.push(Object.assign({ type: "scatter3d", mode: "markers", name: "manoeuvres", text: mp.map((x) => `${x.label} ${x.epoch_utc}`),
      marker: { size: 4, color: "#222" }, hovertemplate: "%{text}<extra></extra>" }, au(mp.map((x) => x.r_km))));
  }
  let R = 0;
  for (const tr of traces) for (const k of ["x", "y", "z"]) for (const q of tr[k]) if (q !== null) R = Math.max(R, Math.abs(q));
  R *= 1.08;
  const axis = (n) => ({ title: { text: n + " (AU)" }, range: [-R, R] });
  Plotly.react("mission-plot", traces, { margin: { l: 0, r: 0, t: 0, b: 0 }, legend: { x: 0, y: 1, font: { size: 10 } },
    scene: { aspectmode: "cube", xaxis: axis("x"), yaxis: axis("y"), zaxis: axis("z"),
             camera: { eye: { x: 0.25, y: -1.45, z: 1.25 } } } }, PLOT_CONFIG)
    .then(() => { el.dataset.state = "ready"; });
}

async function initGeometry() {
  try {
    const stations = await api("/api/stations");
    const sel = $("geo-station");
    for (const s of stations) {
      const o = document.createElement("option");
      o.value = s.name; o.textContent = `${s.name} (${s.lat_deg.toFixed(1)}°, ${s.lon_deg.toFixed(1)}°)`;
      sel.appendChild(o);
    }
    loadGeometry();
  } catch (e) {
    setStatus("geo-status", e.message, "error");
  }
}

async function loadGeometry(ev) {
  if (ev) ev.preventDefault();
  const body = { target: $("geo-target").value, start: $("geo-start").value, end: $("geo-end").value };
  if (!$("geo-form").reportValidity()) return;
  const days = (Date.parse(body.end) - Date.parse(body.start)) / 864e5;
  body.step_hours = days > 60 ? 24 : days > 5 ? 3 : 0.5;
  if ($("geo-station").value) body.station = $("geo-station").value;
  setStatus("geo-status", "computing the geometry…", "busy");
  try {
    const g = await api("/api/geometry", body);
    renderGeometry(g);
    setStatus("geo-status", `${g.epochs_utc.length} epochs · ${g.conjunctions.length} solar conjunction(s)`
      + (body.station ? ` · ${g.passes.length} pass(es) over ${body.station}` : "") + (g.passes_note ? ` · ${g.passes_note}` : ""));
  } catch (e) {
    setStatus("geo-status", e.message, "error");
  }
}

function renderGeometry(g) {
  const v = g.variables, x = g.epochs_utc;
  const traces = [];
  const range = v.range_km ? v.range_km.values.map((r) => (r === null ? null : r / AU_KM)) : x.map(() => null);
  if (v.light_time_s) {
    traces.push({ type: "scatter", mode: "lines", x, y: v.light_time_s.values.map((s) => (s === null ? null : s / 60)),
      customdata: range, name: "one-way light time (min)", line: { color: "#1f77b4" },
      hovertemplate: "%{x|%Y-%m-%d %H:%M}<br>light time %{y:.2f} min<br>range %{customdata:.4f} AU<extra></extra>" });
  }
  if (v.sep_deg) {
    traces.push({ type: "scatter", mode: "lines", x, y: v.sep_deg.values, name: "Sun–Earth–target angle (°)",
      yaxis: "y2", line: { color: "#e6a100", dash: "dot" } });
  }
  // Elevation sampled once a day (or every few hours) is one instant of each day, which says nothing of
  // tracking: the station's passes (rise, culmination, set) stand for it; the sampled curve is drawn only when
  // it resolves a pass (a step of an hour or less).
  const stepHours = x.length > 1 ? (Date.parse(x[1]) - Date.parse(x[0])) / 36e5 : 24;
  if (v.elevation_deg && stepHours <= 1) {
    traces.push({ type: "scatter", mode: "lines", x, y: v.elevation_deg.values, name: "elevation (°)", yaxis: "y2",
      line: { color: "#2ca02c", width: 1 } });
  }
  if (g.passes.length) {
    const p = g.passes;
    traces.push({ type: "scatter", mode: "markers", name: `pass culmination, ${p[0].station} (° elevation)`,
      x: p.map((q) => q.culmination_utc), y: p.map((q) => q.max_elevation_deg), yaxis: "y2",
      customdata: p.map((q) => [q.rise_utc || "before the span", q.set_utc || "after the span"]),
      marker: { color: "#2ca02c", size: 6, symbol: "triangle-up" },
      hovertemplate: "culmination %{x|%Y-%m-%d %H:%M} UTC, %{y:.1f}° elevation<br>rise %{customdata[0]}"
        + "<br>set %{customdata[1]}<extra>pass</extra>" });
  }
  const shapes = g.conjunctions.map((c) => ({ type: "rect", xref: "x", yref: "paper", x0: c.start_utc || x[0],
    x1: c.end_utc || x[x.length - 1], y0: 0, y1: 1, fillcolor: "#f5b700", opacity: 0.25, line: { width: 0 } }));
  const layout = { margin: { l: 50, r: 50, t: 10, b: 40 }, shapes, legend: { orientation: "h", y: 1.12 },
    hovermode: "closest", xaxis: { type: "date", title: { text: "UTC" } }, yaxis: { title: { text: "light time (min)" } },
    yaxis2: { title: { text: "degrees" }, overlaying: "y", side: "right", showgrid: false } };
  const el = $("geometry");
  Plotly.react(el, traces, layout, PLOT_CONFIG).then(() => { el.dataset.state = "ready"; });
  const rows = g.conjunctions.map((c) => `<tr><td>conjunction</td><td>${esc(c.start_utc || "…")}</td><td>${esc(c.end_utc || "…")}</td><td>min ${fmt(c.min_sep_deg, 2)}° on ${esc(c.min_utc)}</td></tr>`)
    .concat(g.passes.map((p) => `<tr><td>pass ${esc(p.station)}</td><td>${esc(p.rise_utc || "…")}</td><td>${esc(p.set_utc || "…")}</td><td>max elevation ${fmt(p.max_elevation_deg, 1)}° at ${esc(p.culmination_utc)}</td></tr>`));
  $("geo-events").querySelector("tbody").innerHTML = rows.join("");
}

