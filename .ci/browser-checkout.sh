#!/usr/bin/env bash
# Clicks through hosted checkouts in real headless Chromium: starts the sandbox binary,
# creates an XPay platform checkout session and a Payfect checkout with curl, opens each pay
# URL, clicks "Pay", and checks through the API that the checkout became paid.
set -euo pipefail
cd "$(dirname "$0")/.."

PLAYWRIGHT_CORE_VERSION=1.65.1
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
TOOLS=.ci/.browser-tools

if [ ! -x "$CHROMIUM" ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
fi
if [ "$(node -p "try{require('./$TOOLS/node_modules/playwright-core/package.json').version}catch(e){''}")" != "$PLAYWRIGHT_CORE_VERSION" ]; then
    mkdir -p "$TOOLS"
    npm install --silent --prefix "$TOOLS" --no-save --no-audit --no-fund \
        "playwright-core@$PLAYWRIGHT_CORE_VERSION"
fi

. .ci/sandbox-lib.sh
trap stop_sandbox EXIT
start_sandbox

XPAY="$(info base_urls.xpay_platform)"
XPAY_KEY="$(info credentials.xpay_platform.secret_key)"
PAYFECT="$(info base_urls.payfect)"
PAYFECT_KEY="$(info credentials.payfect.api_key)"

json_field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

session="$(curl -sf "$XPAY/checkout/sessions" -H "Authorization: Bearer $XPAY_KEY" \
    -H 'Content-Type: application/json' -d '{
      "mode": "payment",
      "lineItems": [{"priceData": {"currency": "USD", "unitAmount": 2500,
                                   "productData": {"name": "Browser tee"}}, "quantity": 1}],
      "afterCompletion": {"type": "redirect", "redirect": {"url": "https://shop.example/done"}}
    }')"
xpay_id="$(json_field id <<<"$session")"
xpay_url="$(json_field url <<<"$session")"

checkout="$(curl -sf "$PAYFECT/v1/checkouts/" -H "Authorization: Api-Key $PAYFECT_KEY" \
    -H 'Content-Type: application/json' -d '{
      "currency": "USD",
      "invoice_items": [{"price_data": {"currency": "USD", "unit_amount": "12.50",
                                        "product_data": {"name": "Browser mug"}}, "quantity": 2}]
    }')"
payfect_id="$(json_field id <<<"$checkout")"
payfect_url="$(json_field url <<<"$checkout")"

CLICK_JS="$(mktemp --suffix=.cjs)"
cat >"$CLICK_JS" <<'JS'
const { chromium } = require(process.env.PLAYWRIGHT_CORE);
(async () => {
  const userDataDir = require('fs').mkdtempSync(require('os').tmpdir() + '/chromium-');
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
           '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    for (const url of process.argv.slice(2)) {
      const page = await context.newPage();
      await page.goto(url, { timeout: 20000 });
      await Promise.all([page.waitForNavigation({ timeout: 20000 }), page.click('#pay')]);
      const status = await page.textContent('#status', { timeout: 20000 });
      console.log(`${url} -> ${status}`);
    }
  } finally {
    await context.close();
  }
})().catch((e) => { console.error(e); process.exit(1); });
JS
PLAYWRIGHT_CORE="$PWD/$TOOLS/node_modules/playwright-core" CHROMIUM="$CHROMIUM" \
    timeout 120 node "$CLICK_JS" "$xpay_url" "$payfect_url"

xpay_status="$(curl -sf "$XPAY/checkout/sessions/$xpay_id" -H "Authorization: Bearer $XPAY_KEY" | json_field status)"
payfect_status="$(curl -sf "$PAYFECT/v1/checkouts/$payfect_id/" -H "Authorization: Api-Key $PAYFECT_KEY" | json_field status)"
if [ "$xpay_status" = complete ] && [ "$payfect_status" = complete ]; then
    echo "browser-checkout: OK (XPay session $xpay_status, Payfect checkout $payfect_status after clicking Pay in Chromium)"
else
    echo "browser-checkout: FAILED (XPay session $xpay_status, Payfect checkout $payfect_status)" >&2
    exit 1
fi
