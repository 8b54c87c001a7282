/* sockbio.h - the OpenSSL BIO between a connection's TLS and its socket.
 *
 * Like OpenSSL's socket BIO, with two differences that save work on every
 * request: writes use MSG_NOSIGNAL, and a read says whether it emptied the
 * socket. When the last recv() came back shorter than asked, the socket had
 * nothing more at that moment; with edge-triggered epoll any later byte
 * brings a new event, so the event loop can wait at once instead of making
 * one more recv() only to be told EAGAIN (nginx does the same). */
#ifndef SG_SOCKBIO_H
#define SG_SOCKBIO_H

#include <stdbool.h>

#include <openssl/bio.h>

/* A BIO on the non-blocking socket fd; *drained is set after each read:
 * true when the socket was found empty (a short read or EAGAIN). The
 * caller keeps fd open and drained alive as long as the BIO. NULL when out
 * of memory. */
BIO *sg_sockbio_new(int fd, bool *drained);

#endif
