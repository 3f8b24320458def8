/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The cgroups the marker attaches to, opened and named. */
#ifndef GALAF_MARKER_CGROUP_H
#define GALAF_MARKER_CGROUP_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "marker/report.h"

struct cgroup_ref {
	int fd;
	uint64_t id; /* kernfs id, what link info calls cgroup_id */
	char path[PATH_MAX];
};

/*
 * Opens DIR (NULL: the cgroup2 root) into CG and learns its id. Returns 0,
 * or -errno with the reason in REP.
 */
int cgref_open(const char *dir, struct cgroup_ref *cg, struct marker_report *rep);
void cgref_close(struct cgroup_ref *cg);
/* A readable name for a cgroup id: its path, or the bare id. */
void cgref_name(uint64_t id, char *buf, size_t len);

#endif
