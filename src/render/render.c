// SPDX-License-Identifier: GPL-2.0-or-later
#include "render/render.h"
#include "render/allow.h"
#include "render/cgroup.h"
#include "render/common.h"
#include "render/dns.h"
#include "render/owner.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PORT_PROTOS "{ tcp, udp, dccp, sctp, udplite }"

/* Lines counted as text is added, so raw fragments can be traced to entries. */
struct nftw {
	struct strbuf *sb;
	const struct policy *p;
	size_t scanned;
	int line;
	unsigned shards; /* of the groups' static allow-lists; a power of two */
};

static int nftw_line(struct nftw *w)
{
	for (; w->scanned < w->sb->len; w->scanned++)
		if (w->sb->buf[w->scanned] == '\n')
			w->line++;
	return w->line + 1;
}

static bool any_audit(const struct policy *p)
{
	size_t i;

	for (i = 0; i < p->n_entries; i++)
		if (entry_audit(p, &p->entries[i]))
			return true;
	return p->cfg.mode == MODE_AUDIT;
}

static void emit_learned_sets(struct nftw *w)
{
	const struct policy *p = w->p;
	struct strbuf *sb = w->sb;
	size_t i;
	int f;

	sb_add(sb, "\t# Learned at run time and kept across applies: addresses dnsmasq\n"
		   "\t# resolved for each domain list, counters per mark (gid<<16 | uid),\n"
		   "\t# and the destinations each mark tried and was refused.\n");
	for (i = 0; i < p->n_dsets; i++) {
		for (f = 4; f <= 6; f += 2) {
			if (!(p->dsets[i].families & fam_bit(f)))
				continue;
			sb_printf(sb, "\tset %s_%d {\n\t\ttype %s_addr\n\t\tsize %d\n",
				  p->dsets[i].name, f, f == 4 ? "ipv4" : "ipv6", SET_SIZE);
			if (p->cfg.dns_timeout)
				sb_printf(sb, "\t\tflags dynamic,timeout\n\t\ttimeout %lds\n",
					  p->cfg.dns_timeout);
			else
				sb_add(sb, "\t\tflags dynamic\n");
			sb_add(sb, "\t}\n");
		}
	}
	render_cgroup_sets(w->sb, w->p);
	static const char *const stats[] = { "stats_out_pre", "stats_out", "stats_in" };
	for (i = 0; i < 3; i++)
		sb_printf(sb,
			  "\tset %s {\n\t\ttype mark\n\t\tsize %d\n\t\tflags dynamic\n\t\tcounter\n\t}\n",
			  stats[i], SET_SIZE);
	static const char *const tried[] = { "tried", "refused" };
	for (i = 0; i < 2; i++)
		for (f = 4; f <= 6; f += 2)
			sb_printf(sb,
				  "\tset %s%d {\n\t\ttype mark . %s_addr . inet_proto . inet_service\n"
				  "\t\tsize %d\n\t\tflags dynamic\n\t\tcounter\n\t}\n",
				  tried[i], f, f == 4 ? "ipv4" : "ipv6", SET_SIZE);
	render_owner_learned_set(sb);
	render_dns_refused_sets(sb, p, SET_SIZE);
}

static int emit_id_maps(struct nftw *w, enum entry_kind k)
{
	const struct entry **v = entries_by_id(w->p, k), **e;
	bool g = k == ENTRY_GROUP;
	size_t n = count_kind(w->p, k);
	struct strbuf *sb = w->sb;

	if (!v)
		return -ENOMEM;
	emit_map_head(sb, "map", g ? "gid_marks" : "uid_marks", g ? "gid : mark" : "uid : mark",
		      NULL, n);
	for (e = v; *e; e++)
		sb_printf(sb, "\t\t\t%ld : 0x%08x,\n", (*e)->sys_id, entry_mark(w->p, *e));
	emit_map_tail(sb, n);
	emit_map_head(sb, "map", g ? "gids" : "uids", g ? "gid : verdict" : "uid : verdict", NULL, n);
	for (e = v; *e; e++) {
		char to[64];

		allow_verdict(to, sizeof(to), w->p, w->shards, *e);
		sb_printf(sb, "\t\t\t%ld : goto %s,\n", (*e)->sys_id, to);
	}
	emit_map_tail(sb, n);
	free(v);
	return 0;
}

