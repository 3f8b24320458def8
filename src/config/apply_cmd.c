// SPDX-License-Identifier: GPL-2.0-or-later
/* galaf-config apply and rollback: the command lines around apply.c. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "config/apply.h"
#include "config/cmds.h"
#include "config/followup.h"
#include "lib/fileio.h"
#include "lib/heap.h"
#include "policy/check.h"
#include "policy/load.h"

/*
 * The exit status of apply and rollback (man/galaf-config.8). EXIT_PARTIAL:
 * the ruleset was committed (the policy is in force), but a step after it
 * failed (putting the files in place, the dnsmasq reload, the ping range,
 * saving the state, the cgroup sets).
 */
enum { EXIT_APPLIED = 0, EXIT_REFUSED = 1, EXIT_USAGE = 2, EXIT_SYSTEM = 3, EXIT_PARTIAL = 4 };

static int exit_status(enum apply_outcome out)
{
	switch (out) {
	case APPLY_OK: return EXIT_APPLIED;
	case APPLY_REFUSED: return EXIT_REFUSED;
	case APPLY_PARTIAL: return EXIT_PARTIAL;
	case APPLY_FAILED: break;
	}
	return EXIT_SYSTEM;
}

/* How much of an apply_report is on the terminal already. */
struct printed {
	const char *file;
	FILE *msg;   /* the summary's stream: stderr with --print, whose stdout is the script */
	size_t recs; /* records printed */
	bool result; /* the script and summary printed */
};

/*
 * Prints what R holds that was not printed yet, in the order it happened:
 * messages on stderr, the nft commands on stdout and the summary line
 * where they came. apply_compiled calls it once the ruleset is committed
 * (R's progress), and the command once more at the end.
 */
static void print_report(struct apply_report *r, void *ctx)
{
	struct printed *o = ctx;

	if (r->has_result && !o->result) {
		diag_print_span(&r->d, o->recs, r->result_at, o->file, CONFIG_PROG, stderr);
		if (r->script.len)
			fputs(sb_str(&r->script), stdout);
		if (r->summary.len)
			fprintf(o->msg, "%s: %s\n", o->file, sb_str(&r->summary));
		o->recs = r->result_at;
		o->result = true;
	}
	diag_print_span(&r->d, o->recs, r->d.n, o->file, CONFIG_PROG, stderr);
	o->recs = r->d.n;
	/* The reload command writes to our stdout too: ours must be out first. */
	fflush(stdout);
}

/*
 * Says, for status, whether the follow-up steps of a committed apply all
 * worked, and how apply ended when they did not.
 */
static void note_followup(const struct policy *p, struct apply_report *r)
{
	const char *failed = r->failed.len ? sb_str(&r->failed) : NULL;

	if (failed)
		diag_say(&r->d, DIAG_ERROR, DIAG_BARE,
			 "applied, but a follow-up step failed (exit %d): %.*s", EXIT_PARTIAL,
			 diag_len(failed), failed);
	if (followup_mark(p->cfg.state_dir, failed))
		diag_say(&r->d, DIAG_ERROR, DIAG_PROGRAM | DIAG_BARE,
			 "cannot write %s/" STATE_INCOMPLETE, p->cfg.state_dir);
}

/* For galaf-stats' galaf_apply_last_failure_timestamp_seconds; never changes the exit status. */
static void record_outcome(const struct policy *p, bool ok, struct diags *d)
{
	int ret = mkdir_p(p->cfg.state_dir, 0755);

	if (!ret)
		ret = apply_outcome_record(p->cfg.state_dir, ok);
	if (ret)
		diag_say(d, DIAG_WARNING, DIAG_PROGRAM, "cannot record the outcome in %s: %s",
			 p->cfg.state_dir, strerror(-ret));
}

/* Loads, checks and compiles FILE, takes the state lock, and applies it; returns the exit status. */
static int apply_file(const char *file, unsigned flags)
{
	struct printed o = { file, flags & APPLY_PRINT ? stderr : stdout, 0, false };
	struct apply_report r = { .progress = print_report, .ctx = &o };
	bool dry_run = flags & APPLY_DRY_RUN, record = false;
	struct compiled c = { 0 };
	int lock = -1, code = EXIT_REFUSED;
	enum apply_outcome how;
	struct policy p;

	if (geteuid() != 0) {
		fprintf(stderr,
			"galaf-config: apply needs root: it changes the firewall and files under /etc\n");
		return EXIT_REFUSED;
	}
	heap_prefault_for(file, HEAP_FACTOR_DELTA);
	if (load_and_check(file, CHECK_STRICT_SYSTEM, &p, true))
		goto out;
	/* From here on p.cfg.state_dir is known, and a failure is recorded there. */
	record = (flags & APPLY_RECORD) && !dry_run;
	if (require_ids(&p, file))
		goto out;
	/* What a raw fragment may do is the kernel's to parse (see validate.c). */
	if (policy_has_fragments(&p) && cli_validate(&p, file)) {
		fprintf(stderr, "%s: refused; nothing was changed\n", file);
		goto out;
	}
	lock = cli_lock(p.cfg.state_dir);
	code = EXIT_SYSTEM;
	if (lock < 0) {
		fprintf(stderr, "galaf-config: cannot lock %s: %s\n", p.cfg.state_dir,
			strerror(-lock));
		goto out;
	}
	if (cli_compile(&p, file, &c))
		goto out;
	how = apply_compiled(&p, file, &c, flags, &r);
	code = exit_status(how);
	if (!dry_run && (how == APPLY_OK || how == APPLY_PARTIAL))
		note_followup(&p, &r);
out:
	if (record)
		record_outcome(&p, code == EXIT_APPLIED, &r.d);
	print_report(&r, &o);
	apply_report_free(&r);
	compiled_free(&c);
	policy_free(&p);
	if (lock >= 0)
		close(lock);
	return code;
}

