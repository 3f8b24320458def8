/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The names dnsmasq refused to each app, read back from the ruleset's sets (render/dns_refused.h). */
#ifndef GALAF_STATS_REFUSED_H
#define GALAF_STATS_REFUSED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/diag.h"
#include "nft/listing.h"

/* One refused question: the name (as far as the copy reaches), its type. */
struct refused_name {
	uint32_t mark;
	char name[256];
	bool truncated; /* only the first labels were copied: name ends in "..." */
	unsigned qtype; /* 0 when not copied */
	uint64_t packets;
};

struct refused_names {
	struct refused_name *v;
	size_t n;
};

/*
 * Reads both sets, decodes each element, and merges equal (mark, name,
 * type). Sets that do not exist (dns names off, an older table) read as
 * empty. Returns 0 or -errno.
 */
int refused_names_read(struct nft_src *src, struct refused_names *ret, struct diags *d);
void refused_names_free(struct refused_names *r);
/* "A", "AAAA", "SRV", "HTTPS", ... or the number. */
void dns_type_format(unsigned qtype, char *buf, size_t len);

#endif