static size_t count_boxes(const struct policy *p, enum entry_kind k, int f, bool in)
{
	size_t i, j, n = 0;

	for (i = 0; i < p->n_entries; i++) {
		const struct entry *e = &p->entries[i];
		const struct boxes *bx = in ? &e->in_boxes : &e->boxes;

		if ((!in && e->kind != k) || e->sys_id < 0)
			continue;
		for (j = 0; j < bx->n; j++)
			n += bx->v[j].a.family == f;
	}
	return n;
}

static void emit_inbound_map(struct nftw *w, int f)
{
	const struct policy *p = w->p;
	size_t n = count_boxes(p, ENTRY_USER, f, true), i, j;
	char name[32], type[64];

	snprintf(name, sizeof(name), "inbound%d", f);
	snprintf(type, sizeof(type), "%s_addr . inet_proto . inet_service : mark",
		 f == 4 ? "ipv4" : "ipv6");
	emit_map_head(w->sb, "map", name, type, "interval", n);
	for (i = 0; i < p->n_entries; i++) {
		const struct entry *e = &p->entries[i];

		for (j = 0; e->sys_id >= 0 && j < e->in_boxes.n; j++) {
			if (e->in_boxes.v[j].a.family != f)
				continue;
			sb_add(w->sb, "\t\t\t");
			emit_box(w->sb, &e->in_boxes.v[j]);
			sb_printf(w->sb, " : 0x%08x,\n", entry_mark(p, e));
		}
	}
	emit_map_tail(w->sb, n);
}

/*
 * Updates of the tried (or refused) sets, one rule per family and kind of
 * protocol. In tried_out (RETURN) each rule tests its family and returns
 * after its update, so an IPv4 TCP or UDP packet pays one set test and one
 * update.
 */
static void emit_tried_updates(struct strbuf *sb, const struct policy *p, const char *set, bool ret)
{
	static const char *const port[] = { "th dport", "0" };
	int f, k;

	for (f = 4; f <= 6; f += 2) {
		if (!(p->cfg.families & fam_bit(f)))
			continue;
		for (k = 0; k < 2; k++)
			sb_printf(sb,
				  "\t\t%s%smeta l4proto %s" PORT_PROTOS
				  " update @%s%d { ct mark . %s daddr . meta l4proto . %s }%s\n",
				  ret ? "meta nfproto " : "", ret ? (f == 4 ? "ipv4 " : "ipv6 ") : "",
				  k ? "!= " : "", set, f, fam_ip(f), port[k], ret ? " return" : "");
	}
}

static void emit_tried_chain(struct strbuf *sb, const struct policy *p)
{
	sb_add(sb, "\tchain tried_out {\n");
	emit_tried_updates(sb, p, "tried", true);
	sb_add(sb, "\t}\n");
}

/*
 * Every packet passes mark_out, so what only a connection's first packet
 * needs (its mark), only new ones (the tried sets) or only packets through
 * lo (the resolver's answers, loopback) sits behind one test and a jump:
 * an established packet pays three tests and the counter.
 */
static int emit_mark_chain(struct nftw *w)
{
	struct strbuf *sb = w->sb;
	int ret;

	sb_add(sb, "\t# Who: the socket marker's mark (gid<<16 | uid) when it is loaded,\n"
		   "\t# else the entry's own mark, on every new connection.\n"
		   "\tchain mark_out {\n"
		   "\t\ttype filter hook output priority mangle; policy accept;\n"
		   "\t\tct mark 0 jump mark_new\n");
	render_lo_out_jump(sb, w->p);
	sb_add(sb, "\t\tupdate @stats_out_pre { ct mark }\n"
		   "\t\tct state new jump tried_out\n"
		   "\t}\n"
		   "\tchain mark_new {\n");
	/* A cgroup's entry first: its processes carry its mark, DNS included. */
	ret = render_cgroup_marks(sb, w->p);
	render_dns_mark_jump(sb, w->p);
	render_resolver_remark(sb, w->p);
	render_sender_mark(sb, w->p);
	sb_add(sb, "\t}\n");
	emit_tried_chain(sb, w->p);
	return ret;
}

