/* test_http_parse.c - the HTTP/1.1 request parser (server/http.h) on its
 * own: real request heads from the Kubernetes API server and curl, every
 * refusal with its status and message, prefixes and the max_head bound,
 * and the chunked decoder under every split of its input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "http.h"

#define MAX_HEAD 16384

/* What kube-apiserver (Go's net/http client) sends a validating webhook. */
static const char kube_head[] = "POST /validate?timeout=10s HTTP/1.1\r\n"
                                "Host: seccomp-guard.seccomp-guard.svc:443\r\n"
                                "User-Agent: kube-apiserver-admission\r\n"
                                "Content-Length: 1234\r\n"
                                "Accept: application/json, */*\r\n"
                                "Content-Type: application/json\r\n"
                                "Accept-Encoding: gzip\r\n"
                                "\r\n";

/* curl -d @review.json -H 'Content-Type: application/json' on a body over
 * 1 KiB: curl asks before sending it. */
static const char curl_head[] = "POST /mutate HTTP/1.1\r\n"
                                "Host: localhost:8443\r\n"
                                "User-Agent: curl/7.88.1\r\n"
                                "Accept: */*\r\n"
                                "Content-Type: application/json\r\n"
                                "Content-Length: 2048\r\n"
                                "Expect: 100-continue\r\n"
                                "\r\n";

static const char chunked_head[] = "POST /validate HTTP/1.1\r\n"
                                   "Host: x\r\n"
                                   "Transfer-Encoding: chunked\r\n"
                                   "\r\n";

static int parse(const char *text, struct sg_http_head *h, const char **why)
{
    return sg_http_parse_head(text, strlen(text), MAX_HEAD, h, why);
}

static void assert_slice(struct sg_http_slice s, const char *want)
{
    if (s.n != strlen(want) || memcmp(s.p, want, s.n) != 0)
        fail_msg("slice is '%.*s', want '%s'", (int)s.n, s.p, want);
}

/* A parse that must succeed. */
static void parse_ok(const char *text, struct sg_http_head *h)
{
    const char *why = NULL;
    int rc = parse(text, h, &why);

    if (rc != SG_HTTP_DONE)
        fail_msg("refused with %d (%s): %s", rc, why ? why : "-", text);
    assert_null(why);
}

static void test_kube_apiserver_request(void **state)
{
    struct sg_http_head h;

    (void)state;
    parse_ok(kube_head, &h);
    assert_slice(h.method, "POST");
    assert_slice(h.path, "/validate");
    assert_int_equal(h.minor, 1);
    assert_true(h.has_length);
    assert_int_equal(h.content_length, 1234);
    assert_false(h.chunked);
    assert_true(h.has_content_type);
    assert_slice(h.content_type, "application/json");
    assert_true(h.keep_alive);
    assert_false(h.expect_continue);
    assert_int_equal(h.head_bytes, strlen(kube_head));
    /* Slices point into the caller's buffer. */
    assert_ptr_equal(h.method.p, kube_head);
    assert_ptr_equal(h.path.p, kube_head + 5);
}

static void test_curl_expect_continue(void **state)
{
    struct sg_http_head h;

    (void)state;
    parse_ok(curl_head, &h);
    assert_slice(h.method, "POST");
    assert_slice(h.path, "/mutate");
    assert_true(h.expect_continue);
    assert_int_equal(h.content_length, 2048);
    assert_true(h.keep_alive);
    assert_int_equal(h.head_bytes, strlen(curl_head));
}

static void test_head_and_get(void **state)
{
    struct sg_http_head h;

    (void)state;
    parse_ok("HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\n", &h);
    assert_slice(h.method, "HEAD");
    assert_slice(h.path, "/healthz");
    assert_false(h.has_length);
    assert_false(h.chunked);
    assert_false(h.has_content_type);
    parse_ok("GET /metrics?name[]=a%20b&x HTTP/1.1\r\nHost:\r\nAccept: text/plain\r\n\r\n", &h);
    assert_slice(h.method, "GET");
    assert_slice(h.path, "/metrics");
    parse_ok("GET / HTTP/1.1\r\nHost: x\r\n\r\n", &h);
    assert_slice(h.path, "/");
    parse_ok("GET /?a?b HTTP/1.1\r\nHost: x\r\n\r\n", &h); /* the first '?' ends the path */
    assert_slice(h.path, "/");
    /* Methods are tokens, case-sensitive and not checked against a list. */
    parse_ok("get /x HTTP/1.1\r\nHost: x\r\n\r\n", &h);
    assert_slice(h.method, "get");
}

static void test_pipelined_bytes_stay_after_the_head(void **state)
{
    static const char two[] = "POST /validate HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n"
                              "hello"
                              "GET /healthz HTTP/1.1\r\nHost: b\r\nConnection: close\r\n\r\n";
    struct sg_http_head h;
    const char *why = NULL;
    size_t first;

    (void)state;
    assert_int_equal(sg_http_parse_head(two, sizeof(two) - 1, MAX_HEAD, &h, &why), SG_HTTP_DONE);
    first = strlen("POST /validate HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n");
    assert_int_equal(h.head_bytes, first);
    assert_int_equal(h.content_length, 5);
    assert_memory_equal(two + h.head_bytes, "hello", 5);
    assert_int_equal(
        sg_http_parse_head(two + first + 5, sizeof(two) - 1 - first - 5, MAX_HEAD, &h, &why),
        SG_HTTP_DONE);
    assert_slice(h.method, "GET");
    assert_false(h.keep_alive);
    assert_int_equal(h.head_bytes, sizeof(two) - 1 - first - 5);
}

