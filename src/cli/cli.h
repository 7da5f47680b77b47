/* cli.h -- subcommands that do more than parse arguments; main.c calls
 * them.  Each returns the process exit code: 0 success, 1 failure,
 * 2 usage, 3 invalid input. */
#ifndef LC_CLI_CLI_H
#define LC_CLI_CLI_H

#include "match/match.h"

/* rules: a pack file or a folder of *.rules; input: a file or "-". */
int lc_cli_scan(const char *rules, const char *input, enum lc_engine engine);
/* Each argument: a pack file (checked alone) or a folder (loaded whole). */
int lc_cli_rules_check(int nfiles, char **files);
/* livecomply archive (verify|export) ...; argv[0] is "archive". */
int lc_cli_archive(int argc, char **argv);
/* livecomply verify BUNDLE [--key VKEY]; argv[0] is "verify". */
int lc_cli_verify(int argc, char **argv);

#endif
