"""server_http_edges: HTTP/1.1 edge cases through the real binary over real
TLS - raw bytes on Python ssl sockets, and curl where a real client says it
best. libmicrohttpd parses the requests; the access handler's first call
(the gate, server/handler.h) refuses what libmicrohttpd would let through
but a proxy in front could read differently. Every case states which of
three things the server does now:

- ours: answered by the gate or the endpoint, with the exact status and a
  key word of our plain-text message; after a refusal of a malformed head
  or body the connection is closed, because the server cannot know where
  the next request begins (request smuggling, RFC 9112 section 11.2).
- libmicrohttpd's: refused safely by libmicrohttpd before the gate sees the
  request, with its own status and short HTML page (or no answer), and the
  connection closed: nothing after it is read as a request.
- lenient: a leniency libmicrohttpd 0.9.75 keeps, named with the reason it
  cannot matter here. Each reads a malformed head or chunk line one way,
  and smuggling needs two parsers that read the same bytes two ways: a
  proxy between clients and the webhook. The webhook's one client is the
  Kubernetes API server, which connects directly and sends well-formed
  requests (Go's net/http), and docs/security.md's NetworkPolicy keeps
  anyone else from connecting. A strict proxy refuses these requests, so
  they never reach us through it; a proxy lenient the same way reads them
  as we do. The test pins down what libmicrohttpd does with each, so an
  upgrade that changes it is seen.

Covered: Expect 100-continue (curl and raw) and other expectations (417);
Content-Length with Transfer-Encoding, differing and malformed
Content-Lengths; Transfer-Encoding other than chunked (501); chunked bodies
with extensions, trailers, pipelining and malformed sizes; Host missing or
repeated; obs-fold, white space before the colon, bare LF and CR, NUL,
empty names; HTTP/1.0 with and without keep-alive, HTTP/2.0 and 3.0,
garbage request lines; heads over --connection-memory-bytes and with too
many fields (431); HEAD, query strings, the /metrics content type; a
request a byte at a time; more pipelined /metrics answers than the socket
buffers hold, read slowly; clients vanishing mid-head and mid-body beside a
normal one; request targets that are not origin-form."""
import socket
import ssl
import struct

from harness import *

CONN_MEMORY = 16384  # the default, spelled out: the head limit follows from it
env = Env()
srv = env.server(["--threads", "2", "--connection-memory-bytes", str(CONN_MEMORY)]).start()
T = 10 * SLOW  # how long a read waits for an answer that should come


def review_body(uid, pod=None):
    spec = pod if pod is not None else {"containers": [restricted_container()]}
    return json.dumps(review(spec, uid=uid)).encode()


def post(body, extra=b"", path=b"/validate", length=True, version=b"1.1"):
    """A POST head (Host, Content-Type, Content-Length unless told not to,
    then `extra` header lines) followed by `body`."""
    head = b"POST %s HTTP/%s\r\nHost: localhost\r\nContent-Type: application/json\r\n" % (
        path, version)
    if length:
        head += b"Content-Length: %d\r\n" % len(body)
    return head + extra + b"\r\n" + body


def chunked(body, sizes, ext=b"", last_ext=b"", trailers=b""):
    """`body` in chunks of `sizes` (the rest in one more), sizes in hex of
    alternating case, `ext` on every size line, then the last chunk and
    the trailer section."""
    out, pos, i = b"", 0, 0
    for n in list(sizes) + [len(body)]:
        piece = body[pos:pos + n]
        if not piece:
            break
        fmt = b"%x" if i % 2 == 0 else b"%X"
        out += (fmt % len(piece)) + ext + b"\r\n" + piece + b"\r\n"
        pos += len(piece)
        i += 1
    return out + b"0" + last_ext + b"\r\n" + trailers + b"\r\n"


def chunked_post(body_encoded, extra=b""):
    return (b"POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n" + extra + b"\r\n" + body_encoded)


class Response:
    def __init__(self, status, reason, headers, body):
        self.status, self.reason, self.headers, self.body = status, reason, headers, body

    def header(self, name):
        vals = [v for n, v in self.headers if n == name.lower()]
        return vals[0] if vals else None

    def uid(self):
        return json.loads(self.body)["response"]["uid"]

    def __repr__(self):
        return "%d %r" % (self.status, self.body[:200])


