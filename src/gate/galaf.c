// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * galaf - the gatekeeper: runs the command root put in the gate index for
 * APP with every gid set to APP's, so APP's `meta skgid` rules apply to it
 * (docs/gate-index.md). Installed with the file capability cap_setgid+ep,
 * so the kernel runs it in secure mode. All the caller controls (argv,
 * environment, descriptors) is hostile; only the root-owned index at the
 * compiled-in path is trusted. Modelled on OpenBSD doas and bubblewrap.
 *
 * This file is the privileged path: caller, launcher check, become, exec.
 * The index parser is index.c. Built static with musl and nothing else:
 * no dynamic loader (so no LD_* is ever read), no user or group database
 * (launchers are numeric in the index), no libcap (capset(2) directly).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include "lib/sha256.h"
#include "gate/index.h"

#ifndef GATE_INDEX
#define GATE_INDEX "/etc/galaf/gate.index"
#endif
#ifndef GALAF_VERSION
#define GALAF_VERSION "unknown"
#endif

#define INDEX_MAX (64L << 20) /* far beyond 10,000 apps; bounds the map */
#define ENV_MAX	  256
#define ROOM	  (16 << 10) /* groups, line and vectors of all but outsized launches */

/* <linux/capability.h>, which musl does not ship: the ABI of capset(2) version 3. */
#define CAP_VERSION_3 0x20080522
struct cap_header {
	unsigned version;
	int pid;
};
struct cap_data {
	unsigned effective, permitted, inheritable;
};

enum { EXIT_DENIED = 1, EXIT_EXEC = 126, EXIT_NOTFOUND = 127 };

static const char *arg_app; /* set once validated: log lines stay clean */

/* One datagram to /dev/log, as syslog(3) would send, without reading a time zone. */
__attribute__((format(printf, 2, 3))) static void log_line(int level, const char *fmt, ...)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX, .sun_path = "/dev/log" };
	static char buf[1024]; /* not on the stack: a page fault less per launch */
	va_list ap;
	int n, fd;

	n = snprintf(buf, sizeof(buf), "<%d>galaf[%d]: ", LOG_AUTHPRIV | level, (int)getpid());
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	va_end(ap);
	/* Not closed: galaf exits or execs next, and it is close-on-exec. */
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd >= 0)
		sendto(fd, buf, strlen(buf), MSG_NOSIGNAL, (struct sockaddr *)&sa, sizeof(sa));
}

static void __attribute__((noreturn, format(printf, 2, 3))) die(int code, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* A fixed prefix: argv[0], and so err(3)'s, is the caller's choice. */
	fprintf(stderr, "galaf: %s\n", msg);
	log_line(LOG_WARNING, "%s: uid=%u app=%s: %s", code == EXIT_DENIED ? "refused" : "failed",
		 (unsigned)getuid(), arg_app ? arg_app : "-", msg);
	exit(code);
}

#define deny(...) die(EXIT_DENIED, __VA_ARGS__)

static void __attribute__((noreturn)) bad_index(const struct gate_error *err)
{
	if (err->errnum == ESTALE)
		deny(GATE_INDEX ": it changed while galaf read it; refusing it (re-run galaf-config "
				"apply, which replaces it whole)");
	if (err->errnum)
		deny(GATE_INDEX ": %s", err->message);
	if (err->line)
		deny(GATE_INDEX ": line %lu: %s; refusing the index (re-run galaf-config apply)",
		     err->line, err->message);
	deny(GATE_INDEX ": the last line: %s; refusing the index (re-run galaf-config apply)",
	     err->message);
}

/*
 * Close every descriptor above 2 that /proc/self/fd lists, for kernels
 * before 5.9 (no close_range). getdents64(2) into a buffer on the stack:
 * opendir(3) would link malloc in, whose state costs a page fault on
 * every launch.
 */
static void fds_close_listed(void)
{
	char buf[1024];
	long n, off;
	int dfd, fd;

	dfd = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		deny("cannot close inherited descriptors: no close_range(2) "
		     "and no /proc; mount /proc");
	while ((n = syscall(SYS_getdents64, dfd, buf, sizeof(buf))) > 0)
		for (off = 0; off < n; off += ((struct dirent *)(buf + off))->d_reclen) {
			/* Names here are digits; "." and ".." read as 0 and are skipped. */
			fd = atoi(((struct dirent *)(buf + off))->d_name); /* NOLINT(cert-err34-c) */
			if (fd > 2 && fd != dfd)
				close(fd);
		}
	if (n < 0)
		deny("cannot close inherited descriptors: %s", strerror(errno));
	close(dfd);
}

