/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Which resolver the machine uses, and whether it can fill galaf's sets. */
#ifndef GALAF_RESOLVER_H
#define GALAF_RESOLVER_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

#include "policy/policy.h"

enum resolver_kind {
	RES_NONE,	/* nothing listens on the address */
	RES_DNSMASQ,	/* a dnsmasq of its own */
	RES_NM_DNSMASQ, /* the dnsmasq NetworkManager runs */
	RES_RESOLVED,	/* systemd-resolved */
	RES_OTHER,	/* another program */
	RES_NOT_LOCAL,	/* resolv.conf names a resolver on another machine */
};

struct resolver {
	char resolv_conf[PATH_MAX];
	bool readable;
	struct strv nameservers; /* as resolv.conf lists them */
	enum resolver_kind kind;
	pid_t pid;
	char comm[32];
	char exe[PATH_MAX];
	int nftset;		 /* dnsmasq built with nftset: 1 yes, 0 no, -1 unknown */
	enum resolver_kind want; /* what config.dns is written for */
	bool points_at_it;	 /* the first nameserver is the resolver galaf configures */
	bool others_listed;	 /* more nameservers: glibc asks them when the first fails */
};

/* Inspects RESOLV_CONF and the listener on its first nameserver's port 53. */
void resolver_inspect(const struct config *c, const char *resolv_conf, struct resolver *r);
void resolver_free(struct resolver *r);
/* The process on UDP port 53 of ADDR (or of the wildcard address) in this network namespace; 0 if none. */
pid_t resolver_listener(const char *addr);
const char *resolver_kind_name(enum resolver_kind k);
const char *resolver_kind_id(enum resolver_kind k); /* "dnsmasq", "systemd-resolved", ... */

#endif
