"""server_hostile: the webhook stays available to the API server while a
hostile client does its worst. With failurePolicy: Fail, a webhook that
cannot answer refuses every pod in the cluster, and any pod can reach the
Service unless a NetworkPolicy stops it (docs/security.md).

On loopback the API server's stand-in is 127.0.0.1: it sends a review
every 100 ms, alternately over one kept-alive connection and over a new
connection (handshake included), as Go's HTTP client does. The attacker is
a separate process on 127.0.0.2 (and, where the attack needs more
addresses than one, 127.0.0.3-4: several hostile pods). Each attack runs
at full strength, every attacking connection reconnecting the moment the
server closes it. The server runs with its defaults but for the body
budget the shipped Deployment sets (16 MiB) and, so that a phase sees every
deadline pass twice within seconds and three addresses fill every slot,
the webhooks' own 5 s timeout as request timeout, a 3 s handshake
deadline and 256 connections:

  heads     heads saying Content-Length: 4194304 whose body never comes,
            and bodies of 1 MiB that stop there
  idle      hundreds of connections that finish the handshake and say
            nothing, from three addresses: more than --max-connections
  handshake ClientHellos sent a byte at a time
  slowloris request heads sent a byte at a time
  all       all four at once

What must hold: every review answered 200, none slower than 1 s (scaled
for sanitizer builds), never more connections open than --max-connections,
and the server's log shows the attack met its limit. Bounded: 5 phases of 10 s, at most 810 attacking connections."""
import asyncio
import http.client
import signal
import ssl
import subprocess
import sys
import threading

ATTACKS = ("heads", "idle", "handshake", "slowloris")
PHASE_S = 10          # past the 3 s handshake and 5 s request deadlines, twice
BODY_BUDGET = 16 << 20  # manifests/base/deployment.yaml's --body-memory-bytes
MAX_CONNECTIONS = 256


# ---- the attacker (a process of its own: its CPU is not the client's) ----

def client_hello(ctx):
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(incoming, outgoing, server_hostname="localhost")
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return outgoing.read()


async def slot(kind, src, port, ctx, hello, end, n):
    """One attacking connection, again and again until `end`."""
    loop = asyncio.get_running_loop()
    head = (b"POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
            b"Content-Length: 4194304\r\n\r\n")
    while loop.time() < end:
        writer = None
        try:
            if kind == "handshake":
                reader, writer = await asyncio.open_connection(
                    "127.0.0.1", port, local_addr=(src, 0))
                for i in range(len(hello)):
                    writer.write(hello[i:i + 1])
                    await writer.drain()
                    if await read_or_wait(reader, 0.5) == b"" or loop.time() >= end:
                        break
                continue
            reader, writer = await asyncio.wait_for(asyncio.open_connection(
                "127.0.0.1", port, ssl=ctx, server_hostname="localhost", local_addr=(src, 0)),
                10)
            if kind == "heads":
                writer.write(head)
                if n % 2:
                    writer.write(b"[" + b" " * ((1 << 20) - 1))  # 1 MiB of body, then nothing
                await writer.drain()
            elif kind == "slowloris":
                for i in range(len(head)):
                    writer.write(head[i:i + 1])
                    await writer.drain()
                    if await read_or_wait(reader, 0.5) == b"" or loop.time() >= end:
                        break
                continue
            # heads and idle: say nothing more until the server closes
            while loop.time() < end and await read_or_wait(reader, 1.0) != b"":
                pass
        except (OSError, ssl.SSLError, asyncio.TimeoutError, ConnectionError):
            await asyncio.sleep(0.01)  # refused at once: a moment, not a spin
        finally:
            if writer is not None:
                writer.close()


async def read_or_wait(reader, seconds):
    try:
        return await asyncio.wait_for(reader.read(4096), seconds)
    except asyncio.TimeoutError:
        return None


def attack(kinds, port, ca, seconds):
    ctx = ssl.create_default_context(cafile=ca)
    hello = client_hello(ctx)
    plan = {"heads": (["127.0.0.2"], 160), "handshake": (["127.0.0.2"], 160),
            "slowloris": (["127.0.0.2"], 160),
            "idle": (["127.0.0.%d" % i for i in range(2, 5)], 110)}

    async def main():
        end = asyncio.get_running_loop().time() + seconds
        tasks = []
        for kind in kinds:
            addrs, per_addr = plan[kind]
            tasks += [slot(kind, a, port, ctx, hello, end, n) for a in addrs
                      for n in range(per_addr)]
        await asyncio.gather(*tasks)

    asyncio.run(main())


if __name__ == "__main__" and len(sys.argv) > 1 and sys.argv[1] == "--attack":
    attack(sys.argv[2].split(","), int(sys.argv[3]), sys.argv[4], float(sys.argv[5]))
    sys.exit(0)

# ---- the test ----------------------------------------------------------------

from harness import *  # noqa: E402  (after the attacker's entry point)

env = Env()
srv = env.server(["--body-memory-bytes", str(BODY_BUDGET), "--request-timeout", "5",
                  "--handshake-timeout", "3", "--max-connections", str(MAX_CONNECTIONS)]).start()
REVIEW = json.dumps(realistic_pod()).encode()


