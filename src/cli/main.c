/* main.c -- the livecomply command line: parses arguments, calls the library.
 *
 *   livecomply serve --listen ADDR:PORT --data DIR [--threads N] [--demo]
 *   livecomply token create --data DIR --role ROLE [--agency ID]
 *   livecomply ident check (--id-number X | --credit-code X)
 *
 * Exit codes: 0 success, 1 failure, 2 usage error, 3 invalid input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "http/auth.h"
#include "http/server.h"
#include "ident/ident.h"

static const char usage_main[] =
    "usage: livecomply COMMAND [OPTIONS]\n"
    "\n"
    "commands:\n"
    "  serve         run the HTTP API and the nginx-rtmp hooks\n"
    "  token create  create an API token for a role\n"
    "  ident check   validate a resident ID number or a credit code\n"
    "  scan          moderate lines of text offline with rule packs\n"
    "  rules check   validate rule-pack files\n"
    "  archive       verify the archive or export evidence (server stopped)\n"
    "  verify        check an evidence bundle offline\n"
    "  version       print the version\n"
    "\n"
    "`livecomply COMMAND --help` describes each command.\n";

static const char usage_serve[] =
    "usage: livecomply serve [--listen ADDR:PORT] [--data DIR] [--rules PATH] [--threads N]\n"
    "                        [--policy FILE] [--nginx-control URL] [--notify-url URL]\n"
    "                        [--purge-every SECONDS] [--demo]\n"
    "\n"
    "Runs the API, the console endpoints and the nginx-rtmp hooks until SIGTERM/SIGINT.\n"
    "  --listen ADDR:PORT  IPv4 address and port (default 127.0.0.1:8080)\n"
    "  --data DIR          data folder: database, keys, logs (default ./var)\n"
    "  --rules PATH        rule packs for moderation (default ./rules if present)\n"
    "  --threads N         HTTP worker threads (default 16, or 8 x cores if more)\n"
    "  --policy FILE       enforcement policy (default ./policy/default.policy if present)\n"
    "  --nginx-control URL nginx-rtmp control URL used to cut suspended streams,\n"
    "                      e.g. http://127.0.0.1:8088/control\n"
    "  --notify-url URL    webhook (http:// or https://) receiving notices to sanctioned\n"
    "                      subjects, retried; https uses the system CAs or SSL_CERT_FILE\n"
    "  --purge-every SECONDS  retention sweep: purge the personal data of records whose\n"
    "                      retention ended and no hold covers (default 3600; 0: never)\n"
    "  --demo              load a small demo data set if the folder is empty\n";

static const char usage_token[] =
    "usage: livecomply token create --data DIR --role ROLE [--agency ID]\n"
    "\n"
    "Prints a new bearer token on stdout.  Only its hash is stored, so keep it.\n"
    "Roles: admin, operator, agency (needs --agency), regulator, hook, ingest.\n";

static const char usage_scan[] =
    "usage: livecomply scan --rules PATH [--engine auto|vectorscan|ac] [FILE|-]\n"
    "\n"
    "Scans each line of FILE (or standard input) with the rule packs in PATH (a\n"
    "folder of *.rules or one pack) and prints one JSON object per line, in order:\n"
    "  {\"line\":N,\"verdict\":\"pass|review|block\",\"hits\":[...],\"version\":\"...\"}\n"
    "A line that cannot be scanned gets {\"line\":N,\"error\":{...}} instead.\n"
    "Exit 0 when every line was processed, 3 when the packs are invalid.\n";

static const char usage_rules[] =
    "usage: livecomply rules check PATH...\n"
    "\n"
    "Validates rule packs: each PATH is a *.rules file (checked alone) or a folder\n"
    "(loaded whole, so rule ids must be unique across its packs).  Prints\n"
    "FILE: ok, N rules or FILE:LINE: problem; exit 0 when all are valid, 3 if not.\n";

static const char usage_ident[] =
    "usage: livecomply ident check (--id-number X | --credit-code X)\n"
    "\n"
    "Checks a resident ID number (GB 11643) or a unified social credit code\n"
    "(GB 32100).  Exit 0 when valid, 3 when not; the ID is printed masked.\n";

/* Returns the value after flag name at argv[*i], advancing *i; NULL if absent. */
static const char *opt(int argc, char **argv, int *i, const char *name)
{
    if (strcmp(argv[*i], name) != 0)
        return NULL;
    if (*i + 1 >= argc) {
        fprintf(stderr, "livecomply: %s needs a value\n", name);
        exit(2);
    }
    return argv[++*i];
}

