// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The fleet metrics of galaf-stats --prometheus: whether the machine runs
 * its policy, and the state status reports. One series per learned set at
 * most, never one per address or destination.
 */
#include <errno.h>
#include <string.h>

#include "cli/cli.h"
#include "policy/load_config.h"
#include "stats/export.h"
#include "stats/fleet.h"
#include "stats/namer.h"

static void gauge(struct strbuf *sb, const char *name, const char *help, double v)
{
	sb_printf(sb, "# HELP %s %s\n# TYPE %s gauge\n%s %.15g\n", name, help, name, name, v);
}

static void learned(struct strbuf *sb, const struct host_state *st)
{
	const char *name;
	json_t *n;

	sb_add(sb, "# HELP galaf_learned_addresses Addresses dnsmasq added to each learned set.\n"
		   "# TYPE galaf_learned_addresses gauge\n");
	json_object_foreach(st->sets, name, n)
	{
		size_t len = strlen(name);

		sb_add(sb, "galaf_learned_addresses{");
		prom_label(sb, "set", name);
		sb_printf(sb, ",family=\"%s\"} %lld\n", name[len - 1] == '4' ? "ipv4" : "ipv6",
			  (long long)json_integer_value(n));
	}
	gauge(sb, "galaf_learned_set_size_max",
	      "Addresses a learned set holds at most; dnsmasq adds no more to a full set.",
	      st->set_size_max ? (double)st->set_size_max : 65536);
}

static void names_state(struct strbuf *sb, const struct host_state *st)
{
	static const enum names_state all[] = { NAMES_ENFORCED, NAMES_FAIL_OPEN, NAMES_NO_RESOLVER,
						NAMES_OFF };

	sb_add(sb, "# HELP galaf_dns_names_state State of the per-app DNS name lists (1: the current one).\n"
		   "# TYPE galaf_dns_names_state gauge\n");
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		sb_printf(sb, "galaf_dns_names_state{state=\"%s\"} %d\n", names_state_name(all[i]),
			  st->dns.state == all[i]);
}

void fleet_prom(struct strbuf *sb, const struct host_state *st)
{
	gauge(sb, "galaf_table_loaded", "Whether galaf's table is loaded.", st->loaded);
	gauge(sb, "galaf_in_sync",
	      "Whether the loaded ruleset, dnsmasq file and gate index are what the policy renders to.",
	      st->in_sync);
	gauge(sb, "galaf_ruleset_in_sync", "Whether the loaded ruleset is the policy's.",
	      st->ruleset_in_sync);
	gauge(sb, "galaf_dnsmasq_in_sync", "Whether the dnsmasq file is the policy's.",
	      st->dns_in_sync);
	gauge(sb, "galaf_gate_in_sync", "Whether the gate index is the policy's.", st->gate_in_sync);
	sb_add(sb, "# HELP galaf_policy_info Hashes of what the policy renders to and of the loaded table.\n"
		   "# TYPE galaf_policy_info gauge\ngalaf_policy_info{");
	prom_label(sb, "policy_hash", st->policy_ok ? st->policy_hash : "");
	sb_addc(sb, ',');
	prom_label(sb, "loaded_hash", st->loaded ? st->loaded_hash : "");
	sb_add(sb, "} 1\n");
	gauge(sb, "galaf_apply_last_success_timestamp_seconds",
	      "When the last successful galaf-config apply saved its state.", st->last_apply);
	gauge(sb, "galaf_apply_last_failure_timestamp_seconds",
	      "When an apply last failed, while none succeeded since; 0 otherwise.",
	      st->last_failure > st->last_apply ? st->last_failure : 0);
	learned(sb, st);
	gauge(sb, "galaf_marker_loaded", "Whether the socket marker is loaded.", st->marker_pins > 0);
	names_state(sb, st);
}

/*
 * The policy's hash and outputs: from what the last apply saved while the
 * policy file is the one it applied (a render of 10,000 apps takes about a
 * second, too long for every 15 s), else rendered afresh as status does.
 */
static void fleet_compare(struct ctx *c, struct host_state *st)
{
	const char *file = c->o.policy ? c->o.policy : DEFAULT_POLICY;
	struct compiled cc = { 0 };
	struct policy full, *p = &c->pol;
	struct diags d = { 0 };

	if (host_state_compare_applied(&c->pol, st) == 0)
		return;
	/* A brief cannot be rendered: the whole policy then. */
	if (c->brief) {
		p = &full;
		if (names_policy_load(file, &full, &d)) {
			diag_print(&d, file, stderr);
			diag_free(&d);
			policy_free(&full);
			return;
		}
	}
	if (!require_ids(p, file) && !cli_compile(p, file, &cc))
		host_state_compare(p, &cc, st);
	compiled_free(&cc);
	if (p == &full)
		policy_free(&full);
}

int fleet_append(struct ctx *c, struct strbuf *sb)
{
	struct host_state st;
	struct policy defaults;

	if (c->has_policy) {
		host_state_probe(&c->pol, &st);
		fleet_compare(c, &st);
	} else {
		memset(&defaults, 0, sizeof(defaults));
		config_defaults(&defaults.cfg);
		host_state_probe(&defaults, &st);
		policy_free(&defaults);
	}
	fleet_prom(sb, &st);
	host_state_free(&st);
	return sb->oom ? -ENOMEM : 0;
}
