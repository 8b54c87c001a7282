#!/usr/bin/python3
"""Table-driven test of `seccomp-guard check` on manifests: each row of
cases/expected.tsv names a manifest file, a policy, the exit status, the
verdict of every object, and a text the output must contain.

usage: cases.py BINARY POLICY_DIR CASES_DIR
"""
import json
import os
import subprocess
import sys


def main():
    binary, policy_dir, cases = sys.argv[1:4]
    failures = 0
    rows = 0
    with open(os.path.join(cases, "expected.tsv")) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            rows += 1
            name, policy, extra, status, verdicts, needle = line.rstrip("\n").split("\t")
            policy_path = (os.path.join(cases, policy) if policy.endswith(".yaml")
                           else os.path.join(policy_dir, policy + ".yaml"))
            args = [binary, "check", "--policy", policy_path, "--output", "json"]
            if extra != "-":
                args += extra.split()
            proc = subprocess.run(args + [os.path.join(cases, name)], capture_output=True,
                                  text=True)
            results = json.loads(proc.stdout)
            got = ",".join(r["verdict"] for r in results)
            # Messages as a person reads them, not JSON-escaped.
            text = "\n".join([proc.stderr] + [
                " ".join([r.get("error", ""), r["injected"], r.get("exempt", "")] +
                         [v["message"] for v in r["violations"]]) for r in results])
            problems = []
            if str(proc.returncode) != status:
                problems.append(f"exit {proc.returncode}, want {status}")
            if got != verdicts:
                problems.append(f"verdicts {got}, want {verdicts}")
            if needle not in text:
                problems.append(f"output lacks {needle!r}")
            if problems:
                failures += 1
                print(f"FAIL {name} with {policy}: {'; '.join(problems)}\n{text}")
    print(f"{rows - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