static int emit_output_chains(struct nftw *w)
{
	const struct policy *p = w->p;
	struct strbuf *sb = w->sb;
	int ret;

	sb_add(sb, "\tchain output {\n\t\ttype filter hook output priority filter; policy drop;\n");
	render_dns_out_jump(sb);
	if (p->cfg.loopback)
		render_loopback_jump(sb);
	sb_add(sb, "\t\tct state established,related jump owner_out\n"
		   "\t\ticmpv6 type { nd-router-solicit, nd-neighbor-solicit, nd-neighbor-advert, mld-listener-report, mld-listener-done, mld2-listener-report } accept\n"
		   "\t\tip protocol igmp accept\n");
	render_owner_self(sb, p);
	ret = render_cgroup_jumps(sb, p);
	/* A group's static allow-list is looked up in its own chain or its shard's. */
	sb_add(sb, "\t\tmeta skgid vmap @gids\n"
		   "\t\tmeta skuid . ip daddr . meta l4proto . th dport @uallow4 goto ok_out\n"
		   "\t\tmeta skuid . ip6 daddr . meta l4proto . th dport @uallow6 goto ok_out\n"
		   "\t\tmeta skuid vmap @uids\n");
	sb_printf(sb, "\t\tgoto %s\n\t}\n", p->cfg.mode == MODE_AUDIT ? "audit_out" : "refuse_out");
	if (!ret)
		ret = render_allow_chains(sb, p, w->shards);
	sb_add(sb, "\tchain ok_out {\n\t\tupdate @stats_out { ct mark }\n\t\taccept\n\t}\n");
	sb_add(sb, "\tchain refuse_out {\n");
	emit_tried_updates(sb, p, "refused", false);
	sb_add(sb, "\t\tlimit rate 10/second burst 20 packets log prefix \"galaf refused: \" level info\n"
		   "\t\t# Fail fast: a dropped SYN would leave connect() waiting for minutes.\n"
		   "\t\tmeta l4proto tcp reject with tcp reset\n"
		   "\t\treject with icmpx admin-prohibited\n\t}\n");
	if (!ret)
		ret = render_owner_chains(sb, p);
	if (!any_audit(p))
		return ret;
	sb_add(sb, "\tchain audit_out {\n");
	emit_tried_updates(sb, p, "refused", false);
	sb_add(sb, "\t\tlimit rate 10/second burst 20 packets log prefix \"galaf audit: \" level info\n"
		   "\t\tgoto ok_out\n\t}\n");
	return ret;
}

static void emit_input_chains(struct nftw *w)
{
	const struct policy *p = w->p;
	struct strbuf *sb = w->sb;
	int f;

	sb_add(sb,
	       "\tchain input {\n\t\ttype filter hook input priority filter; policy drop;\n"
	       "\t\tiif \"lo\" accept\n"
	       "\t\tct state established,related goto ok_in\n"
	       "\t\tct state invalid drop\n"
	       "\t\ticmpv6 type { nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert, nd-redirect, mld-listener-query } accept\n");
	for (f = 4; f <= 6; f += 2)
		if (p->cfg.families & fam_bit(f))
			sb_printf(sb,
				  "\t\tct mark set %s saddr . meta l4proto . th dport map @inbound%d goto ok_in\n",
				  fam_ip(f), f);
	sb_add(sb, "\t\tgoto refuse_in\n\t}\n"
		   "\tchain ok_in {\n\t\tupdate @stats_in { ct mark }\n\t\taccept\n\t}\n"
		   "\tchain refuse_in {\n");
	if (p->cfg.mode == MODE_AUDIT)
		sb_add(sb, "\t\tlimit rate 10/second burst 20 packets log prefix \"galaf audit in: \" level info\n"
			   "\t\tgoto ok_in\n\t}\n");
	else
		sb_add(sb, "\t\tlimit rate 10/second burst 20 packets log prefix \"galaf refused in: \" level info\n"
			   "\t\tdrop\n\t}\n");
}

