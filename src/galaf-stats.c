// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * galaf-stats: traffic per user/app from galaf's counter sets, read through
 * libnftables' JSON output; and what each app tried to reach (--tried).
 * The --json schema is docs/stats-json.md.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmds.h"
#include "names.h"
#include "policy.h"
#include "strbuf.h"

#define PROG	    "galaf-stats"
#define JSON_SCHEMA 1

static const char usage_text[] =
	"Usage: galaf-stats [--json|--prometheus] [--watch SECS [--count N]]\n"
	"                   [--tried [APP]] [--policy FILE] [--table NAME]\n"
	"                   [--box|--plain] [--si|--exact]\n"
	"\n"
	"Traffic per user/app from galaf's counters, one table per counter set:\n"
	"attempted out (every outgoing packet, before the filter), accepted out and\n"
	"accepted in. Rows are sorted by bytes; a mark with no user or app half\n"
	"shows '-' there, mark 0 is 'unmarked', unknown ids are numbers.\n"
	"Packets are scaled in SI units (k = 1000), bytes in IEC units (KiB = 1024).\n"
	"\n"
	"  --json            one JSON document (schema: docs/stats-json.md)\n"
	"  --prometheus      node_exporter textfile format: galaf_packets_total and\n"
	"                    galaf_bytes_total with user, app, mark, direction, stage\n"
	"  --watch SECS      rates per second over each SECS, redrawn in place on a\n"
	"                    terminal; with --json one document per line\n"
	"  --count N         stop --watch after N updates\n"
	"  --tried [APP]     destinations apps (or APP: a group, user or 0xMARK) tried\n"
	"                    to reach, with counters; refused ones are marked; domain\n"
	"                    names where the policy's learned sets know the address\n"
	"  --policy FILE     the policy, for the table name and domain names\n"
	"                    (default " DEFAULT_POLICY " when readable)\n"
	"  --table NAME      read table inet NAME (default: the policy's, else galaf)\n"
	"  --box, --plain    box drawing or plain columns (default: box on a terminal)\n"
	"  --si              bytes in SI units (kB = 1000)\n"
	"  --exact           exact numbers, no units\n"
	"  --input FILE      read a saved 'nft -j list table' instead of the kernel\n"
	"\n"
	"Needs root. Exit status: 0 ok, 1 cannot read the counters (not root, galaf\n"
	"not applied) or a bad policy, 2 usage. See galaf-stats(8).\n";

struct opts {
	enum { OUT_TABLE, OUT_JSON, OUT_PROM } out;
	int style; /* -1 auto, 0 plain, 1 box */
	bool si, exact, tried;
	double watch;
	long count;
	const char *app, *policy, *table, *input;
};

struct ctx {
	struct opts o;
	struct policy pol;
	bool has_policy;
	struct nft_src src;
	struct namer names;
	bool box;
};

static const struct stat_set {
	const char *set, *direction, *stage;
} stat_sets[] = {
	{ "stats_out_pre", "out", "attempted" },
	{ "stats_out", "out", "accepted" },
	{ "stats_in", "in", "accepted" },
};

#define N_SETS (sizeof(stat_sets) / sizeof(stat_sets[0]))

static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

/* "galaf-stats: MSG" or "galaf-stats: MSG: 'ARG'", and where to read more. */
static void usage_err(const char *msg, const char *arg)
{
	fprintf(stderr, PROG ": %s", msg);
	if (arg)
		fprintf(stderr, ": '%s'", arg);
	fputs("\nTry 'galaf-stats --help'.\n", stderr);
}

/* Numbers ---------------------------------------------------------------- */

