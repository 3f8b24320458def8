// SPDX-License-Identifier: GPL-2.0-or-later
#include "stats/rows.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/strbuf.h"
#include "nft/netlink.h"

const struct stat_set stat_sets[N_STAT_SETS] = {
	{ "stats_out_pre", "out", "attempted" },
	{ "stats_out", "out", "accepted" },
	{ "stats_in", "in", "accepted" },
};

/* Set elements ----------------------------------------------------------- */

/*
 * A saved listing (--input) is read with a small scanner over nft's JSON
 * text: jansson would build some 50,000 objects for 10,000 elements. It expects
 * what nft prints, {"nftables": [{"set": {..., "elem": [...]}}, ...]}, and
 * skips whatever else it meets.
 */
struct scan {
	const char *p, *end;
};

static void sc_ws(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\n' || *s->p == '\t' || *s->p == '\r'))
		s->p++;
}

static bool sc_eat(struct scan *s, char c)
{
	sc_ws(s);
	if (s->p < s->end && *s->p == c) {
		s->p++;
		return true;
	}
	return false;
}

/* A string, without its quotes and with its escapes as written. */
static bool sc_str(struct scan *s, const char **v, size_t *n)
{
	if (!sc_eat(s, '"'))
		return false;
	*v = s->p;
	while (s->p < s->end && *s->p != '"')
		s->p += *s->p == '\\' ? 2 : 1;
	if (s->p >= s->end)
		return false;
	*n = (size_t)(s->p++ - *v);
	return true;
}

static bool sc_u64(struct scan *s, uint64_t *v)
{
	sc_ws(s);
	if (s->p >= s->end || !isdigit((unsigned char)*s->p))
		return false;
	for (*v = 0; s->p < s->end && isdigit((unsigned char)*s->p); s->p++) {
		if (*v > (UINT64_MAX - 9) / 10)
			return false;
		*v = *v * 10 + (uint64_t)(*s->p - '0');
	}
	return true;
}

static bool sc_skip(struct scan *s, int depth);

typedef bool (*member_fn)(struct scan *s, const char *key, size_t len, void *ctx);

/* Calls FN for each member of an object; FN consumes the value. */
static bool sc_object(struct scan *s, member_fn fn, void *ctx, int depth)
{
	const char *k;
	size_t n;

	if (depth > 32 || !sc_eat(s, '{'))
		return false;
	if (sc_eat(s, '}'))
		return true;
	do {
		if (!sc_str(s, &k, &n) || !sc_eat(s, ':'))
			return false;
		if (!(fn ? fn(s, k, n, ctx) : sc_skip(s, depth + 1)))
			return false;
	} while (sc_eat(s, ','));
	return sc_eat(s, '}');
}

static bool sc_skip(struct scan *s, int depth)
{
	const char *v;
	size_t n;

	sc_ws(s);
	if (s->p >= s->end || depth > 32)
		return false;
	if (*s->p == '"')
		return sc_str(s, &v, &n);
	if (*s->p == '{')
		return sc_object(s, NULL, NULL, depth);
	if (*s->p == '[') {
		s->p++;
		if (sc_eat(s, ']'))
			return true;
		do {
			if (!sc_skip(s, depth + 1))
				return false;
		} while (sc_eat(s, ','));
		return sc_eat(s, ']');
	}
	for (v = s->p; s->p < s->end && !strchr(",]} \t\r\n", *s->p); s->p++)
		;
	return s->p > v;
}

static bool key_is(const char *k, size_t n, const char *want)
{
	return strlen(want) == n && !memcmp(k, want, n);
}

/* {"packets": P, "bytes": B} */
static bool counter_member(struct scan *s, const char *k, size_t n, void *ctx)
{
	struct stat_row *r = ctx;

	if (key_is(k, n, "packets"))
		return sc_u64(s, &r->packets);
	if (key_is(k, n, "bytes"))
		return sc_u64(s, &r->bytes);
	return sc_skip(s, 8);
}

