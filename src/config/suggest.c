// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * galaf-config suggest: allow entries, as JSON to paste into the policy,
 * for the destinations galaf refused an app (refused4/refused6). Names come
 * from the policy's learned sets and, when given, dnsmasq's query log.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "config/cmds.h"
#include "nft/listing.h"
#include "stats/namer.h"
#include "stats/rows.h"
#include "stats/refused.h"
#include "stats/tried.h"
#include "stats/who.h"
#include "lib/netaddr.h"
#include "lib/strbuf.h"

static const char suggest_help[] =
	"Usage: galaf-config suggest [--log FILE] [--table NAME] [POLICY] APP\n"
	"\n"
	"Print allow entries, as JSON ready to paste into APP's \"allow\" list in\n"
	"POLICY, that would let APP (a group or user of the policy, or of this\n"
	"machine) reach what galaf refused it: the destinations in the refused4 and\n"
	"refused6 sets, grouped by protocol and port. Destinations the policy already\n"
	"allows APP are left out. A destination's domain names are added beside its\n"
	"address when dnsmasq's log or a learned address set of any entry knows them.\n"
	"Names dnsmasq's name list refused APP (the dns_refused sets) come last, in one\n"
	"entry whose port is a guess (HTTPS): no connection followed, so none is known.\n"
	"  --log FILE    dnsmasq's query log (log-queries, log-facility=FILE)\n"
	"  --table NAME  read table inet NAME (default: the policy's, else galaf)\n"
	"\n"
	"Needs root. Exit status: 0 printed (maybe an empty list), 1 cannot read the\n"
	"sets or unknown APP, 2 usage.\n";

/* Addresses with names, from dnsmasq's log. */
struct dns_name {
	int family;
	uint8_t addr[16];
	char *name;
};

struct dns_names {
	struct dns_name *v;
	size_t n, cap;
};

struct sugg_args {
	const char *log, *table;
};

static void dns_names_free(struct dns_names *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		free(d->v[i].name);
	free(d->v);
	memset(d, 0, sizeof(*d));
}

static int dns_names_add(struct dns_names *d, const char *addr, const char *name)
{
	struct dns_name x = { 0 };
	char *s;

	if (inet_pton(AF_INET, addr, x.addr) == 1)
		x.family = 4;
	else if (inet_pton(AF_INET6, addr, x.addr) == 1)
		x.family = 6;
	else
		return 0;
	if (domain_invalid(name))
		return 0;
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 64;
		struct dns_name *v = realloc(d->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		d->v = v;
		d->cap = cap;
	}
	x.name = s = strdup(name);
	if (!s)
		return -ENOMEM;
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
	if (s > x.name && s[-1] == '.')
		s[-1] = '\0';
	d->v[d->n++] = x;
	return 0;
}

/*
 * One log line: "... reply NAME is ADDR" (also cached, config). The answer
 * to a CNAME chain follows its "reply NAME is <CNAME>" lines, so an address
 * is credited to the head of the chain as well. CHAIN holds that head.
 */
static int dns_log_line(struct dns_names *d, char *line, char *chain, size_t len)
{
	char *tok[64], *save = NULL, *t;
	size_t n = 0, i;
	int ret = 0;

	for (t = strtok_r(line, " \t\r\n", &save); t && n < 64; t = strtok_r(NULL, " \t\r\n", &save))
		tok[n++] = t;
	for (i = 2; i + 1 < n; i++)
		if (!strcmp(tok[i], "is") &&
		    (!strcmp(tok[i - 2], "reply") || !strcmp(tok[i - 2], "cached") ||
		     !strcmp(tok[i - 2], "config")))
			break;
	if (i + 1 >= n) {
		chain[0] = '\0';
		return 0;
	}
	if (!strcmp(tok[i + 1], "<CNAME>")) {
		if (!chain[0])
			snprintf(chain, len, "%s", tok[i - 1]);
		return 0;
	}
	ret = dns_names_add(d, tok[i + 1], tok[i - 1]);
	if (!ret && chain[0])
		ret = dns_names_add(d, tok[i + 1], chain);
	return ret;
}

