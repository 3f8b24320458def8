// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The gate index, format 3 (docs/gate-index.md): checked strictly where the
 * gatekeeper reads it, and no further. The header and the trailer (entry
 * count, byte length) frame the file, so a truncated or appended index is
 * refused without reading its body; APP's line is found by binary search
 * over the sorted lines, through a small window the reader fills, and
 * checked field by field. --list walks and checks every line, in memory.
 * Nothing here allocates, prints or exits.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "gate/index.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define SHA256_HEX_LEN 64
#define ID_LIMIT       4294967294UL /* uid_t and gid_t, never (id_t)-1 */
#define LINE_MIN       12	    /* "a\t1\t-\t*\t-\t/\n" */

#define WIN 512 /* bytes a probe reads: a line or two */

static const char magic[] = "galaf-gate ";

__attribute__((format(printf, 3, 4))) static int refuse(struct gate_error *err, unsigned long line,
							const char *fmt, ...)
{
	va_list ap;

	err->line = line;
	err->errnum = 0;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* The reader failed with R (-errno): not a fault of the index's text. */
static int read_failed(struct gate_error *err, int r)
{
	err->line = 0;
	err->errnum = -r;
	snprintf(err->message, sizeof(err->message), "cannot read the index: %s", strerror(-r));
	return r;
}

/* The number of the line at OFF: only on the way to an error, as it reads all before OFF. */
static unsigned long line_of(const struct gate_index *g, size_t off)
{
	unsigned long line = 1;
	char buf[WIN];
	const char *p;
	size_t at, n;

	for (at = 0; at < off; at += n) {
		n = off - at < sizeof(buf) ? off - at : sizeof(buf);
		if (g->src.read(g->src.ctx, buf, n, at) < 0)
			return 0;
		for (p = buf; (p = memchr(p, '\n', buf + n - p)); p++)
			line++;
	}
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

/* "galaf-gate 3 MIN MAX", in HEAD (the first N bytes): refused unless every part checks out. */
static int header_parse(struct gate_index *g, const char *head, size_t n, struct gate_error *err)
{
	const char *nl = memchr(head, '\n', n), *p;
	struct gate_span version, min, max;
	unsigned long v;

	if (!nl)
		return refuse(err, 1, "the header is too long or has no newline");
	if ((size_t)(nl - head) < strlen(magic) || memcmp(head, magic, strlen(magic)) != 0)
		return refuse(err, 1, "the file is not a galaf gate index");
	p = head + strlen(magic);
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
	g->body = nl + 1 - head;
	return 0;
}

/*
 * The last line, ".end COUNT BYTES", in TAIL (the last N bytes, N = 65 or
 * the whole index): BYTES is where it starts, so a file cut short or grown
 * anywhere is refused; COUNT is the number of entry lines, checked whole
 * by --list and for plausibility here.
 */
static int trailer_parse(struct gate_index *g, const char *tail, size_t n, struct gate_error *err)
{
	const char *end = tail + n, *s, *p;
	const size_t base = g->len - n; /* the offset of TAIL in the index */
	struct gate_span count, bytes;
	unsigned long off;

	if (end[-1] != '\n')
		return refuse(err, 0, "the index does not end with a newline: it is truncated");
	/* The trailer is short: look no further back than 64 bytes for its start. */
	for (s = end - 1; base + (s - tail) > g->body && end - s < 64 && s[-1] != '\n'; s--)
		;
	if (base + (s - tail) < g->body || (base + (s - tail) > 0 && s[-1] != '\n') ||
	    end - s < 5 || memcmp(s, ".end ", 5))
		return refuse(err, 0,
			      "no '.end COUNT BYTES' line at the end: the index is "
			      "truncated, or has text after its end");
	p = s + 5;
	count = item_next(&p, end - 1, ' ');
	bytes = item_next(&p, end - 1, ' ');
	if (p || num_parse(count, 1UL << 31, &g->count) || num_parse(bytes, 1UL << 40, &off))
		return refuse(err, 0, "the '.end' line is not '.end COUNT BYTES'");
	g->stop = base + (s - tail);
	if (off != g->stop)
		return refuse(err, 0,
			      "the '.end' line says the entries end at byte %lu, but they "
			      "end at byte %zu: the index is truncated or damaged",
			      off, g->stop);
	if ((g->count == 0) != (g->stop == g->body) || g->count > (g->stop - g->body) / LINE_MIN)
		return refuse(err, 0,
			      "the '.end' line's count of %lu entries does not fit the "
			      "index",
			      g->count);
	return 0;
}

int gate_index_open_reader(struct gate_index *g, const struct gate_reader *src, size_t len,
			   struct gate_error *err)
{
	char head[64], tail[65];
	size_t hn = len < sizeof(head) ? len : sizeof(head);
	size_t tn = len < sizeof(tail) ? len : sizeof(tail);
	int r;

	memset(g, 0, sizeof(*g));
	g->src = *src;
	g->len = len;
	if (len == 0)
		return refuse(err, 1, "the file is empty");
	if ((r = src->read(src->ctx, head, hn, 0)) < 0 ||
	    (r = src->read(src->ctx, tail, tn, len - tn)) < 0)
		return read_failed(err, r);
	if ((r = header_parse(g, head, hn, err)) || (r = trailer_parse(g, tail, tn, err)))
		return r;
	/* The frame holds no NUL byte; each entry line is checked when it is read. */
	if (memchr(head, '\0', g->body))
		return refuse(err, 1, "contains a NUL byte");
	if (memchr(tail + (g->stop - (len - tn)), '\0', len - g->stop))
		return refuse(err, 0, "contains a NUL byte");
	return 0;
}

static int mem_read(const void *ctx, char *buf, size_t n, size_t off)
{
	memcpy(buf, (const char *)ctx + off, n);
	return 0;
}

static const char *mem_line(const void *ctx, size_t off, size_t n)
{
	(void)n;
	return (const char *)ctx + off;
}

int gate_index_open(struct gate_index *g, const char *map, size_t len, struct gate_error *err)
{
	const struct gate_reader src = { mem_read, mem_line, map };
	int r = gate_index_open_reader(g, &src, len, err);

	g->map = map;
	return r;
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

/*
 * A window of the index: the probes of one lookup fall close together
 * towards its end, so most of them find their line already read.
 */
struct win {
	size_t off, n;
	char b[WIN];
};

/* Make W hold OFF (< g->len): read WIN bytes from BEFORE bytes ahead of it, inside the index. */
static int win_load(const struct gate_index *g, struct win *w, size_t off, size_t before,
		    struct gate_error *err)
{
	int r;

	if (w->n && off >= w->off && off - w->off < w->n)
		return 0;
	w->off = off > before ? off - before : 0;
	w->n = g->len - w->off < sizeof(w->b) ? g->len - w->off : sizeof(w->b);
	if ((r = g->src.read(g->src.ctx, w->b, w->n, w->off)) < 0) {
		w->n = 0;
		return read_failed(err, r);
	}
	return 0;
}

/* *RET: the offset of the last '\n' in [LO, P), or SIZE_MAX if there is none. */
static int nl_before(const struct gate_index *g, struct win *w, size_t lo, size_t p, size_t *ret,
		     struct gate_error *err)
{
	const char *q;
	size_t from;
	int r;

	for (*ret = SIZE_MAX; p > lo; p = from) {
		if ((r = win_load(g, w, p - 1, sizeof(w->b) - 1, err)))
			return r;
		from = w->off > lo ? w->off : lo;
		if ((q = memrchr(w->b + (from - w->off), '\n', p - from))) {
			*ret = w->off + (q - w->b);
			return 0;
		}
	}
	return 0;
}

/* *RET: the offset of the first '\n' in [P, END), or SIZE_MAX if there is none. */
static int nl_from(const struct gate_index *g, struct win *w, size_t p, size_t end, size_t *ret,
		   struct gate_error *err)
{
	const char *q;
	size_t to;
	int r;

	for (*ret = SIZE_MAX; p < end; p = to) {
		if ((r = win_load(g, w, p, 0, err)))
			return r;
		to = w->off + w->n < end ? w->off + w->n : end;
		if ((q = memchr(w->b + (p - w->off), '\n', to - p))) {
			*ret = w->off + (q - w->b);
			return 0;
		}
	}
	return 0;
}

/* The entry line around P (LO <= P < g->stop, LO a line start): its start *S, its '\n' at *NL. */
static int line_around(const struct gate_index *g, struct win *w, size_t lo, size_t p, size_t *s,
		       size_t *nl, struct gate_error *err)
{
	int r;

	if ((r = nl_before(g, w, lo, p, s, err)) || (r = nl_from(g, w, p, g->stop, nl, err)))
		return r;
	*s = *s == SIZE_MAX ? lo : *s + 1;
	/* trailer_parse saw a '\n' right before the trailer: a second line of defence */
	if (*nl == SIZE_MAX)
		return refuse(err, 0, "the entry lines do not end with a newline");
	return 0;
}

/*
 * The NAME field of the line at S, which ends at NL, copied to BUF: at
 * most GATE_NAME_LEN + 1 bytes of it, enough to order any name of up to
 * GATE_NAME_LEN bytes against it exactly.
 */
static int name_at(const struct gate_index *g, struct win *w, size_t s, size_t nl,
		   char buf[GATE_NAME_LEN + 1], struct gate_span *name, struct gate_error *err)
{
	size_t n = nl - s < GATE_NAME_LEN + 1 ? nl - s : GATE_NAME_LEN + 1;
	const char *tab;
	int r;

	if (!(w->n && s >= w->off && s + n <= w->off + w->n)) {
		w->n = 0;
		if ((r = win_load(g, w, s, 0, err)))
			return r;
	}
	memcpy(buf, w->b + (s - w->off), n);
	tab = memchr(buf, '\t', n);
	*name = (struct gate_span){ buf, tab ? (size_t)(tab - buf) : n };
	return 0;
}

/* APP's neighbours must sort before and after it: no duplicate, no line out of place. */
static int neighbours_check(const struct gate_index *g, struct win *w, size_t s, size_t nl,
			    struct gate_span app, struct gate_error *err)
{
	char buf[GATE_NAME_LEN + 1];
	struct gate_span name;
	size_t ps, ns, nnl;
	int r;

	if (s > g->body) {
		if ((r = nl_before(g, w, g->body, s - 1, &ps, err)))
			return r;
		ps = ps == SIZE_MAX ? g->body : ps + 1;
		if ((r = name_at(g, w, ps, s - 1, buf, &name, err)))
			return r;
		if (span_cmp(name, app) >= 0)
			return refuse(err, line_of(g, s), "'%.*s' is out of order or a duplicate",
				      (int)app.n, app.p);
	}
	if (nl + 1 < g->stop) {
		ns = nl + 1;
		if ((r = line_around(g, w, ns, ns, &ns, &nnl, err)) ||
		    (r = name_at(g, w, ns, nnl, buf, &name, err)))
			return r;
		if (span_cmp(name, app) <= 0)
			return refuse(err, line_of(g, ns), "'%.*s' is out of order or a duplicate",
				      (int)app.n, app.p);
	}
	return 0;
}

/* APP's line is at S, up to NL: read it whole and check it strictly, with its neighbours. */
static int entry_found(const struct gate_index *g, struct win *w, size_t s, size_t nl,
		       struct gate_span app, struct gate_entry *e, struct gate_error *err)
{
	const char *line = g->src.line(g->src.ctx, s, nl - s);
	int r;

	if (!line)
		return read_failed(err, errno ? -errno : -EIO);
	r = entry_parse(g, line, nl - s, 0, e, err);
	if (!r)
		r = neighbours_check(g, w, s, nl, app, err);
	if (r == -EINVAL && err->line == 0)
		err->line = line_of(g, s);
	return r;
}

int gate_index_find(const struct gate_index *g, const char *app, size_t n, struct gate_entry *e,
		    struct gate_error *err)
{
	const struct gate_span key = { app, n };
	size_t lo = g->body, hi = g->stop, mid, s, nl;
	char buf[GATE_NAME_LEN + 1];
	struct gate_span name;
	struct win w;
	int c, r;

	if (n > GATE_NAME_LEN) /* no line can have it: its name would be refused */
		return -ENOENT;
	w.n = 0;
	/* LO and HI are line starts; each probe reads one line, O(log n) of them. */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if ((r = win_load(g, &w, mid, sizeof(w.b) / 2, err)) ||
		    (r = line_around(g, &w, lo, mid, &s, &nl, err)) ||
		    (r = name_at(g, &w, s, nl, buf, &name, err)))
			return r;
		c = span_cmp(key, name);
		if (c == 0)
			return entry_found(g, &w, s, nl, key, e, err);
		if (c < 0)
			hi = s;
		else
			lo = nl + 1;
	}
	return -ENOENT;
}

void gate_walk_init(const struct gate_index *g, struct gate_walk *w)
{
	*w = (struct gate_walk){ .s = g->map + g->body, .line = 2 };
}

int gate_walk_next(const struct gate_index *g, struct gate_walk *w, struct gate_entry *e,
		   struct gate_error *err)
{
	const char *nl, *stop = g->map + g->stop;

	if (w->s == stop) {
		if (w->seen != g->count)
			return refuse(err, 0, "the '.end' line counts %lu entries, but there are %lu",
				      g->count, w->seen);
		return 0;
	}
	nl = memchr(w->s, '\n', stop - w->s);
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
