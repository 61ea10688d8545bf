#!/usr/bin/env bash
# Build time of each client crate as a user sees it: a clean build of an empty crate that
# depends on the client (its own target directory), then the rebuild after touching the
# client's spec (what a spec edit costs: codegen runs again and the client recompiles).
#
# Usage: bench/build-time.sh            (all three client crates, `-j 2`, dev profile)
#        JOBS=4 PROFILE=release CRATES="payfect-client" bench/build-time.sh
#
# The sources are copied to a scratch directory first, so touching a spec there disturbs no
# one else's build. CPU-heavy (three clean builds): run it on a quiet machine, once.
# Results: a table on stdout and `target/criterion/paygate/build_time.json` (read by
# `cargo run -p benchmarks --bin report`).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
JOBS="${JOBS:-2}"
PROFILE="${PROFILE:-dev}"
CRATES="${CRATES:-xpay-client collect-client payfect-client}"
WORK="${BUILD_TIME_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/paygate-build-time.XXXXXX")}"
RESULTS_DIR="${CRITERION_HOME:-${CARGO_TARGET_DIR:-$ROOT/target}/criterion}/paygate"

# The spec whose touch is timed for each crate (xpay-client holds two; its platform spec).
spec_of() {
    case "$1" in
        xpay-client) echo xpay.yaml ;;
        collect-client) echo collect.yaml ;;
        payfect-client) echo payfect.yaml ;;
        *) echo "unknown crate $1" >&2; exit 2 ;;
    esac
}

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(rustc --version)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "scratch directory: $WORK (jobs: $JOBS, profile: $PROFILE)"

# A copy of the workspace without build outputs or history.
mkdir -p "$WORK/src"
tar -C "$ROOT" --exclude=./target --exclude=./.git -cf - . | tar -C "$WORK/src" -xf -

rows=()
for crate in $CRATES; do
    spec="$(spec_of "$crate")"
    app="$WORK/app-$crate"
    mkdir -p "$app/src"
    cat >"$app/Cargo.toml" <<EOF
[package]
name = "app-$crate"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
$crate = { path = "$WORK/src/$crate" }

# A workspace of its own: nothing from the repository's workspace (profiles, members) applies.
[workspace]
EOF
    : >"$app/src/lib.rs"
    # The repository's lock file, so the same dependency versions are built.
    cp "$ROOT/Cargo.lock" "$app/Cargo.lock"

    export CARGO_TARGET_DIR="$app/target"
    build() { (cd "$app" && cargo build --quiet --offline --profile "$PROFILE" -j "$JOBS"); }

    echo "== $crate: clean build"
    start="$(now)"
    build
    clean_s="$(elapsed "$start" "$(now)")"
    echo "   ${clean_s} s"

    echo "== $crate: rebuild after touching specs/$spec"
    sleep 1 # a distinct mtime even on coarse file systems
    touch "$WORK/src/specs/$spec"
    start="$(now)"
    build
    rebuild_s="$(elapsed "$start" "$(now)")"
    echo "   ${rebuild_s} s"

    rows+=("{\"crate\":\"$crate\",\"spec\":\"specs/$spec\",\"clean_s\":$clean_s,\"rebuild_s\":$rebuild_s}")
done
unset CARGO_TARGET_DIR

echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| crate | clean build | rebuild after touching its spec |"
echo "|---|---|---|"
for r in "${rows[@]}"; do
    echo "$r" | sed -E 's/.*"crate":"([^"]*)","spec":"([^"]*)","clean_s":([0-9.]*),"rebuild_s":([0-9.]*).*/| \1 | \3 s | \4 s (touched `\2`) |/'
done

mkdir -p "$RESULTS_DIR"
{
    printf '{"jobs":%s,"profile":"%s","nproc":%s,"cpu":"%s","rustc":"%s","crates":[' \
        "$JOBS" "$PROFILE" "$(nproc)" \
        "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')" "$(rustc --version)"
    (IFS=,; printf '%s' "${rows[*]}")
    printf ']}\n'
} >"$RESULTS_DIR/build_time.json"
echo
echo "saved $RESULTS_DIR/build_time.json"
if [ -z "${BUILD_TIME_DIR:-}" ] && [ -z "${KEEP:-}" ]; then
    rm -rf "$WORK"
fi
