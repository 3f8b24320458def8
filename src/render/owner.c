// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Who may send on an established flow, what "loopback" exempts, and "self".
 *
 * A conntrack entry is not a socket: a UDP entry outlives its socket by up
 * to two minutes and any process may bind the port it freed. So a packet
 * of a known flow is accepted at once only when its sender is the one the
 * flow's ct mark records; any other sender is judged by its own rules, as
 * for a new flow, and the flow is marked as its (claim_out). Each test is
 * one lookup, whatever the number of apps.
 */
#include "render/owner.h"
#include "lib/mark.h"
#include "render/cgroup.h"
#include "render/common.h"
#include "render/dns.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

static bool policy_uses_self(const struct policy *p)
{
	size_t i;

	for (i = 0; i < p->n_entries; i++)
		if (p->entries[i].self_boxes.n && p->entries[i].sys_id >= 0)
			return true;
	return false;
}

/* "meta mark", masked like the ct mark that mark_out derives from it. */
static void emit_sk_mark(struct strbuf *sb, const struct policy *p)
{
	if (p->cfg.mark_mask == 0xffffffffu)
		sb_add(sb, "meta mark");
	else
		sb_printf(sb, "meta mark & 0x%08x", p->cfg.mark_mask);
}

/*
 * Learned: one "mark . mark" pair per socket-marker mark seen on a new
 * flow. A lookup of "sender's mark . ct mark" hits only when the two are
 * equal, which nft 1.0.6 cannot compare directly. Only equality is read
 * from it, so a pair added by any sender is harmless, and a full set only
 * sends more packets through their sender's rules.
 */
void render_owner_learned_set(struct strbuf *sb)
{
	sb_printf(sb, "\tset owners {\n\t\ttype mark . mark\n\t\tsize %d\n\t\tflags dynamic\n\t}\n",
		  SET_SIZE);
}

static int emit_id_owners(struct strbuf *sb, const struct policy *p, enum entry_kind k)
{
	const struct entry **v = entries_by_id(p, k), **e;
	bool g = k == ENTRY_GROUP;
	size_t n = count_kind(p, k);

	if (!v)
		return -ENOMEM;
	emit_map_head(sb, "set", g ? "gid_owners" : "uid_owners", g ? "gid . mark" : "uid . mark",
		      NULL, n);
	for (e = v; *e; e++)
		sb_printf(sb, "\t\t\t%ld . 0x%08x,\n", (*e)->sys_id, entry_mark(p, *e));
	emit_map_tail(sb, n);
	free(v);
	return 0;
}

/* The protocols and ports each entry may use to this machine's own addresses. */
static int emit_self_set(struct strbuf *sb, const struct policy *p, enum entry_kind k)
{
	const struct entry **v = entries_by_id(p, k), **e;
	bool g = k == ENTRY_GROUP;
	size_t n = 0, j;

	if (!v)
		return -ENOMEM;
	for (e = v; *e; e++)
		n += (*e)->self_boxes.n;
	emit_map_head(sb, "set", g ? "gself" : "uself",
		      g ? "gid . inet_proto . inet_service" : "uid . inet_proto . inet_service",
		      "interval", n);
	for (e = v; *e; e++) {
		for (j = 0; j < (*e)->self_boxes.n; j++) {
			sb_printf(sb, "\t\t\t%ld . ", (*e)->sys_id);
			emit_proto_port(sb, &(*e)->self_boxes.v[j]);
			sb_add(sb, ",\n");
		}
	}
	emit_map_tail(sb, n);
	free(v);
	return 0;
}

int render_owner_sets(struct strbuf *sb, const struct policy *p)
{
	int ret = emit_id_owners(sb, p, ENTRY_GROUP);

	if (!ret)
		ret = emit_id_owners(sb, p, ENTRY_USER);
	if (!ret && policy_uses_self(p))
		ret = emit_self_set(sb, p, ENTRY_GROUP);
	if (!ret && policy_uses_self(p))
		ret = emit_self_set(sb, p, ENTRY_USER);
	return ret;
}

/*
 * The sender's mark, as mark_new and claim_out give a flow (after a
 * cgroup's): the first that applies sets it and returns, so no rule tests
 * the ct mark again. A socket marker's mark also goes into owners here,
 * once per flow, where it becomes the flow's mark.
 */
void render_sender_mark(struct strbuf *sb, const struct policy *p)
{
	sb_add(sb, "\t\t");
	emit_sk_mark(sb, p);
	sb_add(sb, " != 0 ct mark set ");
	emit_sk_mark(sb, p);
	sb_add(sb, " update @owners { ");
	emit_sk_mark(sb, p);
	sb_add(sb, " . ");
	emit_sk_mark(sb, p);
	sb_add(sb, " } return\n"
		   "\t\tct mark set meta skgid map @gid_marks return\n"
		   "\t\tct mark set meta skuid map @uid_marks\n");
}

