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

#include "sha256.h"

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

struct entry {
	const char *name, *launchers;
	const char *sha256;	/* the command's pinned digest, or NULL */
	char *args;		/* ARGV0 NUL ARGV1 NUL ...: the TABs became NULs */
	size_t nargs, ellipsis; /* ellipsis: position of "…", 0 if none */
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

#define deny(...) die(EXIT_DENIED, __VA_ARGS__)
#define bad_index(where, fmt, ...)                                                                 \
	deny(GATE_INDEX ": %s: " fmt "; refusing the index (re-run galaf-config apply)", where,    \
	     ##__VA_ARGS__)

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

/* APP: [A-Za-z_][A-Za-z0-9_-]{0,31}, so never '/', "..", or "". */
static bool app_name_ok(const char *s)
{
	size_t n = strlen(s), i;

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

/* Canonical decimal only (printed back, it compares equal), <= GID_LIMIT. */
static int parse_gid(const char *s, unsigned long *ret)
{
	char canon[24];

	*ret = strtoul(s, NULL, 10);
	snprintf(canon, sizeof(canon), "%lu", *ret);
	return strcmp(canon, s) != 0 || *ret > GID_LIMIT ? -EINVAL : 0;
}

/*
 * Map the index: only the pages a lookup touches are read, so a launch
 * costs the same with 1 app or 10,000. Truncating the file under us would
 * raise SIGBUS and kill galaf before it runs anything; apply never does
 * that (it renames a new file into place).
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
		bad_index("line 1", "the file is empty");
	map = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED)
		deny("cannot map %s: %s", GATE_INDEX, strerror(errno));
	close(fd);
	g->map = map;
	g->len = st.st_size;
}

/* A NUL-terminated copy of one line (without its newline), NUL-free. */
static char *line_dup(const char *s, size_t n, const char *where)
{
	char *c;

	if (memchr(s, '\0', n))
		bad_index(where, "contains a NUL byte");
	if (!(c = malloc(n + 1)))
		deny("out of memory");
	memcpy(c, s, n);
	c[n] = '\0';
	return c;
}

static void header_parse(struct gate *g)
{
	const char *nl = memchr(g->map, '\n', g->len < 64 ? g->len : 64);
	char canon[64], *line;

	if (!nl)
		bad_index("line 1", "the header is too long or has no newline");
	line = line_dup(g->map, nl - g->map, "line 1");
	/* As in parse_gid, only the canonical form survives a round trip. */
	if (sscanf(line, "galaf-gate 2 %lu %lu", &g->min, &g->max) != 2 || /* NOLINT(cert-err34-c) */
	    snprintf(canon, sizeof(canon), "galaf-gate 2 %lu %lu", g->min, g->max) < 0 ||
	    strcmp(canon, line) != 0 || g->min < 1 || g->min > g->max || g->max > GID_LIMIT)
		bad_index("line 1",
			  "the header is not 'galaf-gate 2 MIN MAX' with "
			  "1 <= MIN <= MAX <= %lu",
			  GID_LIMIT);
	free(line);
	g->body = nl + 1;
}

/* The last line must be ".end": a file cut short anywhere lacks it. */
static void trailer_check(struct gate *g)
{
	/* The header's newline may end the line before ".end": no apps. */
	if (g->len < (size_t)(g->body - g->map) + 5 ||
	    memcmp(g->map + g->len - 5, ".end\n", 5) != 0 || g->map[g->len - 6] != '\n')
		bad_index("the last line", "no '.end' line at the end: the index is truncated, or "
					   "has text after its end");
	g->stop = g->map + g->len - 5;
}

static unsigned flags_parse(const char *s, const char *where)
{
	unsigned flags = 0;
	size_t n;

	if (!strcmp(s, "-"))
		return 0;
	for (;; s += n + 1) {
		n = strcspn(s, ",");
		if (n == 10 && !memcmp(s, "dropgroups", n))
			flags |= F_DROPGROUPS;
		else if (n == 5 && !memcmp(s, "nonnp", n))
			flags |= F_NONNP;
		else
			bad_index(where, "unknown flag '%.*s'", (int)n, s);
		if (!s[n])
			return flags;
	}
}

static void launchers_check(const char *s, const char *where)
{
	size_t n;

	if (!strcmp(s, "*"))
		return;
	for (;; s += n + 1) {
		n = strcspn(s, ",");
		if (!(s[0] == '@' ? account_name_ok(s + 1, n - 1) : account_name_ok(s, n)))
			bad_index(where, "bad launcher '%.*s'", (int)n, s);
		if (!s[n])
			return;
	}
}

static bool sha256_hex_ok(const char *s)
{
	size_t n = strspn(s, "0123456789abcdef");

	return n == SHA256_HEX_LEN && !s[n];
}

/* Cut the next TAB-separated field off *p, in place; NULL when none. */
static char *field_next(char **p)
{
	char *f = *p, *tab;

	if (!f)
		return NULL;
	tab = strchr(f, '\t');
	if (tab)
		*tab = '\0';
	*p = tab ? tab + 1 : NULL;
	return f;
}

/* Parse one entry line (a private copy, cut up in place) strictly. */
static void entry_parse(const struct gate *g, char *p, const char *where, struct entry *e)
{
	char *gid, *flags, *pin, *arg;

	memset(e, 0, sizeof(*e));
	e->name = field_next(&p);
	gid = field_next(&p);
	flags = field_next(&p);
	e->launchers = field_next(&p);
	pin = field_next(&p);
	if (!p)
		bad_index(where, "fewer than 6 TAB-separated fields");
	if (!app_name_ok(e->name))
		bad_index(where, "bad app name '%s'", e->name);
	if (parse_gid(gid, &e->gid) || e->gid < g->min || e->gid > g->max)
		bad_index(where, "gid '%s' of %s is outside the range %lu-%lu", gid, e->name,
			  g->min, g->max);
	e->flags = flags_parse(flags, where);
	launchers_check(e->launchers, where);
	if (strcmp(pin, "-") != 0 && !sha256_hex_ok(pin))
		bad_index(where, "the SHA-256 of %s is not '-' or 64 lower-case hex digits", e->name);
	e->sha256 = strcmp(pin, "-") ? pin : NULL;
	e->args = p;
	if (p[0] != '/')
		bad_index(where, "the command of %s is not an absolute path", e->name);
	while ((arg = field_next(&p))) {
		if (!strcmp(arg, ELLIPSIS) && e->ellipsis)
			bad_index(where, "more than one '…' for %s", e->name);
		if (!strcmp(arg, ELLIPSIS))
			e->ellipsis = e->nargs;
		e->nargs++;
	}
}

/* Bytewise order of the NAME field of the line at S against APP (as strcmp). */
static int name_cmp(const char *s, const char *nl, const char *app)
{
	const char *tab = memchr(s, '\t', nl - s);
	size_t n = (tab ? tab : nl) - s, an = strlen(app);
	int c = memcmp(s, app, n < an ? n : an);

	return c ? c : (n > an) - (n < an);
}

/* The start of the line holding byte P, not before LO. */
static const char *line_start(const char *lo, const char *p)
{
	const char *nl = p > lo ? memrchr(lo, '\n', p - lo) : NULL;

	return nl ? nl + 1 : lo;
}

/*
 * Binary search of the entry lines, sorted by NAME, for APP's line; its
 * neighbours must sort strictly before and after it, so a duplicate of
 * APP cannot hide. Of the other lines, only the NAMEs probed are read.
 */
static const char *index_find(const struct gate *g, const char *app, size_t *ret_len)
{
	const char *lo = g->body, *hi = g->stop, *s, *nl, *prev;
	int c;

	while (lo < hi) {
		s = line_start(lo, lo + (hi - lo) / 2);
		nl = memchr(s, '\n', hi - s); /* hi starts a line: found */
		c = name_cmp(s, nl, app);
		if (c < 0) {
			lo = nl + 1;
		} else if (c > 0) {
			hi = s;
		} else {
			prev = s > g->body ? line_start(g->body, s - 1) : NULL;
			if ((prev && name_cmp(prev, s - 1, app) >= 0) ||
			    (nl + 1 < g->stop &&
			     name_cmp(nl + 1, memchr(nl + 1, '\n', g->stop - nl - 1), app) <= 0))
				bad_index("the line of the app",
					  "'%s' is out of order or a duplicate", app);
			*ret_len = nl - s;
			return s;
		}
	}
	return NULL;
}

/* Map the index and check its header and its '.end' line. */
static void index_open(struct gate *g)
{
	index_map(g);
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
static bool launcher_ok(const struct caller *c, const char *s)
{
	char item[NAME_LEN + 3]; /* '@', name, '$': checked by launchers_check */
	size_t n;

	if (!strcmp(s, "*"))
		return true;
	for (;; s += n + 1) {
		n = strcspn(s, ",");
		memcpy(item, s, n);
		item[n] = '\0';
		if (item[0] == '@' ? in_group(c, item + 1) : !strcmp(item, c->name))
			return true;
		if (!s[n])
			return false;
	}
}

/* Check every line strictly, and print the caller's apps if C is given. */
static void index_walk(const struct gate *g, const struct caller *c)
{
	const char *s, *nl, *a;
	char where[32], *line, *prev = NULL;
	struct entry e;
	unsigned lineno = 2;
	size_t i;

	for (s = g->body; s < g->stop; s = nl + 1, lineno++, free(prev), prev = line) {
		nl = memchr(s, '\n', g->stop - s);
		snprintf(where, sizeof(where), "line %u", lineno);
		line = line_dup(s, nl - s, where);
		entry_parse(g, line, where, &e);
		if (prev && strcmp(prev, e.name) >= 0)
			bad_index(where, "'%s' is out of order or a duplicate", e.name);
		if (!c || !launcher_ok(c, e.launchers))
			continue;
		printf("%s\t", e.name);
		for (i = 0, a = e.args; i < e.nargs; i++, a += strlen(a) + 1)
			printf("%s%s", i ? " " : "", a);
		putchar('\n');
	}
	free(prev);
}

/* --list: a malformed line anywhere, and nothing is listed. */
static void list_apps(const struct gate *g, const struct caller *c)
{
	index_walk(g, NULL);
	index_walk(g, c);
}

/* The caller's arguments replace "…"; without one, none are accepted. */
static char **argv_build(const struct entry *e, char **user, size_t nuser)
{
	char **av, *a;
	size_t i, k = 0;

	if (!e->nargs)
		deny("%s has no command in %s", e->name, GATE_INDEX);
	if (nuser && !e->ellipsis)
		deny("%s takes no arguments (its command has no '…'); run "
		     "'galaf %s' alone",
		     e->name, e->name);
	if (!(av = calloc(e->nargs + nuser + 1, sizeof(*av))))
		deny("out of memory");
	for (i = 0, a = e->args; i < e->nargs; i++, a += strlen(a) + 1) {
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

static void __attribute__((noreturn)) exec_failed(const char *path, int err)
{
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
		exec_failed(av[0], errno);
	if (!S_ISREG(st.st_mode))
		exec_failed(av[0], EACCES);
	if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)))
		deny("%s: %s is pinned, but not owned by root or writable by group or "
		     "others: it could change between the check and the exec",
		     e->name, av[0]);
	if ((err = sha256_fd(fd, hex)) < 0)
		die(EXIT_EXEC, "%s: cannot read %s: %s", e->name, av[0], strerror(-err));
	if (strcmp(hex, e->sha256) != 0)
		deny("%s: %s does not match its pinned SHA-256 (pinned %.12s…, the file has "
		     "%.12s…); refusing to run it (if the change is expected: galaf-config pin "
		     "--write %s)",
		     e->name, av[0], e->sha256, hex, e->name);
	/* A script's interpreter reads it through /dev/fd/N: keep N open for it. */
	if (pread(fd, magic, 2, 0) == 2 && !memcmp(magic, "#!", 2) && fcntl(fd, F_SETFD, 0) < 0)
		exec_failed(av[0], errno);
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
	struct entry ent, *e = &ent;
	struct caller c;
	struct gate g = { 0 };
	char **envp, **av, *line;
	const char *found;
	size_t len;

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
	else if (!app_name_ok(argv[1]))
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
	if (!(found = index_find(&g, arg_app, &len)))
		deny("no app '%s' in %s; 'galaf --list' shows the apps you may "
		     "start",
		     arg_app, GATE_INDEX);
	line = line_dup(found, len, "the line of the app");
	entry_parse(&g, line, "the line of the app", e);
	index_close(&g);
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
	if (e->sha256)
		exec_pinned(e, av, envp);
	else
		execve(av[0], av, envp);
	exec_failed(av[0], errno);
}
