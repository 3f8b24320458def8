// SPDX-License-Identifier: GPL-2.0-or-later
/* Numbers as people read them, and text tables (plain or box-drawn). */
#include "stats/table.h"

#include <stdio.h>
#include <string.h>

/* Numbers */

static const char *const units_pk[] = { "", "k", "M", "G", "T", "P", "E" };
static const char *const units_iec[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
static const char *const units_si[] = { "B", "kB", "MB", "GB", "TB", "PB", "EB" };

static bool is_whole(double v)
{
	return v < 1e18 && (double)(unsigned long long)v == v;
}

/* Three significant digits: 1.23, 12.3, 123. */
static int digits(double v)
{
	if (v < 10)
		return 2;
	return v < 100 ? 1 : 0;
}

static void fmt_scaled(char *buf, size_t len, double v, double base, const char *const *units)
{
	size_t u = 0;

	while (v >= base && u < 6) {
		v /= base;
		u++;
	}
	if (u == 0 && is_whole(v))
		snprintf(buf, len, "%.0f%s%s", v, *units[0] ? " " : "", units[0]);
	else
		snprintf(buf, len, "%.*f%s%s", digits(v), v, *units[u] ? " " : "", units[u]);
}

/* A counter (RATE false) or a rate per second. */
void fmt_count(char *buf, size_t len, double v, uint64_t exact, bool bytes, bool rate,
	       bool want_exact, bool si)
{
	if (want_exact && !rate)
		snprintf(buf, len, "%llu", (unsigned long long)exact);
	else if (want_exact)
		snprintf(buf, len, "%.1f", v);
	else if (!bytes && v < 10000)
		snprintf(buf, len, is_whole(v) ? "%.0f" : "%.1f", v);
	else if (!bytes)
		fmt_scaled(buf, len, v, 1000, units_pk);
	else
		fmt_scaled(buf, len, v, si ? 1000 : 1024, si ? units_si : units_iec);
}

/* Tables ---------------------------------------------------------------- */

void cell(struct table *t, const char *s)
{
	if (strv_push(&t->cells, s))
		t->oom = true;
}

static size_t text_width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

static void pad_cell(struct strbuf *sb, const char *s, size_t width, bool right, bool last)
{
	size_t w = text_width(s), i;

	if (right)
		for (i = w; i < width; i++)
			sb_addc(sb, ' ');
	sb_add(sb, s);
	if (!right && !last)
		for (i = w; i < width; i++)
			sb_addc(sb, ' ');
}

static void box_rule(struct strbuf *sb, const size_t *w, size_t n, const char *const parts[3])
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		sb_add(sb, i ? parts[1] : parts[0]);
		for (j = 0; j < w[i] + 2; j++)
			sb_add(sb, "\u2500");
	}
	sb_add(sb, parts[2]);
	sb_addc(sb, '\n');
}

static void table_row(struct strbuf *sb, const struct table *t, const char *const *row,
		      const size_t *w, bool box)
{
	size_t i;

	for (i = 0; i < t->ncols; i++) {
		const char *s = row[i];

		if (!box && !*s)
			s = "-";
		sb_add(sb, box ? "\u2502 " : i ? "  " : "");
		pad_cell(sb, s, w[i], t->align[i] == 'r', !box && i + 1 == t->ncols);
		if (box)
			sb_addc(sb, ' ');
	}
	sb_add(sb, box ? "\u2502\n" : "\n");
}

void table_render(struct strbuf *sb, const char *title, const struct table *t, bool box)
{
	static const char *const top[] = { "\u250c", "\u252c", "\u2510" };
	static const char *const mid[] = { "\u251c", "\u253c", "\u2524" };
	static const char *const bot[] = { "\u2514", "\u2534", "\u2518" };
	size_t w[16] = { 0 }, rows = t->cells.n / t->ncols, i, r;

	for (i = 0; i < t->ncols; i++)
		w[i] = text_width(t->heads[i]);
	for (i = 0; i < t->cells.n; i++)
		if (text_width(t->cells.v[i]) > w[i % t->ncols])
			w[i % t->ncols] = text_width(t->cells.v[i]);
	sb_printf(sb, "%s\n", title);
	if (box)
		box_rule(sb, w, t->ncols, top);
	table_row(sb, t, t->heads, w, box);
	if (box)
		box_rule(sb, w, t->ncols, mid);
	for (r = 0; r < rows; r++) {
		if (box && t->total && r + 1 == rows && rows > 1)
			box_rule(sb, w, t->ncols, mid);
		table_row(sb, t, (const char *const *)t->cells.v + r * t->ncols, w, box);
	}
	if (box)
		box_rule(sb, w, t->ncols, bot);
}