static void test_empty_lines_before_the_request_line(void **state)
{
    static const char text[] = "\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n";
    struct sg_http_head h;
    const char *why = NULL;

    (void)state;
    parse_ok(text, &h);
    assert_int_equal(h.head_bytes, sizeof(text) - 1);
    assert_ptr_equal(h.method.p, text + 4);
    /* They count against max_head like any byte. */
    assert_int_equal(sg_http_parse_head(text, sizeof(text) - 1, sizeof(text) - 2, &h, &why), 431);
    assert_string_equal(why, "request head too large");
    /* Only CRLF: nothing decided yet. */
    assert_int_equal(sg_http_parse_head("\r\n\r\n\r\n", 6, MAX_HEAD, &h, &why), SG_HTTP_PARTIAL);
    assert_null(why);
}

static void test_http10_and_connection(void **state)
{
    static const struct {
        const char *text;
        bool keep_alive;
    } cases[] = {
        {"GET / HTTP/1.0\r\n\r\n", false},
        {"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true},
        {"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", true},
        {"GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n", false},
        {"GET / HTTP/1.0\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n", false},
        {"GET / HTTP/1.0\r\nHost: x\r\nConnection: upgrade\r\n\r\n", false},
        {"GET / HTTP/1.1\r\nHost: x\r\n\r\n", true},
        {"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", false},
        {"GET / HTTP/1.1\r\nHost: x\r\nconnection: TE, CLOSE\r\n\r\n", false},
        {"GET / HTTP/1.1\r\nHost: x\r\nConnection: ,, close ,\r\n\r\n", false},
        {"GET / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n", true},
        {"GET / HTTP/1.1\r\nHost: x\r\nConnection: closed, xclose\r\n\r\n", true},
        {"GET / HTTP/1.1\r\nHost: x\r\nConnection:\r\n\r\n", true},
        {"GET / HTTP/1.1\r\nHost: x\r\nConnection: foo\r\nConnection: close\r\n\r\n", false},
    };
    struct sg_http_head h;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        parse_ok(cases[i].text, &h);
        if (h.keep_alive != cases[i].keep_alive)
            fail_msg("keep_alive %d, want %d: %s", h.keep_alive, cases[i].keep_alive,
                     cases[i].text);
    }
    /* HTTP/1.0: no Host needed, minor 0, and 100-continue ignored (RFC
     * 9110 section 10.1.1). */
    parse_ok("POST /v HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n", &h);
    assert_int_equal(h.minor, 0);
    assert_false(h.expect_continue);
    assert_int_equal(h.content_length, 3);
}

static void test_field_names_ignore_case_and_values_are_trimmed(void **state)
{
    struct sg_http_head h;

    (void)state;
    parse_ok("POST / HTTP/1.1\r\nhOsT: x\r\nCONTENT-length: 7\r\n"
             "content-TYPE: \t application/json; charset=utf-8 \t \r\nEXPECT: 100-Continue\r\n\r\n",
             &h);
    assert_int_equal(h.content_length, 7);
    assert_slice(h.content_type, "application/json; charset=utf-8");
    assert_true(h.expect_continue);
    parse_ok("POST / HTTP/1.1\r\nHost: x\r\nTRANSFER-ENCODING:  Chunked \r\n\r\n", &h);
    assert_true(h.chunked);
    assert_false(h.has_length);
    /* An empty Content-Type is a Content-Type. */
    parse_ok("POST / HTTP/1.1\r\nHost: x\r\nContent-Type:   \r\n\r\n", &h);
    assert_true(h.has_content_type);
    assert_int_equal(h.content_type.n, 0);
    /* obs-text (bytes 0x80-0xFF) and inner whitespace are allowed in values. */
    parse_ok("GET / HTTP/1.1\r\nHost: x\r\nX-Name: caf\xc3\xa9 \t au lait\xff\r\n\r\n", &h);
    /* Every tchar in a field name. */
    parse_ok("GET / HTTP/1.1\r\nHost: x\r\n!#$%&'*+-.^_`|~09azAZ: v\r\n\r\n", &h);
}

static void test_content_length_forms(void **state)
{
    static const struct {
        const char *value;
        size_t length;
    } cases[] = {
        {"0", 0},     {"00012", 12}, {"5, 5", 5},
        {"5,5,5", 5}, {" 42 ", 42},  {"18446744073709551615", SIZE_MAX},
    };
    char text[256];
    struct sg_http_head h;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(text, sizeof(text), "POST / HTTP/1.1\r\nHost: x\r\nContent-Length:%s\r\n\r\n",
                 cases[i].value);
        parse_ok(text, &h);
        assert_true(h.has_length);
        if (h.content_length != cases[i].length)
            fail_msg("Content-Length '%s' read as %zu", cases[i].value, h.content_length);
    }
    /* The same length twice is one length. */
    parse_ok("POST / HTTP/1.1\r\nContent-Length: 9\r\nHost: x\r\nContent-Length: 009\r\n\r\n", &h);
    assert_int_equal(h.content_length, 9);
}

/* Input in, status and message out. */
/* A literal and its length, NULs inside included. */
#define BYTES(s) s, sizeof(s) - 1

