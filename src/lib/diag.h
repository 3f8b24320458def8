/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The one error record. Library code never prints: it appends records
 * here (the loader and the checker with a place in the policy file, the
 * apply engine with what happened to the machine), and the command prints
 * them all, once, and chooses the exit code.
 */
#ifndef GALAF_DIAG_H
#define GALAF_DIAG_H

#include <stddef.h>

/* A note says what happened (no failure); it is printed without a level word. */
enum diag_level { DIAG_WARNING, DIAG_ERROR, DIAG_NOTE };

/* How a record without a place is printed (see diag_print). */
enum diag_form {
	DIAG_PROGRAM = 1 << 0, /* about the machine, not the file: "PROGRAM: " before it */
	DIAG_BARE = 1 << 1,    /* no "error: " or "warning: " before the message */
};

struct diag {
	enum diag_level level;
	unsigned form;	  /* DIAG_PROGRAM, DIAG_BARE */
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
/* A record with no place, printed in FORM (enum diag_form). */
__attribute__((format(printf, 4, 5))) void diag_say(struct diags *d, enum diag_level level,
						    unsigned form, const char *fmt, ...);
/* Writes every record as FILE:LINE:COL: or FILE: PATH: prefixed lines. */
void diag_print(const struct diags *d, const char *file, void *stream);
/*
 * Writes records FROM up to TO, as diag_print does; a DIAG_PROGRAM record
 * starts with "PROGRAM: " instead of "FILE: ".
 */
void diag_print_span(const struct diags *d, size_t from, size_t to, const char *file,
		     const char *program, void *stream);
/*
 * The length of MSG without its trailing newlines, for "%.*s": a text such
 * as nft's ends with one, and a printed record gets its own.
 */
int diag_len(const char *msg);
/* The first record's message, or NULL: for a command that reports one line. */
const char *diag_first(const struct diags *d);
/* Drops the records from N on: what an attempt that was retried reported. */
void diag_truncate(struct diags *d, size_t n);
void diag_free(struct diags *d);

#endif
