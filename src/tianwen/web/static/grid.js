// tianwen web page, part 2 of 3: the compact porkchop grid decoded (loaded after app.js, before views.js;
// classic scripts sharing one global scope, so that the page's policy needs no module loader).
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

