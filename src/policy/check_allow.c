// SPDX-License-Identifier: GPL-2.0-or-later
/* The allow and inbound lists: targets, protocols, ports, domain sets. */
#include "policy/check_allow.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "policy/ck.h"

/* Checks one domain and adds its canonical form to OUT. */
void check_domain(struct ck *ck, const char *s, const char *path, struct strv *out)
{
	const char *why = domain_invalid(s);
	char *low;

	if (why) {
		ck_at(ck, DIAG_ERROR, path, "|\"%s\" is not a valid domain name: it %s", s, why);
		return;
	}
	low = lower_dup(s);
	if (!low || strv_push(out, low))
		ck->oom = 1;
	free(low);
}

void check_domain_at(struct ck *ck, const char *s, const char *path, const char *suffix,
		     struct strv *out)
{
	char *full;

	if (asprintf(&full, "%s%s", path, suffix) < 0) {
		ck->oom = 1;
		return;
	}
	check_domain(ck, s, full, out);
	free(full);
}

unsigned proto_families(int proto)
{
	return proto == 1 ? FAM4 : proto == 58 ? FAM6 : FAM4 | FAM6;
}

static void check_ports(struct ck *ck, struct allow *a, const char *path)
{
	size_t i;

	if (a->ports.n == 0) {
		ck_at(ck, DIAG_ERROR, path,
		      ".ports|is empty, which allows nothing; remove \"ports\" to allow every port");
		return;
	}
	if (a->proto_num < 0 || !proto_has_ports(a->proto_num)) {
		ck_at(ck, DIAG_ERROR, path,
		      ".ports|ports need \"proto\": tcp, udp, sctp, dccp or udplite");
		return;
	}
	a->pr = calloc(a->ports.n, sizeof(*a->pr));
	if (!a->pr) {
		ck->oom = 1;
		return;
	}
	for (i = 0; i < a->ports.n; i++) {
		struct port_range *r = &a->pr[a->n_pr];
		int ret = port_range_parse(a->ports.v[i], &r->lo, &r->hi);

		if (ret == -ERANGE)
			ck_at(ck, DIAG_ERROR, path,
			      ".ports[%zu]|\"%s\" is out of range: ports are 0-65535 and a range is low-high",
			      i, a->ports.v[i]);
		else if (ret)
			ck_at(ck, DIAG_ERROR, path,
			      ".ports[%zu]|\"%s\" is not a port or a \"low-high\" range", i,
			      a->ports.v[i]);
		else
			a->n_pr++;
	}
}

static void check_proto(struct ck *ck, struct allow *a, const char *path)
{
	if (!a->has_proto)
		return;
	a->proto_num = proto_lookup(a->proto);
	if (a->proto_num < 0)
		ck_at(ck, DIAG_ERROR, path,
		      ".proto|unknown protocol \"%s\" (use tcp, udp, sctp, dccp, udplite, icmp, icmpv6, gre, esp, ah, igmp or a number 0-255)",
		      a->proto);
}

