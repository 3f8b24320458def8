// SPDX-License-Identifier: GPL-2.0-or-later
/* galaf-config: check, render and apply a galaf policy. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apply.h"
#include "check.h"
#include "cmds.h"
#include "diag.h"
#include "heap.h"
#include "load.h"
#include "marker.h"
#include "policy.h"
#include "render.h"
#include "strbuf.h"

static const char usage_text[] =
	"Usage: galaf-config COMMAND [OPTIONS] [POLICY]\n"
	"\n"
	"Compile a galaf policy (JSON) into one nftables table, a dnsmasq\n"
	"nftset file and the gatekeeper's index, and apply them atomically.\n"
	"\n"
	"Commands:\n"
	"  check POLICY                   validate; print every problem\n"
	"  render --nft|--dnsmasq|--gate POLICY\n"
	"                                 print one output, byte for byte what apply uses\n"
	"  apply [--dry-run] [--full] [POLICY]\n"
	"                                 one atomic transaction, dnsmasq file, gate index\n"
	"  rollback [POLICY]              re-apply the last known good policy\n"
	"  status [--json] [POLICY]       what is loaded; whether it matches POLICY\n"
	"  groups [--create] [POLICY]     app groups and their gids; create missing ones\n"
	"  cgroups [--sync] [POLICY]      cgroups that entries match; refresh their ids\n"
	"  suggest [POLICY] APP           allow entries for what APP tried and was refused\n"
	"  pin [--write] APP [POLICY]     the SHA-256 of APP's command; pin it in POLICY\n"
	"  marker load|unload|status [--cgroup DIR]\n"
	"                                 the eBPF socket marker\n"
	"  desktop --install|--remove [POLICY]\n"
	"                                 menu entries, D-Bus services and commands\n"
	"                                 that start apps through the gatekeeper\n"
	"\n"
	"POLICY defaults to " DEFAULT_POLICY " where it is optional.\n"
	"Exit status: 0 success, 1 invalid or refused, 2 usage, 3 system error.\n"
	"Run 'galaf-config COMMAND --help' for a command's options; see galaf-config(8)\n"
	"and galaf.json(5).\n";

void usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("galaf-config: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'galaf-config --help'.\n", stderr);
}

int load_and_check(const char *file, unsigned flags, struct policy *p, bool quiet_ok)
{
	struct diags d = { 0 };
	int ret;

	ret = policy_load(file, p, &d);
	/* Type errors do not stop the checks: every problem is reported at once. */
	if (p->loaded && policy_check(p, &d, flags))
		ret = -EINVAL;
	diag_print(&d, file, stderr);
	if (!ret && !quiet_ok && d.warnings)
		fprintf(stderr, "%s: %zu warning%s\n", file, d.warnings, d.warnings == 1 ? "" : "s");
	if (ret && d.errors)
		fprintf(stderr, "%s: %zu error%s, %zu warning%s\n", file, d.errors,
			d.errors == 1 ? "" : "s", d.warnings, d.warnings == 1 ? "" : "s");
	diag_free(&d);
	return ret;
}

/* Parses "--help" and the options in OPTS for a subcommand; returns optind or -1/-2. */
int sub_getopt(int argc, char **argv, const char *help, const struct option *opts,
	       int (*on_opt)(int c, void *ctx), void *ctx)
{
	int c, i;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "--version")) {
			printf("galaf-config %s\n", GALAF_VERSION);
			return -1;
		}
	}
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(help, stdout);
			return -1;
		}
		if (c == '?' || !on_opt || on_opt(c, ctx)) {
			usage_error("%s: unknown option '%s'", argv[0], argv[optind - 1]);
			return -2;
		}
	}
	return optind;
}

static const char check_help[] =
	"Usage: galaf-config check POLICY\n"
	"\n"
	"Validate POLICY completely and print every problem on stderr, as\n"
	"POLICY:LINE:COL: for JSON syntax and POLICY: PATH: for values, e.g.\n"
	"  galaf.json: groups.mail.allow[0].ports[1]: error: \"70000\" is out of range\n"
	"Raw nft fragments (rule, rule6) and the whole ruleset are test-loaded by\n"
	"libnftables in a private network namespace: nothing on this machine changes.\n"
	"Groups and users missing on this machine are warnings here (errors in apply).\n"
	"\n"
	"Exit status: 0 valid, 1 invalid, 2 usage.\n";

static int cmd_check(int argc, char **argv)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' }, { 0 } };
	struct policy p;
	int i = sub_getopt(argc, argv, check_help, opts, NULL, NULL), ret;

	if (i < 0)
		return i == -1 ? 0 : 2;
	if (argc - i != 1) {
		usage_error("check: expected one POLICY file");
		return 2;
	}
	heap_prefault_for(argv[i], HEAP_FACTOR_RENDER);
	ret = load_and_check(argv[i], CHECK_PINS, &p, false);
	if (!ret)
		ret = validate_in_private_netns(&p, argv[i]);
	policy_free(&p);
	if (ret)
		return 1;
	printf("%s: valid\n", argv[i]);
	return 0;
}

static const char render_help[] =
	"Usage: galaf-config render --nft|--dnsmasq|--gate POLICY\n"
	"\n"
	"Print one compiled output of POLICY on stdout, deterministic byte for byte:\n"
	"  --nft      the nftables script (loads with nft -f into an empty ruleset)\n"
	"  --dnsmasq  the dnsmasq file of nftset= lines\n"
	"  --gate     the gatekeeper's index\n"
	"Every group needs a gid: \"gid\" in the policy, or the group on this machine.\n"
	"\n"
	"Exit status: 0 rendered, 1 invalid policy, 2 usage.\n";

