// SPDX-License-Identifier: GPL-2.0-or-later
#include "policy/policy.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void allow_free(struct allow *a)
{
	strv_free(&a->to);
	free(a->proto);
	strv_free(&a->ports);
	free(a->pr);
	free(a->addrs);
	strv_free(&a->domains);
}

static void entry_free(struct entry *e)
{
	size_t i;

	free(e->name);
	strv_free(&e->execv);
	free(e->sha256);
	strv_free(&e->domains);
	free(e->domains_ref);
	free(e->rule);
	free(e->rule6);
	for (i = 0; i < e->n_allow; i++)
		allow_free(&e->allow[i]);
	free(e->allow);
	for (i = 0; i < e->n_inbound; i++)
		allow_free(&e->inbound[i]);
	free(e->inbound);
	strv_free(&e->launchers);
	free(e->launcher_ids);
	strv_free(&e->cgroups);
	strv_free(&e->desktop);
	strv_free(&e->dbus);
	boxes_free(&e->boxes);
	boxes_free(&e->in_boxes);
	boxes_free(&e->self_boxes);
}

void policy_free(struct policy *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->n_entries; i++)
		entry_free(&p->entries[i]);
	free(p->entries);
	free(p->src);
	for (i = 0; i < p->n_dsets; i++) {
		free(p->dsets[i].name);
		strv_free(&p->dsets[i].domains);
	}
	free(p->dsets);
	free(p->cfg.table);
	free(p->cfg.dns_conf);
	free(p->cfg.dns_preset);
	free(p->cfg.ping_sysctl);
	strv_free(&p->cfg.dns_reload);
	strv_free(&p->cfg.dns_listen);
	free(p->cfg.dns_listen_addr);
	free(p->cfg.gate_index);
	free(p->cfg.state_dir);
	free(p->file);
	memset(p, 0, sizeof(*p));
}

/* Entries are sorted users first, then groups, each by name: search both runs. */
struct entry *policy_find(const struct policy *p, const char *name)
{
	size_t lo = 0, hi = p->n_entries, split;
	int k;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (p->entries[mid].kind == ENTRY_USER)
			lo = mid + 1;
		else
			hi = mid;
	}
	split = lo;
	for (k = 0; k < 2; k++) {
		lo = k ? split : 0;
		hi = k ? p->n_entries : split;
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			int c = strcmp(p->entries[mid].name, name);

			if (!c)
				return &p->entries[mid];
			if (c < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
	}
	return NULL;
}

const char *entry_kind_name(const struct entry *e)
{
	return e->kind == ENTRY_USER ? "users" : "groups";
}

/*
 * A path below the cgroup2 root, as /proc/PID/cgroup shows it without the
 * leading '/': components of the characters systemd and container engines
 * use, never "." or "..", so it cannot leave the hierarchy. It is quoted in
 * nft scripts, so quotes, spaces and control characters are out.
 */
const char *cgroup_path_problem(const char *path, unsigned *ret_level)
{
	static const char extra[] = "._-@:+=,~\\";
	const char *s = path, *c;
	unsigned level = 0;
	size_t len;

	*ret_level = 0;
	if (!*path)
		return "is empty; write a path below the cgroup2 root, e.g. system.slice/nginx.service";
	if (*path == '/')
		return "starts with '/'; write it relative to the cgroup2 root, e.g. system.slice/nginx.service";
	if (strlen(path) > 1024)
		return "is longer than 1024 characters";
	while (*s) {
		len = strcspn(s, "/");
		if (len == 0)
			return "has an empty component ('//' or a trailing '/')";
		if ((len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.'))
			return "has a '.' or '..' component; name the cgroup directly";
		for (c = s; c < s + len; c++)
			if (!(*c >= 'a' && *c <= 'z') && !(*c >= 'A' && *c <= 'Z') &&
			    !(*c >= '0' && *c <= '9') && !strchr(extra, *c))
				return "has a character outside letters, digits and ._-@:+=,~\\";
		if (++level > CGROUP_MAX_LEVEL)
			return "is nested deeper than 31 levels";
		s += len;
		if (*s == '/' && !s[1])
			return "has an empty component ('//' or a trailing '/')";
		if (*s)
			s++;
	}
	*ret_level = level;
	return NULL;
}

bool policy_uses_ping(const struct policy *p)
{
	size_t i;

	if (p->cfg.has_ping_gids)
		return true;
	for (i = 0; i < p->n_entries; i++)
		if (p->entries[i].ping && !p->entries[i].null_entry)
			return true;
	return false;
}

bool policy_has_fragments(const struct policy *p)
{
	size_t i;

	for (i = 0; i < p->n_entries; i++)
		if (p->entries[i].rule || p->entries[i].rule6)
			return true;
	return false;
}