/* Parses "to"/"from": addresses into A->addrs, domains into A->domains. */
static void check_targets(struct ck *ck, struct allow *a, const char *path, const char *key,
			  unsigned fams, bool inbound)
{
	size_t i;

	if (a->to.n == 0)
		ck_at(ck, DIAG_ERROR, path,
		      ".%s|is empty, which matches nothing; remove \"%s\" to match every address",
		      key, key);
	a->addrs = calloc(a->to.n + 1, sizeof(*a->addrs));
	if (!a->addrs) {
		ck->oom = 1;
		return;
	}
	for (i = 0; i < a->to.n; i++) {
		const char *s = a->to.v[i];
		char fix[64], ip[48];
		struct iprange *r = &a->addrs[a->n_addrs];
		int ret;

		snprintf(ip, sizeof(ip), ".%s[%zu]", key, i);
		if (!strcasecmp(s, SELF_TARGET)) {
			if (inbound)
				ck_at(ck, DIAG_ERROR, path,
				      "%s|\"self\" (this machine's own addresses) is for \"to\"; inbound sources are remote addresses or CIDRs",
				      ip);
			a->self = true;
			continue;
		}
		if (!addr_like(s)) {
			if (inbound)
				ck_at(ck, DIAG_ERROR, path,
				      "%s|\"%s\": inbound sources must be addresses or CIDRs, not domain names",
				      ip, s);
			else
				check_domain_at(ck, s, path, ip, &a->domains);
			continue;
		}
		ret = addr_parse(s, r, fix, sizeof(fix));
		if (ret == -EDOM)
			ck_at(ck, DIAG_ERROR, path, "%s|\"%s\" has host bits set; write %s", ip, s,
			      fix);
		else if (ret)
			ck_at(ck, DIAG_ERROR, path, "%s|\"%s\" is not a valid address or CIDR", ip,
			      s);
		else if (range_v4_mapped(r, fix, sizeof(fix)))
			ck_at(ck, DIAG_ERROR, path,
			      "%s|\"%s\" is an IPv4-mapped IPv6 address: such traffic goes out and comes in as IPv4, so it never matches; write %s",
			      ip, s, fix);
		else if (!(fams & (r->family == 4 ? FAM4 : FAM6)))
			ck_at(ck, DIAG_ERROR, path,
			      "%s|\"%s\" is IPv%d, but the entry's families leave it out", ip, s,
			      r->family);
		else if (!(proto_families(a->proto_num) & (r->family == 4 ? FAM4 : FAM6)))
			ck_at(ck, DIAG_ERROR, path,
			      "%s|\"%s\" is IPv%d, but proto %s is for the other family", ip, s,
			      r->family, a->proto);
		else
			a->n_addrs++;
	}
	strv_sort_unique(&a->domains);
}

/*
 * "to": ["self"]: the protocols and ports the entry may use towards this
 * machine's own addresses, which change at run time (DHCP, bridges) and so
 * are matched by the kernel's routing table (fib daddr type local), not
 * written into the ruleset. The box's address is a placeholder.
 */
static void add_self_boxes(struct ck *ck, struct boxes *out, const struct allow *a)
{
	static const struct port_range any_port = { 0, 65535 };
	const struct port_range *pr = a->n_pr ? a->pr : &any_port;
	size_t np = a->n_pr ? a->n_pr : 1, j;
	struct box b;

	memset(&b, 0, sizeof(b));
	range_all(&b.a, 4);
	b.plo = a->proto_num < 0 ? 0 : (uint16_t)a->proto_num;
	b.phi = a->proto_num < 0 ? 255 : (uint16_t)a->proto_num;
	for (j = 0; j < np; j++) {
		b.qlo = (uint16_t)pr[j].lo;
		b.qhi = (uint16_t)pr[j].hi;
		if (boxes_add(out, &b))
			ck->oom = 1;
	}
}

static void add_boxes(struct ck *ck, struct boxes *out, const struct allow *a, unsigned fams)
{
	static const struct port_range any_port = { 0, 65535 };
	const struct port_range *pr = a->n_pr ? a->pr : &any_port;
	size_t np = a->n_pr ? a->n_pr : 1, i, j;
	struct box b;
	int f;

	memset(&b, 0, sizeof(b));
	b.plo = a->proto_num < 0 ? 0 : (uint16_t)a->proto_num;
	b.phi = a->proto_num < 0 ? 255 : (uint16_t)a->proto_num;
	fams &= proto_families(a->proto_num);
	for (j = 0; j < np; j++) {
		b.qlo = (uint16_t)pr[j].lo;
		b.qhi = (uint16_t)pr[j].hi;
		if (!a->has_to) {
			for (f = 4; f <= 6; f += 2) {
				if (!(fams & (f == 4 ? FAM4 : FAM6)))
					continue;
				range_all(&b.a, f);
				if (boxes_add(out, &b))
					ck->oom = 1;
			}
			continue;
		}
		for (i = 0; i < a->n_addrs; i++) {
			b.a = a->addrs[i];
			if (boxes_add(out, &b))
				ck->oom = 1;
		}
	}
}

/*
 * "ping": true allows ICMP echo to every address, unless "allow" already
 * says where ICMP may go (a ping socket sends echo requests only).
 */
