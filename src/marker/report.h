/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the marker did, found and failed at, as data: the marker never
 * prints, galaf-config marker (config/marker.c) prints the report once.
 */
#ifndef GALAF_MARKER_REPORT_H
#define GALAF_MARKER_REPORT_H

#include "lib/diag.h"
#include "lib/strv.h"

/*
 * Whose fault an error is, which the command maps to its exit code:
 * the request's or the caller's (exit 1), or the system's (exit 3).
 */
enum marker_fault { MARKER_REFUSED, MARKER_SYSTEM };

struct marker_report {
	struct strv lines; /* what was done or found, one line each, without the prefix */
	/*
	 * DIAG_ERROR: what went wrong (at most one on any path tested);
	 * DIAG_WARNING: libbpf's own messages under --verbose, as libbpf wrote
	 * them, newline included.
	 */
	struct diags d;
	enum marker_fault fault; /* of the last error */
};

/*
 * Records an error in REP (when not NULL: a probe whose failure does not
 * count) and returns ERR when it is negative, else -EINVAL.
 */
__attribute__((format(printf, 4, 5))) int
marker_fail(struct marker_report *rep, enum marker_fault fault, int err, const char *fmt, ...);
/* Adds a line to REP's report; on out of memory the line is lost. */
__attribute__((format(printf, 2, 3))) void marker_say(struct marker_report *rep, const char *fmt,
						      ...);
void marker_report_free(struct marker_report *rep);

#endif
