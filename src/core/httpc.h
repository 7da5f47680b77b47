/* httpc.h -- a minimal blocking HTTP/1.1 client for the calls the server
 * makes itself: nginx-rtmp's control API (cutting a stream) and notice
 * webhooks.  http:// and https:// (TLS 1.2 or later through OpenSSL; the
 * peer's certificate must chain to the system's trust store, or to the file
 * in SSL_CERT_FILE, and name the host: a DNS name, or an IP address for an
 * IP literal); one request per connection. */
#ifndef LC_CORE_HTTPC_H
#define LC_CORE_HTTPC_H

#include <stddef.h>

#include "core/err.h"

/* Sends method url (http[s]://host[:port]/path?query) with an optional body
 * (ctype may be NULL when body is NULL) and waits at most timeout_ms for
 * the status line.  *status gets the HTTP status.  LC_EINVAL for a URL it
 * cannot use, LC_EIO when the peer cannot be reached, fails the TLS checks
 * or does not answer.  Thread-safe. */
LC_MUST_USE enum lc_err lc_httpc_request(const char *method, const char *url,
                                         const char *ctype, const char *body, size_t len,
                                         int timeout_ms, int *status);

#endif
