#!/usr/bin/python3
"""Runs Kubernetes' Pod Security Admission fixtures through `seccomp-guard
check` with the matching example policy and compares every verdict with
PSA's (index.tsv): pass/ must be allowed, fail/ denied.

Versions v1.25 and later encode today's rules: every file there must agree,
or this test fails. Older folders encode older PSA rules (annotations before
v1.19, no restricted checks before v1.8/v1.19/v1.22); they are reported,
not required.

usage: conformance.py BINARY POLICY_DIR CONFORMANCE_DIR
"""
import collections
import json
import os
import subprocess
import sys

REQUIRED_FROM = (1, 25)


def version_key(v):
    major, minor = v.lstrip("v").split(".")
    return int(major), int(minor)


def main():
    binary, policy_dir, corpus = sys.argv[1:4]
    index = os.path.join(corpus, "index.tsv")
    if not os.path.exists(index):
        print(f"SKIP: no PSA fixtures at {corpus} (set SG_CONFORMANCE_DIR)")
        return 77
    rows = []
    with open(index) as f:
        header = f.readline().rstrip("\n").split("\t")
        for line in f:
            rows.append(dict(zip(header, line.rstrip("\n").split("\t"))))

    folders = sorted({(r["level"], r["version"]) for r in rows})
    verdicts = {}
    for level, version in folders:
        folder = os.path.join(corpus, level, version)
        policy = os.path.join(policy_dir, f"{level}.yaml")
        proc = subprocess.run([binary, "check", "--policy", policy, "--output", "json", folder],
                              capture_output=True, text=True)
        if proc.returncode not in (0, 1):
            print(f"check failed on {folder} (exit {proc.returncode}): {proc.stderr}")
            return 1
        for result in json.loads(proc.stdout):
            rel = os.path.relpath(result["file"], corpus)
            verdicts[rel] = result

    passed = failed = 0
    required_failures = []
    by_folder = collections.defaultdict(lambda: [0, 0])
    for r in rows:
        result = verdicts.get(r["path"])
        got = None if result is None else ("deny" if result["verdict"] == "deny" else "allow")
        ok = got == r["expected"]
        key = (r["level"], r["version"])
        by_folder[key][0 if ok else 1] += 1
        if ok:
            passed += 1
            continue
        failed += 1
        if version_key(r["version"]) >= REQUIRED_FROM:
            rules = [] if result is None else [v["rule"] for v in result["violations"]]
            required_failures.append(f"{r['path']}: expected {r['expected']}, got {got} {rules}")

    print("older PSA versions (reported, not required):")
    for (level, version), (ok, bad) in sorted(by_folder.items(),
                                              key=lambda kv: (kv[0][0], version_key(kv[0][1]))):
        if version_key(version) < REQUIRED_FROM and bad:
            print(f"  {level}/{version}: {ok} agree, {bad} differ")
    for line in required_failures:
        print("FAIL", line)
    required_total = sum(ok + bad for (lv, v), (ok, bad) in by_folder.items()
                         if version_key(v) >= REQUIRED_FROM)
    print(f"v1.25 and later: {required_total - len(required_failures)} passed, "
          f"{len(required_failures)} failed")
    print(f"all versions: {passed} passed, {failed} failed")
    return 1 if required_failures else 0


if __name__ == "__main__":
    sys.exit(main())
