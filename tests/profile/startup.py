#!/usr/bin/python3
"""Measures what a C program does before main(), the way profile/syscalls.c
says its start-up table was measured, and checks the table against it.

    startup.py BINARY REPO [--print]

1. `int main(void) { return 0; }` is built with cc -O2, dynamically and
   statically linked, and each is recorded with `seccomp-guard profile
   record`: the syscalls it makes from its execve to its exit.
2. For each recorded syscall, the program runs under the recorded profile
   minus that one (`profile run --exact`, SCMP_ACT_ERRNO with EPERM). When
   it no longer exits 0 the call is needed (SG_NEED_ALWAYS); when it still
   does, the program survives EPERM (SG_NEED_KILL).

Checked: every call the programs make is in the table; every call measured
as needed is SG_NEED_ALWAYS there and every SG_NEED_ALWAYS entry made here
is measured as needed, so what `profile lint` says about start-up holds on
this machine. Entries made only on other machines are left alone. --print
prints the measured table instead. Exit 0 pass, 1 fail, 77 skipped (no C
compiler, no static C library, or not x86_64, where the table was measured).
"""

import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile

SKIP = 77
NEEDS = {"0": 0, "SG_NEED_ALWAYS": 2, "SG_NEED_KILL": 1}
NAMES = {0: "0", 1: "SG_NEED_KILL", 2: "SG_NEED_ALWAYS"}


def table(repo):
    """The start-up table of profile/syscalls.c: name -> (static, dynamic)."""
    src = open(os.path.join(repo, "profile", "syscalls.c")).read()
    body = src[src.index("startup[] = {"):]
    body = body[:body.index("};")]
    rows = re.findall(r'\{"(\w+)",\s*(\w+),\s*(\w+)\}', body)
    return {name: (NEEDS[s], NEEDS[d]) for name, s, d in rows}


def sg(binary, *args):
    return subprocess.run([binary, *args], capture_output=True, text=True, timeout=60)


def measure(binary, program, tmp):
    prof = os.path.join(tmp, "rec.json")
    r = sg(binary, "profile", "record", "--output", prof, "--", program)
    if r.returncode != 0:
        raise AssertionError(f"record {program}: {r.stderr}")
    doc = json.load(open(prof))
    names = doc["syscalls"][0]["names"]
    need = {}
    for n in names:
        cut = dict(doc, syscalls=[dict(doc["syscalls"][0], names=[x for x in names if x != n])])
        path = os.path.join(tmp, "cut.json")
        json.dump(cut, open(path, "w"))
        r = sg(binary, "profile", "run", "--exact", path, "--", program)
        need[n] = 2 if r.returncode != 0 else 1
    return need


def main():
    binary, repo = sys.argv[1], sys.argv[2]
    cc = shutil.which("cc") or shutil.which("gcc")
    if platform.machine() != "x86_64":
        print(f"SKIP: the table was measured on x86_64, this is {platform.machine()}")
        return SKIP
    if cc is None:
        print("SKIP: no C compiler")
        return SKIP
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "trivial.c")
        open(src, "w").write("int main(void) { return 0; }\n")
        progs = {}
        for kind, flags in (("static", ["-static"]), ("dynamic", [])):
            out = os.path.join(tmp, f"trivial-{kind}")
            r = subprocess.run([cc, "-O2", *flags, "-o", out, src], capture_output=True, text=True)
            if r.returncode != 0:
                print(f"SKIP: cannot build a {kind} C program: {r.stderr.strip()}")
                return SKIP
            progs[kind] = out
        measured = {k: measure(binary, p, tmp) for k, p in progs.items()}

    names = sorted(set(measured["static"]) | set(measured["dynamic"]))
    if "--print" in sys.argv:
        for n in names:
            print(f'    {{"{n}", {NAMES[measured["static"].get(n, 0)]}, '
                  f'{NAMES[measured["dynamic"].get(n, 0)]}}},')
        return 0
    have = table(repo)
    problems = []
    for col, kind in ((0, "static"), (1, "dynamic")):
        for n, need in measured[kind].items():
            if n not in have:
                problems.append(f"{n}: made by the {kind} program, not in the table")
            elif (need == 2) != (have[n][col] == 2):
                problems.append(f"{n}: {kind}: measured {NAMES[need]}, the table says "
                                f"{NAMES[have[n][col]]}")
            elif have[n][col] == 0:
                problems.append(f"{n}: made by the {kind} program, the table says it is not")
    for n, (s, d) in have.items():
        for col, kind, need in ((0, "static", s), (1, "dynamic", d)):
            if need == 2 and n not in measured[kind]:
                print(f"note: {n} ({kind}) is not made on this machine")
    if problems:
        print("FAIL: profile/syscalls.c's start-up table disagrees with this machine:")
        for p in problems:
            print("  " + p)
        print("measured (startup.py --print):")
        for n in names:
            print(f'  {n}: static {NAMES[measured["static"].get(n, 0)]}, '
                  f'dynamic {NAMES[measured["dynamic"].get(n, 0)]}')
        return 1
    print(f"ok: {len(measured['static'])} syscalls before main() for a static program, "
          f"{len(measured['dynamic'])} for a dynamic one, as the table says")
    return 0


if __name__ == "__main__":
    sys.exit(main())
