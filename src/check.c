// SPDX-License-Identifier: GPL-2.0-or-later
#include "check.h"

#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sha256.h"
#include "strbuf.h"

/* name -> id, from one pass over the user or group database. */
struct idmap {
	struct idname {
		char *name;
		long id;
	} * v;
	size_t n;
};

struct ck {
	struct policy *p;
	struct diags *d;
	unsigned flags;
	int oom;
	struct idmap users, groups;
};

static int cmp_idname(const void *a, const void *b)
{
	return strcmp(((const struct idname *)a)->name, ((const struct idname *)b)->name);
}

static int idmap_add(struct idmap *m, size_t *cap, const char *name, long id)
{
	if (m->n == *cap) {
		size_t nc = *cap ? *cap * 2 : 256;
		struct idname *nv = realloc(m->v, nc * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		m->v = nv;
		*cap = nc;
	}
	m->v[m->n].name = strdup(name);
	if (!m->v[m->n].name)
		return -ENOMEM;
	m->v[m->n++].id = id;
	return 0;
}

/*
 * One enumeration of each database instead of a getgrnam() per entry, which
 * reopens /etc/group every time (seconds at 10,000 entries). Databases that
 * cannot be enumerated are still asked by name on a miss.
 */
static void idmaps_load(struct ck *ck)
{
	struct passwd *pw;
	struct group *gr;
	size_t cap = 0;

	setpwent();
	while ((pw = getpwent()))
		if (idmap_add(&ck->users, &cap, pw->pw_name, (long)pw->pw_uid))
			ck->oom = 1;
	endpwent();
	cap = 0;
	setgrent();
	while ((gr = getgrent()))
		if (idmap_add(&ck->groups, &cap, gr->gr_name, (long)gr->gr_gid))
			ck->oom = 1;
	endgrent();
	if (ck->users.n)
		qsort(ck->users.v, ck->users.n, sizeof(*ck->users.v), cmp_idname);
	if (ck->groups.n)
		qsort(ck->groups.v, ck->groups.n, sizeof(*ck->groups.v), cmp_idname);
}

static void idmaps_free(struct ck *ck)
{
	size_t i;

	for (i = 0; i < ck->users.n; i++)
		free(ck->users.v[i].name);
	for (i = 0; i < ck->groups.n; i++)
		free(ck->groups.v[i].name);
	free(ck->users.v);
	free(ck->groups.v);
}

/* The uid or gid of NAME on this machine, or -1; ASK: ask NSS on a miss. */
static long sys_lookup_ask(struct ck *ck, bool group, const char *name, bool ask)
{
	struct idmap *m = group ? &ck->groups : &ck->users;
	struct idname key = { .name = (char *)name }, *hit;

	hit = m->n ? bsearch(&key, m->v, m->n, sizeof(*m->v), cmp_idname) : NULL;
	if (hit)
		return hit->id;
	if (!ask)
		return -1;
	if (group) {
		struct group *g = getgrnam(name);

		return g ? (long)g->gr_gid : -1;
	}
	struct passwd *pw = getpwnam(name);
	return pw ? (long)pw->pw_uid : -1;
}

static long sys_lookup(struct ck *ck, bool group, const char *name)
{
	return sys_lookup_ask(ck, group, name, true);
}

/*
 * Reports at PREFIX + a path suffix: FMT is "SUFFIX|MESSAGE", formatted as
 * one string and split at the first '|' (suffixes are keys and indices).
 */
__attribute__((format(printf, 4, 5))) static void ck_at(struct ck *ck, enum diag_level lvl,
							const char *prefix, const char *fmt, ...)
{
	char *all, *path, *sep;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&all, fmt, ap) < 0) {
		va_end(ap);
		ck->oom = 1;
		return;
	}
	va_end(ap);
	sep = strchr(all, '|');
	*sep = '\0';
	if (asprintf(&path, "%s%s", prefix, all) < 0) {
		free(all);
		ck->oom = 1;
		return;
	}
	diag_add(ck->d, lvl, path, "%s", sep + 1);
	free(path);
	free(all);
}