static const struct refusal {
    const char *text;
    size_t len;
    int status;
    const char *why;
} refusals[] = {
    /* request line */
    {BYTES("GET / HTTP/1.1 \r\nHost: x\r\n\r\n"), 400, "bad HTTP version in request line"},
    {BYTES("GET  / HTTP/1.1\r\nHost: x\r\n\r\n"), 400, "request target is not an absolute path"},
    {BYTES("GET /  HTTP/1.1\r\nHost: x\r\n\r\n"), 400, "bad HTTP version in request line"},
    {BYTES(" GET / HTTP/1.1\r\nHost: x\r\n\r\n"), 400, "bad method in request line"},
    {BYTES("G(T / HTTP/1.1\r\nHost: x\r\n\r\n"), 400, "bad method in request line"},
    {BYTES("GET\r\nHost: x\r\n\r\n"), 400, "bad request line"},
    {BYTES("GET \r\nHost: x\r\n\r\n"), 400, "bad request line"},
    {BYTES("GET /\r\nHost: x\r\n\r\n"), 400, "bad request line"},
    {BYTES("GET / \r\nHost: x\r\n\r\n"), 400, "bad HTTP version in request line"},
    {BYTES("GET * HTTP/1.1\r\nHost: x\r\n\r\n"), 400, "request target is not an absolute path"},
    {BYTES("GET http://x/ HTTP/1.1\r\nHost: x\r\n\r\n"), 400,
     "request target is not an absolute path"},
    {BYTES("CONNECT x:443 HTTP/1.1\r\nHost: x\r\n\r\n"), 400,
     "request target is not an absolute path"},
    {BYTES("GET /a\tb HTTP/1.1\r\nHost: x\r\n\r\n"), 400, "bad byte in request target"},
    {BYTES("GET /a\x7f HTTP/1.1\r\nHost: x\r\n\r\n"), 400, "bad byte in request target"},
    {BYTES("GET /caf\xc3\xa9 HTTP/1.1\r\nHost: x\r\n\r\n"), 400, "bad byte in request target"},
    {BYTES("GET / HTTP/1.1x\r\nHost: x\r\n\r\n"), 400, "bad HTTP version in request line"},
    {BYTES("GET / http/1.1\r\nHost: x\r\n\r\n"), 400, "bad HTTP version in request line"},
    {BYTES("GET / HTTP/11\r\nHost: x\r\n\r\n"), 400, "bad HTTP version in request line"},
    {BYTES("GET / HTTP/1.x\r\nHost: x\r\n\r\n"), 400, "bad HTTP version in request line"},
    {BYTES("GET / HTTP/2\r\nHost: x\r\n\r\n"), 400, "bad HTTP version in request line"},
    {BYTES("GET / HTTP/2.0\r\nHost: x\r\n\r\n"), 505, "unsupported HTTP version"},
    {BYTES("GET / HTTP/1.2\r\nHost: x\r\n\r\n"), 505, "unsupported HTTP version"},
    {BYTES("GET / HTTP/0.9\r\nHost: x\r\n\r\n"), 505, "unsupported HTTP version"},
    /* line ends */
    {BYTES("GET / HTTP/1.1\nHost: x\r\n\r\n"), 400, "bare LF in request head"},
    {BYTES("GET / HTTP/1.1\r\nHost: x\n\r\n"), 400, "bare LF in request head"},
    {BYTES("GET / HTTP/1.1\r\nHost: x\r\n\n"), 400, "bare LF in request head"},
    {BYTES("\nGET / HTTP/1.1\r\nHost: x\r\n\r\n"), 400, "bare LF in request head"},
    {BYTES("GET / HTTP/1.1\r\nHost: x\rX: y\r\n\r\n"), 400, "bare CR in request head"},
    {BYTES("GET /\r HTTP/1.1\r\nHost: x\r\n\r\n"), 400, "bare CR in request head"},
    {BYTES("GET\r / HTTP/1.1\r\nHost: x\r\n\r\n"), 400, "bare CR in request head"},
    {BYTES("GET / HTTP/1.1\r\nX\r: y\r\nHost: x\r\n\r\n"), 400, "bare CR in request head"},
    {BYTES("GET / HTTP/1.1\r\nHost: x\r\n\r\r\n"), 400, "bare CR in request head"},
    /* field syntax */
    {BYTES("GET / HTTP/1.1\r\nHost : x\r\n\r\n"), 400,
     "header field has whitespace before its colon"},
    {BYTES("GET / HTTP/1.1\r\nHost\t: x\r\n\r\n"), 400,
     "header field has whitespace before its colon"},
    {BYTES("GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n"), 400, "obsolete line folding in header"},
    {BYTES("GET / HTTP/1.1\r\nHost: x\r\n\tfolded\r\n\r\n"), 400,
     "obsolete line folding in header"},
    {BYTES("GET / HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n"), 400, "header field has no colon"},
    {BYTES("GET / HTTP/1.1\r\nHost: x\r\n: v\r\n\r\n"), 400, "empty header field name"},
    {BYTES("GET / HTTP/1.1\r\nHost: x\r\nX(y): v\r\n\r\n"), 400, "bad header field name"},
    {BYTES("GET / HTTP/1.1\r\nHost: x\r\nX\xc3\xa9: v\r\n\r\n"), 400, "bad header field name"},
    {BYTES("GET / HTTP/1.1\r\nHost: x\r\nX: a\x01"
           "b\r\n\r\n"),
     400, "control character in header field value"},
    {BYTES("GET / HTTP/1.1\r\nHost: x\r\nX: a\x7f\r\n\r\n"), 400,
     "control character in header field value"},
    {BYTES("GET / HTTP/1.1\r\nHost: x\r\nX: \x1f\r\n\r\n"), 400,
     "control character in header field value"},
    {BYTES("GET / HTTP/1.1\r\nHost: x\r\nX: a\0b\r\n\r\n"), 400,
     "control character in header field value"},
    {BYTES("GET /\0 HTTP/1.1\r\nHost: x\r\n\r\n"), 400, "bad byte in request target"},
    /* Host */
    {BYTES("GET / HTTP/1.1\r\n\r\n"), 400, "missing Host header"},
    {BYTES("GET / HTTP/1.1\r\nX-Host: x\r\n\r\n"), 400, "missing Host header"},
    {BYTES("GET / HTTP/1.1\r\nHost: x\r\nhost: x\r\n\r\n"), 400, "repeated Host header"},
    {BYTES("GET / HTTP/1.0\r\nHost: x\r\nHost: y\r\n\r\n"), 400, "repeated Host header"},
    /* Content-Length */
    {BYTES("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: \r\n\r\n"), 400, "bad Content-Length"},
    {BYTES("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n\r\n"), 400, "bad Content-Length"},
    {BYTES("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n"), 400, "bad Content-Length"},
    {BYTES("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5 5\r\n\r\n"), 400, "bad Content-Length"},
    {BYTES("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0x10\r\n\r\n"), 400,
     "bad Content-Length"},
    {BYTES("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5,\r\n\r\n"), 400, "bad Content-Length"},
    {BYTES("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ,5\r\n\r\n"), 400, "bad Content-Length"},
    {BYTES("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5,,5\r\n\r\n"), 400,
     "bad Content-Length"},
    {BYTES("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 6\r\n\r\n"), 400,
     "differing Content-Length values"},
    {BYTES("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"), 400,
     "differing Content-Length values"},
    {BYTES("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 18446744073709551616\r\n\r\n"), 400,
     "Content-Length is too large"},
    {BYTES("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n"), 400,
     "Content-Length is too large"},
    /* Transfer-Encoding */
    {BYTES("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n"), 501,
     "unsupported Transfer-Encoding"},
    {BYTES("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"), 501,
     "unsupported Transfer-Encoding"},
    {BYTES("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\n\r\n"), 501,
     "unsupported Transfer-Encoding"},
    {BYTES("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:\r\n\r\n"), 501,
     "unsupported Transfer-Encoding"},
    {BYTES("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, chunked\r\n\r\n"), 501,
     "unsupported Transfer-Encoding"},
    {BYTES("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: \"chunked\"\r\n\r\n"), 501,
     "unsupported Transfer-Encoding"},
    {BYTES("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: "
           "chunked\r\n\r\n"),
     400, "repeated Transfer-Encoding header"},
    {BYTES("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n"),
     400, "Content-Length and Transfer-Encoding both given"},
    {BYTES("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"),
     400, "Content-Length and Transfer-Encoding both given"},
    {BYTES("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"), 400,
     "Transfer-Encoding in an HTTP/1.0 request"},
    /* Expect, Content-Type */
    {BYTES("POST / HTTP/1.1\r\nHost: x\r\nExpect: 200-ok\r\n\r\n"), 417, "unsupported expectation"},
    {BYTES("POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue, x\r\n\r\n"), 417,
     "unsupported expectation"},
    {BYTES("POST / HTTP/1.1\r\nHost: x\r\nExpect:\r\n\r\n"), 417, "unsupported expectation"},
    {BYTES("POST / HTTP/1.1\r\nHost: x\r\nContent-Type: a/b\r\nContent-Type: a/b\r\n\r\n"), 400,
     "repeated Content-Type header"},
};

