/* store.c -- backend-independent parts of the storage interface.
 *
 * Record lifecycle (cleanup, deep copy) and the lc_store_* wrappers that
 * domain code calls instead of reaching into s->ops.  The wrappers check
 * only what every backend would check the same way. */
#define _POSIX_C_SOURCE 200809L
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

void lc_record_cleanup(struct lc_record *r)
{
    if (!r)
        return;
    free(r->scope);
    free(r->key);
    free(r->ref);
    free(r->body);
    memset(r, 0, sizeof *r);
}

/* strdup that keeps NULL as NULL; false only when allocation fails. */
static bool dup_opt(char **dst, const char *src)
{
    *dst = NULL;
    if (!src)
        return true;
    *dst = strdup(src);
    return *dst != NULL;
}

/* dst is written only on LC_OK; its old heap fields are not freed. */
enum lc_err lc_record_copy(struct lc_record *dst, const struct lc_record *src)
{
    struct lc_record tmp;
    enum lc_err err = LC_OK;

    if (!dst || !src)
        return LC_EINVAL;
    tmp = *src;
    tmp.scope = tmp.key = tmp.ref = tmp.body = NULL;
    if (!dup_opt(&tmp.scope, src->scope) || !dup_opt(&tmp.key, src->key) ||
        !dup_opt(&tmp.ref, src->ref) || !dup_opt(&tmp.body, src->body)) {
        err = LC_ENOMEM;
        goto out;
    }
    *dst = tmp;
out:
    if (err != LC_OK)
        lc_record_cleanup(&tmp);
    return err;
}

enum lc_err lc_store_apply(struct lc_store *s, const struct lc_write *w, size_t n)
{
    if (!s)
        return LC_EINVAL;
    enum lc_err err = s->ops->apply(s, w, n);
    if (err == LC_OK && s->observe)
        err = s->observe(s->observe_ctx, w, n);
    return err;
}

void lc_store_observe(struct lc_store *s, lc_store_observer fn, void *ctx)
{
    s->observe = fn;
    s->observe_ctx = ctx;
}

enum lc_err lc_store_insert(struct lc_store *s, const struct lc_record *r)
{
    struct lc_write w = {.op = LC_WRITE_INSERT, .rec = r};

    return lc_store_apply(s, &w, 1);
}

enum lc_err lc_store_update(struct lc_store *s, const struct lc_record *r)
{
    struct lc_write w = {.op = LC_WRITE_UPDATE, .rec = r};

    return lc_store_apply(s, &w, 1);
}

enum lc_err lc_store_get(struct lc_store *s, const char *kind, const char *id,
                         struct lc_record *out)
{
    if (!s)
        return LC_EINVAL;
    return s->ops->get(s, kind, id, out);
}

enum lc_err lc_store_find(struct lc_store *s, const char *kind, const char *key,
                          struct lc_record *out)
{
    if (!s)
        return LC_EINVAL;
    return s->ops->find(s, kind, key, out);
}

enum lc_err lc_store_list(struct lc_store *s, const struct lc_query *q, lc_record_fn fn,
                          void *ctx)
{
    if (!s)
        return LC_EINVAL;
    return s->ops->list(s, q, fn, ctx);
}

void lc_store_close(struct lc_store *s)
{
    if (s)
        s->ops->close(s);
}
