// Batch oracle for `xstak_node_interop.rs`: what Node.js makes of given bytes.
//
// Reads one JSON object per stdin line: {"body_hex": "...", "key": "<hmac key>"}.
// Writes one JSON object per line: whether the bytes parse, whether
// JSON.stringify(JSON.parse(text)) === text, the canonical text, and the lowercase-hex
// HMAC-SHA256 of the raw bytes and of the canonical text.
"use strict";

const crypto = require("crypto");
const readline = require("readline");

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
  } catch (e) {
    out.parses = false;
    out.canonical = false;
  }
  process.stdout.write(JSON.stringify(out) + "\n");
});
