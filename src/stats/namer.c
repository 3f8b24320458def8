// SPDX-License-Identifier: GPL-2.0-or-later
#include "stats/namer.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/mark.h"
#include "policy/check.h"
#include "policy/load.h"

/*
 * A miss in the system's databases can cost a third of a millisecond (the
 * systemd NSS module asks a daemon), and 10,000 unknown marks must not. The
 * databases are enumerated once; only this many ids are then asked directly.
 */
#define NAMES_DIRECT_MAX 32

int names_policy_load(const char *file, struct policy *p, struct diags *d)
{
	int ret = policy_load(file, p, d);

	if (ret == 0 && policy_check(p, d, 0))
		ret = -EINVAL;
	return ret;
}

/* id maps: open addressing on a power-of-two table ------------------- */

struct id_slot {
	uint32_t id;
	bool used;
	char *name;
};

static struct id_slot *id_slot(const struct id_map *m, uint32_t id)
{
	size_t i = (size_t)(id * 2654435761u) & (m->cap - 1);

	while (m->v[i].used && m->v[i].id != id)
		i = (i + 1) & (m->cap - 1);
	return &m->v[i];
}

static int id_grow(struct id_map *m)
{
	struct id_map nm = { .cap = m->cap ? m->cap * 2 : 64 };
	size_t i;

	nm.v = calloc(nm.cap, sizeof(*nm.v));
	if (!nm.v)
		return -ENOMEM;
	for (i = 0; i < m->cap; i++)
		if (m->v[i].used)
			*id_slot(&nm, m->v[i].id) = m->v[i];
	free(m->v);
	m->v = nm.v;
	m->cap = nm.cap;
	return 0;
}

static const char *id_get(const struct id_map *m, uint32_t id)
{
	struct id_slot *s;

	if (!m->cap)
		return NULL;
	s = id_slot(m, id);
	return s->used ? s->name : NULL;
}

/* Adds ID -> NAME unless ID is known; the first name wins. */
static int id_put(struct id_map *m, uint32_t id, const char *name)
{
	struct id_slot *s;

	if ((m->n + 1) * 2 > m->cap && id_grow(m))
		return -ENOMEM;
	s = id_slot(m, id);
	if (s->used)
		return 0;
	s->name = strdup(name);
	if (!s->name)
		return -ENOMEM;
	s->id = id;
	s->used = true;
	m->n++;
	return 0;
}

static void id_map_free(struct id_map *m)
{
	size_t i;

	for (i = 0; i < m->cap; i++)
		free(m->v[i].name);
	free(m->v);
	memset(m, 0, sizeof(*m));
}

void namer_init(struct namer *n, const struct policy *p)
{
	memset(n, 0, sizeof(*n));
	n->p = p;
	n->mask = p ? p->cfg.mark_mask : 0xffffffffu;
}

/* Policy entries name their ids before the system does. */
static int namer_fill_policy(struct namer *n)
{
	const struct policy *p = n->p;
	size_t i;

	for (i = 0; p && i < p->n_entries; i++) {
		const struct entry *e = &p->entries[i];
		int ret = 0;

		if (e->sys_id < 0 || e->sys_id > 0xffff)
			continue;
		/* config.mark_mask leaves the ids in marks without some of their bits. */
		if (e->kind == ENTRY_GROUP)
			ret = id_put(&n->groups, (uint32_t)e->sys_id & (n->mask >> 16), e->name);
		else if (galaf_mark_of_uid((uint32_t)e->sys_id) != 1)
			ret = id_put(&n->users, galaf_mark_of_uid((uint32_t)e->sys_id) & n->mask,
				     e->name);
		if (ret)
			return ret;
	}
	return 0;
}

static int enumerate_groups(struct id_map *m)
{
	struct group *gr;
	int ret = 0;

	setgrent();
	while (!ret && (gr = getgrent()))
		if (gr->gr_gid <= 0xffff)
			ret = id_put(m, gr->gr_gid, gr->gr_name);
	endgrent();
	return ret;
}

static int enumerate_users(struct id_map *m)
{
	struct passwd *pw;
	int ret = 0;

	setpwent();
	while (!ret && (pw = getpwent()))
		if (pw->pw_uid > 1 && pw->pw_uid <= 0xffff)
			ret = id_put(m, pw->pw_uid, pw->pw_name);
	endpwent();
	return ret;
}

/* The name of a uid or gid half: the map, the databases, else the number. */
static const char *id_name(struct namer *n, bool group, uint32_t id)
{
	struct id_map *m = group ? &n->groups : &n->users;
	const char *name = id_get(m, id), *sys = NULL;
	char num[16];

	if (name)
		return name;
	/* A masked id is no system id: only the policy can name it. */
	if ((group ? n->mask >> 16 : n->mask & GALAF_MARK_UID_MASK) != 0xffff) {
		m->enumerated = true;
		m->direct = NAMES_DIRECT_MAX;
	}
	if (!m->enumerated) {
		m->enumerated = true;
		if ((group ? enumerate_groups(m) : enumerate_users(m)) == 0 && (name = id_get(m, id)))
			return name;
	}
	if (m->direct < NAMES_DIRECT_MAX) {
		m->direct++;
		if (group) {
			struct group *gr = getgrgid(id);

			sys = gr ? gr->gr_name : NULL;
		} else {
			struct passwd *pw = getpwuid(id);

			sys = pw ? pw->pw_name : NULL;
		}
	}
	snprintf(num, sizeof(num), "%u", id);
	if (id_put(m, id, sys ? sys : num))
		return NULL;
	return id_get(m, id);
}

int namer_halves(struct namer *n, uint32_t mark, struct mark_name *ret)
{
	uint32_t u = galaf_mark_uid(mark), g = galaf_mark_gid(mark);

	if (!n->filled) {
		n->filled = true;
		if (namer_fill_policy(n))
			return -ENOMEM;
	}
	memset(ret, 0, sizeof(*ret));
	ret->mark = mark;
	ret->uid = ret->gid = -1;
	if (u == 1) {
		ret->user = "root";
		ret->uid = 0;
	} else if (u) {
		ret->user = id_name(n, false, u);
		ret->uid = u;
	}
	if (g) {
		ret->app = id_name(n, true, g);
		ret->gid = g;
	}
	return (u > 1 && !ret->user) || (g && !ret->app) ? -ENOMEM : 0;
}

int namer_name(struct namer *n, uint32_t mark, struct mark_name *ret)
{
	if (namer_halves(n, mark, ret))
		return -ENOMEM;
	if (!mark)
		snprintf(ret->label, sizeof(ret->label), "unmarked");
	else
		snprintf(ret->label, sizeof(ret->label), "%s/%s", ret->user ? ret->user : "-",
			 ret->app ? ret->app : "-");
	return 0;
}

void namer_free(struct namer *n)
{
	id_map_free(&n->users);
	id_map_free(&n->groups);
}
