# Sourced by the .ci scripts that need a running sandbox binary: builds it, starts it on a free
# loopback port, and sets SANDBOX_INFO (its start-up JSON line) and SANDBOX_PID. The caller's
# EXIT trap should call stop_sandbox.

start_sandbox() {
    # SANDBOX_BIN: a binary built already (skips the build).
    local bin="${SANDBOX_BIN:-}"
    if [ -z "$bin" ] || [ ! -x "$bin" ]; then
        cargo build --quiet -p paygate-sandbox --bin paygate-sandbox
        bin="${CARGO_TARGET_DIR:-target}/debug/paygate-sandbox"
    fi
    SANDBOX_LOG_DIR="$(mktemp -d)"
    "$bin" --port 0 >"$SANDBOX_LOG_DIR/out" 2>"$SANDBOX_LOG_DIR/err" &
    SANDBOX_PID=$!
    for _ in $(seq 1 100); do
        if [ -s "$SANDBOX_LOG_DIR/out" ]; then
            SANDBOX_INFO="$(head -n 1 "$SANDBOX_LOG_DIR/out")"
            export SANDBOX_INFO SANDBOX_PID
            return 0
        fi
        sleep 0.1
    done
    echo "the sandbox did not start:" >&2
    cat "$SANDBOX_LOG_DIR/err" >&2
    return 1
}

stop_sandbox() {
    if [ -n "${SANDBOX_PID:-}" ]; then
        kill "$SANDBOX_PID" 2>/dev/null || true
        wait "$SANDBOX_PID" 2>/dev/null || true
        SANDBOX_PID=""
    fi
}

# info KEY.PATH: a value from the start-up JSON (e.g. `info base_urls.xpay_platform`).
info() {
    python3 -c 'import json,sys
v=json.loads(sys.argv[1])
for k in sys.argv[2].split("."): v=v[k]
print(v)' "$SANDBOX_INFO" "$1"
}