/* "meta l4proto tcp th dport { 443, 8000-8080 }" for an allow entry. */
static void emit_proto_ports(struct strbuf *sb, const struct allow *a)
{
	size_t i;

	if (a->proto_num < 0)
		return;
	sb_add(sb, " meta l4proto ");
	emit_proto(sb, a->proto_num);
	if (!a->n_pr)
		return;
	sb_add(sb, " th dport ");
	if (a->n_pr > 1)
		sb_add(sb, "{ ");
	for (i = 0; i < a->n_pr; i++) {
		sb_add(sb, i ? ", " : "");
		if (a->pr[i].lo == a->pr[i].hi)
			sb_printf(sb, "%u", a->pr[i].lo);
		else
			sb_printf(sb, "%u-%u", a->pr[i].lo, a->pr[i].hi);
	}
	if (a->n_pr > 1)
		sb_add(sb, " }");
}

/*
 * A rule for a learned set: address in the set, then MATCH (ports or a raw
 * fragment); matched traffic refreshes the address's timeout.
 */
static void emit_dset_rule(struct nftw *w, int ds, int f, const char *match, struct entry *e, int frag)
{
	const char *n = w->p->dsets[ds].name, *ip = fam_ip(f);

	if (frag >= 0)
		e->rule_line[frag * 2 + (f == 6)] = nftw_line(w);
	sb_printf(w->sb, "\t\t%s daddr @%s_%d%s%s", ip, n, f, *match && *match != ' ' ? " " : "",
		  match);
	if (w->p->cfg.dns_timeout)
		sb_printf(w->sb, " update @%s_%d { %s daddr }", n, f, ip);
	sb_add(w->sb, " goto ok_out\n");
}

static bool dset_has(const struct policy *p, int ds, int f)
{
	return ds >= 0 && (p->dsets[ds].families & fam_bit(f));
}

/* The raw fragment for family F: rule6 for IPv6 when given, else rule. */
static const char *entry_fragment(const struct entry *e, int f, int *which)
{
	if (f == 6 && e->rule6) {
		*which = 1;
		return e->rule6;
	}
	*which = 0;
	return e->rule;
}

static void emit_entry_domains(struct nftw *w, struct entry *e)
{
	struct strbuf m = STRBUF_INIT;
	size_t i;
	int f, which;

	for (f = 4; f <= 6; f += 2) {
		const char *frag = entry_fragment(e, f, &which);

		/* A shared list's sets serve every sharer's families, not all of this entry's. */
		if (!(e->fams & fam_bit(f)))
			continue;
		if (dset_has(w->p, e->dset, f))
			emit_dset_rule(w, e->dset, f, frag ? frag : "", e, frag ? which : -1);
		for (i = 0; i < e->n_allow; i++) {
			const struct allow *a = &e->allow[i];

			if (a->dset < 0 || !dset_has(w->p, a->dset, f) ||
			    (a->proto_num == 1 && f == 6) || (a->proto_num == 58 && f == 4))
				continue;
			sb_reset(&m);
			emit_proto_ports(&m, a);
			emit_dset_rule(w, a->dset, f, sb_str(&m) ? sb_str(&m) : "", e, -1);
		}
	}
	sb_free(&m);
}