/* Descriptors the caller left open must not reach the app. */
static void fds_sanitize(void)
{
	struct pollfd std[3] = { { .fd = 0 }, { .fd = 1 }, { .fd = 2 } };
	int fd;

	/* Keep 0-2 open, so the index or a socket never lands on them. */
	if (poll(std, 3, 0) < 0)
		_exit(EXIT_DENIED);
	for (fd = 0; fd < 3; fd++)
		if ((std[fd].revents & POLLNVAL) && open("/dev/null", O_RDWR) != fd)
			_exit(EXIT_DENIED);
	if (syscall(SYS_close_range, 3U, ~0U, 0U) != 0)
		fds_close_listed();
}

/* Exact names, and "P*": the prefix P followed by [A-Za-z0-9_]+. */
static const char *const env_keep[] = { "HOME",		"USER",
					"LOGNAME",	"SHELL",
					"TERM",		"COLORTERM",
					"LANG",		"LANGUAGE",
					"LC_*",		"TZ",
					"DISPLAY",	"WAYLAND_DISPLAY",
					"XDG_*",	"DBUS_SESSION_BUS_ADDRESS",
					"XAUTHORITY",	"SSH_AUTH_SOCK",
					"PULSE_SERVER", NULL };

static bool env_name_ok(const char *s, size_t n)
{
	const char *const *k;
	size_t i, kl;

	for (k = env_keep; *k; k++) {
		kl = strlen(*k);
		if ((*k)[kl - 1] != '*') {
			if (kl == n && !memcmp(*k, s, n))
				return true;
		} else if (n >= kl && !memcmp(*k, s, kl - 1)) {
			for (i = kl - 1; i < n && (s[i] == '_' || (s[i] >= '0' && s[i] <= '9') ||
						   ((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z'));
			     i++)
				;
			return i == n;
		}
	}
	return false;
}

/*
 * The app gets an allow-listed copy of the environment, in OUT (room for
 * ENV_MAX + 2): never LD_*, GCONV_PATH or anything else that steers a
 * loader or a libc. The first of duplicate names wins, as with getenv(3).
 */
static char **env_build(char **envp, char **out)
{
	static char path[] = "PATH=/usr/local/bin:/usr/bin:/bin";
	size_t n = 0, i, len;
	const char *eq;

	out[n++] = path;
	for (; envp && *envp && n <= ENV_MAX; envp++) {
		eq = strchr(*envp, '=');
		if (!eq || !env_name_ok(*envp, eq - *envp))
			continue;
		len = eq - *envp + 1;
		for (i = 0; i < n && strncmp(out[i], *envp, len) != 0; i++)
			;
		if (i == n)
			out[n++] = *envp;
	}
	out[n] = NULL;
	return out;
}

/*
 * Open the index and check the file itself before any byte is read: *SIZE
 * is its length.
 */
static int index_open(off_t *size)
{
	struct stat st;
	int fd;

	/*
	 * O_NONBLOCK: a FIFO planted here must not hang us. The system call
	 * itself: musl's open(3) follows O_CLOEXEC with an fcntl for kernels
	 * before 2.6.23.
	 */
	fd = syscall(SYS_openat, AT_FDCWD, GATE_INDEX,
		     O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st) < 0)
		deny("cannot open %s: %s; run galaf-config apply to write it", GATE_INDEX,
		     strerror(errno));
	if (!S_ISREG(st.st_mode))
		deny("%s is not a regular file; refusing it", GATE_INDEX);
	if (st.st_uid != 0)
		deny("%s is not owned by root; refusing it (chown root %s, or "
		     "re-run galaf-config apply)",
		     GATE_INDEX, GATE_INDEX);
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		deny("%s is writable by group or others; refusing it (chmod go-w %s)", GATE_INDEX,
		     GATE_INDEX);
	if (st.st_size > INDEX_MAX)
		deny("%s is larger than %ld MiB; refusing it", GATE_INDEX, INDEX_MAX >> 20);
	*size = st.st_size;
	return fd;
}

/* The gate reader of a launch: pread(2), whole or not at all. */
static int index_read(const void *ctx, char *buf, size_t n, size_t off)
{
	const int fd = *(const int *)ctx;
	ssize_t r;

	for (; n; n -= r, buf += r, off += r)
		if ((r = pread(fd, buf, n, off)) <= 0) {
			if (r < 0 && errno == EINTR)
				r = 0;
			else /* shorter than fstat said: cut under us */
				return r < 0 ? -errno : -ESTALE;
		}
	return 0;
}

/*
 * Memory that lasts until the exec, N zeroed bytes, or NULL with errno
 * set: the caller's groups, APP's line, the vectors built from it. From
 * ROOM (in .lbss, which the linker puts after .bss: its alignment moves
 * none of the small variables start-up touches), so a launch's use of it
 * costs one page fault; a mapping would cost a system call and fresh page
 * tables besides, more than the rest of what galaf does itself. What does
 * not fit (thousands of groups, a very long command) gets a mapping.
 */
static void *mem_get(size_t n)
{
	static char room[ROOM] __attribute__((section(".lbss"), aligned(4096)));
	static size_t used;
	void *p;

	if (n > ROOM - used) {
		p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		return p == MAP_FAILED ? NULL : p;
	}
	p = room + used;
	used += n + (-n & 15); /* still <= ROOM: both are multiples of 16 */
	return p;
}

/* APP's line, copied to memory of its own: the entry points into it until the exec. */
static const char *index_line(const void *ctx, size_t off, size_t n)
{
	char *p = mem_get(n + 1); /* N < INDEX_MAX: no overflow */
	int r;

	if (!p)
		return NULL;
	if ((r = index_read(ctx, p, n, off)) < 0) {
		errno = -r;
		return NULL;
	}
	return p;
}

/*
 * The index of a launch, read through small copies: a mapping would fault
 * in a page (and its neighbours) per probe, which costs more here than the
 * few reads a lookup makes. Only the header, the trailer and the probes'
 * windows are read. FD stays open, close-on-exec, until the exec.
 */
static void index_load(struct gate_index *g, int *fd)
{
	const struct gate_reader src = { index_read, index_line, fd };
	struct gate_error err;
	off_t size;

	*fd = index_open(&size);
	if (gate_index_open_reader(g, &src, size, &err))
		bad_index(&err);
}

/*
 * --list maps the index, checked in place. Truncating the file under us
 * would raise SIGBUS and kill galaf before it prints anything; apply never
 * does that (it renames a new file into place).
 */
static void index_map(struct gate_index *g)
{
	struct gate_error err;
	void *map;
	off_t size;
	int fd = index_open(&size);

	map = size ? mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0) : NULL;
	if (map == MAP_FAILED)
		deny("cannot map %s: %s", GATE_INDEX, strerror(errno));
	close(fd);
	if (gate_index_open(g, map, size, &err))
		bad_index(&err);
}

/* Who calls, from the kernel's credentials alone. */
static void caller_load(struct gate_caller *c)
{
	*c = (struct gate_caller){ .uid = getuid(), .gid = getgid() };
}

/* The caller's supplementary groups, into C. */
static void caller_groups(struct gate_caller *c)
{
	gid_t *groups = NULL;
	int n;

	/* How many, then that many: they cannot change under us (one thread). */
	if ((n = getgroups(0, NULL)) < 0 || !(groups = mem_get(n * sizeof(*groups))) ||
	    (n = getgroups(n, groups)) < 0)
		deny("cannot read your groups: %s", strerror(errno));
	c->groups = groups;
	c->ngroups = n;
}

/* --list: every line is checked first, so a malformed index lists nothing. */
static void list_apps(const struct gate_index *g, const struct gate_caller *c)
{
	struct gate_error err;
	struct gate_walk w;
	struct gate_entry e;
	struct gate_span a;
	const char *p;
	int r;

	gate_walk_init(g, &w);
	while ((r = gate_walk_next(g, &w, &e, &err)) > 0)
		;
	if (r < 0)
		bad_index(&err);
	gate_walk_init(g, &w);
	while (gate_walk_next(g, &w, &e, &err) > 0) {
		if (!gate_entry_allows(&e, c))
			continue;
		printf("%.*s\t", (int)e.name.n, e.name.p);
		for (p = e.args.p; p;) {
			a.p = p;
			p = memchr(p, '\t', e.args.p + e.args.n - p);
			a.n = p ? (size_t)(p - a.p) : (size_t)(e.args.p + e.args.n - a.p);
			printf("%.*s%s", (int)a.n, a.p, p ? " " : "\n");
			p = p ? p + 1 : NULL;
		}
	}
}

/*
 * The caller's arguments replace "…"; without one, none are accepted.
 * AV[0] is ARGV0, never "…". The vector, room for the environment's
 * (*ENV_ROOM, ENV_MAX + 2 pointers) and a copy of the arguments share one
 * block of mem_get (no malloc: its first call would cost two page faults,
 * and page faults are most of what galaf itself adds to a launch).
 */
static char **argv_build(const struct gate_entry *e, char **user, size_t nuser, char ***env_room)
{
	char **av, *args, *a, *tab;
	size_t i, k = 0, nvec = e->nargs + nuser + 1, nptr = nvec + ENV_MAX + 2, len;

	if (!e->nargs) /* the parser refuses such a line: a second line of defence */
		deny("%s has no command in %s", arg_app, GATE_INDEX);
	if (nuser && !e->ellipsis)
		deny("%s takes no arguments (its command has no '…'); run 'galaf %s' alone",
		     arg_app, arg_app);
	if (nvec < nuser || nptr < nvec || nptr > (SIZE_MAX - e->args.n - 1) / sizeof(*av))
		deny("out of memory");
	len = nptr * sizeof(*av) + e->args.n + 1;
	if (!(av = mem_get(len)))
		deny("out of memory");
	*env_room = av + nvec;
	/* The arguments after the vectors, cut in place: each TAB becomes a NUL. */
	args = memcpy((char *)(av + nptr), e->args.p, e->args.n);
	args[e->args.n] = '\0';
	for (a = args; (tab = strchr(a, '\t')); a = tab + 1)
		*tab = '\0';
	for (i = 0, a = args; i < e->nargs; i++, a += strlen(a) + 1) {
		if (e->ellipsis && i == e->ellipsis)
			while (nuser--)
				av[k++] = *user++;
		else
			av[k++] = a;
	}
	av[k] = NULL;
	return av;
}

/*
 * Clear permitted, effective and inheritable, then ambient, and read them
 * back. The bounding set stays: dropping from it needs CAP_SETPCAP, which
 * we do not hold; with nothing permitted and no_new_privs it grants nothing.
 */
static void caps_drop(void)
{
	struct cap_header h = { CAP_VERSION_3, 0 };
	struct cap_data none[2] = { { 0 } }, now[2];

	if (syscall(SYS_capset, &h, none) < 0 ||
	    (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL))
		deny("cannot drop capabilities: %s", strerror(errno));
	h.version = CAP_VERSION_3;
	if (syscall(SYS_capget, &h, now) < 0 || memcmp(now, none, sizeof(none)) != 0)
		deny("capabilities are still held after dropping them");
}

/*
 * Take APP's gid for good, then give up every privilege before exec. The
 * system calls themselves: galaf has one thread, and musl's wrappers would
 * block and restore every signal around each call to reach other threads.
 */
static void become(const struct gate_entry *e)
{
	gid_t g = e->gid, rg, eg, sg;

	if ((e->flags & GATE_F_DROPGROUPS) && syscall(SYS_setgroups, 0, NULL) < 0)
		deny("setgroups: %s", strerror(errno));
	if (syscall(SYS_setresgid, g, g, g) < 0)
		deny("cannot set gid %u: %s; galaf needs the file capability "
		     "cap_setgid+ep, and cannot start an app from inside another",
		     (unsigned)g, strerror(errno));
	if (getresgid(&rg, &eg, &sg) < 0 || rg != g || eg != g || sg != g ||
	    setfsgid((gid_t)-1) != (int)g)
		deny("the change to gid %u did not take effect", (unsigned)g);
	caps_drop();
	/* So a setuid sg or newgrp cannot take the app's gid off again. */
	if (!(e->flags & GATE_F_NONNP) && (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
					   prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1))
		deny("cannot set no_new_privs: %s", strerror(errno));
}

/* AV as argv_build made it; galaf exits next, which unmaps it. */
static void __attribute__((noreturn)) exec_failed(char **av, int err)
{
	die(err == ENOENT || err == ENOTDIR ? EXIT_NOTFOUND : EXIT_EXEC,
	    "%s: cannot execute %s: %s", arg_app, av[0], strerror(err));
}

/*
 * Hash the command, then execute the very file hashed, through its
 * descriptor: swapping the path between check and exec changes nothing.
 * The file must be root's and not writable by group or others, or its
 * content could change under the same descriptor. Returns only on failure.
 */
static void exec_pinned(const struct gate_entry *e, char **av, char **envp)
{
	char hex[SHA256_HEX_LEN + 1], magic[2];
	struct stat st;
	int fd, err;

	/* O_NONBLOCK: a FIFO in its place must not hang us. */
	fd = open(av[0], O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st) < 0)
		exec_failed(av, errno);
	if (!S_ISREG(st.st_mode))
		exec_failed(av, EACCES);
	if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)))
		deny("%s: %s is pinned, but not owned by root or writable by group or "
		     "others: it could change between the check and the exec",
		     arg_app, av[0]);
	if ((err = sha256_fd(fd, hex)) < 0)
		die(EXIT_EXEC, "%s: cannot read %s: %s", arg_app, av[0], strerror(-err));
	if (memcmp(hex, e->sha256.p, SHA256_HEX_LEN) != 0)
		deny("%s: %s does not match its pinned SHA-256 (pinned %.12s…, the file has "
		     "%.12s…); refusing to run it (if the change is expected: galaf-config pin "
		     "--write %s)",
		     arg_app, av[0], e->sha256.p, hex, arg_app);
	/* A script's interpreter reads it through /dev/fd/N: keep N open for it. */
	if (pread(fd, magic, 2, 0) == 2 && !memcmp(magic, "#!", 2) && fcntl(fd, F_SETFD, 0) < 0)
		exec_failed(av, errno);
	fexecve(fd, av, envp); /* musl: execveat(2), no /proc needed */
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: galaf APP [ARGS...]\n"
		"       galaf --list | --help | --version\n"
		"Run APP's command, as root configured it in %s, with APP's\n"
		"group id, so that APP's firewall rules apply to it.\n"
		"  -l, --list     the apps you may start, and their commands\n"
		"  -h, --help     this text\n"
		"  -V, --version  the version and the index path\n"
		"An option goes alone, before APP; all after APP is APP's.\n"
		"Exit status: 1 refused, 126 cannot execute, 127 not found.\n",
		GATE_INDEX);
}