static char *entry_path(const struct entry *e)
{
	char *s;

	if (asprintf(&s, "%s.%s", entry_kind_name(e), e->name) < 0)
		return NULL;
	return s;
}

static bool nft_ident_valid(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > 32 || !isalpha((unsigned char)s[0]))
		return false;
	for (i = 1; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_')
			return false;
	return true;
}

/* The ping sub-range: given, or the top 1000 gids of gid_range (all of it when smaller). */
static void check_ping_gids(struct ck *ck)
{
	struct config *c = &ck->p->cfg;

	if (c->ping_sysctl && c->ping_sysctl[0] != '/')
		diag_add(ck->d, DIAG_ERROR, "config.ping_sysctl",
			 "must be an absolute path, or null to write no sysctl.d file");
	if (!c->has_ping_gids) {
		c->ping_max = c->gid_max;
		c->ping_min = c->gid_max - c->gid_min >= 999 ? c->gid_max - 999 : c->gid_min;
		return;
	}
	if (c->ping_min < c->gid_min || c->ping_max > c->gid_max)
		diag_add(ck->d, DIAG_ERROR, "config.ping_gids",
			 "%u-%u is not inside config.gid_range %u-%u: ping-capable groups are app groups",
			 c->ping_min, c->ping_max, c->gid_min, c->gid_max);
}

static void check_config(struct ck *ck)
{
	struct config *c = &ck->p->cfg;

	if (!nft_ident_valid(c->table))
		diag_add(ck->d, DIAG_ERROR, "config.table",
			 "\"%s\" is not a valid table name (a letter, then letters, digits or '_'; at most 32)",
			 c->table);
	if (c->dns_conf[0] != '/')
		diag_add(ck->d, DIAG_ERROR, "config.dns.conf", "must be an absolute path");
	if (c->has_reload && c->dns_reload.n == 0)
		diag_add(ck->d, DIAG_ERROR, "config.dns.reload",
			 "is empty; write null to run nothing after the dnsmasq file changes");
	else if (c->has_reload && c->dns_reload.v[0][0] != '/')
		diag_add(ck->d, DIAG_ERROR, "config.dns.reload[0]",
			 "must be an absolute path (no PATH search is done)");
	if (c->gate_index[0] != '/')
		diag_add(ck->d, DIAG_ERROR, "config.gate_index", "must be an absolute path");
	if (c->state_dir[0] != '/')
		diag_add(ck->d, DIAG_ERROR, "config.state_dir", "must be an absolute path");
	if (c->dns_timeout && c->dns_cache_ttl >= c->dns_timeout)
		diag_add(ck->d, DIAG_WARNING, "config.dns.cache_ttl",
			 "is not below dns.timeout: a learned address can expire while dnsmasq still answers from its cache, and the app stays blocked until the cache expires");
	if (c->mark_mask == 0)
		diag_add(ck->d, DIAG_ERROR, "config.mark_mask",
			 "is 0, which leaves galaf no mark bits to tell users and apps apart");
	check_ping_gids(ck);
	if (c->dns_timeout && c->dns_cache_ttl == 0)
		diag_add(ck->d, DIAG_WARNING, "config.dns.cache_ttl",
			 "is 0 (dnsmasq's own cache limits apply): learned addresses expire after dns.timeout while dnsmasq may still answer from its cache");
}

/* config.dns.listen: single addresses, parsed for rendering. */
static void check_dns_listen(struct ck *ck)
{
	struct config *c = &ck->p->cfg;
	char path[48], fix[64];
	size_t i;

	if (c->dns_listen.n == 0) {
		diag_add(ck->d, DIAG_ERROR, "config.dns.listen",
			 "is empty; list the addresses the local resolver listens on, such as [\"127.0.0.1\", \"::1\"]");
		return;
	}
	free(c->dns_listen_addr);
	c->dns_listen_addr = calloc(c->dns_listen.n, sizeof(*c->dns_listen_addr));
	if (!c->dns_listen_addr) {
		ck->oom = 1;
		return;
	}
	for (i = 0; i < c->dns_listen.n; i++) {
		struct iprange *r = &c->dns_listen_addr[i];

		snprintf(path, sizeof(path), "config.dns.listen[%zu]", i);
		if (addr_parse(c->dns_listen.v[i], r, fix, sizeof(fix)) ||
		    memcmp(r->lo, r->hi, sizeof(r->lo)))
			diag_add(ck->d, DIAG_ERROR, path,
				 "\"%s\" is not a single IPv4 or IPv6 address", c->dns_listen.v[i]);
	}
	if (c->dns_foreign == DNS_FOREIGN_REDIRECT && c->dns_names)
		diag_add(ck->d, DIAG_WARNING, "config.dns.foreign",
			 "is \"redirect\": dnsmasq cannot tell which app sent a redirected query (the address it looks the connection up by is the rewritten one), so per-app name lists do not apply to those queries; \"refuse\" keeps them");
}

