/* auth.h -- bearer tokens and roles.
 *
 * A token is "lct_" + 43 base64url characters (32 random bytes).  Only its
 * SHA-256 is stored (a store record of kind "token" keyed by the hash), so
 * a copy of the database does not hand out working tokens.  Agency tokens
 * carry the one agency they may act for. */
#ifndef LC_HTTP_AUTH_H
#define LC_HTTP_AUTH_H

#include "core/cache.h"
#include "core/id.h"
#include "store/store.h"

enum lc_role {
    LC_ROLE_ADMIN = 1u << 0,
    LC_ROLE_OPERATOR = 1u << 1,
    LC_ROLE_AGENCY = 1u << 2,
    LC_ROLE_REGULATOR = 1u << 3,
    LC_ROLE_HOOK = 1u << 4,
    LC_ROLE_INGEST = 1u << 5,
};

struct lc_principal {
    unsigned role; /* one enum lc_role bit; 0 = anonymous */
    char agency[LC_ID_MAX];
    char token_id[LC_ID_MAX];
};

#define LC_TOKEN_MAX 64

/* Role from its name ("admin", ...); 0 when unknown. */
unsigned lc_role_parse(const char *name);
const char *lc_role_name(unsigned role);
/* Creates a token; the clear token goes to out (LC_TOKEN_MAX bytes) and is
 * never stored.  agency is required for, and only for, the agency role. */
LC_MUST_USE enum lc_err lc_auth_create(struct lc_store *s, unsigned role, const char *agency,
                                       char *out, char *why, size_t whylen);
/* Looks a presented token up; LC_EDENIED when unknown or malformed.
 * cache (may be NULL) holds recent answers by token hash; see
 * lc_auth_cache_new. */
LC_MUST_USE enum lc_err lc_auth_check(struct lc_store *s, struct lc_cache *cache,
                                      const char *token, struct lc_principal *out);
/* A cache for lc_auth_check; tokens are re-read from the store at least
 * every 5 seconds. */
LC_MUST_USE enum lc_err lc_auth_cache_new(struct lc_cache **out);

#endif
