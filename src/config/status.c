// SPDX-License-Identifier: GPL-2.0-or-later
/* galaf-config status: what is loaded, and whether it is what the policy says. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/apply.h"
#include "cli/cli.h"
#include "config/cmds.h"
#include "stats/state.h"
#include "config/followup.h"
#include "lib/fileio.h"
#include "host/status_dns.h"
#include "host/resolver.h"
#include "nft/verify.h"

struct status {
	struct host_state h; /* shared with galaf-stats --prometheus */
	bool in_sync;	     /* h.in_sync, and --verify found no hand edits */
	size_t users, groups;
	struct resolver res;
	bool verify, verified;	   /* --verify asked; the comparison could be made */
	struct strv hand_edits;	   /* what --verify found changed since the apply */
	struct diags verify_diags; /* why the comparison failed, when nft said */
	const char *gate_path;	   /* the gatekeeper, and what is wrong with it (NULL: nothing) */
	char *gate_caps, *gate_problem;
	char *incomplete; /* what the last apply's follow-up steps failed to do */
};

/*
 * The gatekeeper must hold exactly cap_setgid in its permitted and
 * effective sets, as a file capability, with no setuid or setgid bit, and
 * be root's and not writable by others: without the capability no app
 * starts; with more, a bug in it would give away more.
 */
static void gate_inspect(struct status *st)
{
	cap_t want = cap_from_text("cap_setgid=ep"), have = NULL;
	char msg[512] = "", *text;
	struct stat sb;

	if (stat(st->gate_path, &sb) < 0)
		snprintf(msg, sizeof(msg), "missing (%s)", strerror(errno));
	else if (sb.st_uid != 0 || (sb.st_mode & (S_IWGRP | S_IWOTH)))
		snprintf(msg, sizeof(msg), "not owned by root, or writable by group or others");
	else if (sb.st_mode & (S_ISUID | S_ISGID))
		snprintf(msg, sizeof(msg), "has a setuid or setgid bit: remove it (chmod ug-s)");
	else if (!(have = cap_get_file(st->gate_path)))
		snprintf(msg, sizeof(msg), "has no file capability (setcap cap_setgid+ep %s)",
			 st->gate_path);
	else {
		if ((text = cap_to_text(have, NULL))) {
			st->gate_caps = strdup(text);
			cap_free(text);
		}
		if (!want || cap_compare(have, want) != 0)
			snprintf(msg, sizeof(msg),
				 "has the capabilities '%s', not cap_setgid=ep (setcap cap_setgid+ep %s)",
				 st->gate_caps ? st->gate_caps : "?", st->gate_path);
	}
	st->gate_problem = msg[0] ? strdup(msg) : NULL;
	cap_free(have);
	cap_free(want);
}

static void read_incomplete(const struct policy *p, struct status *st)
{
	char *path;
	size_t len;

	if (asprintf(&path, "%s/" STATE_INCOMPLETE, p->cfg.state_dir) < 0)
		return;
	st->incomplete = file_read(path, 4096, &len);
	free(path);
}

static void status_collect(struct policy *p, const char *file, const char *resolv_conf,
			   struct status *st)
{
	struct compiled c = { 0 };
	size_t i;

	host_state_probe(p, &st->h);
	for (i = 0; i < p->n_entries; i++) {
		st->users += p->entries[i].kind == ENTRY_USER;
		st->groups += p->entries[i].kind == ENTRY_GROUP;
	}
	if (!require_ids(p, file) && !cli_compile(p, file, &c)) {
		host_state_compare(p, &c, &st->h);
		if (st->verify && st->h.ruleset_in_sync)
			st->verified = ruleset_verify(p, c.nft.buf, &st->hand_edits,
						      &st->verify_diags) == 0;
	}
	read_incomplete(p, st);
	st->in_sync = st->h.in_sync && (!st->verify || (st->verified && !st->hand_edits.n)) &&
		      !st->h.dns.stale && !st->incomplete;
	resolver_inspect(&p->cfg, resolv_conf, &st->res);
	gate_inspect(st);
	compiled_free(&c);
}

