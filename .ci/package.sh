#!/usr/bin/env bash
# Packaging checks (issue 12), from the repository root:
#   1. `cargo publish --workspace --dry-run`: every publishable crate is packaged and then
#      built from its own package (spec included), in dependency order, against the other
#      packages rather than the paths;
#   2. xpay-client with one API feature at a time, and its default dependency tree free of
#      C-heavy TLS (`aws-lc-sys`) and OpenSSL; the clients without `schemars` by default and
#      compiling with it;
#   3. `.ci/consumer`: a crate outside the workspace that depends on the packaged crates
#      (crates.io names patched to the unpacked packages) and makes one call to the packaged
#      sandbox, started in-process.
# Everything shares the workspace's target directory. Prints one summary line at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
export CARGO_TARGET_DIR="$TARGET"
VERSION="$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)"
started=$(date +%s)
timings=()
step() { # name, command…
    local name="$1" t0
    shift
    echo "== $name"
    t0=$(date +%s)
    "$@"
    timings+=("$name $(($(date +%s) - t0)) s")
}

# 1. A clean tree in CI; `--allow-dirty` only spares a local run from committing first (the
#    package holds the working tree either way).
step "publish dry-run" cargo publish --workspace --dry-run --allow-dirty --quiet

# 2. One API per feature: each alone compiles, and the other's spec is not generated.
single() {
    local feature="$1" other="$2"
    cargo check --quiet -p xpay-client --no-default-features --features "$feature"
    local out
    out="$(cargo check -p xpay-client --no-default-features --features "$feature" \
        --message-format json 2>/dev/null | grep '"reason":"build-script-executed"' \
        | grep '"package_id":"[^"]*xpay-client' | sed -n 's/.*"out_dir":"\([^"]*\)".*/\1/p' | tail -1)"
    if [ -z "$out" ] || [ ! -d "$out" ]; then
        echo "xpay-client --features $feature: no build-script output directory found" >&2
        return 1
    fi
    if [ -e "$out/$other.rs" ] || [ ! -e "$out/$feature.rs" ]; then
        echo "xpay-client --features $feature: expected only $feature.rs in $out" >&2
        ls "$out" >&2
        return 1
    fi
}
step "xpay-client --features platform" single platform xstak
step "xpay-client --features xstak" single xstak platform
no_c_tls() {
    for crate in xpay-client collect-client payfect-client paygate-sandbox; do
        for bad in aws-lc-sys openssl-sys; do
            # Every target platform; `cargo tree` fails when the crate is not in the graph.
            if [ -n "$(cargo tree --quiet -p "$crate" -e normal --target all -i "$bad" 2>/dev/null)" ]; then
                echo "$crate depends on $bad with default features" >&2
                return 1
            fi
        done
    done
}
step "no aws-lc-sys / openssl-sys by default" no_c_tls
# `JsonSchema` on the generated types is opt-in: off by default (not even the dependency), and
# with the `schemars` feature every client still compiles.
schemars_opt_in() {
    for crate in xpay-client collect-client payfect-client; do
        if [ -n "$(cargo tree --quiet -p "$crate" -e normal --target all -i schemars 2>/dev/null)" ]; then
            echo "$crate depends on schemars with default features" >&2
            return 1
        fi
    done
    cargo check --quiet -p xpay-client -p collect-client -p payfect-client \
        --features xpay-client/schemars,collect-client/schemars,payfect-client/schemars
}
step "schemars only with the feature" schemars_opt_in

# 3. The consumer, against the unpacked packages that step 1 verified.
consumer() {
    local patches=()
    for crate in paygate-codegen paygate-runtime xpay-client collect-client payfect-client paygate-sandbox; do
        local dir="$TARGET/package/$crate-$VERSION"
        [ -f "$dir/Cargo.toml" ] || { echo "missing unpacked package $dir" >&2; return 1; }
        patches+=(--config "patch.crates-io.$crate.path='$dir'")
    done
    # The workspace's lock file: the consumer builds the dependency versions CI already tested.
    cp Cargo.lock .ci/consumer/Cargo.lock
    cargo run --quiet --manifest-path .ci/consumer/Cargo.toml "${patches[@]}"
}
step "consumer of the packages" consumer

echo
printf '  %s\n' "${timings[@]}"
echo "package.sh: OK (publish dry-run, one-API builds, consumer call) in $(($(date +%s) - started)) s"
