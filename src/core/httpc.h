/* httpc.h -- a minimal blocking HTTP/1.1 client for loopback-style calls
 * the server makes itself: nginx-rtmp's control API (cutting a stream) and
 * notice webhooks.  Plain http:// only; one request per connection. */
#ifndef LC_CORE_HTTPC_H
#define LC_CORE_HTTPC_H

#include <stddef.h>

#include "core/err.h"

/* Sends method url (http://host[:port]/path?query) with an optional body
 * (ctype may be NULL when body is NULL) and waits at most timeout_ms for
 * the status line.  *status gets the HTTP status.  LC_EINVAL for a URL it
 * cannot use, LC_EIO when the peer cannot be reached or does not answer. */
LC_MUST_USE enum lc_err lc_httpc_request(const char *method, const char *url,
                                         const char *ctype, const char *body, size_t len,
                                         int timeout_ms, int *status);

#endif
