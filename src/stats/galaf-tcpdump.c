// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * galaf-tcpdump APP|USER|0xMARK [tcpdump args]: the packets of one app or
 * user, by conntrack mark. Adds a table of its own (galaf_cap_PID) whose
 * input and output chains NFLOG the matching packets to a free group, runs
 * tcpdump -i nflog:GROUP, and deletes the table on every way out.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
#include "nft/listing.h"
#include "stats/namer.h"
#include "stats/rows.h"
#include "stats/tried.h"
#include "stats/who.h"
#include "nft/nft.h"

#define PROG	     "galaf-tcpdump"
#define CAP_PREFIX   "galaf_cap_"
#define CAP_PRIO     100
#define LOCK_FILE    "/run/lock/galaf-tcpdump.lock"
#define NFLOG_PROC   "/proc/net/netfilter/nfnetlink_log"
#define NFLOG_GROUPS 65536

static const char usage_text[] =
	"Usage: galaf-tcpdump [--policy FILE] APP|USER|0xMARK [TCPDUMP-ARGS...]\n"
	"\n"
	"Capture the packets of one app (a group: its gid half of the mark), one\n"
	"user (the uid half) or one exact conntrack mark (0x and up to 8 hex digits;\n"
	"a name that reads as hex is still a name). galaf-tcpdump adds its own table\n"
	"inet galaf_cap_PID with NFLOG rules in input and output (priority 100: the\n"
	"packets galaf accepted), runs 'tcpdump -i nflog:GROUP TCPDUMP-ARGS...' with a\n"
	"group no other capture uses, and deletes the table when tcpdump exits, on\n"
	"Ctrl-C, SIGTERM or SIGHUP (passed on to tcpdump), and when tcpdump cannot run.\n"
	"\n"
	"  --policy FILE   names of apps and users (default " DEFAULT_POLICY "\n"
	"                  when readable; else this machine's groups and users)\n"
	"\n"
	"Example: galaf-tcpdump firefox -n -c 20 'tcp port 443'\n"
	"Needs root. Exit status: tcpdump's; 1 on galaf-tcpdump's own errors, 2 usage,\n"
	"127 tcpdump not found. See galaf-tcpdump(8).\n";

struct cap {
	char table[48];
	unsigned group;
	bool created;
	struct who who;
};

/* The capture table ------------------------------------------------------ */

/* Marks groups bound in this network namespace (tcpdump, ulogd, ...). */
static void busy_bound(bool *busy)
{
	FILE *f = fopen(NFLOG_PROC, "re");
	unsigned long g;
	char line[256], *end;

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		g = strtoul(line, &end, 10);
		if (end != line && g < NFLOG_GROUPS)
			busy[g] = true;
	}
	fclose(f);
}

/* Marks the log groups in the rules of LISTING. */
static void busy_logged(json_t *listing, bool *busy)
{
	json_t *it, *e;
	size_t i, j;

	json_array_foreach(json_object_get(listing, "nftables"), i, it)
		json_array_foreach(json_object_get(json_object_get(it, "rule"), "expr"), j, e)
	{
		json_t *g = json_object_get(json_object_get(e, "log"), "group");

		if (json_is_integer(g) && json_integer_value(g) >= 0 &&
		    json_integer_value(g) < NFLOG_GROUPS)
			busy[json_integer_value(g)] = true;
	}
}

static int nft_listing(const char *cmd, unsigned flags, json_t **ret)
{
	char *out = NULL;
	int r = nft_run(cmd, NFT_RUN_JSON | flags, &out, NULL);

	*ret = r ? NULL : json_loads(out ? out : "", 0, NULL);
	free(out);
	return r ? r : *ret ? 0 : -EIO;
}

/* A capture table; deleted when the capture that made it is gone (SIGKILL). */
static void busy_capture(const char *name, bool *busy)
{
	char cmd[128];
	json_t *t;
	long pid = strtol(name + strlen(CAP_PREFIX), NULL, 10);

	if (pid > 0 && kill((pid_t)pid, 0) < 0 && errno == ESRCH) {
		snprintf(cmd, sizeof(cmd), "delete table inet %s", name);
		nft_run(cmd, 0, NULL, NULL);
		return;
	}
	snprintf(cmd, sizeof(cmd), "list table inet %s", name);
	if (nft_listing(cmd, 0, &t) == 0) {
		busy_logged(t, busy);
		json_decref(t);
	}
}

