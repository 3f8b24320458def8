// SPDX-License-Identifier: GPL-2.0-or-later
#include "lib/netaddr.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int alen(int family)
{
	return family == 4 ? 4 : 16;
}

bool addr_like(const char *s)
{
	if (strchr(s, ':'))
		return true;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s) && *s != '.' && *s != '/')
			return false;
	return true;
}

static int parse_prefix(const char *s, int max)
{
	char *end;
	long v;

	if (!isdigit((unsigned char)*s) || (s[0] == '0' && s[1]))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 0 || v > max)
		return -1;
	return (int)v;
}

/* Splits S into address and prefix; returns the prefix or -1 (none), -2 bad. */
static int split_cidr(const char *s, char *abuf, size_t alen_max, int max)
{
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);

	if (n >= alen_max)
		return -2;
	memcpy(abuf, s, n);
	abuf[n] = '\0';
	if (!slash)
		return -1;
	return parse_prefix(slash + 1, max) < 0 ? -2 : parse_prefix(slash + 1, max);
}

int addr_parse(const char *s, struct iprange *r, char *fix, size_t fixlen)
{
	char abuf[INET6_ADDRSTRLEN + 1];
	int family = strchr(s, ':') ? 6 : 4;
	int bits = family == 4 ? 32 : 128;
	int pfx = split_cidr(s, abuf, sizeof(abuf), bits);
	bool hostbits = false;
	int i;

	if (pfx == -2)
		return -EINVAL;
	memset(r, 0, sizeof(*r));
	r->family = family;
	if (inet_pton(family == 4 ? AF_INET : AF_INET6, abuf, r->lo) != 1)
		return -EINVAL;
	if (pfx < 0)
		pfx = bits;
	for (i = 0; i < alen(family); i++) {
		int keep = pfx - i * 8;
		uint8_t mask = keep >= 8 ? 0xff : keep <= 0 ? 0 : (uint8_t)(0xff << (8 - keep));

		if (r->lo[i] & ~mask)
			hostbits = true;
		r->lo[i] &= mask;
		r->hi[i] = r->lo[i] | (uint8_t)~mask;
	}
	if (hostbits) {
		char a[INET6_ADDRSTRLEN];

		inet_ntop(family == 4 ? AF_INET : AF_INET6, r->lo, a, sizeof(a));
		snprintf(fix, fixlen, "%s/%d", a, pfx);
		return -EDOM;
	}
	return 0;
}

bool range_v4_mapped(const struct iprange *r, char *v4, size_t len)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
	struct iprange r4 = { .family = 4 };

	if (r->family != 6 || memcmp(r->lo, mapped, 12) || memcmp(r->hi, mapped, 12))
		return false;
	memcpy(r4.lo, r->lo + 12, 4);
	memcpy(r4.hi, r->hi + 12, 4);
	range_format(&r4, v4, len);
	return true;
}

/* The prefix length when LO..HI is exactly one CIDR block, else -1. */
static int range_prefix(const struct iprange *r)
{
	int n = alen(r->family), i, bit, p = -1;

	for (i = 0; i < n * 8; i++) {
		int lb = (r->lo[i / 8] >> (7 - i % 8)) & 1;
		int hb = (r->hi[i / 8] >> (7 - i % 8)) & 1;

		bit = (lb == hb);
		if (p < 0 && !bit)
			p = i;
		if (p >= 0 && (lb != 0 || hb != 1))
			return -1;
	}
	return p < 0 ? n * 8 : p;
}

void range_format(const struct iprange *r, char *buf, size_t len)
{
	int af = r->family == 4 ? AF_INET : AF_INET6;
	char lo[INET6_ADDRSTRLEN], hi[INET6_ADDRSTRLEN];
	int p = range_prefix(r);

	inet_ntop(af, r->lo, lo, sizeof(lo));
	if (p == alen(r->family) * 8)
		snprintf(buf, len, "%s", lo);
	else if (p >= 0)
		snprintf(buf, len, "%s/%d", lo, p);
	else {
		inet_ntop(af, r->hi, hi, sizeof(hi));
		snprintf(buf, len, "%s-%s", lo, hi);
	}
}

