// SPDX-License-Identifier: GPL-2.0-or-later
/* The groups' and users' static allow-lists: concatenated interval sets, in shards. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "render/allow.h"
#include "render/common.h"

/*
 * The groups' static allow-lists are split into shards by gid (gid modulo
 * a power of two) once there are many groups, and a group's packets look
 * up only its own shard's set, from its chain or its shard's, reached
 * through the gid verdict map. The kernel's lookup in a concatenated
 * interval set (pipapo) walks bitmaps as long as the set's element count,
 * and it removes an element by walking the set: so the per-packet cost and
 * a one-group re-apply follow the shard's size, not the policy's. Per-group
 * sets would cost more to apply (the kernel finds a named set by walking
 * the table's list of sets: quadratic in their number). Up to 64 groups
 * keep one set per family; beyond, at most 16 groups a shard (1024 shards
 * up to 16,384 groups), and a shard without elements of a family has no
 * set for it. (bench/analysis.md measures per-group sets with a build made
 * with -DSHARD_SIZE=1 -DSHARD_MAX=65536.)
 */
#define SHARD_FROM 64
#ifndef SHARD_SIZE
#define SHARD_SIZE 16
#endif
#ifndef SHARD_MAX
#define SHARD_MAX 1024
#endif

unsigned allow_shard_count(const struct policy *p)
{
	size_t i, n = 0;
	unsigned k = 1;

	for (i = 0; i < p->n_entries; i++)
		n += p->entries[i].kind == ENTRY_GROUP && p->entries[i].sys_id >= 0;
	if (n <= SHARD_FROM)
		return 1;
	while ((size_t)k * SHARD_SIZE < n && k < SHARD_MAX)
		k <<= 1;
	return k;
}

static unsigned shard_of(unsigned shards, const struct entry *e)
{
	return (unsigned)((unsigned long)e->sys_id % shards);
}

/* The chain that looks up shard S's sets for groups with nothing else. */
static void shard_chain_name(char *name, size_t len, unsigned shards, unsigned s)
{
	if (shards > 1)
		snprintf(name, len, "gallow.%u", s);
	else
		snprintf(name, len, "gallow");
}

/*
 * A group with static allow-lists and nothing else goes to its shard's
 * chain, unless it is audited: refusals then go to audit_out, from a
 * chain of its own.
 */
bool entry_own_chain(const struct policy *p, const struct entry *e)
{
	return entry_needs_chain(e) || (e->kind == ENTRY_GROUP && e->boxes.n && entry_audit(p, e));
}

static bool group_in_shard_chain(const struct policy *p, const struct entry *e)
{
	return e->kind == ENTRY_GROUP && e->boxes.n && !entry_own_chain(p, e);
}

/* The static allow-list set of shard S (of K) for kind K and family F. */
static void allow_set_name(char *name, size_t len, enum entry_kind k, int f, unsigned s,
			   unsigned shards)
{
	if (shards > 1)
		snprintf(name, len, "gallow%d.%u", f, s);
	else
		snprintf(name, len, "%sallow%d", k == ENTRY_GROUP ? "g" : "u", f);
}

static bool has_family_boxes(const struct entry *e, int f)
{
	size_t j;

	for (j = 0; j < e->boxes.n; j++)
		if (e->boxes.v[j].a.family == f)
			return true;
	return false;
}

static int cmp_entry_shard(const void *a, const void *b, void *arg)
{
	const struct entry *x = *(struct entry *const *)a, *y = *(struct entry *const *)b;
	unsigned shards = *(const unsigned *)arg, sx = shard_of(shards, x), sy = shard_of(shards, y);

	if (sx != sy)
		return sx < sy ? -1 : 1;
	return x->sys_id < y->sys_id ? -1 : x->sys_id > y->sys_id;
}

