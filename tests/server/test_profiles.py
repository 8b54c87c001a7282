"""server_profiles: Localhost profiles judged by what their files do, through
the real server running manifests/policies/default.yaml as shipped, its
profiles folder (../profiles beside the policy's volume) a ConfigMap-like
volume holding manifests/profiles. A pod under profiles/audit.json
(SCMP_ACT_LOG) is denied naming the profile and the action; deny-mount.json
is allowed; strict.json warns of mount and umount2; an unknown profile
warns. While the server runs (no restart, same process): a profile
replaced by a permissive one turns the next answers into denials within
the reload tick; a broken profile keeps the last good set, is logged once
(event profiles-reload) and counted in /metrics; a new key is learnt; and
a plain folder whose file is replaced in place is seen the same way."""
from harness import *

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
DEFAULT = read(os.path.join(REPO, "manifests", "policies", "default.yaml"))
SHIPPED = {name: read(os.path.join(REPO, "manifests", "profiles", name))
           for name in ("audit.json", "deny-mount.json", "strict.json", "textbook.json")}
BROKEN = b'{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], '
REFUSED = b'{"defaultAction": "SCMP_ACT_BOGUS"}'
LOG = b'{"defaultAction": "SCMP_ACT_LOG"}'
# The server reads its folder about once a second; a change must show
# within a few of those ticks.
TICKS = 6

check(b"folder: ../profiles" in DEFAULT, "default.yaml no longer reads ../profiles")
env = Env(policy=DEFAULT)
# <dir>/config/policy.yaml's ../profiles: a volume laid out as the kubelet
# lays out a ConfigMap (key -> ..data/key).
profiles = SecretVolume(os.path.join(env.dir, "profiles"), SHIPPED)
srv = env.server().start()
PID = srv.proc.pid


def pod_under(profile, uid):
    c = restricted_container()
    del c["securityContext"]["seccompProfile"]
    return review({"containers": [c], "securityContext": {"seccompProfile": {
        "type": "Localhost", "localhostProfile": profile}}}, uid=uid)


def answer(profile, server=None):
    """(verdict, text): deny with the message, warn with the warnings, or
    allow."""
    s = server or srv
    code, body, _ = s.post("/validate", json.dumps(pod_under(profile, "u-" + profile)))
    check(code == 200, "/validate answered %d: %r" % (code, body[:300]))
    r = json.loads(body)["response"]
    if not r["allowed"]:
        return "deny", r["status"]["message"]
    return ("warn" if r.get("warnings") else "allow"), "\n".join(r.get("warnings", []))


def expect(profile, want, *needles, server=None):
    got, text = answer(profile, server)
    check(got == want, "%s: %s, want %s: %s" % (profile, got, want, text))
    for n in needles:
        check(n in text, "%s: %r not in %r" % (profile, n, text))


def wait_verdict(profile, want, server=None):
    """Polls until `profile` gets `want`, at most TICKS seconds."""
    t0 = time.monotonic()
    wait_for(lambda: answer(profile, server)[0] == want, TICKS,
             "%s to be judged %s" % (profile, want), step=0.1)
    return time.monotonic() - t0


def metrics_now(server=None):
    m = (server or srv).metrics()
    return {"ok": metric(m, "seccomp_guard_profiles_reloads_total", result="ok"),
            "error": metric(m, "seccomp_guard_profiles_reloads_total", result="error"),
            "refused": metric(m, "seccomp_guard_profiles_refused"),
            "known": metric(m, "seccomp_guard_profiles_known", kind="all"),
            "permissive": metric(m, "seccomp_guard_profiles_known", kind="permissive")}


def still_running():
    check(srv.proc.poll() is None and srv.proc.pid == PID, "the server restarted or exited")


def test_start_says_what_it_knows():
    # Logged just after the start line the harness waits for.
    ev = wait_for(lambda: srv.events("policy"), 5, "the policy event")
    check(len(ev) == 1, "policy events at start: %r" % ev)
    folder = os.path.join(env.dir, "config", "..", "profiles")
    check("with 4 profiles from '%s' (1 permissive, 1 enforcing with dangerous syscalls)"
          % folder in ev[0]["msg"], "start event: %r" % ev[0])
    want = {"ok": 1, "error": 0, "refused": 0, "known": 4, "permissive": 1}
    wait_for(lambda: metrics_now() == want, 5, "the start's metrics: %r" % want)


def test_verdicts_by_what_the_files_do():
    expect("profiles/audit.json", "deny", 'Localhost profile "profiles/audit.json" is permissive',
           "SCMP_ACT_LOG", "[seccomp-unconfined]")
    expect("./profiles//audit.json", "deny", "SCMP_ACT_LOG")
    expect("profiles/deny-mount.json", "allow")
    # Warnings are the brief form (kubectl prints each on one line), the
    # syscalls named as far as it holds them; check and a denial give the
    # whole list and the folder.
    expect("profiles/strict.json", "warn",
           'Localhost profile "profiles/strict.json" allows dangerous syscalls: mount, umount2 [',
           "[seccomp-localhost-dangerous]")
    expect("profiles/nope.json", "warn", 'Localhost profile "profiles/nope.json" is unknown',
           "[seccomp-localhost-unknown]")
    # The legacy annotation is judged the same.
    rev = review({"containers": [restricted_container()]}, uid="annotation",
                 annotations={"seccomp.security.alpha.kubernetes.io/pod":
                              "localhost/profiles/audit.json"})
    code, body, _ = srv.post("/validate", json.dumps(rev))
    r = json.loads(body)["response"]
    check(code == 200 and r["allowed"] is False and "SCMP_ACT_LOG" in r["status"]["message"],
          "legacy annotation: %r" % r)
    # The decision log records the rule.
    denied = [d for d in srv.decisions() if d.get("uid") == "u-profiles/audit.json"]
    check(denied and "seccomp-unconfined" in json.dumps(denied[-1]),
          "decision line: %r" % denied[-1:])


