// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * DNS side doors (docs/dns.md): an entry's DNS goes to the local resolver
 * only (other servers refused or redirected there), DNS over TLS/QUIC is
 * refused unless the entry lists port 853, and the resolver answers an app
 * only the names on its list (dnsmasq's connmark-allowlist, keyed by the
 * conntrack mark this ruleset puts on the app's queries).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render/dns.h"
#include "render/dns_refused.h"
#include "render/common.h"

/* A listed domain also admits names this many labels deeper (dnsmasq's "*" spans one label). */
#define NAME_DEPTH 4

static bool listens(const struct policy *p, int f)
{
	size_t i;

	if (!(p->cfg.families & (f == 4 ? FAM4 : FAM6)))
		return false;
	for (i = 0; p->cfg.dns_listen_addr && i < p->cfg.dns_listen.n; i++)
		if (p->cfg.dns_listen_addr[i].family == f)
			return true;
	return false;
}

/* An allow element naming PORT alone (not in a range), for TCP, UDP or any protocol. */
bool render_lists_port(const struct entry *e, unsigned port)
{
	size_t i, j;

	for (i = 0; i < e->n_allow; i++) {
		const struct allow *a = &e->allow[i];

		if (a->proto_num != -1 && a->proto_num != 6 && a->proto_num != 17)
			continue;
		for (j = 0; j < a->n_pr; j++)
			if (a->pr[j].lo == port && a->pr[j].hi == port)
				return true;
	}
	return false;
}

static bool dns_subject(const struct policy *p, const struct entry *e)
{
	return p->cfg.dns_foreign != DNS_FOREIGN_ALLOW && !render_lists_port(e, 53);
}

static void emit_listen_set(struct strbuf *sb, const struct policy *p, int f)
{
	size_t i, n = 0;

	for (i = 0; i < p->cfg.dns_listen.n; i++)
		n += p->cfg.dns_listen_addr[i].family == f;
	sb_printf(sb, "\tset dns_listen%d {\n\t\ttype %s\n", f, f == 4 ? "ipv4_addr" : "ipv6_addr");
	sb_add(sb, "\t\telements = { ");
	for (i = 0; i < p->cfg.dns_listen.n; i++) {
		if (p->cfg.dns_listen_addr[i].family != f)
			continue;
		sb_printf(sb, "%s%s", p->cfg.dns_listen.v[i], --n ? ", " : "");
	}
	sb_add(sb, " }\n\t}\n");
}

/* Per id: what DNS (53) and DNS over TLS/QUIC (853) to other servers get. */
static int emit_port_vmap(struct strbuf *sb, const struct policy *p, enum entry_kind k)
{
	const struct entry **v = entries_by_id(p, k), **e;
	bool g = k == ENTRY_GROUP;
	size_t n = count_kind(p, k);

	if (!v)
		return -ENOMEM;
	emit_map_head(sb, "map", g ? "dns_gids" : "dns_uids",
		      g ? "gid . inet_service : verdict" : "uid . inet_service : verdict", NULL, n);
	for (e = v; *e; e++) {
		const char *refuse = refuse_chain(p, *e);

		sb_printf(sb, "\t\t\t%ld . 53 : %s%s,\n", (*e)->sys_id,
			  dns_subject(p, *e) ? "goto " : "return", dns_subject(p, *e) ? refuse : "");
		sb_printf(sb, "\t\t\t%ld . 853 : %s%s,\n", (*e)->sys_id,
			  render_lists_port(*e, 853) ? "return" : "goto ",
			  render_lists_port(*e, 853) ? "" : refuse);
	}
	emit_map_tail(sb, n);
	free(v);
	return 0;
}

static int emit_nat_vmap(struct strbuf *sb, const struct policy *p, enum entry_kind k)
{
	const struct entry **v = entries_by_id(p, k), **e;
	bool g = k == ENTRY_GROUP;
	size_t n = count_kind(p, k);

	if (!v)
		return -ENOMEM;
	emit_map_head(sb, "map", g ? "dns_nat_gids" : "dns_nat_uids",
		      g ? "gid : verdict" : "uid : verdict", NULL, n);
	for (e = v; *e; e++)
		sb_printf(sb, "\t\t\t%ld : %s,\n", (*e)->sys_id,
			  dns_subject(p, *e) ? "goto dns_redirect" : "accept");
	emit_map_tail(sb, n);
	free(v);
	return 0;
}

int render_dns_maps(struct strbuf *sb, const struct policy *p)
{
	int f, ret;

	for (f = 4; f <= 6; f += 2)
		if (listens(p, f))
			emit_listen_set(sb, p, f);
	ret = emit_port_vmap(sb, p, ENTRY_GROUP);
	if (!ret)
		ret = emit_port_vmap(sb, p, ENTRY_USER);
	if (!ret && p->cfg.dns_foreign == DNS_FOREIGN_REDIRECT)
		ret = emit_nat_vmap(sb, p, ENTRY_GROUP);
	if (!ret && p->cfg.dns_foreign == DNS_FOREIGN_REDIRECT)
		ret = emit_nat_vmap(sb, p, ENTRY_USER);
	return ret;
}

static bool refused_names_on(const struct policy *p)
{
	return p->cfg.dns_names && (listens(p, 4) || listens(p, 6));
}

/* The sets of refused questions (dns_refused.h), kept across applies like the tried sets. */
void render_dns_refused_sets(struct strbuf *sb, const struct policy *p, int size)
{
	if (!refused_names_on(p))
		return;
	sb_printf(sb,
		  "\tset " DNS_REFUSED_SMALL " {\n"
		  "\t\ttypeof ct mark . udp length . @ih,32,128 . @ih,160,128\n"
		  "\t\tsize %d\n\t\tflags dynamic\n\t\tcounter\n\t}\n"
		  "\tset " DNS_REFUSED_LARGE " {\n"
		  "\t\ttypeof ct mark . udp length . @ih,32,256 . @ih,288,192\n"
		  "\t\tsize %d\n\t\tflags dynamic\n\t\tcounter\n\t}\n",
		  size, size);
}

int render_dns_learned_sets(const struct policy *p, struct strv *out)
{
	if (refused_names_on(p) &&
	    (strv_push(out, DNS_REFUSED_SMALL) || strv_push(out, DNS_REFUSED_LARGE)))
		return -ENOMEM;
	return 0;
}

/*
 * mark_out's rule for packets through lo. The local resolver answers a
 * local client through lo, so only those packets test for a refusal; the
 * loopback chain then exempts loopback addresses from the statistics.
 */
void render_lo_out_jump(struct strbuf *sb, const struct policy *p)
{
	sb_printf(sb, "\t\toif \"lo\" jump %s\n", refused_names_on(p) ? "lo_out" : "loopback");
}

/*
 * A REFUSED answer (rcode 5) from the local resolver to a marked query:
 * dnsmasq refused the name to that entry. Its question goes to a set.
 */
static void emit_lo_out(struct strbuf *sb, const struct policy *p)
{
	int f;

	sb_add(sb, "\t# Through lo, in mark_out: the local resolver's answers, then loopback.\n"
		   "\tchain lo_out {\n"
		   "\t\tudp sport 53 jump dns_answer\n"
		   "\t\tgoto loopback\n"
		   "\t}\n"
		   "\tchain dns_answer {\n");
	for (f = 4; f <= 6; f += 2)
		if (listens(p, f))
			sb_printf(sb,
				  "\t\t%s saddr @dns_listen%d @ih,28,4 5 ct mark != 0 goto dns_refused\n",
				  f == 4 ? "ip" : "ip6", f);
	sb_add(sb, "\t}\n");
}

/* One rule per answer length: a raw load must lie inside the packet. */
static void emit_refused_chain(struct strbuf *sb, const struct policy *p)
{
	struct dns_refused_layout l;
	unsigned len;

	if (!refused_names_on(p))
		return;
	emit_lo_out(sb, p);
	sb_add(sb, "\t# The question of each name dnsmasq refused to an entry, by answer length.\n"
		   "\tchain dns_refused {\n");
	for (len = DNS_REFUSED_MIN_LEN; len <= DNS_REFUSED_FULL; len++) {
		dns_refused_layout(len, &l);
		sb_printf(sb,
			  "\t\tudp length %s%u update @%s { ct mark . udp length . @ih,%u,%u . @ih,%u,%u }\n",
			  len == DNS_REFUSED_FULL ? ">= " : "", len + 8,
			  l.large ? DNS_REFUSED_LARGE : DNS_REFUSED_SMALL, l.a_off * 8, l.a_len * 8,
			  l.b_off * 8, l.b_len * 8);
	}
	sb_add(sb, "\t}\n");
}

/*
 * In mark_new, before the socket marker's mark is copied: a query to the
 * local resolver carries exactly its entry's mark, or none, because dnsmasq
 * refuses every name to a mark it has no list for. The port comes first:
 * one compare turns away every other flow.
 */
void render_dns_mark_jump(struct strbuf *sb, const struct policy *p)
{
	int f;

	if (!p->cfg.dns_names)
		return;
	for (f = 4; f <= 6; f += 2)
		if (listens(p, f))
			sb_printf(sb,
				  "\t\tth dport 53 meta l4proto { tcp, udp } %s daddr @dns_listen%d goto dns_mark\n",
				  f == 4 ? "ip" : "ip6", f);
}

/*
 * First in output, ahead of the loopback rule, so redirected queries are
 * counted; every packet, not only a new flow's, so that a query port another
 * process freed (the resolver's upstream queries) leads nowhere else.
 */
void render_dns_out_jump(struct strbuf *sb)
{
	/* The ports first: other packets are turned away by one lookup, not two. */
	sb_add(sb, "\t\tth dport { 53, 853 } meta l4proto { tcp, udp } jump dns_out\n");
}

static void emit_dns_out(struct strbuf *sb, const struct policy *p)
{
	bool redirect = p->cfg.dns_foreign == DNS_FOREIGN_REDIRECT;
	int f;

	sb_add(sb, "\t# DNS side doors: an entry's DNS goes to the local resolver only, and\n"
		   "\t# DNS over TLS or QUIC (853) only where the entry lists that port.\n"
		   "\tchain dns_out {\n");
	for (f = 4; redirect && f <= 6; f += 2)
		if (listens(p, f))
			sb_printf(sb,
				  "\t\tct status dnat %s daddr @dns_listen%d th dport 53 goto ok_out\n",
				  f == 4 ? "ip" : "ip6", f);
	for (f = 4; f <= 6; f += 2)
		if (listens(p, f))
			sb_printf(sb, "\t\t%s daddr @dns_listen%d th dport 53 accept\n",
				  f == 4 ? "ip" : "ip6", f);
	sb_add(sb, "\t\tmeta skgid . th dport vmap @dns_gids\n"
		   "\t\tmeta skuid . th dport vmap @dns_uids\n"
		   "\t}\n");
}

static void emit_dns_nat(struct strbuf *sb, const struct policy *p)
{
	size_t i;
	int f;

	if (!p->cfg.dns_listen_addr)
		return;
	sb_add(sb, "\tchain dns_nat {\n"
		   "\t\ttype nat hook output priority -100; policy accept;\n"
		   "\t\tmeta l4proto { tcp, udp } th dport 53 meta skgid vmap @dns_nat_gids\n"
		   "\t\tmeta l4proto { tcp, udp } th dport 53 meta skuid vmap @dns_nat_uids\n"
		   "\t}\n"
		   "\tchain dns_redirect {\n");
	for (f = 4; f <= 6; f += 2)
		if (listens(p, f))
			sb_printf(sb, "\t\t%s daddr @dns_listen%d accept\n", f == 4 ? "ip" : "ip6",
				  f);
	for (f = 4; f <= 6; f += 2) {
		for (i = 0; i < p->cfg.dns_listen.n; i++) {
			if (p->cfg.dns_listen_addr[i].family != f)
				continue;
			sb_printf(sb, "\t\tmeta nfproto %s dnat %s to %s\n", f == 4 ? "ipv4" : "ipv6",
				  f == 4 ? "ip" : "ip6", p->cfg.dns_listen.v[i]);
			break;
		}
	}
	sb_add(sb, "\t}\n");
}

void render_dns_chains(struct strbuf *sb, const struct policy *p)
{
	if (p->cfg.dns_names)
		sb_add(sb, "\t# A query to the local resolver: the entry's own mark, which dnsmasq's\n"
			   "\t# connmark-allowlist keys on; others stay unmarked and unfiltered.\n"
			   "\tchain dns_mark {\n"
			   "\t\tct mark set meta skgid map @gid_marks accept\n"
			   "\t\tct mark set meta skuid map @uid_marks accept\n"
			   "\t\taccept\n"
			   "\t}\n");
	emit_refused_chain(sb, p);
	emit_dns_out(sb, p);
	if (p->cfg.dns_foreign == DNS_FOREIGN_REDIRECT)
		emit_dns_nat(sb, p);
}

/* dnsmasq ------------------------------------------------------------ */

static int push_dset(struct strv *out, const struct policy *p, int ds)
{
	size_t i;

	for (i = 0; ds >= 0 && i < p->dsets[ds].domains.n; i++)
		if (strv_push(out, p->dsets[ds].domains.v[i]))
			return -ENOMEM;
	return 0;
}

/* Every domain the entry lists (its own, shared, and in allow), sorted, unique. */
static int entry_names(const struct policy *p, const struct entry *e, struct strv *out)
{
	size_t i;

	if (push_dset(out, p, e->dset))
		return -ENOMEM;
	for (i = 0; i < e->n_allow; i++)
		if (push_dset(out, p, e->allow[i].dset))
			return -ENOMEM;
	strv_sort_unique(out);
	return 0;
}

/*
 * dnsmasq takes one connmark-allowlist line per mark and mask, and a line
 * holds about 1000 bytes. A longer list continues on lines whose mask drops
 * one more bit that is 0 in the entry's mark: the same queries match them,
 * because the ruleset marks a query to the resolver with exactly that mark.
 */
static int line_mask(const struct policy *p, uint32_t mark, int line, uint32_t *ret)
{
	uint32_t m = p->cfg.mark_mask;
	int bit;

	for (bit = 0; line && bit < 32; bit++)
		if ((m & (1u << bit)) && !(mark & (1u << bit))) {
			m &= ~(1u << bit);
			line--;
		}
	*ret = m;
	return line ? -E2BIG : 0;
}

static int start_line(struct strbuf *sb, const struct policy *p, const struct entry *e, int line,
		      size_t *len)
{
	uint32_t mask;
	char head[64];

	if (line_mask(p, entry_mark(p, e), line, &mask))
		return -E2BIG;
	snprintf(head, sizeof(head), "%sconnmark-allowlist=%u/%u,", line ? "\n" : "",
		 entry_mark(p, e), mask);
	sb_add(sb, head);
	*len = strlen(head);
	return 0;
}

static int emit_allowlist(struct strbuf *sb, const struct policy *p, const struct entry *e,
			  const struct strv *names, struct diags *dg)
{
	size_t i, len = 0;
	int d, k, line = 0;

	sb_printf(sb, "# %s.%s: %s %ld, mark 0x%08x\n", entry_kind_name(e), e->name,
		  e->kind == ENTRY_GROUP ? "gid" : "uid", e->sys_id, entry_mark(p, e));
	for (i = 0; i < names->n; i++) {
		if (!domain_is_pattern(names->v[i]))
			continue;
		for (d = 0; d <= NAME_DEPTH; d++) {
			size_t need = (size_t)d * 2 + strlen(names->v[i]) + 1;

			if (!len || len + need > DNSMASQ_LINE_MAX) {
				if (start_line(sb, p, e, len ? ++line : 0, &len)) {
					diag_add(dg, DIAG_ERROR, NULL,
						 "%s.%s lists more domains than dnsmasq's name lists can hold for one mark; share fewer, broader domains",
						 entry_kind_name(e), e->name);
					return -E2BIG;
				}
			} else {
				sb_add(sb, "/");
			}
			for (k = 0; k < d; k++)
				sb_add(sb, "*.");
			sb_add(sb, names->v[i]);
			len += need;
		}
	}
	if (len)
		sb_add(sb, "\n");
	return 0;
}

int render_dns_names(struct strbuf *sb, const struct policy *p, struct diags *dg)
{
	size_t i;
	int ret = 0;

	if (!p->cfg.dns_names)
		return 0;
	sb_printf(sb,
		  "# Per-app name lists: dnsmasq reads the conntrack mark of each query\n"
		  "# and answers a marked query only for names on that mark's list (and\n"
		  "# up to %d labels below them). A mark with no list gets REFUSED for\n"
		  "# every name; unmarked queries (no galaf entry) are not filtered.\n"
		  "conntrack\n"
		  "connmark-allowlist-enable=%u\n",
		  NAME_DEPTH, p->cfg.mark_mask);
	for (i = 0; i < p->n_entries; i++) {
		const struct entry *e = &p->entries[i];
		struct strv names = { 0 };

		if (e->sys_id < 0)
			continue;
		if (render_lists_port(e, 53)) {
			/* It may ask any server directly: a list here would stop nothing. */
			sb_printf(sb, "# %s.%s: lists port 53, so its names are not filtered\n",
				  entry_kind_name(e), e->name);
			sb_printf(sb, "connmark-allowlist=%u/%u,*\n", entry_mark(p, e),
				  p->cfg.mark_mask);
			continue;
		}
		if (entry_names(p, e, &names)) {
			strv_free(&names);
			return -ENOMEM;
		}
		if (names.n) {
			int r = emit_allowlist(sb, p, e, &names, dg);

			if (r)
				ret = r;
		} else {
			sb_printf(sb, "# %s.%s: mark 0x%08x, no domains: every name refused\n",
				  entry_kind_name(e), e->name, entry_mark(p, e));
		}
		strv_free(&names);
	}
	return sb->oom ? -ENOMEM : ret;
}
