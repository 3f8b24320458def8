// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The gate index, format 3 (docs/gate-index.md): checked strictly where the
 * gatekeeper reads it, and no further. The header and the trailer (entry
 * count, byte length) frame the file, so a truncated or appended index is
 * refused without reading its body; APP's line is found by binary search
 * over the sorted lines and checked field by field. --list walks and checks
 * every line. Nothing here allocates, prints or exits.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "gate/index.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define SHA256_HEX_LEN 64
#define ID_LIMIT       4294967294UL /* uid_t and gid_t, never (id_t)-1 */
#define LINE_MIN       12	    /* "a\t1\t-\t*\t-\t/\n" */

static const char magic[] = "galaf-gate ";

__attribute__((format(printf, 3, 4))) static int refuse(struct gate_error *err, unsigned long line,
							const char *fmt, ...)
{
	va_list ap;

	err->line = line;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* The number of the line at S: only on the way to an error, as it reads all before S. */
static unsigned long line_of(const struct gate_index *g, const char *s)
{
	unsigned long line = 1;
	const char *p;

	for (p = g->map; (p = memchr(p, '\n', s - p)); p++)
		line++;
	return line;
}

static bool span_is(struct gate_span s, const char *lit)
{
	return s.n == strlen(lit) && !memcmp(s.p, lit, s.n);
}

/* Bytewise order, as strcmp. */
static int span_cmp(struct gate_span a, struct gate_span b)
{
	int c = memcmp(a.p, b.p, a.n < b.n ? a.n : b.n);

	return c ? c : (a.n > b.n) - (a.n < b.n);
}

/* The next SEP-separated item of [*p, end); *p moves past SEP, or to NULL after the last. */
static struct gate_span item_next(const char **p, const char *end, char sep)
{
	struct gate_span f = { *p, 0 };
	const char *q;

	if (!f.p)
		return f;
	for (q = f.p; q < end && *q != sep; q++) /* items are short: faster than memchr */
		;
	f.n = q - f.p;
	*p = q < end ? q + 1 : NULL;
	return f;
}

/* ASCII only, whatever the locale. */
static bool alnum(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool gate_app_name_ok(const char *s, size_t n)
{
	size_t i;

	if (n < 1 || n > GATE_NAME_LEN || (s[0] >= '0' && s[0] <= '9') || s[0] == '-')
		return false;
	for (i = 0; i < n && (alnum(s[i]) || s[i] == '_' || s[i] == '-'); i++)
		;
	return i == n;
}

/* Canonical decimal only (no sign, no leading zero), <= LIMIT. */
static int num_parse(struct gate_span s, unsigned long limit, unsigned long *ret)
{
	size_t i;

	*ret = 0;
	if (s.n < 1 || (s.p[0] == '0' && s.n > 1))
		return -EINVAL;
	for (i = 0; i < s.n; i++)
		if (s.p[i] < '0' || s.p[i] > '9' || (*ret = *ret * 10 + (s.p[i] - '0')) > limit)
			return -EINVAL;
	return 0;
}

static bool sha256_hex_ok(struct gate_span s)
{
	size_t i;

	for (i = 0;
	     i < s.n && ((s.p[i] >= '0' && s.p[i] <= '9') || (s.p[i] >= 'a' && s.p[i] <= 'f')); i++)
		;
	return s.n == SHA256_HEX_LEN && i == s.n;
}

/* "galaf-gate 3 MIN MAX": refused unless every part checks out, nothing more. */
static int header_parse(struct gate_index *g, struct gate_error *err)
{
	const char *nl = memchr(g->map, '\n', g->len < 64 ? g->len : 64), *p;
	struct gate_span version, min, max;
	unsigned long v;

	if (!nl)
		return refuse(err, 1, "the header is too long or has no newline");
	if ((size_t)(nl - g->map) < strlen(magic) || memcmp(g->map, magic, strlen(magic)) != 0)
		return refuse(err, 1, "the file is not a galaf gate index");
	p = g->map + strlen(magic);
	version = item_next(&p, nl, ' ');
	if (num_parse(version, 1000, &v) || v != GATE_FORMAT)
		return refuse(err, 1, "the index is format '%.*s', and this galaf reads format %d",
			      (int)version.n, version.p, GATE_FORMAT);
	min = item_next(&p, nl, ' ');
	max = item_next(&p, nl, ' ');
	if (p || num_parse(min, GATE_GID_LIMIT, &g->min) ||
	    num_parse(max, GATE_GID_LIMIT, &g->max) || g->min < 1 || g->min > g->max)
		return refuse(err, 1,
			      "the header is not 'galaf-gate %d MIN MAX' with 1 <= MIN <= MAX <= %lu",
			      GATE_FORMAT, GATE_GID_LIMIT);
	g->body = nl + 1;
	return 0;
}

/*
 * The last line, ".end COUNT BYTES": BYTES is where it starts, so a file
 * cut short or grown anywhere is refused; COUNT is the number of entry
 * lines, checked whole by --list and for plausibility here.
 */
static int trailer_parse(struct gate_index *g, struct gate_error *err)
{
	const char *end = g->map + g->len, *s, *p;
	struct gate_span count, bytes;
	unsigned long off;

	if (g->map[g->len - 1] != '\n')
		return refuse(err, 0, "the index does not end with a newline: it is truncated");
	/* The trailer is short: look no further back than 64 bytes for its start. */
	for (s = end - 1; s > g->body && s > end - 64 && s[-1] != '\n'; s--)
		;
	if (s < g->body || (s > g->map && s[-1] != '\n') || end - s < 5 || memcmp(s, ".end ", 5))
		return refuse(err, 0,
			      "no '.end COUNT BYTES' line at the end: the index is "
			      "truncated, or has text after its end");
	p = s + 5;
	count = item_next(&p, end - 1, ' ');
	bytes = item_next(&p, end - 1, ' ');
	if (p || num_parse(count, 1UL << 31, &g->count) || num_parse(bytes, 1UL << 40, &off))
		return refuse(err, 0, "the '.end' line is not '.end COUNT BYTES'");
	if (off != (size_t)(s - g->map))
		return refuse(err, 0,
			      "the '.end' line says the entries end at byte %lu, but they "
			      "end at byte %zu: the index is truncated or damaged",
			      off, (size_t)(s - g->map));
	g->stop = s;
	if ((g->count == 0) != (g->stop == g->body) ||
	    g->count > (size_t)(g->stop - g->body) / LINE_MIN)
		return refuse(err, 0,
			      "the '.end' line's count of %lu entries does not fit the "
			      "index",
			      g->count);
	return 0;
}

int gate_index_open(struct gate_index *g, const char *map, size_t len, struct gate_error *err)
{
	int ret;

	memset(g, 0, sizeof(*g));
	g->map = map;
	g->len = len;
	if (len == 0)
		return refuse(err, 1, "the file is empty");
	ret = header_parse(g, err);
	if (!ret)
		ret = trailer_parse(g, err);
	if (ret)
		return ret;
	/* The frame holds no NUL byte; each entry line is checked when it is read. */
	if (memchr(g->map, '\0', g->body - g->map))
		return refuse(err, 1, "contains a NUL byte");
	if (memchr(g->stop, '\0', g->map + g->len - g->stop))
		return refuse(err, 0, "contains a NUL byte");
	return 0;
}

static int flags_parse(struct gate_span s, unsigned long line, unsigned *ret, struct gate_error *err)
{
	const char *p = s.p;
	struct gate_span f;

	*ret = 0;
	if (span_is(s, "-"))
		return 0;
	while (p) {
		f = item_next(&p, s.p + s.n, ',');
		if (span_is(f, "dropgroups"))
			*ret |= GATE_F_DROPGROUPS;
		else if (span_is(f, "nonnp"))
			*ret |= GATE_F_NONNP;
		else
			return refuse(err, line, "unknown flag '%.*s'", (int)f.n, f.p);
	}
	return 0;
}

/* "*", "-" (nobody), or UID and @GID items, comma-separated. */
static int launchers_check(struct gate_span s, unsigned long line, struct gate_error *err)
{
	const char *p = s.p;
	struct gate_span f, id;
	unsigned long v;

	if (span_is(s, "*") || span_is(s, "-"))
		return 0;
	while (p) {
		f = item_next(&p, s.p + s.n, ',');
		id = f;
		if (id.n && id.p[0] == '@')
			id.p++, id.n--;
		if (num_parse(id, ID_LIMIT, &v))
			return refuse(err, line, "bad launcher '%.*s' (a uid or @gid)", (int)f.n,
				      f.p);
	}
	return 0;
}

/* The arguments from ARGV0 on: an absolute ARGV0, at most one "…". */
static int args_parse(struct gate_entry *e, const char *p, const char *end, unsigned long line,
		      struct gate_error *err)
{
	struct gate_span arg;

	e->args = (struct gate_span){ p, end - p };
	e->nargs = e->ellipsis = 0;
	if (p == end || p[0] != '/')
		return refuse(err, line, "the command of %.*s is not an absolute path",
			      (int)e->name.n, e->name.p);
	while (p) {
		arg = item_next(&p, end, '\t');
		if (span_is(arg, GATE_ELLIPSIS) && e->ellipsis)
			return refuse(err, line, "more than one '…' for %.*s", (int)e->name.n,
				      e->name.p);
		if (span_is(arg, GATE_ELLIPSIS))
			e->ellipsis = e->nargs;
		e->nargs++;
	}
	return 0;
}

/* Check the entry line at S (N bytes, without its newline) strictly, in place. */
static int entry_parse(const struct gate_index *g, const char *s, size_t n, unsigned long line,
		       struct gate_entry *e, struct gate_error *err)
{
	const char *p = s, *end = s + n;
	struct gate_span gid, flags;

	if (memchr(s, '\0', n))
		return refuse(err, line, "contains a NUL byte");
	e->name = item_next(&p, end, '\t');
	gid = item_next(&p, end, '\t');
	flags = item_next(&p, end, '\t');
	e->launchers = item_next(&p, end, '\t');
	e->sha256 = item_next(&p, end, '\t');
	if (!p)
		return refuse(err, line, "fewer than 6 TAB-separated fields");
	if (!gate_app_name_ok(e->name.p, e->name.n))
		return refuse(err, line, "bad app name '%.*s'", (int)e->name.n, e->name.p);
	if (num_parse(gid, GATE_GID_LIMIT, &e->gid) || e->gid < g->min || e->gid > g->max)
		return refuse(err, line, "gid '%.*s' of %.*s is outside the range %lu-%lu",
			      (int)gid.n, gid.p, (int)e->name.n, e->name.p, g->min, g->max);
	if (flags_parse(flags, line, &e->flags, err) || launchers_check(e->launchers, line, err))
		return -EINVAL;
	if (span_is(e->sha256, "-"))
		e->sha256.p = NULL;
	else if (!sha256_hex_ok(e->sha256))
		return refuse(err, line, "the SHA-256 of %.*s is not '-' or 64 lower-case hex digits",
			      (int)e->name.n, e->name.p);
	return args_parse(e, p, end, line, err);
}

/* The NAME field of the line at S, which ends at NL. */
static struct gate_span line_name(const char *s, const char *nl)
{
	const char *p = s;

	return item_next(&p, nl, '\t');
}

/* The line around P (g->body <= P < g->stop): its start, and its end at *RET_NL. */
static const char *line_at(const struct gate_index *g, const char *lo, const char *p,
			   const char **ret_nl)
{
	const char *s = p > lo ? memrchr(lo, '\n', p - lo) : NULL;

	s = s ? s + 1 : lo;
	/* The trailer starts after a '\n': every line before it ends with one. */
	*ret_nl = memchr(p, '\n', g->stop - p);
	return s;
}

/* APP's neighbours must sort before and after it: no duplicate, no line out of place. */
static int neighbours_check(const struct gate_index *g, const char *s, const char *nl,
			    struct gate_span app, struct gate_error *err)
{
	const char *ps, *pnl, *ns, *nnl;

	if (s > g->body) {
		ps = line_at(g, g->body, s - 1, &pnl);
		if (span_cmp(line_name(ps, pnl), app) >= 0)
			return refuse(err, line_of(g, s), "'%.*s' is out of order or a duplicate",
				      (int)app.n, app.p);
	}
	if (nl + 1 < g->stop) {
		ns = line_at(g, nl + 1, nl + 1, &nnl);
		if (span_cmp(line_name(ns, nnl), app) <= 0)
			return refuse(err, line_of(g, ns), "'%.*s' is out of order or a duplicate",
				      (int)app.n, app.p);
	}
	return 0;
}

int gate_index_find(const struct gate_index *g, const char *app, size_t n, struct gate_entry *e,
		    struct gate_error *err)
{
	const struct gate_span key = { app, n };
	const char *lo = g->body, *hi = g->stop, *s, *nl;
	int c;

	/* LO and HI are line starts; each probe reads one line, O(log n) of them. */
	while (lo < hi) {
		s = line_at(g, lo, lo + (hi - lo) / 2, &nl);
		c = span_cmp(key, line_name(s, nl));
		if (c == 0) {
			if (entry_parse(g, s, nl - s, 0, e, err) ||
			    neighbours_check(g, s, nl, key, err)) {
				if (err->line == 0)
					err->line = line_of(g, s);
				return -EINVAL;
			}
			return 0;
		}
		if (c < 0)
			hi = s;
		else
			lo = nl + 1;
	}
	return -ENOENT;
}

void gate_walk_init(const struct gate_index *g, struct gate_walk *w)
{
	*w = (struct gate_walk){ .s = g->body, .line = 2 };
}

int gate_walk_next(const struct gate_index *g, struct gate_walk *w, struct gate_entry *e,
		   struct gate_error *err)
{
	const char *nl;

	if (w->s == g->stop) {
		if (w->seen != g->count)
			return refuse(err, 0, "the '.end' line counts %lu entries, but there are %lu",
				      g->count, w->seen);
		return 0;
	}
	nl = memchr(w->s, '\n', g->stop - w->s);
	if (entry_parse(g, w->s, nl - w->s, w->line, e, err))
		return -EINVAL;
	if (w->prev.p && span_cmp(w->prev, e->name) >= 0)
		return refuse(err, w->line, "'%.*s' is out of order or a duplicate", (int)e->name.n,
			      e->name.p);
	w->prev = e->name;
	w->s = nl + 1;
	w->line++;
	w->seen++;
	return 1;
}

static bool has_gid(const struct gate_caller *c, unsigned long gid)
{
	size_t i;

	if (c->gid == gid)
		return true;
	for (i = 0; i < c->ngroups; i++)
		if (c->groups[i] == gid)
			return true;
	return false;
}

bool gate_entry_allows(const struct gate_entry *e, const struct gate_caller *c)
{
	const struct gate_span s = e->launchers;
	const char *p = s.p;
	struct gate_span f;
	unsigned long id;
	bool grp;

	if (span_is(s, "*"))
		return true;
	if (span_is(s, "-"))
		return false;
	while (p) {
		f = item_next(&p, s.p + s.n, ',');
		grp = f.p[0] == '@';
		if (grp)
			f.p++, f.n--;
		if (num_parse(f, ID_LIMIT, &id)) /* checked by entry_parse */
			return false;
		if (grp ? has_gid(c, id) : c->uid == id)
			return true;
	}
	return false;
}