class Conn:
    """One TLS connection with raw bytes in and HTTP/1.1 responses out,
    read with recv() calls of at most `chunk` bytes."""

    def __init__(self, rcvbuf=None, nodelay=False, chunk=65536):
        raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf is not None:
            raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)  # before connect
        if nodelay:
            raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        raw.settimeout(T)
        raw.connect(("127.0.0.1", srv.port))
        self.tls = srv.context().wrap_socket(raw, server_hostname="localhost")
        self.tls.settimeout(T)
        self.buf = b""
        self.chunk = chunk
        self.reads = 0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        try:
            self.tls.close()
        except OSError:
            pass

    def send(self, data):
        self.tls.sendall(data)

    def _more(self, what):
        try:
            got = self.tls.recv(self.chunk)
        except TimeoutError:
            raise TestFailure("nothing within %.0f s waiting for %s (have %r)" % (
                T, what, self.buf[:200]))
        except (ssl.SSLError, OSError) as e:
            raise TestFailure("connection failed waiting for %s: %r (have %r)" % (
                what, e, self.buf[:200]))
        if not got:
            raise TestFailure("connection closed waiting for %s (have %r)" % (what, self.buf[:200]))
        self.reads += 1
        self.buf += got

    def _take_until(self, sep, what):
        while sep not in self.buf:
            self._more(what)
        i = self.buf.index(sep) + len(sep)
        out, self.buf = self.buf[:i], self.buf[i:]
        return out

    def _take(self, n, what):
        while len(self.buf) < n:
            self._more(what)
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def response(self, head=False):
        """The next response; `head` for the answer to a HEAD (no body)."""
        raw = self._take_until(b"\r\n\r\n", "a response head")
        lines = raw[:-4].split(b"\r\n")
        parts = lines[0].split(b" ", 2)
        check(len(parts) >= 2 and parts[0] == b"HTTP/1.1" and parts[1].isdigit(),
              "not a status line: %r" % lines[0])
        headers = []
        for line in lines[1:]:
            name, sep, value = line.partition(b":")
            check(sep == b":" and name == name.strip(), "bad response field %r" % line)
            headers.append((name.decode().lower(), value.strip().decode()))
        r = Response(int(parts[1]), parts[2].decode() if len(parts) > 2 else "", headers, b"")
        if head or r.status in (100, 204, 304):
            return r
        cl = r.header("content-length")
        check(cl is not None and cl.isdigit(), "response without Content-Length: %r" % headers)
        r.body = self._take(int(cl), "a %d-byte body" % int(cl))
        return r

    def interim_100(self):
        raw = self._take_until(b"\r\n\r\n", "a 100 Continue")
        check(raw.startswith(b"HTTP/1.1 100 "), "expected an interim 100 Continue, got %r" % raw)

    def closed(self, wait=2):
        """True once the server has closed (EOF, reset or a TLS alert);
        False if the connection is still open after `wait` seconds; bytes
        the server sent instead fail the check."""
        check(self.buf == b"", "bytes after the answer: %r" % self.buf[:200])
        self.tls.settimeout(wait * SLOW)
        try:
            got = self.tls.recv(4096)
        except TimeoutError:
            return False
        except (ssl.SSLError, OSError):
            return True
        finally:
            self.tls.settimeout(T)
        check(got == b"", "the server sent more after the answer: %r" % got[:200])
        return True


def exchange(data, head=False):
    """Sends `data` on a new connection, returns (first response, Conn)."""
    c = Conn()
    c.send(data)
    return c.response(head=head), c


