/* SPDX-License-Identifier: GPL-2.0-or-later */
/* galaf-stats' state, shared by its main, its exports and its tried tables. */
#ifndef GALAF_STATS_CTX_H
#define GALAF_STATS_CTX_H

#include <stdbool.h>
#include <stdint.h>

#include "nft/listing.h"
#include "policy/policy.h"
#include "stats/namer.h"
#include "stats/rows.h"
#include "stats/table.h"

struct opts {
	enum { OUT_TABLE, OUT_JSON, OUT_PROM } out;
	int style; /* -1 auto, 0 plain, 1 box */
	bool si, exact, tried;
	double watch;
	long count;
	const char *app, *policy, *table, *input, *output;
};

struct ctx {
	struct opts o;
	struct policy pol;
	bool has_policy;
	bool brief; /* pol holds only the brief the last apply saved (--prometheus) */
	struct nft_src src;
	struct namer names;
	bool box;
	bool no_table; /* --prometheus on a machine without the table: fleet metrics only */
};

/* One reading of the counter sets, and the rows shown from it. */
struct sample {
	struct stat_rows rows[N_STAT_SETS];
	double t;
};

struct vrow {
	uint32_t mark;
	uint64_t packets, bytes;
	double pps, bps;
};

struct view {
	const struct stat_set *set;
	struct vrow *v;
	size_t n;
	struct vrow total;
};

static inline void fmt_num(const struct ctx *c, char *buf, size_t len, double v, uint64_t exact,
			   bool bytes, bool rate)
{
	fmt_count(buf, len, v, exact, bytes, rate, c->o.exact, c->o.si);
}

#endif
