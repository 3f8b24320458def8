/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Numbers as people read them, and text tables (plain or box-drawn). */
#ifndef GALAF_STATS_TABLE_H
#define GALAF_STATS_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/strbuf.h"
#include "lib/strv.h"

struct table {
	size_t ncols;
	const char *const *heads;
	const char *align; /* 'l' or 'r' per column */
	struct strv cells;
	bool total; /* the last row is a total */
	bool oom;
};

/* A counter (RATE false) or a rate per second: 3 significant digits, or exact. */
void fmt_count(char *buf, size_t len, double v, uint64_t exact, bool bytes, bool rate,
	       bool want_exact, bool si);
void cell(struct table *t, const char *s);
void table_render(struct strbuf *sb, const char *title, const struct table *t, bool box);

#endif