static void test_refusals(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
        struct sg_http_head h;
        const char *why = NULL;
        int rc = sg_http_parse_head(refusals[i].text, refusals[i].len, MAX_HEAD, &h, &why);
        if (rc != refusals[i].status || why == NULL || strcmp(why, refusals[i].why) != 0)
            fail_msg("case %zu: got %d '%s', want %d '%s'", i, rc, why ? why : "(null)",
                     refusals[i].status, refusals[i].why);
        /* Nothing of a refused head is handed out. */
        assert_int_equal(h.head_bytes, 0);
        assert_null(h.method.p);
    }
}

/* A refusal found in a complete line stands however many bytes follow. */
static void test_refusals_do_not_wait_for_the_end(void **state)
{
    struct sg_http_head h;
    const char *why = NULL;

    (void)state;
    assert_int_equal(sg_http_parse_head("GET * HTTP/1.1\r\n", 16, MAX_HEAD, &h, &why), 400);
    assert_string_equal(why, "request target is not an absolute path");
    assert_int_equal(sg_http_parse_head("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\n", 12,
                                        MAX_HEAD, &h, &why),
                     400);
    assert_string_equal(why, "bare LF in request head");
    assert_int_equal(parse("GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n", &h, &why),
                     501);
    assert_string_equal(why, "unsupported Transfer-Encoding");
}