static int wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return 1;
    return 0;
}

static int bad_arg(const char *usage, const char *arg)
{
    fprintf(stderr, "livecomply: unknown argument: %s\n\n%s", arg, usage);
    return 2;
}

static int cmd_serve(int argc, char **argv)
{
    struct lc_serve_opts o = {"127.0.0.1:8080", "var", 0,    false,
                              NULL,             NULL,  NULL, NULL, LC_PURGE_EVERY_DEFAULT};
    if (wants_help(argc, argv)) {
        fputs(usage_serve, stdout);
        return 0;
    }
    for (int i = 1; i < argc; i++) {
        const char *v;
        if ((v = opt(argc, argv, &i, "--listen")))
            o.listen = v;
        else if ((v = opt(argc, argv, &i, "--data")))
            o.data_dir = v;
        else if ((v = opt(argc, argv, &i, "--rules")))
            o.rules = v;
        else if ((v = opt(argc, argv, &i, "--policy")))
            o.policy = v;
        else if ((v = opt(argc, argv, &i, "--nginx-control")))
            o.nginx_control = v;
        else if ((v = opt(argc, argv, &i, "--notify-url")))
            o.notify_url = v;
        else if ((v = opt(argc, argv, &i, "--purge-every"))) {
            char *end;
            unsigned long n = strtoul(v, &end, 10);
            if (!*v || *end || *v == '-' || n > LC_PURGE_EVERY_MAX) {
                fprintf(stderr, "livecomply serve: --purge-every must be 0..%u seconds\n",
                        LC_PURGE_EVERY_MAX);
                return 2;
            }
            o.purge_every = (unsigned)n;
        } else if ((v = opt(argc, argv, &i, "--threads"))) {
            o.threads = (unsigned)atoi(v);
            if (o.threads < 1 || o.threads > 256) {
                fprintf(stderr, "livecomply serve: --threads must be 1..256\n");
                return 2;
            }
        } else if (!strcmp(argv[i], "--demo"))
            o.demo = true;
        else
            return bad_arg(usage_serve, argv[i]);
    }
    return lc_serve(&o);
}

static int cmd_token(int argc, char **argv)
{
    const char *data = NULL, *role = NULL, *agency = NULL;
    if (wants_help(argc, argv) || argc < 2 || strcmp(argv[1], "create") != 0) {
        fputs(usage_token, wants_help(argc, argv) ? stdout : stderr);
        return wants_help(argc, argv) ? 0 : 2;
    }
    for (int i = 2; i < argc; i++) {
        const char *v;
        if ((v = opt(argc, argv, &i, "--data")))
            data = v;
        else if ((v = opt(argc, argv, &i, "--role")))
            role = v;
        else if ((v = opt(argc, argv, &i, "--agency")))
            agency = v;
        else
            return bad_arg(usage_token, argv[i]);
    }
    if (!data || !role) {
        fprintf(stderr, "livecomply token create: --data and --role are required\n");
        return 2;
    }
    if (!lc_role_parse(role)) {
        fprintf(stderr, "livecomply token create: unknown role %s\n", role);
        return 2;
    }
    struct lc_store *s = NULL;
    char why[256] = "", tok[LC_TOKEN_MAX];
    if (lc_data_open_store(data, &s, why, sizeof why) != LC_OK) {
        fprintf(stderr, "livecomply token create: %s\n", why);
        return 1;
    }
    enum lc_err err = lc_auth_create(s, lc_role_parse(role), agency, tok, why, sizeof why);
    lc_store_close(s);
    if (err != LC_OK) {
        fprintf(stderr, "livecomply token create: %s\n", why);
        return err == LC_EINVAL || err == LC_ENOTFOUND ? 3 : 1;
    }
    printf("%s\n", tok);
    return 0;
}

