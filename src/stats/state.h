/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What this machine runs, against its policy: the loaded table's hash, the
 * dnsmasq file and gate index, the learned sets, the marker, the resolver's
 * name lists and the last apply. galaf-config status and galaf-stats's
 * Prometheus metrics both read it here (stats/, below config/).
 */
#ifndef GALAF_STATS_STATE_H
#define GALAF_STATS_STATE_H

#include <jansson.h>
#include <stdbool.h>

#include "host/status_dns.h"
#include "policy/policy.h"
#include "render/compile.h"

/* The ping range of the network namespace the command runs in. */
#define PING_RANGE_FILE "/proc/sys/net/ipv4/ping_group_range"
/* In config.state_dir: what the last successful apply saved. */
#define STATE_GOOD "good"
/* In config.state_dir: present while the last apply of the policy failed. */
#define APPLY_FAILED_FILE "apply-failed"

struct host_state {
	bool loaded; /* the table carries galaf's hash */
	char loaded_hash[17];
	bool policy_ok; /* the policy's hash is known */
	char policy_hash[17];
	bool ruleset_in_sync, dns_in_sync, gate_in_sync;
	bool ping_used, ping_in_sync;
	unsigned ping_lo, ping_hi; /* the kernel's range now */
	bool in_sync;		   /* all of the above that apply */
	json_t *sets;		   /* learned address set name -> element count */
	long set_size_max;	   /* the "size" of the learned sets */
	int marker_pins;
	struct dns_names dns;
	double last_apply;   /* seconds since the epoch of the last good apply; 0 none */
	double last_failure; /* of the last failed apply, when none succeeded since; 0 none */
};

/* The machine's side: loaded hash, learned sets, marker, name lists, applies. */
void host_state_probe(const struct policy *p, struct host_state *st);
/* Whether it runs C, P freshly compiled; sets the *_in_sync fields. */
void host_state_compare(const struct policy *p, const struct compiled *c, struct host_state *st);
/*
 * The same without rendering, from what the last apply saved in
 * config.state_dir, when P's bytes are the ones it applied; -ESTALE when
 * they are not (the caller compiles then), -ENOENT with no last apply.
 */
int host_state_compare_applied(const struct policy *p, struct host_state *st);
void host_state_free(struct host_state *st);

/* Records in STATE_DIR whether an apply of the policy succeeded (OK) or failed. */
int apply_outcome_record(const char *state_dir, bool ok);

#endif
