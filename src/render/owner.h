/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Who may send on a known flow, what "loopback" exempts, and "self". */
#ifndef GALAF_RENDER_OWNER_H
#define GALAF_RENDER_OWNER_H

#include "lib/strbuf.h"
#include "policy/policy.h"

/* The learned "owners" set (mark . mark), kept across applies. */
void render_owner_learned_set(struct strbuf *sb);
/* gid_owners, uid_owners and, when an entry lists "self", gself and uself. */
int render_owner_sets(struct strbuf *sb, const struct policy *p);
/* The sender's mark for a flow whose ct mark is 0 (mark_new, claim_out), owners too. */
void render_resolver_remark(struct strbuf *sb, const struct policy *p);
void render_sender_mark(struct strbuf *sb, const struct policy *p);
/* In output: packets through lo go to chain "loopback", which accepts loopback addresses. */
void render_loopback_jump(struct strbuf *sb);
/* In output, for new and claimed flows: the "self" rules. */
void render_owner_self(struct strbuf *sb, const struct policy *p);
/* The chains loopback, owner_out and claim_out. */
int render_owner_chains(struct strbuf *sb, const struct policy *p);

#endif
