/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What galaf-stats, galaf-tcpdump and galaf-config suggest share: naming a
 * conntrack mark as "user/app", resolving an APP|USER|0xMARK argument, and
 * reading galaf's counter, tried and learned sets from libnftables' JSON
 * (from the kernel, or from a saved `nft -j list table` for tests).
 * Mark layout: docs/marker.md. Nothing here prints.
 */
#ifndef GALAF_NAMES_H
#define GALAF_NAMES_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "policy.h"

/*
 * Loads and checks a policy for the tools (CHECK flags 0). Returns 0, -ENOENT
 * when FILE does not exist, -EACCES when it cannot be read, -EINVAL when it
 * has errors (in D).
 */
int names_policy_load(const char *file, struct policy *p, struct diags *d);

/* Names of ids, cached: the policy first, then the system's databases. */
struct id_map {
	struct id_slot *v;
	size_t n, cap;
	bool enumerated;
	unsigned direct;
};

struct namer {
	const struct policy *p;
	uint32_t mask; /* config.mark_mask */
	bool filled;
	struct id_map users, groups;
};

/* A mark, decoded. Strings belong to the namer. */
struct mark_name {
	uint32_t mark;
	const char *user; /* NULL: no uid half */
	const char *app;  /* NULL: no gid half */
	long uid, gid;	  /* -1 when absent; the uid half 1 is root, uid 0 */
	char label[160];  /* "user/app", "-/app", "user/-" or "unmarked" */
};

void namer_init(struct namer *n, const struct policy *p);
void namer_free(struct namer *n);
/* Returns 0 or -ENOMEM. */
int namer_name(struct namer *n, uint32_t mark, struct mark_name *ret);

/* An APP|USER|0xMARK argument: which conntrack marks it stands for. */
enum who_kind { WHO_APP, WHO_USER, WHO_MARK };

struct who {
	enum who_kind kind;
	uint32_t id;		   /* gid (app); the uid half (user, root is 1) */
	uint32_t mask, value;	   /* ct mark & mask == value */
	const struct entry *entry; /* its policy entry, or NULL */
};

/*
 * Resolves ARG: a policy group or user, a system group in the gid range, a
 * system user, another system group; with MARKS, "0x..." is a mark (a name
 * that reads as hex is still a name). The match keeps only the bits of
 * the policy's config.mark_mask. Returns 0, -ENOENT (no such name), -EINVAL
 * (a malformed mark) or -ERANGE (an id that does not fit 16 bits or the mask).
 */
int who_resolve(const struct policy *p, const char *arg, bool marks, struct who *ret);

static inline bool who_match(const struct who *w, uint32_t mark)
{
	return (mark & w->mask) == w->value;
}

/*
 * True when this process has CAP_NET_ADMIN, which nftables wants; checked
 * first, as libnftables would print its own message on stderr.
 */
bool have_net_admin(void);

/* Where set contents come from: the kernel, or a saved listing. */
struct nft_src {
	const char *table;
	json_t *saved; /* {"nftables": [...]} from `nft -j list table`, or NULL */
	char *text;    /* the same as text */
	size_t text_len;
};

/*
 * Loads a saved listing from FILE into SRC. Returns 0 or -errno; RET_ERR
 * gets a message to free.
 */
int nft_src_load(struct nft_src *src, const char *file, char **ret_err);
void nft_src_free(struct nft_src *src);
/*
 * Checks that table inet SRC->table exists. Returns 0, -ENOENT when it is
 * not loaded, -EPERM when nftables refused us, or -EIO; RET_ERR gets nft's
 * message (or NULL).
 */
int nft_src_check(struct nft_src *src, char **ret_err);
/*
 * The sets NAMES[0..N) of the table: RET[i] is a new reference, or NULL
 * when that set does not exist. Returns 0 or -errno (RET all NULL).
 */
int nft_src_sets(struct nft_src *src, const char *const *names, size_t n, json_t **ret,
		 char **ret_err);

/* One element of a counter set keyed by mark. */
struct stat_row {
	uint32_t mark;
	uint64_t packets, bytes;
};

struct stat_rows {
	struct stat_row *v;
	size_t n;
};

/*
 * The `type mark` counter sets NAMES[0..N): RET[i] sorted by mark, empty
 * when that set does not exist. Returns 0 or -errno.
 */
int nft_src_counters(struct nft_src *src, const char *const *names, size_t n, struct stat_rows *ret,
		     char **ret_err);
void stat_rows_free(struct stat_rows *r);

/* A destination one mark tried (tried4/6), and whether it was refused (refused4/6). */
struct tried_row {
	uint32_t mark;
	int family; /* 4 or 6 */
	uint8_t addr[16];
	int proto;
	unsigned port;		 /* 0 for protocols without ports */
	uint64_t packets, bytes; /* tried */
	bool refused;
	uint64_t rpackets, rbytes; /* refused */
};

struct tried_rows {
	struct tried_row *v;
	size_t n;
};

/* Reads tried4/6 (when TRIED) and refused4/6, merged and sorted by key. */
int tried_rows_read(struct nft_src *src, bool tried, struct tried_rows *ret, char **ret_err);
void tried_rows_free(struct tried_rows *r);
/* "10.0.0.1" or "fd00::1". */
void tried_addr_format(const struct tried_row *t, char *buf, size_t len);
/* "tcp", "icmpv6", or the number. */
void proto_format(int proto, char *buf, size_t len);

/* Addresses dnsmasq added to the policy's domain sets. */
struct learned {
	struct learned_addr *v;
	size_t n;
};

int learned_read(struct nft_src *src, const struct policy *p, struct learned *ret, char **ret_err);
void learned_free(struct learned *l);
/* Adds the domains of every set holding ADDR to OUT (sorted, unique). */
int learned_domains(const struct learned *l, const struct policy *p, int family,
		    const uint8_t *addr, struct strv *out);

#endif /* GALAF_NAMES_H */
