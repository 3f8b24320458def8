// SPDX-License-Identifier: GPL-2.0-or-later
/* Checks across entries: references, unique ids and marks, overlaps. */
#include "policy/check_cross.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/ck.h"

/* A desktop file id or D-Bus name, and the entry that installs it. */
struct owned_name {
	const char *name;
	const struct entry *e;
	bool dbus;
};

/* "domains": "other" shares other's set; follow such names to a list. */
void resolve_refs(struct ck *ck)
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
void check_unique_ids(struct ck *ck)
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
void check_mark_collisions(struct ck *ck)
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

void check_names_disjoint(struct ck *ck)
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
void check_inbound_overlap(struct ck *ck)
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
void check_ping_range(struct ck *ck)
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

static int cmp_owned_name(const void *a, const void *b)
{
	const struct owned_name *x = a, *y = b;

	return x->dbus != y->dbus ? x->dbus - y->dbus : strcmp(x->name, y->name);
}

/* One menu entry or D-Bus service has one override, so it belongs to one group. */
void check_desktop_unique(struct ck *ck)
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
