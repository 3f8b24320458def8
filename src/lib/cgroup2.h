/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Where the cgroup2 hierarchy is mounted. */
#ifndef GALAF_LIB_CGROUP2_H
#define GALAF_LIB_CGROUP2_H

#include <stddef.h>

/*
 * The mount point of the whole cgroup2 tree (not a bind mount of a part of
 * it) into BUF: 0, -ENOENT when none is mounted, -ENAMETOOLONG, or -errno.
 */
int cgroup2_mount(char *buf, size_t len);

#endif
