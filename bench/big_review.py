#!/usr/bin/env python3
"""Writes a 1 MiB AdmissionReview: bench/data/pod-review.json with a large
metadata.managedFields, as a pod managed by many field managers (one entry
per manager, each owning a few hundred env entries and their fields) would
carry it. Compact JSON, as the API server sends it, and the same bytes on
every run.

    bench/big_review.py OUT [BYTES]     (BYTES: 1048576 by default)
"""
import json
import sys


def entry(manager, n_env):
    env = {}
    for i in range(n_env):
        env['k:{"name":"%s_VAR_%04d"}' % (manager.upper().replace("-", "_"), i)] = {
            ".": {}, "f:name": {}, "f:value": {}}
    return {
        "manager": manager,
        "operation": "Update",
        "apiVersion": "v1",
        "time": "2026-11-20T09:12:44Z",
        "fieldsType": "FieldsV1",
        "fieldsV1": {
            "f:metadata": {"f:annotations": {".": {}, "f:prometheus.io/scrape": {}},
                           "f:labels": {".": {}, "f:app.kubernetes.io/name": {}}},
            "f:spec": {"f:containers": {'k:{"name":"web"}': {
                ".": {}, "f:image": {}, "f:name": {}, "f:env": dict(env, **{".": {}}),
                "f:securityContext": {".": {}, "f:allowPrivilegeEscalation": {}}}}},
        },
    }


def main():
    out = sys.argv[1]
    want = int(sys.argv[2]) if len(sys.argv) > 2 else 1 << 20
    with open(sys.path[0] + "/data/pod-review.json") as f:
        review = json.load(f)
    meta = review["request"]["object"]["metadata"]
    fields, i = [], 0
    while True:
        fields.append(entry("manager-%03d" % i, 100))
        meta["managedFields"] = fields
        text = json.dumps(review, separators=(",", ":"))
        if len(text) >= want:
            break
        i += 1
    # Trim the last manager's env to land just under the size asked.
    last = fields[-1]["fieldsV1"]["f:spec"]["f:containers"]['k:{"name":"web"}']["f:env"]
    while len(text) > want and len(last) > 2:
        last.pop(next(k for k in reversed(list(last)) if k != "."))
        text = json.dumps(review, separators=(",", ":"))
    with open(out, "w") as f:
        f.write(text)
    print("%s: %d bytes, %d managedFields entries" % (out, len(text), len(fields)))


if __name__ == "__main__":
    main()
