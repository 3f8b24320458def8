// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The delta between two rendered rulesets. It reads only the layout
 * render.c writes: "table inet T {", then objects opened by "\tset NAME {",
 * "\tmap NAME {" or "\tchain NAME {" and closed by "\t}", with a set's or
 * map's elements one per line between "\t\telements = {" and "\t\t}".
 * Anything else makes it give up (return 1), and the caller rebuilds.
 */
#include "render/delta.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct span {
	const char *s;
	size_t n;
};

struct obj {
	char kind; /* 'c'hain, 's'et or 'm'ap */
	struct span name;
	struct span text; /* the whole block */
	struct span head; /* a set's or map's block without its elements; a chain's first two lines */
	struct span *elem; /* element items, sorted */
	size_t n_elem;
	bool matched;
};

struct objs {
	struct obj *v;
	size_t n, cap;
};

static bool span_eq(struct span a, struct span b)
{
	return a.n == b.n && (!a.n || !memcmp(a.s, b.s, a.n));
}

static int span_cmp(const void *pa, const void *pb)
{
	const struct span *a = pa, *b = pb;
	size_t n = a->n < b->n ? a->n : b->n;
	int c = n ? memcmp(a->s, b->s, n) : 0;

	return c ? c : (a->n > b->n) - (a->n < b->n);
}

static int obj_cmp(const void *pa, const void *pb)
{
	const struct obj *a = pa, *b = pb;
	int c = (a->kind == 'c') - (b->kind == 'c'); /* sets and maps share names */

	return c ? c : span_cmp(&a->name, &b->name);
}

static void objs_free(struct objs *o)
{
	for (size_t i = 0; i < o->n; i++)
		free(o->v[i].elem);
	free(o->v);
	memset(o, 0, sizeof(*o));
}

/* The line at *S (without its newline); advances *S past it. */
static struct span next_line(const char **s)
{
	struct span l = { *s, strcspn(*s, "\n") };

	*s += l.n + (l.s[l.n] == '\n');
	return l;
}

static bool starts(struct span l, const char *p)
{
	size_t n = strlen(p);

	return l.n >= n && !memcmp(l.s, p, n);
}

static bool is(struct span l, const char *p)
{
	return l.n == strlen(p) && !memcmp(l.s, p, l.n);
}

