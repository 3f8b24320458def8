/* SPDX-License-Identifier: GPL-2.0-or-later */
/* galaf-stats --json (docs/stats-json.md) and --prometheus. */
#ifndef GALAF_STATS_EXPORT_H
#define GALAF_STATS_EXPORT_H

#include <jansson.h>

#include "lib/strbuf.h"
#include "stats/ctx.h"

/* The version of --json's document (docs/stats-json.md). */
#define JSON_SCHEMA 1

int views_json(struct ctx *c, struct strbuf *sb, const struct view *v, double secs);
int views_prom(struct ctx *c, struct strbuf *sb, const struct view *v);
json_t *doc_head(struct ctx *c);
int json_print(json_t *doc);
json_t *json_mark(struct ctx *c, uint32_t mark);
int write_out(struct strbuf *sb);
/* KEY="VAL" with VAL escaped for the Prometheus text format. */
void prom_label(struct strbuf *sb, const char *key, const char *val);

#endif
