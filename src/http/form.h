/* form.h -- application/x-www-form-urlencoded, first occurrence wins.
 *
 * nginx-rtmp puts its own fields first and appends the client's stream-URL
 * arguments raw, so a client can repeat a key (…&name=deny&…&name=allowed).
 * Taking the first occurrence of every key defeats that (rtmp.md, gotcha 4). */
#ifndef LC_HTTP_FORM_H
#define LC_HTTP_FORM_H

#include <stdbool.h>
#include <stddef.h>

/* Decodes the value of the first occurrence of key in the form text
 * s[0..n) into out (NUL-terminated).  Returns false when the key is absent
 * or the decoded value (after %XX and '+' decoding) does not fit in out or
 * contains a NUL byte. */
bool lc_form_get(const char *s, size_t n, const char *key, char *out, size_t outlen);

#endif
