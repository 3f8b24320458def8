// SPDX-License-Identifier: GPL-2.0-or-later
/* galaf-config marker: the command line of the socket marker (marker/). */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/cmds.h"
#include "marker/marker.h"

static void usage(FILE *f)
{
	fputs("Usage: galaf-config marker load|unload|status [OPTION]...\n"
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
	      "1 refused or failed (status: not marked), 2 usage, 3 system error.\n",
	      f);
}

static int usage_error(const char *msg, const char *arg)
{
	fprintf(stderr, MARKER_PFX "%s%s%s\n", msg, arg ? ": " : "", arg ? arg : "");
	fputs(MARKER_PFX "try 'galaf-config marker --help'\n", stderr);
	return MARKER_EXIT_USAGE;
}

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

/* Returns -1 to go on, or the exit code (help, version, usage errors). */
static int parse_options(int argc, char **argv, struct marker_args *a)
{
	int c;

	opterr = 0;
	optind = 0; /* glibc: full reset, the caller may have used getopt */
	while ((c = getopt_long(argc, argv, "hv", long_options, NULL)) != -1) {
		switch (c) {
		case OPT_CGROUP: a->cgroup = optarg; break;
		case OPT_OBJECT: a->object = optarg; break;
		case OPT_PIN_DIR: a->pin_dir = optarg; break;
		case OPT_MASK: {
			char *end;
			unsigned long m;

			errno = 0;
			m = strtoul(optarg, &end, 0);
			if (errno || *end || !*optarg || m > 0xffffffffUL)
				return usage_error("--mask takes a 32-bit number such as 0xff00ffff",
						   optarg);
			a->mask = (uint32_t)m;
			break;
		}
		case OPT_ALL: a->all = true; break;
		case 'v': a->verbose = true; break;
		case 'h': usage(stdout); return MARKER_EXIT_OK;
		case OPT_VERSION: printf("galaf-config %s\n", GALAF_VERSION); return MARKER_EXIT_OK;
		default: return usage_error("unknown option or missing argument", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return usage_error("missing command (load, unload or status)", NULL);
	a->verb = argv[optind++];
	if (optind < argc)
		return usage_error("unexpected argument", argv[optind]);
	return -1;
}

static int check_args(const struct marker_args *a)
{
	if (strcmp(a->verb, "load") && strcmp(a->verb, "unload") && strcmp(a->verb, "status"))
		return usage_error("unknown command (load, unload or status)", a->verb);
	if (a->all && strcmp(a->verb, "unload"))
		return usage_error("--all goes with unload only", NULL);
	if (a->all && a->cgroup)
		return usage_error("--all and --cgroup exclude each other", NULL);
	if (!*a->pin_dir || !*a->object || (a->cgroup && !*a->cgroup))
		return usage_error("empty path", NULL);
	return -1;
}

int cmd_marker(int argc, char **argv)
{
	struct marker_args a = {
		.mask = 0xffffffffu,
		.object = BPF_OBJECT,
		.pin_dir = MARKER_PIN_DIR,
	};
	struct marker_error e = { .exit_code = MARKER_EXIT_SYSTEM };
	int ret;

	ret = parse_options(argc, argv, &a);
	if (ret < 0)
		ret = check_args(&a);
	if (ret >= 0)
		return ret;
	ret = marker_run(&a, &e);
	if (ret < 0) {
		fprintf(stderr, MARKER_PFX "%s\n", e.msg);
		return e.exit_code;
	}
	return ret == 1 ? MARKER_EXIT_REFUSED : MARKER_EXIT_OK;
}
