// SPDX-License-Identifier: GPL-2.0-or-later
/* Entries matched by cgroup (docs/cgroups.md): their sets, marks and chains. */
#include "render/cgroup.h"
#include "render/common.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * A group entry with "cgroups" also matches sockets by the cgroup they were
 * created in: "socket cgroupv2 level L" is the id of the socket's ancestor
 * at depth L, looked up in the entry's set cgroup_NAME, which galaf-config
 * (or systemd's NFTSet=) fills. Deeper cgroups are tried first, so the most
 * specific entry wins, and all of them before the gid and uid lookups: what
 * runs inside a listed cgroup cannot leave its allow-list by changing gid.
 */
struct cgmatch {
	const struct entry *e;
	unsigned level;
};

static bool entry_has_cgroups(const struct entry *e)
{
	return e->cg_levels && e->sys_id >= 0 && !e->null_entry;
}

static int cmp_cgmatch(const void *a, const void *b)
{
	const struct cgmatch *x = a, *y = b;

	if (x->level != y->level)
		return x->level > y->level ? -1 : 1;
	return strcmp(x->e->name, y->e->name);
}

/* Every (entry, depth) pair to test, deepest first; NULL with *RET_N 0 is fine. */
static struct cgmatch *cgroup_matches(const struct policy *p, size_t *ret_n, int *ret_err)
{
	struct cgmatch *v = NULL;
	size_t i, n = 0;
	unsigned l;

	*ret_err = 0;
	for (i = 0; i < p->n_entries; i++) {
		const struct entry *e = &p->entries[i];

		for (l = 1; entry_has_cgroups(e) && l <= CGROUP_MAX_LEVEL; l++) {
			struct cgmatch *nv;

			if (!(e->cg_levels & (1u << l)))
				continue;
			nv = realloc(v, (n + 1) * sizeof(*v));
			if (!nv) {
				free(v);
				*ret_err = -ENOMEM;
				return NULL;
			}
			v = nv;
			v[n].e = e;
			v[n++].level = l;
		}
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_cgmatch);
	*ret_n = n;
	return v;
}

void render_cgroup_sets(struct strbuf *sb, const struct policy *p)
{
	size_t i;

	for (i = 0; i < p->n_entries; i++)
		if (entry_has_cgroups(&p->entries[i]))
			sb_printf(sb, "\tset cgroup_%s {\n\t\ttype cgroupsv2\n\t}\n",
				  p->entries[i].name);
}

/*
 * The entry's own mark for a socket in its cgroup, before the marker's; the
 * rule returns, so the chain (whose ct mark is 0 on entry) tests no more.
 */
int render_cgroup_marks(struct strbuf *sb, const struct policy *p)
{
	struct cgmatch *v;
	size_t i, n = 0;
	int ret;

	v = cgroup_matches(p, &n, &ret);
	for (i = 0; i < n; i++)
		sb_printf(sb, "\t\tsocket cgroupv2 level %u @cgroup_%s ct mark set 0x%08x return\n",
			  v[i].level, v[i].e->name, entry_mark(p, v[i].e));
	free(v);
	return ret;
}

int render_cgroup_owners(struct strbuf *sb, const struct policy *p)
{
	struct cgmatch *v;
	size_t i, n = 0;
	int ret;

	v = cgroup_matches(p, &n, &ret);
	for (i = 0; i < n; i++)
		sb_printf(sb, "\t\tct mark 0x%08x socket cgroupv2 level %u @cgroup_%s goto ok_out\n",
			  entry_mark(p, v[i].e), v[i].level, v[i].e->name);
	free(v);
	return ret;
}

int render_cgroup_jumps(struct strbuf *sb, const struct policy *p)
{
	struct cgmatch *v;
	size_t i, n = 0;
	int ret;

	v = cgroup_matches(p, &n, &ret);
	for (i = 0; i < n; i++)
		sb_printf(sb, "\t\tsocket cgroupv2 level %u @cgroup_%s goto c_%s\n", v[i].level,
			  v[i].e->name, v[i].e->name);
	free(v);
	return ret;
}

/* The rule of a cgroup entry's chain for its "self" boxes, if any. */
static void emit_self_rule(struct strbuf *sb, const struct entry *e)
{
	size_t j;

	for (j = 0; j < e->self_boxes.n; j++) {
		sb_add(sb, j ? ", " : "\t\tfib daddr type local meta l4proto . th dport { ");
		emit_proto_port(sb, &e->self_boxes.v[j]);
	}
	if (e->self_boxes.n)
		sb_add(sb, " } goto ok_out\n");
}

/*
 * The entry's static allow-list, matched here because the shared gallow
 * sets are keyed by the socket's gid, which a cgroup member need not have.
 */
void render_cgroup_chain(struct strbuf *sb, const struct policy *p, const struct entry *e)
{
	size_t j, n;
	int f;

	if (!entry_has_cgroups(e))
		return;
	sb_printf(sb, "\tchain c_%s {\n", e->name);
	for (f = 4; f <= 6; f += 2) {
		for (j = 0, n = 0; j < e->boxes.n; j++) {
			if (e->boxes.v[j].a.family != f)
				continue;
			sb_printf(sb, n++ ? ", " : "\t\t%s daddr . meta l4proto . th dport { ",
				  fam_ip(f));
			emit_box(sb, &e->boxes.v[j]);
		}
		if (n)
			sb_add(sb, " } goto ok_out\n");
	}
	emit_self_rule(sb, e);
	if (entry_needs_chain(e))
		sb_printf(sb, "\t\tgoto %s%s\n\t}\n", chain_prefix(e), e->name);
	else
		sb_printf(sb, "\t\tgoto %s\n\t}\n", refuse_chain(p, e));
}

int render_cgroup_learned_sets(const struct policy *p, struct strv *out)
{
	char name[NAME_MAX_LEN + 16];
	size_t i;

	for (i = 0; i < p->n_entries; i++) {
		if (!entry_has_cgroups(&p->entries[i]))
			continue;
		snprintf(name, sizeof(name), "cgroup_%s", p->entries[i].name);
		if (strv_push(out, name))
			return -ENOMEM;
	}
	return 0;
}