def test_a_profile_made_permissive_is_denied_without_restart():
    expect("profiles/deny-mount.json", "allow")
    before = metrics_now()
    n = len(srv.events("policy-reload"))
    profiles.update(dict(SHIPPED, **{"deny-mount.json": SHIPPED["audit.json"]}))
    took = wait_verdict("profiles/deny-mount.json", "deny")
    expect("profiles/deny-mount.json", "deny", "profiles/deny-mount.json", "SCMP_ACT_LOG")
    still_running()
    ev = srv.events("policy-reload")[n:]
    check(ev and ev[-1]["level"] == "info" and "2 permissive" in ev[-1]["msg"],
          "reload event: %r" % ev)
    after = metrics_now()
    check(after["ok"] == before["ok"] + 1 and after["permissive"] == 2 and after["error"] == 0,
          "metrics after the change: %r -> %r" % (before, after))
    print("  denied %.1fs after the ConfigMap update" % took)


def test_a_broken_profile_keeps_the_last_good_set():
    before = metrics_now()
    n = len(srv.events("profiles-reload"))
    good = dict(SHIPPED, **{"deny-mount.json": SHIPPED["audit.json"]})
    profiles.update(dict(good, **{"strict.json": BROKEN}))
    wait_for(lambda: len(srv.events("profiles-reload")) > n, TICKS, "a profiles-reload event")
    ev = srv.events("profiles-reload")[n]
    strict = os.path.join(env.dir, "config", "..", "profiles", "strict.json")
    check(ev["level"] == "error" and strict in ev["msg"] and
          "the last good policy and profiles stay in force" in ev["msg"], "event: %r" % ev)
    m = metrics_now()
    check(m["error"] == before["error"] + 1 and m["refused"] == 1 and m["ok"] == before["ok"],
          "metrics after the break: %r -> %r" % (before, m))
    check(m["known"] == 4 and m["permissive"] == 2, "the last good counts changed: %r" % m)
    # The last good set judges: strict still only warns, the permissive
    # deny-mount still denied, audit denied.
    expect("profiles/strict.json", "warn", "[seccomp-localhost-dangerous]")
    expect("profiles/deny-mount.json", "deny", "SCMP_ACT_LOG")
    expect("profiles/audit.json", "deny", "SCMP_ACT_LOG")
    # Refused once, not on every tick.
    time.sleep(2.5 * SLOW)
    check(len(srv.events("profiles-reload")) == n + 1, "the refusal was logged again: %r" %
          srv.events("profiles-reload")[n:])
    check(metrics_now()["error"] == before["error"] + 1, "the refusal was counted again")

    # A profile runc would refuse is refused too, naming the action.
    profiles.update(dict(good, **{"strict.json": REFUSED}))
    wait_for(lambda: len(srv.events("profiles-reload")) > n + 1, TICKS, "a second refusal")
    ev = srv.events("profiles-reload")[-1]
    check(ev["level"] == "error" and "SCMP_ACT_BOGUS" in ev["msg"], "event: %r" % ev)

    # Fixed: read, the gauge cleared, the shipped set back in force.
    profiles.update(SHIPPED)
    wait_for(lambda: metrics_now()["refused"] == 0, TICKS, "the refused gauge to clear")
    expect("profiles/deny-mount.json", "allow")
    m = metrics_now()
    check(m["permissive"] == 1 and m["known"] == 4, "metrics after the fix: %r" % m)
    still_running()


def test_a_new_key_is_learnt():
    expect("profiles/late.json", "warn", "[seccomp-localhost-unknown]")
    # The kubelet adds a key: the file in a new ..data, and its link.
    profiles.update(dict(SHIPPED, **{"late.json": LOG}))
    os.symlink(os.path.join("..data", "late.json"), profiles.path("late.json"))
    wait_verdict("profiles/late.json", "deny")
    expect("profiles/late.json", "deny", "profiles/late.json", "SCMP_ACT_LOG")
    still_running()


def test_a_plain_folder_file_replaced_in_place():
    """Not a ConfigMap: a folder on disk whose file is renamed over."""
    plain = os.path.join(env.dir, "plain")
    os.makedirs(plain)
    for name, data in SHIPPED.items():
        with open(os.path.join(plain, name), "wb") as f:
            f.write(data)
    policy = os.path.join(env.dir, "plain-policy.yaml")
    with open(policy, "wb") as f:
        f.write(DEFAULT.replace(b"folder: ../profiles", b"folder: plain"))
    other = env.server(policy=policy).start()
    expect("profiles/deny-mount.json", "allow", server=other)
    tmp = os.path.join(plain, ".deny-mount.json.tmp")
    with open(tmp, "wb") as f:
        f.write(LOG)
    os.replace(tmp, os.path.join(plain, "deny-mount.json"))
    wait_verdict("profiles/deny-mount.json", "deny", server=other)
    check(other.proc.poll() is None, "the second server exited")
    check(other.stop() == 0, "exit status of the second server")


def test_clean_exit():
    check(srv.stop() == 0, "exit status")


if __name__ == "__main__":
    run(globals())
