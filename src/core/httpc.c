/* httpc.c -- see httpc.h.  getaddrinfo, one connect with a deadline, one
 * write, read until the status line is complete. */
#include "core/httpc.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/time.h"

struct url {
    char host[256], port[8], path[2048];
};

static enum lc_err parse_url(const char *u, struct url *out)
{
    if (strncmp(u, "http://", 7) != 0)
        return LC_EINVAL;
    u += 7;
    size_t h = strcspn(u, ":/");
    if (h == 0 || h >= sizeof out->host)
        return LC_EINVAL;
    memcpy(out->host, u, h);
    out->host[h] = 0;
    u += h;
    snprintf(out->port, sizeof out->port, "80");
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

static enum lc_err send_all(int fd, const char *p, size_t n, uint64_t deadline)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w > 0) {
            p += w;
            n -= (size_t)w;
        } else if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
            if (!wait_fd(fd, POLLOUT, deadline))
                return LC_EIO;
        } else {
            return LC_EIO;
        }
    }
    return LC_OK;
}

static enum lc_err read_status(int fd, uint64_t deadline, int *status)
{
    char buf[512];
    size_t n = 0;
    while (n < sizeof buf - 1 && !memchr(buf, '\n', n)) {
        if (!wait_fd(fd, POLLIN, deadline))
            return LC_EIO;
        ssize_t r = recv(fd, buf + n, sizeof buf - 1 - n, 0);
        if (r <= 0 && !(r < 0 && (errno == EAGAIN || errno == EINTR)))
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
    int fd = dial(&u, deadline);
    if (fd < 0)
        return LC_EIO;
    char head[2600];
    int hn = snprintf(head, sizeof head,
                      "%s %s HTTP/1.1\r\nHost: %s:%s\r\nConnection: close\r\n"
                      "Content-Length: %zu\r\n%s%s%s\r\n",
                      method, u.path, u.host, u.port, body ? len : 0,
                      ctype ? "Content-Type: " : "", ctype ? ctype : "", ctype ? "\r\n" : "");
    enum lc_err err = hn > 0 && (size_t)hn < sizeof head ? LC_OK : LC_EINVAL;
    if (err == LC_OK)
        err = send_all(fd, head, (size_t)hn, deadline);
    if (err == LC_OK && body && len)
        err = send_all(fd, body, len, deadline);
    if (err == LC_OK)
        err = read_status(fd, deadline, status);
    close(fd);
    return err;
}
