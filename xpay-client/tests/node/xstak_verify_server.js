// A stand-in for XPay's Node.js API server, used by `xstak_node_interop/`.
//
// It checks each signed request the way the provider does: parse the body, re-serialize it
// with JSON.stringify, recompute the HMAC-SHA256 (hex, API HMAC secret as UTF-8) over that
// text and compare it with `x-signature`. It also reports whether the body was already in
// that canonical form, and echoes what it received, so the Rust test can check both sides.
//
// Usage: node xstak_verify_server.js <api-hmac-secret>
// Prints `listening <port>` on stdout once bound to 127.0.0.1, and exits when stdin closes.
"use strict";

const http = require("http");
const crypto = require("crypto");

const secret = process.argv[2];
if (!secret) {
  console.error("usage: node xstak_verify_server.js <api-hmac-secret>");
  process.exit(2);
}

const hmac = (text) => crypto.createHmac("sha256", secret).update(text).digest("hex");

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const raw = Buffer.concat(chunks);
    const text = raw.toString("utf8");
    const verdict = {
      method: req.method,
      url: req.url,
      api_key: req.headers["x-api-key"] ?? null,
      account_id: req.headers["x-account-id"] ?? null,
      signature: req.headers["x-signature"] ?? null,
      idempotency_key: req.headers["x-idempotency-key"] ?? null,
      content_type: req.headers["content-type"] ?? null,
      body_hex: raw.toString("hex"),
      raw_signature: hmac(raw),
      utf8: Buffer.from(text, "utf8").equals(raw),
    };
    let parsed;
    if (raw.length > 0) {
      try {
        parsed = JSON.parse(text);
        const canonical = JSON.stringify(parsed);
        verdict.canonical = canonical === text;
        verdict.canonical_hex = Buffer.from(canonical, "utf8").toString("hex");
        verdict.canonical_signature = hmac(canonical);
      } catch (e) {
        verdict.parse_error = String(e);
      }
    }
    // The provider's rule: GETs are unsigned; everything else must match over the
    // re-serialized body.
    const ok =
      req.method === "GET"
        ? verdict.signature === null
        : verdict.canonical_signature !== undefined &&
          verdict.signature === verdict.canonical_signature;
    const envelope = ok
      ? {
          success: true,
          responseStatus: "OK",
          message: JSON.stringify(verdict),
          data: {
            _id: "xpay_pi_node",
            // Echo the amount and metadata as JavaScript writes them back.
            amount: parsed && parsed.amount !== undefined ? parsed.amount : 0,
            currency: "PKR",
            metadata: parsed && parsed.metadata !== undefined ? parsed.metadata : {},
            pi_status: "requires_payment_method",
            token: null,
            encryptionKey: null,
          },
        }
      : {
          success: false,
          responseStatus: "UNAUTHORIZED",
          message: "signature mismatch: " + JSON.stringify(verdict),
        };
    const out = JSON.stringify(envelope);
    res.writeHead(ok ? 200 : 401, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(out),
    });
    res.end(out);
  });
});

server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});

// The test holds our stdin; when it goes away (or the test ends), so do we.
process.stdin.resume();
process.stdin.on("end", () => process.exit(0));
process.stdin.on("error", () => process.exit(0));
