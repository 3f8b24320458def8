/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Naming a conntrack mark "user/app": the policy first, then the system's
 * user and group databases, cached. Mark layout: lib/mark.h.
 */
#ifndef GALAF_STATS_NAMER_H
#define GALAF_STATS_NAMER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/diag.h"
#include "policy/policy.h"

/*
 * Loads and checks a policy for the tools (CHECK flags 0). Returns 0, -ENOENT
 * when FILE does not exist, -EACCES when it cannot be read, -EINVAL when it
 * has errors (in D).
 */
int names_policy_load(const char *file, struct policy *p, struct diags *d);

/* Names of ids, cached: the policy first, then the system's databases. */
struct id_map {
	struct id_slot *v;
	size_t n, cap;
	bool enumerated;
	unsigned direct;
};

struct namer {
	const struct policy *p;
	uint32_t mask; /* config.mark_mask */
	bool filled;
	struct id_map users, groups;
};

/* A mark, decoded. Strings belong to the namer. */
struct mark_name {
	uint32_t mark;
	const char *user; /* NULL: no uid half */
	const char *app;  /* NULL: no gid half */
	long uid, gid;	  /* -1 when absent; the uid half 1 is root, uid 0 */
	char label[160];  /* "user/app", "-/app", "user/-" or "unmarked" */
};

void namer_init(struct namer *n, const struct policy *p);
void namer_free(struct namer *n);
/* Returns 0 or -ENOMEM. */
int namer_name(struct namer *n, uint32_t mark, struct mark_name *ret);
/* The same without the label (left empty): what --prometheus needs, 60,000 times. */
int namer_halves(struct namer *n, uint32_t mark, struct mark_name *ret);

#endif