static int render_opt(int c, void *ctx)
{
	int *what = ctx;

	if (*what) {
		*what = -1;
		return 0;
	}
	*what = c;
	return 0;
}

static int cmd_render(int argc, char **argv)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' },
					      { "nft", no_argument, NULL, 'n' },
					      { "dnsmasq", no_argument, NULL, 'd' },
					      { "gate", no_argument, NULL, 'g' },
					      { 0 } };
	struct strbuf out = STRBUF_INIT;
	struct diags d = { 0 };
	struct policy p;
	int what = 0, i, ret;

	i = sub_getopt(argc, argv, render_help, opts, render_opt, &what);
	if (i < 0)
		return i == -1 ? 0 : 2;
	if (what <= 0 || argc - i != 1) {
		usage_error("render: give exactly one of --nft, --dnsmasq, --gate, and one POLICY");
		return 2;
	}
	heap_prefault_for(argv[i], HEAP_FACTOR_RENDER);
	ret = load_and_check(argv[i], 0, &p, true);
	if (!ret)
		ret = require_ids(&p, argv[i]);
	/* Output that nft would refuse is no output: raw fragments need the kernel's word. */
	if (!ret && policy_has_fragments(&p))
		ret = validate_in_private_netns(&p, argv[i]);
	if (!ret) {
		if (what == 'n')
			ret = render_nft(&p, &out);
		else if (what == 'd')
			ret = render_dnsmasq(&p, &out, &d);
		else
			ret = render_gate(&p, &out);
	}
	diag_print(&d, argv[i], stderr);
	if (!ret && fwrite(out.buf, 1, out.len, stdout) != out.len)
		ret = -EIO;
	sb_free(&out);
	diag_free(&d);
	policy_free(&p);
	return ret ? 1 : 0;
}

/* Every entry needs an id to render; say which do not have one. */
int require_ids(const struct policy *p, const char *file)
{
	size_t i, missing = 0;

	for (i = 0; i < p->n_entries; i++) {
		const struct entry *e = &p->entries[i];

		/* A user or a define-only group that is not here matches nothing: left out. */
		if (e->sys_id >= 0 || e->kind == ENTRY_USER || e->null_entry)
			continue;
		fprintf(stderr, "%s: %s.%s: error: no %s: give \"%s\" in the policy or %s\n", file,
			entry_kind_name(e), e->name, e->kind == ENTRY_GROUP ? "gid" : "uid",
			e->kind == ENTRY_GROUP ? "gid" : "uid",
			e->kind == ENTRY_GROUP ? "run 'galaf-config groups --create'"
					       : "create the user");
		missing++;
	}
	return missing ? -EINVAL : 0;
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
	"A second apply waits for the first. Exit status: 0 applied, 1 refused or\n"
	"failed (nothing changed; or the reload command failed after the commit, as\n"
	"the message says), 2 usage, 3 system error.\n";

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
	unsigned flags = APPLY_ROTATE;
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
	"read, /var/lib/galaf is used). A second rollback goes forward again.\n"
	"  --last-good   re-apply the last successfully applied policy instead\n"
	"                (what the boot service does when the policy file is broken)\n"
	"\n"
	"Exit status: 0 applied, 1 nothing to roll back to or refused, 2 usage, 3 system error.\n";

int cmd_rollback(int argc, char **argv)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' },
					      { "last-good", no_argument, NULL, 'n' },
					      { 0 } };
	bool last_good = false;
	struct diags d = { 0 };
	struct policy p;
	char *saved;
	const char *state = "/var/lib/galaf", *file;
	int i = sub_getopt(argc, argv, rollback_help, opts, apply_opt, &last_good), ret;

	if (i < 0)
		return i == -1 ? 0 : 2;
	if (argc - i > 1) {
		usage_error("rollback: at most one POLICY");
		return 2;
	}
	file = argc - i == 1 ? argv[i] : DEFAULT_POLICY;
	if (policy_load(file, &p, &d) == 0)
		state = p.cfg.state_dir;
	else
		fprintf(stderr, "galaf-config: cannot read %s; using the state in %s\n", file, state);
	if (asprintf(&saved, "%s/%s/policy.json", state, last_good ? "good" : "previous") < 0)
		saved = NULL;
	diag_free(&d);
	if (!saved || access(saved, R_OK) != 0) {
		fprintf(stderr, "galaf-config: nothing to roll back to: %s does not exist\n",
			saved ? saved : state);
		free(saved);
		policy_free(&p);
		return 1;
	}
	printf("galaf-config: re-applying %s\n", saved);
	/* The recovery path rebuilds the whole table rather than trust a delta. */
	ret = apply_policy_file(saved, APPLY_FULL | (last_good ? 0 : APPLY_ROTATE));
	free(saved);
	policy_free(&p);
	return ret;
}

bool policy_has_fragments(const struct policy *p)
{
	size_t i;

	for (i = 0; i < p->n_entries; i++)
		if (p->entries[i].rule || p->entries[i].rule6)
			return true;
	return false;
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} commands[] = {
	{ "check", cmd_check },	      { "render", cmd_render },	  { "apply", cmd_apply },
	{ "rollback", cmd_rollback }, { "status", cmd_status },	  { "groups", cmd_groups },
	{ "marker", cmd_marker },     { "suggest", cmd_suggest }, { "cgroups", cmd_cgroups },
	{ "desktop", cmd_desktop },   { "pin", cmd_pin },
};

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		fputs(usage_text, stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("galaf-config %s\n", GALAF_VERSION);
		return 0;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	if (argv[1][0] == '-')
		usage_error("unknown option '%s'; options follow the command", argv[1]);
	else
		usage_error("unknown command '%s'", argv[1]);
	return 2;
}