class Steady(threading.Thread):
    """The API server's stand-in: a review every 100 ms from 127.0.0.1."""

    def __init__(self):
        super().__init__(daemon=True)
        self.stop_flag = threading.Event()
        self.latencies, self.failures = [], []
        self.kept = None
        self.retries = 0

    def connect(self):
        conn = srv.connect(timeout=10)
        conn.connect()
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return conn

    def one(self, fresh):
        t0 = time.monotonic()
        conn = self.connect() if fresh or self.kept is None else self.kept
        if not fresh:
            self.kept = conn
        try:
            conn.request("POST", "/validate", body=REVIEW,
                         headers={"Content-Type": "application/json"})
            r = conn.getresponse()
        except (ssl.SSLEOFError, ConnectionResetError, BrokenPipeError,
                http.client.RemoteDisconnected):
            if fresh:
                raise
            # The server closed the kept-alive connection while it was idle
            # (it gave way to a newcomer): Go's HTTP client then sends the
            # request again on a new connection, and so does this one.
            self.retries += 1
            conn.close()
            conn = self.kept = self.connect()
            conn.request("POST", "/validate", body=REVIEW,
                         headers={"Content-Type": "application/json"})
            r = conn.getresponse()
        body = r.read()
        if fresh:
            conn.close()
        if r.status != 200 or json.loads(body)["response"]["uid"] != "uid-1":
            raise TestFailure("status %d: %r" % (r.status, body[:100]))
        return time.monotonic() - t0

    def run(self):
        n = 0
        while not self.stop_flag.is_set():
            fresh = n % 2 == 1
            try:
                self.latencies.append((fresh, self.one(fresh)))
            except Exception as e:
                self.failures.append("%s connection: %r" % ("new" if fresh else "kept", e))
                self.kept = None
            n += 1
            self.stop_flag.wait(0.1)
        if self.kept is not None:
            self.kept.close()


class Gauge(threading.Thread):
    """The connections gauge of /metrics, read twice a second: the most
    seen, which --max-connections must bound."""

    def __init__(self):
        super().__init__(daemon=True)
        self.stop_flag = threading.Event()
        self.most = 0

    def run(self):
        while not self.stop_flag.wait(0.5):
            try:
                self.most = max(self.most, metric(srv.metrics(), "seccomp_guard_connections"))
            except Exception:
                pass  # a scrape that did not get through says nothing


def phase(kinds, expect_events):
    before = len(srv.events())
    # niced: on this machine the attacker's Python shares the server's two
    # CPUs, as a hostile pod on the webhook's node would not; what is tested
    # is what the server does with its slots, memory and deadlines.
    attacker = subprocess.Popen(["nice", "-n", "10", sys.executable, os.path.abspath(__file__),
                                 "--attack", ",".join(kinds), str(srv.port), srv.ca,
                                 str(PHASE_S * SLOW)])
    steady, gauge = Steady(), Gauge()
    time.sleep(1.5 * SLOW)  # the attack at full strength before the client comes
    steady.start()
    gauge.start()
    try:
        rc = attacker.wait(timeout=(PHASE_S + 30) * SLOW)
    finally:
        if attacker.poll() is None:
            attacker.kill()
            attacker.wait()
    steady.stop_flag.set()
    gauge.stop_flag.set()
    steady.join(30 * SLOW)
    gauge.join(30 * SLOW)
    check(rc == 0, "the attacker process failed (%s)" % rc)
    lat = sorted(t for _, t in steady.latencies)
    check(not steady.failures, "%s: %d reviews failed: %s" % (
        "+".join(kinds), len(steady.failures), steady.failures[:3]))
    check(len(lat) >= 20, "%s: only %d reviews" % ("+".join(kinds), len(lat)))
    check(0 < gauge.most <= MAX_CONNECTIONS, "%s: %d connections open at once, the limit %d" % (
        "+".join(kinds), gauge.most, MAX_CONNECTIONS))
    check(lat[-1] < 1.0 * SLOW, "%s: slowest review %.3f s (median %.3f s, %d reviews)" % (
        "+".join(kinds), lat[-1], lat[len(lat) // 2], len(lat)))
    events = srv.events()[before:]
    msgs = " | ".join(e.get("msg", "") for e in events)
    for word in expect_events:
        check(word in msgs, "%s: no log line with %r: the attack never met its limit (%s)" % (
            "+".join(kinds), word, msgs[:600]))
    print("  %s: %d reviews, median %.1f ms, slowest %.1f ms, %d sent again, at most %d "
          "connections" % ("+".join(kinds), len(lat), 1000 * lat[len(lat) // 2], 1000 * lat[-1],
                           steady.retries, gauge.most), flush=True)


def test_heads_that_never_send_their_body():
    phase(["heads"], ["--max-connections-per-address", "request took over"])


def test_connections_that_say_nothing():
    phase(["idle"], ["closed", "idle connection(s) to make room"])


def test_slow_handshakes():
    phase(["handshake"], ["TLS handshake took over"])


def test_slowloris_heads():
    phase(["slowloris"], ["request took over"])


def test_all_at_once():
    # Every slot is taken: what gives way is whatever has lasted too long.
    phase(list(ATTACKS), ["--max-connections-per-address", "to make room"])


def test_still_serving_and_exits_zero():
    code, body, _ = srv.post("/validate", REVIEW.decode())
    check(code == 200, "after the attacks: %d" % code)
    wait_for(lambda: metric(srv.metrics(), "seccomp_guard_connections") <= 1, 15,
             "the attackers' connections to be gone")
    check(srv.stop() == 0, "exit status after SIGTERM")


if __name__ == "__main__":
    run(globals())
