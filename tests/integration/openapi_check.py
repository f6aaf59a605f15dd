#!/usr/bin/env python3
"""openapi_check.py - check a running accord node's answers against
specs/openapi.yaml (specs/api.md): every request's status must be declared
for its route and method, its media type declared, and its body valid
against the declared schema (JSON Schema 2020-12, OpenAPI 3.1); declared
headers that are present must match their schemas. Each case also states
the status it expects, so behaviour is checked, not only the shape.

usage: openapi_check.py SPEC single URL NETDIR SIGNED_A SIGNED_B SIGNED_422
       openapi_check.py SPEC consortium VALIDATOR_URL FOLLOWER_URL
       openapi_check.py SPEC quorum_lost VALIDATOR_URL
The "single" run also requires that every operation of the description was
exercised at least once.
"""
import http.client
import json
import re
import sys
import urllib.parse

import jsonschema
import yaml

SPEC = yaml.safe_load(open(sys.argv[1]))
fails = 0
hits = set()


def fail(msg):
    global fails
    fails += 1
    print("FAIL " + msg)


def check_document(spec):
    """The description itself: with openapi-spec-validator when installed
    (Debian 12 does not package it), else its structure and references."""
    try:
        from openapi_spec_validator import validate
    except ImportError:
        validate = None
    if validate is not None:
        validate(spec)
        print("ok   description valid (openapi-spec-validator)")
        return
    assert str(spec.get("openapi", "")).startswith("3.1"), "openapi 3.1"
    assert "title" in spec["info"] and "version" in spec["info"]
    for path, item in spec["paths"].items():
        assert path.startswith("/"), path
        for method, op in item.items():
            if method == "parameters":
                continue
            assert method in ("get", "post", "options", "put", "delete",
                              "head", "patch"), method
            assert op.get("responses"), f"{method} {path}: no responses"
    # every $ref resolves, and every schema is a valid 2020-12 schema
    def walk(node):
        if isinstance(node, dict):
            if "$ref" in node:
                deref(node["$ref"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
    walk(spec)
    for name, sch in spec["components"]["schemas"].items():
        jsonschema.Draft202012Validator.check_schema(sch)
    print("ok   description valid (structure, references, schemas)")


def deref(ref):
    assert ref.startswith("#/"), ref
    node = SPEC
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def resolve(node):
    """The node with every $ref replaced by its target (no cycles here)."""
    if isinstance(node, dict):
        if "$ref" in node:
            rest = {k: v for k, v in node.items() if k != "$ref"}
            target = resolve(deref(node["$ref"]))
            if rest:
                target = dict(target, **resolve(rest))
            return target
        return {k: resolve(v) for k, v in node.items()}
    if isinstance(node, list):
        return [resolve(v) for v in node]
    return node


def route_of(path):
    for tmpl in SPEC["paths"]:
        rx = "^" + re.sub(r"\{[^}]+\}", "[^/]+", tmpl) + "$"
        if re.match(rx, path):
            return tmpl
    return None


def request(base, method, target, headers=None, body=None):
    u = urllib.parse.urlsplit(base)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=40)
    c.request(method, target, body=body, headers=headers or {})
    r = c.getresponse()
    data = r.read()
    hdrs = {k.lower(): v for k, v in r.getheaders()}
    c.close()
    return r.status, hdrs, data


def validate(name, schema, value):
    try:
        jsonschema.Draft202012Validator(schema).validate(value)
        return True
    except jsonschema.ValidationError as e:
        fail(f"{name}: {e.message} at {list(e.absolute_path)}")
        return False


def case(base, want, method, target, headers=None, body=None, check=None):
    """One request: status want, then the description's verdict."""
    status, hdrs, data = request(base, method, target, headers, body)
    name = f"{method} {target[:90]}"
    if status != want:
        fail(f"{name}: status {status}, want {want}: {data[:200]!r}")
        return status, hdrs, data
    path = urllib.parse.urlsplit(target).path
    tmpl = route_of(urllib.parse.unquote(path).split("\0")[0])
    if tmpl is None:
        # unknown paths are 404 with the error body (specs/api.md)
        ok = status == 404 and validate(
            name, resolve(deref("#/components/schemas/Error")),
            json.loads(data))
        if ok:
            print(f"ok   {status} {name} (unknown path)")
        return status, hdrs, data
    op = SPEC["paths"][tmpl].get(method.lower() if method != "HEAD"
                                 else "get")
    if op is None:
        # a method the route does not have: 405 with the error body and
        # an Allow header naming the described ones (specs/api.md)
        allow = {m.strip().lower() for m in hdrs.get("allow", "").split(",")}
        described = {m for m in SPEC["paths"][tmpl] if m != "parameters"}
        if status != 405 or not validate(
                name, resolve(deref("#/components/schemas/Error")),
                json.loads(data)):
            fail(f"{name}: {method} not described for {tmpl}, and not 405")
        elif not described <= allow | {"head"} or method.lower() in allow:
            fail(f"{name}: Allow {hdrs.get('allow')!r} is not {described}")
        else:
            hits.add((tmpl, "405"))
            print(f"ok   {status} {name} (Allow: {hdrs.get('allow')})")
        return status, hdrs, data
    hits.add((tmpl, method.lower()))
    resp = op["responses"].get(str(status)) or op["responses"].get("default")
    if resp is None:
        fail(f"{name}: status {status} not described for {method} {tmpl}")
        return status, hdrs, data
    resp = resolve(resp)
    for h, spec_h in resp.get("headers", {}).items():
        v = hdrs.get(h.lower())
        if v is not None and not validate(f"{name} header {h}",
                                          spec_h["schema"], v):
            return status, hdrs, data
    content = resp.get("content")
    if not content:
        if data and method != "HEAD":
            fail(f"{name}: a body where none is described")
            return status, hdrs, data
    else:
        ct = hdrs.get("content-type", "").split(";")[0].strip()
        if ct not in content:
            fail(f"{name}: media type {ct!r} not described "
                 f"({list(content)})")
            return status, hdrs, data
        schema = content[ct].get("schema", {})
        if method == "HEAD":
            pass  # the GET's headers, no body: nothing to parse
        elif ct == "application/json":
            try:
                value = json.loads(data)
            except ValueError:
                fail(f"{name}: body is not JSON: {data[:100]!r}")
                return status, hdrs, data
        elif ct.startswith("text/"):
            value = data.decode("utf-8")
        else:
            value = None  # raw bytes: format binary
        if method == "HEAD":
            value = None
        if value is not None and not validate(name, schema, value):
            return status, hdrs, data
    if check is not None:
        msg = check(status, hdrs, data)
        if msg:
            fail(f"{name}: {msg}")
            return status, hdrs, data
    print(f"ok   {status} {name}")
    return status, hdrs, data


IMMUTABLE = "public, max-age=31536000, immutable"


def cached(kind):
    def check(status, hdrs, data):
        if hdrs.get("access-control-allow-origin") != "*":
            return "no Access-Control-Allow-Origin: *"
        if "etag" not in hdrs:
            return "no ETag"
        cc = hdrs.get("cache-control")
        want = IMMUTABLE if kind == "immutable" else "no-cache"
        if cc != want:
            return f"Cache-Control {cc!r}, want {want!r}"
        return None
    return check


def uncached(status, hdrs, data):
    if "etag" in hdrs or "cache-control" in hdrs:
        return "ETag or Cache-Control on an answer that has none"
    return None


def cors(status, hdrs, data):
    if hdrs.get("access-control-allow-origin") != "*":
        return "no Access-Control-Allow-Origin: *"
    return None


def preflight(status, hdrs, data):
    if hdrs.get("access-control-allow-origin") != "*":
        return "no Access-Control-Allow-Origin: *"
    if "GET" not in hdrs.get("access-control-allow-methods", ""):
        return "no GET in Access-Control-Allow-Methods"
    return None


def revalidate(base, target, headers=None):
    """The ETag of a cached answer brings 304 and no body; another tag
    does not."""
    _, h, _ = request(base, "GET", target, headers)
    tag = h.get("etag")
    if tag is None:
        fail(f"GET {target}: no ETag to revalidate")
        return
    hh = dict(headers or {}, **{"If-None-Match": tag})
    case(base, 304, "GET", target, hh,
         check=lambda s, hd, d: None if hd.get("etag") == tag else
         "304 without the same ETag")
    hh = dict(headers or {},
              **{"If-None-Match": '"00000000000000000000000000000000"'})
    case(base, 200, "GET", target, hh)


def single(base, netdir, signed_a, signed_b, signed_422):
    zeros = "0" * 64
    _, _, d = request(base, "GET", "/v1/status")
    st = json.loads(d)
    n, head = st["log_size"], st["height"]
    assert n >= 2 and head >= 2, st
    _, _, d = request(base, "GET", "/v1/entries/0")
    id0 = json.loads(d)["id"]
    _, _, raw0 = request(base, "GET", "/v1/entries/0",
                         {"Accept": "application/octet-stream"})
    J = {"Content-Type": "application/json"}
    O = {"Content-Type": "application/octet-stream"}
    # POST /v1/entries: every refusal, then a 202 and a 201
    case(base, 400, "POST", "/v1/entries", J, b'{"kind":')
    case(base, 400, "POST", "/v1/entries", J, b"[1,2]")
    case(base, 400, "POST", "/v1/entries", J,
         b'{"kind":"no-such-kind","signatures":[]}')
    case(base, 400, "POST", "/v1/entries", J, b"")
    case(base, 400, "POST", "/v1/entries", O, b"xx")
    case(base, 415, "POST", "/v1/entries", {"Content-Type": "text/plain"},
         b"{}")
    case(base, 413, "POST", "/v1/entries", O, b"x" * (200 * 1024))
    case(base, 400, "POST", "/v1/entries?wait=later", J, b"{}")
    case(base, 409, "POST", "/v1/entries", O, raw0)
    case(base, 422, "POST", "/v1/entries", J, open(signed_422, "rb").read())
    case(base, 202, "POST", "/v1/entries", J, open(signed_a, "rb").read())
    case(base, 201, "POST", "/v1/entries?wait=commit", J,
         open(signed_b, "rb").read())
    case(base, 405, "GET", "/v1/entries")
    case(base, 405, "OPTIONS", "/v1/entries", check=uncached)
    # entries
    case(base, 200, "GET", "/v1/entries/0", check=cached("immutable"))
    case(base, 200, "GET", f"/v1/entries/{id0}", check=cached("immutable"))
    case(base, 200, "HEAD", "/v1/entries/0", check=cached("immutable"))
    case(base, 200, "GET", "/v1/entries/1",
         {"Accept": "application/octet-stream"}, check=cached("immutable"))
    revalidate(base, "/v1/entries/0")
    revalidate(base, "/v1/entries/0", {"Accept": "application/octet-stream"})
    case(base, 400, "GET", "/v1/entries/xyz", check=cors)
    case(base, 400, "GET", "/v1/entries/18446744073709551616")
    case(base, 400, "GET", "/v1/entries/0%00abc")
    case(base, 404, "GET", "/v1/entries/99999999", check=cors)
    case(base, 404, "GET", f"/v1/entries/{zeros}")
    case(base, 405, "DELETE", "/v1/entries/0")
    case(base, 204, "OPTIONS", "/v1/entries/0", check=preflight)
    # blocks: below the head immutable, the head not
    _, _, d = request(base, "GET", "/v1/status")
    head = json.loads(d)["height"]
    case(base, 200, "GET", "/v1/blocks/1", check=cached("immutable"))
    case(base, 200, "GET", "/v1/blocks/1?full=1", check=cached("immutable"))
    case(base, 200, "GET", f"/v1/blocks/{head}", check=cached("no-cache"))
    case(base, 200, "GET", "/v1/blocks/latest", check=cached("no-cache"))
    revalidate(base, "/v1/blocks/1")
    case(base, 400, "GET", "/v1/blocks/1?full=2")
    case(base, 400, "GET", "/v1/blocks/abc")
    case(base, 404, "GET", "/v1/blocks/0")
    case(base, 404, "GET", "/v1/blocks/99999999")
    case(base, 405, "POST", "/v1/blocks/1", J, b"{}")
    case(base, 204, "OPTIONS", "/v1/blocks/latest", check=preflight)
    # proofs: explicit size immutable, the default not
    case(base, 200, "GET", f"/v1/proofs/inclusion?index=0&size={n}",
         check=cached("immutable"))
    case(base, 200, "GET", f"/v1/proofs/inclusion?id={id0}",
         check=cached("no-cache"))
    revalidate(base, f"/v1/proofs/inclusion?index=1&size={n}")
    case(base, 400, "GET", f"/v1/proofs/inclusion?index={n}&size={n}")
    case(base, 400, "GET", "/v1/proofs/inclusion")
    case(base, 400, "GET", "/v1/proofs/inclusion?index=0&index=1")
    case(base, 404, "GET", f"/v1/proofs/inclusion?id={zeros}")
    case(base, 405, "PUT", "/v1/proofs/inclusion")
    case(base, 204, "OPTIONS", "/v1/proofs/inclusion", check=preflight)
    case(base, 200, "GET", f"/v1/proofs/consistency?old=1&new={n}",
         check=cached("immutable"))
    case(base, 200, "GET", "/v1/proofs/consistency?old=1",
         check=cached("no-cache"))
    revalidate(base, f"/v1/proofs/consistency?old=2&new={n}")
    case(base, 400, "GET", "/v1/proofs/consistency?old=0")
    case(base, 400, "GET", "/v1/proofs/consistency")
    case(base, 400, "GET", "/v1/proofs/consistency?old=1&new=-1")
    case(base, 405, "DELETE", "/v1/proofs/consistency")
    case(base, 204, "OPTIONS", "/v1/proofs/consistency", check=preflight)
    # domain views
    _, _, d = request(base, "GET", "/v1/agreements")
    ag = json.loads(d)["agreements"][0]["id"]
    case(base, 200, "GET", "/v1/agreements", check=uncached)
    case(base, 200, "GET", f"/v1/agreements/{ag}", check=cors)
    case(base, 400, "GET", "/v1/agreements/xyz")
    case(base, 404, "GET", f"/v1/agreements/{zeros}")
    case(base, 405, "POST", "/v1/agreements", J, b"{}")
    case(base, 405, "PUT", f"/v1/agreements/{ag}")
    case(base, 204, "OPTIONS", "/v1/agreements", check=preflight)
    case(base, 204, "OPTIONS", f"/v1/agreements/{ag}", check=preflight)
    case(base, 200, "GET", "/v1/compliance", check=uncached)
    case(base, 200, "GET", "/v1/compliance?digest=1",
         check=lambda s, h, d: None if "state_digest" in json.loads(d)
         else "no state_digest")
    case(base, 200, "GET", f"/v1/compliance?agreement={ag}&party=CN-BJ")
    case(base, 400, "GET", "/v1/compliance?digest=2")
    case(base, 400, "GET", "/v1/compliance?party=%20bad")
    case(base, 404, "GET", f"/v1/compliance?agreement={zeros}")
    case(base, 405, "POST", "/v1/compliance", J, b"{}")
    case(base, 204, "OPTIONS", "/v1/compliance", check=preflight)
    # the node
    for p in ("/v1/status", "/v1/checkpoint", "/metrics", "/healthz",
              "/readyz"):
        case(base, 200, "GET", p, check=cors)
        case(base, 405, "POST", p, J, b"{}")
        case(base, 204, "OPTIONS", p, check=preflight)
    case(base, 200, "GET", "/readyz",
         check=lambda s, h, d: None if json.loads(d)["ready"] and
         json.loads(d)["quorum"]["reached"] else "not ready")
    case(base, 404, "GET", "/nope", check=cors)
    case(base, 404, "GET", "/v1/entries/0/x")
    # every described operation was exercised
    for tmpl, item in SPEC["paths"].items():
        for method in item:
            if method != "parameters" and (tmpl, method) not in hits:
                fail(f"{method.upper()} {tmpl}: described, never exercised")


def consortium(vurl, furl):
    # A quorum-cosigned checkpoint needs the cosignatures of a head to
    # reach each node (specs/checkpoint.md): wait for one (bounded) so
    # that a loaded machine does not turn this into a 404.
    import time
    for u in (vurl, furl):
        deadline = time.monotonic() + 30
        while request(u, "GET", "/v1/checkpoint", None, None)[0] != 200:
            if time.monotonic() > deadline:
                break  # the case below reports the status it gets
            time.sleep(0.2)
    case(vurl, 200, "GET", "/v1/status",
         check=lambda s, h, d: None if "consensus" in json.loads(d) and
         len(json.loads(d)["peers"]) == 4 else "no consensus or peers")
    case(furl, 200, "GET", "/v1/status",
         check=lambda s, h, d: None if json.loads(d)["role"] == "follower"
         else "not a follower")
    case(vurl, 200, "GET", "/readyz",
         check=lambda s, h, d: None if json.loads(d)["quorum"]["reached"]
         else "quorum not reached")
    case(furl, 200, "GET", "/readyz",
         check=lambda s, h, d: None if json.loads(d)["quorum"] is None
         else "a follower with a quorum")
    for u in (vurl, furl):
        case(u, 200, "GET", "/healthz")
        case(u, 200, "GET", "/metrics")
        case(u, 200, "GET", "/v1/blocks/latest", check=cached("no-cache"))
        case(u, 200, "GET", "/v1/blocks/1", check=cached("immutable"))
        case(u, 200, "GET", "/v1/checkpoint")
        case(u, 200, "GET", "/v1/compliance")


def quorum_lost(vurl):
    case(vurl, 503, "GET", "/readyz",
         check=lambda s, h, d: None if (not json.loads(d)["ready"] and
                                        h.get("retry-after") == "1" and
                                        any("power" in r for r in
                                            json.loads(d)["reasons"]))
         else "not the quorum reason, or no Retry-After")
    case(vurl, 200, "GET", "/healthz")  # alive all the same


check_document(SPEC)
mode = sys.argv[2]
if mode == "single":
    single(*sys.argv[3:8])
elif mode == "consortium":
    consortium(sys.argv[3], sys.argv[4])
elif mode == "quorum_lost":
    quorum_lost(sys.argv[3])
else:
    sys.exit(f"unknown mode {mode}")
print(f"{'FAIL' if fails else 'ok'}: {mode}, {fails} failure(s)")
sys.exit(1 if fails else 0)
