// SPDX-License-Identifier: GPL-2.0-or-later
/* galaf-config: check, render and apply a galaf policy. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "cmds.h"
#include "diag.h"
#include "load.h"
#include "policy.h"
#include "render.h"
#include "strbuf.h"

#define DEFAULT_POLICY "/etc/galaf/galaf.json"

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
	"  apply [--dry-run] [POLICY]     one atomic transaction, dnsmasq file, gate index\n"
	"  rollback [POLICY]              re-apply the last known good policy\n"
	"  status [--json] [POLICY]       what is loaded; whether it matches POLICY\n"
	"  groups [--create] [POLICY]     app groups and their gids; create missing ones\n"
	"  suggest [POLICY] APP           allow entries for what APP tried and was refused\n"
	"  marker load|unload|status [--cgroup DIR]\n"
	"                                 the eBPF socket marker\n"
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
	if (ret == 0 || (ret == -EINVAL && d.errors && d.v[0].line == 0))
		ret = policy_check(p, &d, flags) ? -EINVAL : ret;
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
	int c;

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
	ret = load_and_check(argv[i], 0, &p, false);
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
	ret = load_and_check(argv[i], 0, &p, true);
	if (!ret)
		ret = require_ids(&p, argv[i]);
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
			e->kind == ENTRY_GROUP ? "run 'galaf-config groups --create'" :
						 "create the user");
		missing++;
	}
	return missing ? -EINVAL : 0;
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} commands[] = {
	{ "check", cmd_check },
	{ "render", cmd_render },
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
	usage_error("unknown command '%s'", argv[1]);
	return 2;
}
