/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Entries matched by cgroup: the ids in their sets (docs/cgroups.md). */
#ifndef GALAF_CONFIG_CGROUPS_H
#define GALAF_CONFIG_CGROUPS_H

#include <stdbool.h>

#include "lib/diag.h"
#include "policy/policy.h"

/* Where cgroups are, as nft must be told: below /sys/fs/cgroup, the cgroup2 root. */
struct cgroot {
	char mount[4096];
	const char *nft_prefix; /* "" or "unified/" on a hybrid host */
};

/* The cgroup2 root nft can use: 0, or -ENOENT/-ENOTSUP with a warning in D. */
int cgroot_find(struct cgroot *r, struct diags *d);
/* The cgroup's id (its inode number on cgroup2), or 0 when it does not exist. */
unsigned long long cgroup_id(const struct cgroot *r, const char *path);
/* Whether E has a cgroup set in the table. */
bool has_cgroup_set(const struct entry *e);
/* Whether E's loaded set holds PATH's current id. */
bool cgroup_in_set(const struct policy *p, const struct cgroot *r, const struct entry *e,
		   const char *path);

/*
 * Rebuilds the cgroup sets of POLICY's entries from the cgroups that exist
 * now; missing ones are warnings in D (unless QUIET). -ENOENT/-ENOTSUP (a
 * warning in D) when no cgroup2 hierarchy nft can use is mounted, other
 * -errno when nft refused (an error in D). D's records are about the
 * machine (DIAG_PROGRAM).
 */
int cgroups_sync(const struct policy *p, bool quiet, struct diags *d);

#endif
