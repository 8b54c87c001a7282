#!/usr/bin/python3
"""`seccomp-guard check` reads every file in shapes/ as kubectl does: the
objects it judges (printed by --mutate under a policy that injects nothing)
are exactly the objects kubectl sends, and it reports an error (exit 2)
exactly where kubectl does. Files named refused-* are shapes whose reading
kubectl versions or other tools disagree on: there `check` must refuse the
file and judge nothing of it.

Each shape is compared with kubectl's answers recorded by record.py, and,
when a kubectl is on PATH, with that kubectl run live.

usage: compare.py BINARY POLICY_WITHOUT_INJECTION
"""
import json
import os
import shutil
import subprocess
import sys

import yaml

from kubectl_read import kubectl_read, kubectl_version, normalise

HERE = os.path.dirname(os.path.abspath(__file__))


def check_read(binary, policy, path):
    proc = subprocess.run([binary, "check", "--policy", policy, "--mutate", path],
                          capture_output=True, text=True)
    if proc.returncode not in (0, 1, 2):
        raise RuntimeError(f"check exited {proc.returncode}: {proc.stderr}")
    sent = [normalise(o) for o in yaml.safe_load_all(proc.stdout) if o is not None]
    return sent, proc.returncode == 2, proc.stderr


def main():
    binary, policy = sys.argv[1:3]
    shapes = os.path.join(HERE, "shapes")
    live = shutil.which("kubectl")
    live_version = kubectl_version(live) if live else None
    failures = compared = 0
    for name in sorted(os.listdir(shapes)):
        path = os.path.join(shapes, name)
        sent, error, stderr = check_read(binary, policy, path)
        with open(os.path.join(HERE, "answers", name + ".json")) as f:
            recorded = json.load(f)
        answers = [("kubectl " + recorded["kubectl"] + " (recorded)",
                    (recorded["sent"], recorded["error"]))]
        if live:
            answers.append(("kubectl " + live_version + " (live)", kubectl_read(live, path)))
        problems = []
        if name.startswith("refused-"):
            if not error or sent:
                problems.append(f"check should refuse it and judge nothing; it judged {sent}")
        for who, (k_sent, k_error) in answers:
            compared += 1
            if name.startswith("refused-"):
                continue
            if k_sent != sent:
                problems.append(f"{who} sends\n  {k_sent}\ncheck judges\n  {sent}")
            if k_error != error:
                problems.append(f"{who} {'reports' if k_error else 'reports no'} error; check "
                                f"{'exits 2' if error else 'does not'}: {stderr.strip()}")
        if problems:
            failures += 1
            print(f"FAIL {name}:\n" + "\n".join(problems))
    if live:
        print(f"compared with the recorded answers and with kubectl {live_version} on PATH")
    else:
        print("kubectl is not on PATH: compared with the answers recorded by record.py only")
    shapes_n = len(os.listdir(shapes))
    print(f"{shapes_n - failures} passed, {failures} failed")
    return 1 if failures or compared == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
