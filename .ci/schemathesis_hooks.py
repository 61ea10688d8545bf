"""Schemathesis hooks: sign XStak requests exactly as the Rust client does.

XStak's server parses each request body and checks `x-signature`, the lowercase-hex
HMAC-SHA256 of `JSON.stringify(JSON.parse(body))` keyed with the API HMAC secret's UTF-8
bytes (xpay-client/src/xstak/signing.rs; the sandbox verifies it the same way in
sandbox/src/apis/xstak). This hook recomputes that canonical form in Python: integer-like
keys first in ascending order, then the others in insertion order; numbers formatted as
JavaScript's Number#toString; strings escaped as JSON.stringify escapes them.

Loaded with SCHEMATHESIS_HOOKS=schemathesis_hooks (PYTHONPATH=.ci); the secret comes from
XSTAK_API_HMAC_SECRET, and only requests to the XStak base URL are signed.
"""

import hashlib
import hmac
import json
import decimal
import math
import re
import os

import schemathesis

SECRET = os.environ.get("XSTAK_API_HMAC_SECRET", "")


def _js_number(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        # JSON.parse reads every number as a double.
        value = float(value)
    if math.isnan(value) or math.isinf(value):
        return "null"
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    # repr gives the shortest digits that round-trip, as ECMAScript's Number::toString does.
    parts = decimal.Decimal(repr(abs(value))).normalize().as_tuple()
    digits = "".join(map(str, parts.digits))
    n = len(digits) + parts.exponent  # ECMAScript's n: where the decimal point goes
    k = len(digits)
    if k <= n <= 21:
        return sign + digits + "0" * (n - k)
    if 0 < n <= 21:
        return sign + digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return sign + "0." + "0" * (-n) + digits
    e = n - 1
    exp = ("+" if e >= 0 else "-") + str(abs(e))
    if k == 1:
        return sign + digits + "e" + exp
    return sign + digits[0] + "." + digits[1:] + "e" + exp


def _is_array_index(key):
    # ASCII digits only: str.isdigit() also accepts "¹" and other Unicode digits.
    return re.fullmatch(r"0|[1-9][0-9]*", key) is not None and int(key) < 2**32 - 1


def _js_stringify(value):
    if value is None:
        return "null"
    if isinstance(value, (bool, int, float)):
        return _js_number(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ",".join(_js_stringify(v) for v in value) + "]"
    if isinstance(value, dict):
        index_keys = sorted((k for k in value if _is_array_index(k)), key=int)
        other_keys = [k for k in value if not _is_array_index(k)]
        return "{" + ",".join(
            json.dumps(k, ensure_ascii=False) + ":" + _js_stringify(value[k])
            for k in index_keys + other_keys
        ) + "}"
    raise TypeError(f"not JSON: {type(value)!r}")


def canonical(body: bytes) -> bytes:
    """JSON.stringify(JSON.parse(body)), as UTF-8."""
    return _js_stringify(json.loads(body)).encode("utf-8")


def sign(body: bytes) -> str:
    return hmac.new(SECRET.encode("utf-8"), canonical(body), hashlib.sha256).hexdigest()


PLACEHOLDER = "sign-me"  # the Signature scheme's value in .ci/schemathesis/xstak.toml


@schemathesis.hook
def before_call(context, case, kwargs):
    """Signs a JSON body serialized in canonical form, where the case carries the placeholder.

    A case that leaves the header out, or that Schemathesis spoiled on purpose (an auth check),
    no longer carries the placeholder, so it goes out as Schemathesis meant it.
    """
    if not SECRET or not case.path.startswith("/public/v1/"):
        return  # only XStak's paths are signed
    if case.body is None or case.media_type not in (None, "application/json"):
        return
    if not isinstance(case.body, (dict, list)):
        return
    headers = dict(case.headers or {})
    names = [k for k in headers if k.lower() == "x-signature" and headers[k] == PLACEHOLDER]
    if not names:
        return
    body = _js_stringify(case.body).encode("utf-8")
    for k in names:
        headers[k] = sign(body)
    case.headers = headers
