/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The DNS side doors (docs/dns.md): maps, chains and name lists. */
#ifndef GALAF_RENDER_DNS_H
#define GALAF_RENDER_DNS_H

#include "lib/strbuf.h"
#include "lib/strv.h"
#include "policy/policy.h"
#include "lib/diag.h"
int render_dns_maps(struct strbuf *sb, const struct policy *p);
void render_dns_mark_jump(struct strbuf *sb, const struct policy *p);
void render_dns_out_jump(struct strbuf *sb);
/* An allow element of E names PORT alone (not in a range), for TCP, UDP or any protocol. */
bool render_lists_port(const struct entry *e, unsigned port);
void render_dns_chains(struct strbuf *sb, const struct policy *p);
/* The sets of names dnsmasq refused (render/dns_refused.h), and their names. */
void render_dns_refused_sets(struct strbuf *sb, const struct policy *p, int size);
int render_dns_learned_sets(const struct policy *p, struct strv *out);
/* mark_out's rule for lo: to lo_out (REFUSED answers, then loopback) or to loopback. */
void render_lo_out_jump(struct strbuf *sb, const struct policy *p);
int render_dns_names(struct strbuf *sb, const struct policy *p, struct diags *dg);

#endif
