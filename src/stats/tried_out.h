/* SPDX-License-Identifier: GPL-2.0-or-later */
/* galaf-stats --tried: what each app tried to reach, as a table or JSON. */
#ifndef GALAF_STATS_TRIED_OUT_H
#define GALAF_STATS_TRIED_OUT_H

#include <jansson.h>

#include "lib/strbuf.h"
#include "stats/ctx.h"
#include "stats/refused.h"
#include "stats/tried.h"
#include "stats/who.h"

/* The tried destinations, then the names dnsmasq refused (RN). */
int tried_print(struct ctx *c, const struct tried_rows *tr, const struct learned *l,
		const struct who *w, const struct refused_names *rn);

#endif
