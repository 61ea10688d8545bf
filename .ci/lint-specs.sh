#!/usr/bin/env bash
# Lints the four OpenAPI specs with two independent tools, Redocly CLI (recommended ruleset,
# redocly.yaml) and Spectral (spectral:oas, .spectral.yaml). Fails on any error from either;
# warnings are printed and counted but do not fail. Installs both from npm at pinned versions
# into .ci/node_modules (idempotent), so it needs only node and npm (Debian: nodejs npm).
set -euo pipefail
cd "$(dirname "$0")/.."

REDOCLY_VERSION=2.77.0
SPECTRAL_VERSION=6.16.3
PREFIX=.ci/lint-tools
SPECS=(specs/xpay.yaml specs/xpay-xstak.yaml specs/collect.yaml specs/payfect.yaml)

if ! command -v npm >/dev/null 2>&1; then
  echo "lint-specs: installing node and npm from Debian" >&2
  apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null
fi

installed() { # name version
  local pj="$PREFIX/node_modules/$1/package.json"
  [[ -f "$pj" ]] && node -e "process.exit(require('./$pj').version === '$2' ? 0 : 1)"
}
if ! installed @redocly/cli "$REDOCLY_VERSION" || ! installed @stoplight/spectral-cli "$SPECTRAL_VERSION"; then
  mkdir -p "$PREFIX"
  npm install --no-save --no-audit --no-fund --loglevel=error --prefix "$PREFIX" \
    "@redocly/cli@$REDOCLY_VERSION" "@stoplight/spectral-cli@$SPECTRAL_VERSION" >&2
fi
REDOCLY="$PREFIX/node_modules/.bin/redocly"
SPECTRAL="$PREFIX/node_modules/.bin/spectral"
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
failed=0
summary=()
for spec in "${SPECS[@]}"; do
  # Redocly: JSON output carries the severity of every problem.
  "$REDOCLY" lint --config redocly.yaml --format json "$spec" >"$out/r.json" 2>"$out/r.err" || true
  read -r r_err r_warn < <(node -e '
    const fs = require("fs");
    let t = fs.readFileSync(process.argv[1], "utf8");
    const j = JSON.parse(t.slice(t.indexOf("{")));
    const p = j.problems || [];
    console.log(p.filter(x => x.severity === "error").length, p.filter(x => x.severity === "warn").length);
  ' "$out/r.json" 2>/dev/null || echo "? ?")
  if [[ "$r_err" != "0" ]]; then
    failed=1
    "$REDOCLY" lint --config redocly.yaml --format stylish "$spec" >&2 || true
    [[ "$r_err" == "?" ]] && cat "$out/r.err" >&2
  fi
  # Spectral: severity 0 = error, 1 = warning.
  "$SPECTRAL" lint --ruleset .spectral.yaml --format json --quiet "$spec" >"$out/s.json" 2>"$out/s.err" || true
  read -r s_err s_warn < <(node -e '
    const fs = require("fs");
    const t = fs.readFileSync(process.argv[1], "utf8").trim();
    const p = t ? JSON.parse(t) : [];
    console.log(p.filter(x => x.severity === 0).length, p.filter(x => x.severity === 1).length);
  ' "$out/s.json" 2>/dev/null || echo "? ?")
  if [[ "$s_err" != "0" ]]; then
    failed=1
    "$SPECTRAL" lint --ruleset .spectral.yaml "$spec" >&2 || true
    [[ "$s_err" == "?" ]] && cat "$out/s.err" >&2
  fi
  summary+=("$spec: redocly ${r_err} errors ${r_warn} warnings; spectral ${s_err} errors ${s_warn} warnings")
done
printf '%s\n' "${summary[@]}"
if [[ $failed -ne 0 ]]; then
  echo "lint-specs: FAILED (errors above)"
  exit 1
fi
echo "lint-specs: OK (redocly $REDOCLY_VERSION, spectral $SPECTRAL_VERSION: 0 errors in ${#SPECS[@]} specs)"
