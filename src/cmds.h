/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the galaf-config subcommands share. */
#ifndef GALAF_CMDS_H
#define GALAF_CMDS_H

#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>

#include "policy.h"

__attribute__((format(printf, 1, 2)))
void usage_error(const char *fmt, ...);
/* Loads and checks FILE, printing diagnostics; 0 when it has no errors. */
int load_and_check(const char *file, unsigned flags, struct policy *p, bool quiet_ok);
int require_ids(const struct policy *p, const char *file);
int sub_getopt(int argc, char **argv, const char *help, const struct option *opts,
	       int (*on_opt)(int c, void *ctx), void *ctx);
/* Test-loads the rendered ruleset in a private network namespace (nft.c). */
int validate_in_private_netns(struct policy *p, const char *file);

#endif
