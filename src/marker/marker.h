/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The socket marker: a cgroup/sock_create BPF program (bpf/galaf_mark.bpf.c)
 * that stamps new IPv4/IPv6 sockets with GALAF_MARK(gid, uid). Layout and
 * fwmark collisions: docs/marker.md.
 */
#ifndef GALAF_MARKER_H
#define GALAF_MARKER_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#define MARKER_PFX     "galaf-config: marker: "
#define MARKER_PIN_DIR "/sys/fs/bpf/galaf"

/* The exit codes of galaf-config marker. */
enum { MARKER_EXIT_OK, MARKER_EXIT_REFUSED, MARKER_EXIT_USAGE, MARKER_EXIT_SYSTEM };

/* What went wrong, for the command to print once. */
struct marker_error {
	int exit_code;
	char msg[PATH_MAX + 256];
};

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
 * Carries out A (reports on stdout as it goes). Returns 0 done (status:
 * loaded), 1 status: not loaded, or -errno with E filled.
 */
int marker_run(const struct marker_args *a, struct marker_error *e);

#endif /* GALAF_MARKER_H */