/*
 * Groups of the other captures, found by their chains: nft 1.0.6 lists
 * every set element for "list tables", but not for a terse "list chains".
 */
static void busy_captures(bool *busy)
{
	json_t *chains, *it, *seen = json_object();
	size_t i;

	if (!seen || nft_listing("list chains inet", NFT_RUN_TERSE, &chains)) {
		json_decref(seen);
		return;
	}
	json_array_foreach(json_object_get(chains, "nftables"), i, it)
	{
		const char *name =
			json_string_value(json_object_get(json_object_get(it, "chain"), "table"));

		if (!name || strncmp(name, CAP_PREFIX, strlen(CAP_PREFIX)) ||
		    json_object_get(seen, name))
			continue;
		json_object_set_new(seen, name, json_true());
		busy_capture(name, busy);
	}
	json_decref(chains);
	json_decref(seen);
}

static int pick_group(unsigned *ret)
{
	bool *busy = calloc(NFLOG_GROUPS, sizeof(*busy));
	unsigned g = (unsigned)getpid() % (NFLOG_GROUPS - 1) + 1, i;

	if (!busy)
		return -ENOMEM;
	busy_bound(busy);
	busy_captures(busy);
	for (i = 0; i < NFLOG_GROUPS - 1 && busy[g]; i++)
		g = g % (NFLOG_GROUPS - 1) + 1;
	free(busy);
	if (i == NFLOG_GROUPS - 1)
		return -EBUSY;
	*ret = g;
	return 0;
}

static void match_expr(const struct who *w, char *buf, size_t len)
{
	if (w->mask == 0xffffffffu)
		snprintf(buf, len, "ct mark 0x%08x", w->value);
	else
		snprintf(buf, len, "ct mark & 0x%08x == 0x%08x", w->mask, w->value);
}

static int cap_create(struct cap *c, struct diags *d)
{
	char match[64], *script;
	int ret;

	match_expr(&c->who, match, sizeof(match));
	if (asprintf(&script,
		     "table inet %s {\n"
		     "\tchain in {\n\t\ttype filter hook input priority %d; policy accept;\n"
		     /* A loopback packet was logged on its way out already. */
		     "\t\tiif \"lo\" accept\n"
		     "\t\t%s log group %u\n\t}\n"
		     "\tchain out {\n\t\ttype filter hook output priority %d; policy accept;\n"
		     "\t\t%s log group %u\n\t}\n"
		     "}\n",
		     c->table, CAP_PRIO, match, c->group, CAP_PRIO, match, c->group) < 0)
		return -ENOMEM;
	ret = nft_run(script, 0, NULL, d);
	free(script);
	c->created = ret == 0;
	return ret;
}

static void cap_delete(struct cap *c)
{
	char cmd[96];

	if (!c->created)
		return;
	snprintf(cmd, sizeof(cmd), "delete table inet %s", c->table);
	if (nft_run(cmd, 0, NULL, NULL) == 0)
		c->created = false;
}

/* Picks a group and adds the table, under a lock so captures never share a group. */
static int cap_setup(struct cap *c, struct diags *d)
{
	int fd = open(LOCK_FILE, O_RDWR | O_CREAT | O_CLOEXEC, 0600), ret;

	if (fd >= 0)
		while (flock(fd, LOCK_EX) < 0 && errno == EINTR)
			;
	snprintf(c->table, sizeof(c->table), CAP_PREFIX "%ld", (long)getpid());
	ret = pick_group(&c->group);
	if (!ret)
		ret = cap_create(c, d);
	if (fd >= 0)
		close(fd);
	return ret;
}

/* tcpdump ------------------------------------------------------------------- */

static const int fwd_signals[] = { SIGINT, SIGTERM, SIGHUP };

static void no_op(int sig)
{
	(void)sig;
}

