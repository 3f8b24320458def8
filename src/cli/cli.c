// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What every command line shares: option parsing, usage errors, and the
 * steps that print a library call's diagnostics once, at the edge.
 */
#include "cli/cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/lock.h"
#include "nft/validate.h"
#include "policy/check.h"
#include "policy/load.h"

void usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", program_invocation_short_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help'.\n", program_invocation_short_name);
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

/*
 * sub_getopt and cli_getopt_any: SHORTOPTS after getopt's rules; OWN_ERRORS
 * hands '?' to ON_OPT, which has then printed its usage error.
 */
static int cli_getopt(int argc, char **argv, const char *shortopts, bool own_errors, const char *help,
		      const struct option *opts, int (*on_opt)(int c, void *ctx), void *ctx)
{
	int c, i;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "--version")) {
			printf("%s %s\n", program_invocation_short_name, GALAF_VERSION);
			return -1;
		}
	}
	optind = 0; /* glibc: a full reset, as the order rules may differ from the last call's */
	opterr = 0;
	while ((c = getopt_long(argc, argv, shortopts, opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(help, stdout);
			return -1;
		}
		if (own_errors) {
			if (on_opt(c, ctx))
				return -2;
			continue;
		}
		if (c == '?' || !on_opt || on_opt(c, ctx)) {
			usage_error("%s: unknown option '%s'", argv[0], argv[optind - 1]);
			return -2;
		}
	}
	return optind;
}

int sub_getopt(int argc, char **argv, const char *help, const struct option *opts,
	       int (*on_opt)(int c, void *ctx), void *ctx)
{
	return cli_getopt(argc, argv, "+h", false, help, opts, on_opt, ctx);
}

int cli_getopt_any(int argc, char **argv, const char *shortopts, const char *help,
		   const struct option *opts, int (*on_opt)(int c, void *ctx), void *ctx)
{
	return cli_getopt(argc, argv, shortopts, true, help, opts, on_opt, ctx);
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

int cli_validate(struct policy *p, const char *file)
{
	struct diags d = { 0 };
	int ret = validate_in_private_netns(p, &d);

	diag_print(&d, file, stderr);
	diag_free(&d);
	return ret;
}

int cli_compile(struct policy *p, const char *file, struct compiled *c)
{
	struct diags d = { 0 };
	int ret = compile_policy(p, c, &d);

	diag_print(&d, file, stderr);
	diag_free(&d);
	return ret;
}

int cli_lock(const char *state_dir)
{
	int fd = state_lock(state_dir, false);

	if (fd != -EWOULDBLOCK)
		return fd;
	fprintf(stderr, "%s: waiting for another galaf-config to finish (lock %s/lock)\n",
		program_invocation_short_name, state_dir);
	return state_lock(state_dir, true);
}
