// SPDX-License-Identifier: GPL-2.0-or-later
/* What the renderers share: entry ids and marks, chain names, map syntax. */
#include "render/common.h"

#include <stdlib.h>

#include "lib/mark.h"

const char *fam_ip(int f)
{
	return f == 4 ? "ip" : "ip6";
}

uint32_t entry_mark(const struct policy *p, const struct entry *e)
{
	uint32_t m;

	if (e->kind == ENTRY_GROUP)
		m = galaf_mark_of_gid((uint32_t)e->sys_id);
	else
		m = galaf_mark_of_uid((uint32_t)e->sys_id);
	return m & p->cfg.mark_mask;
}

const char *chain_prefix(const struct entry *e)
{
	return e->kind == ENTRY_GROUP ? "g_" : "u_";
}

bool entry_audit(const struct policy *p, const struct entry *e)
{
	return e->mode == MODE_AUDIT || (e->mode == MODE_INHERIT && p->cfg.mode == MODE_AUDIT);
}

/* Opens "\tmap NAME {...elements = {" and returns whether any element follows. */
void emit_map_head(struct strbuf *sb, const char *kind, const char *name, const char *type,
		   const char *flags, size_t n)
{
	sb_printf(sb, "\t%s %s {\n\t\ttype %s\n", kind, name, type);
	if (flags)
		sb_printf(sb, "\t\tflags %s\n", flags);
	if (n)
		sb_add(sb, "\t\telements = {\n");
}

void emit_map_tail(struct strbuf *sb, size_t n)
{
	if (n)
		sb_add(sb, "\t\t}\n");
	sb_add(sb, "\t}\n");
}

size_t count_kind(const struct policy *p, enum entry_kind k)
{
	size_t i, n = 0;

	for (i = 0; i < p->n_entries; i++)
		n += p->entries[i].kind == k && p->entries[i].sys_id >= 0;
	return n;
}

static int cmp_entry_ptr_id(const void *a, const void *b)
{
	const struct entry *x = *(struct entry *const *)a, *y = *(struct entry *const *)b;

	return x->sys_id < y->sys_id ? -1 : x->sys_id > y->sys_id;
}

/* Entries of kind K with a known id, sorted by id; NULL-terminated. */
const struct entry **entries_by_id(const struct policy *p, enum entry_kind k)
{
	const struct entry **v = calloc(p->n_entries + 1, sizeof(*v));
	size_t i, n = 0;

	if (!v)
		return NULL;
	for (i = 0; i < p->n_entries; i++)
		if (p->entries[i].kind == k && p->entries[i].sys_id >= 0)
			v[n++] = &p->entries[i];
	qsort(v, n, sizeof(*v), cmp_entry_ptr_id);
	return v;
}

/*
 * Static allow-lists are matched once for every app in the output chain;
 * only domains and raw fragments need a chain of the entry's own.
 */
bool entry_needs_chain(const struct entry *e)
{
	size_t i;

	if (e->dset >= 0 || e->rule || e->rule6)
		return true;
	for (i = 0; i < e->n_allow; i++)
		if (e->allow[i].dset >= 0)
			return true;
	return false;
}

/* refuse_out refuses, audit_out accepts and records: each entry picks its own. */
const char *refuse_chain(const struct policy *p, const struct entry *e)
{
	return entry_audit(p, e) ? "audit_out" : "refuse_out";
}

/* tcp and udp are nft keywords; other protocols stay numbers (no /etc/protocols). */
void emit_proto(struct strbuf *sb, int p)
{
	if (p == 6 || p == 17)
		sb_add(sb, p == 6 ? "tcp" : "udp");
	else
		sb_printf(sb, "%d", p);
}

void emit_box(struct strbuf *sb, const struct box *b)
{
	char a[96];

	range_format(&b->a, a, sizeof(a));
	sb_add(sb, a);
	sb_add(sb, " . ");
	emit_proto_port(sb, b);
}

void emit_proto_port(struct strbuf *sb, const struct box *b)
{
	if (b->plo == b->phi)
		emit_proto(sb, b->plo);
	else
		sb_printf(sb, "%u-%u", b->plo, b->phi);
	if (b->qlo == b->qhi)
		sb_printf(sb, " . %u", b->qlo);
	else
		sb_printf(sb, " . %u-%u", b->qlo, b->qhi);
}

unsigned fam_bit(int f)
{
	return f == 4 ? FAM4 : FAM6;
}
