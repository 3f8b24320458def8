/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Entries matched by cgroup: the ids in their sets (docs/cgroups.md). */
#ifndef GALAF_CONFIG_CGROUPS_H
#define GALAF_CONFIG_CGROUPS_H

#include <stdbool.h>

#include "lib/diag.h"
#include "policy/policy.h"

/*
 * Rebuilds the cgroup sets of POLICY's entries from the cgroups that exist
 * now; missing ones are warnings in D (unless QUIET). -ENOENT/-ENOTSUP (a
 * warning in D) when no cgroup2 hierarchy nft can use is mounted, other
 * -errno when nft refused (an error in D). D's records are about the
 * machine (DIAG_PROGRAM).
 */
int cgroups_sync(const struct policy *p, bool quiet, struct diags *d);

#endif
