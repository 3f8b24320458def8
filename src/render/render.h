/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Stage 4: pure functions from a checked policy to text. Same policy, same
 * bytes: everything is emitted in sorted order, nothing from the clock or
 * the environment.
 */
#ifndef GALAF_RENDER_H
#define GALAF_RENDER_H

#include "lib/diag.h"
#include "policy/policy.h"
#include "lib/strbuf.h"

/* Elements every rendered set holds at most (learned, counter and tried sets). */
#define SET_SIZE 65536

/* The nft script: one table, loadable with nft -f into an empty ruleset. */
int render_nft(struct policy *p, struct strbuf *out);
/* The dnsmasq file of nftset= lines; errors (too long a line) go to D. */
int render_dnsmasq(const struct policy *p, struct strbuf *out, struct diags *d);
/* The gatekeeper's index (docs/gate-index.md). */
int render_gate(const struct policy *p, struct strbuf *out);
/* Sets whose contents the running system learns; apply keeps them. */
int render_learned_sets(const struct policy *p, struct strv *out);
/* A 64-bit FNV-1a hash as 16 hex digits, for "is this what is loaded?". */
void render_hash(const char *s, size_t n, char out[17]);

#endif
