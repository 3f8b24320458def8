/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The marker's pinned links in the pin dir (on bpffs). */
#ifndef GALAF_MARKER_PINS_H
#define GALAF_MARKER_PINS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "marker/report.h"

#define LINK_PREFIX "link-"

/* A pinned link as the kernel reports it. */
struct pinned_link {
	char path[PATH_MAX];
	uint32_t link_id;
	uint32_t prog_id;
	uint64_t cgroup_id; /* 0 once its cgroup has been released */
};

/*
 * Checks that DIR is on bpffs (or its parent, when DIR does not exist yet:
 * *RET_EXISTS says which). Returns 0 or -errno with the reason in REP.
 */
int pin_dir_check(const char *dir, bool *ret_exists, struct marker_report *rep);
/* PIN_DIR/link-CGROUP_ID into BUF; -ENAMETOOLONG (in REP) when it does not fit. */
int pin_path(const char *pin_dir, uint64_t cgroup_id, char *buf, size_t len,
	     struct marker_report *rep);
/*
 * Opens the link pinned at PATH into PL (and *RET_FD, when not NULL, for
 * the caller to close). -ENOENT when nothing is pinned there, -EMEDIUMTYPE
 * when the pin is not a cgroup/sock_create link.
 */
int pinned_link_open(const char *path, struct pinned_link *pl, int *ret_fd);
/* Detaches and unpins the link at PATH; -ENOENT (not in REP) when there is none. */
int pinned_link_drop(const char *path, struct marker_report *rep);
/* The pinned links in DIR, sorted by name; the caller frees *RET_PINS. */
int pins_list(const char *dir, struct pinned_link **ret_pins, size_t *ret_n,
	      struct marker_report *rep);
const struct pinned_link *pins_find_prog(const struct pinned_link *v, size_t n, uint32_t prog_id);
/* Drops the pins whose cgroup is gone, saying so in REP's lines. */
void pins_sweep_stale(const char *dir, struct marker_report *rep);

#endif
