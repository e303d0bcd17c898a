// tianwen web page: navigation at Mars arrival (POST /api/navigation: tianwen.navigation.compare_stations). The
// computation takes seconds: the card says it is busy (aria-busy, a ticking status) until the answer comes, and
// the server keeps the answer, so the same request comes back at once.
"use strict";

const SET_COLOURS = ["#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#e377c2"];

function navigationRequest() {
  return { mission: "tianwen-1", stations: ["kashi", "jiamusi"],
           add: [...document.querySelectorAll("#nav-form input[name=add]:checked")].map((el) => el.value),
           ddor: $("nav-ddor").checked, start: $("nav-start").value, end: $("nav-end").value };
}

async function loadNavigation(ev) {
  if (ev) ev.preventDefault();
  if (!$("nav-form").reportValidity()) return;
  const body = navigationRequest();
  const seq = (state.navigationSeq = (state.navigationSeq || 0) + 1);
  const card = $("navigation-card"), t0 = performance.now();
  card.setAttribute("aria-busy", "true");
  $("navigation-plot").dataset.state = "loading";
  $("nav-go").disabled = true;
  const say = () => setStatus("nav-status", `scheduling the passes, simulating the measurements and solving each station `
    + `set… ${Math.round((performance.now() - t0) / 1000)} s`, "busy");
  say();
  const tick = setInterval(() => { if (seq === state.navigationSeq) say(); }, 1000);
  try {
    const rep = await api("/api/navigation", body);
    if (seq !== state.navigationSeq) return;
    state.navigation = rep;
    renderNavigationTable(rep);
    await renderNavigation(rep);
    const f = rep.rows[0].formal;
    setStatus("nav-status", `${rep.mission}: tracking ${rep.arc_start_utc.slice(0, 10)} to ${rep.arc_end_utc.slice(0, 10)}, `
      + `mapped to the B-plane at ${rep.map_epoch_utc.replace("T", " ").slice(0, 16)} UTC; aim point B·T `
      + `${fmt(f.b_dot_t_km, 1)} km, B·R ${fmt(f.b_dot_r_km, 1)} km, periapsis ${fmt(f.periapsis_alt_km, 1)} km `
      + `(${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  } catch (e) {
    if (seq !== state.navigationSeq) return;
    state.navigation = null;
    $("nav-table").querySelector("tbody").innerHTML = "";
    freshPlot("navigation-plot").dataset.state = "error";
    setStatus("nav-status", e.message, "error");
  } finally {
    clearInterval(tick);
    if (seq === state.navigationSeq) {
      card.removeAttribute("aria-busy");
      $("nav-go").disabled = false;
    }
  }
}

function renderNavigationTable(rep) {
  const ell = (u) => `${fmt(u.semi_major_km, 3)} × ${fmt(u.semi_minor_km, 3)} (${fmt(u.angle_deg, 1)}°)`;
  $("nav-table").querySelector("tbody").innerHTML = rep.rows.map((r) => `<tr><td>${esc(r.label)}</td>`
    + `<td class="num">${r.passes}</td><td class="num">${r.measurements.range}</td><td class="num">${r.measurements.doppler}</td>`
    + `<td class="num">${r.measurements.ddor}</td><td class="num">${ell(r.formal)}</td><td class="num">${fmt(r.formal.sigma_alt_km, 3)}</td>`
    + `<td class="num">${ell(r.consider)}</td><td class="num">${fmt(r.consider.sigma_alt_km, 3)}</td></tr>`).join("");
}

// Each set's 1-sigma ellipse, drawn from its semi-axes and angle (T towards R) around the aim point.
function renderNavigation(rep) {
  const which = $("nav-which").value;
  const traces = rep.rows.map((r, k) => {
    const u = r[which], t = (u.angle_deg * Math.PI) / 180, x = [], y = [];
    for (let n = 0; n <= 120; n++) {
      const s = (2 * Math.PI * n) / 120, a = u.semi_major_km * Math.cos(s), b = u.semi_minor_km * Math.sin(s);
      x.push(a * Math.cos(t) - b * Math.sin(t));
      y.push(a * Math.sin(t) + b * Math.cos(t));
    }
    return { type: "scatter", mode: "lines", name: r.label, x, y, line: { color: SET_COLOURS[k % SET_COLOURS.length], width: 2 },
             hovertemplate: `${esc(r.label)}<br>${fmt(u.semi_major_km, 3)} × ${fmt(u.semi_minor_km, 3)} km, `
               + `σ alt ${fmt(u.sigma_alt_km, 3)} km<extra></extra>` };
  });
  const layout = { margin: { l: 60, r: 10, t: 40, b: 50 }, hovermode: "closest", font: { size: 11 },
                   legend: { orientation: "h", x: 0, y: 1.02, yanchor: "bottom", font: { size: 10 } },
                   xaxis: { title: { text: `ΔB·T km (${which})` }, zeroline: true },
                   yaxis: { title: { text: "ΔB·R km" }, zeroline: true, scaleanchor: "x", scaleratio: 1 } };
  const el = $("navigation-plot");
  if (!el.data) el.innerHTML = "";
  return Plotly.react(el, traces, layout, PLOT_CONFIG).then(() => { el.dataset.state = "ready"; });
}
