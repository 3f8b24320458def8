/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The socket marker: a cgroup/sock_create BPF program (bpf/galaf_mark.bpf.c)
 * that stamps new IPv4/IPv6 sockets with GALAF_MARK(gid, uid). Layout and
 * fwmark collisions: docs/marker.md.
 */
#ifndef GALAF_MARKER_H
#define GALAF_MARKER_H

#include <stdbool.h>
#include <stdint.h>

#include "marker/report.h"

#define MARKER_PIN_DIR "/sys/fs/bpf/galaf"

/* galaf-config marker's request. */
struct marker_args {
	const char *verb;   /* load, unload or status */
	uint32_t mask;	    /* bits the marker may set (--mask) */
	const char *cgroup; /* NULL: the cgroup2 root */
	const char *object;
	const char *pin_dir;
	bool all;
	bool verbose;
};

/*
 * Carries out A, adding what it did or found to REP's lines. Returns 0 done
 * (status: loaded), 1 status: not loaded, or -errno with the error in
 * REP->d and REP->fault saying whose it is (galaf-config marker exits 1 for
 * MARKER_REFUSED, 3 for MARKER_SYSTEM). Under A->verbose, libbpf's own
 * messages are REP->d's warnings, in the order libbpf gave them.
 */
int marker_run(const struct marker_args *a, struct marker_report *rep);

#endif /* GALAF_MARKER_H */
