/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The static allow-lists (sets in shards by gid) and the chains that look them up. */
#ifndef GALAF_RENDER_ALLOW_H
#define GALAF_RENDER_ALLOW_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/strbuf.h"
#include "policy/policy.h"

/* How many shards the groups' static allow-lists are split into (a power of two). */
unsigned allow_shard_count(const struct policy *p);
/* Whether the entry has a chain of its own: entry_needs_chain, or an audited group's lists. */
bool entry_own_chain(const struct policy *p, const struct entry *e);
/* The chain the gid or uid map sends E to: its own, its shard's, or the refusal. */
void allow_verdict(char *to, size_t len, const struct policy *p, unsigned shards,
		   const struct entry *e);
/* The sets of kind K's static allow-lists for family F, one per shard. */
int render_allow_sets(struct strbuf *sb, const struct policy *p, unsigned shards, enum entry_kind k,
		      int f);
/* A group chain's lookups in its shard's sets, for the families it has. */
void render_allow_lookups(struct strbuf *sb, const struct policy *p, unsigned shards,
			  const struct entry *e);
/* The shard chains that groups with only static allow-lists go to. */
int render_allow_chains(struct strbuf *sb, const struct policy *p, unsigned shards);

#endif
