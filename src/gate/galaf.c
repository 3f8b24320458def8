// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * galaf - the gatekeeper: runs the command root put in the gate index for
 * APP with every gid set to APP's, so APP's `meta skgid` rules apply to it
 * (docs/gate-index.md). Installed with the file capability cap_setgid+ep,
 * so the kernel runs it in secure mode. All the caller controls (argv,
 * environment, descriptors) is hostile; only the root-owned index at the
 * compiled-in path is trusted. Modelled on OpenBSD doas and bubblewrap.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/fsuid.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "lib/sha256.h"

#ifndef GATE_INDEX
#define GATE_INDEX "/etc/galaf/gate.index"
#endif
#ifndef GALAF_VERSION
#define GALAF_VERSION "unknown"
#endif

#define INDEX_MAX (64L << 20) /* far beyond 10,000 apps; bounds the read */
#define GID_LIMIT 65535UL     /* the socket mark packs 16 bits; never (gid_t)-1 */
#define NAME_LEN  32
#define ENV_MAX	  256
#define ELLIPSIS  "\xe2\x80\xa6" /* U+2026: where the caller's arguments go */

enum { EXIT_DENIED = 1, EXIT_EXEC = 126, EXIT_NOTFOUND = 127 };
enum { F_DROPGROUPS = 1, F_NONNP = 2 };

/* N bytes at P, inside the mapped index: not NUL-terminated. */
struct span {
	const char *p;
	size_t n;
};

/* One entry line, as views into the mapped index. */
struct entry {
	struct span name, launchers, args; /* args: ARGV0 TAB ARGV1 ... */
	struct span sha256;		   /* the command's pinned digest; p NULL if none */
	size_t nargs, ellipsis;		   /* ellipsis: position of "…", 0 if none */
	unsigned long gid;
	unsigned flags;
};

struct gate {
	const char *map; /* the whole index, read-only */
	size_t len;
	const char *body, *stop; /* the entry lines: after the header, up to ".end" */
	unsigned long min, max;
};

struct caller {
	uid_t uid;
	gid_t gid, *groups;
	int ngroups;
	char *name;
};

static const char *arg_app; /* set once validated: log lines stay clean */

static void __attribute__((noreturn, format(printf, 2, 3))) die(int code, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* A fixed prefix: argv[0], and so err(3)'s, is the caller's choice. */
	fprintf(stderr, "galaf: %s\n", msg);
	syslog(LOG_WARNING, "%s: uid=%u app=%s: %s", code == EXIT_DENIED ? "refused" : "failed",
	       (unsigned)getuid(), arg_app ? arg_app : "-", msg);
	exit(code);
}

#define deny(...)	      die(EXIT_DENIED, __VA_ARGS__)
#define INDEX_REFUSED	      "; refusing the index (re-run galaf-config apply)"
#define bad_line(n, fmt, ...) deny(GATE_INDEX ": line %u: " fmt INDEX_REFUSED, n, ##__VA_ARGS__)

/* Descriptors the caller left open must not reach the app. */
static void fds_sanitize(void)
{
	struct dirent *de;
	DIR *d;
	int fd;

	/* Keep 0-2 open, so the index or a socket never lands on them. */
	for (fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", O_RDWR) != fd)
			_exit(EXIT_DENIED);
	if (close_range(3, ~0U, 0) == 0)
		return;
	d = opendir("/proc/self/fd"); /* kernels before 5.9 */
	if (!d)
		deny("cannot close inherited descriptors: no close_range(2) "
		     "and no /proc; mount /proc");
	while ((de = readdir(d)))
		/* Names here are digits; "." and ".." read as 0 and are skipped. */
		if ((fd = atoi(de->d_name)) > 2 && fd != dirfd(d)) /* NOLINT(cert-err34-c) */
			close(fd);
	closedir(d);
}

/* ASCII only, whatever the locale: [A-Za-z0-9] or a byte of EXTRA. */
static bool name_char(char c, const char *extra)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       (c && strchr(extra, c));
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
			for (i = kl - 1; i < n && name_char(s[i], "_"); i++)
				;
			return i == n;
		}
	}
	return false;
}

/*
 * The app gets an allow-listed copy of the environment: never LD_*,
 * GCONV_PATH or anything else that steers the loader or libc. The first
 * of duplicate names wins, as with getenv(3).
 */
