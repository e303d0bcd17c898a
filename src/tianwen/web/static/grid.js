// tianwen web page, part 2: the compact porkchop grid decoded, and the porkchop drawing the outbound and return
// views share (loaded after app.js, before views.js; classic scripts sharing one global scope, so that the page's
// policy needs no module loader).
"use strict";

// ---------------------------------------------------------------------------------------------------------
// the compact porkchop grid (format: tianwen.web.compute); decoded with the browser's own zlib
// ---------------------------------------------------------------------------------------------------------

const COMPACT = "application/vnd.tianwen.porkchop+json";

function base64Bytes(b64) {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let k = 0; k < s.length; k++) out[k] = s.charCodeAt(k);
  return out;
}

async function inflate(b64) {
  const stream = new Blob([base64Bytes(b64)]).stream().pipeThrough(new DecompressionStream("deflate"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

// One variable -> rows [departure][arrival], null where the value is not finite.
async function decodeVariable(v, nd, na) {
  const n = nd * na, rows = new Array(nd);
  const high = await inflate(v.data);
  if (v.dtype === "int8") {
    const raw = high;
    const a = new Int8Array(raw.buffer, raw.byteOffset, n);
    for (let i = 0; i < nd; i++) rows[i] = Array.from(a.subarray(i * na, (i + 1) * na));
    return rows;
  }
  const raw = new Uint8Array(n * v.width);  // the byte planes: the low one as sent, the others inflated
  raw.set(base64Bytes(v.low), 0);
  raw.set(high, n);
  const mask = v.nan ? await inflate(v.nan) : null;
  const scale = 10 ** v.decimals, wide = v.width === 8;
  for (let i = 0; i < nd; i++) {
    const row = new Array(na);
    let q = 0;
    for (let j = 0; j < na; j++) {
      const k = i * na + j;  // byte b of integer k sits at b * n + k (byte-shuffled, little-endian)
      const lo = raw[k] | (raw[n + k] << 8) | (raw[2 * n + k] << 16) | (raw[3 * n + k] << 24);
      q += wide ? (raw[4 * n + k] | (raw[5 * n + k] << 8) | (raw[6 * n + k] << 16) | (raw[7 * n + k] << 24)) * 4294967296
                  + (lo >>> 0) : lo;
      row[j] = mask && (mask[k >> 3] >> (7 - (k & 7))) & 1 ? null : q / scale;
    }
    rows[i] = row;
  }
  return rows;
}

// The grid as the page uses it: every variable's values as rows of numbers (the JSON form's shape).
async function decodeGrid(data) {
  if (data.encoding !== "compact") return data;
  const [nd, na] = data.shape;
  for (const v of Object.values(data.variables)) {
    v.values = await decodeVariable(v, nd, na);
    delete v.data; delete v.nan;
  }
  data.encoding = "decoded";
  return data;
}

const unitOf = (label) => (label.match(/\(([^)]*)\)$/) || [null, ""])[1];
const nameOf = (label) => label.replace(/ \([^)]*\)$/, "");


// ---------------------------------------------------------------------------------------------------------
// the porkchop drawing, shared by the outbound porkchop (app.js) and the return porkchop (returns.js)
// ---------------------------------------------------------------------------------------------------------

const transpose = (m) => m[0].map((_, j) => m.map((row) => row[j]));
const FLAG_VARIABLES = ["entry_ok"];          // 0/1 per cell: said as yes/no on hover
const HIDDEN_VARIABLES = ["status"];          // not on hover

// Plotly's hover shows a transfer type as its name, not its code.
function typeName(code) {
  if (code === null || code === undefined || code <= 0) return "no solution";
  const revs = Math.floor((code - 1) / 2);
  return `Type ${code % 2 ? "I" : "II"}` + (revs ? ` (${revs} rev${revs > 1 ? "s" : ""})` : "");
}

// The grid's traces: `fill` filled from its minimum (rounded down to `floor`) over `span` every `size`, blank
// where `mask` (a 0/1 variable) is 0; labelled contour lines of `lines.name`; dashed time of flight every 50
// days. The hover label lists every variable by its human label (tianwen.porkchop.VARIABLES) with its units.
function gridTraces(data, { fill, title, name, floor = 1, span, size, mask, lines }) {
  const v = data.variables;
  const names = Object.keys(v).filter((k) => !HIDDEN_VARIABLES.includes(k));
  const x = data.departure, y = data.arrival;
  const zf = transpose(v[fill].values);              // z[arrival][departure]
  const ok = mask && v[mask] ? transpose(v[mask].values) : null;
  const finite = zf.flat().filter((z, k) => z !== null && (!ok || ok[Math.floor(k / x.length)][k % x.length] === 1));
  const lo = finite.length ? Math.floor(Math.min(...finite) / floor) * floor : 0;
  const hi = lo + span;
  const zfill = zf.map((row, j) => row.map((z, i) => (z !== null && z <= hi && (!ok || ok[j][i] === 1) ? z : null)));
  const cols = names.map((k) => transpose(v[k].values));
  const say = (k, value) => (k === "transfer_type" ? typeName(value)
    : FLAG_VARIABLES.includes(k) ? (value === 1 ? "yes" : "no") : value);
  const custom = y.map((_, j) => x.map((_, i) => cols.map((c, n) => say(names[n], c[j][i]))));
  const line = (k, n) => {
    if (k === "transfer_type" || FLAG_VARIABLES.includes(k)) return `${esc(nameOf(v[k].label))}: %{customdata[${n}]}`;
    const unit = unitOf(v[k].label);
    return `${esc(nameOf(v[k].label))}: %{customdata[${n}]:.${Math.min(v[k].decimals, 3)}f}${unit ? " " + esc(unit) : ""}`;
  };
  const hover = "launch %{x|%Y-%m-%d %H:%M} UTC<br>arrival %{y|%Y-%m-%d %H:%M} UTC<br>"
    + names.map(line).join("<br>") + "<extra></extra>";
  return [{
    type: "contour", x, y, z: zfill, customdata: custom, hovertemplate: hover, name,
    colorscale: "Viridis", reversescale: true, connectgaps: false,
    contours: { start: lo, end: hi, size }, line: { width: 0.4 },
    colorbar: { title: { text: title, side: "right" }, thickness: 14 },
  }, {
    type: "contour", x, y, z: transpose(v[lines.name].values), showscale: false, hoverinfo: "skip", name: lines.title,
    contours: { coloring: "lines", showlabels: true, start: lines.start, end: lines.end, size: lines.size,
                labelfont: { size: 9, color: "crimson" } },
    line: { color: "crimson", width: 1 }, colorscale: [[0, "crimson"], [1, "crimson"]],
  }, {
    type: "contour", x, y, z: transpose(v.tof.values), showscale: false, hoverinfo: "skip", name: "time of flight",
    contours: { coloring: "lines", showlabels: false, start: 50, end: 600, size: 50 },
    line: { color: "#555", width: 0.7, dash: "dash" }, colorscale: [[0, "#555"], [1, "#555"]],
  }];
}

// A fresh layout for each plot (plotly writes into the layout it is given).
const gridLayout = () => ({
  margin: { l: 60, r: 10, t: 10, b: 50 }, showlegend: false, hovermode: "closest",
  xaxis: { title: { text: "launch date (UTC)" }, type: "date", automargin: true },
  yaxis: { title: { text: "arrival date (UTC)" }, type: "date", automargin: true },
  font: { size: 11 },
});
