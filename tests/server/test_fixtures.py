"""server_fixtures: every AdmissionReview in tests/fixtures/reviews posted to
/validate and /mutate gets exactly the bytes `seccomp-guard review` prints
for it (the golden files tests/validate/golden.py checks): one decision
path, the same answer from the CLI and from the cluster's webhook."""
import os

from harness import *

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "reviews")

with open(os.path.join(FIXTURES, "policy.yaml"), "rb") as f:
    env = Env(policy=f.read())
srv = env.server().start()


def names():
    with open(os.path.join(FIXTURES, "expected.tsv")) as f:
        return [l.split("\t")[0] for l in f if l.strip() and not l.startswith("#")]


def test_responses_equal_review_output():
    checked = 0
    for name in names():
        request = os.path.join(FIXTURES, name + ".json")
        for endpoint, mode in (("/validate", "validate"), ("/mutate", "mutate")):
            with open(os.path.join(FIXTURES, "%s.%s.json" % (name, mode)), "rb") as f:
                golden = f.read().rstrip(b"\n")
            code, body, _ = srv.post_file(endpoint, request)
            check(code == 200, "%s %s answered %d" % (name, endpoint, code))
            body = body if isinstance(body, bytes) else body.encode()
            check(body == golden, "%s %s differs from review's answer:\n%r\n%r" %
                  (name, endpoint, body, golden))
            checked += 1
    check(checked >= 20, "only %d fixtures" % checked)
    check(srv.stop() == 0, "exit status")


if __name__ == "__main__":
    run(globals())