static json_t *resolver_json(const struct resolver *r)
{
	json_t *ns = json_array();

	for (size_t i = 0; i < r->nameservers.n; i++)
		json_array_append_new(ns, json_string(r->nameservers.v[i]));
	return json_pack("{s:s, s:b, s:o, s:s, s:s, s:I, s:s?, s:s?, s:o, s:b, s:b}", "resolv_conf",
			 r->resolv_conf, "resolv_conf_readable", r->readable, "nameservers", ns,
			 "kind", resolver_kind_id(r->kind), "expected", resolver_kind_id(r->want),
			 "pid", (json_int_t)r->pid, "comm", r->pid ? r->comm : NULL, "exe",
			 r->pid && r->exe[0] ? r->exe : NULL, "nftset",
			 r->nftset < 0 ? json_null() : json_boolean(r->nftset), "points_at_it",
			 r->points_at_it, "other_nameservers", r->others_listed);
}

static void status_print_json(const struct policy *p, const char *file, const struct status *st)
{
	json_t *o = json_pack("{s:s, s:s, s:b, s:s?, s:s?, s:b, s:b, s:b, s:b, s:I, s:I, s:O, s:b}",
			      "policy", file, "table", p->cfg.table, "loaded", st->h.loaded,
			      "loaded_hash", st->h.loaded ? st->h.loaded_hash : NULL, "policy_hash",
			      st->h.policy_ok ? st->h.policy_hash : NULL, "in_sync", st->in_sync,
			      "ruleset_in_sync", st->h.ruleset_in_sync, "dnsmasq_in_sync",
			      st->h.dns_in_sync, "gate_in_sync", st->h.gate_in_sync, "users",
			      (json_int_t)st->users, "groups", (json_int_t)st->groups,
			      "learned_sets", st->h.sets, "marker_loaded", st->h.marker_pins > 0);
	if (o)
		json_object_set_new(o, "dns_names",
				    json_pack("{s:s, s:i, s:b, s:b, s:b}", "state",
					      names_state_name(st->h.dns.state), "pid",
					      (int)st->h.dns.pid, "conntrack", st->h.dns.conntrack,
					      "connmark_allowlist", st->h.dns.allowlist,
					      "cap_net_admin", st->h.dns.cap_net_admin));

	if (o) {
		json_object_set_new(o, "resolver", resolver_json(&st->res));
		json_object_set_new(o, "dnsmasq_started_before_conf", json_boolean(st->h.dns.stale));
		json_object_set_new(o, "followup_failed",
				    st->incomplete ? json_string(st->incomplete) : json_null());
	}
	if (o)
		json_object_set_new(o, "gatekeeper",
				    json_pack("{s:s, s:s?, s:b, s:s?}", "path", st->gate_path,
					      "capabilities", st->gate_caps, "ok",
					      !st->gate_problem, "problem", st->gate_problem));
	if (o && st->verify) {
		json_t *edits = json_array();

		for (size_t i = 0; i < st->hand_edits.n; i++)
			json_array_append_new(edits, json_string(st->hand_edits.v[i]));
		json_object_set_new(o, "verify",
				    json_pack("{s:b, s:o, s:s?}", "compared", st->verified,
					      "differences", edits, "error",
					      diag_first(&st->verify_diags)));
	}
	if (o && st->h.ping_used)
		json_object_set_new(o, "ping_group_range",
				    json_pack("{s:[I,I], s:[I,I], s:b}", "kernel",
					      (json_int_t)st->h.ping_lo, (json_int_t)st->h.ping_hi,
					      "policy", (json_int_t)p->cfg.ping_min,
					      (json_int_t)p->cfg.ping_max, "in_sync",
					      st->h.ping_in_sync));
	char *s = o ? json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;

	if (s)
		printf("%s\n", s);
	free(s);
	json_decref(o);
}