static void test_every_proper_prefix_is_partial(void **state)
{
    const char *heads[] = {kube_head, curl_head, chunked_head, "\r\n\r\nGET / HTTP/1.0\r\n\r\n",
                           "GET / HTTP/1.1\r\nHost: x\r\nX: a \t b\r\n\r\n"};

    (void)state;
    for (size_t k = 0; k < sizeof(heads) / sizeof(heads[0]); k++) {
        size_t len = strlen(heads[k]);
        /* An exact-size copy: a read past len shows under ASan. */
        char *copy = malloc(len);
        assert_non_null(copy);
        memcpy(copy, heads[k], len);
        for (size_t n = 0; n < len; n++) {
            struct sg_http_head h;
            const char *why = "unset";
            int rc = sg_http_parse_head(copy, n, MAX_HEAD, &h, &why);
            if (rc != SG_HTTP_PARTIAL)
                fail_msg("head %zu, %zu of %zu bytes: %d (%s)", k, n, len, rc, why ? why : "-");
            assert_null(why);
            assert_int_equal(h.head_bytes, 0);
        }
        struct sg_http_head h;
        const char *why = NULL;
        assert_int_equal(sg_http_parse_head(copy, len, MAX_HEAD, &h, &why), SG_HTTP_DONE);
        assert_int_equal(h.head_bytes, len);
        free(copy);
    }
}

static void test_max_head_boundary(void **state)
{
    size_t len = strlen(kube_head);
    char buf[1024];
    struct sg_http_head h;
    const char *why = NULL;

    (void)state;
    /* Exactly max_head bytes: DONE, with or without bytes after it. */
    assert_int_equal(sg_http_parse_head(kube_head, len, len, &h, &why), SG_HTTP_DONE);
    assert_int_equal(h.head_bytes, len);
    memcpy(buf, kube_head, len);
    memset(buf + len, 'x', 100);
    assert_int_equal(sg_http_parse_head(buf, len + 100, len, &h, &why), SG_HTTP_DONE);
    assert_int_equal(h.head_bytes, len);
    /* One byte over: 431 as soon as the bytes pass max_head. */
    assert_int_equal(sg_http_parse_head(kube_head, len, len - 1, &h, &why), 431);
    assert_string_equal(why, "request head too large");
    assert_int_equal(h.head_bytes, 0);
    assert_int_equal(sg_http_parse_head(kube_head, len - 1, len - 1, &h, &why), SG_HTTP_PARTIAL);
    assert_null(why);
    /* A line with no end, bytes past the bound: 431, not a wait. */
    memset(buf, 'a', sizeof(buf));
    assert_int_equal(sg_http_parse_head(buf, 64, 64, &h, &why), SG_HTTP_PARTIAL);
    assert_int_equal(sg_http_parse_head(buf, 65, 64, &h, &why), 431);
    assert_int_equal(sg_http_parse_head(buf, 0, 0, &h, &why), SG_HTTP_PARTIAL);
    assert_int_equal(sg_http_parse_head(buf, 1, 0, &h, &why), 431);
}

/* GET / HTTP/1.1 with n fields (Host among them); buf must be big enough. */
static size_t head_with_fields(char *buf, size_t cap, unsigned n)
{
    size_t len = (size_t)snprintf(buf, cap, "GET / HTTP/1.1\r\nHost: x\r\n");
    for (unsigned i = 1; i < n; i++)
        len += (size_t)snprintf(buf + len, cap - len, "X-Field-%u: %u\r\n", i, i);
    len += (size_t)snprintf(buf + len, cap - len, "\r\n");
    return len;
}

static void test_field_count_bound(void **state)
{
    static char buf[8192];
    struct sg_http_head h;
    const char *why = NULL;
    size_t len;

    (void)state;
    len = head_with_fields(buf, sizeof(buf), SG_HTTP_MAX_FIELDS);
    assert_int_equal(sg_http_parse_head(buf, len, MAX_HEAD, &h, &why), SG_HTTP_DONE);
    len = head_with_fields(buf, sizeof(buf), SG_HTTP_MAX_FIELDS + 1);
    assert_int_equal(sg_http_parse_head(buf, len, MAX_HEAD, &h, &why), 431);
    assert_string_equal(why, "too many header fields");
}

/* ---- chunked bodies ---- */

struct decoded {
    int rc;
    const char *why;
    size_t used;     /* input consumed over all calls */
    size_t produced; /* body bytes */
    char body[8192];
};

/* Feeds in[0..n) in pieces of `piece` bytes (0: all at once) into an out
 * buffer of out_cap bytes, calling again while out was full, until DONE, an
 * error, or the input is used up. */
static void decode(const char *in, size_t n, size_t piece, size_t out_cap, struct decoded *d)
{
    struct sg_http_chunked st;
    char out[8192];
    size_t at = 0;

    assert_true(out_cap > 0 && out_cap <= sizeof(out));
    memset(d, 0, sizeof(*d));
    d->rc = SG_HTTP_PARTIAL;
    sg_http_chunked_init(&st);
    while (at < n) {
        size_t end = piece == 0 || n - at < piece ? n : at + piece;
        while (at < end) {
            size_t used = SIZE_MAX, produced = SIZE_MAX;
            const char *why = "unset";
            size_t avail = end - at;
            d->rc = sg_http_chunked_feed(&st, in + at, avail, out, out_cap, &used, &produced, &why);
            assert_true(used <= avail);
            assert_true(produced <= out_cap);
            assert_true(d->produced + produced <= sizeof(d->body));
            memcpy(d->body + d->produced, out, produced);
            d->produced += produced;
            at += used;
            d->used += used;
            if (d->rc != SG_HTTP_PARTIAL) {
                d->why = why;
                return;
            }
            assert_null(why);
            /* Stopping short of the input means out was full. */
            if (used < avail)
                assert_int_equal(produced, out_cap);
        }
    }
}

