#!/usr/bin/env python3
"""Memory of the sandbox binary after many creates (a measurement, run by hand, never asserted).

Usage: python3 sandbox/scripts/rss-after-creates.py [path/to/paygate-sandbox] [creates]

Starts the binary, creates XPay platform customers (each with an idempotency key) and Collect
collections over keep-alive connections, and prints the resident set size (VmRSS) at the
start, after the creates, and after moving the clock 25 h and creating once more.
"""

import http.client
import json
import subprocess
import sys
import time
import urllib.parse

binary = sys.argv[1] if len(sys.argv) > 1 else "target/debug/paygate-sandbox"
creates = int(sys.argv[2]) if len(sys.argv) > 2 else 20_000

proc = subprocess.Popen([binary, "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
info = json.loads(proc.stdout.readline())


def rss_mb():
    with open(f"/proc/{proc.pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def connection(base):
    url = urllib.parse.urlsplit(base)
    return http.client.HTTPConnection(url.hostname, url.port), url.path


def post(conn, path, body, headers):
    conn.request("POST", path, json.dumps(body), {"content-type": "application/json", **headers})
    reply = conn.getresponse()
    data = reply.read()
    if reply.status >= 300:
        raise SystemExit(f"POST {path}: {reply.status} {data[:200]!r}")
    return json.loads(data) if data else None


try:
    start = rss_mb()
    xpay, xpay_path = connection(info["base_urls"]["xpay_platform"])
    key = {"authorization": "Bearer " + info["credentials"]["xpay_platform"]["secret_key"]}
    collect, collect_path = connection(info["base_urls"]["collect"])
    creds = info["credentials"]["collect"]
    token = post(collect, collect_path + "/auth/token", {
        "appId": creds["app_id"], "secretKey": creds["secret_key"],
        "grantType": "client_credentials"}, {})["data"]["accessToken"]
    began = time.time()
    for n in range(creates // 2):
        post(xpay, xpay_path + "/customers", {"name": f"Customer {n}", "email": f"c{n}@example.com"},
             {**key, "idempotency-key": f"rss-{n}"})
        post(collect, collect_path + "/collections",
             {"amount": 10, "orderId": f"rss-{n}", "description": "memory probe"},
             {"authorization": f"Bearer {token}"})
    after = rss_mb()
    print(f"{creates} creates in {time.time() - began:.1f} s; VmRSS: start {start:.1f} MB, "
          f"after creates {after:.1f} MB", flush=True)
    control, control_path = connection(info["control_url"])
    post(control, control_path + "/clock/advance", {"seconds": 25 * 3600}, {})
    post(xpay, xpay_path + "/customers", {"name": "late", "email": "late@example.com"},
         {**key, "idempotency-key": "rss-late"})
    later = rss_mb()
    print(f"after +25 h and one more create: VmRSS {later:.1f} MB")
finally:
    proc.terminate()
    proc.wait()
