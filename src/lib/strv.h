/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A growable, owned list of strings. */
#ifndef GALAF_LIB_STRV_H
#define GALAF_LIB_STRV_H

#include <stdbool.h>
#include <stddef.h>

struct strv {
	char **v;
	size_t n;
};

void strv_free(struct strv *v);
int strv_push(struct strv *v, const char *s);
bool strv_contains(const struct strv *v, const char *s);
void strv_sort_unique(struct strv *v);
/* Whether S is in V, sorted as strv_sort_unique leaves it (a binary search). */
bool strv_sorted_has(const struct strv *v, const char *s);
bool strv_equal(const struct strv *a, const struct strv *b);

#endif
