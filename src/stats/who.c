// SPDX-License-Identifier: GPL-2.0-or-later
#include "stats/who.h"

#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/mark.h"

/* APP|USER|0xMARK ------------------------------------------------------ */

/* The bits of marks galaf writes (config.mark_mask). */
static uint32_t mark_mask(const struct policy *p)
{
	return p ? p->cfg.mark_mask : 0xffffffffu;
}

static int who_app(const struct policy *p, long gid, struct who *w)
{
	size_t i;

	if (gid < 0 || gid > 0xffff)
		return -ERANGE;
	w->kind = WHO_APP;
	w->id = (uint32_t)gid;
	w->mask = GALAF_MARK_GID_MASK & mark_mask(p);
	w->value = ((uint32_t)gid << GALAF_MARK_UID_BITS) & w->mask;
	if (!w->mask)
		return -ERANGE;
	for (i = 0; p && i < p->n_entries; i++)
		if (p->entries[i].kind == ENTRY_GROUP && p->entries[i].sys_id == gid)
			w->entry = &p->entries[i];
	return 0;
}

static int who_user(const struct policy *p, long uid, struct who *w)
{
	size_t i;

	if (uid < 0 || uid > 0xffff)
		return -ERANGE;
	w->kind = WHO_USER;
	w->id = galaf_mark_of_uid((uint32_t)uid);
	w->mask = GALAF_MARK_UID_MASK & mark_mask(p);
	w->value = w->id & w->mask;
	if (!w->mask)
		return -ERANGE;
	for (i = 0; p && i < p->n_entries; i++)
		if (p->entries[i].kind == ENTRY_USER && p->entries[i].sys_id >= 0 &&
		    galaf_mark_of_uid((uint32_t)p->entries[i].sys_id) == w->id)
			w->entry = &p->entries[i];
	return 0;
}

static int who_mark(const char *hex, struct who *w)
{
	unsigned long v;
	char *end;
	size_t i, n = strlen(hex);

	if (n == 0 || n > 8)
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (!isxdigit((unsigned char)hex[i]))
			return -EINVAL;
	v = strtoul(hex, &end, 16);
	w->kind = WHO_MARK;
	w->id = w->value = (uint32_t)v;
	w->mask = 0xffffffffu;
	return 0;
}

/* A policy entry of kind K named NAME; -ENOENT when it has no id here. */
static int who_policy(const struct policy *p, const char *name, enum entry_kind k, struct who *w)
{
	size_t i;

	for (i = 0; p && i < p->n_entries; i++) {
		const struct entry *e = &p->entries[i];

		if (e->kind != k || strcmp(e->name, name))
			continue;
		if (e->sys_id < 0)
			return -ENOENT;
		return k == ENTRY_GROUP ? who_app(p, e->sys_id, w) : who_user(p, e->sys_id, w);
	}
	return 1;
}

int who_resolve(const struct policy *p, const char *arg, bool marks, struct who *ret)
{
	unsigned lo = p ? p->cfg.gid_min : POLICY_GID_MIN;
	unsigned hi = p ? p->cfg.gid_max : POLICY_GID_MAX;
	struct group *gr;
	struct passwd *pw;
	int r;

	memset(ret, 0, sizeof(*ret));
	if (marks && arg[0] == '0' && (arg[1] == 'x' || arg[1] == 'X'))
		return who_mark(arg + 2, ret);
	if ((r = who_policy(p, arg, ENTRY_GROUP, ret)) <= 0 ||
	    (r = who_policy(p, arg, ENTRY_USER, ret)) <= 0)
		return r;
	gr = getgrnam(arg);
	if (gr && gr->gr_gid >= lo && gr->gr_gid <= hi) {
		/* A user's private group can land in the range: which one was meant? */
		if (getpwnam(arg))
			return -ENOTUNIQ;
		gr = getgrnam(arg);
		return who_app(p, gr->gr_gid, ret);
	}
	pw = getpwnam(arg);
	if (pw)
		return who_user(p, pw->pw_uid, ret);
	gr = getgrnam(arg);
	if (gr)
		return who_app(p, gr->gr_gid, ret);
	return -ENOENT;
}
