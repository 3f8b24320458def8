/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the renderers share: entry ids and marks, chain names, map syntax. */
#ifndef GALAF_RENDER_COMMON_H
#define GALAF_RENDER_COMMON_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/diag.h"
#include "policy/policy.h"
#include "lib/strbuf.h"

/* Elements of a set the kernel fills (learned addresses, counters, owners). */
#define SET_SIZE 65536
/* dnsmasq reads configuration lines of at most 1024 bytes. */
#define DNSMASQ_LINE_MAX 1000

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
/* FAM4 or FAM6 for family 4 or 6. */
unsigned fam_bit(int f);
/* The prefix of an entry's own chain's name ("g_" for groups, "u_" for users). */
const char *chain_prefix(const struct entry *e);
/* Whether the entry needs a chain of its own (domains or raw fragments). */
bool entry_needs_chain(const struct entry *e);
/* Whether E (or the whole policy) is in audit mode. */
bool entry_audit(const struct policy *p, const struct entry *e);
/* Entries of kind K with a known id. */
size_t count_kind(const struct policy *p, enum entry_kind k);
/* "tcp", "udp" or the protocol number. */
void emit_proto(struct strbuf *sb, int p);
/* One static allow-list box: "ADDR . PROTO . PORTS". */
void emit_box(struct strbuf *sb, const struct box *b);
/* A box without its address: "PROTO . PORTS". */
void emit_proto_port(struct strbuf *sb, const struct box *b);

#endif