def refused(data, status, words=(), what=""):
    """`data` is answered with `status` (a short plain-text message holding
    one of `words`, case-insensitive) and the connection is then closed.
    Every way it falls short is reported at once."""
    what = what or repr(data[:60])
    bad = []
    with Conn() as c:
        c.send(data)
        r = c.response()
        text = r.body.decode(errors="replace").lower()
        if r.status != status:
            bad.append("expected %d, got %r" % (status, r))
        elif not (r.body.endswith(b"\n") and len(r.body) < 400 and text[:1] not in "{<"):
            bad.append("not a short plain message: %r" % r.body)
        elif words and not any(w.lower() in text for w in words):
            bad.append("the message %r says none of %s" % (r.body, words))
        try:
            if not c.closed():
                bad.append("the connection is still open after the %d" % r.status)
        except TestFailure as e:
            bad.append(str(e))
    check(not bad, "%s: %s" % (what, "; ".join(bad)))


def refused_by_mhd(data, status, what=""):
    """libmicrohttpd refuses `data` before the gate sees it: `status` with
    its own short page (or, with status None, no answer at all), and then
    the connection is closed, no request after it answered. What it sends
    is read to the end as it comes: for a malformed Content-Length,
    libmicrohttpd 0.9.75 writes its answer's head twice before the page."""
    what = what or repr(data[:60])
    got, closed = b"", False
    with Conn() as c:
        c.send(data)
        c.tls.settimeout(2 * SLOW)
        try:
            while True:
                chunk = c.tls.recv(65536)
                if not chunk:
                    closed = True
                    break
                got += chunk
        except TimeoutError:
            pass
        except (ssl.SSLError, OSError):
            closed = True
    bad = []
    want = b"" if status is None else b"HTTP/1.1 %d " % status
    if not got.startswith(want) or (status is None and got):
        bad.append("expected %s, got %r" % (status or "no answer", got[:120]))
    if b"HTTP/1.1 2" in got or got.count(b"HTTP/1.1 ") != got.count(want or b"HTTP/1.1 "):
        bad.append("another answer came: %r" % got[:300])
    if not closed:
        bad.append("the connection is still open after the refusal")
    check(not bad, "%s: %s" % (what, "; ".join(bad)))


def lenient(data, status, why, body=None, then=None):
    """A leniency libmicrohttpd keeps (`why` says which, and the module's
    docstring why it cannot matter): `data` is answered with `status` (and
    `body`, when given) as the lenient reading; `then` (bytes) is what a
    second answer on the connection must start with, when there is one."""
    check(bool(why), "a leniency needs its reason")
    with Conn() as c:
        c.send(data)
        r = c.response()
        check(r.status == status and (body is None or r.body == body),
              "%s: expected %d%s, got %r" % (why, status, "" if body is None else " %r" % body, r))
        if then is not None:
            r2 = c.response()
            check(r2.body.startswith(then), "%s: second answer %r" % (why, r2))


def each(cases):
    """Runs every (name, thunk) and fails once with all that failed, so one
    run shows every case a server gets wrong."""
    bad = []
    for name, fn in cases:
        try:
            fn()
        except Exception as e:
            bad.append("  %s: %s" % (name, e))
    check(not bad, "%d of %d cases:\n%s" % (len(bad), len(cases), "\n".join(bad)))


# ---- 1, 2: Expect ---------------------------------------------------------


