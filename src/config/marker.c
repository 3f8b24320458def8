// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * galaf-config marker: the command line of the socket marker (marker/),
 * which prints the marker's report and chooses the exit code.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "config/cmds.h"
#include "marker/marker.h"

#define PFX "galaf-config: marker: "

/* The exit codes of galaf-config marker. */
enum { EXIT_OK, EXIT_REFUSED, EXIT_USAGE, EXIT_SYSTEM };

static const char marker_help[] =
	"Usage: galaf-config marker load|unload|status [OPTION]...\n"
	"Load, unload or report the socket marker, a cgroup/sock_create BPF\n"
	"program that sets the mark of every new IPv4/IPv6 socket created in\n"
	"a cgroup (and its descendants) to (gid & 0xffff) << 16 | (uid & 0xffff),\n"
	"with uid 0 stored as 1.\n"
	"\n"
	"  --cgroup DIR    cgroup2 directory (default: the cgroup2 mount)\n"
	"  --object FILE   BPF object (default: " BPF_OBJECT ")\n"
	"  --mask MASK     bits of the mark the marker may set (default 0xffffffff;\n"
	"                  keep it equal to the policy's config.mark_mask)\n"
	"  --pin-dir DIR   where links are pinned, on bpffs (default: " MARKER_PIN_DIR ")\n"
	"  --all           unload: every cgroup with a link in the pin dir\n"
	"  -v, --verbose   show libbpf's messages (the verifier log)\n"
	"  -h, --help      show this help\n"
	"      --version   show the version\n"
	"\n"
	"Exit status: 0 ok (status: sockets in the cgroup are marked),\n"
	"1 refused or failed (status: not marked), 2 usage, 3 system error.\n";

enum { OPT_CGROUP = 256, OPT_OBJECT, OPT_PIN_DIR, OPT_ALL, OPT_VERSION, OPT_MASK };

static const struct option long_options[] = {
	{ "cgroup", required_argument, NULL, OPT_CGROUP },
	{ "object", required_argument, NULL, OPT_OBJECT },
	{ "pin-dir", required_argument, NULL, OPT_PIN_DIR },
	{ "mask", required_argument, NULL, OPT_MASK },
	{ "all", no_argument, NULL, OPT_ALL },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

struct marker_cli {
	struct marker_args a;
	char **argv;
};

static int marker_opt(int c, void *ctx)
{
	struct marker_cli *m = ctx;
	unsigned long mask;
	char *end;

	switch (c) {
	case OPT_CGROUP: m->a.cgroup = optarg; return 0;
	case OPT_OBJECT: m->a.object = optarg; return 0;
	case OPT_PIN_DIR: m->a.pin_dir = optarg; return 0;
	case OPT_ALL: m->a.all = true; return 0;
	case 'v': m->a.verbose = true; return 0;
	case OPT_MASK:
		errno = 0;
		mask = strtoul(optarg, &end, 0);
		if (!errno && !*end && *optarg && mask <= 0xffffffffUL) {
			m->a.mask = (uint32_t)mask;
			return 0;
		}
		usage_error("marker: --mask takes a 32-bit number such as 0xff00ffff: %s", optarg);
		return 1;
	default:
		usage_error("marker: unknown option or missing argument: %s", m->argv[optind - 1]);
		return 1;
	}
}

/* The verb and the options that go together; 0 when they do. */
static int check_args(const struct marker_args *a)
{
	const char *msg = NULL;

	if (strcmp(a->verb, "load") && strcmp(a->verb, "unload") && strcmp(a->verb, "status")) {
		usage_error("marker: unknown command (load, unload or status): %s", a->verb);
		return -1;
	}
	if (a->all && strcmp(a->verb, "unload"))
		msg = "--all goes with unload only";
	else if (a->all && a->cgroup)
		msg = "--all and --cgroup exclude each other";
	else if (!*a->pin_dir || !*a->object || (a->cgroup && !*a->cgroup))
		msg = "empty path";
	if (msg)
		usage_error("marker: %s", msg);
	return msg ? -1 : 0;
}

/*
 * libbpf's messages first (they came while loading, before anything was
 * done), then what was done or found, then what went wrong.
 */
static int report(const struct marker_report *rep, int ret)
{
	size_t i;

	for (i = 0; i < rep->d.n; i++)
		if (rep->d.v[i].level == DIAG_WARNING)
			fprintf(stderr, PFX "%s", rep->d.v[i].msg);
	for (i = 0; i < rep->lines.n; i++)
		printf(PFX "%s\n", rep->lines.v[i]);
	fflush(stdout);
	for (i = 0; i < rep->d.n; i++)
		if (rep->d.v[i].level == DIAG_ERROR)
			fprintf(stderr, PFX "%s\n", rep->d.v[i].msg);
	if (ret < 0)
		return rep->fault == MARKER_SYSTEM ? EXIT_SYSTEM : EXIT_REFUSED;
	return ret == 1 ? EXIT_REFUSED : EXIT_OK;
}

int cmd_marker(int argc, char **argv)
{
	struct marker_cli m = {
		.a = { .mask = 0xffffffffu, .object = BPF_OBJECT, .pin_dir = MARKER_PIN_DIR },
		.argv = argv,
	};
	struct marker_report rep = { 0 };
	int i = cli_getopt_any(argc, argv, "hv", marker_help, long_options, marker_opt, &m), ret;

	if (i < 0)
		return i == -1 ? EXIT_OK : EXIT_USAGE;
	if (i >= argc) {
		usage_error("marker: missing command (load, unload or status)");
		return EXIT_USAGE;
	}
	m.a.verb = argv[i++];
	if (i < argc) {
		usage_error("marker: unexpected argument: %s", argv[i]);
		return EXIT_USAGE;
	}
	if (check_args(&m.a))
		return EXIT_USAGE;
	ret = report(&rep, marker_run(&m.a, &rep));
	marker_report_free(&rep);
	return ret;
}
