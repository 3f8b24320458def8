/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Incremental re-apply: the difference between two rulesets galaf rendered,
 * as one nft script that turns a table loaded from the first into the
 * second without touching what is the same (learned addresses, counters,
 * unchanged chains, unchanged set elements).
 */
#ifndef GALAF_DELTA_H
#define GALAF_DELTA_H

#include <stddef.h>

#include "policy/policy.h"
#include "lib/strbuf.h"

struct delta_stats {
	size_t chains_changed, chains_added, chains_removed;
	size_t sets_added, sets_removed, learned_removed;
	size_t elems_added, elems_removed;
	size_t learned_emptied; /* learned sets flushed: a domain feeding them left */
};

/*
 * Writes to OUT the commands that turn table inet TABLE, as loaded from
 * OLD_NFT, into NEW_NFT. Returns 0, 1 when the change cannot be expressed
 * as a delta (a set's or a base chain's declaration changed, or a text
 * galaf did not render: the caller rebuilds the table), or -ENOMEM.
 */
int delta_build(const char *table, const char *old_nft, const char *new_nft, struct strbuf *out,
		struct delta_stats *st);

/*
 * The learned sets of table inet TABLE that must lose their addresses: a
 * set fed, in the dnsmasq file OLD_CONF, by a domain that no domain feeding
 * it in NEW_CONF covers (the same name or a parent) could hold addresses of
 * that domain, and dnsmasq cannot say which address came from which name.
 * Appends the set names to OUT, sorted. Returns 0 or -ENOMEM.
 */
int revoked_sets(const char *table, const char *old_conf, const char *new_conf, struct strv *out);

#endif
