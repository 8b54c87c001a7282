"""server_decisions: AdmissionReviews through the real server - allow,
deny, warn, mutate (the patch decoded and applied with python3-jsonpatch,
then validated), v1 and v1beta1, the JSON log line, the decision metrics,
a 3 MiB review, and many threads at once getting their own answers."""
import base64
import threading

import jsonpatch

from harness import *

POLICY = b"""rules:
  seccomp-unconfined: deny
  seccomp-unset: warn
  capabilities-drop-spelling: warn
  capabilities-drop-all: allow
  privilege-escalation: allow
seccomp:
  defaultProfile:
    type: RuntimeDefault
capabilities:
  defaultDrop: []
base: default
"""
env = Env(policy=POLICY)
srv = env.server().start()


def ask(path, rev):
    code, body, _ = srv.post(path, json.dumps(rev))
    check(code == 200, "%s answered %d: %r" % (path, code, body[:300]))
    out = json.loads(body)
    check(out["kind"] == "AdmissionReview" and out["response"]["uid"] ==
          rev["request"]["uid"], "response does not answer the request: %r" % out)
    return out


def unconfined_pod():
    c = restricted_container()
    c["securityContext"]["seccompProfile"] = {"type": "Unconfined"}
    return {"containers": [c]}


def test_allow():
    out = ask("/validate", review({"containers": [restricted_container()]}, uid="allow-1"))
    check(out["response"]["allowed"] is True and not out["response"].get("warnings"),
          "restricted pod: %r" % out["response"])
    check(out["apiVersion"] == "admission.k8s.io/v1", "version %r" % out["apiVersion"])


def test_deny_names_the_field():
    out = ask("/validate", review(unconfined_pod(), uid="deny-1"))
    r = out["response"]
    check(r["allowed"] is False, "Unconfined allowed: %r" % r)
    check("spec.containers[0].securityContext.seccompProfile" in r["status"]["message"],
          "denial does not name the field: %r" % r["status"])


def test_warn():
    c = restricted_container()
    del c["securityContext"]["seccompProfile"]
    out = ask("/validate", review({"containers": [c]}, uid="warn-1"))
    r = out["response"]
    check(r["allowed"] is True and r.get("warnings"), "no warning for a pod without "
          "a profile under seccomp-unset: warn: %r" % r)


def test_mutate_patch_applies_and_then_validates():
    c = restricted_container()
    del c["securityContext"]["seccompProfile"]
    rev = review({"containers": [c]}, uid="mutate-1")
    out = ask("/mutate", rev)
    r = out["response"]
    check(r["allowed"] is True and r.get("patchType") == "JSONPatch", "no patch: %r" % r)
    patch = json.loads(base64.b64decode(r["patch"]))
    obj = jsonpatch.apply_patch(rev["request"]["object"], patch)
    check(obj["spec"]["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault",
          "patched pod: %r" % obj["spec"])
    logged = [d for d in srv.decisions() if d.get("uid") == "mutate-1"]
    check(len(logged) == 1 and logged[0]["patched"] is True and
          logged[0]["injected"] == r["auditAnnotations"]["injected"] ==
          "seccompProfile=RuntimeDefault",
          "the log line and the audit annotation say what was injected: %r" % logged)
    rev2 = review(obj["spec"], uid="mutate-2")
    out2 = ask("/validate", rev2)
    check(out2["response"]["allowed"] is True and not out2["response"].get("warnings"),
          "the mutated pod does not pass validation cleanly: %r" % out2["response"])


def test_v1beta1_answered_in_v1beta1():
    rev = review(unconfined_pod(), uid="beta-1", api="admission.k8s.io/v1beta1")
    out = ask("/validate", rev)
    check(out["apiVersion"] == "admission.k8s.io/v1beta1" and
          out["response"]["allowed"] is False, "v1beta1: %r" % out)


def test_log_line_per_decision():
    ask("/validate", review(unconfined_pod(), uid="log-1", name="logged", namespace="ns-a"))
    lines = [d for d in srv.decisions() if d.get("uid") == "log-1"]
    check(len(lines) == 1, "want one line for uid log-1, got %r" % lines)
    d = lines[0]
    want = {"endpoint": "validate", "kind": "Pod", "namespace": "ns-a", "name": "logged",
            "operation": "CREATE", "user": "alice", "verdict": "deny", "patched": False}
    for k, v in want.items():
        check(d.get(k) == v, "log field %s: %r, want %r" % (k, d.get(k), v))
    check("seccomp-unconfined" in d["rules"], "rules: %r" % d["rules"])
    check(isinstance(d["latency_us"], int) and d["latency_us"] >= 0, "latency_us")
    check(re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", d["time"]), "time")


def test_log_line_escapes_names():
    odd = 'we"ird\\name\twith\u00e9'
    rev = review({"containers": [restricted_container()]}, uid="odd-1", name=odd)
    ask("/validate", rev)
    lines = [d for d in srv.decisions() if d.get("uid") == "odd-1"]
    check(len(lines) == 1 and lines[0]["name"] == odd, "log line for an odd name: %r" % lines)


def test_decision_metrics():
    before = srv.metrics()
    for i in range(3):
        ask("/validate", review(unconfined_pod(), uid="m-%d" % i))
    ask("/mutate", review({"containers": [restricted_container()]}, uid="m-mut"))
    after = srv.metrics()

    def delta(name, **l):
        return metric(after, name, **l) - metric(before, name, **l)

    check(delta("seccomp_guard_decisions_total", endpoint="validate", verdict="deny") == 3,
          "deny decisions")
    check(delta("seccomp_guard_rule_hits_total", endpoint="validate",
                rule="seccomp-unconfined") == 3, "rule hits")
    check(delta("seccomp_guard_decisions_total", endpoint="mutate") == 1, "mutate decisions")
    check(delta("seccomp_guard_request_duration_seconds_count", endpoint="validate") == 3,
          "latency histogram count")
    check(delta("seccomp_guard_http_requests_total", endpoint="validate", code=200) == 3,
          "requests by code")


def test_three_mib_review():
    pod = {"containers": [restricted_container("c%d" % i) for i in range(300)]}
    rev = review(pod, uid="big-1", annotations={"pad": "x" * (3 * 1024 * 1024 - 60000)})
    path = os.path.join(env.dir, "big.json")
    with open(path, "w") as f:
        json.dump(rev, f)
    check(os.path.getsize(path) < 4 * 1024 * 1024, "the fixture is over the limit")
    code, body, _ = srv.post_file("/validate", path)
    check(code == 200 and json.loads(body)["response"]["allowed"] is True,
          "3 MiB review: %d %r" % (code, body[:200]))


def test_concurrent_clients_get_their_own_answers():
    errors = []

    def client(t):
        conn = srv.connect()
        for i in range(40):
            deny = (i + t) % 2 == 0
            uid = "c%d-%d" % (t, i)
            rev = review(unconfined_pod() if deny else {"containers": [restricted_container()]},
                         uid=uid)
            conn.request("POST", "/validate", body=json.dumps(rev),
                         headers={"Content-Type": "application/json"})
            r = conn.getresponse()
            out = json.loads(r.read())
            if out["response"]["uid"] != uid or out["response"]["allowed"] == deny:
                errors.append((uid, out["response"]))
        conn.close()

    threads = [threading.Thread(target=client, args=(t,)) for t in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check(not errors, "crossed or wrong answers: %r" % errors[:3])
    check(srv.stop() == 0, "exit status")


if __name__ == "__main__":
    run(globals())
