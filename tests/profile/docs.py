#!/usr/bin/python3
"""Keeps docs/profiles.md's examples real: runs every command in its
```console blocks and writes what it printed below it.

    docs.py BINARY REPO --write    rewrite the outputs in docs/profiles.md
    docs.py BINARY REPO --check    run them again and compare (ctest)

In a ```console block, a line starting with "$ " is a command; the lines
after it, up to the next command, are its output, followed by
"[exit status N]" when N is not 0. A ```yaml file=NAME block is written to
NAME before the commands after it run. Commands run in bash, one after
the other, in a scratch folder holding `manifests`, `tests` and `docs` (links into
the repository), on a terminal (a pty, so output interleaves as a person
sees it), with BINARY's folder first on PATH.

--check skips (77) where the example cannot run as it did when written:
no busybox, no `unshare -rm`, or a recording of the example script that is
not manifests/profiles/strict.json (another C library, another kernel).
Numbers of calls ("in 229 calls") are not compared.
"""

import difflib
import os
import pty
import re
import select
import shutil
import subprocess
import sys
import tempfile
import time

SKIP = 77
TIMEOUT = 60


def run_on_pty(command, cwd, env):
    """Runs `command` in bash on a pty; returns (output, status)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(["bash", "-c", command], cwd=cwd, env=env, stdin=slave,
                            stdout=slave, stderr=slave, close_fds=True)
    os.close(slave)
    out = b""
    deadline = time.monotonic() + TIMEOUT
    while True:
        ready, _, _ = select.select([master], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: every writer has closed the pty
                break
            if not chunk:
                break
            out += chunk
        elif proc.poll() is not None:
            break
        if time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"{command}: no end after {TIMEOUT} s")
    status = proc.wait()
    os.close(master)
    return out.decode().replace("\r\n", "\n"), status


def render(text, binary, repo, scratch):
    env = dict(os.environ, PATH=os.path.dirname(os.path.abspath(binary)) + ":" + os.environ["PATH"],
               PWD=scratch, LC_ALL="C.UTF-8", LANG="C.UTF-8", TERM="dumb", COLUMNS="100")
    for link in ("manifests", "tests", "docs"):
        os.symlink(os.path.join(os.path.abspath(repo), link), os.path.join(scratch, link))
    out, lines, i = [], text.split("\n"), 0
    while i < len(lines):
        line = lines[i]
        out.append(line)
        i += 1
        m = re.match(r"^```yaml file=(\S+)$", line)
        if m:
            body = []
            while lines[i] != "```":
                body.append(lines[i])
                out.append(lines[i])
                i += 1
            with open(os.path.join(scratch, m.group(1)), "w") as f:
                f.write("\n".join(body) + "\n")
            continue
        if line != "```console":
            continue
        while lines[i] != "```":
            if not lines[i].startswith("$ "):
                i += 1  # an old output line
                continue
            command = lines[i][2:]
            out.append(lines[i])
            i += 1
            printed, status = run_on_pty(command, scratch, env)
            out.extend(printed.rstrip("\n").split("\n") if printed.strip() else [])
            if status != 0:
                out.append(f"[exit status {status}]")
    return "\n".join(out)


def normal(text):
    return re.sub(r"in \d+ calls", "in N calls", text)


def main():
    binary, repo, mode = sys.argv[1], sys.argv[2], sys.argv[3]
    doc = os.path.join(repo, "docs", "profiles.md")
    text = open(doc).read()
    if shutil.which("busybox") is None:
        print("SKIP: no busybox")
        return SKIP
    if subprocess.run(["unshare", "-rm", "true"], capture_output=True).returncode != 0:
        print("SKIP: `unshare -rm` does not work here (no user namespaces)")
        return SKIP
    with tempfile.TemporaryDirectory() as scratch:
        new = render(text, binary, repo, scratch)
        recorded = os.path.join(scratch, "busybox.json")
        strict = os.path.join(repo, "manifests", "profiles", "strict.json")
        same = os.path.exists(recorded) and open(recorded).read() == open(strict).read()
    if mode == "--write":
        open(doc, "w").write(new)
        print(f"wrote {doc}")
        return 0
    if not same:
        print("SKIP: the example script records differently here than it did for "
              "manifests/profiles/strict.json: the outputs would differ")
        return SKIP
    if normal(new) != normal(text):
        sys.stdout.writelines(difflib.unified_diff(
            text.splitlines(True), new.splitlines(True), "docs/profiles.md", "as run now"))
        print("FAIL: docs/profiles.md is not what its commands print now: "
              "tests/profile/docs.py BINARY REPO --write")
        return 1
    print("ok: every command in docs/profiles.md prints what the page shows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
