// SPDX-License-Identifier: GPL-2.0-or-later
#include "lib/strv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void strv_free(struct strv *v)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		free(v->v[i]);
	free(v->v);
	v->v = NULL;
	v->n = 0;
}

int strv_push(struct strv *v, const char *s)
{
	char **nv, *d = strdup(s);

	if (!d)
		return -ENOMEM;
	/* Grow by doubling: capacity is implied by powers of two. */
	if ((v->n & (v->n - 1)) == 0) {
		nv = realloc(v->v, (v->n ? v->n * 2 : 1) * sizeof(*nv));
		if (!nv) {
			free(d);
			return -ENOMEM;
		}
		v->v = nv;
	}
	v->v[v->n++] = d;
	return 0;
}

bool strv_contains(const struct strv *v, const char *s)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		if (strcmp(v->v[i], s) == 0)
			return true;
	return false;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void strv_sort_unique(struct strv *v)
{
	size_t i, j = 0;

	if (v->n < 2)
		return;
	qsort(v->v, v->n, sizeof(*v->v), cmp_str);
	for (i = 1; i < v->n; i++) {
		if (strcmp(v->v[i], v->v[j]) == 0)
			free(v->v[i]);
		else
			v->v[++j] = v->v[i];
	}
	v->n = j + 1;
}

bool strv_sorted_has(const struct strv *v, const char *s)
{
	return v->n && bsearch(&s, v->v, v->n, sizeof(*v->v), cmp_str);
}

bool strv_equal(const struct strv *a, const struct strv *b)
{
	size_t i;

	if (a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]))
			return false;
	return true;
}