/* A mark: a number, or a string in hex or decimal. */
static bool sc_mark(struct scan *s, uint32_t *mark, bool *ok)
{
	const char *v;
	size_t n;
	uint64_t x;
	char buf[24], *end;

	sc_ws(s);
	if (s->p < s->end && *s->p == '"') {
		if (!sc_str(s, &v, &n))
			return false;
		snprintf(buf, sizeof(buf), "%.*s", (int)n, v);
		x = strtoull(buf, &end, 0);
		*ok = n && !*end && x <= 0xffffffffULL;
	} else if (s->p < s->end && isdigit((unsigned char)*s->p)) {
		if (!sc_u64(s, &x))
			return false;
		*ok = x <= 0xffffffffULL;
	} else {
		*ok = false;
		return sc_skip(s, 8);
	}
	*mark = (uint32_t)x;
	return true;
}

struct elem_scan {
	struct stat_row row;
	bool ok;
};

/* {"val": MARK, "counter": {...}} */
static bool elem_member(struct scan *s, const char *k, size_t n, void *ctx)
{
	struct elem_scan *e = ctx;

	if (key_is(k, n, "val"))
		return sc_mark(s, &e->row.mark, &e->ok);
	if (key_is(k, n, "counter")) {
		sc_ws(s);
		if (s->p < s->end && *s->p == '{')
			return sc_object(s, counter_member, &e->row, 8);
		return sc_skip(s, 8);
	}
	return sc_skip(s, 8);
}

static bool item_member(struct scan *s, const char *k, size_t n, void *ctx)
{
	return key_is(k, n, "elem") ? sc_object(s, elem_member, ctx, 6) : sc_skip(s, 6);
}

static int rows_push(struct stat_rows *r, size_t *cap, const struct stat_row *row)
{
	if (r->n == *cap) {
		size_t nc = *cap ? *cap * 2 : 256;
		struct stat_row *v = realloc(r->v, nc * sizeof(*v));

		if (!v)
			return -ENOMEM;
		r->v = v;
		*cap = nc;
	}
	r->v[r->n++] = *row;
	return 0;
}

/* The "elem" array: plain marks, or {"elem": {...}} with counters. */
static int scan_elems(struct scan *s, struct stat_rows *ret)
{
	size_t cap = 0;

	if (!sc_eat(s, '['))
		return -EINVAL;
	if (sc_eat(s, ']'))
		return 0;
	do {
		struct elem_scan e = { .ok = false };

		sc_ws(s);
		if (s->p < s->end && *s->p == '{') {
			if (!sc_object(s, item_member, &e, 5))
				return -EINVAL;
		} else if (!sc_mark(s, &e.row.mark, &e.ok)) {
			return -EINVAL;
		}
		if (e.ok && rows_push(ret, &cap, &e.row))
			return -ENOMEM;
	} while (sc_eat(s, ','));
	return sc_eat(s, ']') ? 0 : -EINVAL;
}

struct set_scan {
	const char *table, *name;
	bool family_ok, table_ok, name_ok;
	const char *elem; /* where its "elem" array starts */
};

static bool set_member(struct scan *s, const char *k, size_t n, void *ctx)
{
	struct set_scan *ss = ctx;
	const char *v;
	size_t vn;

	if (key_is(k, n, "elem")) {
		sc_ws(s);
		ss->elem = s->p;
		return sc_skip(s, 4);
	}
	if (!key_is(k, n, "family") && !key_is(k, n, "table") && !key_is(k, n, "name"))
		return sc_skip(s, 4);
	if (!sc_str(s, &v, &vn))
		return false;
	if (key_is(k, n, "family"))
		ss->family_ok = key_is(v, vn, "inet");
	else if (key_is(k, n, "table"))
		ss->table_ok = key_is(v, vn, ss->table);
	else
		ss->name_ok = key_is(v, vn, ss->name);
	return true;
}

struct find_scan {
	struct set_scan want;
	const char *elem;
	bool found;
};