static int out_done(void)
{
	return fflush(stdout) || ferror(stdout) ? EXIT_DENIED : 0;
}

/* Options go alone, before APP: all after APP belongs to APP. */
static void option(int argc, char **argv)
{
	const char *o = argv[1];

	if (argc > 2)
		deny("an option goes alone, before APP; see galaf --help");
	if (!strcmp(o, "--help") || !strcmp(o, "-h")) {
		usage(stdout);
		exit(out_done());
	}
	if (!strcmp(o, "--version") || !strcmp(o, "-V")) {
		printf("galaf %s\nindex: %s\n", GALAF_VERSION, GATE_INDEX);
		exit(out_done());
	}
	if (strcmp(o, "--list") != 0 && strcmp(o, "-l") != 0)
		deny("unknown option; the options are --list, --help and "
		     "--version (see galaf --help)");
}

/* APP's entry, strictly checked, and the caller among its launchers. */
static void app_find(const struct gate_index *g, struct gate_caller *c, struct gate_entry *e)
{
	struct gate_error err;
	int r = gate_index_find(g, arg_app, strlen(arg_app), e, &err);

	if (r == -ENOENT)
		deny("no app '%s' in %s; 'galaf --list' shows the apps you may start", arg_app,
		     GATE_INDEX);
	if (r < 0)
		bad_index(&err);
	/*
	 * The groups are read only when the uid and gid alone do not let the
	 * caller in (two system calls less for most launches): more groups can
	 * only let more in, never fewer.
	 */
	if (gate_entry_allows(e, c))
		return;
	caller_groups(c);
	if (!gate_entry_allows(e, c))
		deny("uid %u may not start %s; ask the administrator to add you to its launchers",
		     (unsigned)c->uid, arg_app);
}