static int dns_log_read(const char *file, struct dns_names *d)
{
	char *line = NULL, chain[DOMAIN_MAX_LEN + 2] = "";
	size_t cap = 0;
	FILE *f = fopen(file, "re");
	int ret = 0;

	if (!f)
		return -errno;
	while (!ret && getline(&line, &cap, f) > 0)
		ret = dns_log_line(d, line, chain, sizeof(chain));
	free(line);
	fclose(f);
	return ret;
}

static int dns_names_find(const struct dns_names *d, const struct tried_row *t, struct strv *out)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (d->v[i].family == t->family && !memcmp(d->v[i].addr, t->addr, 16) &&
		    !strv_contains(out, d->v[i].name) && strv_push(out, d->v[i].name))
			return -ENOMEM;
	return 0;
}

/* Already allowed: inside one of the entry's static allow boxes. */
static bool allowed_now(const struct entry *e, const struct tried_row *t)
{
	size_t i, n = t->family == 4 ? 4 : 16;

	for (i = 0; e && i < e->boxes.n; i++) {
		const struct box *b = &e->boxes.v[i];

		if (b->a.family == t->family && memcmp(b->a.lo, t->addr, n) <= 0 &&
		    memcmp(t->addr, b->a.hi, n) <= 0 && t->proto >= b->plo && t->proto <= b->phi &&
		    t->port >= b->qlo && t->port <= b->qhi)
			return true;
	}
	return false;
}

/* One suggested entry in the making: a protocol, its ports and destinations. */
struct sugg {
	int proto;
	struct strv to;	   /* addresses, then names */
	struct strv maybe; /* "ADDR was learned for one of: a, b" */
	unsigned *ports;
	size_t n_ports;
	uint64_t packets;
};

struct suggs {
	struct sugg *v;
	size_t n;
};

static void suggs_free(struct suggs *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		strv_free(&s->v[i].to);
		strv_free(&s->v[i].maybe);
		free(s->v[i].ports);
	}
	free(s->v);
	memset(s, 0, sizeof(*s));
}

struct names_src {
	const struct policy *p;
	const struct learned *learned;
	const struct dns_names *dns;
};

/* Names of T's address: the log's, and a learned list's when it has one name. */
static int row_names(const struct names_src *ns, const struct tried_row *t, struct strv *names,
		     struct strv *maybe)
{
	struct strbuf note = STRBUF_INIT;
	struct strv l = { 0 };
	char addr[64];
	size_t i;
	int ret = ns->dns ? dns_names_find(ns->dns, t, names) : 0;

	if (!ret && ns->p)
		ret = learned_domains(ns->learned, ns->p, t->family, t->addr, &l);
	if (!ret && l.n == 1 && !strv_contains(names, l.v[0]))
		ret = strv_push(names, l.v[0]);
	if (!ret && l.n > 1) {
		tried_addr_format(t, addr, sizeof(addr));
		sb_printf(&note, "%s was learned for one of:", addr);
		for (i = 0; i < l.n; i++)
			sb_printf(&note, "%s %s", i ? "," : "", l.v[i]);
		if (note.oom)
			ret = -ENOMEM;
		else if (!strv_contains(maybe, sb_str(&note)))
			ret = strv_push(maybe, sb_str(&note));
	}
	sb_free(&note);
	strv_free(&l);
	return ret;
}

static int cmp_by_port(const void *a, const void *b)
{
	const struct tried_row *x = a, *y = b;
	int c;

	if (x->proto != y->proto)
		return x->proto - y->proto;
	if (x->port != y->port)
		return x->port < y->port ? -1 : 1;
	if (x->family != y->family)
		return x->family - y->family;
	c = memcmp(x->addr, y->addr, 16);
	return c;
}

static bool has_ports(const struct tried_row *t)
{
	return t->port || proto_has_ports(t->proto);
}

/* One entry for the rows V[0..N) that share a protocol and port. */
static int sugg_from_run(const struct names_src *ns, const struct tried_row *v, size_t n,
			 struct sugg *s)
{
	struct strv names = { 0 };
	char addr[64];
	size_t i;
	int ret = 0;

