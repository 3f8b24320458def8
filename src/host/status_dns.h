/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Does the local resolver enforce the per-app name lists, or fail open? */
#ifndef GALAF_STATUS_DNS_H
#define GALAF_STATUS_DNS_H

#include <stdbool.h>
#include <sys/types.h>

#include "lib/strbuf.h"
#include "policy/policy.h"

enum names_state { NAMES_OFF, NAMES_NO_RESOLVER, NAMES_FAIL_OPEN, NAMES_ENFORCED };

struct dns_names {
	enum names_state state;
	pid_t pid;	    /* the dnsmasq serving config.dns.listen; 0 when none */
	char listen[64];    /* the address it was found on */
	bool is_dnsmasq;    /* /proc/PID/comm */
	bool conntrack;	    /* --conntrack on its command line or in a file it reads */
	bool allowlist;	    /* connmark-allowlist-enable likewise */
	bool cap_net_admin; /* in its effective capabilities */
	bool stale;	    /* it started before config.dns.conf last changed */
};

/* Finds the process listening on port 53 of config.dns.listen, in this network namespace. */
void dns_names_probe(const struct policy *p, struct dns_names *r);
const char *names_state_name(enum names_state s);
/* One line for galaf-config status, appended to SB. */
void dns_names_describe(const struct dns_names *r, struct strbuf *sb);

#endif