static const char *const units_pk[] = { "", "k", "M", "G", "T", "P", "E" };
static const char *const units_iec[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
static const char *const units_si[] = { "B", "kB", "MB", "GB", "TB", "PB", "EB" };

static bool is_whole(double v)
{
	return v < 1e18 && (double)(unsigned long long)v == v;
}

/* Three significant digits: 1.23, 12.3, 123. */
static int digits(double v)
{
	if (v < 10)
		return 2;
	return v < 100 ? 1 : 0;
}

static void fmt_scaled(char *buf, size_t len, double v, double base, const char *const *units)
{
	size_t u = 0;

	while (v >= base && u < 6) {
		v /= base;
		u++;
	}
	if (u == 0 && is_whole(v))
		snprintf(buf, len, "%.0f%s%s", v, *units[0] ? " " : "", units[0]);
	else
		snprintf(buf, len, "%.*f%s%s", digits(v), v, *units[u] ? " " : "", units[u]);
}

/* A counter (RATE false) or a rate per second. */
static void fmt_num(const struct ctx *c, char *buf, size_t len, double v, uint64_t exact,
		    bool bytes, bool rate)
{
	if (c->o.exact && !rate)
		snprintf(buf, len, "%llu", (unsigned long long)exact);
	else if (c->o.exact)
		snprintf(buf, len, "%.1f", v);
	else if (!bytes && v < 10000)
		snprintf(buf, len, is_whole(v) ? "%.0f" : "%.1f", v);
	else if (!bytes)
		fmt_scaled(buf, len, v, 1000, units_pk);
	else
		fmt_scaled(buf, len, v, c->o.si ? 1000 : 1024, c->o.si ? units_si : units_iec);
}

/* Tables ---------------------------------------------------------------- */

struct table {
	size_t ncols;
	const char *const *heads;
	const char *align; /* 'l' or 'r' per column */
	struct strv cells;
	bool total; /* the last row is a total */
	bool oom;
};

static void cell(struct table *t, const char *s)
{
	if (strv_push(&t->cells, s))
		t->oom = true;
}

static size_t text_width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

static void pad_cell(struct strbuf *sb, const char *s, size_t width, bool right, bool last)
{
	size_t w = text_width(s), i;

	if (right)
		for (i = w; i < width; i++)
			sb_addc(sb, ' ');
	sb_add(sb, s);
	if (!right && !last)
		for (i = w; i < width; i++)
			sb_addc(sb, ' ');
}

static void box_rule(struct strbuf *sb, const size_t *w, size_t n, const char *const parts[3])
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		sb_add(sb, i ? parts[1] : parts[0]);
		for (j = 0; j < w[i] + 2; j++)
			sb_add(sb, "\u2500");
	}
	sb_add(sb, parts[2]);
	sb_addc(sb, '\n');
}

static void table_row(struct strbuf *sb, const struct table *t, const char *const *row,
		      const size_t *w, bool box)
{
	size_t i;

	for (i = 0; i < t->ncols; i++) {
		const char *s = row[i];

		if (!box && !*s)
			s = "-";
		sb_add(sb, box ? "\u2502 " : i ? "  " : "");
		pad_cell(sb, s, w[i], t->align[i] == 'r', !box && i + 1 == t->ncols);
		if (box)
			sb_addc(sb, ' ');
	}
	sb_add(sb, box ? "\u2502\n" : "\n");
}

static void table_render(struct strbuf *sb, const char *title, const struct table *t, bool box)
{
	static const char *const top[] = { "\u250c", "\u252c", "\u2510" };
	static const char *const mid[] = { "\u251c", "\u253c", "\u2524" };
	static const char *const bot[] = { "\u2514", "\u2534", "\u2518" };
	size_t w[16] = { 0 }, rows = t->cells.n / t->ncols, i, r;

	for (i = 0; i < t->ncols; i++)
		w[i] = text_width(t->heads[i]);
	for (i = 0; i < t->cells.n; i++)
		if (text_width(t->cells.v[i]) > w[i % t->ncols])
			w[i % t->ncols] = text_width(t->cells.v[i]);
	sb_printf(sb, "%s\n", title);
	if (box)
		box_rule(sb, w, t->ncols, top);
	table_row(sb, t, t->heads, w, box);
	if (box)
		box_rule(sb, w, t->ncols, mid);
	for (r = 0; r < rows; r++) {
		if (box && t->total && r + 1 == rows && rows > 1)
			box_rule(sb, w, t->ncols, mid);
		table_row(sb, t, (const char *const *)t->cells.v + r * t->ncols, w, box);
	}
	if (box)
		box_rule(sb, w, t->ncols, bot);
}

/* Counter sets ------------------------------------------------------------ */

