// SPDX-License-Identifier: GPL-2.0-or-later
#include "stats/tried.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/netaddr.h"
#include "lib/strbuf.h"

static int parse_addr(const char *s, int *family, uint8_t addr[16])
{
	memset(addr, 0, 16);
	if (!s)
		return -EINVAL;
	if (inet_pton(AF_INET, s, addr) == 1) {
		*family = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, s, addr) == 1) {
		*family = 6;
		return 0;
	}
	return -EINVAL;
}

static int json_proto(json_t *v)
{
	const char *s = json_string_value(v);
	struct protoent *pe;
	int p;

	if (json_is_integer(v)) {
		json_int_t x = json_integer_value(v);

		return x >= 0 && x <= 255 ? (int)x : -1;
	}
	if (!s)
		return -1;
	p = proto_lookup(s);
	if (p >= 0)
		return p;
	pe = getprotobyname(s);
	return pe ? pe->p_proto : -1;
}

static long json_port(json_t *v)
{
	const char *s = json_string_value(v);
	struct servent *se;
	unsigned lo, hi;

	if (json_is_integer(v)) {
		json_int_t x = json_integer_value(v);

		return x >= 0 && x <= 65535 ? (long)x : -1;
	}
	if (!s)
		return -1;
	if (port_range_parse(s, &lo, &hi) == 0 && lo == hi)
		return lo;
	se = getservbyname(s, NULL);
	return se ? ntohs((uint16_t)se->s_port) : -1;
}

/* One element of tried4/6 or refused4/6: mark . addr . proto . port. */
static int tried_elem(json_t *e, bool refused, struct tried_row *t)
{
	uint64_t packets, bytes;
	json_t *c = json_object_get(nft_elem_val(e, &packets, &bytes), "concat");
	long port;

	memset(t, 0, sizeof(*t));
	if (json_array_size(c) != 4 || nft_json_u32(json_array_get(c, 0), &t->mark) ||
	    parse_addr(json_string_value(json_array_get(c, 1)), &t->family, t->addr))
		return -EINVAL;
	t->proto = json_proto(json_array_get(c, 2));
	port = json_port(json_array_get(c, 3));
	if (t->proto < 0 || port < 0)
		return -EINVAL;
	t->port = (unsigned)port;
	t->refused = refused;
	if (refused) {
		t->rpackets = packets;
		t->rbytes = bytes;
	} else {
		t->packets = packets;
		t->bytes = bytes;
	}
	return 0;
}

static int cmp_tried(const void *a, const void *b)
{
	const struct tried_row *x = a, *y = b;
	int c;

	if (x->mark != y->mark)
		return x->mark < y->mark ? -1 : 1;
	if (x->family != y->family)
		return x->family - y->family;
	c = memcmp(x->addr, y->addr, 16);
	if (c)
		return c;
	if (x->proto != y->proto)
		return x->proto - y->proto;
	return x->port < y->port ? -1 : x->port > y->port;
}

