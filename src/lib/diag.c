// SPDX-License-Identifier: GPL-2.0-or-later
#include "lib/diag.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Out of memory while reporting: nothing useful is left to do. */
static void diag_oom(void)
{
	fputs("galaf: out of memory\n", stderr);
	abort();
}

static struct diag *diag_push(struct diags *d, enum diag_level level)
{
	struct diag *x;

	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 16;
		struct diag *v = realloc(d->v, cap * sizeof(*v));

		if (!v)
			diag_oom();
		d->v = v;
		d->cap = cap;
	}
	x = &d->v[d->n++];
	memset(x, 0, sizeof(*x));
	x->level = level;
	if (level == DIAG_ERROR)
		d->errors++;
	else if (level == DIAG_WARNING)
		d->warnings++;
	return x;
}

static char *diag_vfmt(const char *fmt, va_list ap)
{
	char *s;

	if (vasprintf(&s, fmt, ap) < 0)
		diag_oom();
	return s;
}

void diag_add(struct diags *d, enum diag_level level, const char *path, const char *fmt, ...)
{
	struct diag *x = diag_push(d, level);
	va_list ap;

	if (path) {
		x->path = strdup(path);
		if (!x->path)
			diag_oom();
	}
	va_start(ap, fmt);
	x->msg = diag_vfmt(fmt, ap);
	va_end(ap);
}

void diag_add_at(struct diags *d, enum diag_level level, int line, int column, const char *fmt, ...)
{
	struct diag *x = diag_push(d, level);
	va_list ap;

	x->line = line;
	x->column = column;
	va_start(ap, fmt);
	x->msg = diag_vfmt(fmt, ap);
	va_end(ap);
}

void diag_say(struct diags *d, enum diag_level level, unsigned form, const char *fmt, ...)
{
	struct diag *x = diag_push(d, level);
	va_list ap;

	x->form = form;
	va_start(ap, fmt);
	x->msg = diag_vfmt(fmt, ap);
	va_end(ap);
}

void diag_print_span(const struct diags *d, size_t from, size_t to, const char *file,
		     const char *program, void *stream)
{
	FILE *f = stream;
	size_t i;

	for (i = from; i < to && i < d->n; i++) {
		const struct diag *x = &d->v[i];
		const char *who = x->form & DIAG_PROGRAM ? program : file;
		const char *lvl = x->level == DIAG_ERROR ? "error: " : "warning: ";

		if (x->level == DIAG_NOTE || x->form & DIAG_BARE)
			lvl = "";
		if (x->line > 0)
			fprintf(f, "%s:%d:%d: %s%s\n", who, x->line, x->column, lvl, x->msg);
		else if (x->path && *x->path)
			fprintf(f, "%s: %s: %s%s\n", who, x->path, lvl, x->msg);
		else
			fprintf(f, "%s: %s%s\n", who, lvl, x->msg);
	}
}

void diag_print(const struct diags *d, const char *file, void *stream)
{
	diag_print_span(d, 0, d->n, file, program_invocation_short_name, stream);
}

int diag_len(const char *msg)
{
	size_t n = strlen(msg);

	while (n && msg[n - 1] == '\n')
		n--;
	return (int)n;
}

const char *diag_first(const struct diags *d)
{
	return d->n ? d->v[0].msg : NULL;
}

void diag_truncate(struct diags *d, size_t n)
{
	for (; d->n > n; d->n--) {
		struct diag *g = &d->v[d->n - 1];

		if (g->level == DIAG_ERROR)
			d->errors--;
		else if (g->level == DIAG_WARNING)
			d->warnings--;
		free(g->path);
		free(g->msg);
	}
}

void diag_free(struct diags *d)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		free(d->v[i].path);
		free(d->v[i].msg);
	}
	free(d->v);
	memset(d, 0, sizeof(*d));
}
