/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The counter sets keyed by mark (stats_out_pre, stats_out, stats_in),
 * read from the kernel over netlink, or from a saved JSON listing.
 */
#ifndef GALAF_STATS_ROWS_H
#define GALAF_STATS_ROWS_H

#include <stddef.h>
#include <stdint.h>

#include "nft/listing.h"

/* The counter sets keyed by mark, before and after the filter. */
struct stat_set {
	const char *set, *direction, *stage;
};

#define N_STAT_SETS 3
extern const struct stat_set stat_sets[N_STAT_SETS];

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
 * when that set does not exist. Returns 0 or -errno, nft's message in D.
 */
int nft_src_counters(struct nft_src *src, const char *const *names, size_t n, struct stat_rows *ret,
		     struct diags *d);
void stat_rows_free(struct stat_rows *r);

#endif