static void emit_allow_set(struct strbuf *sb, enum entry_kind k, int f, unsigned s, unsigned shards,
			   const struct entry **from, const struct entry **to)
{
	char name[32], type[64];
	const struct entry **e;
	size_t n = 0, j;

	snprintf(type, sizeof(type), "%s . %s_addr . inet_proto . inet_service",
		 k == ENTRY_GROUP ? "gid" : "uid", f == 4 ? "ipv4" : "ipv6");
	allow_set_name(name, sizeof(name), k, f, s, shards);
	for (e = from; e < to; e++)
		for (j = 0; j < (*e)->boxes.n; j++)
			n += (*e)->boxes.v[j].a.family == f;
	if (!n && shards > 1)
		return;
	emit_map_head(sb, "set", name, type, "interval", n);
	for (e = from; e < to; e++) {
		for (j = 0; j < (*e)->boxes.n; j++) {
			if ((*e)->boxes.v[j].a.family != f)
				continue;
			sb_printf(sb, "\t\t\t%ld . ", (*e)->sys_id);
			emit_box(sb, &(*e)->boxes.v[j]);
			sb_add(sb, ",\n");
		}
	}
	emit_map_tail(sb, n);
}

/*
 * Static allow-lists of all entries of one kind: concatenated interval sets
 * per family, one or (groups) one per shard. Entries sorted by shard, so
 * each set is one run of the array.
 */
int render_allow_sets(struct strbuf *sb, const struct policy *p, unsigned shards, enum entry_kind k,
		      int f)
{
	const struct entry **v = entries_by_id(p, k), **from, **to;
	size_t n = 0;
	unsigned s;

	if (!v)
		return -ENOMEM;
	while (v[n])
		n++;
	if (shards > 1)
		qsort_r(v, n, sizeof(*v), cmp_entry_shard, &shards);
	for (s = 0, from = v; s < shards; s++, from = to) {
		for (to = from; *to && shard_of(shards, *to) == s; to++)
			;
		emit_allow_set(sb, k, f, s, shards, from, to);
	}
	free(v);
	return 0;
}

/* A group chain's lookups in its shard's sets, for the families it has. */
void render_allow_lookups(struct strbuf *sb, const struct policy *p, unsigned shards,
			  const struct entry *e)
{
	char name[32];
	int f;

	for (f = 4; f <= 6; f += 2) {
		if (!has_family_boxes(e, f))
			continue;
		allow_set_name(name, sizeof(name), ENTRY_GROUP, f, shard_of(shards, e), shards);
		sb_printf(sb, "\t\tmeta skgid . %s daddr . meta l4proto . th dport @%s goto ok_out\n",
			  fam_ip(f), name);
	}
}

/* The shard chains that groups with only static allow-lists go to. */
int render_allow_chains(struct strbuf *sb, const struct policy *p, unsigned shards)
{
	/* Per shard: bit 0 a group goes to its chain, bits 1 and 2 it has IPv4 and IPv6 elements. */
	unsigned char *used = calloc(shards, 1);
	char name[32], set[32];
	size_t i;
	int f;

	if (!used)
		return -ENOMEM;
	for (i = 0; i < p->n_entries; i++) {
		const struct entry *e = &p->entries[i];

		if (e->sys_id < 0 || e->kind != ENTRY_GROUP)
			continue;
		used[shard_of(shards, e)] |= group_in_shard_chain(p, e) |
					     (has_family_boxes(e, 4) << 1) |
					     (has_family_boxes(e, 6) << 2);
	}
	for (unsigned s = 0; s < shards; s++) {
		if (!(used[s] & 1))
			continue;
		shard_chain_name(name, sizeof(name), shards, s);
		sb_printf(sb, "\tchain %s {\n", name);
		for (f = 4; f <= 6; f += 2) {
			if (shards > 1 && !(used[s] & (f == 4 ? 2 : 4)))
				continue;
			allow_set_name(set, sizeof(set), ENTRY_GROUP, f, s, shards);
			sb_printf(sb,
				  "\t\tmeta skgid . %s daddr . meta l4proto . th dport @%s goto ok_out\n",
				  fam_ip(f), set);
		}
		sb_add(sb, "\t\tgoto refuse_out\n\t}\n");
	}
	free(used);
	return 0;
}

void allow_verdict(char *to, size_t len, const struct policy *p, unsigned shards,
		   const struct entry *e)
{
	if (entry_own_chain(p, e))
		snprintf(to, len, "%s%s", chain_prefix(e), e->name);
	else if (group_in_shard_chain(p, e))
		shard_chain_name(to, len, shards, shard_of(shards, e));
	else
		snprintf(to, len, "%s", refuse_chain(p, e));
}