int main(int argc, char **argv)
{
	static char *no_env[] = { NULL };
	struct gate_entry e;
	struct gate_caller c;
	struct gate_index g;
	char **caller_env = environ, **envp, **av;
	int fd;

	environ = no_env; /* nothing below may depend on the caller's env */
	fds_sanitize();
	if (argc < 2) {
		usage(stderr);
		return EXIT_DENIED;
	}
	if (argv[1][0] == '-')
		option(argc, argv);
	else if (!gate_app_name_ok(argv[1], strlen(argv[1])))
		deny("invalid app name: use up to 32 letters, digits, '_' and "
		     "'-', not starting with a digit or '-'");
	else
		arg_app = argv[1];
	caller_load(&c);
	if (!arg_app) {
		caller_groups(&c);
		index_map(&g);
		list_apps(&g, &c);
		return out_done();
	}
	index_load(&g, &fd);
	/* E points into the copy of APP's line, which lasts until the exec. */
	app_find(&g, &c, &e);
	av = argv_build(&e, argv + 2, argc - 2, &envp);
	envp = env_build(caller_env, envp);
	become(&e);
	/* The caller's arguments are not logged: they may be private. */
	log_line(LOG_INFO, "launch: uid=%u app=%s gid=%lu command=%s args=%d", (unsigned)c.uid,
		 arg_app, e.gid, av[0], argc - 2);
	if (e.sha256.p)
		exec_pinned(&e, av, envp);
	else
		execve(av[0], av, envp);
	exec_failed(av, errno);
}