static const char chunked_body[] = "5\r\nhello\r\n"
                                   "6;name=value;quoted=\"a;b\\\"c\"\r\n world\r\n"
                                   "000a \t; x\r\n0123456789\r\n"
                                   "0;last\r\n"
                                   "X-Checksum: abc\r\n"
                                   "x-other:\r\n"
                                   "\r\n";
static const char chunked_decoded[] = "hello world0123456789";

static void test_chunked_whole(void **state)
{
    struct decoded d;
    char in[sizeof(chunked_body) + 32];
    size_t n = sizeof(chunked_body) - 1;

    (void)state;
    /* Pipelined bytes after the body stay for the next request. */
    memcpy(in, chunked_body, n);
    memcpy(in + n, "GET / HTTP/1.1\r\n", 16);
    decode(in, n + 16, 0, 8192, &d);
    assert_int_equal(d.rc, SG_HTTP_DONE);
    assert_null(d.why);
    assert_int_equal(d.used, n);
    assert_int_equal(d.produced, strlen(chunked_decoded));
    assert_memory_equal(d.body, chunked_decoded, d.produced);
}

static void test_chunked_every_split_reads_the_same(void **state)
{
    size_t n = sizeof(chunked_body) - 1;
    char *in = malloc(n + 3); /* exact size plus "GET", read past: ASan */

    (void)state;
    assert_non_null(in);
    memcpy(in, chunked_body, n);
    memcpy(in + n, "GET", 3);
    for (size_t split = 0; split <= n + 3; split++) {
        struct sg_http_chunked st;
        char out[64];
        size_t used1 = 0, produced1 = 0, used2 = 0, produced2 = 0;
        const char *why = NULL;
        int rc;

        sg_http_chunked_init(&st);
        rc = sg_http_chunked_feed(&st, in, split, out, sizeof(out), &used1, &produced1, &why);
        if (split < n) {
            assert_int_equal(rc, SG_HTTP_PARTIAL);
            assert_int_equal(used1, split);
            rc = sg_http_chunked_feed(&st, in + split, n + 3 - split, out + produced1,
                                      sizeof(out) - produced1, &used2, &produced2, &why);
        }
        assert_int_equal(rc, SG_HTTP_DONE);
        assert_null(why);
        assert_int_equal(used1 + used2, n);
        assert_int_equal(produced1 + produced2, strlen(chunked_decoded));
        assert_memory_equal(out, chunked_decoded, strlen(chunked_decoded));
    }
    free(in);
}

static void test_chunked_byte_by_byte_into_one_byte(void **state)
{
    struct decoded d;
    size_t n = sizeof(chunked_body) - 1;

    (void)state;
    for (size_t piece = 1; piece <= 7; piece++) {
        for (size_t cap = 1; cap <= 4; cap++) {
            decode(chunked_body, n, piece, cap, &d);
            assert_int_equal(d.rc, SG_HTTP_DONE);
            assert_int_equal(d.used, n);
            assert_int_equal(d.produced, strlen(chunked_decoded));
            assert_memory_equal(d.body, chunked_decoded, d.produced);
        }
    }
}

static void test_chunked_stops_when_out_is_full(void **state)
{
    static const char in[] = "5\r\nhello\r\n0\r\n\r\n";
    struct sg_http_chunked st;
    char out[3];
    size_t used = 0, produced = 0;
    const char *why = NULL;

    (void)state;
    sg_http_chunked_init(&st);
    assert_int_equal(sg_http_chunked_feed(&st, in, sizeof(in) - 1, out, 3, &used, &produced, &why),
                     SG_HTTP_PARTIAL);
    assert_int_equal(used, 6); /* "5\r\n" and "hel" */
    assert_int_equal(produced, 3);
    assert_memory_equal(out, "hel", 3);
    /* With room for exactly the rest, the same call reaches the end. */
    assert_int_equal(
        sg_http_chunked_feed(&st, in + 6, sizeof(in) - 1 - 6, out, 2, &used, &produced, &why),
        SG_HTTP_DONE);
    assert_int_equal(used, sizeof(in) - 1 - 6);
    assert_int_equal(produced, 2);
    assert_memory_equal(out, "lo", 2);
    /* Spent: a further call consumes nothing and says DONE again. */
    assert_int_equal(sg_http_chunked_feed(&st, "0\r\n", 3, out, 3, &used, &produced, &why),
                     SG_HTTP_DONE);
    assert_int_equal(used, 0);
    assert_int_equal(produced, 0);
}

static void test_chunked_forms(void **state)
{
    static const struct {
        const char *in;
        const char *body;
    } cases[] = {
        {"0\r\n\r\n", ""},
        {"000\r\n\r\n", ""},
        {"000a\r\n0123456789\r\n0\r\n\r\n", "0123456789"},
        {"A\r\n0123456789\r\n0\r\n\r\n", "0123456789"},
        {"1;a\r\nx\r\n1 ; b=\"q\"\r\ny\r\n0\r\n\r\n", "xy"},
        {"1\r\n\r\r\n0\r\n\r\n", "\r"}, /* data is data */
        {"2\r\n\r\n\r\n0\r\nA: b\r\nC:d \t\r\nE: caf\xc3\xa9\r\n\r\n", "\r\n"},
        {"0000000000000000000000000001\r\nz\r\n0\r\n\r\n", "z"},
        {"00000000000000000000000000000\r\n\r\n", ""},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct decoded d;
        decode(cases[i].in, strlen(cases[i].in), 1, 1, &d);
        if (d.rc != SG_HTTP_DONE || d.used != strlen(cases[i].in) ||
            d.produced != strlen(cases[i].body) || memcmp(d.body, cases[i].body, d.produced) != 0)
            fail_msg("case %zu: rc %d (%s), used %zu, body '%.*s'", i, d.rc, d.why ? d.why : "-",
                     d.used, (int)d.produced, d.body);
    }
}