static void print_resolver(const struct resolver *r)
{
	if (!r->readable) {
		printf("resolver: cannot read %s\n", r->resolv_conf);
		return;
	}
	if (!r->nameservers.n) {
		printf("resolver: %s lists no nameserver (glibc then asks 127.0.0.1)\n",
		       r->resolv_conf);
		return;
	}
	printf("resolver: %s at %s", resolver_kind_name(r->kind), r->nameservers.v[0]);
	if (r->pid)
		printf(" (pid %d, %s)", (int)r->pid, r->exe[0] ? r->exe : r->comm);
	printf("\n");
	printf("resolv.conf %s: %s\n", r->resolv_conf,
	       r->points_at_it ? "points at it, as config.dns expects"
			       : "does NOT point at the dnsmasq config.dns is written for");
	if (!r->points_at_it)
		printf("  config.dns is written for %s: apps that ask another resolver are not learned, and their domains stay blocked\n",
		       resolver_kind_name(r->want));
	if (r->others_listed)
		printf("  it lists %zu nameservers: when the first fails, lookups go around dnsmasq\n",
		       r->nameservers.n);
	if (r->kind == RES_DNSMASQ || r->kind == RES_NM_DNSMASQ)
		printf("dnsmasq nftset support: %s\n",
		       r->nftset > 0 ? "yes"
		       : r->nftset == 0
			       ? "NO: this dnsmasq was built without nftset and ignores galaf's file"
			       : "unknown (dnsmasq --version did not run: galaf runs it only as nobody,\n"
				 "  and only when root owns the binary and nobody else may write it)");
}

/* At most this many differences are listed; the rest are counted. */
#define VERIFY_SHOWN 10

static void print_dns_names(const struct dns_names *r)
{
	struct strbuf sb = STRBUF_INIT;
	const char *line;

	dns_names_describe(r, &sb);
	line = sb_str(&sb);
	fputs(line ? line : "dns names: out of memory\n", stdout);
	sb_free(&sb);
}

static void print_verify(const struct status *st)
{
	size_t i;

	if (!st->h.ruleset_in_sync)
		printf("verify: not compared (the table is not this policy's)\n");
	else if (!st->verified)
		printf("verify: the comparison failed: %s",
		       diag_first(&st->verify_diags) ? diag_first(&st->verify_diags) : "?\n");
	else if (!st->hand_edits.n)
		printf("verify: the table is exactly what the policy renders (learned addresses and counters aside)\n");
	else
		printf("verify: %zu objects differ from what the policy renders (run galaf-config apply --full):\n",
		       st->hand_edits.n);
	for (i = 0; st->verified && i < st->hand_edits.n && i < VERIFY_SHOWN; i++)
		printf("  %s\n", st->hand_edits.v[i]);
	if (st->verified && st->hand_edits.n > VERIFY_SHOWN)
		printf("  ... and %zu more\n", st->hand_edits.n - VERIFY_SHOWN);
}

static void status_print_text(const struct policy *p, const char *file, const struct status *st)
{
	const char *key;
	json_t *v;
	size_t total = 0;

	printf("table inet %s: %s\n", p->cfg.table,
	       st->h.loaded ? "loaded" : "not loaded (run galaf-config apply)");
	printf("policy %s: %zu users, %zu groups%s\n", file, st->users, st->groups,
	       st->h.policy_ok ? "" : " (cannot be rendered on this machine)");
	if (st->h.loaded)
		printf("ruleset: %s\n",
		       st->h.ruleset_in_sync ? "matches the policy"
					     : "differs from the policy (run galaf-config apply)");
	if (st->verify)
		print_verify(st);
	printf("dnsmasq file %s: %s\n", p->cfg.dns_conf,
	       st->h.dns_in_sync ? "in sync" : "differs or missing");
	printf("gate index %s: %s\n", p->cfg.gate_index,
	       st->h.gate_in_sync ? "in sync" : "differs or missing");
	printf("gatekeeper %s: %s\n", st->gate_path,
	       st->gate_problem ? st->gate_problem : "cap_setgid=ep, as it needs");
	json_object_foreach(st->h.sets, key, v) total += (size_t)json_integer_value(v);
	printf("learned addresses: %zu in %zu sets\n", total, json_object_size(st->h.sets));
	printf("socket marker: %s\n",
	       st->h.marker_pins ? "loaded" : "not loaded (galaf-config marker load)");
	print_dns_names(&st->h.dns);
	if (st->h.dns.stale)
		printf("dnsmasq (pid %d on %s): STARTED BEFORE %s last changed: it still uses the old domain lists; restart it (config.dns.reload does it on apply)\n",
		       (int)st->h.dns.pid, st->h.dns.listen, p->cfg.dns_conf);
	if (st->incomplete)
		printf("last apply: applied, but these follow-up steps failed (apply again once fixed):\n%s",
		       st->incomplete);
	if (st->h.ping_used)
		printf("ping_group_range: %u %u, %s\n", st->h.ping_lo, st->h.ping_hi,
		       st->h.ping_in_sync ? "as config.ping_gids says"
					  : "differs from config.ping_gids (run galaf-config apply)");
	print_resolver(&st->res);
	printf("status: %s\n", st->in_sync ? "in sync" : "NOT in sync");
}