static bool listing_item_member(struct scan *s, const char *k, size_t n, void *ctx)
{
	struct find_scan *f = ctx;
	struct set_scan ss = f->want;

	if (!key_is(k, n, "set"))
		return sc_skip(s, 3);
	ss.family_ok = ss.table_ok = ss.name_ok = false;
	ss.elem = NULL;
	if (!sc_object(s, set_member, &ss, 3))
		return false;
	if (ss.family_ok && ss.table_ok && ss.name_ok && !f->found) {
		f->found = true;
		f->elem = ss.elem;
	}
	return true;
}

static bool root_member(struct scan *s, const char *k, size_t n, void *ctx)
{
	if (!key_is(k, n, "nftables"))
		return sc_skip(s, 1);
	if (!sc_eat(s, '['))
		return false;
	if (sc_eat(s, ']'))
		return true;
	do {
		if (!sc_object(s, listing_item_member, ctx, 2))
			return false;
	} while (sc_eat(s, ','));
	return sc_eat(s, ']');
}

static int cmp_stat_row(const void *a, const void *b)
{
	const struct stat_row *x = a, *y = b;

	return x->mark < y->mark ? -1 : x->mark > y->mark;
}

/* The counter set TABLE NAME in the listing TEXT, sorted by mark; empty when absent. */
static int stat_rows_scan(const char *text, size_t len, const char *table, const char *name,
			  struct stat_rows *ret)
{
	struct find_scan f = { .want = { .table = table, .name = name } };
	struct scan s = { text, text + len };
	int r = 0;

	memset(ret, 0, sizeof(*ret));
	if (!sc_object(&s, root_member, &f, 0))
		return -EIO;
	if (f.elem) {
		s.p = f.elem;
		r = scan_elems(&s, ret);
	}
	if (r) {
		stat_rows_free(ret);
		return r == -ENOMEM ? r : -EIO;
	}
	if (ret->n)
		qsort(ret->v, ret->n, sizeof(*ret->v), cmp_stat_row);
	return 0;
}

struct take_elem_ctx {
	struct stat_rows *rows;
	size_t cap;
};

/* A mark is four bytes in host order; other keys are no counter set's. */
static int take_elem(const struct nft_elem *e, void *ctx)
{
	struct take_elem_ctx *t = ctx;
	struct stat_row row = { .packets = e->packets, .bytes = e->bytes };

	if (e->key_len != sizeof(row.mark) || e->interval_end)
		return 0;
	memcpy(&row.mark, e->key, sizeof(row.mark));
	return rows_push(t->rows, &t->cap, &row);
}

/* The counter set NAME of the kernel's table, over netlink (nft/netlink.c). */
static int kernel_counters(const char *table, const char *name, struct stat_rows *ret,
			   struct diags *d)
{
	struct take_elem_ctx t = { ret, 0 };
	int r = nft_set_elems(table, name, take_elem, &t);

	if (r == -ENOENT)
		r = 0;
	if (r) {
		stat_rows_free(ret);
		if (r != -ENOMEM && r != -EPERM)
			diag_add(d, DIAG_ERROR, NULL, "reading set %s: %s", name, strerror(-r));
		return r == -ENOMEM || r == -EPERM ? r : -EIO;
	}
	if (ret->n)
		qsort(ret->v, ret->n, sizeof(*ret->v), cmp_stat_row);
	return 0;
}

int nft_src_counters(struct nft_src *src, const char *const *names, size_t n, struct stat_rows *ret,
		     struct diags *d)
{
	size_t i;
	int r = 0;

	memset(ret, 0, n * sizeof(*ret));
	for (i = 0; !r && i < n; i++)
		r = src->text
			    ? stat_rows_scan(src->text, src->text_len, src->table, names[i], &ret[i])
			    : kernel_counters(src->table, names[i], &ret[i], d);
	for (i = 0; r && i < n; i++)
		stat_rows_free(&ret[i]);
	return r;
}

void stat_rows_free(struct stat_rows *r)
{
	free(r->v);
	r->v = NULL;
	r->n = 0;
}
