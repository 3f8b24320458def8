/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The fleet metrics of galaf-stats --prometheus: galaf-stats(8) lists them. */
#ifndef GALAF_STATS_FLEET_H
#define GALAF_STATS_FLEET_H

#include "stats/state.h"
#include "lib/strbuf.h"
#include "stats/ctx.h"

/* Appends the metrics of ST in the Prometheus text format. */
void fleet_prom(struct strbuf *sb, const struct host_state *st);
/* Reads this machine's state against C's policy (galaf's defaults without one) and appends it. */
int fleet_append(struct ctx *c, struct strbuf *sb);

#endif