void range_all(struct iprange *r, int family)
{
	memset(r, 0, sizeof(*r));
	r->family = family;
	memset(r->hi, 0xff, (size_t)alen(family));
}

const char *domain_invalid(const char *s)
{
	size_t len = strlen(s), lab = 0;
	const char *p;

	if (len == 0)
		return "is empty";
	if (len > DOMAIN_MAX_LEN)
		return "is longer than 253 characters";
	if (strchr(s, '*'))
		return "has a wildcard; a domain already covers its subdomains, so write the parent domain";
	if (s[len - 1] == '.')
		return "ends with a dot; write it without the trailing dot";
	for (p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '.') {
			if (lab == 0)
				return "has an empty label";
			if (p[-1] == '-')
				return "has a label ending in '-'";
			lab = 0;
			continue;
		}
		if (!isalnum(c) && c != '-' && c != '_')
			return isspace(c)
				       ? "contains a space"
				       : "contains a character not allowed in a domain name (letters, digits, '-', '_' and '.')";
		if (lab == 0 && c == '-')
			return "has a label starting with '-'";
		if (++lab > 63)
			return "has a label longer than 63 characters";
	}
	if (p[-1] == '-')
		return "has a label ending in '-'";
	return NULL;
}

bool domain_is_pattern(const char *s)
{
	const char *last = strrchr(s, '.'), *p;
	bool numeric = true;

	if (!last || domain_invalid(s))
		return false;
	for (p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '.')
			return false;
	for (p = last + 1; *p; p++)
		numeric = numeric && isdigit((unsigned char)*p);
	return !numeric && strcasecmp(last + 1, "local") != 0;
}

bool name_valid(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > NAME_MAX_LEN)
		return false;
	if (!isalpha((unsigned char)s[0]) && s[0] != '_')
		return false;
	for (i = 1; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-')
			return false;
	return true;
}

static const struct {
	const char *name;
	int num;
} protos[] = {
	{ "icmp", 1 },	  { "igmp", 2 },       { "tcp", 6 },	{ "udp", 17 },
	{ "dccp", 33 },	  { "gre", 47 },       { "esp", 50 },	{ "ah", 51 },
	{ "icmpv6", 58 }, { "ipv6-icmp", 58 }, { "sctp", 132 }, { "udplite", 136 },
};

int proto_lookup(const char *s)
{
	unsigned lo, hi;
	size_t i;

	for (i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (strcmp(s, protos[i].name) == 0)
			return protos[i].num;
	if (!strchr(s, '-') && port_range_parse(s, &lo, &hi) == 0 && lo <= 255)
		return (int)lo;
	return -1;
}

const char *proto_name(int p)
{
	size_t i;

	for (i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (protos[i].num == p)
			return protos[i].name;
	return NULL;
}

bool proto_has_ports(int p)
{
	return p == 6 || p == 17 || p == 33 || p == 132 || p == 136;
}

static int parse_port(const char *s, size_t n, unsigned *out)
{
	unsigned long v = 0;
	size_t i;

	if (n == 0 || n > 5 || (n > 1 && s[0] == '0'))
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -EINVAL;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > 65535)
		return -ERANGE;
	*out = (unsigned)v;
	return 0;
}

int port_range_parse(const char *s, unsigned *lo, unsigned *hi)
{
	const char *dash = strchr(s, '-');
	unsigned a, b;
	int ret;

	if (!dash) {
		ret = parse_port(s, strlen(s), &a);
		if (!ret)
			*lo = *hi = a;
		return ret;
	}
	ret = parse_port(s, (size_t)(dash - s), &a);
	if (!ret)
		ret = parse_port(dash + 1, strlen(dash + 1), &b);
	if (ret)
		return ret;
	if (a > b)
		return -ERANGE;
	*lo = a;
	*hi = b;
	return 0;
}

/* 128-bit big-endian helpers on byte arrays. */
static int acmp(const uint8_t *a, const uint8_t *b, int fam)
{
	return memcmp(a, b, (size_t)alen(fam));
}

static void adec(uint8_t *a, int fam)
{
	int i;

	for (i = alen(fam) - 1; i >= 0; i--)
		if (a[i]-- != 0)
			break;
}

static void ainc(uint8_t *a, int fam)
{
	int i;

	for (i = alen(fam) - 1; i >= 0; i--)
		if (++a[i] != 0)
			break;
}

bool box_overlap(const struct box *a, const struct box *b)
{
	int f = a->a.family;

	if (a->a.family != b->a.family)
		return false;
	return acmp(a->a.lo, b->a.hi, f) <= 0 && acmp(b->a.lo, a->a.hi, f) <= 0 &&
	       a->plo <= b->phi && b->plo <= a->phi && a->qlo <= b->qhi && b->qlo <= a->qhi;
}

static int boxes_push(struct boxes *v, const struct box *b)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 8;
		struct box *nv = realloc(v->v, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		v->v = nv;
		v->cap = cap;
	}
	v->v[v->n++] = *b;
	return 0;
}

