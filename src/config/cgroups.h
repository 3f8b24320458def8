/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Entries matched by cgroup: the ids in their sets (docs/cgroups.md). */
#ifndef GALAF_CONFIG_CGROUPS_H
#define GALAF_CONFIG_CGROUPS_H

#include <stdbool.h>

#include "policy/policy.h"

/*
 * Rebuilds the cgroup sets of POLICY's entries from the cgroups that exist
 * now; missing ones are warnings (unless QUIET). -ENOENT/-ENOTSUP when no
 * cgroup2 hierarchy nft can use is mounted, other -errno when nft refused.
 */
int cgroups_sync(const struct policy *p, bool quiet);

#endif
