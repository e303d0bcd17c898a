// tianwen web page: the way back from Mars. The return porkchop (POST /api/return: tianwen.returns) drawn as the
// outbound one (grid.js), and the round trip (POST /api/roundtrip: tianwen.roundtrip). Started by app.js's
// init() when their cards come into view; every number comes from the API.
"use strict";

// The years of a pair's opportunities (POST /api/opportunities) into a <select>, the next one chosen.
async function fillOpportunities(id, origin, target) {
  const o = await api("/api/opportunities", { origin, target, ephemeris: "de421" });
  const sel = $(id);
  sel.innerHTML = "";
  for (const row of o.opportunities) {
    const opt = document.createElement("option");
    opt.value = String(row.year);
    opt.textContent = `${row.year} (${row.date_tdb}${o.next && o.next.year === row.year ? ", next" : ""})`;
    sel.appendChild(opt);
  }
  const years = o.opportunities.map((r) => String(r.year));
  sel.value = o.next && years.includes(String(o.next.year)) ? String(o.next.year) : years[years.length - 1] || "";
  return o;
}

const optionalNumber = (id) => ($(id).value.trim() === "" ? undefined : Number($(id).value));

// The input a one-line library message names (its Python name, e.g. "max_c3_km2s2=5: ..."), marked invalid.
function markNamed(formId, message) {
  const form = $(formId);
  form.querySelectorAll("[aria-invalid]").forEach((el) => el.removeAttribute("aria-invalid"));
  const named = [...form.querySelectorAll("[name]")].filter((el) => el.name && message.includes(el.name));
  named.forEach((el) => el.setAttribute("aria-invalid", "true"));
}

// ---------------------------------------------------------------------------------------------------------
// return porkchop
// ---------------------------------------------------------------------------------------------------------

async function initReturn() {
  try {
    await fillOpportunities("ret-opportunity", "mars", "earth");
  } catch (e) {
    setStatus("ret-status", e.message, "error");
    return;
  }
  loadReturn();
}

function returnRequest() {
  const v = $("ret-opportunity").value;
  const body = { opportunity: v === "next" ? "next" : Number(v), step_days: Number($("ret-step").value),
                 ephemeris: "de421" };
  const rp = optionalNumber("ret-rp"), ra = optionalNumber("ret-ra"), cap = optionalNumber("ret-max-entry");
  if (rp !== undefined) body.periapsis_radius_km = rp;
  if (ra !== undefined) body.apoapsis_radius_km = ra;
  if (cap !== undefined) body.max_entry_kms = cap;
  return body;
}