static int tried_add_set(struct tried_rows *r, json_t *set, bool refused)
{
	json_t *elems = json_object_get(set, "elem"), *e;
	struct tried_row *v;
	size_t i;

	v = realloc(r->v, (r->n + json_array_size(elems) + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	r->v = v;
	json_array_foreach(elems, i, e) if (tried_elem(e, refused, &r->v[r->n]) == 0) r->n++;
	return 0;
}

/* Sorted rows with equal keys become one: tried counters, refused counters. */
static void tried_merge(struct tried_rows *r)
{
	size_t i, j = 0;

	qsort(r->v, r->n, sizeof(*r->v), cmp_tried);
	for (i = 0; i < r->n; i++) {
		struct tried_row *d = j ? &r->v[j - 1] : NULL, *s = &r->v[i];

		if (d && cmp_tried(d, s) == 0) {
			d->packets += s->packets;
			d->bytes += s->bytes;
			d->rpackets += s->rpackets;
			d->rbytes += s->rbytes;
			d->refused |= s->refused;
		} else {
			r->v[j++] = *s;
		}
	}
	r->n = j;
}

int tried_rows_read(struct nft_src *src, bool tried, struct tried_rows *ret, struct diags *d)
{
	static const char *const names[] = { "tried4", "tried6", "refused4", "refused6" };
	json_t *sets[4];
	size_t i, first = tried ? 0 : 2;
	int r;

	memset(ret, 0, sizeof(*ret));
	r = nft_src_sets(src, names + first, 4 - first, sets, d);
	for (i = 0; !r && i < 4 - first; i++)
		if (sets[i])
			r = tried_add_set(ret, sets[i], first + i >= 2);
	for (i = 0; i < 4 - first; i++)
		json_decref(sets[i]);
	if (!r)
		tried_merge(ret);
	return r;
}

void tried_rows_free(struct tried_rows *r)
{
	free(r->v);
	r->v = NULL;
	r->n = 0;
}

void tried_addr_format(const struct tried_row *t, char *buf, size_t len)
{
	if (!inet_ntop(t->family == 4 ? AF_INET : AF_INET6, t->addr, buf, (socklen_t)len))
		snprintf(buf, len, "?");
}

void proto_format(int proto, char *buf, size_t len)
{
	const char *n = proto_name(proto);

	if (n)
		snprintf(buf, len, "%s", n);
	else
		snprintf(buf, len, "%d", proto);
}

/* Learned addresses ------------------------------------------------------- */

struct learned_addr {
	int family;
	uint8_t addr[16];
	int dset;
};

static int cmp_learned(const void *a, const void *b)
{
	const struct learned_addr *x = a, *y = b;
	int c;

	if (x->family != y->family)
		return x->family - y->family;
	c = memcmp(x->addr, y->addr, 16);
	return c ? c : x->dset - y->dset;
}

static int learned_add_set(struct learned *l, json_t *set, int dset)
{
	json_t *elems = json_object_get(set, "elem"), *e;
	struct learned_addr *v;
	uint64_t pk, by;
	size_t i;

	v = realloc(l->v, (l->n + json_array_size(elems) + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	l->v = v;
	json_array_foreach(elems, i, e)
	{
		struct learned_addr *a = &l->v[l->n];

		if (parse_addr(json_string_value(nft_elem_val(e, &pk, &by)), &a->family, a->addr))
			continue;
		a->dset = dset;
		l->n++;
	}
	return 0;
}

/* The names of the policy's learned sets: NAME_4, NAME_6; D[i] is the dset of V[i]. */
static int learned_names(const struct policy *p, struct strv *v, int **d)
{
	char name[NAME_MAX_LEN * 2 + 16];
	size_t i;
	int f;

	*d = calloc(p->n_dsets * 2 + 1, sizeof(**d));
	if (!*d)
		return -ENOMEM;
	for (i = 0; i < p->n_dsets; i++) {
		for (f = 4; f <= 6; f += 2) {
			if (!(p->dsets[i].families & (f == 4 ? FAM4 : FAM6)))
				continue;
			snprintf(name, sizeof(name), "%s_%d", p->dsets[i].name, f);
			(*d)[v->n] = (int)i;
			if (strv_push(v, name))
				return -ENOMEM;
		}
	}
	return 0;
}

int learned_read(struct nft_src *src, const struct policy *p, struct learned *ret, struct diags *d)
{
	struct strv names = { 0 };
	json_t **sets = NULL;
	int *dset = NULL, r;
	size_t i;

	memset(ret, 0, sizeof(*ret));
	r = learned_names(p, &names, &dset);
	if (!r && names.n && !(sets = calloc(names.n, sizeof(*sets))))
		r = -ENOMEM;
	if (!r && names.n)
		r = nft_src_sets(src, (const char *const *)names.v, names.n, sets, d);
	for (i = 0; !r && i < names.n; i++)
		if (sets[i])
			r = learned_add_set(ret, sets[i], dset[i]);
	for (i = 0; sets && i < names.n; i++)
		json_decref(sets[i]);
	if (ret->n)
		qsort(ret->v, ret->n, sizeof(*ret->v), cmp_learned);
	free(sets);
	free(dset);
	strv_free(&names);
	return r;
}

void learned_free(struct learned *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

int learned_domains(const struct learned *l, const struct policy *p, int family,
		    const uint8_t *addr, struct strv *out)
{
	struct learned_addr key = { .family = family, .dset = -1 };
	size_t lo = 0, hi = l->n, j;

	memcpy(key.addr, addr, 16);
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cmp_learned(&l->v[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < l->n && l->v[lo].family == family && !memcmp(l->v[lo].addr, addr, 16); lo++) {
		const struct dset *d = &p->dsets[l->v[lo].dset];

		for (j = 0; j < d->domains.n; j++)
			if (!strv_contains(out, d->domains.v[j]) && strv_push(out, d->domains.v[j]))
				return -ENOMEM;
	}
	strv_sort_unique(out);
	return 0;
}
