/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Stage 2: semantic checks. Validates every value, collects every problem,
 * and derives what rendering needs (ids, disjoint allow boxes, domain sets).
 */
#ifndef GALAF_CHECK_H
#define GALAF_CHECK_H

#include "lib/diag.h"
#include "policy/policy.h"

enum check_flags {
	/* Unknown groups/users and gid mismatches with this machine are errors (apply). */
	CHECK_STRICT_SYSTEM = 1 << 0,
	/* Do not consult this machine's user and group databases. */
	CHECK_NO_SYSTEM = 1 << 1,
	/* Hash pinned commands on this machine; a mismatch is a warning (check). */
	CHECK_PINS = 1 << 2,
};

/* Returns 0 when P has no errors, -EINVAL when D holds errors, -ENOMEM. */
int policy_check(struct policy *p, struct diags *d, unsigned flags);

#endif
