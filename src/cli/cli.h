/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What every command line shares. The library below never prints; these
 * helpers are where a command reports, once, and picks its exit code.
 */
#ifndef GALAF_CLI_H
#define GALAF_CLI_H

#include <getopt.h>
#include <stdbool.h>

#include "policy/policy.h"
#include "render/compile.h"

#define DEFAULT_POLICY "/etc/galaf/galaf.json"

/* "PROGRAM: MESSAGE" and a pointer to --help, on stderr. */
__attribute__((format(printf, 1, 2))) void usage_error(const char *fmt, ...);
/*
 * Parses --help, --version and the options in OPTS of a subcommand, calling
 * ON_OPT for each; returns optind, -1 when it printed help or the version,
 * -2 after a usage error.
 */
int sub_getopt(int argc, char **argv, const char *help, const struct option *opts,
	       int (*on_opt)(int c, void *ctx), void *ctx);
/*
 * sub_getopt for a subcommand whose verb may come before its options
 * (galaf-config marker load --cgroup DIR): options and arguments in any
 * order (the arguments end up from the returned optind on), the short
 * options SHORTOPTS ("h" among them), and usage errors of its own wording:
 * ON_OPT gets '?' too, for an unknown option or a missing argument (the
 * option is argv[optind - 1]), and returns nonzero after calling
 * usage_error. Returns as sub_getopt does.
 */
int cli_getopt_any(int argc, char **argv, const char *shortopts, const char *help,
		   const struct option *opts, int (*on_opt)(int c, void *ctx), void *ctx);
/* Loads and checks FILE, printing diagnostics; 0 when it has no errors. */
int load_and_check(const char *file, unsigned flags, struct policy *p, bool quiet_ok);
/* Every entry needs an id to render: prints those that have none; -EINVAL then. */
int require_ids(const struct policy *p, const char *file);
/* validate_in_private_netns(), its diagnostics printed against FILE. */
int cli_validate(struct policy *p, const char *file);
/* compile_policy(), its diagnostics printed against FILE. */
int cli_compile(struct policy *p, const char *file, struct compiled *c);
/* Locks STATE_DIR against a concurrent apply, saying so when it has to wait. */
int cli_lock(const char *state_dir);

#endif
