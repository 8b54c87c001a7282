/* sockbio.c - see sockbio.h. */
#include "sockbio.h"

#include <errno.h>
#include <pthread.h>
#include <sys/socket.h>

struct sockbio {
    int fd;
    bool *drained;
};

/* Made once, kept for the life of the process. */
static BIO_METHOD *method;
static pthread_once_t method_once = PTHREAD_ONCE_INIT;

static int sockbio_read(BIO *b, char *buf, int len)
{
    struct sockbio *sb = BIO_get_data(b);
    ssize_t n;

    BIO_clear_retry_flags(b);
    if (len <= 0)
        return 0;
    do {
        n = recv(sb->fd, buf, (size_t)len, 0);
    } while (n < 0 && errno == EINTR);
    if (n > 0) {
        *sb->drained = n < len;
        return (int)n;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        *sb->drained = true;
        BIO_set_retry_read(b);
        return -1;
    }
    return n == 0 ? 0 : -1; /* end of stream, or a broken connection */
}

static int sockbio_write(BIO *b, const char *buf, int len)
{
    struct sockbio *sb = BIO_get_data(b);
    ssize_t n;

    BIO_clear_retry_flags(b);
    if (len <= 0)
        return 0;
    do {
        n = send(sb->fd, buf, (size_t)len, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        BIO_set_retry_write(b);
        return -1;
    }
    return n < 0 ? -1 : (int)n;
}

static long sockbio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    (void)b;
    (void)num;
    (void)ptr;
    /* Writes go straight to the socket: there is nothing to flush. Other
     * requests (kTLS, peeking at the socket) are not offered. */
    return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

static int sockbio_destroy(BIO *b)
{
    OPENSSL_free(BIO_get_data(b));
    BIO_set_data(b, NULL);
    return 1;
}

static void method_init(void)
{
    method = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "seccomp-guard socket");
    if (method == NULL)
        return;
    if (!BIO_meth_set_read(method, sockbio_read) || !BIO_meth_set_write(method, sockbio_write) ||
        !BIO_meth_set_ctrl(method, sockbio_ctrl) ||
        !BIO_meth_set_destroy(method, sockbio_destroy)) {
        BIO_meth_free(method);
        method = NULL;
    }
}

BIO *sg_sockbio_new(int fd, bool *drained)
{
    struct sockbio *sb;
    BIO *b;

    pthread_once(&method_once, method_init);
    if (method == NULL)
        return NULL;
    sb = OPENSSL_malloc(sizeof(*sb));
    if (sb == NULL)
        return NULL;
    b = BIO_new(method);
    if (b == NULL) {
        OPENSSL_free(sb);
        return NULL;
    }
    sb->fd = fd;
    sb->drained = drained;
    *drained = false;
    BIO_set_data(b, sb);
    BIO_set_init(b, 1);
    return b;
}
