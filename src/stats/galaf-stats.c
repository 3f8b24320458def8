// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * galaf-stats: traffic per user/app from galaf's counter sets, read over
 * netlink (nft/netlink.c); and what each app tried to reach (--tried).
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

#include "cli/cli.h"
#include "nft/listing.h"
#include "stats/brief_load.h"
#include "stats/ctx.h"
#include "stats/export.h"
#include "stats/fleet.h"
#include "stats/namer.h"
#include "stats/outfile.h"
#include "stats/rows.h"
#include "stats/tried.h"
#include "stats/tried_out.h"
#include "stats/who.h"
#include "policy/policy.h"
#include "lib/heap.h"
#include "lib/strbuf.h"

#define PROG "galaf-stats"
/* The policy file's size times this is about what --prometheus allocates. */
#define HEAP_FACTOR_PROM 8

static const char usage_text[] =
	"Usage: galaf-stats [--json|--prometheus] [--watch SECS [--count N]]\n"
	"                   [--tried [APP]] [--policy FILE] [--table NAME]\n"
	"                   [--box|--plain] [--si|--exact] [--output FILE]\n"
	"\n"
	"Traffic per user/app from galaf's counters, one table per counter set:\n"
	"attempted out (every outgoing packet, before the filter), accepted out and\n"
	"accepted in. Rows are sorted by bytes; a mark with no user or app half\n"
	"shows '-' there, mark 0 is 'unmarked', unknown ids are numbers.\n"
	"Packets are scaled in SI units (k = 1000), bytes in IEC units (KiB = 1024).\n"
	"\n"
	"  --json            one JSON document (schema: docs/stats-json.md)\n"
	"  --prometheus      node_exporter textfile format: galaf_packets_total and\n"
	"                    galaf_bytes_total with user, app, mark, direction, stage,\n"
	"                    and the fleet metrics: in sync, policy hash, last apply,\n"
	"                    learned addresses per set, marker, DNS name lists\n"
	"  --output FILE     write to a temporary file beside FILE, then rename it\n"
	"                    over FILE (for node_exporter's textfile directory)\n"
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
	"not applied: with --prometheus, only the fleet metrics are written then) or\n"
	"a bad policy, 2 usage. See galaf-stats(8).\n";

static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

/* Counter sets ------------------------------------------------------------ */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sample_free(struct sample *s)
{
	size_t i;

	for (i = 0; i < N_STAT_SETS; i++)
		stat_rows_free(&s->rows[i]);
}

static int sample_read(struct ctx *c, struct sample *s, struct diags *d)
{
	const char *names[N_STAT_SETS];
	size_t i;
	int ret;

	for (i = 0; i < N_STAT_SETS; i++)
		names[i] = stat_sets[i].set;
	ret = nft_src_counters(&c->src, names, N_STAT_SETS, s->rows, d);
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

	for (i = 0; i < N_STAT_SETS; i++)
		free(v[i].v);
}

