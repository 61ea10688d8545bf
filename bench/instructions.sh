#!/usr/bin/env bash
# Instructions per call, client against the hand-written baseline, counted by valgrind's
# callgrind: a count, not a time, so the machine's load does not move it (the same binary and
# inputs give the same total, give or take the scheduler's few hundred instructions).
#
# For every measured call and side, `calls` (bench/src/bin/calls.rs) runs twice, with
# $FEW and $MANY calls; the difference of the client thread's totals divided by
# ($MANY - $FEW) is one call's instructions, with start-up, the first connection and the
# server's set-up cancelled out. The server runs on its own thread and is not counted.
#
# Usage: bench/instructions.sh                 (all eight calls)
#        CALLS="xstak:create xpay:retrieve" bench/instructions.sh
# Needs valgrind (Debian's package). Builds `calls` with the bench profile (release).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
FEW="${FEW:-20}"
MANY="${MANY:-120}"
CALLS="${CALLS:-xpay:create xstak:create collect:create payfect:create xpay:retrieve xstak:retrieve collect:retrieve payfect:retrieve}"
OUT="$(mktemp -d "${TMPDIR:-/tmp}/paygate-instructions.XXXXXX")"
trap 'rm -rf "$OUT"' EXIT

cd "$ROOT"
cargo build --quiet --profile bench -p benchmarks --bin calls
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/calls"

# Instructions of the client thread (callgrind's thread 1: the program's main thread, where the
# single-threaded client runtime runs).
count() { # side api op n
    local file="$OUT/$1.$2.$3.$4"
    valgrind --tool=callgrind --separate-threads=yes --callgrind-out-file="$file" \
        "$BIN" "$1" "$2" "$3" "$4" >/dev/null 2>&1
    awk '/^summary:/ { print $2; exit }' "$file-01"
}

echo "commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'), $(valgrind --version), $FEW and $MANY calls"
printf '| call | client | baseline | client − baseline | ratio |\n|---|---|---|---|---|\n'
for call in $CALLS; do
    api="${call%%:*}"
    op="${call##*:}"
    per_call() { # side
        local few many
        few="$(count "$1" "$api" "$op" "$FEW")"
        many="$(count "$1" "$api" "$op" "$MANY")"
        echo $(((many - few) / (MANY - FEW)))
    }
    client="$(per_call client)"
    baseline="$(per_call baseline)"
    awk -v c="$client" -v b="$baseline" -v name="$api $op" \
        'BEGIN { printf "| %s | %d | %d | %+d | %.3f |\n", name, c, b, c - b, c / b }'
done
