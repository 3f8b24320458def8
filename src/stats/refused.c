// SPDX-License-Identifier: GPL-2.0-or-later
/* The names dnsmasq refused to each app, decoded from the ruleset's sets. */
#include "stats/refused.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render/dns_refused.h"

/* A field of LEN bytes as nft prints it: a number, or "0x" and hex digits. */
static int field_bytes(json_t *v, uint8_t *out, unsigned len)
{
	const char *s = json_string_value(v);
	size_t n, i;

	memset(out, 0, len);
	if (json_is_integer(v)) {
		unsigned long long x = (unsigned long long)json_integer_value(v);

		for (i = 0; i < len && i < 8; i++, x >>= 8)
			out[len - 1 - i] = (uint8_t)x;
		return 0;
	}
	if (!s || strncmp(s, "0x", 2))
		return -EINVAL;
	s += 2;
	n = strlen(s);
	if (n > 2 * (size_t)len)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		char c = s[n - 1 - i];
		int d = isdigit((unsigned char)c) ? c - '0' : tolower((unsigned char)c) - 'a' + 10;

		if (!isxdigit((unsigned char)c))
			return -EINVAL;
		out[len - 1 - i / 2] |= (uint8_t)(d << (i % 2 ? 4 : 0));
	}
	return 0;
}

/* Appends label byte C as it reads in a name (dig's \DDD for the unusual). */
static void name_putc(struct refused_name *r, size_t *at, unsigned char c)
{
	char esc[5];
	size_t n;

	if (isalnum(c) || c == '-' || c == '_' || c == '*') {
		esc[0] = (char)tolower(c);
		esc[1] = 0;
	} else {
		snprintf(esc, sizeof(esc), "\\%03u", c);
	}
	n = strlen(esc);
	if (*at + n + 4 < sizeof(r->name)) {
		memcpy(r->name + *at, esc, n + 1);
		*at += n;
	}
}

/* The question of MSG, known in [12, KNOWN): name, and type when copied. */
static void decode_question(const uint8_t *msg, unsigned known, struct refused_name *r)
{
	unsigned off = 12;
	size_t at = 0;

	r->name[0] = 0;
	while (off < known && msg[off]) {
		unsigned n = msg[off], i;

		if (n > 63 || off + 1 + n > known) {
			r->truncated = true;
			break;
		}
		if (at && at + 5 < sizeof(r->name)) {
			r->name[at++] = '.';
			r->name[at] = 0;
		}
		for (i = 0; i < n; i++)
			name_putc(r, &at, msg[off + 1 + i]);
		off += 1 + n;
	}
	if (off >= known)
		r->truncated = true;
	if (r->truncated) /* name_putc and the dots leave room for it */
		memcpy(r->name + at, "...", 4);
	else if (off + 2 < known)
		r->qtype = (unsigned)msg[off + 1] << 8 | msg[off + 2];
}

static int decode_elem(json_t *e, bool large, struct refused_name *r)
{
	json_t *in = json_object_get(e, "elem"), *c, *val = in ? json_object_get(in, "val") : e;
	struct dns_refused_layout l;
	uint8_t msg[DNS_REFUSED_FULL] = { 0 };
	json_int_t mark, ulen;
	unsigned len;

	memset(r, 0, sizeof(*r));
	c = json_object_get(val, "concat");
	mark = json_integer_value(json_array_get(c, 0));
	ulen = json_integer_value(json_array_get(c, 1));
	if (json_array_size(c) != 4 || mark < 0 || mark > 0xffffffffLL ||
	    ulen < 8 + DNS_REFUSED_MIN_LEN)
		return -EINVAL;
	len = (unsigned)ulen - 8;
	dns_refused_layout(len, &l);
	if (l.large != large || l.a_off + l.a_len > sizeof(msg) ||
	    field_bytes(json_array_get(c, 2), msg + l.a_off, l.a_len) ||
	    field_bytes(json_array_get(c, 3), msg + l.b_off, l.b_len))
		return -EINVAL;
	r->mark = (uint32_t)mark;
	r->packets = (uint64_t)json_integer_value(
		json_object_get(json_object_get(in, "counter"), "packets"));
	decode_question(msg, l.b_off + l.b_len, r);
	return 0;
}

static int cmp_refused(const void *a, const void *b)
{
	const struct refused_name *x = a, *y = b;
	int c;

	if (x->mark != y->mark)
		return x->mark < y->mark ? -1 : 1;
	c = strcmp(x->name, y->name);
	if (c)
		return c;
	return x->qtype < y->qtype ? -1 : x->qtype > y->qtype;
}

static int add_set(struct refused_names *r, json_t *set, bool large)
{
	json_t *elems = json_object_get(set, "elem"), *e;
	struct refused_name *v;
	size_t i;

	v = realloc(r->v, (r->n + json_array_size(elems) + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	r->v = v;
	json_array_foreach(elems, i, e) if (decode_elem(e, large, &r->v[r->n]) == 0) r->n++;
	return 0;
}

int refused_names_read(struct nft_src *src, struct refused_names *ret, struct diags *d)
{
	static const char *const names[] = { DNS_REFUSED_SMALL, DNS_REFUSED_LARGE };
	json_t *sets[2];
	size_t i, j = 0;
	int r;

	memset(ret, 0, sizeof(*ret));
	r = nft_src_sets(src, names, 2, sets, d);
	for (i = 0; !r && i < 2; i++)
		if (sets[i])
			r = add_set(ret, sets[i], i == 1);
	for (i = 0; i < 2; i++)
		json_decref(sets[i]);
	if (r || !ret->n)
		return r;
	/* The same question in two layouts (with and without EDNS) is one row. */
	qsort(ret->v, ret->n, sizeof(*ret->v), cmp_refused);
	for (i = 1; i < ret->n; i++) {
		if (cmp_refused(&ret->v[j], &ret->v[i]) == 0)
			ret->v[j].packets += ret->v[i].packets;
		else
			ret->v[++j] = ret->v[i];
	}
	ret->n = j + 1;
	return 0;
}

void refused_names_free(struct refused_names *r)
{
	free(r->v);
	r->v = NULL;
	r->n = 0;
}

void dns_type_format(unsigned qtype, char *buf, size_t len)
{
	static const struct {
		unsigned t;
		const char *name;
	} types[] = { { 1, "A" },    { 2, "NS" },    { 5, "CNAME" },  { 6, "SOA" },
		      { 12, "PTR" }, { 15, "MX" },   { 16, "TXT" },   { 28, "AAAA" },
		      { 33, "SRV" }, { 64, "SVCB" }, { 65, "HTTPS" }, { 255, "ANY" } };

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (types[i].t == qtype) {
			snprintf(buf, len, "%s", types[i].name);
			return;
		}
	if (qtype)
		snprintf(buf, len, "TYPE%u", qtype);
	else
		snprintf(buf, len, "-");
}
