#!/usr/bin/python3
"""The AdmissionReview fixtures in tests/fixtures/reviews: `review` and
`review --mutate` must print exactly the golden responses, and each
response must show what expected.tsv says (allowed or not, patched or not),
so a golden file cannot silently record a wrong answer. The server's tests
post the same requests and compare with the same files.

usage: golden.py BINARY FIXTURES_DIR [--update]
"""
import json
import os
import subprocess
import sys


def main():
    binary, fixtures = sys.argv[1:3]
    update = "--update" in sys.argv
    policy = os.path.join(fixtures, "policy.yaml")
    failures = 0
    with open(os.path.join(fixtures, "expected.tsv")) as f:
        rows = [l.rstrip("\n").split("\t") for l in f if l.strip() and not l.startswith("#")]
    for name, allowed, patched in rows:
        request = os.path.join(fixtures, name + ".json")
        for mode, args in (("validate", []), ("mutate", ["--mutate"])):
            proc = subprocess.run([binary, "review", "--policy", policy] + args + [request],
                                  capture_output=True, text=True)
            golden = os.path.join(fixtures, f"{name}.{mode}.json")
            if proc.returncode != 0:
                print(f"FAIL {name} {mode}: exit {proc.returncode}: {proc.stderr}")
                failures += 1
                continue
            response = json.loads(proc.stdout)["response"]
            if mode == "validate" and str(response["allowed"]).lower() != allowed:
                print(f"FAIL {name}: allowed is {response['allowed']}, want {allowed}")
                failures += 1
            if mode == "mutate" and ("patch" in response) != (patched == "yes"):
                print(f"FAIL {name}: patched is {'patch' in response}, want {patched}")
                failures += 1
            if update:
                with open(golden, "w") as g:
                    g.write(proc.stdout)
            with open(golden) as g:
                if g.read() != proc.stdout:
                    print(f"FAIL {name} {mode}: response differs from {golden}:\n{proc.stdout}")
                    failures += 1
    print(f"{len(rows) * 2 - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
