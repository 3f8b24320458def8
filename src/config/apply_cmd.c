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
#include "lib/heap.h"
#include "policy/check.h"
#include "policy/load.h"

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
		return i == -1 ? 0 : 2;
	if (argc - i > 1) {
		usage_error("apply: at most one POLICY");
		return 2;
	}
	return apply_policy_file(argc - i == 1 ? argv[i] : DEFAULT_POLICY, flags);
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
		return i == -1 ? 0 : 2;
	if (argc - i > 1) {
		usage_error("rollback: at most one POLICY");
		return 2;
	}
	file = argc - i == 1 ? argv[i] : DEFAULT_POLICY;
	if (policy_load(file, &p, &d) == 0) {
		state = strdup(p.cfg.state_dir);
	} else {
		/* The broken file cannot say where its state is: apply left a note. */
		state = followup_state_dir(file);
		fprintf(stderr, "galaf-config: cannot read %s; using the state in %s\n", file,
			state ? state : DEFAULT_STATE_DIR);
	}
	if (!state ||
	    asprintf(&saved, "%s/%s/policy.json", state, last_good ? "good" : "previous") < 0)
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
		return 1;
	}
	free(state);
	printf("galaf-config: re-applying %s\n", saved);
	/* The recovery path rebuilds the whole table rather than trust a delta. */
	ret = apply_policy_file(saved, APPLY_FULL | (last_good ? 0 : APPLY_ROTATE));
	free(saved);
	policy_free(&p);
	return ret;
}
