/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Stage 5: make a checked policy real; the only stage that changes the system. */
#ifndef GALAF_APPLY_H
#define GALAF_APPLY_H

#include <stdbool.h>

#include "stats/state.h" /* PING_RANGE_FILE, STATE_GOOD */
#include "policy/policy.h"
#include "render/compile.h"
#include "lib/diag.h"
#include "lib/strbuf.h"

/* In config.state_dir: the last known good before the current one (what rollback restores). */
#define STATE_PREVIOUS "previous"

enum {
	APPLY_DRY_RUN = 1 << 0, /* ask the kernel, change nothing */
	APPLY_ROTATE = 1 << 1,	/* keep the old last known good as "previous" */
	APPLY_FULL = 1 << 2,	/* rebuild the whole table even when a delta would do */
	APPLY_PRINT = 1 << 3,	/* keep the nft commands sent (or that would be) for printing */
	APPLY_RECORD = 1 << 4,	/* record in state_dir whether it failed (apply, not rollback) */
};

/* How an apply ended; the command maps it to its exit status. */
enum apply_outcome {
	APPLY_OK,      /* applied (a dry run: would be) */
	APPLY_REFUSED, /* nft, or a table that is not galaf's, said no; nothing was changed */
	APPLY_FAILED,  /* the machine failed us (files, listing the table); nothing was changed */
	APPLY_PARTIAL, /* the ruleset is committed and in force, but a step after it failed */
};

/*
 * What an apply has to say, for the command to print once: every message
 * in order, and the result of the transaction, which goes to another
 * stream (the nft commands and the summary line go to stdout).
 */
struct apply_report {
	struct diags d;	       /* errors, warnings and notes, in the order they happened */
	struct strbuf script;  /* APPLY_PRINT: the nft commands the kernel accepted */
	struct strbuf summary; /* what was applied, or would be: one line, without FILE */
	struct strbuf failed;  /* APPLY_PARTIAL: the follow-up steps that failed, one a line */
	bool has_result;       /* a transaction went through (or would, dry) */
	size_t result_at;      /* then script and summary come before d.v[result_at] */
	/*
	 * Called once the ruleset is committed and before the follow-up steps
	 * (may be NULL): the dnsmasq reload may take config.dns.reload_timeout
	 * and writes to our stdout and stderr, so the command prints what is
	 * known so far, as it happened, before it.
	 */
	void (*progress)(struct apply_report *r, void *ctx);
	void *ctx;
};

/*
 * Applies the checked policy P from FILE, compiled to C, with the state
 * lock held: the transaction (only the difference when the loaded table is
 * the last known good one, unless APPLY_FULL), then the dnsmasq file and
 * gate index renamed into place, the reload command, the ping range, the
 * last known good state and the cgroup sets. Prints nothing: R gets it all.
 */
enum apply_outcome apply_compiled(const struct policy *p, const char *file,
				  const struct compiled *c, unsigned flags, struct apply_report *r);
void apply_report_free(struct apply_report *r);

#endif
