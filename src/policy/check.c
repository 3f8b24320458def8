// SPDX-License-Identifier: GPL-2.0-or-later
#include "policy/check.h"

#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/sha256.h"
#include "lib/strbuf.h"
#include "policy/check_allow.h"
#include "policy/check_cross.h"
#include "policy/ck.h"

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
		/* Looks like the mark in most fonts, but would reach the program literally. */
		if (strcmp(a, "...") == 0)
			ck_at(ck, DIAG_ERROR, path,
			      ".execv[%zu]|\"...\" is three ASCII dots: the mark where the caller's "
			      "arguments go is \"" ELLIPSIS "\" (U+2026, \"\\u2026\" in JSON)",
			      i);
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
	/* The gatekeeper reads no user database: the gate index names launchers by number. */
	free(e->launcher_ids);
	e->launcher_ids = calloc(e->launchers.n ? e->launchers.n : 1, sizeof(*e->launcher_ids));
	if (!e->launcher_ids) {
		ck->oom = 1;
		return;
	}
	for (i = 0; i < e->launchers.n; i++) {
		const char *l = e->launchers.v[i];
		bool grp = l[0] == '@';
		const char *nm = grp ? l + 1 : l;

		e->launcher_ids[i] = -1;
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
		if ((e->launcher_ids[i] = sys_lookup(ck, grp, nm)) < 0)
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
