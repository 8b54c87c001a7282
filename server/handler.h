/* handler.h - what the server answers: the routes, the gate every request
 * passes before a byte of its body is read, and the endpoints.
 *
 * libmicrohttpd parses HTTP/1.1 and calls the access handler once with the
 * head, then with each piece of body, then once more at the end. The first
 * call is the gate: it refuses what libmicrohttpd would let through but a
 * proxy in front could read differently (Content-Length with
 * Transfer-Encoding, differing or malformed Content-Lengths, a
 * Transfer-Encoding other than chunked, chunked in HTTP/1.0, a missing or
 * repeated Host, a field name with white space), an Expect other than
 * 100-continue (417), a target that is not a path (400), too many header
 * fields (431), then the route: unknown path (404), wrong method (405, with
 * Allow), wrong content type (415), a declared body over the limit (413).
 * A refusal whose request's end is in doubt closes the connection. Bodies
 * go to body.h; the engine judges a whole body on the last call.
 *
 * Answers are short plain-text lines for errors, the engine's JSON for
 * decisions, Prometheus text for /metrics. Every answer closes its
 * connection while the server is stopping, so kept-alive clients move to
 * another replica instead of finding this one gone. */
#ifndef SG_HANDLER_H
#define SG_HANDLER_H

#include <stdatomic.h>
#include <stddef.h>

#include <microhttpd.h>

#include "body.h"
#include "conns.h"
#include "log.h"
#include "metrics.h"
#include "policyfile.h"
#include "tls.h"

/* More header fields than this is a 431: the API server sends about ten. */
#define SG_HANDLER_MAX_FIELDS 100
/* A body sent to a GET endpoint is read and dropped up to this size, so
 * the connection stays open; bigger (or chunked) is a 413 that closes it. */
#define SG_HANDLER_DISCARD_MAX_BYTES (64u * 1024)

/* What every request shares; the server fills it before the daemon starts
 * and owns everything it points to. */
struct sg_handler {
    struct sg_policyfile *policy;
    struct sg_tls_store *tls;
    struct sg_metrics *metrics;
    struct sg_log *log;
    struct sg_conns *conns;
    struct sg_body_budget budget;
    atomic_bool stopping; /* draining: answers close, /readyz says so */
};

/* libmicrohttpd's callbacks; cls is the struct sg_handler. */

/* MHD_OPTION_URI_LOG_CALLBACK: a request line is in, the request has
 * begun. Returns the request's context (handed to sg_handler_access). */
void *sg_handler_request_begin(void *cls, const char *uri, struct MHD_Connection *mc);

/* The access handler (MHD_start_daemon's dh). */
enum MHD_Result sg_handler_access(void *cls, struct MHD_Connection *mc, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **req_cls);

/* MHD_OPTION_NOTIFY_COMPLETED: the answer is sent, or the connection went. */
void sg_handler_request_end(void *cls, struct MHD_Connection *mc, void **req_cls,
                            enum MHD_RequestTerminationCode toe);

/* MHD_OPTION_UNESCAPE_CALLBACK: the target stays as sent, so that routes
 * match bytes, not a decoding of them. */
size_t sg_handler_unescape(void *cls, struct MHD_Connection *mc, char *s);

#endif