/* Domains dnsmasq's connmark-allowlist cannot hold stay unanswered for the apps listing them. */
static void check_dns_patterns(struct ck *ck)
{
	const struct policy *p = ck->p;
	size_t i, j;

	if (!p->cfg.dns_names)
		return;
	for (i = 0; i < p->n_dsets; i++)
		for (j = 0; j < p->dsets[i].domains.n; j++)
			if (!domain_is_pattern(p->dsets[i].domains.v[j]))
				diag_add(ck->d, DIAG_WARNING, "config.dns.names",
					 "dnsmasq's per-app name lists cannot hold \"%s\" (it needs two labels or more of letters, digits and '-', and a last label that is neither numeric nor \"local\"), so the resolver refuses it to the apps that list it",
					 p->dsets[i].domains.v[j]);
}

/* Resolves the id in force for E from the policy and this machine. */
static void check_id(struct ck *ck, struct entry *e, const char *path)
{
	const struct config *c = &ck->p->cfg;
	bool group = e->kind == ENTRY_GROUP;
	enum diag_level strict = ck->flags & CHECK_STRICT_SYSTEM ? DIAG_ERROR : DIAG_WARNING;
	long sys = -1;

	/*
	 * With an explicit id only a mismatch matters, and only apply must be
	 * sure: elsewhere one enumeration of the database is enough.
	 */
	if (!(ck->flags & CHECK_NO_SYSTEM))
		sys = sys_lookup_ask(ck, group, e->name,
				     !e->has_id || (ck->flags & CHECK_STRICT_SYSTEM));
	e->sys_id = e->has_id ? e->id : sys;
	if (e->has_id && sys >= 0 && sys != e->id)
		ck_at(ck, strict, path, ".%s|this machine's %s %s has %s %ld, the policy says %ld",
		      group ? "gid" : "uid", group ? "group" : "user", e->name,
		      group ? "gid" : "uid", sys, e->id);
	/* A missing user matches nothing and is left out; a missing app group cannot be launched. */
	if (e->sys_id < 0 && !(ck->flags & CHECK_NO_SYSTEM))
		ck_at(ck, group && !e->null_entry ? strict : DIAG_WARNING, path,
		      "|%s '%s' does not exist on this machine; %s", group ? "group" : "user",
		      e->name,
		      group ? "run 'galaf-config groups --create' or give \"gid\""
			    : "its rules are left out until the user exists");
	if (group && e->sys_id >= 0 && (e->sys_id < (long)c->gid_min || e->sys_id > (long)c->gid_max))
		ck_at(ck, DIAG_ERROR, path, "|gid %ld is outside config.gid_range %u-%u", e->sys_id,
		      c->gid_min, c->gid_max);
}

static void check_execv(struct ck *ck, struct entry *e, const char *path)
{
	size_t i, marks = 0;

	if (e->execv.n == 0) {
		ck_at(ck, DIAG_ERROR, path, ".execv|is empty; give the absolute path of the command");
		return;
	}
	if (e->execv.v[0][0] != '/')
		ck_at(ck, DIAG_ERROR, path,
		      ".execv[0]|\"%s\" is not an absolute path (galaf never searches PATH)",
		      e->execv.v[0]);
	for (i = 0; i < e->execv.n; i++) {
		const char *a = e->execv.v[i];

		if (strcmp(a, ELLIPSIS) == 0 && ++marks > 1)
			ck_at(ck, DIAG_ERROR, path,
			      ".execv[%zu]|a second \"" ELLIPSIS
			      "\"; at most one marks where the caller's arguments go",
			      i);
		if (i == 0 && strcmp(a, ELLIPSIS) == 0)
			ck_at(ck, DIAG_ERROR, path,
			      ".execv[0]|the command itself cannot be \"" ELLIPSIS "\"");
		if (strpbrk(a, "\t\n\r"))
			ck_at(ck, DIAG_ERROR, path, ".execv[%zu]|contains a tab or newline", i);
	}
}