struct sample {
	struct stat_rows rows[N_SETS];
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

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sample_free(struct sample *s)
{
	size_t i;

	for (i = 0; i < N_SETS; i++)
		stat_rows_free(&s->rows[i]);
}

static int sample_read(struct ctx *c, struct sample *s, char **ret_err)
{
	const char *names[N_SETS];
	size_t i;
	int ret;

	for (i = 0; i < N_SETS; i++)
		names[i] = stat_sets[i].set;
	ret = nft_src_counters(&c->src, names, N_SETS, s->rows, ret_err);
	s->t = now();
	return ret;
}

static int cmp_vrow(const void *a, const void *b)
{
	const struct vrow *x = a, *y = b;

	if (x->bytes != y->bytes)
		return x->bytes > y->bytes ? -1 : 1;
	if (x->packets != y->packets)
		return x->packets > y->packets ? -1 : 1;
	return x->mark < y->mark ? -1 : x->mark > y->mark;
}

/* Counter increase from PREV; a counter that went down was reset. */
static uint64_t delta(uint64_t cur, uint64_t prev)
{
	return cur >= prev ? cur - prev : cur;
}

/* Rows of CUR, or with PREV its increases (rows that grew) and rates. */
static int view_build(struct view *v, const struct stat_set *set, const struct stat_rows *cur,
		      const struct stat_rows *prev, double secs)
{
	size_t i, j = 0;

	memset(v, 0, sizeof(*v));
	v->set = set;
	v->v = calloc(cur->n + 1, sizeof(*v->v));
	if (!v->v)
		return -ENOMEM;
	for (i = 0; i < cur->n; i++) {
		struct vrow *r = &v->v[v->n];
		const struct stat_row *s = &cur->v[i];

		r->mark = s->mark;
		r->packets = s->packets;
		r->bytes = s->bytes;
		if (prev) {
			while (j < prev->n && prev->v[j].mark < s->mark)
				j++;
			if (j < prev->n && prev->v[j].mark == s->mark) {
				r->packets = delta(s->packets, prev->v[j].packets);
				r->bytes = delta(s->bytes, prev->v[j].bytes);
			}
			if (!r->packets && !r->bytes)
				continue;
			r->pps = (double)r->packets / secs;
			r->bps = (double)r->bytes / secs;
		}
		v->total.packets += r->packets;
		v->total.bytes += r->bytes;
		v->total.pps += r->pps;
		v->total.bps += r->bps;
		v->n++;
	}
	qsort(v->v, v->n, sizeof(*v->v), cmp_vrow);
	return 0;
}

static void views_free(struct view *v)
{
	size_t i;

	for (i = 0; i < N_SETS; i++)
		free(v[i].v);
}

static int views_build(struct view *v, const struct sample *cur, const struct sample *prev)
{
	size_t i;

	memset(v, 0, N_SETS * sizeof(*v));
	for (i = 0; i < N_SETS; i++)
		if (view_build(&v[i], &stat_sets[i], &cur->rows[i], prev ? &prev->rows[i] : NULL,
			       prev ? cur->t - prev->t : 0)) {
			views_free(v);
			return -ENOMEM;
		}
	return 0;
}

static void view_cells(struct ctx *c, struct table *t, const struct vrow *r, const char *label,
		       bool rate)
{
	char mark[16], pk[32], by[32];

	mark[0] = '\0';
	if (label)
		snprintf(mark, sizeof(mark), "0x%08x", r->mark);
	fmt_num(c, pk, sizeof(pk), rate ? r->pps : (double)r->packets, r->packets, false, rate);
	fmt_num(c, by, sizeof(by), rate ? r->bps : (double)r->bytes, r->bytes, true, rate);
	cell(t, label ? label : "total");
	cell(t, mark);
	cell(t, pk);
	cell(t, by);
}

static int view_table(struct ctx *c, struct strbuf *sb, const struct view *v, double secs)
{
	static const char *const heads[] = { "user/app", "mark", "packets", "bytes" };
	static const char *const rheads[] = { "user/app", "mark", "packets/s", "bytes/s" };
	struct table t = { .ncols = 4, .heads = secs ? rheads : heads, .align = "lrrr", .total = true };
	struct mark_name mn;
	char title[128];
	size_t i;

	for (i = 0; i < v->n && !t.oom; i++) {
		if (namer_name(&c->names, v->v[i].mark, &mn))
			t.oom = true;
		else
			view_cells(c, &t, &v->v[i], mn.label, secs > 0);
	}
	view_cells(c, &t, &v->total, NULL, secs > 0);
	if (secs)
		snprintf(title, sizeof(title), "%s %s (%s), per second over %.1f s", v->set->stage,
			 v->set->direction, v->set->set, secs);
	else
		snprintf(title, sizeof(title), "%s %s (%s)", v->set->stage, v->set->direction,
			 v->set->set);
	if (!t.oom)
		table_render(sb, title, &t, c->box);
	strv_free(&t.cells);
	return t.oom ? -ENOMEM : 0;
}

/* JSON: docs/stats-json.md ----------------------------------------------- */

static json_t *json_mark(struct ctx *c, uint32_t mark)
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

static int write_out(struct strbuf *sb)
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
static int views_json(struct ctx *c, struct strbuf *sb, const struct view *v, double secs)
{
	const char *nl = secs ? "" : "\n", *in = secs ? "" : "  ";
	size_t i, r;

	sb_printf(sb, "{%s%s\"version\": %d,%s%s%s\"table\": ", nl, in, JSON_SCHEMA,
		  secs ? " " : "", nl, in);
	json_str(sb, c->src.table);
	if (secs)
		sb_printf(sb, ", \"interval\": %.3f", secs);
	sb_printf(sb, ",%s%s\"stats\": [", nl, in);
	for (i = 0; i < N_SETS; i++) {
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

static json_t *doc_head(struct ctx *c)
{
	return json_pack("{s:i, s:s}", "version", JSON_SCHEMA, "table", c->src.table);
}

static int json_print(json_t *doc)
{
	int ret = json_dumpf(doc, stdout, JSON_INDENT(2));

	if (!ret)
		ret = fputc('\n', stdout) == EOF;
	fflush(stdout);
	return ret ? -EIO : 0;
}

/* Prometheus text exposition format --------------------------------------- */

static void prom_label(struct strbuf *sb, const char *key, const char *val)
{
	sb_printf(sb, "%s=\"", key);
	for (; val && *val; val++) {
		if (*val == '\\' || *val == '"')
			sb_addc(sb, '\\');
		if (*val == '\n')
			sb_add(sb, "\\n");
		else
			sb_addc(sb, *val);
	}
	sb_addc(sb, '"');
}

static int prom_metric(struct ctx *c, struct strbuf *sb, const struct view *v, bool bytes)
{
	struct mark_name mn;
	char hex[16];
	size_t s, i;

	for (s = 0; s < N_SETS; s++) {
		for (i = 0; i < v[s].n; i++) {
			if (namer_name(&c->names, v[s].v[i].mark, &mn))
				return -ENOMEM;
			snprintf(hex, sizeof(hex), "0x%08x", mn.mark);
			sb_add(sb, bytes ? "galaf_bytes_total{" : "galaf_packets_total{");
			prom_label(sb, "user", mn.user);
			sb_addc(sb, ',');
			prom_label(sb, "app", mn.app);
			sb_printf(sb, ",mark=\"%s\",direction=\"%s\",stage=\"%s\"} %llu\n", hex,
				  v[s].set->direction, v[s].set->stage,
				  (unsigned long long)(bytes ? v[s].v[i].bytes : v[s].v[i].packets));
		}
	}
	return 0;
}

static int views_prom(struct ctx *c, struct strbuf *sb, const struct view *v)
{
	sb_add(sb, "# HELP galaf_packets_total Packets counted by galaf per user/app mark, direction and stage.\n"
		   "# TYPE galaf_packets_total counter\n");
	if (prom_metric(c, sb, v, false))
		return -ENOMEM;
	sb_add(sb, "# HELP galaf_bytes_total Bytes (IP packets, headers included) counted by galaf per user/app mark, direction and stage.\n"
		   "# TYPE galaf_bytes_total counter\n");
	return prom_metric(c, sb, v, true);
}

/* Like watch(1): home, clear, and what is shown. */
static void watch_header(const struct ctx *c, struct strbuf *sb)
{
	char when[16] = "";
	time_t t = time(NULL);
	struct tm tm;

	if (localtime_r(&t, &tm))
		strftime(when, sizeof(when), "%H:%M:%S", &tm);
	sb_printf(sb, "\033[H\033[2Jgalaf-stats: table inet %s, every %g s, %s (Ctrl-C stops)\n\n",
		  c->src.table, c->o.watch, when);
}

/* Prints one frame: counters, or with PREV the rates since PREV. */
static int show(struct ctx *c, const struct sample *cur, const struct sample *prev)
{
	struct strbuf sb = STRBUF_INIT;
	struct view v[N_SETS];
	double secs = prev ? cur->t - prev->t : 0;
	size_t i;
	int ret = views_build(v, cur, prev);

	if (ret)
		return ret;
	if (c->o.out == OUT_JSON) {
		ret = views_json(c, &sb, v, secs);
	} else if (c->o.out == OUT_PROM) {
		ret = views_prom(c, &sb, v);
	} else {
		if (prev && isatty(STDOUT_FILENO))
			watch_header(c, &sb);
		for (i = 0; !ret && i < N_SETS; i++) {
			sb_add(&sb, i ? "\n" : "");
			ret = view_table(c, &sb, &v[i], secs);
		}
		if (prev && !isatty(STDOUT_FILENO))
			sb_addc(&sb, '\n');
	}
	if (!ret)
		ret = write_out(&sb);
	sb_free(&sb);
	views_free(v);
	return ret;
}

/* Tried destinations -------------------------------------------------------- */

/* Domains for a tried row: the learned sets that hold its address. */
static int tried_domains(struct ctx *c, const struct learned *l, const struct tried_row *t,
			 struct strv *out)
{
	if (!c->has_policy)
		return 0;
	return learned_domains(l, &c->pol, t->family, t->addr, out);
}

static void strv_join(const struct strv *v, char *buf, size_t len)
{
	size_t i, off = 0;

	buf[0] = '\0';
	for (i = 0; i < v->n && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? "," : "", v->v[i]);
}

static int tried_cells(struct ctx *c, struct table *tb, const struct tried_row *t,
		       const struct strv *doms)
{
	char addr[64], proto[16], port[16], pk[32], by[32], dl[512];
	struct mark_name mn;

	if (namer_name(&c->names, t->mark, &mn))
		return -ENOMEM;
	tried_addr_format(t, addr, sizeof(addr));
	proto_format(t->proto, proto, sizeof(proto));
	port[0] = '\0';
	if (t->port || proto_has_ports(t->proto))
		snprintf(port, sizeof(port), "%u", t->port);
	fmt_num(c, pk, sizeof(pk), (double)t->packets, t->packets, false, false);
	fmt_num(c, by, sizeof(by), (double)t->bytes, t->bytes, true, false);
	strv_join(doms, dl, sizeof(dl));
	cell(tb, mn.label);
	cell(tb, addr);
	cell(tb, proto);
	cell(tb, port);
	cell(tb, pk);
	cell(tb, by);
	cell(tb, t->refused ? "refused" : "");
	cell(tb, dl);
	return tb->oom ? -ENOMEM : 0;
}

static json_t *tried_json_row(struct ctx *c, const struct tried_row *t, const struct strv *doms)
{
	char addr[64], proto[16];
	json_t *o = json_mark(c, t->mark), *d = json_array(), *port;
	size_t i;
	int err;

	tried_addr_format(t, addr, sizeof(addr));
	proto_format(t->proto, proto, sizeof(proto));
	for (i = 0; d && i < doms->n; i++)
		json_array_append_new(d, json_string(doms->v[i]));
	if (!o || !d) {
		json_decref(o);
		json_decref(d);
		return NULL;
	}
	port = t->port || proto_has_ports(t->proto) ? json_integer(t->port) : json_null();
	err = json_object_update_new(o,
				     json_pack("{s:i, s:s, s:s, s:i, s:o, s:I, s:I, s:b, s:I, s:I, s:o}",
					       "family", t->family, "address", addr, "proto", proto,
					       "proto_number", t->proto, "port", port, "packets",
					       (json_int_t)t->packets, "bytes", (json_int_t)t->bytes,
					       "refused", t->refused, "refused_packets",
					       (json_int_t)t->rpackets, "refused_bytes",
					       (json_int_t)t->rbytes, "domains", d));
	if (err) {
		json_decref(o);
		return NULL;
	}
	return o;
}

struct tried_out {
	struct table tb;
	json_t *rows;
};

static int tried_emit(struct ctx *c, const struct tried_rows *tr, const struct learned *l,
		      const struct who *w, struct tried_out *out)
{
	struct strv doms = { 0 };
	size_t i;
	int ret = 0;

	for (i = 0; !ret && i < tr->n; i++) {
		if (w && !who_match(w, tr->v[i].mark))
			continue;
		strv_free(&doms);
		ret = tried_domains(c, l, &tr->v[i], &doms);
		if (ret)
			break;
		if (!out->rows)
			ret = tried_cells(c, &out->tb, &tr->v[i], &doms);
		else if (json_array_append_new(out->rows, tried_json_row(c, &tr->v[i], &doms)))
			ret = -ENOMEM;
	}
	strv_free(&doms);
	return ret;
}

static int tried_print(struct ctx *c, const struct tried_rows *tr, const struct learned *l,
		       const struct who *w)
{
	static const char *const heads[] = { "user/app", "destination", "proto",   "port",
					     "packets",	 "bytes",	"refused", "domains" };
	struct tried_out out = { .tb = { .ncols = 8, .heads = heads, .align = "llllrrll" } };
	struct strbuf sb = STRBUF_INIT;
	json_t *doc = NULL;
	char title[160];
	int ret;

	if (c->o.out == OUT_JSON) {
		doc = doc_head(c);
		out.rows = json_array();
		if (!doc || !out.rows ||
		    json_object_set_new(doc, "app", c->o.app ? json_string(c->o.app) : json_null())) {
			json_decref(doc);
			json_decref(out.rows);
			return -ENOMEM;
		}
	}
	ret = tried_emit(c, tr, l, w, &out);
	if (!ret && doc) {
		ret = json_object_set_new(doc, "tried", out.rows) ? -ENOMEM : 0;
		out.rows = NULL;
		if (!ret)
			ret = json_print(doc);
	} else if (!ret) {
		snprintf(title, sizeof(title),
			 "destinations %s%stried (tried4/6), refused ones marked (refused4/6)",
			 c->o.app ? c->o.app : "", c->o.app ? " " : "");
		table_render(&sb, title, &out.tb, c->box);
		ret = write_out(&sb);
	}
	json_decref(out.rows);
	json_decref(doc);
	strv_free(&out.tb.cells);
	sb_free(&sb);
	return ret;
}

/* Setup and main ------------------------------------------------------------- */

static int report_read_error(const struct ctx *c, int ret, char *err)
{
	if (ret == -EPERM)
		fprintf(stderr,
			PROG ": reading nftables needs root (CAP_NET_ADMIN); run it as root\n");
	else if (ret == -ENOENT)
		fprintf(stderr,
			PROG
			": table inet %s is not loaded: galaf is not applied here (run 'galaf-config apply'), or name the table with --table\n",
			c->src.table);
	else if (ret == -EINVAL && !err)
		fprintf(stderr, PROG ": '%s' is not a valid nftables table name\n", c->src.table);
	else if (ret == -ENOMEM)
		fprintf(stderr, PROG ": out of memory\n");
	else
		fprintf(stderr, PROG ": cannot read table inet %s%s%s\n", c->src.table,
			err ? ": " : "", err ? err : "");
	free(err);
	return 1;
}

static int report_show_error(int ret)
{
	if (ret == -ENOMEM)
		fprintf(stderr, PROG ": out of memory\n");
	else
		fprintf(stderr, PROG ": cannot write the output: %s\n", strerror(-ret));
	return 1;
}

static const char *who_error(int ret)
{
	if (ret == -ENOENT)
		return "no such app or user (a mark needs the 0x prefix)";
	if (ret == -ERANGE)
		return "its id does not fit galaf's marks (16 bits, config.mark_mask)";
	return "not a mark: give up to 8 hex digits after 0x";
}

static int run_tried(struct ctx *c)
{
	struct tried_rows tr = { 0 };
	struct learned l = { 0 };
	struct who w = { 0 };
	char *err = NULL;
	int ret = 0;

	if (c->o.app) {
		ret = who_resolve(c->has_policy ? &c->pol : NULL, c->o.app, true, &w);
		if (ret) {
			fprintf(stderr, PROG ": %s: %s\n", c->o.app, who_error(ret));
			return 1;
		}
	}
	ret = tried_rows_read(&c->src, true, &tr, &err);
	if (!ret && c->has_policy)
		ret = learned_read(&c->src, &c->pol, &l, &err);
	if (!ret)
		ret = tried_print(c, &tr, &l, c->o.app ? &w : NULL);
	tried_rows_free(&tr);
	learned_free(&l);
	return ret ? report_read_error(c, ret, err) : 0;
}

static int sleep_secs(double secs)
{
	struct timespec ts = { .tv_sec = (time_t)secs,
			       .tv_nsec = (long)((secs - (double)(time_t)secs) * 1e9) };

	while (nanosleep(&ts, &ts) < 0)
		if (errno != EINTR || stop)
			return -EINTR;
	return 0;
}

static int run_stats(struct ctx *c)
{
	struct sample a, b, *prev = &a, *cur = &b, *t;
	char *err = NULL;
	long frame;
	int ret = sample_read(c, prev, &err);

	if (ret)
		return report_read_error(c, ret, err);
	if (!c->o.watch) {
		ret = show(c, prev, NULL);
		sample_free(prev);
		return ret ? report_show_error(ret) : 0;
	}
	for (frame = 0; !stop && (!c->o.count || frame < c->o.count); frame++) {
		if (sleep_secs(c->o.watch))
			break;
		ret = sample_read(c, cur, &err);
		if (ret) {
			report_read_error(c, ret, err);
			break;
		}
		ret = show(c, cur, prev);
		if (ret) {
			report_show_error(ret);
			break;
		}
		sample_free(prev);
		t = prev;
		prev = cur;
		cur = t;
	}
	sample_free(prev);
	return ret ? 1 : 0;
}

static int parse_watch(struct opts *o, const char *arg)
{
	char *end;

	errno = 0;
	o->watch = strtod(arg, &end);
	if (errno || end == arg || *end || !(o->watch >= 0.1 && o->watch <= 86400)) {
		usage_err("--watch takes seconds, 0.1 to 86400", arg);
		return -1;
	}
	return 0;
}

static int parse_count(struct opts *o, const char *arg)
{
	char *end;

	errno = 0;
	o->count = strtol(arg, &end, 10);
	if (errno || end == arg || *end || o->count < 1) {
		usage_err("--count takes a number of updates, 1 or more", arg);
		return -1;
	}
	return 0;
}

static const struct option long_opts[] = { { "help", no_argument, NULL, 'h' },
					   { "version", no_argument, NULL, 'V' },
					   { "json", no_argument, NULL, 'j' },
					   { "prometheus", no_argument, NULL, 'P' },
					   { "watch", required_argument, NULL, 'w' },
					   { "count", required_argument, NULL, 'c' },
					   { "tried", optional_argument, NULL, 't' },
					   { "policy", required_argument, NULL, 'p' },
					   { "table", required_argument, NULL, 'T' },
					   { "box", no_argument, NULL, 'B' },
					   { "plain", no_argument, NULL, 'L' },
					   { "si", no_argument, NULL, 'S' },
					   { "exact", no_argument, NULL, 'x' },
					   { "input", required_argument, NULL, 'i' },
					   { 0 } };

/* One option; returns 0, 1 (done: exit 0) or -1 (usage error). */
static int parse_one(struct opts *o, int ch, const char *arg)
{
	switch (ch) {
	case 'h': fputs(usage_text, stdout); return 1;
	case 'V': printf("galaf-stats %s\n", GALAF_VERSION); return 1;
	case 'j':
	case 'P':
		if (o->out != OUT_TABLE) {
			usage_err("give one of --json and --prometheus", NULL);
			return -1;
		}
		o->out = ch == 'j' ? OUT_JSON : OUT_PROM;
		return 0;
	case 'w': return parse_watch(o, arg);
	case 'c': return parse_count(o, arg);
	case 't':
		o->tried = true;
		o->app = arg;
		return 0;
	case 'p': o->policy = arg; return 0;
	case 'T': o->table = arg; return 0;
	case 'B':
	case 'L': o->style = ch == 'B'; return 0;
	case 'S':
	case 'x': *(ch == 'S' ? &o->si : &o->exact) = true; return 0;
	case 'i': o->input = arg; return 0;
	}
	return -1;
}

static int check_combination(struct opts *o, int argc, char **argv)
{
	if (o->tried && !o->app && optind < argc)
		o->app = argv[optind++];
	if (optind < argc) {
		usage_err("unexpected argument", argv[optind]);
		return -1;
	}
	if (o->tried && (o->watch || o->out == OUT_PROM)) {
		usage_err("--tried goes with neither --watch nor --prometheus", NULL);
		return -1;
	}
	if (o->count && !o->watch) {
		usage_err("--count needs --watch", NULL);
		return -1;
	}
	if (o->watch && o->out == OUT_PROM) {
		usage_err("--prometheus prints counters; Prometheus computes the rates", NULL);
		return -1;
	}
	return 0;
}

static int parse_args(struct opts *o, int argc, char **argv)
{
	int ch, r;

	memset(o, 0, sizeof(*o));
	o->style = -1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "hjw:", long_opts, NULL)) != -1) {
		if (ch == '?') {
			usage_err("unknown option or missing argument", argv[optind - 1]);
			return 2;
		}
		r = parse_one(o, ch, optarg);
		if (r)
			return r > 0 ? 0 : 2;
	}
	return check_combination(o, argc, argv) ? 2 : -1;
}

