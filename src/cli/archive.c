/* archive.c (cli) -- `livecomply archive verify|export` on a stopped
 * server's data folder, and `livecomply verify`, which checks an evidence
 * bundle offline with nothing but the bundle (and, best, a pinned key). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive/archive.h"
#include "cli/cli.h"
#include "core/file.h"

/* Bundles hold one room's or order's records; this bounds memory only. */
#define BUNDLE_CAP ((size_t)1 << 30)

static const char usage_archive[] =
    "usage: livecomply archive verify --data DIR\n"
    "       livecomply archive export --data DIR (--room ID | --order ID | --host ID)\n"
    "                                 --out FILE [--reveal]\n"
    "\n"
    "verify  re-reads every record of DIR/archive, rebuilds the Merkle tree and checks\n"
    "        every signed checkpoint against it; prints the first bad record.\n"
    "export  writes an evidence bundle: the matching records, their inclusion\n"
    "        proofs, a freshly signed checkpoint and the public key.  Personal\n"
    "        fields are masked unless --reveal (then the record keys are included\n"
    "        so the verifier can check them too).\n"
    "Run them while the server is stopped.  Exit 0 ok, 1 failure, 2 usage, 3 bad data.\n";

static const char usage_verify[] =
    "usage: livecomply verify BUNDLE [--key VERIFIER_KEY]\n"
    "\n"
    "Checks an evidence bundle offline: the checkpoint's Ed25519 signature, every\n"
    "record's inclusion proof against it, and that the shown content is what the\n"
    "log holds.  --key pins the log's public key (name+keyid+base64, as served at\n"
    "/v1/archive/key); without it the bundle's own key is trusted and a warning is\n"
    "printed.  Prints every failure; exit 0 when all hold, 3 when not.\n";

static int cmd_verify_dir(const char *data)
{
    char report[1024] = "";
    uint64_t size = 0;
    enum lc_err err = lc_archive_verify_dir(data, &size, report, sizeof report);
    if (err != LC_OK) {
        printf("FAILED: %s\n", report);
        return err == LC_ECORRUPT ? 3 : 1;
    }
    printf("%s\n", report);
    return 0;
}

static int write_out(const char *path, json_t *b)
{
    FILE *f = fopen(path, "wb");
    if (!f || json_dumpf(b, f, JSON_INDENT(1) | JSON_SORT_KEYS) != 0 || fputc('\n', f) == EOF) {
        if (f)
            fclose(f);
        fprintf(stderr, "livecomply archive export: cannot write %s\n", path);
        return 1;
    }
    return fclose(f) == 0 ? 0 : 1;
}

static int cmd_export(const char *data, const char *field, const char *value, const char *out,
                      int reveal)
{
    struct lc_archive *a = NULL;
    char why[512] = "";
    struct lc_errinfo e = {0};
    json_t *b = NULL;
    if (lc_archive_open(data, NULL, 0, &a, why, sizeof why) != LC_OK) {
        fprintf(stderr, "livecomply archive export: %s\n", why);
        return 1;
    }
    enum lc_err err = lc_archive_export(a, field, value, reveal, &b, &e);
    lc_archive_close(a);
    if (err != LC_OK) {
        fprintf(stderr, "livecomply archive export: %s\n", e.message);
        return 1;
    }
    size_t n = json_array_size(json_object_get(b, "records"));
    int rc = write_out(out, b);
    json_decref(b);
    if (rc == 0)
        printf("wrote %zu records to %s\n", n, out);
    return rc;
}

int lc_cli_archive(int argc, char **argv)
{
    const char *data = NULL, *out = NULL, *field = NULL, *value = NULL;
    int reveal = 0;
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(usage_archive, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *sub = argv[1];
    for (int i = 2; i < argc; i++) {
        const char *flags[] = {"--data", "--out", "--room", "--order", "--host"};
        int f = 0;
        while (f < 5 && strcmp(argv[i], flags[f]) != 0)
            f++;
        if (!strcmp(argv[i], "--reveal")) {
            reveal = 1;
            continue;
        }
        if (f == 5 || i + 1 >= argc) {
            fprintf(stderr, "livecomply archive: bad argument %s\n\n%s", argv[i], usage_archive);
            return 2;
        }
        const char *v = argv[++i];
        if (f == 0)
            data = v;
        else if (f == 1)
            out = v;
        else if (field) {
            fprintf(stderr, "livecomply archive: give one of --room, --order, --host\n");
            return 2;
        } else {
            field = f == 2 ? "room_id" : f == 3 ? "order_id" : "host_id";
            value = v;
        }
    }
    if (!data) {
        fprintf(stderr, "livecomply archive: --data is required\n\n%s", usage_archive);
        return 2;
    }
    if (!strcmp(sub, "verify"))
        return cmd_verify_dir(data);
    if (!strcmp(sub, "export")) {
        if (!field || !out) {
            fprintf(stderr, "livecomply archive export: --out and one of --room, --order, "
                            "--host are required\n");
            return 2;
        }
        return cmd_export(data, field, value, out, reveal);
    }
    fprintf(stderr, "livecomply archive: unknown subcommand %s\n\n%s", sub, usage_archive);
    return 2;
}

int lc_cli_verify(int argc, char **argv)
{
    const char *file = NULL, *key = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(usage_verify, stdout);
            return 0;
        } else if (!strcmp(argv[i], "--key") && i + 1 < argc) {
            key = argv[++i];
        } else if (!file && argv[i][0] != '-') {
            file = argv[i];
        } else {
            fprintf(stderr, "livecomply verify: bad argument %s\n\n%s", argv[i], usage_verify);
            return 2;
        }
    }
    if (!file) {
        fputs(usage_verify, stderr);
        return 2;
    }
    size_t n = 0, checked = 0;
    char *buf = NULL;
    enum lc_err rd = lc_file_read(file, BUNDLE_CAP, &buf, &n);
    if (rd != LC_OK) {
        fprintf(stderr, "livecomply verify: cannot read %s (%s)\n", file, lc_err_name(rd));
        return 1;
    }
    static char report[64 * 1024];
    enum lc_err err = lc_bundle_verify(buf, n, key, &checked, report, sizeof report);
    free(buf);
    if (!key)
        fprintf(stderr, "warning: no --key given; the bundle's own key was trusted\n");
    if (err != LC_OK) {
        printf("FAILED\n%s", report);
        return 3;
    }
    printf("ok: %zu records verified against a signed checkpoint\n", checked);
    return 0;
}
