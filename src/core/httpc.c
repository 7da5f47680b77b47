/* httpc.c -- see httpc.h.  getaddrinfo, one connect with a deadline, for
 * https a TLS handshake (OpenSSL), one write, read until the status line is
 * complete. */
#include "core/httpc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/time.h"

struct url {
    char host[256], port[8], path[2048];
    int tls;
};

/* A connection: the socket, and its TLS session for https. */
struct conn {
    int fd;
    SSL *ssl;
};

static enum lc_err parse_url(const char *u, struct url *out)
{
    out->tls = strncmp(u, "https://", 8) == 0;
    if (!out->tls && strncmp(u, "http://", 7) != 0)
        return LC_EINVAL;
    u += out->tls ? 8 : 7;
    size_t h = strcspn(u, ":/");
    if (h == 0 || h >= sizeof out->host)
        return LC_EINVAL;
    memcpy(out->host, u, h);
    out->host[h] = 0;
    u += h;
    snprintf(out->port, sizeof out->port, out->tls ? "443" : "80");
    if (*u == ':') {
        size_t p = strcspn(++u, "/");
        if (p == 0 || p >= sizeof out->port)
            return LC_EINVAL;
        memcpy(out->port, u, p);
        out->port[p] = 0;
        u += p;
    }
    if (strlen(u) >= sizeof out->path)
        return LC_EINVAL;
    snprintf(out->path, sizeof out->path, "%s", *u ? u : "/");
    return LC_OK;
}

static int wait_fd(int fd, short ev, uint64_t deadline_ns)
{
    uint64_t now = lc_time_mono_ns();
    if (now >= deadline_ns)
        return 0;
    struct pollfd p = {fd, ev, 0};
    int ms = (int)((deadline_ns - now) / 1000000u) + 1;
    return poll(&p, 1, ms) > 0;
}

static int dial(const struct url *u, uint64_t deadline)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
    if (getaddrinfo(u->host, u->port, &hints, &res) != 0)
        return -1;
    int fd = -1;
    for (struct addrinfo *a = res; a && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
            continue;
        int err = 0;
        socklen_t el = sizeof err;
        if (connect(fd, a->ai_addr, a->ai_addrlen) != 0 &&
            (errno != EINPROGRESS || !wait_fd(fd, POLLOUT, deadline) ||
             getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) != 0 || err != 0)) {
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    return fd;
}

/* ---- TLS ---- */

static SSL_CTX *tls_ctx;
static pthread_once_t tls_once = PTHREAD_ONCE_INIT;

/* One client context for the process: TLS 1.2 or later, the peer's
 * certificate checked against the system's trust store (or the file in
 * SSL_CERT_FILE / the folder in SSL_CERT_DIR, as OpenSSL reads them). */
static void tls_init(void)
{
    SSL_CTX *c = SSL_CTX_new(TLS_client_method());
    if (c && SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION) == 1 &&
        SSL_CTX_set_default_verify_paths(c) == 1) {
        SSL_CTX_set_verify(c, SSL_VERIFY_PEER, NULL);
        SSL_CTX_set_mode(c, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_AUTO_RETRY);
        tls_ctx = c;
    } else {
        SSL_CTX_free(c);
    }
}

/* Waits for what the last SSL call asked for; 0 on an error or the
 * deadline. */
static int tls_wait(struct conn *c, int rc, uint64_t deadline)
{
    int e = SSL_get_error(c->ssl, rc);
    if (e == SSL_ERROR_WANT_READ)
        return wait_fd(c->fd, POLLIN, deadline);
    if (e == SSL_ERROR_WANT_WRITE)
        return wait_fd(c->fd, POLLOUT, deadline);
    return 0;
}

/* The handshake, with the certificate checked for host (a name, or an
 * IP address literal against the certificate's IP entries). */
static enum lc_err tls_start(struct conn *c, const char *host, uint64_t deadline)
{
    pthread_once(&tls_once, tls_init);
    if (!tls_ctx || !(c->ssl = SSL_new(tls_ctx)) || SSL_set_fd(c->ssl, c->fd) != 1)
        return LC_EIO;
    unsigned char ip[16];
    int literal = inet_pton(AF_INET, host, ip) == 1 || inet_pton(AF_INET6, host, ip) == 1;
    X509_VERIFY_PARAM *vp = SSL_get0_param(c->ssl);
    if (literal ? X509_VERIFY_PARAM_set1_ip_asc(vp, host) != 1
                : SSL_set_tlsext_host_name(c->ssl, host) != 1 || SSL_set1_host(c->ssl, host) != 1)
        return LC_EIO;
    for (;;) {
        int rc = SSL_connect(c->ssl);
        if (rc == 1)
            return SSL_get_verify_result(c->ssl) == X509_V_OK ? LC_OK : LC_EIO;
        if (!tls_wait(c, rc, deadline))
            return LC_EIO;
    }
}

