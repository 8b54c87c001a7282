"""server_slow_clients: hundreds of connections that send a byte a second
(during the TLS handshake, in the headers, in the body) do not stop a
normal client from getting its answers quickly, and the request timeout
closes every one of them. Scaled down: a 3 s request timeout, 240 slow
connections, about 10 s in all."""
import asyncio
import ssl
import threading

from harness import *

REQUEST_TIMEOUT = 3
N_EACH = 80  # slow connections of each of the three kinds

env = Env()
# All from 127.0.0.1: the per-address limit is raised so that every slow
# client gets in (test_hostile.py tests that limit).
srv = env.server(["--request-timeout", str(REQUEST_TIMEOUT), "--idle-timeout", "60",
                  "--max-connections", "1000", "--max-connections-per-address", "1000",
                  "--threads", "2"]).start()
GOOD = json.dumps(realistic_pod()).encode()
HEAD = (b"POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n" % len(GOOD))


async def slow_tls(kind, results, ctx, started):
    """Handshakes, then trickles the headers (or the headers at once and
    then the body) a byte a second; records when the server closed it."""
    t0 = time.monotonic()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", srv.port, ssl=ctx,
                                                       server_hostname="localhost")
        started.append(1)
        if kind == "body":
            writer.write(HEAD)
        data = HEAD if kind == "headers" else GOOD
        for i in range(len(data)):
            writer.write(data[i:i + 1])
            await writer.drain()
            try:
                got = await asyncio.wait_for(reader.read(1), 1.0)
                if got == b"":
                    break  # closed by the server
            except asyncio.TimeoutError:
                pass
    except (OSError, ssl.SSLError, ConnectionError):
        pass
    results.append((kind, time.monotonic() - t0))


async def slow_handshake(results, hello, started):
    """A TLS ClientHello sent a byte a second over plain TCP."""
    t0 = time.monotonic()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", srv.port)
        started.append(1)
        for i in range(len(hello)):
            writer.write(hello[i:i + 1])
            await writer.drain()
            try:
                if await asyncio.wait_for(reader.read(1), 1.0) == b"":
                    break
            except asyncio.TimeoutError:
                pass
    except (OSError, ConnectionError):
        pass
    results.append(("handshake", time.monotonic() - t0))


def client_hello():
    ctx = ssl.create_default_context(cafile=env.ca)
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(incoming, outgoing, server_hostname="localhost")
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return outgoing.read()


def test_slow_clients_do_not_hold_the_server():
    results, started = [], []
    ctx = ssl.create_default_context(cafile=env.ca)
    hello = client_hello()
    check(len(hello) > 100, "no ClientHello")

    async def main():
        tasks = [slow_tls("headers", results, ctx, started) for _ in range(N_EACH)]
        tasks += [slow_tls("body", results, ctx, started) for _ in range(N_EACH)]
        tasks += [slow_handshake(results, hello, started) for _ in range(N_EACH)]
        await asyncio.gather(*tasks)

    before = metric(srv.metrics(), "seccomp_guard_request_timeouts_total")
    slow = threading.Thread(target=lambda: asyncio.run(main()))
    slow.start()
    wait_for(lambda: len(started) >= 3 * N_EACH * 0.9, 20, "slow clients to connect")
    # A normal client, new connection each time, while they trickle.
    latencies = []
    t_end = time.monotonic() + REQUEST_TIMEOUT + 2
    while time.monotonic() < t_end:
        t0 = time.monotonic()
        conn = srv.connect(timeout=5)
        conn.request("POST", "/validate", body=GOOD,
                     headers={"Content-Type": "application/json"})
        r = conn.getresponse()
        r.read()
        conn.close()
        check(r.status == 200, "normal client got %d" % r.status)
        latencies.append(time.monotonic() - t0)
        time.sleep(0.1)
    slow.join(30 * SLOW)
    check(not slow.is_alive(), "slow clients were not all closed by the server")
    worst = max(latencies)
    check(len(latencies) >= 10 and worst < 1.0 * SLOW,
          "normal client: %d requests, worst %.3fs" % (len(latencies), worst))
    held = sorted(t for _, t in results)
    check(len(held) == 3 * N_EACH, "results %d" % len(held))
    # Each was cut at the request timeout (+ the 100 ms control tick and
    # the client's own 1 s read wait), not left to trickle for minutes.
    check(held[-1] < REQUEST_TIMEOUT + 3 * SLOW, "a slow client was held %.1fs" % held[-1])
    check(held[len(held) // 2] >= REQUEST_TIMEOUT - 0.5,
          "slow clients were cut before the request timeout: median %.1fs" % held[len(held) // 2])
    after = metric(srv.metrics(), "seccomp_guard_request_timeouts_total")
    check(after - before >= 3 * N_EACH * 0.9, "timeouts counted: %s" % (after - before))
    check(srv.events("request-timeout"), "no request-timeout event")


def test_idle_keepalive_connection_is_not_cut_by_the_request_timeout():
    conn = srv.connect()
    conn.request("GET", "/healthz")
    conn.getresponse().read()
    sock = conn.sock
    time.sleep(REQUEST_TIMEOUT + 1.5)
    conn.request("POST", "/validate", body=GOOD, headers={"Content-Type": "application/json"})
    r = conn.getresponse()
    r.read()
    check(r.status == 200 and conn.sock is sock, "an idle kept-alive connection was closed")
    conn.close()
    check(srv.stop() == 0, "exit status")


if __name__ == "__main__":
    run(globals())