/*
 * Signals wait in the mask for sigwaitinfo(). SIGINT and SIGTERM must not
 * stay ignored (a background job inherits an ignored SIGINT); an ignored
 * SIGHUP (nohup) stays ignored, for tcpdump too.
 */
static void signals_block(sigset_t *set, sigset_t *old)
{
	struct sigaction sa = { .sa_handler = no_op }, cur;
	size_t i;

	sigemptyset(&sa.sa_mask);
	sigemptyset(set);
	sigaddset(set, SIGCHLD);
	for (i = 0; i < sizeof(fwd_signals) / sizeof(fwd_signals[0]); i++) {
		sigaction(fwd_signals[i], NULL, &cur);
		if (fwd_signals[i] != SIGHUP || cur.sa_handler != SIG_IGN)
			sigaddset(set, fwd_signals[i]);
	}
	sigprocmask(SIG_BLOCK, set, old);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	sigaction(SIGCHLD, &sa, NULL);
}

static void child_exec(char **argv, const sigset_t *old, int errfd)
{
	int e;

	signal(SIGCHLD, SIG_DFL);
	sigprocmask(SIG_SETMASK, old, NULL);
	execvp(argv[0], argv);
	e = errno;
	(void)!write(errfd, &e, sizeof(e));
	_exit(127);
}

/* Forks tcpdump; returns its pid, or -errno when it could not be started. */
static pid_t spawn(char **argv, const sigset_t *old)
{
	int fds[2], e = 0;
	ssize_t n;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		e = errno;
		close(fds[0]);
		close(fds[1]);
		return -e;
	}
	if (pid == 0) {
		close(fds[0]);
		child_exec(argv, old, fds[1]);
	}
	close(fds[1]);
	while ((n = read(fds[0], &e, sizeof(e))) < 0 && errno == EINTR)
		;
	close(fds[0]);
	if (n == (ssize_t)sizeof(e)) {
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		return -e;
	}
	return pid;
}

