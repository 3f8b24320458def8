// SPDX-License-Identifier: GPL-2.0-or-later
#include "lib/diag.h"

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
	else
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

void diag_print(const struct diags *d, const char *file, void *stream)
{
	FILE *f = stream;
	size_t i;

	for (i = 0; i < d->n; i++) {
		const struct diag *x = &d->v[i];
		const char *lvl = x->level == DIAG_ERROR ? "error" : "warning";

		if (x->line > 0)
			fprintf(f, "%s:%d:%d: %s: %s\n", file, x->line, x->column, lvl, x->msg);
		else if (x->path && *x->path)
			fprintf(f, "%s: %s: %s: %s\n", file, x->path, lvl, x->msg);
		else
			fprintf(f, "%s: %s: %s\n", file, lvl, x->msg);
	}
}

const char *diag_first(const struct diags *d)
{
	return d->n ? d->v[0].msg : NULL;
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