static char **env_build(char **envp)
{
	static char path[] = "PATH=/usr/local/bin:/usr/bin:/bin";
	static char *out[ENV_MAX + 2];
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

/* The span S holds exactly the string LIT. */
static bool span_is(struct span s, const char *lit)
{
	return s.n == strlen(lit) && !memcmp(s.p, lit, s.n);
}

/* Bytewise order, as strcmp. */
static int span_cmp(struct span a, struct span b)
{
	int c = memcmp(a.p, b.p, a.n < b.n ? a.n : b.n);

	return c ? c : (a.n > b.n) - (a.n < b.n);
}

/* The next SEP-separated item of [*p, end); *p moves past SEP, or to NULL after the last. */
static struct span item_next(const char **p, const char *end, char sep)
{
	struct span f = { *p, 0 };
	const char *q;

	if (!f.p)
		return f;
	for (q = f.p; q < end && *q != sep; q++) /* items are short: faster than memchr */
		;
	f.n = q - f.p;
	*p = q < end ? q + 1 : NULL;
	return f;
}

/* APP: [A-Za-z_][A-Za-z0-9_-]{0,31}, so never '/', "..", or "". */
static bool app_name_ok(const char *s, size_t n)
{
	size_t i;

	if (n < 1 || n > NAME_LEN || (s[0] >= '0' && s[0] <= '9') || s[0] == '-')
		return false;
	for (i = 0; i < n && name_char(s[i], "_-"); i++)
		;
	return i == n;
}

/* A user or group name in LAUNCHERS: [A-Za-z0-9_.-]+ and maybe a '$'. */
static bool account_name_ok(const char *s, size_t n)
{
	size_t i;

	if (n > 0 && s[n - 1] == '$')
		n--;
	for (i = 0; i < n && name_char(s[i], "_.-"); i++)
		;
	return n >= 1 && n <= NAME_LEN && i == n;
}

/* Canonical decimal only (no sign, no leading zero), <= GID_LIMIT. */
static int gid_parse(const char *s, size_t n, unsigned long *ret)
{
	size_t i;

	*ret = 0;
	if (n < 1 || (s[0] == '0' && n > 1))
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9' || (*ret = *ret * 10 + (s[i] - '0')) > GID_LIMIT)
			return -EINVAL;
	return 0;
}

static bool sha256_hex_ok(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n && ((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')); i++)
		;
	return n == SHA256_HEX_LEN && i == n;
}

/*
 * Map the index: it is checked in place, without a copy or an allocation
 * per line. Truncating the file under us would raise SIGBUS and kill galaf
 * before it runs anything; apply never does that (it renames a new file
 * into place).
 */
static void index_map(struct gate *g)
{
	struct stat st;
	void *map;
	int fd;

	/* O_NONBLOCK: a FIFO planted here must not hang us. */
	fd = open(GATE_INDEX, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
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
		deny("%s is writable by group or others; refusing it "
		     "(chmod go-w %s)",
		     GATE_INDEX, GATE_INDEX);
	if (st.st_size > INDEX_MAX)
		deny("%s is larger than %ld MiB; refusing it", GATE_INDEX, INDEX_MAX >> 20);
	if (st.st_size == 0)
		bad_line(1, "the file is empty");
	/* Every byte is checked: fault the pages in at once. */
	map = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
	if (map == MAP_FAILED)
		deny("cannot map %s: %s", GATE_INDEX, strerror(errno));
	close(fd);
	g->map = map;
	g->len = st.st_size;
}

static void header_parse(struct gate *g)
{
	static const char magic[] = "galaf-gate 2 ";
	const char *nl = memchr(g->map, '\n', g->len < 64 ? g->len : 64), *p;
	struct span min, max;

	if (!nl)
		bad_line(1, "the header is too long or has no newline");
	/* Refused unless every part checks out: the magic, MIN, MAX, nothing more. */
	if ((size_t)(nl - g->map) >= strlen(magic) && !memcmp(g->map, magic, strlen(magic))) {
		p = g->map + strlen(magic);
		min = item_next(&p, nl, ' ');
		max = item_next(&p, nl, ' ');
		if (!p && !gid_parse(min.p, min.n, &g->min) && !gid_parse(max.p, max.n, &g->max) &&
		    g->min >= 1 && g->min <= g->max) {
			g->body = nl + 1;
			return;
		}
	}
	bad_line(1, "the header is not 'galaf-gate 2 MIN MAX' with 1 <= MIN <= MAX <= %lu",
		 GID_LIMIT);
}

/* The last line must be ".end": a file cut short anywhere lacks it. */
static void trailer_check(struct gate *g)
{
	/* The header's newline may end the line before ".end": no apps. */
	if (g->len < (size_t)(g->body - g->map) + 5 ||
	    memcmp(g->map + g->len - 5, ".end\n", 5) != 0 || g->map[g->len - 6] != '\n')
		deny(GATE_INDEX ": the last line: no '.end' line at the end: the index is truncated, "
				"or has text after its end" INDEX_REFUSED);
	g->stop = g->map + g->len - 5;
}

static unsigned flags_parse(struct span s, unsigned line)
{
	const char *p = s.p;
	unsigned flags = 0;
	struct span f;

	if (span_is(s, "-"))
		return 0;
	while (p) {
		f = item_next(&p, s.p + s.n, ',');
		if (span_is(f, "dropgroups"))
			flags |= F_DROPGROUPS;
		else if (span_is(f, "nonnp"))
			flags |= F_NONNP;
		else
			bad_line(line, "unknown flag '%.*s'", (int)f.n, f.p);
	}
	return flags;
}

static void launchers_check(struct span s, unsigned line)
{
	const char *p = s.p;
	struct span f;

	if (span_is(s, "*"))
		return;
	while (p) {
		f = item_next(&p, s.p + s.n, ',');
		if (!(f.n && f.p[0] == '@' ? account_name_ok(f.p + 1, f.n - 1)
					   : account_name_ok(f.p, f.n)))
			bad_line(line, "bad launcher '%.*s'", (int)f.n, f.p);
	}
}

/* Check the entry line at S (N bytes, without its newline) strictly, in place. */
static void entry_parse(const struct gate *g, const char *s, size_t n, unsigned line, struct entry *e)
{
	const char *p = s, *end = s + n;
	struct span gid, flags, arg;

	e->name = item_next(&p, end, '\t');
	gid = item_next(&p, end, '\t');
	flags = item_next(&p, end, '\t');
	e->launchers = item_next(&p, end, '\t');
	e->sha256 = item_next(&p, end, '\t');
	if (!p)
		bad_line(line, "fewer than 6 TAB-separated fields");
	if (!app_name_ok(e->name.p, e->name.n))
		bad_line(line, "bad app name '%.*s'", (int)e->name.n, e->name.p);
	if (gid_parse(gid.p, gid.n, &e->gid) || e->gid < g->min || e->gid > g->max)
		bad_line(line, "gid '%.*s' of %.*s is outside the range %lu-%lu", (int)gid.n, gid.p,
			 (int)e->name.n, e->name.p, g->min, g->max);
	e->flags = flags_parse(flags, line);
	launchers_check(e->launchers, line);
	if (span_is(e->sha256, "-"))
		e->sha256.p = NULL;
	else if (!sha256_hex_ok(e->sha256.p, e->sha256.n))
		bad_line(line, "the SHA-256 of %.*s is not '-' or 64 lower-case hex digits",
			 (int)e->name.n, e->name.p);
	e->args = (struct span){ p, end - p };
	e->nargs = e->ellipsis = 0;
	if (p == end || p[0] != '/')
		bad_line(line, "the command of %.*s is not an absolute path", (int)e->name.n,
			 e->name.p);
	while (p) {
		arg = item_next(&p, end, '\t');
		if (span_is(arg, ELLIPSIS) && e->ellipsis)
			bad_line(line, "more than one '…' for %.*s", (int)e->name.n, e->name.p);
		if (span_is(arg, ELLIPSIS))
			e->ellipsis = e->nargs;
		e->nargs++;
	}
}

/* Where index_next is: the next line, its number, the NAME before it. */
struct walk {
	const char *s;
	unsigned line;
	struct span prev;
};

/*
 * Check the next entry line into E, and that its NAME sorts strictly after
 * the one before (so no duplicates); false at the ".end" line.
 */
static bool index_next(const struct gate *g, struct walk *w, struct entry *e)
{
	const char *nl;

	if (w->s == g->stop)
		return false;
	nl = memchr(w->s, '\n', g->stop - w->s); /* trailer_check: '\n' before stop */
	entry_parse(g, w->s, nl - w->s, w->line, e);
	if (w->prev.p && span_cmp(w->prev, e->name) >= 0)
		bad_line(w->line, "'%.*s' is out of order or a duplicate", (int)e->name.n, e->name.p);
	w->prev = e->name;
	w->s = nl + 1;
	w->line++;
	return true;
}

/*
 * Check every entry line: one malformed line anywhere refuses the whole
 * index, for a launch as for --list. APP's entry (if APP) goes to *RET.
 */
static bool index_check(const struct gate *g, const char *app, struct entry *ret)
{
	struct walk w = { g->body, 2, { NULL, 0 } };
	size_t n = app ? strlen(app) : 0;
	struct entry e;
	bool found = false;

	while (index_next(g, &w, &e))
		if (app && e.name.n == n && !memcmp(e.name.p, app, n)) {
			*ret = e;
			found = true;
		}
	return found;
}

/* No NUL byte anywhere, so no field can hide a shorter string. */
static void nul_check(const struct gate *g)
{
	const char *z = memchr(g->map, '\0', g->len), *p;
	unsigned line = 1;

	if (!z)
		return;
	for (p = g->map; (p = memchr(p, '\n', z - p)); p++)
		line++;
	bad_line(line, "contains a NUL byte");
}

/* Map the index and check its bytes, its header and its '.end' line. */
static void index_open(struct gate *g)
{
	index_map(g);
	nul_check(g);
	header_parse(g);
	trailer_check(g);
}

static void index_close(struct gate *g)
{
	munmap((void *)g->map, g->len);
}

static void caller_load(struct caller *c)
{
	struct passwd *pw;
	int n;

	c->uid = getuid();
	c->gid = getgid();
	if (!(pw = getpwuid(c->uid)))
		deny("uid %u has no passwd entry; ask the administrator", (unsigned)c->uid);
	c->name = strdup(pw->pw_name);
	n = getgroups(0, NULL);
	c->groups = n >= 0 ? calloc(n + 1, sizeof(gid_t)) : NULL;
	if (!c->name || !c->groups || (c->ngroups = getgroups(n, c->groups)) < 0)
		deny("cannot read your groups: %s", strerror(errno));
}

static bool in_group(const struct caller *c, const char *name)
{
	struct group *gr = getgrnam(name);
	int i;

	if (gr && gr->gr_gid == c->gid)
		return true;
	for (i = 0; gr && i < c->ngroups; i++)
		if (c->groups[i] == gr->gr_gid)
			return true;
	return false;
}

/* LAUNCHERS: "*", or user names and @groups (real gid or supplementary). */
static bool launcher_ok(const struct caller *c, struct span s)
{
	char item[NAME_LEN + 3]; /* '@', name, '$': checked by launchers_check */
	const char *p = s.p;
	struct span f;

	if (span_is(s, "*"))
		return true;
	while (p) {
		f = item_next(&p, s.p + s.n, ',');
		memcpy(item, f.p, f.n);
		item[f.n] = '\0';
		if (item[0] == '@' ? in_group(c, item + 1) : !strcmp(item, c->name))
			return true;
	}
	return false;
}

/* --list: every line is checked first, so a malformed index lists nothing. */
static void list_apps(const struct gate *g, const struct caller *c)
{
	struct walk w = { g->body, 2, { NULL, 0 } };
	const char *p;
	struct entry e;
	struct span a;

	index_check(g, NULL, NULL);
	while (index_next(g, &w, &e)) {
		if (!launcher_ok(c, e.launchers))
			continue;
		printf("%.*s\t", (int)e.name.n, e.name.p);
		for (p = e.args.p; p;) {
			a = item_next(&p, e.args.p + e.args.n, '\t');
			printf("%.*s%s", (int)a.n, a.p, p ? " " : "\n");
		}
	}
}

/*
 * The caller's arguments replace "…"; without one, none are accepted.
 * AV[0] is ARGV0, never "…": it starts the one copy of the arguments.
 */
static char **argv_build(const struct entry *e, char **user, size_t nuser)
{
	char **av, *args, *a, *tab;
	size_t i, k = 0;

	if (!e->nargs)
		deny("%s has no command in %s", arg_app, GATE_INDEX);
	if (nuser && !e->ellipsis)
		deny("%s takes no arguments (its command has no '…'); run "
		     "'galaf %s' alone",
		     arg_app, arg_app);
	/* A copy of the arguments, cut in place: each TAB becomes a NUL. */
	if (!(args = strndup(e->args.p, e->args.n)) ||
	    !(av = calloc(e->nargs + nuser + 1, sizeof(*av))))
		deny("out of memory");
	for (a = args; (tab = strchr(a, '\t')); a = tab + 1)
		*tab = '\0';
	for (i = 0, a = args; i < e->nargs; i++, a += strlen(a) + 1) {
		if (e->ellipsis && i == e->ellipsis)
			while (nuser--)
				av[k++] = *user++;
		else
			av[k++] = a;
	}
	return av;
}

/* Take APP's gid for good, then give up every privilege before exec. */
static void become(const struct entry *e)
{
	gid_t g = e->gid, rg, eg, sg;
	cap_t caps, none = cap_init();

	if ((e->flags & F_DROPGROUPS) && setgroups(0, NULL) < 0)
		deny("setgroups: %s", strerror(errno));
	if (setresgid(g, g, g) < 0)
		deny("cannot set gid %u: %s; galaf needs the file capability "
		     "cap_setgid+ep, and cannot start an app from inside another",
		     (unsigned)g, strerror(errno));
	if (getresgid(&rg, &eg, &sg) < 0 || rg != g || eg != g || sg != g ||
	    setfsgid((gid_t)-1) != (int)g)
		deny("the change to gid %u did not take effect", (unsigned)g);
	/*
	 * Clear permitted, effective and inheritable, then ambient. The
	 * bounding set stays: dropping from it needs CAP_SETPCAP, which we
	 * do not hold; with nothing permitted and no_new_privs it grants
	 * nothing.
	 */
	if (!none || cap_set_proc(none) < 0 ||
	    (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL))
		deny("cannot drop capabilities: %s", strerror(errno));
	caps = cap_get_proc();
	if (!caps || cap_compare(caps, none))
		deny("capabilities are still held after dropping them");
	cap_free(caps);
	cap_free(none);
	/* So a setuid sg or newgrp cannot take the app's gid off again. */
	if (!(e->flags & F_NONNP) && (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
				      prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1))
		deny("cannot set no_new_privs: %s", strerror(errno));
}

/* AV as argv_build made it: AV[0] starts the one copy of the arguments. */
static void __attribute__((noreturn)) exec_failed(char **av, int err)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s", av[0]);
	free(av[0]);
	free(av);
	die(err == ENOENT || err == ENOTDIR ? EXIT_NOTFOUND : EXIT_EXEC,
	    "%s: cannot execute %s: %s", arg_app, path, strerror(err));
}

/*
 * Hash the command, then execute the very file hashed, through its
 * descriptor: swapping the path between check and exec changes nothing.
 * The file must be root's and not writable by group or others, or its
 * content could change under the same descriptor. Returns only on failure.
 */
static void exec_pinned(const struct entry *e, char **av, char **envp)
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
	fexecve(fd, av, envp);
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

int main(int argc, char **argv)
{
	static char *no_env[] = { NULL };
	struct entry ent = { 0 }, *e = &ent;
	struct caller c;
	struct gate g = { 0 };
	char **envp, **av;

	/* Before anything can fail: the default ident comes from argv[0]. */
	openlog("galaf", LOG_PID, LOG_AUTHPRIV);
	fds_sanitize();
	envp = env_build(environ);
	environ = no_env; /* nothing below may depend on the caller's env */
	if (argc < 2) {
		usage(stderr);
		return EXIT_DENIED;
	}
	if (argv[1][0] == '-')
		option(argc, argv);
	else if (!app_name_ok(argv[1], strlen(argv[1])))
		deny("invalid app name: use up to 32 letters, digits, '_' and "
		     "'-', not starting with a digit or '-'");
	else
		arg_app = argv[1];
	caller_load(&c);
	index_open(&g);
	if (!arg_app) {
		list_apps(&g, &c);
		index_close(&g);
		free(c.groups);
		free(c.name);
		return out_done();
	}
	/* E points into the index: it stays mapped until the exec. */
	if (!index_check(&g, arg_app, e))
		deny("no app '%s' in %s; 'galaf --list' shows the apps you may "
		     "start",
		     arg_app, GATE_INDEX);
	if (!launcher_ok(&c, e->launchers))
		deny("user %s may not start %s; ask the administrator to add you "
		     "to its launchers",
		     c.name, arg_app);
	av = argv_build(e, argv + 2, argc - 2);
	become(e);
	/* The caller's arguments are not logged: they may be private. */
	syslog(LOG_INFO, "launch: user=%s uid=%u app=%s gid=%lu command=%s args=%d", c.name,
	       (unsigned)c.uid, arg_app, e->gid, av[0], argc - 2);
	/* NSS modules may have opened descriptors since fds_sanitize. */
	close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
	if (e->sha256.p)
		exec_pinned(e, av, envp);
	else
		execve(av[0], av, envp);
	exec_failed(av, errno);
}