	memset(s, 0, sizeof(*s));
	s->proto = v[0].proto;
	if (has_ports(&v[0])) {
		s->ports = malloc(sizeof(*s->ports));
		if (!s->ports)
			return -ENOMEM;
		s->ports[0] = v[0].port;
		s->n_ports = 1;
	}
	for (i = 0; !ret && i < n; i++) {
		tried_addr_format(&v[i], addr, sizeof(addr));
		s->packets += v[i].rpackets;
		ret = strv_push(&s->to, addr);
		if (!ret)
			ret = row_names(ns, &v[i], &names, &s->maybe);
	}
	strv_sort_unique(&names);
	for (i = 0; !ret && i < names.n; i++)
		ret = strv_push(&s->to, names.v[i]);
	strv_free(&names);
	return ret;
}

/* Entries with the same protocol and destinations become one with all their ports. */
static int suggs_merge(struct suggs *s)
{
	size_t i, j, k;

	for (i = 0; i < s->n; i++) {
		for (j = i + 1; j < s->n;) {
			struct sugg *a = &s->v[i], *b = &s->v[j];
			unsigned *p;

			if (a->proto != b->proto || !a->n_ports || !b->n_ports ||
			    !strv_equal(&a->to, &b->to)) {
				j++;
				continue;
			}
			p = realloc(a->ports, (a->n_ports + b->n_ports) * sizeof(*p));
			if (!p)
				return -ENOMEM;
			a->ports = p;
			for (k = 0; k < b->n_ports; k++)
				a->ports[a->n_ports++] = b->ports[k];
			a->packets += b->packets;
			for (k = 0; k < b->maybe.n; k++)
				if (!strv_contains(&a->maybe, b->maybe.v[k]) &&
				    strv_push(&a->maybe, b->maybe.v[k]))
					return -ENOMEM;
			strv_free(&b->to);
			strv_free(&b->maybe);
			free(b->ports);
			memmove(b, b + 1, (s->n - j - 1) * sizeof(*b));
			s->n--;
		}
	}
	return 0;
}

/* Refused rows of W that the policy does not allow now, by protocol and port. */
static int suggs_build(const struct tried_rows *tr, const struct who *w, const struct names_src *ns,
		       struct suggs *out)
{
	struct tried_row *v = calloc(tr->n + 1, sizeof(*v));
	size_t i, j, n = 0;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < tr->n; i++)
		if (tr->v[i].refused && who_match(w, tr->v[i].mark) &&
		    !allowed_now(w->entry, &tr->v[i]))
			v[n++] = tr->v[i];
	qsort(v, n, sizeof(*v), cmp_by_port);
	out->v = calloc(n + 1, sizeof(*out->v));
	for (i = 0; out->v && !ret && i < n; i = j) {
		for (j = i + 1; j < n && v[j].proto == v[i].proto && v[j].port == v[i].port; j++)
			;
		ret = sugg_from_run(ns, v + i, j - i, &out->v[out->n++]);
	}
	if (!out->v)
		ret = -ENOMEM;
	free(v);
	return ret ? ret : suggs_merge(out);
}

/* Ports as JSON: numbers, and "lo-hi" for runs of three or more. */
static json_t *ports_json(const struct sugg *s)
{
	json_t *a = json_array();
	char buf[16];
	size_t i, j;

	for (i = 0; a && i < s->n_ports; i = j + 1) {
		for (j = i; j + 1 < s->n_ports && s->ports[j + 1] == s->ports[j] + 1; j++)
			;
		if (j - i >= 2) {
			snprintf(buf, sizeof(buf), "%u-%u", s->ports[i], s->ports[j]);
			json_array_append_new(a, json_string(buf));
		} else {
			j = i;
			json_array_append_new(a, json_integer(s->ports[i]));
		}
	}
	return a;
}

static int cmp_uint(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

	return x < y ? -1 : x > y;
}

