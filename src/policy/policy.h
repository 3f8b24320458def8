/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The in-memory policy. The loader fills what the file says; the checker
 * validates it and derives what rendering needs (ids, disjoint allow boxes,
 * domain sets). Rendering only reads it.
 */
#ifndef GALAF_POLICY_H
#define GALAF_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/netaddr.h"
#include "lib/strv.h"

/* config.gid_range when the policy gives none. */
#define POLICY_GID_MIN 30000
#define POLICY_GID_MAX 59999

#define FAM4	 1u
#define FAM6	 2u
#define ELLIPSIS "\xe2\x80\xa6" /* U+2026, where the caller's arguments go */
/* In "to": this machine's own addresses, whatever they are at the time. */
#define SELF_TARGET "self"

enum entry_kind { ENTRY_USER, ENTRY_GROUP };
enum mode { MODE_INHERIT = -1, MODE_ENFORCE = 0, MODE_AUDIT = 1 };
/* config.dns.foreign: what becomes of an entry's DNS to another server. */
enum dns_foreign { DNS_FOREIGN_REFUSE, DNS_FOREIGN_REDIRECT, DNS_FOREIGN_ALLOW };

struct port_range {
	unsigned lo, hi;
};

/* One element of "allow" (to) or "inbound" (from). */
struct allow {
	bool has_to, has_proto, has_ports;
	struct strv to;	   /* as written: addresses, CIDRs, domains */
	char *proto;	   /* as written (numbers as text) */
	struct strv ports; /* as written (numbers as text) */
	/* derived */
	int proto_num; /* -1: any protocol */
	struct port_range *pr;
	size_t n_pr;
	struct iprange *addrs;
	size_t n_addrs;
	struct strv domains; /* sorted, unique, lower case */
	int dset;	     /* domain set index or -1 */
	bool self;	     /* "to" lists "self": this machine's own addresses */
};

/* A set of addresses that dnsmasq fills from a list of domains. */
struct dset {
	char *name;	     /* base name; nft sets are NAME_4 and NAME_6 */
	struct strv domains; /* sorted, unique */
	unsigned families;
};

struct entry {
	enum entry_kind kind;
	char *name;
	bool null_entry; /* "name": null, define only */
	bool has_id;
	long id;     /* gid or uid as written */
	long sys_id; /* the id in force: written, or from this machine; -1 unknown */
	bool has_families;
	unsigned families;
	bool has_execv;
	struct strv execv;
	char *sha256; /* execv[0]'s pinned digest, lower-case hex; NULL when not pinned */
	bool has_domains;
	struct strv domains;
	char *domains_ref;  /* "domains": "other-entry" */
	char *rule, *rule6; /* NULL when absent */
	struct allow *allow;
	size_t n_allow;
	struct allow *inbound;
	size_t n_inbound;
	bool has_launchers;
	struct strv launchers;
	long *launcher_ids; /* each launcher's uid or gid on this machine, -1 unknown (check) */
	bool has_cgroups;
	struct strv cgroups; /* paths below the cgroup2 root, as written */
	bool supplementary_groups;
	bool no_new_privs;
	int mode;
	struct strv desktop; /* desktop entry ids (NAME.desktop) started through galaf */
	struct strv dbus;    /* D-Bus session service names started through galaf */
	bool wrapper;	     /* a command of the entry's name in the wrapper directory */
	bool ping;	     /* may open ICMP echo sockets (net.ipv4.ping_group_range) */
	/* derived */
	unsigned fams;	    /* families in force */
	int dset;	    /* set for "domains", or -1 */
	struct boxes boxes; /* static outbound allow-list, disjoint */
	struct boxes in_boxes;
	/* protocols and ports allowed to this machine's own addresses ("self");
	 * the address part of each box is unused */
	struct boxes self_boxes;
	int rule_line[4]; /* lines of rule/rule6 (x IPv4/IPv6) in the rendered nft */
	/* bit L: some path in "cgroups" has L components */
	unsigned cg_levels;
};

struct config {
	unsigned gid_min, gid_max;
	char *table;
	unsigned families;
	int mode;
	char *dns_preset; /* "networkmanager", "dnsmasq" or NULL */
	char *dns_conf;
	bool has_reload;
	struct strv dns_reload;
	long dns_reload_timeout;	 /* seconds before the reload command is killed */
	long dns_timeout;		 /* seconds a learned address lives unused; 0: forever */
	long dns_cache_ttl;		 /* max-cache-ttl written for dnsmasq; 0: none */
	struct strv dns_listen;		 /* the local resolver's addresses */
	struct iprange *dns_listen_addr; /* derived: parsed dns_listen */
	int dns_foreign;		 /* enum dns_foreign */
	bool dns_names; /* per-app name lists at the resolver (connmark-allowlist) */
	char *gate_index;
	char *state_dir;
	bool loopback;	    /* accept all loopback traffic */
	unsigned mark_mask; /* the bits of marks galaf uses; others stay 0 */
	bool has_ping_gids; /* config.ping_gids given */
	unsigned ping_min, ping_max;
	char *ping_sysctl; /* sysctl.d file apply writes; NULL: none */
};

struct policy {
	char *file;
	char *src; /* the bytes policy_load read (NULL from a buffer), NUL-terminated */
	size_t src_len;
	bool loaded; /* the file parsed as a JSON object: worth checking */
	struct config cfg;
	struct entry *entries; /* users first, then groups, each sorted by name */
	size_t n_entries;
	struct dset *dsets;
	size_t n_dsets;
};

void policy_free(struct policy *p);
struct entry *policy_find(const struct policy *p, const char *name);
const char *entry_kind_name(const struct entry *e); /* "users" or "groups" */
/* Whether an entry pings or config.ping_gids is given: then galaf owns ping_group_range. */
bool policy_uses_ping(const struct policy *p);

/* Deepest cgroup path galaf matches: cg_levels is a bit mask. */
#define CGROUP_MAX_LEVEL 31
/* Why PATH cannot be a "cgroups" path, or NULL; *RET_LEVEL gets its depth. */
const char *cgroup_path_problem(const char *path, unsigned *ret_level);

/* Whether any entry has a raw nft fragment (rule, rule6). */
bool policy_has_fragments(const struct policy *p);

#endif
