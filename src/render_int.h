/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers render.c shares with the other renderers (render_dns.c). */
#ifndef GALAF_RENDER_INT_H
#define GALAF_RENDER_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "diag.h"
#include "policy.h"
#include "strbuf.h"

/* The entry's conntrack mark (gid<<16 for groups, uid for users), masked. */
uint32_t entry_mark(const struct policy *p, const struct entry *e);
/* Entries of kind K with a known id, sorted by id; NULL-terminated; free it. */
const struct entry **entries_by_id(const struct policy *p, enum entry_kind k);
/* The chain an entry's refused traffic goes to: refuse_out or audit_out. */
const char *refuse_chain(const struct policy *p, const struct entry *e);
void emit_map_head(struct strbuf *sb, const char *kind, const char *name, const char *type,
		   const char *flags, size_t n);
void emit_map_tail(struct strbuf *sb, size_t n);
/* "ip" or "ip6" for family 4 or 6. */
const char *fam_ip(int f);
/* The prefix of an entry's own chain's name ("g_" for groups, "u_" for users). */
const char *chain_prefix(const struct entry *e);
/* Whether the entry needs a chain of its own (domains or raw fragments). */
bool entry_needs_chain(const struct entry *e);
/* One static allow-list box: "ADDR . PROTO . PORTS". */
void emit_box(struct strbuf *sb, const struct box *b);

/* render_cgroup.c: entries matched by cgroup (docs/cgroups.md). */
void render_cgroup_sets(struct strbuf *sb, const struct policy *p);
int render_cgroup_marks(struct strbuf *sb, const struct policy *p);
int render_cgroup_jumps(struct strbuf *sb, const struct policy *p);
void render_cgroup_chain(struct strbuf *sb, const struct policy *p, const struct entry *e);
int render_cgroup_learned_sets(const struct policy *p, struct strv *out);

/* render_dns.c: DNS side doors (docs/dns.md). */
int render_dns_maps(struct strbuf *sb, const struct policy *p);
void render_dns_mark_jump(struct strbuf *sb, const struct policy *p);
void render_dns_out_jump(struct strbuf *sb);
void render_dns_chains(struct strbuf *sb, const struct policy *p);
int render_dns_names(struct strbuf *sb, const struct policy *p, struct diags *dg);

#endif