static int push_elem(struct obj *o, size_t *cap, struct span item)
{
	if (o->n_elem == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		struct span *nv = realloc(o->elem, nc * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		o->elem = nv;
		*cap = nc;
	}
	o->elem[o->n_elem++] = item;
	return 0;
}

/* Reads one object whose first line is L; S is just past it. */
static int parse_obj(struct obj *o, struct span l, const char **s)
{
	static const char *const kinds[] = { "\tchain ", "\tset ", "\tmap " };
	size_t cap = 0;
	const char *elems_at = NULL, *elems_end = NULL;
	struct span l_close = { NULL, 0 };

	memset(o, 0, sizeof(*o));
	for (size_t k = 0; k < 3 && !o->kind; k++)
		if (starts(l, kinds[k]) && l.n > strlen(kinds[k]) + 2 && l.s[l.n - 1] == '{' &&
		    l.s[l.n - 2] == ' ') {
			o->kind = kinds[k][1];
			o->name.s = l.s + strlen(kinds[k]);
			o->name.n = (size_t)(l.s + l.n - 2 - o->name.s);
		}
	if (!o->kind || memchr(o->name.s, ' ', o->name.n))
		return 1;
	o->text.s = l.s;
	for (;;) {
		struct span line;

		if (!**s)
			return 1;
		line = next_line(s);
		if (is(line, "\t}")) {
			l_close = line;
			break;
		}
		if (o->kind == 'c')
			continue;
		if (is(line, "\t\telements = {")) {
			elems_at = line.s;
			for (;;) {
				if (!**s)
					return 1;
				line = next_line(s);
				if (is(line, "\t\t}"))
					break;
				if (!starts(line, "\t\t\t") || line.n < 5 || line.s[line.n - 1] != ',')
					return 1;
				if (push_elem(o, &cap, (struct span){ line.s + 3, line.n - 4 }))
					return -ENOMEM;
			}
			elems_end = *s;
		}
	}
	o->text.n = (size_t)(*s - o->text.s);
	if (o->kind == 'c') {
		/* A base chain's second line holds its hook; rules never start with "type ". */
		const char *t = o->text.s;

		next_line(&t);
		if (starts(next_line(&t), "\t\ttype "))
			o->head = (struct span){ o->text.s, (size_t)(t - o->text.s) };
	} else if (elems_at) {
		/* The declaration without its elements: what is before them plus the close. */
		if (elems_end != l_close.s)
			return 1; /* nothing may follow the elements */
		o->head = (struct span){ o->text.s, (size_t)(elems_at - o->text.s) };
	} else {
		/* No elements: the declaration up to its closing line, as above. */
		o->head = (struct span){ o->text.s, (size_t)(l_close.s - o->text.s) };
	}
	if (o->n_elem)
		qsort(o->elem, o->n_elem, sizeof(*o->elem), span_cmp);
	return 0;
}

/* Splits TEXT, rendered for table inet TABLE, into its objects, sorted. */
static int parse_ruleset(const char *table, const char *text, struct objs *out)
{
	const char *s = text;
	bool in_table = false;
	size_t tl = strlen(table);

	while (*s) {
		struct span l = next_line(&s);
		int ret;

		if (!l.n || starts(l, "#") || starts(l, "\t#"))
			continue;
		if (!in_table) {
			if (!starts(l, "table inet ") || l.n != strlen("table inet ") + tl + 2 ||
			    memcmp(l.s + strlen("table inet "), table, tl) || l.s[l.n - 1] != '{')
				return 1;
			in_table = true;
			continue;
		}
		if (is(l, "}")) {
			in_table = false;
			continue;
		}
		if (out->n == out->cap) {
			size_t nc = out->cap ? out->cap * 2 : 64;
			struct obj *nv = realloc(out->v, nc * sizeof(*nv));

			if (!nv)
				return -ENOMEM;
			out->v = nv;
			out->cap = nc;
		}
		ret = parse_obj(&out->v[out->n], l, &s);
		if (ret) {
			free(out->v[out->n].elem);
			return ret;
		}
		out->n++;
	}
	if (in_table)
		return 1;
	if (out->n)
		qsort(out->v, out->n, sizeof(*out->v), obj_cmp);
	for (size_t i = 1; i < out->n; i++)
		if (!obj_cmp(&out->v[i - 1], &out->v[i]))
			return 1;
	return 0;
}

static struct obj *find(struct objs *o, const struct obj *key)
{
	return o->n ? bsearch(key, o->v, o->n, sizeof(*o->v), obj_cmp) : NULL;
}

static const char *kind_word(char k)
{
	return k == 'c' ? "chain" : k == 's' ? "set" : "map";
}

/* A map element's key: what comes before " : ". */
static struct span elem_key(char kind, struct span item)
{
	if (kind == 'm')
		for (size_t i = 0; i + 3 <= item.n; i++)
			if (!memcmp(item.s + i, " : ", 3))
				return (struct span){ item.s, i };
	return item;
}

/* 0, 4 or 6: whether F is a single address (no prefix, no range). */
static int single_addr(struct span f)
{
	size_t dots = 0, colons = 0;

	for (size_t i = 0; i < f.n; i++) {
		if (f.s[i] == '/' || f.s[i] == '-')
			return 0;
		dots += f.s[i] == '.';
		colons += f.s[i] == ':';
	}
	return colons ? 6 : dots == 3 ? 4 : 0;
}

/*
 * Writes the key of an element to delete. nft 1.0.6 cannot delete an
 * element of a concatenated interval set whose fields are all single values
 * (it sends no interval end and the kernel finds nothing), so a single
 * address is written as the one-address prefix it stands for.
 */
static void put_key(struct strbuf *sb, struct span key, bool interval)
{
	const char *s = key.s, *end = key.s + key.n;

	if (!interval) {
		sb_addn(sb, key.s, key.n);
		return;
	}
	while (s < end) {
		const char *sep = memmem(s, (size_t)(end - s), " . ", 3);
		struct span f = { s, (size_t)((sep ? sep : end) - s) };
		int fam = single_addr(f);

		sb_addn(sb, f.s, f.n);
		if (fam)
			sb_add(sb, fam == 4 ? "/32" : "/128");
		if (!sep)
			break;
		sb_add(sb, " . ");
		s = sep + 3;
	}
}

struct out {
	const char *table;
	struct strbuf flush, del_elem, del_chain, del_set, block, add_elem;
	struct delta_stats *st;
};

static void elem_cmd(struct strbuf *sb, const char *verb, const char *table, const struct obj *o,
		     const struct span *items, size_t n)
{
	static const char flag[] = "\t\tflags interval\n";
	bool del = !strcmp(verb, "delete");
	bool interval = memmem(o->head.s, o->head.n, flag, strlen(flag)) != NULL;

	if (!n)
		return;
	sb_printf(sb, "%s element inet %s %.*s {\n", verb, table, (int)o->name.n, o->name.s);
	for (size_t i = 0; i < n; i++) {
		sb_add(sb, "\t");
		if (del)
			put_key(sb, elem_key(o->kind, items[i]), interval);
		else
			sb_addn(sb, items[i].s, items[i].n);
		sb_add(sb, ",\n");
	}
	sb_add(sb, "}\n");
}

/* Element changes of a set or map present in both rulesets. */
static int diff_elems(struct out *w, const struct obj *a, const struct obj *b)
{
	struct span *gone = calloc(a->n_elem + 1, sizeof(*gone));
	struct span *added = calloc(b->n_elem + 1, sizeof(*added));
	size_t i = 0, j = 0, ng = 0, na = 0;

	if (!gone || !added) {
		free(gone);
		free(added);
		return -ENOMEM;
	}
	while (i < a->n_elem || j < b->n_elem) {
		int c = i == a->n_elem	 ? 1
			: j == b->n_elem ? -1
					 : span_cmp(&a->elem[i], &b->elem[j]);

		if (c < 0)
			gone[ng++] = a->elem[i++];
		else if (c > 0)
			added[na++] = b->elem[j++];
		else
			i++, j++;
	}
	elem_cmd(&w->del_elem, "delete", w->table, a, gone, ng);
	elem_cmd(&w->add_elem, "add", w->table, b, added, na);
	w->st->elems_removed += ng;
	w->st->elems_added += na;
	free(gone);
	free(added);
	return 0;
}

static bool is_learned(const struct obj *o)
{
	static const char mark[] = "\t\tflags dynamic,timeout\n";

	return o->kind == 's' && memmem(o->head.s, o->head.n, mark, strlen(mark));
}

/* Old object A against its new version B (NULL when B is gone). */
static int diff_old(struct out *w, const struct obj *a, const struct obj *b)
{
	const char *t = w->table;
	int n = (int)a->name.n;

	if (a->kind == 'c') {
		if (b && span_eq(a->text, b->text))
			return 0;
		if (b && !span_eq(a->head, b->head))
			return 1; /* a base chain's hook or policy changed */
		sb_printf(&w->flush, "flush chain inet %s %.*s\n", t, n, a->name.s);
		if (b) {
			sb_addn(&w->block, b->text.s, b->text.n);
			w->st->chains_changed++;
		} else {
			sb_printf(&w->del_chain, "delete chain inet %s %.*s\n", t, n, a->name.s);
			w->st->chains_removed++;
		}
		return 0;
	}
	if (!b) {
		sb_printf(&w->del_set, "delete %s inet %s %.*s\n", kind_word(a->kind), t, n,
			  a->name.s);
		w->st->sets_removed++;
		w->st->learned_removed += is_learned(a);
		return 0;
	}
	if (a->kind != b->kind || !span_eq(a->head, b->head))
		return 1; /* type, flags, size or timeout changed: remade by a rebuild */
	return diff_elems(w, a, b);
}

static int emit(struct out *w, struct strbuf *out)
{
	struct strbuf *parts[] = { &w->flush, &w->del_elem, &w->del_chain, &w->del_set };

	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		sb_addn(out, parts[i]->buf ? parts[i]->buf : "", parts[i]->len);
	if (w->block.len) {
		sb_printf(out, "table inet %s {\n", w->table);
		sb_addn(out, w->block.buf, w->block.len);
		sb_add(out, "}\n");
	}
	sb_addn(out, w->add_elem.buf ? w->add_elem.buf : "", w->add_elem.len);
	return out->oom ? -ENOMEM : 0;
}

int delta_build(const char *table, const char *old_nft, const char *new_nft, struct strbuf *out,
		struct delta_stats *st)
{
	struct objs a = { 0 }, b = { 0 };
	struct out w = { .table = table, .st = st };
	int ret;

	memset(st, 0, sizeof(*st));
	ret = parse_ruleset(table, old_nft, &a);
	if (!ret)
		ret = parse_ruleset(table, new_nft, &b);
	for (size_t i = 0; !ret && i < a.n; i++) {
		struct obj *nb = find(&b, &a.v[i]);

		if (nb)
			nb->matched = true;
		ret = diff_old(&w, &a.v[i], nb);
	}
	for (size_t i = 0; !ret && i < b.n; i++) {
		if (b.v[i].matched)
			continue;
		sb_addn(&w.block, b.v[i].text.s, b.v[i].text.n);
		if (b.v[i].kind == 'c')
			st->chains_added++;
		else
			st->sets_added++;
	}
	if (!ret)
		ret = emit(&w, out);
	sb_free(&w.flush);
	sb_free(&w.del_elem);
	sb_free(&w.del_chain);
	sb_free(&w.del_set);
	sb_free(&w.block);
	sb_free(&w.add_elem);
	objs_free(&a);
	objs_free(&b);
	return ret;
}

/*
 * Domain revocation. The dnsmasq file says which domains feed which set:
 * "nftset=/D1/D2/.../4#inet#TABLE#SET4,6#inet#TABLE#SET6". Appends to OUT
 * one "SET\tDOMAIN" pair per domain and set of TABLE, sorted.
 */
static int feed_pairs(const char *table, const char *conf, struct strv *out)
{
	size_t tl = strlen(table), n;
	const char *line, *end, *specs, *spec, *next, *d, *slash;
	char *pair;

	for (line = conf; *line; line = *end ? end + 1 : end) {
		end = line + strcspn(line, "\n");
		if (strncmp(line, "nftset=/", 8) != 0)
			continue;
		specs = (const char *)memrchr(line, '/', end - line) + 1;
		for (spec = specs; spec < end; spec = next + (next < end)) {
			next = memchr(spec, ',', end - spec);
			if (!next)
				next = end;
			/* "4#inet#" TABLE "#" SET, SET not empty */
			n = next - spec;
			if (n <= 8 + tl || (spec[0] != '4' && spec[0] != '6') ||
			    memcmp(spec + 1, "#inet#", 6) != 0 ||
			    memcmp(spec + 7, table, tl) != 0 || spec[7 + tl] != '#')
				continue;
			for (d = line + 8; d < specs; d = slash + 1) {
				slash = memchr(d, '/', specs - d);
				if (asprintf(&pair, "%.*s\t%.*s", (int)(n - 8 - tl), spec + 8 + tl,
					     (int)(slash - d), d) < 0)
					return -ENOMEM;
				if (strv_push(out, pair)) {
					free(pair);
					return -ENOMEM;
				}
				free(pair);
			}
		}
	}
	strv_sort_unique(out);
	return 0;
}

/* Whether NOW feeds SET (of length SL) with DOMAIN or one of its parents. */
static int still_fed(const struct strv *now, const char *set, size_t sl, const char *domain)
{
	const char *d;
	char *key;
	bool found;

	for (d = domain; d; d = strchr(d, '.') ? strchr(d, '.') + 1 : NULL) {
		if (asprintf(&key, "%.*s\t%s", (int)sl, set, d) < 0)
			return -ENOMEM;
		found = strv_sorted_has(now, key);
		free(key);
		if (found)
			return 1;
	}
	return 0;
}

int revoked_sets(const char *table, const char *old_conf, const char *new_conf, struct strv *out)
{
	struct strv was = { 0 }, now = { 0 };
	const char *tab;
	char *set;
	size_t i;
	int ret;

	ret = feed_pairs(table, old_conf, &was);
	if (!ret)
		ret = feed_pairs(table, new_conf, &now);
	for (i = 0; !ret && i < was.n; i++) {
		tab = strchr(was.v[i], '\t');
		ret = still_fed(&now, was.v[i], tab - was.v[i], tab + 1);
		if (ret == 1) {
			ret = 0;
			continue;
		}
		if (ret)
			break;
		set = strndup(was.v[i], tab - was.v[i]);
		if (!set || strv_push(out, set))
			ret = -ENOMEM;
		free(set);
	}
	strv_free(&was);
	strv_free(&now);
	if (!ret)
		strv_sort_unique(out);
	return ret;
}