def test_expect_100_continue_curl_and_raw():
    body = json.dumps(realistic_pod(3000)).replace('"uid-1"', '"expect-curl"').encode()
    path = os.path.join(env.dir, "review-3k.json")
    with open(path, "wb") as f:
        f.write(body)
    check(len(body) > 2048, "the review is %d bytes" % len(body))
    # curl waits --expect100-timeout (default 1 s) for the 100; made 10 s so
    # a server that never sends one cannot be mistaken for a slow one.
    r = subprocess.run([CURL, "-sS", "-v", "--http1.1", "--cacert", srv.ca, "-o", "-",
                        "-w", "\n%{http_code} %{time_pretransfer} %{time_starttransfer}",
                        "--max-time", str(int(30 * SLOW)), "--expect100-timeout", "10",
                        "-H", "Content-Type: application/json", "-H", "Expect: 100-continue",
                        "--data-binary", "@" + path, srv.url("/validate")],
                       capture_output=True, timeout=60 * SLOW)
    check(r.returncode == 0, "curl failed: " + r.stderr.decode()[-500:])
    out, _, tail = r.stdout.rpartition(b"\n")
    code, pre, first = tail.split()
    err = r.stderr.decode(errors="replace")
    check(int(code) == 200, "curl got %s: %r" % (code, out[:200]))
    check(json.loads(out)["response"]["uid"] == "expect-curl", "uid in %r" % out[:200])
    check("< HTTP/1.1 100 Continue" in err, "curl saw no 100 Continue:\n" + err[-1500:])
    waited = float(first) - float(pre)
    check(waited < 0.5 * SLOW, "request sent to first response byte took %.2f s" % waited)

    # Raw: the head alone, the interim 100, then the body.
    body = review_body("expect-raw")
    with Conn() as c:
        c.send(b"POST /validate HTTP/1.1\r\nHost: localhost\r\n"
               b"Content-Type: application/json\r\nExpect: 100-continue\r\n"
               b"Content-Length: %d\r\n\r\n" % len(body))
        c.interim_100()
        c.send(body)
        resp = c.response()
        check(resp.status == 200 and resp.uid() == "expect-raw", "after 100: %r" % resp)
        # And the connection goes on: the next request without Expect.
        c.send(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        resp = c.response()
        check((resp.status, resp.body) == (200, b"ok\n"), "next request: %r" % resp)


def test_expect_other_than_100_continue_is_417():
    body = review_body("expect-417")
    each([
        ("Expect: something-else", lambda: refused(
            post(body, b"Expect: something-else\r\n"), 417, ("expect",))),
        ("Expect: 200-ok", lambda: refused(
            post(body, b"Expect: 200-ok\r\n"), 417, ("expect",))),
    ])


# ---- 3, 4: message length ---------------------------------------------------


def test_content_length_and_transfer_encoding_together_is_400():
    smuggled = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
    each([
        # The classic: a proxy that takes the Content-Length sees the GET as
        # part of the body; one that takes chunked sees it as a second
        # request. Neither reading may be chosen, the GET never answered.
        ("CL then TE", lambda: refused(
            post(b"0\r\n\r\n" + smuggled, b"Transfer-Encoding: chunked\r\n"), 400,
            ("content-length", "transfer-encoding"))),
        ("TE then CL", lambda: refused(
            chunked_post(b"0\r\n\r\n" + smuggled,
                         b"Content-Length: %d\r\n" % (5 + len(smuggled))), 400,
            ("content-length", "transfer-encoding"))),
    ])


def test_content_length_repeated_and_malformed():
    body = review_body("twice")

    def identical():
        resp, c = exchange(post(body, b"Content-Length: %d\r\n" % len(body)))
        with c:
            check(resp.status == 200 and resp.uid() == "twice", "identical twice: %r" % resp)
            c.send(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            r2 = c.response()
            check(r2.status == 200, "after identical Content-Lengths: %r" % r2)

    def identical_not_a_review():
        # Read whole, then the engine's answer, as for any body not a review.
        resp, c = exchange(post(b"[]", b"Content-Length: 2\r\n"))
        c.close()
        check(resp.status == 400 and b"not an AdmissionReview" in resp.body,
              "identical twice, body []: %r" % resp)

    cl = b"POST /validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    each([
        ("two different", lambda: refused(
            cl + b"Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}\n", 400,
            ("content-length",))),
        ("two different, body fits the second", lambda: refused(
            cl + b"Content-Length: 3\r\nContent-Length: 2\r\n\r\n{}\n", 400,
            ("content-length",))),
        ("two identical", identical),
        ("two identical, not a review", identical_not_a_review),
        # libmicrohttpd's: it reads the first Content-Length itself.
        ("sign", lambda: refused_by_mhd(cl + b"Content-Length: +2\r\n\r\n{}", 400)),
        ("negative", lambda: refused_by_mhd(cl + b"Content-Length: -2\r\n\r\n{}", 400)),
        ("hex", lambda: refused_by_mhd(cl + b"Content-Length: 0x2\r\n\r\n{}", 400)),
        ("two numbers", lambda: refused_by_mhd(cl + b"Content-Length: 2 2\r\n\r\n{}", 400)),
        ("overflow", lambda: refused_by_mhd(
            cl + b"Content-Length: 184467440737095516170\r\n\r\n{}", 413)),
        ("repeated Content-Type", lambda: refused(
            post(body, b"Content-Type: application/json\r\n"), 400, ("content-type",))),
    ])


