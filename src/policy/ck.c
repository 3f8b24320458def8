// SPDX-License-Identifier: GPL-2.0-or-later
/* What the checker's parts share: its state, id look-ups and path-located reports. */
#include "policy/ck.h"

#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
void idmaps_load(struct ck *ck)
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

void idmaps_free(struct ck *ck)
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
long sys_lookup_ask(struct ck *ck, bool group, const char *name, bool ask)
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

long sys_lookup(struct ck *ck, bool group, const char *name)
{
	return sys_lookup_ask(ck, group, name, true);
}

/*
 * Reports at PREFIX + a path suffix: FMT is "SUFFIX|MESSAGE", formatted as
 * one string and split at the first '|' (suffixes are keys and indices).
 */
__attribute__((format(printf, 4, 5))) void ck_at(struct ck *ck, enum diag_level lvl,
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

char *entry_path(const struct entry *e)
{
	char *s;

	if (asprintf(&s, "%s.%s", entry_kind_name(e), e->name) < 0)
		return NULL;
	return s;
}

bool nft_ident_valid(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > 32 || !isalpha((unsigned char)s[0]))
		return false;
	for (i = 1; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_')
			return false;
	return true;
}

char *lower_dup(const char *s)
{
	char *d = strdup(s), *q;

	for (q = d; q && *q; q++)
		*q = (char)tolower((unsigned char)*q);
	return d;
}
