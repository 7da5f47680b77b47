/* scan.c -- `livecomply scan` and `livecomply rules check`: the moderation
 * engine offline, on lines of text and on rule-pack files.
 *
 * scan prints one JSON object per input line, in input order:
 *   {"line":N,"verdict":"pass|review|block","hits":[...],"version":"..."}
 * or, for a line that cannot be scanned (invalid UTF-8, too long),
 *   {"line":N,"error":{"code":"...","message":"...","offset":K}}
 * so a bad line never stops the run or shifts the output. */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "rules/rules.h"
#include "text/text.h"

static void print_obj(FILE *out, json_t *o)
{
    char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
    if (s) {
        fputs(s, out);
        fputc('\n', out);
    }
    free(s);
    json_decref(o);
}

static json_t *line_error(size_t line, const char *code, const char *msg, long offset)
{
    json_t *e = json_pack("{s:s, s:s}", "code", code, "message", msg);
    if (e && offset >= 0)
        json_object_set_new(e, "offset", json_integer(offset));
    return json_pack("{s:I, s:o}", "line", (json_int_t)line, "error", e);
}

/* Scans one line and prints its result. */
static void scan_line(const struct lc_ruleset *rs, struct lc_scanner *sc, const char *text,
                      size_t len, size_t lineno, FILE *out)
{
    struct lc_scan_item item = {text, len, "chat", NULL};
    enum lc_verdict v;
    json_t *hits = NULL;
    size_t bad = 0;
    enum lc_err err = lc_rules_scan(rs, sc, &item, &v, &hits, &bad);
    if (err == LC_EINVAL) {
        print_obj(out, line_error(lineno, "invalid_utf8", "the line is not valid UTF-8",
                                  (long)bad));
        return;
    }
    if (err == LC_ETOOBIG) {
        print_obj(out, line_error(lineno, "too_long", "the line is longer than 1 MiB", -1));
        return;
    }
    if (err != LC_OK) {
        print_obj(out, line_error(lineno, "internal", lc_err_name(err), -1));
        return;
    }
    print_obj(out, json_pack("{s:I, s:s, s:o, s:s}", "line", (json_int_t)lineno, "verdict",
                             lc_verdict_name(v), "hits", hits ? hits : json_array(),
                             "version", lc_ruleset_version(rs)));
}

int lc_cli_scan(const char *rules, const char *input, enum lc_engine engine)
{
    struct lc_ruleset *rs = NULL;
    struct lc_scanner *sc = NULL;
    struct lc_rules_diag diag = {0};
    if (lc_text_init() != LC_OK) {
        fprintf(stderr, "livecomply scan: cannot build the text tables\n");
        return 1;
    }
    enum lc_err err = lc_rules_load(rules, engine, &rs, &diag);
    if (err != LC_OK) {
        fprintf(stderr, "livecomply scan: %s:%u: %s\n", diag.file[0] ? diag.file : rules,
                diag.line, diag.message[0] ? diag.message : lc_err_name(err));
        return err == LC_EINVAL ? 3 : 1;
    }
    FILE *in = !input || !strcmp(input, "-") ? stdin : fopen(input, "rb");
    if (!in) {
        fprintf(stderr, "livecomply scan: cannot open %s\n", input);
        lc_ruleset_free(rs);
        return 1;
    }
    if (lc_scanner_new(&sc) != LC_OK) {
        fprintf(stderr, "livecomply scan: out of memory\n");
        lc_ruleset_free(rs);
        return 1;
    }
    char *line = NULL;
    size_t cap = 0, lineno = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, in)) >= 0) {
        lineno++;
        size_t len = (size_t)n;
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            len--;
        scan_line(rs, sc, line, len, lineno, stdout);
    }
    free(line);
    if (in != stdin)
        fclose(in);
    lc_scanner_free(sc);
    lc_ruleset_free(rs);
    return fflush(stdout) == 0 ? 0 : 1;
}

/* Reads a whole file (capped); NULL on failure. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t n = 0, cap = 0, r;
    char chunk[65536];
    while ((r = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (n + r > (16u << 20)) {
            free(buf);
            fclose(f);
            return NULL;
        }
        if (n + r + 1 > cap) {
            cap = (n + r + 1) * 2;
            char *b = realloc(buf, cap);
            if (!b) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = b;
        }
        memcpy(buf + n, chunk, r);
        n += r;
    }
    fclose(f);
    if (!buf && !(buf = calloc(1, 1)))
        return NULL;
    buf[n] = '\0';
    *len = n;
    return buf;
}

int lc_cli_rules_check(int nfiles, char **files)
{
    int bad = 0;
    if (lc_text_init() != LC_OK) {
        fprintf(stderr, "livecomply rules check: cannot build the text tables\n");
        return 1;
    }
    for (int i = 0; i < nfiles; i++) {
        struct stat st;
        struct lc_rules_diag diag = {0};
        size_t nrules = 0, len = 0;
        if (stat(files[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            struct lc_ruleset *rs = NULL;
            if (lc_rules_load(files[i], LC_ENGINE_AUTO, &rs, &diag) != LC_OK) {
                printf("%s:%u: %s\n", diag.file, diag.line, diag.message);
                bad = 1;
            } else {
                printf("%s: ok, %zu rules (%s)\n", files[i], lc_ruleset_count(rs),
                       lc_ruleset_version(rs));
            }
            lc_ruleset_free(rs);
            continue;
        }
        char *text = slurp(files[i], &len);
        if (!text) {
            printf("%s: cannot read the file\n", files[i]);
            bad = 1;
            continue;
        }
        if (lc_rules_check_text(text, len, files[i], &diag, &nrules) != LC_OK) {
            printf("%s:%u: %s\n", diag.file[0] ? diag.file : files[i], diag.line,
                   diag.message);
            bad = 1;
        } else {
            printf("%s: ok, %zu rules\n", files[i], nrules);
        }
        free(text);
    }
    return bad ? 3 : 0;
}
