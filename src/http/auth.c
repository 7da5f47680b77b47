/* auth.c -- token creation and lookup through the store. */
#include "http/auth.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "core/time.h"

#define K_TOKEN "token"

static const char *const role_names[] = {"admin", "operator", "agency",
                                         "regulator", "hook", "ingest"};

unsigned lc_role_parse(const char *name)
{
    for (unsigned i = 0; name && i < sizeof role_names / sizeof *role_names; i++)
        if (strcmp(name, role_names[i]) == 0)
            return 1u << i;
    return 0;
}

const char *lc_role_name(unsigned role)
{
    for (unsigned i = 0; i < sizeof role_names / sizeof *role_names; i++)
        if (role == 1u << i)
            return role_names[i];
    return "anonymous";
}

static void token_hash(const char *token, char *hex)
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)token, strlen(token));
    sodium_bin2hex(hex, 65, h, sizeof h);
}

enum lc_err lc_auth_create(struct lc_store *s, unsigned role, const char *agency, char *out,
                           char *why, size_t whylen)
{
    if (!role || (role == LC_ROLE_AGENCY) != (agency != NULL)) {
        snprintf(why, whylen, "%s", !role ? "unknown role" :
                 agency ? "--agency is only for the agency role" :
                          "the agency role needs --agency ID");
        return LC_EINVAL;
    }
    if (agency) {
        struct lc_record a = {0};
        enum lc_err err = lc_store_get(s, "agency", agency, &a);
        lc_record_cleanup(&a);
        if (err != LC_OK) {
            snprintf(why, whylen, "no agency with id %s", agency);
            return err;
        }
    }
    unsigned char rnd[32];
    char tok[LC_TOKEN_MAX], hex[65];
    randombytes_buf(rnd, sizeof rnd);
    memcpy(tok, "lct_", 4);
    sodium_bin2base64(tok + 4, sizeof tok - 4, rnd, sizeof rnd,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    token_hash(tok, hex);
    struct lc_record r = {0};
    snprintf(r.kind, sizeof r.kind, K_TOKEN);
    lc_id_new("token", r.id);
    r.created_at = r.updated_at = lc_time_now();
    r.key = hex;
    r.scope = (char *)agency;
    json_t *body = json_pack("{s:s, s:s, s:s?}", "id", r.id, "role", lc_role_name(role),
                             "agency_id", agency);
    r.body = body ? json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(body);
    enum lc_err err = r.body ? lc_store_insert(s, &r) : LC_ENOMEM;
    free(r.body);
    if (err != LC_OK) {
        snprintf(why, whylen, "could not store the token (%s)", lc_err_name(err));
        return err;
    }
    memcpy(out, tok, strlen(tok) + 1);
    sodium_memzero(tok, sizeof tok);
    return LC_OK;
}

enum lc_err lc_auth_cache_new(struct lc_cache **out)
{
    return lc_cache_new(1024, sizeof(struct lc_principal), 5000000000ull, out);
}

enum lc_err lc_auth_check(struct lc_store *s, struct lc_cache *cache, const char *token,
                          struct lc_principal *out)
{
    char hex[65];
    if (!token || strncmp(token, "lct_", 4) != 0 || strlen(token) >= LC_TOKEN_MAX)
        return LC_EDENIED;
    token_hash(token, hex);
    if (cache && lc_cache_get(cache, hex, 0, out))
        return LC_OK;
    struct lc_record r = {0};
    enum lc_err err = lc_store_find(s, K_TOKEN, hex, &r);
    if (err != LC_OK)
        return err == LC_ENOTFOUND ? LC_EDENIED : err;
    json_t *body = json_loads(r.body, 0, NULL);
    struct lc_principal p = {0};
    p.role = body ? lc_role_parse(json_string_value(json_object_get(body, "role"))) : 0;
    snprintf(p.agency, sizeof p.agency, "%s", r.scope ? r.scope : "");
    snprintf(p.token_id, sizeof p.token_id, "%s", r.id);
    json_decref(body);
    lc_record_cleanup(&r);
    if (!p.role)
        return LC_EDENIED;
    if (cache)
        lc_cache_put(cache, hex, 0, &p);
    *out = p;
    return LC_OK;
}