/* Box drawing on a UTF-8 terminal, unless --box or --plain says otherwise. */
static bool want_box(const struct opts *o)
{
	const char *cs;
	bool utf8;

	if (o->style >= 0)
		return o->style == 1;
	if (!isatty(STDOUT_FILENO))
		return false;
	setlocale(LC_CTYPE, "");
	cs = nl_langinfo(CODESET);
	utf8 = cs && !strcmp(cs, "UTF-8");
	setlocale(LC_CTYPE, "C");
	return utf8;
}

/* The policy: --policy FILE must load; the default only when it is there. */
static int setup_policy(struct ctx *c)
{
	const char *file = c->o.policy ? c->o.policy : DEFAULT_POLICY;
	struct diags d = { 0 };
	int ret;

	if (!c->o.policy && access(file, R_OK) != 0)
		return 0;
	ret = names_policy_load(file, &c->pol, &d);
	if (ret)
		diag_print(&d, file, stderr);
	diag_free(&d);
	if (ret && c->o.policy)
		return -1;
	if (ret) {
		fprintf(stderr, PROG ": going on without %s\n", file);
		policy_free(&c->pol);
		return 0;
	}
	c->has_policy = true;
	return 0;
}

static int setup(struct ctx *c)
{
	char *err = NULL;
	int ret;

	if (setup_policy(c))
		return 1;
	c->src.table = c->o.table ? c->o.table : c->has_policy ? c->pol.cfg.table : "galaf";
	namer_init(&c->names, c->has_policy ? &c->pol : NULL);
	c->box = want_box(&c->o);
	if (c->o.input && nft_src_load(&c->src, c->o.input, &err)) {
		fprintf(stderr, PROG ": %s\n", err ? err : "cannot read the listing");
		free(err);
		return 1;
	}
	ret = nft_src_check(&c->src, &err);
	return ret ? report_read_error(c, ret, err) : 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_stop };
	struct ctx c;
	int ret;

	memset(&c, 0, sizeof(c));
	ret = parse_args(&c.o, argc, argv);
	if (ret >= 0)
		return ret;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	ret = setup(&c);
	if (!ret)
		ret = c.o.tried ? run_tried(&c) : run_stats(&c);
	namer_free(&c.names);
	nft_src_free(&c.src);
	if (c.has_policy)
		policy_free(&c.pol);
	return ret;
}
