#!/usr/bin/env bash
# Proves that an additive spec change needs no hand edit: in a scratch copy of the repository,
# adds one optional property to a response object of each of the four specs, builds the whole
# workspace with all targets, and checks that the API-summary snapshot test then fails and
# names each new field (and nothing else breaks the build).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
FIELD=additiveProbeField

SCRATCH="$(mktemp -d)"
trap 'rm -rf "$SCRATCH"' EXIT
tar --exclude=./target --exclude=./.git --exclude='./.ci/.*' -cf - . | tar -xf - -C "$SCRATCH"

# spec file : schema (a response object) — one per API.
python3 - "$SCRATCH/specs" "$FIELD" <<'PY'
import sys, pathlib
specs, field = pathlib.Path(sys.argv[1]), sys.argv[2]
targets = {
    "xpay.yaml": "CheckoutSession",
    "xpay-xstak.yaml": "PaymentIntent",
    "collect.yaml": "Collection",
    "payfect.yaml": "Checkout",
}
for name, schema in targets.items():
    path = specs / name
    lines = path.read_text().splitlines(keepends=True)
    start = lines.index(f"    {schema}:\n")
    for i in range(start + 1, len(lines)):
        if lines[i].startswith("      properties:"):
            lines.insert(i + 1, f"        {field}:\n          type: string\n"
                                "          description: Added by .ci/additive-spec.sh.\n")
            break
        if len(lines[i]) - len(lines[i].lstrip()) <= 4 and lines[i].strip():
            sys.exit(f"{name}: no properties under {schema}")
    path.write_text("".join(lines))
    print(f"added optional `{field}` to {name} {schema}")
PY

cd "$SCRATCH"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
if ! cargo build --quiet --workspace --all-targets; then
    echo "additive-spec: FAILED: the workspace does not build after adding optional fields" >&2
    exit 1
fi
set +e
CI=true INSTA_UPDATE=no cargo test -p workspace-tests --test api_summary >"$SCRATCH/summary.log" 2>&1
status=$?
set -e
if [ "$status" -eq 0 ]; then
    echo "additive-spec: FAILED: the API-summary snapshots did not notice the new fields" >&2
    exit 1
fi
missing=""
for test in xpay_platform xpay_xstak collect payfect; do
    grep -q "^test $test \.\.\. FAILED" "$SCRATCH/summary.log" || missing="$missing $test"
done
mentions="$(grep -c "$FIELD" "$SCRATCH/summary.log" || true)"
if [ -n "$missing" ] || [ "$mentions" -lt 4 ]; then
    cat "$SCRATCH/summary.log" >&2
    echo "additive-spec: FAILED: snapshot tests that did not fail:$missing; $FIELD named $mentions times" >&2
    exit 1
fi
echo "additive-spec: OK (the workspace builds with 4 new optional fields; the 4 snapshot tests fail naming $FIELD $mentions times)"