static const char status_help[] =
	"Usage: galaf-config status [--json] [--verify] [POLICY]\n"
	"\n"
	"Say whether galaf's table is loaded, whether it, the dnsmasq file and the\n"
	"gate index match POLICY (by a hash stored in the table), how many addresses\n"
	"dnsmasq has added to each domain set, whether the socket marker is loaded,\n"
	"and whether the dnsmasq on config.dns.listen enforces the per-app name lists\n"
	"(dns names: enforced, FAIL-OPEN with the reason, no resolver, or off);\n"
	"when POLICY uses ping, whether net.ipv4.ping_group_range is config.ping_gids.\n"
	"A dnsmasq that started before config.dns.conf last changed (it has the old\n"
	"domain lists), and follow-up steps that failed in the last apply (exit 4),\n"
	"are reported and make the status NOT in sync.\n"
	"Then say which resolver answers: the first nameserver of resolv.conf, the\n"
	"program listening there on port 53 (dnsmasq, NetworkManager's dnsmasq,\n"
	"systemd-resolved or another), whether it is the one config.dns is written\n"
	"for, and whether that dnsmasq was built with nftset support. Last, whether\n"
	"the gatekeeper holds its file capability, cap_setgid=ep and nothing more\n"
	"(not part of \"in sync\": a policy can be applied before galaf is installed).\n"
	"  --json               the same as one JSON object\n"
	"  --verify             also compare the loaded table, object by object, with a\n"
	"                       fresh load of POLICY's ruleset in a private network\n"
	"                       namespace (learned addresses and counters aside): the\n"
	"                       hash says which policy was applied, not that nobody\n"
	"                       edited the table since; differences are listed and\n"
	"                       make the status NOT in sync\n"
	"  --resolv-conf FILE   read FILE instead of /etc/resolv.conf\n"
	"  --gatekeeper PATH    inspect PATH instead of " GALAF_PATH "\n"
	"\n"
	"Exit status: 0 in sync, 1 not in sync, 2 usage.\n";

struct status_args {
	bool json, verify;
	const char *resolv_conf, *gate_path;
};

static int status_opt(int c, void *ctx)
{
	struct status_args *a = ctx;

	if (c == 'j')
		a->json = true;
	else if (c == 'v')
		a->verify = true;
	else if (c == 'r')
		a->resolv_conf = optarg;
	else if (c == 'g')
		a->gate_path = optarg;
	return c != 'j' && c != 'v' && c != 'r' && c != 'g';
}

int cmd_status(int argc, char **argv)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' },
					      { "json", no_argument, NULL, 'j' },
					      { "resolv-conf", required_argument, NULL, 'r' },
					      { "verify", no_argument, NULL, 'v' },
					      { "gatekeeper", required_argument, NULL, 'g' },
					      { 0 } };
	struct status_args a = { false, false, "/etc/resolv.conf", GALAF_PATH };
	struct status st = { 0 };
	struct policy p;
	const char *file;
	int i = sub_getopt(argc, argv, status_help, opts, status_opt, &a);

	if (i < 0)
		return i == -1 ? 0 : 2;
	if (argc - i > 1) {
		usage_error("status: at most one POLICY");
		return 2;
	}
	file = argc - i == 1 ? argv[i] : DEFAULT_POLICY;
	if (load_and_check(file, 0, &p, true)) {
		policy_free(&p);
		return 1;
	}
	st.verify = a.verify;
	st.gate_path = a.gate_path;
	status_collect(&p, file, a.resolv_conf, &st);
	if (a.json)
		status_print_json(&p, file, &st);
	else
		status_print_text(&p, file, &st);
	host_state_free(&st.h);
	resolver_free(&st.res);
	strv_free(&st.hand_edits);
	diag_free(&st.verify_diags);
	free(st.gate_caps);
	free(st.gate_problem);
	free(st.incomplete);
	policy_free(&p);
	return st.in_sync ? 0 : 1;
}
