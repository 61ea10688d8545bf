// Batch oracle for `xstak_node_interop/`: what Node.js makes of given bytes.
//
// Reads one JSON object per stdin line: {"body_hex": "...", "key": "<hmac key>"}.
// Writes one JSON object per line: whether the bytes parse, whether
// JSON.stringify(JSON.parse(text)) === text, the canonical text, the lowercase-hex
// HMAC-SHA256 of the raw bytes and of the canonical text, and `changed`: every number whose
// value JavaScript changes on reading (its JSON path and source text), in JSON.stringify's
// order. The source text of each number comes from V8 itself (JSON.parse source text access,
// `--harmony-json-parse-with-source` on Node 20).
"use strict";

const crypto = require("crypto");
const readline = require("readline");

if (JSON.parse("1", (k, v, context) => context && context.source) !== "1") {
  console.error("JSON.parse source text access is missing: run node with --harmony-json-parse-with-source");
  process.exit(3);
}

// A decimal text as sign, significant digits and the position of the point
// (0.DIGITS × 10^point), so that equal values give equal strings: "1E2" and "100" both
// give "1e3". Non-numbers ("Infinity") are returned as they are.
function normal(text) {
  if (!/^-?[0-9]/.test(text)) return text;
  const negative = text[0] === "-";
  const unsigned = negative ? text.slice(1) : text;
  const [mantissa, exponent = "0"] = unsigned.split(/[eE]/);
  const [int, frac = ""] = mantissa.split(".");
  const digits = int + frac;
  const first = digits.search(/[1-9]/);
  if (first < 0) return "0";
  const point = int.length + Number(exponent) - first;
  return (negative ? "-" : "") + digits.slice(first).replace(/0+$/, "") + "e" + point;
}

const CHANGED = Symbol("changed");

function render(path) {
  if (path.length === 0) return "$";
  let out = "";
  for (const step of path) {
    if (typeof step === "number") out += `[${step}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(step)) out += (out ? "." : "") + step;
    else out += `[${JSON.stringify(step)}]`;
  }
  return out;
}

function changedNumbers(text) {
  const marked = JSON.parse(text, function (key, value, context) {
    if (typeof value === "number" && normal(context.source) !== normal(String(value))) {
      return { [CHANGED]: context.source, nearest: JSON.stringify(value) };
    }
    return value;
  });
  const out = [];
  const walk = (v, path) => {
    if (v === null || typeof v !== "object") return;
    if (CHANGED in v) {
      out.push({ path: render(path), number: v[CHANGED], nearest: v.nearest });
    } else if (Array.isArray(v)) {
      v.forEach((item, i) => walk(item, path.concat([i])));
    } else {
      for (const k of Object.keys(v)) walk(v[k], path.concat([k]));
    }
  };
  walk(marked, []);
  return out;
}

const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
rl.on("line", (line) => {
  if (line.trim() === "") return;
  const { body_hex, key } = JSON.parse(line);
  const raw = Buffer.from(body_hex, "hex");
  const text = raw.toString("utf8");
  const hmac = (data) => crypto.createHmac("sha256", key).update(data).digest("hex");
  const out = { raw_signature: hmac(raw) };
  try {
    const canonical = JSON.stringify(JSON.parse(text));
    out.parses = true;
    out.canonical = canonical === text && Buffer.from(text, "utf8").equals(raw);
    out.canonical_hex = Buffer.from(canonical, "utf8").toString("hex");
    out.canonical_signature = hmac(canonical);
    out.changed = changedNumbers(text);
  } catch (e) {
    out.parses = false;
    out.canonical = false;
  }
  process.stdout.write(JSON.stringify(out) + "\n");
});