static int cmd_scan(int argc, char **argv)
{
    const char *rules = NULL, *input = NULL;
    enum lc_engine engine = LC_ENGINE_AUTO;
    if (wants_help(argc, argv)) {
        fputs(usage_scan, stdout);
        return 0;
    }
    for (int i = 1; i < argc; i++) {
        const char *v;
        if ((v = opt(argc, argv, &i, "--rules"))) {
            rules = v;
        } else if ((v = opt(argc, argv, &i, "--engine"))) {
            if (!strcmp(v, "auto"))
                engine = LC_ENGINE_AUTO;
            else if (!strcmp(v, "vectorscan"))
                engine = LC_ENGINE_VECTORSCAN;
            else if (!strcmp(v, "ac"))
                engine = LC_ENGINE_AC;
            else
                return bad_arg(usage_scan, v);
        } else if (!input && (argv[i][0] != '-' || !strcmp(argv[i], "-"))) {
            input = argv[i];
        } else {
            return bad_arg(usage_scan, argv[i]);
        }
    }
    if (!rules) {
        fprintf(stderr, "livecomply scan: --rules is required\n\n%s", usage_scan);
        return 2;
    }
    return lc_cli_scan(rules, input, engine);
}

static int cmd_rules(int argc, char **argv)
{
    if (wants_help(argc, argv)) {
        fputs(usage_rules, stdout);
        return 0;
    }
    if (argc < 3 || strcmp(argv[1], "check") != 0) {
        fputs(usage_rules, stderr);
        return 2;
    }
    return lc_cli_rules_check(argc - 2, argv + 2);
}

static int cmd_ident(int argc, char **argv)
{
    const char *idn = NULL, *code = NULL;
    if (wants_help(argc, argv) || argc < 2 || strcmp(argv[1], "check") != 0) {
        fputs(usage_ident, wants_help(argc, argv) ? stdout : stderr);
        return wants_help(argc, argv) ? 0 : 2;
    }
    for (int i = 2; i < argc; i++) {
        const char *v;
        if ((v = opt(argc, argv, &i, "--id-number")))
            idn = v;
        else if ((v = opt(argc, argv, &i, "--credit-code")))
            code = v;
        else
            return bad_arg(usage_ident, argv[i]);
    }
    if (!idn == !code) {
        fprintf(stderr, "livecomply ident check: give one of --id-number or --credit-code\n");
        return 2;
    }
    char norm[LC_IDNUM_LEN + 1], why[128] = "", masked[32];
    struct lc_date birth;
    enum lc_err err =
        idn ? lc_ident_check_id_number(idn, lc_date_at(lc_time_now(), LC_CST_OFFSET), norm,
                                       &birth, why, sizeof why)
            : lc_ident_check_credit_code(code, norm, why, sizeof why);
    if (err != LC_OK) {
        printf("invalid: %s\n", why);
        return 3;
    }
    if (idn) {
        lc_ident_mask_id(norm, masked, sizeof masked);
        printf("valid resident ID %s, age %d\n", masked,
               lc_age_years(birth, lc_date_at(lc_time_now(), LC_CST_OFFSET)));
    } else {
        printf("valid credit code %s\n", norm);
    }
    return 0;
}

int main(int argc, char **argv)
{
    /* Everything livecomply creates (database, WAL, keys, logs, the data
     * folder) holds records about people: readable by its owner only. */
    umask(077);
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
        !strcmp(argv[1], "help")) {
        fputs(usage_main, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "serve"))
        return cmd_serve(argc - 1, argv + 1);
    if (!strcmp(cmd, "token"))
        return cmd_token(argc - 1, argv + 1);
    if (!strcmp(cmd, "ident"))
        return cmd_ident(argc - 1, argv + 1);
    if (!strcmp(cmd, "scan"))
        return cmd_scan(argc - 1, argv + 1);
    if (!strcmp(cmd, "rules"))
        return cmd_rules(argc - 1, argv + 1);
    if (!strcmp(cmd, "archive"))
        return lc_cli_archive(argc - 1, argv + 1);
    if (!strcmp(cmd, "verify"))
        return lc_cli_verify(argc - 1, argv + 1);
    if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
        printf("livecomply %s\n", LC_VERSION);
        return 0;
    }
    fprintf(stderr, "livecomply: unknown command %s\n\n%s", cmd, usage_main);
    return 2;
}
