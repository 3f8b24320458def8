// SPDX-License-Identifier: GPL-2.0-or-later
/* galaf-stats --json (docs/stats-json.md) and --prometheus. */
#include "stats/export.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

json_t *json_mark(struct ctx *c, uint32_t mark)
{
	struct mark_name mn;
	char hex[16];

	if (namer_name(&c->names, mark, &mn))
		return NULL;
	snprintf(hex, sizeof(hex), "0x%08x", mark);
	return json_pack("{s:I, s:s, s:s, s:s?, s:o, s:s?, s:o}", "mark", (json_int_t)mark,
			 "mark_hex", hex, "name", mn.label, "user", mn.user, "uid",
			 mn.uid >= 0 ? json_integer(mn.uid) : json_null(), "app", mn.app, "gid",
			 mn.gid >= 0 ? json_integer(mn.gid) : json_null());
}

/* Written directly: building 30,000 jansson objects would cost more than reading the sets. */
static void json_str(struct strbuf *sb, const char *s)
{
	const char *run;

	if (!s) {
		sb_add(sb, "null");
		return;
	}
	sb_addc(sb, '"');
	while (*s) {
		for (run = s; *s && *s != '"' && *s != '\\' && (unsigned char)*s >= 0x20; s++)
			;
		sb_addn(sb, run, (size_t)(s - run));
		if (*s == '"' || *s == '\\')
			sb_printf(sb, "\\%c", *s++);
		else if (*s)
			sb_printf(sb, "\\u%04x", (unsigned char)*s++);
	}
	sb_addc(sb, '"');
}

static void json_id(struct strbuf *sb, const char *key, long id)
{
	char buf[48];
	int n = id >= 0 ? snprintf(buf, sizeof(buf), ", \"%s\": %ld", key, id)
			: snprintf(buf, sizeof(buf), ", \"%s\": null", key);

	sb_addn(sb, buf, (size_t)n);
}

static void json_counts(struct strbuf *sb, const struct vrow *r, double secs)
{
	char buf[160];
	int n = snprintf(buf, sizeof(buf), "\"packets\": %llu, \"bytes\": %llu",
			 (unsigned long long)r->packets, (unsigned long long)r->bytes);

	if (secs)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n,
			      ", \"packets_per_second\": %.3f, \"bytes_per_second\": %.3f", r->pps,
			      r->bps);
	sb_addn(sb, buf, (size_t)n);
}

static int json_row(struct ctx *c, struct strbuf *sb, const struct vrow *r, double secs)
{
	struct mark_name mn;
	char buf[64];

	if (namer_name(&c->names, r->mark, &mn))
		return -ENOMEM;
	sb_addn(sb, buf,
		(size_t)snprintf(buf, sizeof(buf),
				 "{\"mark\": %u, \"mark_hex\": \"0x%08x\", \"name\": ", r->mark,
				 r->mark));
	json_str(sb, mn.label);
	sb_add(sb, ", \"user\": ");
	json_str(sb, mn.user);
	json_id(sb, "uid", mn.uid);
	sb_add(sb, ", \"app\": ");
	json_str(sb, mn.app);
	json_id(sb, "gid", mn.gid);
	sb_add(sb, ", ");
	json_counts(sb, r, secs);
	sb_addc(sb, '}');
	return 0;
}

int write_out(struct strbuf *sb)
{
	int ret = sb->oom ? -ENOMEM : 0;

	if (!ret && sb->len && fwrite(sb->buf, 1, sb->len, stdout) != sb->len)
		ret = -EIO;
	if (fflush(stdout))
		ret = -EIO;
	return ret;
}

/* Hands large output to stdio as it grows, so a big document is never held whole. */
static int spill(struct strbuf *sb)
{
	if (sb->oom)
		return -ENOMEM;
	if (sb->len < (1u << 16))
		return 0;
	if (fwrite(sb->buf, 1, sb->len, stdout) != sb->len)
		return -EIO;
	sb_reset(sb);
	return 0;
}

