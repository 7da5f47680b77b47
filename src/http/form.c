/* form.c -- a scanning, allocation-free urlencoded field lookup. */
#include "http/form.h"

#include <string.h>

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes s[0..n) into out; false on overflow, bad escape or NUL. */
static bool decode(const char *s, size_t n, char *out, size_t outlen)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%') {
            if (i + 2 >= n)
                return false;
            int hi = hexval(s[i + 1]), lo = hexval(s[i + 2]);
            if (hi < 0 || lo < 0)
                return false;
            c = (char)(hi * 16 + lo);
            i += 2;
        }
        if (c == '\0' || o + 1 >= outlen)
            return false;
        out[o++] = c;
    }
    out[o] = '\0';
    return true;
}

bool lc_form_get(const char *s, size_t n, const char *key, char *out, size_t outlen)
{
    size_t klen = strlen(key), i = 0;
    if (outlen == 0)
        return false;
    while (i < n) {
        size_t end = i;
        while (end < n && s[end] != '&')
            end++;
        size_t eq = i;
        while (eq < end && s[eq] != '=')
            eq++;
        if (eq - i == klen && memcmp(s + i, key, klen) == 0)
            return decode(s + (eq < end ? eq + 1 : end), eq < end ? end - eq - 1 : 0, out,
                          outlen);
        i = end + 1;
    }
    return false;
}
