/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What each mark tried to reach and was refused (tried4/6, refused4/6),
 * and the addresses dnsmasq learned for the policy's domains.
 */
#ifndef GALAF_STATS_TRIED_H
#define GALAF_STATS_TRIED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/strbuf.h"
#include "nft/listing.h"
#include "policy/policy.h"

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

/*
 * Reads tried4/6 (when TRIED) and refused4/6, merged and sorted by key.
 * Returns 0 or -errno, nft's message in D.
 */
int tried_rows_read(struct nft_src *src, bool tried, struct tried_rows *ret, struct diags *d);
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

/* Returns 0 or -errno, nft's message in D. */
int learned_read(struct nft_src *src, const struct policy *p, struct learned *ret, struct diags *d);
void learned_free(struct learned *l);
/* Adds the domains of every set holding ADDR to OUT (sorted, unique). */
int learned_domains(const struct learned *l, const struct policy *p, int family,
		    const uint8_t *addr, struct strv *out);

#endif