static const char apply_help[] =
	"Usage: galaf-config apply [--dry-run] [--full] [--print] [POLICY]\n"
	"\n"
	"Check POLICY against this machine (its app groups must exist with their gids),\n"
	"render it, and load the ruleset in ONE nftables transaction: all of it or\n"
	"nothing. Addresses dnsmasq learned, counters and\n"
	"tried sets are kept; chains and sets of entries that left the policy go.\n"
	"Then put the dnsmasq file and the gate index in place (written beforehand,\n"
	"renamed after the commit), run config.dns.reload if the dnsmasq file changed,\n"
	"and keep POLICY as last known good under config.state_dir.\n"
	"When the loaded table is the one the last apply left (its hash says so),\n"
	"only the difference goes to the kernel: changed chains, added and removed\n"
	"elements, sets and chains; the rest, and what it learned, is not touched.\n"
	"  --dry-run   check everything with the kernel, change nothing\n"
	"  --full      rebuild every chain, set and map (still keeping learned\n"
	"              addresses and counters), e.g. after editing the table by hand\n"
	"  --print     print the nft commands of the transaction once it is accepted\n"
	"\n"
	"config.dns.reload is killed after config.dns.reload_timeout seconds (30).\n"
	"A second apply waits for the first. Exit status: 0 applied, 1 refused\n"
	"(nothing changed), 2 usage, 3 system error (nothing changed), 4 applied, but\n"
	"a follow-up step failed (the files, the reload command, the ping range or\n"
	"saving the state, as the message says; status reports it until an apply\n"
	"completes).\n";

static int apply_opt(int c, void *ctx)
{
	*(bool *)ctx = c == 'n';
	return c != 'n';
}

static int apply_flags_opt(int c, void *ctx)
{
	unsigned *flags = ctx;

	if (c == 'n')
		*flags |= APPLY_DRY_RUN;
	else if (c == 'f')
		*flags |= APPLY_FULL;
	else if (c == 'p')
		*flags |= APPLY_PRINT;
	else
		return 1;
	return 0;
}

int cmd_apply(int argc, char **argv)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' },
					      { "dry-run", no_argument, NULL, 'n' },
					      { "full", no_argument, NULL, 'f' },
					      { "print", no_argument, NULL, 'p' },
					      { 0 } };
	unsigned flags = APPLY_ROTATE | APPLY_RECORD;
	int i = sub_getopt(argc, argv, apply_help, opts, apply_flags_opt, &flags);

	if (i < 0)
		return i == -1 ? EXIT_APPLIED : EXIT_USAGE;
	if (argc - i > 1) {
		usage_error("apply: at most one POLICY");
		return EXIT_USAGE;
	}
	return apply_file(argc - i == 1 ? argv[i] : DEFAULT_POLICY, flags);
}

static const char rollback_help[] =
	"Usage: galaf-config rollback [--last-good] [POLICY]\n"
	"\n"
	"Re-apply the policy that was applied before the current one, from POLICY's\n"
	"config.state_dir (POLICY only locates the state directory; when it cannot be\n"
	"read, the directory named in POLICY.state_dir, which apply writes when\n"
	"config.state_dir is not the default, else /var/lib/galaf). A second rollback\n"
	"goes forward again.\n"
	"  --last-good   re-apply the last successfully applied policy instead\n"
	"                (what the boot service does when the policy file is broken)\n"
	"\n"
	"Exit status: 0 applied, 1 nothing to roll back to or refused, 2 usage, 3 system error,\n"
	"4 applied but a follow-up step failed (as apply).\n";

int cmd_rollback(int argc, char **argv)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' },
					      { "last-good", no_argument, NULL, 'n' },
					      { 0 } };
	bool last_good = false;
	struct diags d = { 0 };
	struct policy p;
	char *saved, *state = NULL;
	const char *file;
	int i = sub_getopt(argc, argv, rollback_help, opts, apply_opt, &last_good), ret;

	if (i < 0)
		return i == -1 ? EXIT_APPLIED : EXIT_USAGE;
	if (argc - i > 1) {
		usage_error("rollback: at most one POLICY");
		return EXIT_USAGE;
	}
	file = argc - i == 1 ? argv[i] : DEFAULT_POLICY;
	if (policy_load(file, &p, &d) == 0) {
		state = strdup(p.cfg.state_dir);
	} else {
		/* The broken file cannot say where its state is: apply left a note. */
		state = policy_state_dir(file);
		fprintf(stderr, "galaf-config: cannot read %s; using the state in %s\n", file,
			state ? state : DEFAULT_STATE_DIR);
	}
	if (!state || asprintf(&saved, "%s/%s/policy.json", state,
			       last_good ? STATE_GOOD : STATE_PREVIOUS) < 0)
		saved = NULL;
	diag_free(&d);
	if (!saved || access(saved, R_OK) != 0) {
		fprintf(stderr, "galaf-config: nothing to roll back to: %s does not exist\n",
			saved	? saved
			: state ? state
				: DEFAULT_STATE_DIR);
		free(saved);
		free(state);
		policy_free(&p);
		return EXIT_REFUSED;
	}
	free(state);
	printf("galaf-config: re-applying %s\n", saved);
	/* The recovery path rebuilds the whole table rather than trust a delta. */
	ret = apply_file(saved, APPLY_FULL | (last_good ? 0 : APPLY_ROTATE));
	free(saved);
	policy_free(&p);
	return ret;
}