async function loadReturn(ev) {
  if (ev) ev.preventDefault();
  if (!$("ret-form").reportValidity()) return;
  const body = returnRequest();
  const seq = (state.returnSeq = (state.returnSeq || 0) + 1);
  const el = $("return-plot");
  el.dataset.state = "loading";
  $("ret-go").disabled = true;
  setStatus("ret-status", "computing the return porkchop…", "busy");
  const t0 = performance.now();
  try {
    const data = await decodeGrid(await api("/api/return", body, { accept: COMPACT }));
    if (seq !== state.returnSeq) return;
    state.returnGrid = data;
    markNamed("ret-form", "");
    await renderReturn(data);
    const [nd, na] = data.shape;
    setStatus("ret-status", `Mars → Earth, ${data.opportunity} opportunity: ${nd} × ${na} = `
      + `${(nd * na).toLocaleString("en")} transfers in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  } catch (e) {
    if (seq !== state.returnSeq) return;
    state.returnGrid = null;
    freshPlot("return-plot").dataset.state = "error";
    $("ret-summary").innerHTML = "";
    markNamed("ret-form", e.message);
    setStatus("ret-status", e.message, "error");
  } finally {
    if (seq === state.returnSeq) $("ret-go").disabled = false;
  }
}

function renderReturn(data) {
  const traces = gridTraces(data, { fill: "dv_depart", name: "Mars departure Δv", title: "departure Δv km/s",
                                    floor: 0.1, span: 2, size: 0.1, mask: "entry_ok",
                                    lines: { name: "entry_speed", title: "entry speed", start: 11, end: 16, size: 0.5 } });
  traces.push({
    type: "scatter", mode: "markers", name: "least Δv legs",
    x: data.legs.map((l) => l.launch_utc), y: data.legs.map((l) => l.arrival_utc),
    text: data.legs.map((l) => `Type ${l.type} least Δv ${fmt(l.departure_dv_kms, 3)} km/s`),
    marker: { symbol: "star", size: 16, color: "white", line: { color: "black", width: 1 } },
    hovertemplate: "%{text}<br>leave Mars %{x|%Y-%m-%d}<br>reach Earth %{y|%Y-%m-%d}<extra></extra>",
  });
  const layout = gridLayout();
  layout.xaxis.title.text = "Mars departure (UTC)";
  layout.yaxis.title.text = "Earth arrival (UTC)";
  const el = $("return-plot");
  if (!el.data) el.innerHTML = "";
  // The text beside the figure: the window, the orbit and cap, each best leg's numbers.
  const orbit = data.mars_orbit;
  const legs = data.legs.map((l) => `<li>Type ${esc(l.type)}: leave Mars ${esc(l.launch_utc.slice(0, 10))}, reach `
    + `Earth ${esc(l.arrival_utc.slice(0, 10))} (${fmt(l.tof_days, 0)} d): departure Δv ${fmt(l.departure_dv_kms, 3)} km/s, `
    + `arrival v∞ ${fmt(l.vinf_arr_kms, 3)} km/s, entry speed ${fmt(l.entry_speed_kms, 3)} km/s`
    + `${l.note ? " (" + esc(l.note) + ")" : ""}</li>`).join("");
  $("ret-summary").innerHTML = `<p>Mars departures ${esc(data.departure_window[0])} to ${esc(data.departure_window[1])}, `
    + `Earth arrivals ${esc(data.arrival_window[0])} to ${esc(data.arrival_window[1])}; Mars orbit periapsis `
    + `${fmt(orbit.periapsis_radius_km, 1)} km, apoapsis ${fmt(orbit.apoapsis_radius_km, 1)} km from the centre; entry `
    + `interface ${fmt(data.entry_alt_km, 0)} km${data.max_entry_kms ? `, entry speed at most ${fmt(data.max_entry_kms, 3)} km/s` : ""}.`
    + `</p>${legs ? `<p>Least departure Δv of each type:</p><ul>${legs}</ul>` : `<p>${esc(data.legs_note || "no leg")}</p>`}`;
  return Plotly.react(el, traces, layout, PLOT_CONFIG).then(() => { el.dataset.state = "ready"; });
}

// ---------------------------------------------------------------------------------------------------------
// round trip
// ---------------------------------------------------------------------------------------------------------

async function initRoundTrip() {
  try {
    await fillOpportunities("rt-opportunity", "earth", "mars");
  } catch (e) {
    setStatus("rt-status", e.message, "error");
    return;
  }
  loadRoundTrip();
}

function roundTripRequest() {
  const v = $("rt-opportunity").value;
  const body = { opportunity: v === "next" ? "next" : Number(v), family: $("rt-family").value,
                 minimise: $("rt-minimise").value, ephemeris: "de421" };
  const s0 = optionalNumber("rt-stay-min"), s1 = optionalNumber("rt-stay-max");
  if (s0 !== undefined || s1 !== undefined) body.stay_days = [s0 === undefined ? 0 : s0, s1 === undefined ? 5000 : s1];
  const c3 = optionalNumber("rt-max-c3"), entry = optionalNumber("rt-max-entry");
  if (c3 !== undefined) body.max_c3_km2s2 = c3;
  if (entry !== undefined) body.max_entry_kms = entry;
  return body;
}

async function loadRoundTrip(ev) {
  if (ev) ev.preventDefault();
  if (!$("rt-form").reportValidity()) return;
  const body = roundTripRequest();
  const seq = (state.roundTripSeq = (state.roundTripSeq || 0) + 1);
  $("roundtrip-plot").dataset.state = "loading";
  $("rt-go").disabled = true;
  setStatus("rt-status", "choosing the outbound leg, the stay and the return together…", "busy");
  try {
    const rt = await api("/api/roundtrip", body);
    if (seq !== state.roundTripSeq) return;
    state.roundTrip = rt;
    markNamed("rt-form", "");
    await renderRoundTrip(rt);
    setStatus("rt-status", `${rt.opportunity} ${rt.class}-class round trip, least ${rt.minimise === "dv" ? "Δv" : "duration"} `
      + `(${rt.ephemeris}, ${rt.step_days}-day grid)`);
  } catch (e) {
    if (seq !== state.roundTripSeq) return;
    state.roundTrip = null;
    $("rt-numbers").querySelector("tbody").innerHTML = "";
    $("rt-summary").textContent = "";
    freshPlot("roundtrip-plot").dataset.state = "error";
    markNamed("rt-form", e.message);
    setStatus("rt-status", e.message, "error");
  } finally {
    if (seq === state.roundTripSeq) $("rt-go").disabled = false;
  }
}

function renderRoundTrip(rt) {
  const o = rt.outbound, r = rt.return, day = (t) => t.replace("T", " ").replace(":00Z", "").slice(0, 16);
  const rows = [
    ["outbound", `launch ${day(o.launch_utc)} → Mars ${day(o.arrival_utc)} UTC`],
    ["", `${fmt(o.tof_days, 1)} d, Type ${o.type}, C3 ${fmt(o.c3_km2s2, 3)} km²/s², arrival v∞ ${fmt(o.vinf_arr_kms, 3)} km/s`],
    ["capture Δv", `${fmt(o.capture_dv_kms, 3)} km/s`],
    ["stay at Mars", `${fmt(rt.stay_days, 1)} d`],
    ["return", `leave Mars ${day(r.launch_utc)} → Earth ${day(r.arrival_utc)} UTC`],
    ["", `${fmt(r.tof_days, 1)} d, Type ${r.type}, departure v∞ ${fmt(r.vinf_dep_kms, 3)} km/s`],
    ["Mars departure Δv", `${fmt(r.departure_dv_kms, 3)} km/s`],
    ["entry speed", `${fmt(r.entry_speed_kms, 3)} km/s at ${fmt(rt.entry_alt_km, 0)} km (arrival v∞ ${fmt(r.vinf_arr_kms, 3)} km/s)`],
    ["total Δv", `${fmt(rt.total_dv_kms, 3)} km/s (capture + Mars departure)`],
    ["Earth to Earth", `${fmt(rt.duration_days, 1)} d`],
  ];
  $("rt-numbers").querySelector("tbody").innerHTML = rows.map(([k, v]) =>
    `<tr><th scope="row">${esc(k)}</th><td>${esc(v)}</td></tr>`).join("");
  $("rt-summary").textContent = `Timeline: outbound ${o.launch_utc.slice(0, 10)} to ${o.arrival_utc.slice(0, 10)}, `
    + `at Mars until ${r.launch_utc.slice(0, 10)} (${fmt(rt.stay_days, 0)} days), return to Earth on `
    + `${r.arrival_utc.slice(0, 10)}; ${fmt(rt.duration_days, 0)} days in all. Return window searched: `
    + `${rt.return_window.start_utc} to ${rt.return_window.end_utc} (${rt.return_window.opportunity} Mars–Earth opportunity).`;
  const bar = (name, a, b, colour) => ({ type: "scatter", mode: "lines", name, x: [a, b], y: [name, name],
    line: { color: colour, width: 18 }, hovertemplate: `${name}<br>%{x|%Y-%m-%d}<extra></extra>` });
  const traces = [bar("outbound", o.launch_utc, o.arrival_utc, BODY_COLOURS.earth),
                  bar("stay at Mars", o.arrival_utc, r.launch_utc, BODY_COLOURS.mars),
                  bar("return", r.launch_utc, r.arrival_utc, "#ff8c00")];
  const layout = { margin: { l: 100, r: 10, t: 30, b: 40 }, showlegend: false, hovermode: "closest", font: { size: 11 },
                   xaxis: { type: "date", title: { text: "UTC" } },
                   yaxis: { type: "category", categoryarray: ["return", "stay at Mars", "outbound"], automargin: true } };
  const el = $("roundtrip-plot");
  if (!el.data) el.innerHTML = "";
  return Plotly.react(el, traces, layout, PLOT_CONFIG).then(() => { el.dataset.state = "ready"; });
}
