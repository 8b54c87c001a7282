#!/usr/bin/python3
"""What `profile run` and `profile record` cost a syscall-heavy program:
busybox find over /usr/share (about 120,000 syscalls), plain, under
deny-mount.json (exact and explaining), and recorded. Rounds interleave
the four; medians of wall time, and each as a ratio to plain, measured in
the same run.

    bench/profile.py [BINARY] [ROUNDS]     (build/seccomp-guard, 7)
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time

binary = sys.argv[1] if len(sys.argv) > 1 else "build/seccomp-guard"
rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 7
repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
deny = os.path.join(repo, "manifests", "profiles", "deny-mount.json")
work = ["busybox", "find", "/usr/share", "-type", "f"]
with tempfile.TemporaryDirectory() as tmp:
    variants = {
        "plain": work,
        "run --exact deny-mount.json": [binary, "profile", "run", "--exact", deny, "--"] + work,
        "run deny-mount.json": [binary, "profile", "run", deny, "--"] + work,
        "record": [binary, "profile", "record", "--output", os.path.join(tmp, "p.json"), "--"]
        + work,
    }
    times = {k: [] for k in variants}
    for _ in range(rounds):
        for name, cmd in variants.items():
            start = time.perf_counter()
            subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
            times[name].append(time.perf_counter() - start)
base = statistics.median(times["plain"])
for name, t in times.items():
    m = statistics.median(t)
    print(f"{name:30s} median {m * 1000:8.1f} ms   ratio to plain {m / base:5.2f}")
