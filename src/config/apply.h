/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Stage 5: make a checked policy real; the only stage that changes the system. */
#ifndef GALAF_APPLY_H
#define GALAF_APPLY_H

#include <stdbool.h>

#include "stats/state.h" /* PING_RANGE_FILE, the ping range of this network namespace */
#include "policy/policy.h"
#include "lib/strbuf.h"

/*
 * Exit codes of the apply family of commands. EXIT_PARTIAL: the ruleset was
 * committed (the policy is in force), but a step after it failed (putting
 * the files in place, the dnsmasq reload, the ping range, saving the state).
 */
enum { EXIT_APPLIED = 0, EXIT_REFUSED = 1, EXIT_USAGE = 2, EXIT_SYSTEM = 3, EXIT_PARTIAL = 4 };

/*
 * Checks, renders and applies FILE in one transaction, writes the dnsmasq
 * file and gate index, runs the reload command, and saves the policy as
 * last known good. When the loaded table is the last known good one, only
 * the difference is sent (APPLY_FULL turns that off). Returns an exit code.
 */
enum {
	APPLY_DRY_RUN = 1 << 0, /* ask the kernel, change nothing */
	APPLY_ROTATE = 1 << 1,	/* keep the old last known good as "previous" */
	APPLY_FULL = 1 << 2,	/* rebuild the whole table even when a delta would do */
	APPLY_PRINT = 1 << 3,	/* print the nft commands sent (or that would be) */
	APPLY_RECORD = 1 << 4,	/* keep whether it failed in state_dir (apply, not rollback) */
};
int apply_policy_file(const char *file, unsigned flags);

#endif