/*
 * Cuts N (which overlaps E) into the pieces outside E, one dimension at a
 * time, and pushes them onto OUT.
 */
static int box_subtract(const struct box *n, const struct box *e, struct boxes *out)
{
	struct box mid = *n, p;
	int f = n->a.family;

	if (acmp(n->a.lo, e->a.lo, f) < 0) {
		p = *n;
		memcpy(p.a.hi, e->a.lo, 16);
		adec(p.a.hi, f);
		memcpy(mid.a.lo, e->a.lo, 16);
		if (boxes_push(out, &p))
			return -ENOMEM;
	}
	if (acmp(n->a.hi, e->a.hi, f) > 0) {
		p = *n;
		memcpy(p.a.lo, e->a.hi, 16);
		ainc(p.a.lo, f);
		memcpy(mid.a.hi, e->a.hi, 16);
		if (boxes_push(out, &p))
			return -ENOMEM;
	}
	if (mid.plo < e->plo) {
		p = mid;
		p.phi = e->plo - 1;
		if (boxes_push(out, &p))
			return -ENOMEM;
		mid.plo = e->plo;
	}
	if (mid.phi > e->phi) {
		p = mid;
		p.plo = e->phi + 1;
		if (boxes_push(out, &p))
			return -ENOMEM;
		mid.phi = e->phi;
	}
	if (mid.qlo < e->qlo) {
		p = mid;
		p.qhi = e->qlo - 1;
		if (boxes_push(out, &p))
			return -ENOMEM;
	}
	if (mid.qhi > e->qhi) {
		p = mid;
		p.qlo = e->qhi + 1;
		if (boxes_push(out, &p))
			return -ENOMEM;
	}
	return 0;
}

int boxes_add(struct boxes *v, const struct box *b)
{
	struct boxes work = { 0 }, next = { 0 };
	size_t i, j;
	int ret = boxes_push(&work, b);

	for (i = 0; !ret && i < v->n && work.n; i++) {
		next.n = 0;
		for (j = 0; !ret && j < work.n; j++) {
			if (!box_overlap(&work.v[j], &v->v[i]))
				ret = boxes_push(&next, &work.v[j]);
			else
				ret = box_subtract(&work.v[j], &v->v[i], &next);
		}
		struct boxes t = work;
		work = next;
		next = t;
	}
	for (j = 0; !ret && j < work.n; j++)
		ret = boxes_push(v, &work.v[j]);
	boxes_free(&work);
	boxes_free(&next);
	return ret;
}

static int box_cmp(const void *x, const void *y)
{
	const struct box *a = x, *b = y;
	int c;

	if (a->a.family != b->a.family)
		return a->a.family - b->a.family;
	c = acmp(a->a.lo, b->a.lo, a->a.family);
	if (c)
		return c;
	if (a->plo != b->plo)
		return a->plo - b->plo;
	return a->qlo - b->qlo;
}

void boxes_sort(struct boxes *v)
{
	if (v->n > 1)
		qsort(v->v, v->n, sizeof(*v->v), box_cmp);
}

void boxes_free(struct boxes *v)
{
	free(v->v);
	v->v = NULL;
	v->n = v->cap = 0;
}
