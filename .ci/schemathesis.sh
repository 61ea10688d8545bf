#!/usr/bin/env bash
# Schemathesis (property-based OpenAPI testing) against the sandbox binary, for all four
# specs: every check, stateful links (creates feed retrieves), each API's auth (XPay bearer
# key; a FYATU JWT fetched first, with /auth/refresh and /auth/revoke in a separate run; Payfect
# `Api-Key`; XStak headers plus request signing by .ci/schemathesis_hooks.py), a fixed seed and
# a bounded number of examples. Prints the generated cases and failures per API.
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION=4.32.5
SEED="${SCHEMATHESIS_SEED:-20261130}"
MAX_EXAMPLES="${SCHEMATHESIS_MAX_EXAMPLES:-20}"
VENV=.ci/.venv

if [ "$("$VENV/bin/schemathesis" --version 2>/dev/null | grep -o '[0-9][0-9.]*' | head -1)" != "$SCHEMATHESIS_VERSION" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet "schemathesis==$SCHEMATHESIS_VERSION"
fi

. .ci/sandbox-lib.sh
trap stop_sandbox EXIT
start_sandbox

REPORTS="$(mktemp -d)"
export PYTHONPATH="$PWD/.ci${PYTHONPATH:+:$PYTHONPATH}"
export SCHEMATHESIS_HOOKS=schemathesis_hooks
export XSTAK_API_HMAC_SECRET="$(info credentials.xstak.api_hmac_secret)"

# run NAME SPEC BASE_URL [schemathesis options…]; SCHEMATHESIS_APIS limits the runs by name
# (e.g. "xstak collect").
run() {
    local name="$1" spec="$2" url="$3"
    shift 3
    case " ${SCHEMATHESIS_APIS:-$name} " in *" ${name%%-*} "* | *" $name "*) ;; *) return 0 ;; esac
    local log="$REPORTS/$name.log"
    set +e
    # Per-API settings (auth schemes, documented exceptions), when the API has any.
    local config=()
    if [ -f ".ci/schemathesis/${name%%-*}.toml" ]; then
        config=(--config-file ".ci/schemathesis/${name%%-*}.toml")
    fi
    "$VENV/bin/schemathesis" "${config[@]}" run "specs/$spec" --url "$url" \
        --checks all \
        --phases examples,coverage,fuzzing,stateful \
        --seed "$SEED" --max-examples "$MAX_EXAMPLES" \
        --request-timeout 10 --no-color \
        "$@" >"$log" 2>&1
    local status=$?
    set -e
    local cases failures
    cases="$(grep -oE '[0-9]+ generated' "$log" | tail -1 | grep -oE '[0-9]+' || echo '?')"
    # The closing line reads e.g. `== 8 failures, 1 warning in 7.59s ==` or `== 1 error in 0.53s ==`.
    local last failures errors
    last="$(grep -E '^=+ .* in [0-9.]+s =+$' "$log" | tail -1)"
    failures="$(grep -oE '[0-9]+ failures?' <<<"$last" | grep -oE '[0-9]+' || echo 0)"
    errors="$(grep -oE '[0-9]+ errors?' <<<"$last" | grep -oE '[0-9]+' || echo 0)"
    printf '%-16s cases %-6s failures %-4s errors %-3s exit %s\n' "$name" "$cases" "$failures" "$errors" "$status" | tee -a "$REPORTS/summary"
    if [ "$status" -ne 0 ]; then
        tail -n 80 "$log" >&2
        FAILED=1
    fi
}
FAILED=0

run xpay_platform xpay.yaml "$(info base_urls.xpay_platform)" \
    -H "Authorization: Bearer $(info credentials.xpay_platform.secret_key)"

# XStak's credentials are its spec's security schemes: .ci/schemathesis/xstak.toml reads these.
XSTAK_API_KEY="$(info credentials.xstak.api_key)"
XSTAK_ACCOUNT_ID="$(info credentials.xstak.account_id)"
export XSTAK_API_KEY XSTAK_ACCOUNT_ID
run xstak xpay-xstak.yaml "$(info base_urls.xstak)"

run payfect payfect.yaml "$(info base_urls.payfect)" \
    -H "Authorization: Api-Key $(info credentials.payfect.api_key)"

COLLECT="$(info base_urls.collect)"
collect_token() {
    curl -sf "$COLLECT/auth/token" -H 'Content-Type: application/json' -d "{
        \"appId\": \"$(info credentials.collect.app_id)\",
        \"secretKey\": \"$(info credentials.collect.secret_key)\",
        \"grantType\": \"client_credentials\"}" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["accessToken"])'
}
run collect collect.yaml "$COLLECT" \
    -H "Authorization: Bearer $(collect_token)" \
    --exclude-path /auth/refresh --exclude-path /auth/revoke
# Refresh and revoke invalidate tokens, so they get a token of their own.
run collect-auth collect.yaml "$COLLECT" \
    -H "Authorization: Bearer $(collect_token)" \
    --phases examples,coverage,fuzzing \
    --include-path /auth/refresh --include-path /auth/revoke

if [ "$FAILED" -ne 0 ]; then
    echo "schemathesis: FAILED (seed $SEED, $MAX_EXAMPLES examples per operation; logs in $REPORTS)" >&2
    exit 1
fi
echo "schemathesis: OK (seed $SEED, $MAX_EXAMPLES examples per operation; 0 failures)"
