#!/usr/bin/python3
"""Records what kubectl sends for every file in shapes/ as
answers/<file>.json, for compare.py to check `seccomp-guard check` against
on machines without kubectl. Debian 12 has no kubectl package of its own
generation: its kubernetes-client is kubectl v1.20, whose kustomize cannot
build manifests/ (tests/deploy would fail with it), so the project does not
install it; kubectl comes with the machine, where it does. Other kubectl
binaries given after the first are compared with it
and every difference printed: the shapes where versions differ are the ones
`check` must refuse.

usage: record.py [KUBECTL [OTHER_KUBECTL...]]   (default: kubectl on PATH)
"""
import json
import os
import sys

from kubectl_read import kubectl_read, kubectl_version

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    kubectls = sys.argv[1:] or ["kubectl"]
    shapes = os.path.join(HERE, "shapes")
    answers = os.path.join(HERE, "answers")
    os.makedirs(answers, exist_ok=True)
    version = kubectl_version(kubectls[0])
    differences = 0
    for name in sorted(os.listdir(shapes)):
        sent, error = kubectl_read(kubectls[0], os.path.join(shapes, name))
        with open(os.path.join(answers, name + ".json"), "w") as f:
            json.dump({"kubectl": version, "error": error, "sent": sent}, f, indent=1,
                      sort_keys=True)
            f.write("\n")
        for other in kubectls[1:]:
            if kubectl_read(other, os.path.join(shapes, name)) != (sent, error):
                print(f"{name}: {kubectl_version(other)} differs from {version}")
                differences += 1
    print(f"recorded {len(os.listdir(shapes))} shapes with kubectl {version}; "
          f"{differences} differences with other versions")


if __name__ == "__main__":
    sys.exit(main())