void add_ping_boxes(struct ck *ck, struct entry *e)
{
	struct allow a = { .proto_num = 1 };
	size_t i;

	for (i = 0; i < e->n_allow; i++)
		if (e->allow[i].proto_num == 1 || e->allow[i].proto_num == 58)
			return;
	add_boxes(ck, &e->boxes, &a, e->fams);
	a.proto_num = 58;
	add_boxes(ck, &e->boxes, &a, e->fams);
}

void check_allow(struct ck *ck, struct entry *e, const char *path, bool inbound)
{
	struct allow *v = inbound ? e->inbound : e->allow;
	size_t n = inbound ? e->n_inbound : e->n_allow, i;
	const char *key = inbound ? "inbound" : "allow";

	for (i = 0; i < n; i++) {
		struct allow *a = &v[i];
		char *ap;

		if (asprintf(&ap, "%s.%s[%zu]", path, key, i) < 0) {
			ck->oom = 1;
			return;
		}
		check_proto(ck, a, ap);
		if (a->has_to)
			check_targets(ck, a, ap, inbound ? "from" : "to", e->fams, inbound);
		if (a->has_ports)
			check_ports(ck, a, ap);
		if (!(e->fams & proto_families(a->proto_num)))
			ck_at(ck, DIAG_ERROR, ap, ".proto|%s is for a family the entry leaves out",
			      a->proto);
		add_boxes(ck, inbound ? &e->in_boxes : &e->boxes, a, e->fams);
		if (a->self && !inbound)
			add_self_boxes(ck, &e->self_boxes, a);
		free(ap);
	}
	if (!inbound && e->ping)
		add_ping_boxes(ck, e);
}

/*
 * The domain set for DOMAINS among the sets made for one entry (those from
 * index FIRST on), made as NAME when there is none yet.
 */
static int dset_get(struct ck *ck, size_t first, const char *name, const struct strv *domains,
		    unsigned fams)
{
	struct policy *p = ck->p;
	struct dset *nd, *d;
	size_t i;

	for (i = first; i < p->n_dsets; i++) {
		if (strv_equal(&p->dsets[i].domains, domains)) {
			p->dsets[i].families |= fams;
			return (int)i;
		}
	}
	nd = realloc(p->dsets, (p->n_dsets + 1) * sizeof(*nd));
	if (!nd) {
		ck->oom = 1;
		return -1;
	}
	p->dsets = nd;
	d = &p->dsets[p->n_dsets];
	memset(d, 0, sizeof(*d));
	d->name = strdup(name);
	d->families = fams;
	for (i = 0; i < domains->n; i++)
		if (strv_push(&d->domains, domains->v[i]))
			ck->oom = 1;
	if (!d->name)
		ck->oom = 1;
	return (int)p->n_dsets++;
}

/* Own "domains" list and the domain lists of "allow" entries get their sets. */
void make_dsets(struct ck *ck, struct entry *e, const char *path)
{
	size_t first = ck->p->n_dsets, i, k = 0;
	struct strv own = { 0 };

	if (e->has_domains && !e->domains_ref) {
		for (i = 0; i < e->domains.n; i++) {
			char ip[32];

			snprintf(ip, sizeof(ip), ".domains[%zu]", i);
			check_domain_at(ck, e->domains.v[i], path, ip, &own);
		}
		strv_sort_unique(&own);
		if (e->domains.n == 0)
			ck_at(ck, DIAG_ERROR, path,
			      ".domains|is empty; list domains, name another entry, or remove the key");
		else if (own.n)
			e->dset = dset_get(ck, first, e->name, &own, e->fams);
	}
	for (i = 0; i < e->n_allow; i++) {
		struct allow *a = &e->allow[i];
		char name[NAME_MAX_LEN + 16];

		if (!a->domains.n)
			continue;
		snprintf(name, sizeof(name), "%s.%zu", e->name, k);
		a->dset = dset_get(ck, first, name, &a->domains, e->fams);
		if (a->dset >= 0 && (size_t)a->dset == ck->p->n_dsets - 1 &&
		    !strcmp(ck->p->dsets[a->dset].name, name))
			k++;
	}
	strv_free(&own);
}
