/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Diagnostics collected by the loader and the checker. Library code never
 * prints: it appends records here, and the command main reports them all.
 */
#ifndef GALAF_DIAG_H
#define GALAF_DIAG_H

#include <stddef.h>

enum diag_level { DIAG_WARNING, DIAG_ERROR };

struct diag {
	enum diag_level level;
	int line, column; /* > 0 for syntax errors, else 0 */
	char *path;	  /* JSON path such as groups.x.allow[2].ports[0], or NULL */
	char *msg;
};

struct diags {
	struct diag *v;
	size_t n, cap;
	size_t errors, warnings;
};

__attribute__((format(printf, 4, 5))) void diag_add(struct diags *d, enum diag_level level,
						    const char *path, const char *fmt, ...);
__attribute__((format(printf, 5, 6))) void diag_add_at(struct diags *d, enum diag_level level,
						       int line, int column, const char *fmt, ...);
/* Writes every record as FILE:LINE:COL: or FILE: PATH: prefixed lines. */
void diag_print(const struct diags *d, const char *file, void *stream);
/* The first record's message, or NULL: for a command that reports one line. */
const char *diag_first(const struct diags *d);
void diag_free(struct diags *d);

#endif