static json_t *sugg_json(struct sugg *s)
{
	struct strbuf c = STRBUF_INIT;
	json_t *o = json_object(), *to = json_array();
	char proto[16];
	size_t i;

	sb_printf(&c, "galaf refused %llu packet%s", (unsigned long long)s->packets,
		  s->packets == 1 ? "" : "s");
	for (i = 0; i < s->maybe.n; i++)
		sb_printf(&c, "; %s", s->maybe.v[i]);
	for (i = 0; to && i < s->to.n; i++)
		json_array_append_new(to, json_string(s->to.v[i]));
	proto_format(s->proto, proto, sizeof(proto));
	qsort(s->ports, s->n_ports, sizeof(*s->ports), cmp_uint);
	if (!o || !to || c.oom || json_object_set_new(o, "#", json_string(sb_str(&c))) ||
	    json_object_set_new(o, "to", to) || json_object_set_new(o, "proto", json_string(proto)) ||
	    (s->n_ports && json_object_set_new(o, "ports", ports_json(s)))) {
		json_decref(o);
		o = NULL;
	}
	sb_free(&c);
	return o;
}

/*
 * The names dnsmasq refused W: one element. No connection was made, so no
 * port is known; HTTPS is the guess the comment owns up to. Names with "_"
 * labels and names too long to copy whole are only mentioned.
 */
static json_t *names_json(const struct refused_names *rn, const struct who *w)
{
	struct strbuf c = STRBUF_INIT, odd = STRBUF_INIT;
	struct strv names = { 0 };
	json_t *o = json_object(), *to = json_array();
	uint64_t answers = 0;
	size_t i;

	for (i = 0; o && to && i < rn->n; i++) {
		const struct refused_name *r = &rn->v[i];

		if (!who_match(w, r->mark))
			continue;
		answers += r->packets;
		if (r->truncated || r->name[0] == '_' || strstr(r->name, "._"))
			sb_printf(&odd, "%s%s", odd.len ? ", " : "", r->name);
		else if (strv_push(&names, r->name))
			c.oom = 1;
	}
	strv_sort_unique(&names);
	for (i = 0; to && i < names.n; i++)
		json_array_append_new(to, json_string(names.v[i]));
	strv_free(&names);
	sb_printf(&c,
		  "dnsmasq refused %llu lookup%s of these names; no connection followed, so "
		  "the port is a guess (HTTPS): adjust proto and ports",
		  (unsigned long long)answers, answers == 1 ? "" : "s");
	if (odd.len)
		sb_printf(&c,
			  "; not listable here (\"_\" labels, which dnsmasq always refuses, or cut "
			  "short): %s",
			  sb_str(&odd));
	if (!answers || c.oom || odd.oom || !o || !to ||
	    json_object_set_new(o, "#", json_string(sb_str(&c))) || json_object_set(o, "to", to) ||
	    json_object_set_new(o, "proto", json_string("tcp")) ||
	    json_object_set_new(o, "ports", json_pack("[i]", 443))) {
		json_decref(o);
		o = NULL;
	}
	json_decref(to);
	sb_free(&c);
	sb_free(&odd);
	return o;
}

static int suggs_print(struct suggs *s, const struct refused_names *rn, const struct who *w)
{
	json_t *arr = json_array(), *doc, *names = names_json(rn, w);
	size_t i;
	int ret = 0;

	for (i = 0; arr && i < s->n; i++)
		if (json_array_append_new(arr, sugg_json(&s->v[i])))
			ret = -ENOMEM;
	if (names && json_array_append_new(arr, names))
		ret = -ENOMEM;
	doc = json_pack("{s:o}", "allow", arr);
	if (!doc || ret || json_dumpf(doc, stdout, JSON_INDENT(2)) || fputc('\n', stdout) == EOF)
		ret = ret ? ret : -EIO;
	json_decref(doc);
	return ret;
}

/* Reading and the command ---------------------------------------------------- */