static void test_chunked_size_bounds(void **state)
{
    struct decoded d;
    char in[64];

    (void)state;
    /* The largest size_t is a size; one more hex digit is not. */
    snprintf(in, sizeof(in), "%zx\r\nab", SIZE_MAX);
    decode(in, strlen(in), 0, 16, &d);
    assert_int_equal(d.rc, SG_HTTP_PARTIAL);
    assert_int_equal(d.produced, 2);
    snprintf(in, sizeof(in), "%zxf\r\n", SIZE_MAX);
    decode(in, strlen(in), 1, 16, &d);
    assert_int_equal(d.rc, 400);
    assert_string_equal(d.why, "chunk size is too large");
    assert_int_equal(d.used, strlen(in) - 3); /* stopped at the digit that overflows */
}

/* A chunk-size line or a trailer line of exactly `len` bytes before CRLF. */
static size_t long_line_body(char *buf, size_t len, bool trailer)
{
    size_t n = 0;

    if (trailer) {
        memcpy(buf, "0\r\nX:", 5);
        n = 5;
        memset(buf + n, 'v', len - 2);
        n += len - 2;
    } else {
        memcpy(buf, "1;", 2);
        n = 2;
        memset(buf + n, 'e', len - 2);
        n += len - 2;
        memcpy(buf + n, "\r\nx\r\n0", 6);
        n += 6;
    }
    memcpy(buf + n, "\r\n\r\n", 4);
    return n + 4;
}

static void test_chunked_line_and_trailer_bounds(void **state)
{
    static char buf[SG_HTTP_MAX_CHUNK_LINE + 64];
    static char many[(SG_HTTP_MAX_TRAILERS + 2) * 8 + 16];
    struct decoded d;
    size_t n;

    (void)state;
    for (int trailer = 0; trailer <= 1; trailer++) {
        n = long_line_body(buf, SG_HTTP_MAX_CHUNK_LINE, trailer);
        decode(buf, n, 0, 16, &d);
        assert_int_equal(d.rc, SG_HTTP_DONE);
        assert_int_equal(d.used, n);
        n = long_line_body(buf, SG_HTTP_MAX_CHUNK_LINE + 1, trailer);
        decode(buf, n, 0, 16, &d);
        assert_int_equal(d.rc, 400);
        assert_string_equal(d.why, trailer ? "trailer line too long" : "chunk size line too long");
    }
    for (unsigned count = SG_HTTP_MAX_TRAILERS; count <= SG_HTTP_MAX_TRAILERS + 1; count++) {
        n = (size_t)snprintf(many, sizeof(many), "0\r\n");
        for (unsigned i = 0; i < count; i++)
            n += (size_t)snprintf(many + n, sizeof(many) - n, "T%u: v\r\n", i % 10);
        n += (size_t)snprintf(many + n, sizeof(many) - n, "\r\n");
        decode(many, n, 0, 16, &d);
        if (count == SG_HTTP_MAX_TRAILERS) {
            assert_int_equal(d.rc, SG_HTTP_DONE);
        } else {
            assert_int_equal(d.rc, 400);
            assert_string_equal(d.why, "too many trailer fields");
        }
    }
}