/* "rule"/"rule6" without "domains": the fragment alone decides. */
static void emit_entry_fragments(struct nftw *w, struct entry *e)
{
	unsigned fams = e->fams;

	if (e->has_domains || (!e->rule && !e->rule6))
		return;
	if (e->rule6 && (fams & FAM6)) {
		e->rule_line[3] = nftw_line(w);
		sb_printf(w->sb, "\t\tmeta nfproto ipv6 %s goto ok_out\n", e->rule6);
		fams &= ~FAM6;
	}
	if (!e->rule || !fams)
		return;
	e->rule_line[0] = nftw_line(w);
	if (fams == (FAM4 | FAM6))
		sb_printf(w->sb, "\t\t%s%sgoto ok_out\n", e->rule, *e->rule ? " " : "");
	else
		sb_printf(w->sb, "\t\tmeta nfproto %s %s%sgoto ok_out\n",
			  fams & FAM4 ? "ipv4" : "ipv6", e->rule, *e->rule ? " " : "");
}

static void emit_entry_chain(struct nftw *w, struct entry *e)
{
	if (!entry_own_chain(w->p, e))
		return;
	sb_printf(w->sb, "\tchain %s%s {\n", chain_prefix(e), e->name);
	if (e->kind == ENTRY_GROUP)
		render_allow_lookups(w->sb, w->p, w->shards, e);
	emit_entry_domains(w, e);
	emit_entry_fragments(w, e);
	sb_printf(w->sb, "\t\tgoto %s\n\t}\n", refuse_chain(w->p, e));
}

int render_nft(struct policy *p, struct strbuf *out)
{
	struct nftw w = { .sb = out, .p = p, .shards = allow_shard_count(p) };
	size_t i;
	int f, ret;

	sb_printf(out,
		  "# galaf ruleset, generated by galaf-config from a policy; do not edit.\n"
		  "# Load into an empty ruleset with: nft -f FILE\n"
		  "table inet %s {\n",
		  p->cfg.table);
	emit_learned_sets(&w);
	sb_add(out, "\n\t# Replaced on every apply.\n");
	ret = emit_id_maps(&w, ENTRY_GROUP);
	if (!ret)
		ret = emit_id_maps(&w, ENTRY_USER);
	if (!ret)
		ret = render_owner_sets(out, p);
	for (f = 4; !ret && f <= 6; f += 2) {
		ret = render_allow_sets(out, p, w.shards, ENTRY_GROUP, f);
		if (!ret)
			ret = render_allow_sets(out, p, 1, ENTRY_USER, f);
		emit_inbound_map(&w, f);
	}
	if (!ret)
		ret = render_dns_maps(out, p);
	if (!ret)
		ret = emit_mark_chain(&w);
	if (!ret)
		ret = emit_output_chains(&w);
	if (ret)
		return ret;
	emit_input_chains(&w);
	render_dns_chains(out, p);
	for (i = 0; i < p->n_entries; i++)
		if (p->entries[i].sys_id >= 0)
			emit_entry_chain(&w, &p->entries[i]);
	for (i = 0; i < p->n_entries; i++)
		render_cgroup_chain(out, p, &p->entries[i]);
	sb_add(out, "}\n");
	return out->oom ? -ENOMEM : 0;
}

int render_learned_sets(const struct policy *p, struct strv *out)
{
	static const char *const fixed[] = { "stats_out_pre", "stats_out", "stats_in", "tried4",
					     "tried6",	      "refused4",  "refused6", "owners" };
	char name[NAME_MAX_LEN + 32];
	size_t i;
	int f;

	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (strv_push(out, fixed[i]))
			return -ENOMEM;
	for (i = 0; i < p->n_dsets; i++) {
		for (f = 4; f <= 6; f += 2) {
			if (!(p->dsets[i].families & fam_bit(f)))
				continue;
			snprintf(name, sizeof(name), "%s_%d", p->dsets[i].name, f);
			if (strv_push(out, name))
				return -ENOMEM;
		}
	}
	if (render_cgroup_learned_sets(p, out) || render_dns_learned_sets(p, out))
		return -ENOMEM;
	strv_sort_unique(out);
	return 0;
}

void render_hash(const char *s, size_t n, char out[17])
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	snprintf(out, 17, "%016llx", (unsigned long long)h);
}