/* Waits for tcpdump, passing on signals; returns its exit status. */
static int supervise(pid_t pid, const sigset_t *set)
{
	siginfo_t si;
	int status, n = 0;

	for (;;) {
		if (sigwaitinfo(set, &si) < 0)
			continue;
		if (si.si_signo == SIGCHLD) {
			if (waitpid(pid, &status, WNOHANG) == pid)
				break;
			continue;
		}
		/* A terminal's first Ctrl-C reaches tcpdump itself; kill(1)'s does not. */
		if (++n > 1 || si.si_code != SI_KERNEL)
			kill(pid, n > 3 ? SIGKILL : si.si_signo);
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

/* argv for execvp: tcpdump -i nflog:GROUP ARGS... */
static char **tcpdump_argv(unsigned group, int argc, char **argv, char *iface, size_t len)
{
	char **v = calloc((size_t)argc + 4, sizeof(*v));
	int i;

	if (!v)
		return NULL;
	snprintf(iface, len, "nflog:%u", group);
	v[0] = (char *)"tcpdump";
	v[1] = (char *)"-i";
	v[2] = iface;
	for (i = 0; i < argc; i++)
		v[3 + i] = argv[i];
	return v;
}

static const char *nft_reason(const char *err)
{
	if (!err)
		return "";
	if (strstr(err, "Operation not permitted"))
		return "needs root (CAP_NET_ADMIN)";
	return err;
}

static int run_capture(struct cap *c, const char *target, int argc, char **argv)
{
	sigset_t set, old;
	char iface[32], match[64], **av;
	struct diags d = { 0 };
	pid_t pid;
	int ret;

	if (!have_net_admin()) {
		fprintf(stderr, PROG ": adding a capture table needs root (CAP_NET_ADMIN)\n");
		return 1;
	}
	signals_block(&set, &old);
	if (cap_setup(c, &d)) {
		const char *err = diag_first(&d);

		fprintf(stderr, PROG ": cannot add table inet %s%s%s\n", c->table, err ? ": " : "",
			nft_reason(err));
		diag_free(&d);
		cap_delete(c);
		return 1;
	}
	av = tcpdump_argv(c->group, argc, argv, iface, sizeof(iface));
	match_expr(&c->who, match, sizeof(match));
	fprintf(stderr, PROG ": capturing %s (%s) on %s; table inet %s\n", target, match, iface,
		c->table);
	pid = av ? spawn(av, &old) : -ENOMEM;
	if (pid < 0) {
		fprintf(stderr, PROG ": cannot run tcpdump: %s\n", strerror((int)-pid));
		ret = pid == -ENOENT ? 127 : 126;
	} else {
		ret = supervise(pid, &set);
	}
	free(av);
	cap_delete(c);
	if (c->created)
		fprintf(stderr,
			PROG
			": could not delete table inet %s; delete it with 'nft delete table inet %s'\n",
			c->table, c->table);
	return ret;
}

/* Arguments ------------------------------------------------------------------- */

static int load_policy(const char *file, bool given, struct policy *p, bool *has)
{
	struct diags d = { 0 };
	int ret;

	*has = false;
	if (!given && access(file, R_OK) != 0)
		return 0;
	ret = names_policy_load(file, p, &d);
	if (ret)
		diag_print(&d, file, stderr);
	diag_free(&d);
	if (ret) {
		policy_free(p);
		if (given)
			return -1;
		fprintf(stderr, PROG ": going on without %s\n", file);
		return 0;
	}
	*has = true;
	return 0;
}

static bool all_hex(const char *s)
{
	for (; *s; s++)
		if (!strchr("0123456789abcdefABCDEF", *s))
			return false;
	return true;
}

static int resolve(const struct policy *p, const char *arg, struct who *w)
{
	int ret = who_resolve(p, arg, true, w);

	if (ret == -ENOENT && all_hex(arg))
		fprintf(stderr,
			PROG ": no app or user named '%s' (a mark needs the 0x prefix: 0x%s)\n",
			arg, arg);
	else if (ret == -ENOENT)
		fprintf(stderr,
			PROG ": no app or user named '%s' in the policy or on this machine\n", arg);
	else if (ret == -ENOTUNIQ)
		fprintf(stderr, PROG ": '%s' " WHO_AMBIGUOUS "\n", arg);
	else if (ret == -ERANGE)
		fprintf(stderr,
			PROG ": %s: its id does not fit galaf's marks (16 bits, config.mark_mask)\n",
			arg);
	else if (ret)
		fprintf(stderr, PROG ": '%s' is not a mark: give 0x and 1 to 8 hex digits\n", arg);
	return ret ? -1 : 0;
}

static int check_tcpdump_args(int argc, char **argv)
{
	int i;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "-i") || !strncmp(argv[i], "--interface", 11) ||
		    (!strncmp(argv[i], "-i", 2) && strlen(argv[i]) > 2)) {
			usage_error("galaf-tcpdump chooses the interface (nflog:GROUP): '%s'",
				    argv[i]);
			return -1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' },
					      { "version", no_argument, NULL, 'V' },
					      { "policy", required_argument, NULL, 'p' },
					      { 0 } };
	const char *policy = DEFAULT_POLICY;
	struct cap c = { 0 };
	struct policy p;
	bool given = false, has = false;
	int ch, ret;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (ch == 'h' || ch == 'V') {
			if (ch == 'h')
				fputs(usage_text, stdout);
			else
				printf("galaf-tcpdump %s\n", GALAF_VERSION);
			return 0;
		}
		if (ch != 'p') {
			usage_error("unknown option or missing argument: '%s'", argv[optind - 1]);
			return 2;
		}
		policy = optarg;
		given = true;
	}
	if (optind >= argc) {
		usage_error("name an app, a user or a 0xMARK to capture");
		return 2;
	}
	if (check_tcpdump_args(argc - optind - 1, argv + optind + 1))
		return 2;
	if (load_policy(policy, given, &p, &has))
		return 1;
	ret = resolve(has ? &p : NULL, argv[optind], &c.who)
		      ? 1
		      : run_capture(&c, argv[optind], argc - optind - 1, argv + optind + 1);
	if (has)
		policy_free(&p);
	return ret;
}