/* A desktop file id: NAME.desktop, no directories (they are looked up, not given). */
static bool desktop_id_valid(const char *s)
{
	size_t n = strlen(s);

	if (n <= 8 || n > 255 || strcmp(s + n - 8, ".desktop") || s[0] == '.' || s[0] == '-')
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

/* A D-Bus well-known name: two or more dot-separated elements of [A-Za-z0-9_-], none starting with a digit. */
static bool bus_name_valid(const char *s)
{
	size_t n = strlen(s), elems = 0;
	const char *q = s;

	if (n == 0 || n > 255)
		return false;
	for (;;) {
		size_t len =
			strspn(q, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-");

		if (len == 0 || isdigit((unsigned char)q[0]))
			return false;
		elems++;
		q += len;
		if (!*q)
			return elems >= 2;
		if (*q++ != '.')
			return false;
	}
}

/* "desktop", "dbus" and "wrapper" start the app through galaf: they need its command. */
static void check_desktop(struct ck *ck, struct entry *e, const char *path)
{
	size_t i;

	for (i = 0; i < e->desktop.n; i++)
		if (!desktop_id_valid(e->desktop.v[i]))
			ck_at(ck, DIAG_ERROR, path,
			      ".desktop[%zu]|\"%s\" is not a desktop file name such as \"firefox-esr.desktop\" (no directory)",
			      i, e->desktop.v[i]);
	for (i = 0; i < e->dbus.n; i++)
		if (!bus_name_valid(e->dbus.v[i]))
			ck_at(ck, DIAG_ERROR, path,
			      ".dbus[%zu]|\"%s\" is not a D-Bus service name such as \"org.gnome.Weather\"",
			      i, e->dbus.v[i]);
	if (!(e->desktop.n || e->dbus.n || e->wrapper))
		return;
	if (!e->has_execv)
		ck_at(ck, DIAG_ERROR, path,
		      "|\"desktop\", \"dbus\" and \"wrapper\" start the app through galaf, which needs \"execv\"");
	else if ((e->desktop.n || e->dbus.n) && !strv_contains(&e->execv, ELLIPSIS))
		ck_at(ck, DIAG_WARNING, path,
		      ".execv|has no \"" ELLIPSIS
		      "\": menus and D-Bus start the app without the files, URLs and options they pass");
}

/* A pin that no longer matches is this machine's fact, not the policy's: a warning. */
static void check_pin(struct ck *ck, struct entry *e, const char *path)
{
	char hex[SHA256_HEX_LEN + 1];
	int ret;

	if (!e->has_execv || !e->execv.n) {
		ck_at(ck, DIAG_ERROR, path, ".sha256|pins execv[0], but this entry has no \"execv\"");
		return;
	}
	if (!(ck->flags & CHECK_PINS) || e->execv.v[0][0] != '/')
		return;
	ret = sha256_file(e->execv.v[0], hex);
	if (ret < 0)
		ck_at(ck, DIAG_WARNING, path, ".sha256|cannot hash %s on this machine: %s",
		      e->execv.v[0], strerror(-ret));
	else if (strcmp(hex, e->sha256) != 0)
		ck_at(ck, DIAG_WARNING, path,
		      ".sha256|does not match %s on this machine (it hashes to %s): galaf will "
		      "refuse to start it; if the change is expected, run 'galaf-config pin "
		      "--write %s'",
		      e->execv.v[0], hex, e->name);
}

static void check_launchers(struct ck *ck, struct entry *e, const char *path)
{
	size_t i;

	if (e->launchers.n == 0)
		ck_at(ck, DIAG_ERROR, path,
		      ".launchers|is empty, so nobody could start the app; remove it to let every user");
	for (i = 0; i < e->launchers.n; i++) {
		const char *l = e->launchers.v[i];
		bool grp = l[0] == '@';
		const char *nm = grp ? l + 1 : l;

		if (!strcmp(l, "*")) {
			ck_at(ck, DIAG_ERROR, path,
			      ".launchers[%zu]|\"*\" is not a user name or @group (the gate index reads it as every user); to let every user start the app, leave \"launchers\" out",
			      i);
			continue;
		}
		if (!*nm || strpbrk(nm, ",:@ \t\n\r")) {
			ck_at(ck, DIAG_ERROR, path,
			      ".launchers[%zu]|\"%s\" is not a user name or @group", i, l);
			continue;
		}
		if (ck->flags & CHECK_NO_SYSTEM)
			continue;
		if (sys_lookup(ck, grp, nm) < 0)
			ck_at(ck, DIAG_WARNING, path,
			      ".launchers[%zu]|%s '%s' does not exist on this machine", i,
			      grp ? "group" : "user", nm);
	}
}

static void check_cgroups(struct ck *ck, struct entry *e, const char *path)
{
	size_t i, j;

	if (e->cgroups.n == 0)
		ck_at(ck, DIAG_ERROR, path,
		      ".cgroups|is empty; list cgroup paths such as system.slice/nginx.service, or remove it");
	for (i = 0; i < e->cgroups.n; i++) {
		unsigned level;
		const char *why = cgroup_path_problem(e->cgroups.v[i], &level);

		if (why)
			ck_at(ck, DIAG_ERROR, path, ".cgroups[%zu]|\"%s\" %s", i, e->cgroups.v[i],
			      why);
		else
			e->cg_levels |= 1u << level;
		for (j = 0; j < i; j++)
			if (!strcmp(e->cgroups.v[j], e->cgroups.v[i]))
				ck_at(ck, DIAG_ERROR, path, ".cgroups[%zu]|\"%s\" is listed twice",
				      i, e->cgroups.v[i]);
	}
}

/* A cgroup belongs to one entry: which entry's rules it gets must be clear. */
static void check_cgroups_unique(struct ck *ck)
{
	struct policy *p = ck->p;
	size_t i, j, k;

	for (i = 0; i < p->n_entries; i++) {
		struct entry *e = &p->entries[i];
		char *path = entry_path(e);

		for (k = 0; path && k < e->cgroups.n; k++)
			for (j = 0; j < i; j++)
				if (strv_contains(&p->entries[j].cgroups, e->cgroups.v[k])) {
					ck_at(ck, DIAG_ERROR, path,
					      ".cgroups[%zu]|\"%s\" is already listed by groups.%s",
					      k, e->cgroups.v[k], p->entries[j].name);
					break;
				}
		free(path);
	}
}

/* Raw nft fragments go on one rule line: keep them there. */
static void check_fragment(struct ck *ck, const char *s, const char *path, const char *key)
{
	int depth = 0;
	const char *q;

	if (*s && !s[strspn(s, " \t")]) {
		ck_at(ck, DIAG_ERROR, path,
		      ".%s|is blank; write \"\" to accept everything (the original notes' meaning), or a match",
		      key);
		return;
	}
	for (q = s; *q; q++) {
		if (*q == '\n' || *q == '\r' || *q == ';' || *q == '#') {
			ck_at(ck, DIAG_ERROR, path,
			      ".%s|must be one nft match expression: no newline, ';' or '#'", key);
			return;
		}
		depth += *q == '{' ? 1 : *q == '}' ? -1 : 0;
		if (depth < 0)
			break;
	}
	if (depth != 0)
		ck_at(ck, DIAG_ERROR, path, ".%s|has unbalanced braces", key);
}

static char *lower_dup(const char *s)
{
	char *d = strdup(s), *q;

	for (q = d; q && *q; q++)
		*q = (char)tolower((unsigned char)*q);
	return d;
}

/* Checks one domain and adds its canonical form to OUT. */
static void check_domain(struct ck *ck, const char *s, const char *path, struct strv *out)
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

static void check_domain_at(struct ck *ck, const char *s, const char *path, const char *suffix,
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

static unsigned proto_families(int proto)
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
static void add_ping_boxes(struct ck *ck, struct entry *e)
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

static void check_allow(struct ck *ck, struct entry *e, const char *path, bool inbound)
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
static void make_dsets(struct ck *ck, struct entry *e, const char *path)
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

static void check_entry(struct ck *ck, struct entry *e, const char *path)
{
	const struct config *c = &ck->p->cfg;

	if (!name_valid(e->name)) {
		ck_at(ck, DIAG_ERROR, path,
		      "|\"%s\" is not a usable name: a letter or '_', then letters, digits, '_' or '-', at most %d",
		      e->name, NAME_MAX_LEN);
		return;
	}
	check_id(ck, e, path);
	if (e->null_entry)
		return;
	e->fams = e->has_families ? e->families : c->families;
	if (e->has_families && (e->families & ~c->families))
		ck_at(ck, DIAG_ERROR, path,
		      ".families|lists a family that config.families leaves out");
	e->fams &= c->families;
	if (e->has_execv)
		check_execv(ck, e, path);
	if (e->sha256)
		check_pin(ck, e, path);
	if (e->has_launchers)
		check_launchers(ck, e, path);
	if (e->has_cgroups)
		check_cgroups(ck, e, path);
	check_desktop(ck, e, path);
	if (e->rule)
		check_fragment(ck, e->rule, path, "rule");
	if (e->rule6) {
		check_fragment(ck, e->rule6, path, "rule6");
		if (!(e->fams & FAM6))
			ck_at(ck, DIAG_ERROR, path,
			      ".rule6|is given, but the entry's families leave out IPv6");
	}
	check_allow(ck, e, path, false);
	check_allow(ck, e, path, true);
	make_dsets(ck, e, path);
}

/* "domains": "other" shares other's set; follow such names to a list. */
static void resolve_refs(struct ck *ck)
{
	struct policy *p = ck->p;
	size_t i, steps;

	for (i = 0; i < p->n_entries; i++) {
		struct entry *e = &p->entries[i], *cur = e;
		char *path;

		if (e->null_entry || !e->domains_ref)
			continue;
		path = entry_path(e);
		for (steps = 0; cur && cur->domains_ref && steps <= p->n_entries; steps++) {
			struct entry *next = policy_find(p, cur->domains_ref);

			if (!next) {
				ck_at(ck, DIAG_ERROR, path ? path : "",
				      ".domains|\"%s\" names no entry in the policy%s",
				      cur->domains_ref,
				      cur == e ? "" : " (reached through another entry)");
				break;
			}
			if (next == e) {
				ck_at(ck, DIAG_ERROR, path ? path : "",
				      ".domains|\"%s\" leads back to this entry: domain references form a cycle",
				      e->domains_ref);
				break;
			}
			cur = next;
		}
		if (cur && !cur->domains_ref && cur != e) {
			if (cur->dset < 0)
				ck_at(ck, DIAG_ERROR, path ? path : "",
				      ".domains|\"%s\" has no domain list to share", cur->name);
			else {
				e->dset = cur->dset;
				p->dsets[cur->dset].families |= e->fams;
			}
		}
		free(path);
	}
}

static int cmp_entry_id(const void *a, const void *b)
{
	const struct entry *x = *(struct entry *const *)a, *y = *(struct entry *const *)b;

	if (x->kind != y->kind)
		return (int)x->kind - (int)y->kind;
	return x->sys_id < y->sys_id ? -1 : x->sys_id > y->sys_id;
}

/* Two groups with one gid (or users with one uid) cannot be told apart. */
static void check_unique_ids(struct ck *ck)
{
	struct policy *p = ck->p;
	struct entry **v = calloc(p->n_entries + 1, sizeof(*v));
	size_t i;

	if (!v) {
		ck->oom = 1;
		return;
	}
	for (i = 0; i < p->n_entries; i++)
		v[i] = &p->entries[i];
	qsort(v, p->n_entries, sizeof(*v), cmp_entry_id);
	for (i = 1; i < p->n_entries; i++) {
		if (v[i]->kind != v[i - 1]->kind || v[i]->sys_id < 0 ||
		    v[i]->sys_id != v[i - 1]->sys_id)
			continue;
		char *path = entry_path(v[i]);
		ck_at(ck, DIAG_ERROR, path ? path : "", "|has the same %s %ld as %s.%s",
		      v[i]->kind == ENTRY_GROUP ? "gid" : "uid", v[i]->sys_id,
		      entry_kind_name(v[i - 1]), v[i - 1]->name);
		free(path);
	}
	free(v);
}

static uint32_t masked_mark(const struct policy *p, const struct entry *e)
{
	uint32_t m = e->kind == ENTRY_GROUP	 ? (uint32_t)(e->sys_id & 0xffff) << 16
		     : (e->sys_id & 0xffff) == 0 ? 1u
						 : (uint32_t)(e->sys_id & 0xffff);

	return m & p->cfg.mark_mask;
}

static int cmp_entry_mark(const void *a, const void *b, void *ctx)
{
	uint32_t x = masked_mark(ctx, *(struct entry *const *)a);
	uint32_t y = masked_mark(ctx, *(struct entry *const *)b);

	return x < y ? -1 : x > y;
}

/* Marks are ids squeezed into 16 bits, then masked: say who can no longer be told apart. */
static void check_mark_collisions(struct ck *ck)
{
	struct policy *p = ck->p;
	struct entry **v = calloc(p->n_entries + 1, sizeof(*v));
	size_t i, n = 0;

	if (!v) {
		ck->oom = 1;
		return;
	}
	for (i = 0; i < p->n_entries; i++)
		if (p->entries[i].sys_id >= 0)
			v[n++] = &p->entries[i];
	qsort_r(v, n, sizeof(*v), cmp_entry_mark, p);
	for (i = 1; i < n; i++) {
		if (masked_mark(p, v[i]) != masked_mark(p, v[i - 1]) ||
		    (v[i]->kind == v[i - 1]->kind && v[i]->sys_id == v[i - 1]->sys_id))
			continue; /* equal ids are an error of their own */
		char *path = entry_path(v[i]);
		ck_at(ck, DIAG_WARNING, path ? path : "",
		      "|its traffic is counted under mark 0x%08x, as %s.%s's: statistics cannot tell them apart",
		      masked_mark(p, v[i]), entry_kind_name(v[i - 1]), v[i - 1]->name);
		free(path);
	}
	free(v);
}

static void check_names_disjoint(struct ck *ck)
{
	struct policy *p = ck->p;
	size_t i;

	for (i = 0; i < p->n_entries; i++) {
		struct entry *e = &p->entries[i], *o;

		if (e->kind != ENTRY_GROUP)
			continue;
		o = policy_find(p, e->name);
		if (o && o->kind == ENTRY_USER) {
			char *path = entry_path(e);

			ck_at(ck, DIAG_ERROR, path ? path : "",
			      "|'%s' is also a user entry; their chains and sets would share names, so keep one",
			      e->name);
			free(path);
		}
	}
}

/* Inbound traffic picks its entry by address, protocol and port: no overlaps. */
static void check_inbound_overlap(struct ck *ck)
{
	struct policy *p = ck->p;
	size_t i, j, a, b;

	for (i = 0; i < p->n_entries; i++) {
		if (!p->entries[i].in_boxes.n)
			continue;
		for (j = i + 1; j < p->n_entries; j++) {
			struct entry *x = &p->entries[i], *y = &p->entries[j];
			bool hit = false;

			for (a = 0; a < x->in_boxes.n && !hit; a++)
				for (b = 0; b < y->in_boxes.n && !hit; b++)
					hit = box_overlap(&x->in_boxes.v[a], &y->in_boxes.v[b]);
			if (!hit)
				continue;
			char *path = entry_path(y);
			ck_at(ck, DIAG_ERROR, path ? path : "",
			      ".inbound|overlaps %s.%s.inbound: one connection can be tagged with one entry only",
			      entry_kind_name(x), x->name);
			free(path);
		}
	}
}

/*
 * net.ipv4.ping_group_range is one range per network namespace: every group
 * in it may ping, so ping groups and only they must be inside it.
 */
static void check_ping_range(struct ck *ck)
{
	const struct config *c = &ck->p->cfg;
	size_t i;

	if (!policy_uses_ping(ck->p))
		return;
	for (i = 0; i < ck->p->n_entries; i++) {
		struct entry *e = &ck->p->entries[i];
		bool inside = e->sys_id >= (long)c->ping_min && e->sys_id <= (long)c->ping_max;

		if (e->kind != ENTRY_GROUP || e->sys_id < 0 || inside == e->ping)
			continue;
		char *path = entry_path(e);
		if (e->ping)
			ck_at(ck, DIAG_ERROR, path ? path : "",
			      ".ping|gid %ld is outside config.ping_gids %u-%u, the one range the kernel lets ping (net.ipv4.ping_group_range); give the group a gid inside it",
			      e->sys_id, c->ping_min, c->ping_max);
		else
			ck_at(ck, DIAG_ERROR, path ? path : "",
			      "|gid %ld is inside config.ping_gids %u-%u, so it could ping although it has no \"ping\": true; move it out or set \"ping\": true",
			      e->sys_id, c->ping_min, c->ping_max);
		free(path);
	}
}

struct owned_name {
	const char *name;
	const struct entry *e;
	bool dbus;
};

static int cmp_owned_name(const void *a, const void *b)
{
	const struct owned_name *x = a, *y = b;

	return x->dbus != y->dbus ? x->dbus - y->dbus : strcmp(x->name, y->name);
}

/* One menu entry or D-Bus service has one override, so it belongs to one group. */
static void check_desktop_unique(struct ck *ck)
{
	const struct policy *p = ck->p;
	struct owned_name *v;
	size_t i, j, n = 0;

	for (i = 0; i < p->n_entries; i++)
		n += p->entries[i].desktop.n + p->entries[i].dbus.n;
	if (n < 2)
		return;
	v = calloc(n, sizeof(*v));
	if (!v) {
		ck->oom = 1;
		return;
	}
	for (i = 0, n = 0; i < p->n_entries; i++) {
		const struct entry *e = &p->entries[i];

		for (j = 0; j < e->desktop.n; j++)
			v[n++] = (struct owned_name){ e->desktop.v[j], e, false };
		for (j = 0; j < e->dbus.n; j++)
			v[n++] = (struct owned_name){ e->dbus.v[j], e, true };
	}
	qsort(v, n, sizeof(*v), cmp_owned_name);
	for (i = 1; i < n; i++) {
		if (cmp_owned_name(&v[i - 1], &v[i]))
			continue;
		char *path = entry_path(v[i].e);
		ck_at(ck, DIAG_ERROR, path ? path : "",
		      ".%s|\"%s\" is also listed by %s.%s: it can start one app only",
		      v[i].dbus ? "dbus" : "desktop", v[i].name, entry_kind_name(v[i - 1].e),
		      v[i - 1].e->name);
		free(path);
	}
	free(v);
}

int policy_check(struct policy *p, struct diags *d, unsigned flags)
{
	struct ck ck = { .p = p, .d = d, .flags = flags };
	size_t i;

	if (!(flags & CHECK_NO_SYSTEM))
		idmaps_load(&ck);
	check_config(&ck);
	check_dns_listen(&ck);
	for (i = 0; i < p->n_entries; i++) {
		char *path = entry_path(&p->entries[i]);

		if (!path)
			return -ENOMEM;
		check_entry(&ck, &p->entries[i], path);
		free(path);
	}
	resolve_refs(&ck);
	check_dns_patterns(&ck);
	check_names_disjoint(&ck);
	check_cgroups_unique(&ck);
	check_unique_ids(&ck);
	check_mark_collisions(&ck);
	check_inbound_overlap(&ck);
	check_ping_range(&ck);
	check_desktop_unique(&ck);
	idmaps_free(&ck);
	if (ck.oom)
		return -ENOMEM;
	return d->errors ? -EINVAL : 0;
}