/* One document: pretty with a row per line, or (watch) on one line. */
int views_json(struct ctx *c, struct strbuf *sb, const struct view *v, double secs)
{
	const char *nl = secs ? "" : "\n", *in = secs ? "" : "  ";
	size_t i, r;

	sb_printf(sb, "{%s%s\"version\": %d,%s%s%s\"table\": ", nl, in, JSON_SCHEMA,
		  secs ? " " : "", nl, in);
	json_str(sb, c->src.table);
	if (secs)
		sb_printf(sb, ", \"interval\": %.3f", secs);
	sb_printf(sb, ",%s%s\"stats\": [", nl, in);
	for (i = 0; i < N_STAT_SETS; i++) {
		sb_printf(sb,
			  "%s%s%s%s{\"set\": \"%s\", \"direction\": \"%s\", \"stage\": \"%s\",%s%s%s%s\"total\": {",
			  i ? "," : "", nl, in, in, v[i].set->set, v[i].set->direction,
			  v[i].set->stage, nl, in, in, in);
		json_counts(sb, &v[i].total, secs);
		sb_printf(sb, "},%s%s%s%s\"rows\": [", nl, in, in, in);
		for (r = 0; r < v[i].n; r++) {
			sb_add(sb, secs ? (r ? "," : "") : (r ? ",\n        " : "\n        "));
			if (json_row(c, sb, &v[i].v[r], secs) || spill(sb))
				return sb->oom ? -ENOMEM : -EIO;
		}
		sb_printf(sb, "%s%s%s%s]}", v[i].n ? nl : "", v[i].n ? in : "", v[i].n ? in : "",
			  v[i].n ? in : "");
	}
	sb_printf(sb, "%s%s]%s}\n", nl, in, nl);
	return 0;
}

json_t *doc_head(struct ctx *c)
{
	return json_pack("{s:i, s:s}", "version", JSON_SCHEMA, "table", c->src.table);
}

int json_print(json_t *doc)
{
	int ret = json_dumpf(doc, stdout, JSON_INDENT(2));

	if (!ret)
		ret = fputc('\n', stdout) == EOF;
	fflush(stdout);
	return ret ? -EIO : 0;
}

void prom_label(struct strbuf *sb, const char *key, const char *val)
{
	size_t run;

	sb_add(sb, key);
	sb_addn(sb, "=\"", 2);
	while (val && *val) {
		run = strcspn(val, "\\\"\n");
		sb_addn(sb, val, run);
		val += run;
		if (!*val)
			break;
		sb_addn(sb, *val == '\n' ? "\\n" : *val == '"' ? "\\\"" : "\\\\", 2);
		val++;
	}
	sb_addc(sb, '"');
}

/* V in decimal, without printf: 60,000 lines of them. */
static void sb_u64(struct strbuf *sb, uint64_t v)
{
	char buf[24], *p = buf + sizeof(buf);

	do
		*--p = (char)('0' + v % 10);
	while (v /= 10);
	sb_addn(sb, p, (size_t)(buf + sizeof(buf) - p));
}

/* user="..",app="..",mark="0x........",direction="..",stage=".." of one row. */
static int prom_row_labels(struct ctx *c, struct strbuf *sb, const struct stat_set *set, uint32_t mark)
{
	static const char hex[] = "0123456789abcdef";
	char m[10] = { '0', 'x' };
	struct mark_name mn;

	if (namer_halves(&c->names, mark, &mn))
		return -ENOMEM;
	for (int i = 0; i < 8; i++)
		m[2 + i] = hex[(mark >> (28 - 4 * i)) & 0xf];
	prom_label(sb, "user", mn.user);
	sb_addc(sb, ',');
	prom_label(sb, "app", mn.app);
	sb_add(sb, ",mark=\"");
	sb_addn(sb, m, sizeof(m));
	sb_add(sb, "\",direction=\"");
	sb_add(sb, set->direction);
	sb_add(sb, "\",stage=\"");
	sb_add(sb, set->stage);
	sb_add(sb, "\"} ");
	return 0;
}

/* One metric's lines, handed to stdio as they grow (the text is 6.6 MB at 10,000 apps). */
static int prom_metric(struct ctx *c, struct strbuf *sb, const struct view *v, bool bytes)
{
	const char *name = bytes ? "galaf_bytes_total{" : "galaf_packets_total{";
	size_t s, i, nlen = strlen(name);
	int ret;

	for (s = 0; s < N_STAT_SETS; s++)
		for (i = 0; i < v[s].n; i++) {
			sb_addn(sb, name, nlen);
			ret = prom_row_labels(c, sb, v[s].set, v[s].v[i].mark);
			sb_u64(sb, bytes ? v[s].v[i].bytes : v[s].v[i].packets);
			sb_addc(sb, '\n');
			if (ret || (ret = spill(sb)))
				return ret;
		}
	return 0;
}

int views_prom(struct ctx *c, struct strbuf *sb, const struct view *v)
{
	int ret;

	sb_add(sb, "# HELP galaf_packets_total Packets counted by galaf per user/app mark, direction and stage.\n"
		   "# TYPE galaf_packets_total counter\n");
	ret = prom_metric(c, sb, v, false);
	if (ret)
		return ret;
	sb_add(sb, "# HELP galaf_bytes_total Bytes (IP packets, headers included) counted by galaf per user/app mark, direction and stage.\n"
		   "# TYPE galaf_bytes_total counter\n");
	return prom_metric(c, sb, v, true);
}

/* Like watch(1): home, clear, and what is shown. */
