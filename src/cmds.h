/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the galaf-config subcommands share. */
#ifndef GALAF_CMDS_H
#define GALAF_CMDS_H

#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "policy.h"

#define DEFAULT_POLICY "/etc/galaf/galaf.json"

int cmd_apply(int argc, char **argv);
int cmd_rollback(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_groups(int argc, char **argv);
int cmd_suggest(int argc, char **argv); /* suggest.c */
int cmd_cgroups(int argc, char **argv); /* cgroups.c */
/*
 * Rebuilds the cgroup sets of POLICY's entries from the cgroups that exist
 * now; missing ones are warnings (unless QUIET). -ENOENT/-ENOTSUP when no
 * cgroup2 hierarchy nft can use is mounted, other -errno when nft refused.
 */
int cgroups_sync(const struct policy *p, bool quiet);
int cmd_desktop(int argc, char **argv); /* desktop.c */
int cmd_pin(int argc, char **argv);	/* pin.c */

__attribute__((format(printf, 1, 2))) void usage_error(const char *fmt, ...);
/* Loads and checks FILE, printing diagnostics; 0 when it has no errors. */
int load_and_check(const char *file, unsigned flags, struct policy *p, bool quiet_ok);
int require_ids(const struct policy *p, const char *file);
bool policy_has_fragments(const struct policy *p);
int sub_getopt(int argc, char **argv, const char *help, const struct option *opts,
	       int (*on_opt)(int c, void *ctx), void *ctx);
/* Prints nft's errors, at the policy entries whose fragments caused them. */
size_t report_nft_errors(const struct policy *p, const char *file, const char *err, int line_offset);
/* Test-loads the rendered ruleset in a private network namespace (nft.c). */
int validate_in_private_netns(struct policy *p, const char *file);

#endif