/* Reports what reading the table left in D (and empties D): returns 1. */
static int read_error(const char *table, int ret, struct diags *d)
{
	const char *err = diag_first(d);

	if (ret == -EPERM)
		fprintf(stderr,
			"galaf-config: suggest: reading nftables needs root (CAP_NET_ADMIN)\n");
	else if (ret == -ENOENT)
		fprintf(stderr,
			"galaf-config: suggest: table inet %s is not loaded: apply a policy first (galaf-config apply), or give --table\n",
			table);
	else if (ret == -EINVAL && !err)
		fprintf(stderr, "galaf-config: suggest: '%s' is not a valid table name\n", table);
	else
		fprintf(stderr, "galaf-config: suggest: cannot read table inet %s%s%s\n", table,
			err ? ": " : "", err ? err : strerror(-ret));
	diag_free(d);
	return 1;
}

static int suggest_run(const struct policy *p, const struct who *w, const struct sugg_args *a)
{
	struct nft_src src = { .table = a->table ? a->table : p ? p->cfg.table : "galaf" };
	struct tried_rows tr = { 0 };
	struct learned l = { 0 };
	struct dns_names dns = { 0 };
	struct names_src ns = { .p = p, .learned = &l, .dns = a->log ? &dns : NULL };
	struct suggs s = { 0 };
	struct diags d = { 0 };
	struct refused_names rn = { 0 };
	int ret;

	if (a->log && (ret = dns_log_read(a->log, &dns))) {
		fprintf(stderr, "galaf-config: suggest: %s: %s\n", a->log, strerror(-ret));
		return 1;
	}
	ret = nft_src_check(&src, &d);
	if (!ret)
		ret = tried_rows_read(&src, false, &tr, &d);
	if (!ret && p)
		ret = learned_read(&src, p, &l, &d);
	if (!ret)
		ret = refused_names_read(&src, &rn, &d);
	if (ret) {
		dns_names_free(&dns);
		tried_rows_free(&tr);
		learned_free(&l);
		return read_error(src.table, ret, &d);
	}
	diag_free(&d);
	ret = suggs_build(&tr, w, &ns, &s);
	if (!ret)
		ret = suggs_print(&s, &rn, w);
	refused_names_free(&rn);
	if (ret)
		fprintf(stderr, "galaf-config: suggest: %s\n", strerror(-ret));
	suggs_free(&s);
	learned_free(&l);
	tried_rows_free(&tr);
	dns_names_free(&dns);
	return ret ? 1 : 0;
}

static int suggest_opt(int c, void *ctx)
{
	struct sugg_args *a = ctx;

	if (c == 'l')
		a->log = optarg;
	else if (c == 't')
		a->table = optarg;
	else
		return -1;
	return 0;
}

static int resolve_app(const struct policy *p, const char *app, struct who *w)
{
	int ret = who_resolve(p, app, false, w);

	if (ret == -ENOENT)
		fprintf(stderr,
			"galaf-config: suggest: no app or user named '%s' in the policy or on this machine\n",
			app);
	else if (ret == -ENOTUNIQ)
		fprintf(stderr, "galaf-config: suggest: '%s' " WHO_AMBIGUOUS "\n", app);
	else if (ret)
		fprintf(stderr,
			"galaf-config: suggest: %s: its id does not fit galaf's marks (16 bits, config.mark_mask)\n",
			app);
	return ret;
}

int cmd_suggest(int argc, char **argv)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' },
					      { "log", required_argument, NULL, 'l' },
					      { "table", required_argument, NULL, 't' },
					      { 0 } };
	struct sugg_args a = { 0 };
	struct policy p;
	struct who w;
	const char *file;
	bool has = false;
	int i = sub_getopt(argc, argv, suggest_help, opts, suggest_opt, &a), ret;

	if (i < 0)
		return i == -1 ? 0 : 2;
	if (argc - i < 1 || argc - i > 2) {
		usage_error("suggest: give [POLICY] APP");
		return 2;
	}
	file = argc - i == 2 ? argv[i] : DEFAULT_POLICY;
	if (argc - i == 2 || access(file, R_OK) == 0) {
		if (load_and_check(file, 0, &p, true)) {
			policy_free(&p);
			return 1;
		}
		has = true;
	}
	ret = resolve_app(has ? &p : NULL, argv[argc - 1], &w)
		      ? 1
		      : suggest_run(has ? &p : NULL, &w, &a);
	if (has)
		policy_free(&p);
	return ret;
}