static int views_build(struct view *v, const struct sample *cur, const struct sample *prev)
{
	size_t i;

	memset(v, 0, N_STAT_SETS * sizeof(*v));
	for (i = 0; i < N_STAT_SETS; i++)
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
	struct view v[N_STAT_SETS];
	double secs = prev ? cur->t - prev->t : 0;
	size_t i;
	int ret = views_build(v, cur, prev);

	if (ret)
		return ret;
	if (c->o.out == OUT_JSON) {
		ret = views_json(c, &sb, v, secs);
	} else if (c->o.out == OUT_PROM) {
		ret = views_prom(c, &sb, v);
		/* They describe the machine, not a saved listing. */
		if (!ret && !c->o.input)
			ret = fleet_append(c, &sb);
	} else {
		if (prev && isatty(STDOUT_FILENO))
			watch_header(c, &sb);
		for (i = 0; !ret && i < N_STAT_SETS; i++) {
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

/* Setup and main ------------------------------------------------------------- */

/* Reports what reading the table left in D (and empties D): returns 1. */
static int report_read_error(const struct ctx *c, int ret, struct diags *d)
{
	const char *err = diag_first(d);

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
	diag_free(d);
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
	struct refused_names rn = { 0 };
	struct learned l = { 0 };
	struct who w = { 0 };
	struct diags d = { 0 };
	int ret = 0;

	if (c->o.app) {
		ret = who_resolve(c->has_policy ? &c->pol : NULL, c->o.app, true, &w);
		if (ret == -ENOTUNIQ) {
			fprintf(stderr, PROG ": '%s' " WHO_AMBIGUOUS "\n", c->o.app);
			return 1;
		}
		if (ret) {
			fprintf(stderr, PROG ": %s: %s\n", c->o.app, who_error(ret));
			return 1;
		}
	}
	ret = tried_rows_read(&c->src, true, &tr, &d);
	if (!ret && c->has_policy)
		ret = learned_read(&c->src, &c->pol, &l, &d);
	if (!ret)
		ret = refused_names_read(&c->src, &rn, &d);
	if (!ret)
		ret = tried_print(c, &tr, &l, c->o.app ? &w : NULL, &rn);
	tried_rows_free(&tr);
	learned_free(&l);
	refused_names_free(&rn);
	if (ret)
		return report_read_error(c, ret, &d);
	diag_free(&d);
	return 0;
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
	struct diags d = { 0 };
	long frame;
	int ret = 0;

	if (c->no_table)
		memset(prev, 0, sizeof(*prev));
	else
		ret = sample_read(c, prev, &d);
	if (ret)
		return report_read_error(c, ret, &d);
	if (!c->o.watch) {
		ret = show(c, prev, NULL);
		sample_free(prev);
		return ret ? report_show_error(ret) : 0;
	}
	for (frame = 0; !stop && (!c->o.count || frame < c->o.count); frame++) {
		if (sleep_secs(c->o.watch))
			break;
		ret = sample_read(c, cur, &d);
		if (ret) {
			report_read_error(c, ret, &d);
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
		usage_error("--watch takes seconds, 0.1 to 86400: '%s'", arg);
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
		usage_error("--count takes a number of updates, 1 or more: '%s'", arg);
		return -1;
	}
	return 0;
}

static const struct option long_opts[] = {
	{ "help", no_argument, NULL, 'h' },	    { "version", no_argument, NULL, 'V' },
	{ "json", no_argument, NULL, 'j' },	    { "prometheus", no_argument, NULL, 'P' },
	{ "watch", required_argument, NULL, 'w' },  { "count", required_argument, NULL, 'c' },
	{ "tried", optional_argument, NULL, 't' },  { "policy", required_argument, NULL, 'p' },
	{ "table", required_argument, NULL, 'T' },  { "box", no_argument, NULL, 'B' },
	{ "plain", no_argument, NULL, 'L' },	    { "si", no_argument, NULL, 'S' },
	{ "exact", no_argument, NULL, 'x' },	    { "input", required_argument, NULL, 'i' },
	{ "output", required_argument, NULL, 'o' }, { 0 }
};

/* One option; returns 0, 1 (done: exit 0) or -1 (usage error). */
static int parse_one(struct opts *o, int ch, const char *arg)
{
	switch (ch) {
	case 'h': fputs(usage_text, stdout); return 1;
	case 'V': printf("galaf-stats %s\n", GALAF_VERSION); return 1;
	case 'j':
	case 'P':
		if (o->out != OUT_TABLE) {
			usage_error("give one of --json and --prometheus");
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
	case 'o': o->output = arg; return 0;
	}
	return -1;
}

static int check_combination(struct opts *o, int argc, char **argv)
{
	if (o->tried && !o->app && optind < argc)
		o->app = argv[optind++];
	if (optind < argc) {
		usage_error("unexpected argument: '%s'", argv[optind]);
		return -1;
	}
	if (o->tried && (o->watch || o->out == OUT_PROM)) {
		usage_error("--tried goes with neither --watch nor --prometheus");
		return -1;
	}
	if (o->count && !o->watch) {
		usage_error("--count needs --watch");
		return -1;
	}
	if (o->watch && o->output) {
		usage_error("--output writes one document: it does not go with --watch");
		return -1;
	}
	if (o->watch && o->out == OUT_PROM) {
		usage_error("--prometheus prints counters; Prometheus computes the rates");
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
			usage_error("unknown option or missing argument: '%s'", argv[optind - 1]);
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
	/*
	 * Every 15 s from a timer: what the last apply saved of this very
	 * policy, and the pages the run will use asked for at once (a page
	 * fault costs 10-20 us under some hypervisors; see lib/heap.c).
	 */
	if (c->o.out == OUT_PROM) {
		heap_prefault_for(file, HEAP_FACTOR_PROM);
		if (policy_from_brief(file, &c->pol) == 0) {
			c->has_policy = c->brief = true;
			return 0;
		}
	}
	ret = names_policy_load(file, &c->pol, &d);
	if (ret)
		diag_print(&d, file, stderr);
	diag_free(&d);
	if (ret) {
		policy_free(&c->pol);
		if (c->o.policy)
			return -1;
		fprintf(stderr, PROG ": going on without %s\n", file);
		return 0;
	}
	c->has_policy = true;
	return 0;
}

static int setup(struct ctx *c)
{
	struct diags d = { 0 };
	int ret;

	if (setup_policy(c))
		return 1;
	c->src.table = c->o.table ? c->o.table : c->has_policy ? c->pol.cfg.table : "galaf";
	namer_init(&c->names, c->has_policy ? &c->pol : NULL);
	c->box = want_box(&c->o);
	if (c->o.input && nft_src_load(&c->src, c->o.input, &d)) {
		fprintf(stderr, PROG ": %s\n",
			diag_first(&d) ? diag_first(&d) : "cannot read the listing");
		diag_free(&d);
		return 1;
	}
	ret = nft_src_check(&c->src, &d);
	if (ret == -ENOENT && c->o.out == OUT_PROM && !c->o.input) {
		/* galaf_table_loaded 0 is what a fleet needs to see. */
		diag_free(&d);
		c->no_table = true;
		return 0;
	}
	if (ret)
		return report_read_error(c, ret, &d);
	diag_free(&d);
	return 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_stop };
	struct outfile out = { 0 };
	struct ctx c;
	int ret, err;

	memset(&c, 0, sizeof(c));
	ret = parse_args(&c.o, argc, argv);
	if (ret >= 0)
		return ret;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (c.o.output && (ret = outfile_begin(&out, c.o.output))) {
		fprintf(stderr, PROG ": cannot write beside %s: %s\n", c.o.output, strerror(-ret));
		return 1;
	}
	ret = setup(&c);
	if (!ret)
		ret = c.o.tried ? run_tried(&c) : run_stats(&c);
	if (c.o.output && (err = outfile_end(&out, ret == 0))) {
		fprintf(stderr, PROG ": cannot write %s: %s\n", c.o.output, strerror(-err));
		ret = 1;
	}
	namer_free(&c.names);
	nft_src_free(&c.src);
	if (c.has_policy)
		policy_free(&c.pol);
	return ret;
}