# ---- 5, 6: Transfer-Encoding and chunked bodies ------------------------------


def test_transfer_encoding_chunked_and_others():
    body = review_body("chunked-1")
    enc = chunked(body, [1, 100, 37], ext=b";name=value;x=\"q s\"", last_ext=b";end",
                  trailers=b"X-Trailer: yes\r\nX-Other: 1\r\n")

    def chunked_ok():
        resp, c = exchange(chunked_post(enc))
        with c:
            check(resp.status == 200 and resp.uid() == "chunked-1", "chunked: %r" % resp)
            c.send(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            check(c.response().status == 200, "keep-alive after a chunked request")

    def pipelined():
        b2 = review_body("chunked-2")
        b3 = review_body("after-chunked")
        with Conn() as c:
            c.send(chunked_post(enc) + b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n" +
                   chunked_post(chunked(b2, [500])) + post(b3))
            got = [c.response() for _ in range(4)]
        check([r.status for r in got] == [200] * 4, "statuses %s" % got)
        check(got[1].body == b"ok\n", "second answer %r" % got[1])
        uids = [got[0].uid(), got[2].uid(), got[3].uid()]
        check(uids == ["chunked-1", "chunked-2", "after-chunked"], "uids %s" % uids)

    each([
        ("chunked with extensions and trailers", chunked_ok),
        ("chunked pipelined with others", pipelined),
        ("gzip", lambda: refused(post(b"{}", b"Transfer-Encoding: gzip\r\n", length=False), 501,
                                 ("transfer-encoding", "chunked"))),
        ("gzip, chunked", lambda: refused(chunked_post(b"0\r\n\r\n").replace(
            b"Transfer-Encoding: chunked", b"Transfer-Encoding: gzip, chunked"), 501,
            ("transfer-encoding", "chunked"))),
        ("chunked in HTTP/1.0", lambda: refused(chunked_post(enc).replace(
            b"HTTP/1.1", b"HTTP/1.0"), 400, ("transfer-encoding", "1.0"))),
    ])


def test_malformed_chunked_body_is_400():
    def bad(encoded):
        # The pipelined GET must not be answered: the body's end is unknown.
        return chunked_post(encoded) + b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"

    # libmicrohttpd decodes chunks: its refusals, and one leniency.
    each([
        ("non-hex size", lambda: refused_by_mhd(bad(b"zz\r\n{}\r\n0\r\n\r\n"), 400)),
        ("size with sign", lambda: refused_by_mhd(bad(b"+2\r\n{}\r\n0\r\n\r\n"), 400)),
        ("empty size", lambda: refused_by_mhd(bad(b"\r\n{}\r\n0\r\n\r\n"), 400)),
        ("size overflows", lambda: refused_by_mhd(
            bad(b"1ffffffffffffffff\r\n{}\r\n0\r\n\r\n"), 413)),
        ("data longer than its size", lambda: refused_by_mhd(
            bad(b"2\r\n{}x\r\n0\r\n\r\n"), 400)),
        # The body {} is read whole and judged (not an AdmissionReview), and
        # the pipelined GET behind it is answered.
        ("size line bare LF", lambda: lenient(
            bad(b"2\n{}\r\n0\r\n\r\n"), 400, "a chunk-size line ended by a bare LF is read",
            then=b"ok")),
    ])


# ---- 7, 8: fields ------------------------------------------------------------


def test_host_missing_or_repeated_is_400():
    each([
        ("missing", lambda: refused(b"GET /healthz HTTP/1.1\r\n\r\n", 400, ("host",))),
        ("twice", lambda: refused(b"GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400,
                                  ("host",))),
        ("twice, same", lambda: refused(b"GET /healthz HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n",
                                        400, ("host",))),
    ])


def test_malformed_fields_are_400():
    g = b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
    p = b"POST /validate HTTP/1.1\r\nHost: x\r\n"
    each([
        # Lenient: a folded line is joined to the field before it (in 0.9.75,
        # to its name), a field nobody reads.
        ("obs-fold, space", lambda: lenient(g + b"X-A: a\r\n b\r\n\r\n", 200,
                                            "obs-fold is joined", b"ok\n")),
        ("obs-fold, tab", lambda: lenient(g + b"X-A: a\r\n\tb\r\n\r\n", 200,
                                          "obs-fold is joined", b"ok\n")),
        ("first field folded", lambda: refused(
            b"GET /healthz HTTP/1.1\r\n Host: x\r\n\r\n", 400)),
        ("space before colon", lambda: refused(
            post(b"{}", length=False).replace(b"\r\n\r\n", b"\r\nContent-Length : 2\r\n\r\n"),
            400)),
        ("tab before colon", lambda: refused(g + b"X-A\t: a\r\n\r\n", 400)),
        # Lenient: a bare LF ends a line.
        ("bare LF throughout", lambda: lenient(b"GET /healthz HTTP/1.1\nHost: x\n\n", 200,
                                               "bare LF ends a line", b"ok\n")),
        ("bare LF in one field", lambda: lenient(g + b"X-A: a\n\r\n", 200,
                                                 "bare LF ends a line", b"ok\n")),
        ("bare CR in a value", lambda: refused(g + b"X-A: a\rb\r\n\r\n", 400)),
        # Lenient: a value ends at a NUL (libmicrohttpd keeps values as C
        # strings), so the gate never sees the NUL.
        ("NUL in a value", lambda: lenient(g + b"X-A: a\x00b\r\n\r\n", 200,
                                           "a value is cut at a NUL", b"ok\n")),
        ("no colon", lambda: refused_by_mhd(g + b"X-A\r\n\r\n", 400)),
        # Lenient: after a field with an empty name, libmicrohttpd 0.9.75
        # keeps no more fields: here the Content-Type is lost (415) and
        # the Content-Length too, so the body is not read, and the answer
        # closes the connection. First in the head, the gate sees it (400).
        ("empty name", lambda: lenient(
            p + b": a\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}", 415,
            "fields after an empty name are dropped")),
        ("empty name first", lambda: refused(
            b"GET /healthz HTTP/1.1\r\n: a\r\nHost: x\r\n\r\n", 400, ("field name",))),
        ("space in name", lambda: refused(g + b"X A: a\r\n\r\n", 400)),
    ])


# ---- 9, 15: request line -------------------------------------------------------


def test_http_versions_and_request_lines():
    def http10_close():
        resp, c = exchange(b"GET /healthz HTTP/1.0\r\n\r\n")
        with c:
            check((resp.status, resp.body) == (200, b"ok\n"), "HTTP/1.0: %r" % resp)
            check(c.closed(), "HTTP/1.0 without keep-alive: the connection stayed open")

    def http10_keep_alive():
        req = b"GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
        resp, c = exchange(req)
        with c:
            check(resp.status == 200, "HTTP/1.0 keep-alive: %r" % resp)
            # A 1.0 client closes unless told the connection stays open.
            check((resp.header("connection") or "").lower() == "keep-alive",
                  "HTTP/1.0 keep-alive: the answer lacks Connection: keep-alive: %r" %
                  resp.headers)
            c.send(req)
            check(c.response().status == 200, "second HTTP/1.0 request on the connection")

    def http11_close():
        resp, c = exchange(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        with c:
            check(resp.status == 200, "Connection: close: %r" % resp)
            check(c.closed(), "HTTP/1.1 Connection: close: the connection stayed open")

    def leading_empty_lines():
        resp, c = exchange(b"\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        c.close()
        check(resp.status == 200, "empty lines before the request line: %r" % resp)

    each([
        ("HTTP/1.0 closes", http10_close),
        ("HTTP/1.0 keep-alive", http10_keep_alive),
        ("HTTP/1.1 Connection: close", http11_close),
        ("empty lines first", leading_empty_lines),
        # libmicrohttpd's: the request line is its to read.
        ("HTTP/2.0", lambda: refused_by_mhd(b"GET /healthz HTTP/2.0\r\nHost: x\r\n\r\n", 505)),
        ("HTTP/3.0", lambda: refused_by_mhd(b"GET /healthz HTTP/3.0\r\nHost: x\r\n\r\n", 505)),
        ("one word", lambda: refused_by_mhd(b"HELLO\r\n\r\n", None)),
        ("no version", lambda: refused_by_mhd(b"GET /healthz\r\nHost: x\r\n\r\n", 400)),
        ("extra word", lambda: refused_by_mhd(b"GET /healthz HTTP/1.1 x\r\nHost: x\r\n\r\n", 400)),
        ("not HTTP", lambda: refused_by_mhd(b"GET /healthz HTTX/1.1\r\nHost: x\r\n\r\n", 400)),
        ("binary", lambda: refused_by_mhd(b"\x16\x03\x01\x00\xff garbage\r\n\r\n", 400)),
    ])


def test_request_target_not_origin_form_is_400():
    body = review_body("target")
    each([
        ("absolute-form", lambda: refused(post(body, path=b"http://x/validate"), 400)),
        ("asterisk", lambda: refused(b"OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n", 400)),
        ("no slash", lambda: refused(b"GET healthz HTTP/1.1\r\nHost: x\r\n\r\n", 400)),
        ("authority-form", lambda: refused(
            b"CONNECT localhost:443 HTTP/1.1\r\nHost: localhost:443\r\n\r\n", 400)),
    ])


# ---- 10: head limits -------------------------------------------------------------


def test_head_over_the_limits_is_431():
    get = b"GET /healthz HTTP/1.1\r\nHost: x\r\n"

    def fits(data, what):
        resp, c = exchange(data)
        c.close()
        check(resp.status == 200, "%s: %r" % (what, resp))

    each([
        # libmicrohttpd's: a head over its per-connection memory.
        ("one 20 KB field", lambda: refused_by_mhd(
            get + b"X-Big: " + b"a" * 20000 + b"\r\n\r\n", 431)),
        ("150 small fields", lambda: refused(
            get + b"".join(b"X-F%d: v\r\n" % i for i in range(150)) + b"\r\n", 431,
            ("too many",))),
        ("one 8 KB field fits", lambda: fits(get + b"X-Big: " + b"a" * 8000 + b"\r\n\r\n",
                                             "an 8 KB field")),
        ("90 fields fit", lambda: fits(
            get + b"".join(b"X-F%d: v\r\n" % i for i in range(89)) + b"\r\n", "90 fields")),
    ])


# ---- 11: HEAD, query, content types ------------------------------------------------


def test_head_query_and_metrics_type():
    with Conn() as c:
        # A HEAD answer with a body would shift every later answer: the GET
        # behind it must come out as a clean response.
        c.send(b"HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
               b"GET /healthz?x=1&y=%2F HTTP/1.1\r\nHost: x\r\n\r\n"
               b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        head = c.response(head=True)
        check(head.status == 200 and head.header("content-length") == "3",
              "HEAD /healthz: %d %r" % (head.status, head.headers))
        q = c.response()
        check((q.status, q.body) == (200, b"ok\n"), "GET /healthz?x=1: %r" % q)
        m = c.response()
        check(m.status == 200, "/metrics: %r" % m)
        ctype = m.header("content-type") or ""
        check(ctype.startswith("text/plain; version=0.0.4"), "/metrics Content-Type %r" % ctype)
        parse_metrics(m.body.decode())


# ---- 12, 13: reads and writes in pieces ------------------------------------------------


def test_request_a_byte_at_a_time():
    body = review_body("bytewise")
    enc = chunked(review_body("bytewise-chunked"), [200, 3], ext=b";e=1", trailers=b"T: 1\r\n")
    with Conn(nodelay=True) as c:
        for req, uid in ((post(body), "bytewise"), (chunked_post(enc), "bytewise-chunked")):
            for i in range(len(req)):
                c.send(req[i:i + 1])  # one TLS record, one segment each
                time.sleep(0.002)
            resp = c.response()
            check(resp.status == 200 and resp.uid() == uid, "%s: %r" % (uid, resp))


def test_pipelined_metrics_beyond_the_socket_buffers_read_slowly():
    # 50 answers of ~5 KB were asked for, but on loopback the kernel lets
    # the server queue megabytes (its send buffer autotunes up to tcp_wmem's
    # maximum) before a write would block: enough answers are pipelined to
    # pass that, into a client with a 4 KB receive buffer that does not read
    # for a moment and then reads 1 KB at a time. The server must wait for
    # the socket, not drop the answers or the connection.
    one = srv.curl(srv.url("/metrics"))[1]
    try:
        with open("/proc/sys/net/ipv4/tcp_wmem") as f:
            wmem_max = int(f.read().split()[2])
    except (OSError, ValueError, IndexError):
        wmem_max = 4 << 20
    n = max(50, (wmem_max + (1 << 20)) // len(one) + 1)
    with Conn(rcvbuf=4096, chunk=1024) as c:
        c.send(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n" * n)
        time.sleep(0.5)  # not reading: the server's writes must wait, not fail
        total = 0
        for i in range(n):
            try:
                r = c.response()
            except TestFailure as e:
                raise TestFailure("answer %d of %d (%d bytes read): %s" % (
                    i + 1, n, total, e)) from None
            check(r.status == 200 and r.body.startswith(b"# ") and r.body.endswith(b"\n"),
                  "answer %d of %d: %r" % (i + 1, n, r))
            if i in (0, n // 2, n - 1):
                parse_metrics(r.body.decode())  # whole: every line a sample
            total += len(r.body)
            if i % 64 == 0:
                time.sleep(0.005)
        check(total > wmem_max, "only %d bytes of answers in all" % total)
        c.send(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        check(c.response().status == 200, "the connection after %d pipelined answers" % n)


# ---- 14: clients that vanish --------------------------------------------------------------


def vanish(kind, count, errors):
    body = review_body("vanished")
    req = post(body)
    cut = {"head": req.index(b"Content-Length"), "body": len(req) - len(body) // 2}[kind]
    for i in range(count):
        try:
            c = Conn()
            c.send(req[:cut])
            if i % 2:
                # abortive close: RST instead of FIN
                c.tls.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            time.sleep(0.005)
            c.close()
        except Exception as e:  # the connecting itself must keep working
            errors.append("%s client %d: %r" % (kind, i, e))


def test_clients_closing_mid_request_do_not_disturb_others():
    base = metric(srv.metrics(), "seccomp_guard_connections")
    errors = []
    threads = [threading.Thread(target=vanish, args=(k, 40, errors), daemon=True)
               for k in ("head", "body")]
    for t in threads:
        t.start()
    conn = srv.connect()
    codes = []
    body = review_body("steady")
    while any(t.is_alive() for t in threads) or len(codes) < 20:
        conn.request("POST", "/validate", body=body, headers={"Content-Type": "application/json"})
        r = conn.getresponse()
        codes.append((r.status, json.loads(r.read())["response"]["uid"]))
    conn.close()
    for t in threads:
        t.join(30 * SLOW)
    check(not errors, "vanishing clients: %s" % errors[:3])
    check(all(c == (200, "steady") for c in codes), "the steady client got %s" %
          [c for c in codes if c != (200, "steady")][:5])
    code, _, _ = srv.curl(srv.url("/healthz"))
    check(code == 200, "healthz after the vanishing clients: %d" % code)
    # Every client of this file has closed by now; the scrape is the one left.
    wait_for(lambda: metric(srv.metrics(), "seccomp_guard_connections") <= 1, 5,
             "the closed clients' connections to be closed (%s open before the vanishing "
             "clients came)" % base)


# ---- and through all of it ------------------------------------------------------------------


def test_still_serving_and_exits_zero():
    code, body, _ = srv.post("/validate", review_body("last").decode())
    check(code == 200 and json.loads(body)["response"]["uid"] == "last", "last review: %d" % code)
    check(srv.stop() == 0, "exit status after SIGTERM")


if __name__ == "__main__":
    run(globals())