static void conn_close(struct conn *c)
{
    if (c->ssl) {
        SSL_shutdown(c->ssl); /* one try: the peer's answer is not awaited */
        SSL_free(c->ssl);
    }
    ERR_clear_error(); /* OpenSSL's error queue is per thread: leave it empty */
    if (c->fd >= 0)
        close(c->fd);
}

/* ---- plain or TLS I/O ---- */

static enum lc_err send_all(struct conn *c, const char *p, size_t n, uint64_t deadline)
{
    while (n) {
        ssize_t w;
        if (c->ssl) {
            int rc = SSL_write(c->ssl, p, n > 1u << 30 ? 1 << 30 : (int)n);
            if (rc <= 0 && !tls_wait(c, rc, deadline))
                return LC_EIO;
            w = rc > 0 ? rc : 0;
        } else {
            w = send(c->fd, p, n, MSG_NOSIGNAL);
            if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
                if (!wait_fd(c->fd, POLLOUT, deadline))
                    return LC_EIO;
                w = 0;
            } else if (w <= 0) {
                return LC_EIO;
            }
        }
        p += w;
        n -= (size_t)w;
    }
    return LC_OK;
}

/* Reads some bytes: > 0 read, 0 the peer closed or failed, -1 try again
 * (after waiting, or the deadline passed: then -2). */
static ssize_t recv_some(struct conn *c, char *p, size_t n, uint64_t deadline)
{
    if (c->ssl) {
        int rc = SSL_read(c->ssl, p, (int)n);
        if (rc > 0)
            return rc;
        int e = SSL_get_error(c->ssl, rc);
        if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
            return 0;
        return tls_wait(c, rc, deadline) ? -1 : -2;
    }
    if (!wait_fd(c->fd, POLLIN, deadline))
        return -2;
    ssize_t r = recv(c->fd, p, n, 0);
    if (r < 0 && (errno == EAGAIN || errno == EINTR))
        return -1;
    return r < 0 ? 0 : r;
}

static enum lc_err read_status(struct conn *c, uint64_t deadline, int *status)
{
    char buf[512];
    size_t n = 0;
    while (n < sizeof buf - 1 && !memchr(buf, '\n', n)) {
        ssize_t r = recv_some(c, buf + n, sizeof buf - 1 - n, deadline);
        if (r == -2)
            return LC_EIO;
        if (r == 0)
            break;
        if (r > 0)
            n += (size_t)r;
    }
    buf[n] = 0;
    int st = 0;
    if (sscanf(buf, "HTTP/1.%*d %d", &st) != 1 || st < 100 || st > 599)
        return LC_EIO;
    *status = st;
    return LC_OK;
}

enum lc_err lc_httpc_request(const char *method, const char *url, const char *ctype,
                             const char *body, size_t len, int timeout_ms, int *status)
{
    struct url u;
    if (parse_url(url, &u) != LC_OK)
        return LC_EINVAL;
    uint64_t deadline = lc_time_mono_ns() + (uint64_t)timeout_ms * 1000000u;
    struct conn c = {dial(&u, deadline), NULL};
    if (c.fd < 0)
        return LC_EIO;
    enum lc_err err = u.tls ? tls_start(&c, u.host, deadline) : LC_OK;
    char head[2600];
    int hn = snprintf(head, sizeof head,
                      "%s %s HTTP/1.1\r\nHost: %s:%s\r\nConnection: close\r\n"
                      "Content-Length: %zu\r\n%s%s%s\r\n",
                      method, u.path, u.host, u.port, body ? len : 0,
                      ctype ? "Content-Type: " : "", ctype ? ctype : "", ctype ? "\r\n" : "");
    if (err == LC_OK && (hn <= 0 || (size_t)hn >= sizeof head))
        err = LC_EINVAL;
    if (err == LC_OK)
        err = send_all(&c, head, (size_t)hn, deadline);
    if (err == LC_OK && body && len)
        err = send_all(&c, body, len, deadline);
    if (err == LC_OK)
        err = read_status(&c, deadline, status);
    conn_close(&c);
    return err;
}