static const struct chunked_refusal {
    const char *in;
    size_t len;
    const char *why;
} chunked_refusals[] = {
    {BYTES("\r\n"), "chunk size is not hex"},
    {BYTES("x\r\n"), "chunk size is not hex"},
    {BYTES(" 5\r\nhello\r\n0\r\n\r\n"), "chunk size is not hex"},
    {BYTES("-5\r\nhello\r\n0\r\n\r\n"), "chunk size is not hex"},
    {BYTES("0x5\r\nhello\r\n0\r\n\r\n"), "chunk size is not hex"},
    {BYTES("5g\r\nhello\r\n0\r\n\r\n"), "chunk size is not hex"},
    {BYTES("fffffffffffffffff\r\n"), "chunk size is too large"},
    {BYTES("5 \r\nhello\r\n0\r\n\r\n"), "bad chunk extension"},
    {BYTES("5 x\r\nhello\r\n0\r\n\r\n"), "bad chunk extension"},
    {BYTES("5;a\x01\r\nhello\r\n0\r\n\r\n"), "bad chunk extension"},
    {BYTES("5;a\x7f\r\nhello\r\n0\r\n\r\n"), "bad chunk extension"},
    {BYTES("5;a\0\r\nhello\r\n0\r\n\r\n"), "bad chunk extension"},
    {BYTES("5\nhello\r\n0\r\n\r\n"), "bare LF in chunked body"},
    {BYTES("5;a\nhello\r\n0\r\n\r\n"), "bare LF in chunked body"},
    {BYTES("5\rhello\r\n0\r\n\r\n"), "bare CR in chunk size line"},
    {BYTES("5;e\rhello\r\n0\r\n\r\n"), "bare CR in chunk size line"},
    {BYTES("5\r\nhelloX\r\n0\r\n\r\n"), "chunk data not followed by CRLF"},
    {BYTES("5\r\nhello\n0\r\n\r\n"), "chunk data not followed by CRLF"},
    {BYTES("5\r\nhello\rX0\r\n\r\n"), "chunk data not followed by CRLF"},
    {BYTES("5\r\nhell\r\n0\r\n\r\n"), "chunk data not followed by CRLF"},
    {BYTES("0\r\n\n"), "bare LF in chunked body"},
    {BYTES("0\r\n\rX"), "bare CR after the trailer section"},
    {BYTES("0\r\nA: b\n\r\n"), "bare LF in chunked body"},
    {BYTES("0\r\nA: b\rX\r\n\r\n"), "bare CR in trailer"},
    {BYTES("0\r\n folded\r\n\r\n"), "obsolete line folding in trailer"},
    {BYTES("0\r\n: v\r\n\r\n"), "empty trailer field name"},
    {BYTES("0\r\nA : v\r\n\r\n"), "trailer field has whitespace before its colon"},
    {BYTES("0\r\nA(b): v\r\n\r\n"), "bad trailer field name"},
    {BYTES("0\r\nNoColon\r\n\r\n"), "bad trailer field name"},
    {BYTES("0\r\n\x80: v\r\n\r\n"), "bad trailer field name"},
    {BYTES("0\r\nA: \x01\r\n\r\n"), "control character in trailer field value"},
    {BYTES("0\r\nA: \0\r\n\r\n"), "control character in trailer field value"},
};

static void test_chunked_refusals(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(chunked_refusals) / sizeof(chunked_refusals[0]); i++) {
        const char *in = chunked_refusals[i].in;
        size_t n = chunked_refusals[i].len;
        /* All at once and byte by byte: the same refusal. */
        for (size_t piece = 0; piece <= 1; piece++) {
            struct decoded d;
            decode(in, n, piece, 1, &d);
            if (d.rc != 400 || d.why == NULL || strcmp(d.why, chunked_refusals[i].why) != 0)
                fail_msg("case %zu, pieces of %zu: got %d '%s', want 400 '%s'", i, piece, d.rc,
                         d.why ? d.why : "(null)", chunked_refusals[i].why);
        }
    }
}

static void test_chunked_refused_state_is_spent(void **state)
{
    struct sg_http_chunked st;
    char out[8];
    size_t used = 0, produced = 0;
    const char *why = NULL;

    (void)state;
    sg_http_chunked_init(&st);
    assert_int_equal(sg_http_chunked_feed(&st, "zz", 2, out, 8, &used, &produced, &why), 400);
    assert_int_equal(used, 0);
    assert_int_equal(sg_http_chunked_feed(&st, "0\r\n\r\n", 5, out, 8, &used, &produced, &why),
                     400);
    assert_int_equal(used, 0);
    assert_non_null(why);
}

/* A chunked request head then its body, as the server reads them. */
static void test_chunked_request(void **state)
{
    static const char req[] = "POST /validate HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                              "Content-Type: application/json\r\n\r\n"
                              "2\r\n{}\r\n0\r\n\r\n"
                              "GET /healthz HTTP/1.1\r\n";
    struct sg_http_head h;
    const char *why = NULL;
    struct decoded d;

    (void)state;
    assert_int_equal(sg_http_parse_head(req, sizeof(req) - 1, MAX_HEAD, &h, &why), SG_HTTP_DONE);
    assert_true(h.chunked);
    assert_false(h.has_length);
    decode(req + h.head_bytes, sizeof(req) - 1 - h.head_bytes, 0, 64, &d);
    assert_int_equal(d.rc, SG_HTTP_DONE);
    assert_int_equal(d.produced, 2);
    assert_memory_equal(d.body, "{}", 2);
    assert_memory_equal(req + h.head_bytes + d.used, "GET /healthz", 12);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kube_apiserver_request),
        cmocka_unit_test(test_curl_expect_continue),
        cmocka_unit_test(test_head_and_get),
        cmocka_unit_test(test_pipelined_bytes_stay_after_the_head),
        cmocka_unit_test(test_empty_lines_before_the_request_line),
        cmocka_unit_test(test_http10_and_connection),
        cmocka_unit_test(test_field_names_ignore_case_and_values_are_trimmed),
        cmocka_unit_test(test_content_length_forms),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_refusals_do_not_wait_for_the_end),
        cmocka_unit_test(test_every_proper_prefix_is_partial),
        cmocka_unit_test(test_max_head_boundary),
        cmocka_unit_test(test_field_count_bound),
        cmocka_unit_test(test_chunked_whole),
        cmocka_unit_test(test_chunked_every_split_reads_the_same),
        cmocka_unit_test(test_chunked_byte_by_byte_into_one_byte),
        cmocka_unit_test(test_chunked_stops_when_out_is_full),
        cmocka_unit_test(test_chunked_forms),
        cmocka_unit_test(test_chunked_size_bounds),
        cmocka_unit_test(test_chunked_line_and_trailer_bounds),
        cmocka_unit_test(test_chunked_refusals),
        cmocka_unit_test(test_chunked_refused_state_is_spent),
        cmocka_unit_test(test_chunked_request),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