/*
 * In mark_new, before the sender's mark is copied. With name lists on,
 * dnsmasq copies the query's conntrack mark to the socket of its upstream
 * query (SO_MARK), so that flow would be counted as the app's own, as if
 * the app had asked the upstream server. A resolver (a users entry that
 * lists port 53 alone) sending DNS with another uid half in its socket's
 * mark gets its own uid half instead: the app's gid half stays, and the
 * stats show the flow as RESOLVER/APP, the resolver's on the app's behalf.
 * The owner pair lets the flow's later packets through owner_out under
 * that mark; only a socket whose mark was set by hand (CAP_NET_ADMIN) can
 * present it. Each rule tests the sending uid first: other sockets' new
 * flows pay one comparison per resolver.
 */
void render_resolver_remark(struct strbuf *sb, const struct policy *p)
{
	uint32_t uid_bits = p->cfg.mark_mask & GALAF_MARK_UID_MASK;
	uint32_t gid_bits = p->cfg.mark_mask & GALAF_MARK_GID_MASK;
	size_t i;

	if (!p->cfg.dns_names || !uid_bits)
		return;
	for (i = 0; i < p->n_entries; i++) {
		const struct entry *e = &p->entries[i];
		uint32_t own;

		if (e->kind != ENTRY_USER || e->sys_id < 0 || !render_lists_port(e, 53))
			continue;
		own = galaf_mark_of_uid((uint32_t)e->sys_id) & uid_bits;
		/*
		 * Unmarked (the resolver's own lookups): nothing to re-mark,
		 * the sender's mark below applies. As nft lists it: the kept
		 * bits and the new ones in one mask.
		 */
		sb_printf(sb, "\t\tmeta skuid %ld ", e->sys_id);
		emit_sk_mark(sb, p);
		sb_printf(sb,
			  " != 0 th dport { 53, 853 } meta l4proto { tcp, udp } meta mark & 0x%08x != 0x%08x ct mark set meta mark & 0x%08x | 0x%08x update @owners { ",
			  uid_bits, own, gid_bits | own, own);
		emit_sk_mark(sb, p);
		sb_add(sb, " . ct mark } return\n");
	}
}

/*
 * Packets leaving through lo reach this machine's own addresses too (its
 * LAN or bridge address): only loopback addresses are exempt.
 */
void render_loopback_jump(struct strbuf *sb)
{
	sb_add(sb, "\t\toif \"lo\" jump loopback\n");
}

/* In output, for new and claimed flows: what an entry may send to this machine. */
void render_owner_self(struct strbuf *sb, const struct policy *p)
{
	if (policy_uses_self(p))
		sb_add(sb,
		       "\t\tfib daddr type local meta skgid . meta l4proto . th dport @gself goto ok_out\n"
		       "\t\tfib daddr type local meta skuid . meta l4proto . th dport @uself goto ok_out\n");
}

int render_owner_chains(struct strbuf *sb, const struct policy *p)
{
	int ret;

	sb_add(sb, "\tchain loopback {\n"
		   "\t\tip daddr 127.0.0.0/8 accept\n"
		   "\t\tip6 daddr ::1 accept\n"
		   "\t}\n"
		   "\t# A known flow: its own sender goes on at once (the marker's mark,\n"
		   "\t# the entry's gid or uid, a cgroup entry's cgroup); replies to a\n"
		   "\t# local client and the kernel's own packets (no socket: resets, ICMP\n"
		   "\t# errors, time-wait) too. Any other sender is judged as new.\n"
		   "\tchain owner_out {\n\t\t");
	/* Without the marker every mark is 0: a compare spares the lookup. */
	emit_sk_mark(sb, p);
	sb_add(sb, " != 0 ");
	emit_sk_mark(sb, p);
	sb_add(sb, " . ct mark @owners goto ok_out\n"
		   "\t\tmeta skgid . ct mark @gid_owners goto ok_out\n"
		   "\t\tmeta skuid . ct mark @uid_owners goto ok_out\n");
	ret = render_cgroup_owners(sb, p);
	sb_add(sb, "\t\tct direction reply oif \"lo\" accept\n"
		   "\t\tmeta skuid 0-4294967295 goto claim_out\n"
		   "\t\tgoto ok_out\n"
		   "\t}\n"
		   "\t# The flow is the sender's now: what it sends is counted under it.\n"
		   "\tchain claim_out {\n"
		   "\t\tct mark set 0\n");
	if (!ret)
		ret = render_cgroup_marks(sb, p);
	render_sender_mark(sb, p);
	sb_add(sb, "\t}\n");
	return ret;
}
