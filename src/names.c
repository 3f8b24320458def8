// SPDX-License-Identifier: GPL-2.0-or-later
#include "names.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <malloc.h>
#include <netdb.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "load.h"
#include "marker.h"
#include "netaddr.h"
#include "nft.h"
#include "strbuf.h"

/*
 * A miss in the system's databases can cost a third of a millisecond (the
 * systemd NSS module asks a daemon), and 10,000 unknown marks must not. The
 * databases are enumerated once; only this many ids are then asked directly.
 */
#define NAMES_DIRECT_MAX 32
#define DEFAULT_GID_MIN	 30000
#define DEFAULT_GID_MAX	 59999

int names_policy_load(const char *file, struct policy *p, struct diags *d)
{
	int ret = policy_load(file, p, d);

	if (ret == 0 && policy_check(p, d, 0))
		ret = -EINVAL;
	return ret;
}

/* id maps: open addressing on a power-of-two table ------------------- */

struct id_slot {
	uint32_t id;
	bool used;
	char *name;
};

static struct id_slot *id_slot(const struct id_map *m, uint32_t id)
{
	size_t i = (size_t)(id * 2654435761u) & (m->cap - 1);

	while (m->v[i].used && m->v[i].id != id)
		i = (i + 1) & (m->cap - 1);
	return &m->v[i];
}

static int id_grow(struct id_map *m)
{
	struct id_map nm = { .cap = m->cap ? m->cap * 2 : 64 };
	size_t i;

	nm.v = calloc(nm.cap, sizeof(*nm.v));
	if (!nm.v)
		return -ENOMEM;
	for (i = 0; i < m->cap; i++)
		if (m->v[i].used)
			*id_slot(&nm, m->v[i].id) = m->v[i];
	free(m->v);
	m->v = nm.v;
	m->cap = nm.cap;
	return 0;
}

static const char *id_get(const struct id_map *m, uint32_t id)
{
	struct id_slot *s;

	if (!m->cap)
		return NULL;
	s = id_slot(m, id);
	return s->used ? s->name : NULL;
}

/* Adds ID -> NAME unless ID is known; the first name wins. */
static int id_put(struct id_map *m, uint32_t id, const char *name)
{
	struct id_slot *s;

	if ((m->n + 1) * 2 > m->cap && id_grow(m))
		return -ENOMEM;
	s = id_slot(m, id);
	if (s->used)
		return 0;
	s->name = strdup(name);
	if (!s->name)
		return -ENOMEM;
	s->id = id;
	s->used = true;
	m->n++;
	return 0;
}

static void id_map_free(struct id_map *m)
{
	size_t i;

	for (i = 0; i < m->cap; i++)
		free(m->v[i].name);
	free(m->v);
	memset(m, 0, sizeof(*m));
}

/* The uid half a users entry's id takes in a mark. */
static uint32_t uid_half(long uid)
{
	return uid == 0 ? 1u : (uint32_t)uid & GALAF_MARK_UID_MASK;
}

void namer_init(struct namer *n, const struct policy *p)
{
	memset(n, 0, sizeof(*n));
	n->p = p;
	n->mask = p ? p->cfg.mark_mask : 0xffffffffu;
}

/* Policy entries name their ids before the system does. */
static int namer_fill_policy(struct namer *n)
{
	const struct policy *p = n->p;
	size_t i;

	for (i = 0; p && i < p->n_entries; i++) {
		const struct entry *e = &p->entries[i];
		int ret = 0;

		if (e->sys_id < 0 || e->sys_id > 0xffff)
			continue;
		/* config.mark_mask leaves the ids in marks without some of their bits. */
		if (e->kind == ENTRY_GROUP)
			ret = id_put(&n->groups, (uint32_t)e->sys_id & (n->mask >> 16), e->name);
		else if (uid_half(e->sys_id) != 1)
			ret = id_put(&n->users, uid_half(e->sys_id) & n->mask, e->name);
		if (ret)
			return ret;
	}
	return 0;
}

static int enumerate_groups(struct id_map *m)
{
	struct group *gr;
	int ret = 0;

	setgrent();
	while (!ret && (gr = getgrent()))
		if (gr->gr_gid <= 0xffff)
			ret = id_put(m, gr->gr_gid, gr->gr_name);
	endgrent();
	return ret;
}

static int enumerate_users(struct id_map *m)
{
	struct passwd *pw;
	int ret = 0;

	setpwent();
	while (!ret && (pw = getpwent()))
		if (pw->pw_uid > 1 && pw->pw_uid <= 0xffff)
			ret = id_put(m, pw->pw_uid, pw->pw_name);
	endpwent();
	return ret;
}

/* The name of a uid or gid half: the map, the databases, else the number. */
static const char *id_name(struct namer *n, bool group, uint32_t id)
{
	struct id_map *m = group ? &n->groups : &n->users;
	const char *name = id_get(m, id), *sys = NULL;
	char num[16];

	if (name)
		return name;
	/* A masked id is no system id: only the policy can name it. */
	if ((group ? n->mask >> 16 : n->mask & GALAF_MARK_UID_MASK) != 0xffff) {
		m->enumerated = true;
		m->direct = NAMES_DIRECT_MAX;
	}
	if (!m->enumerated) {
		m->enumerated = true;
		if ((group ? enumerate_groups(m) : enumerate_users(m)) == 0 && (name = id_get(m, id)))
			return name;
	}
	if (m->direct < NAMES_DIRECT_MAX) {
		m->direct++;
		if (group) {
			struct group *gr = getgrgid(id);

			sys = gr ? gr->gr_name : NULL;
		} else {
			struct passwd *pw = getpwuid(id);

			sys = pw ? pw->pw_name : NULL;
		}
	}
	snprintf(num, sizeof(num), "%u", id);
	if (id_put(m, id, sys ? sys : num))
		return NULL;
	return id_get(m, id);
}

int namer_name(struct namer *n, uint32_t mark, struct mark_name *ret)
{
	uint32_t u = galaf_mark_uid(mark), g = galaf_mark_gid(mark);

	if (!n->filled) {
		n->filled = true;
		if (namer_fill_policy(n))
			return -ENOMEM;
	}
	memset(ret, 0, sizeof(*ret));
	ret->mark = mark;
	ret->uid = ret->gid = -1;
	if (u == 1) {
		ret->user = "root";
		ret->uid = 0;
	} else if (u) {
		ret->user = id_name(n, false, u);
		ret->uid = u;
	}
	if (g) {
		ret->app = id_name(n, true, g);
		ret->gid = g;
	}
	if ((u > 1 && !ret->user) || (g && !ret->app))
		return -ENOMEM;
	if (!mark)
		snprintf(ret->label, sizeof(ret->label), "unmarked");
	else
		snprintf(ret->label, sizeof(ret->label), "%s/%s", ret->user ? ret->user : "-",
			 ret->app ? ret->app : "-");
	return 0;
}

void namer_free(struct namer *n)
{
	id_map_free(&n->users);
	id_map_free(&n->groups);
}

/* APP|USER|0xMARK ------------------------------------------------------ */

/* The bits of marks galaf writes (config.mark_mask). */
static uint32_t mark_mask(const struct policy *p)
{
	return p ? p->cfg.mark_mask : 0xffffffffu;
}

static int who_app(const struct policy *p, long gid, struct who *w)
{
	size_t i;

	if (gid < 0 || gid > 0xffff)
		return -ERANGE;
	w->kind = WHO_APP;
	w->id = (uint32_t)gid;
	w->mask = GALAF_MARK_GID_MASK & mark_mask(p);
	w->value = ((uint32_t)gid << GALAF_MARK_UID_BITS) & w->mask;
	if (!w->mask)
		return -ERANGE;
	for (i = 0; p && i < p->n_entries; i++)
		if (p->entries[i].kind == ENTRY_GROUP && p->entries[i].sys_id == gid)
			w->entry = &p->entries[i];
	return 0;
}

static int who_user(const struct policy *p, long uid, struct who *w)
{
	size_t i;

	if (uid < 0 || uid > 0xffff)
		return -ERANGE;
	w->kind = WHO_USER;
	w->id = uid_half(uid);
	w->mask = GALAF_MARK_UID_MASK & mark_mask(p);
	w->value = w->id & w->mask;
	if (!w->mask)
		return -ERANGE;
	for (i = 0; p && i < p->n_entries; i++)
		if (p->entries[i].kind == ENTRY_USER && p->entries[i].sys_id >= 0 &&
		    uid_half(p->entries[i].sys_id) == w->id)
			w->entry = &p->entries[i];
	return 0;
}

static int who_mark(const char *hex, struct who *w)
{
	unsigned long v;
	char *end;
	size_t i, n = strlen(hex);

	if (n == 0 || n > 8)
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (!isxdigit((unsigned char)hex[i]))
			return -EINVAL;
	v = strtoul(hex, &end, 16);
	w->kind = WHO_MARK;
	w->id = w->value = (uint32_t)v;
	w->mask = 0xffffffffu;
	return 0;
}

/* A policy entry of kind K named NAME; -ENOENT when it has no id here. */
static int who_policy(const struct policy *p, const char *name, enum entry_kind k, struct who *w)
{
	size_t i;

	for (i = 0; p && i < p->n_entries; i++) {
		const struct entry *e = &p->entries[i];

		if (e->kind != k || strcmp(e->name, name))
			continue;
		if (e->sys_id < 0)
			return -ENOENT;
		return k == ENTRY_GROUP ? who_app(p, e->sys_id, w) : who_user(p, e->sys_id, w);
	}
	return 1;
}

int who_resolve(const struct policy *p, const char *arg, bool marks, struct who *ret)
{
	unsigned lo = p ? p->cfg.gid_min : DEFAULT_GID_MIN;
	unsigned hi = p ? p->cfg.gid_max : DEFAULT_GID_MAX;
	struct group *gr;
	struct passwd *pw;
	int r;

	memset(ret, 0, sizeof(*ret));
	if (marks && arg[0] == '0' && (arg[1] == 'x' || arg[1] == 'X'))
		return who_mark(arg + 2, ret);
	if ((r = who_policy(p, arg, ENTRY_GROUP, ret)) <= 0 ||
	    (r = who_policy(p, arg, ENTRY_USER, ret)) <= 0)
		return r;
	gr = getgrnam(arg);
	if (gr && gr->gr_gid >= lo && gr->gr_gid <= hi)
		return who_app(p, gr->gr_gid, ret);
	pw = getpwnam(arg);
	if (pw)
		return who_user(p, pw->pw_uid, ret);
	gr = getgrnam(arg);
	if (gr)
		return who_app(p, gr->gr_gid, ret);
	return -ENOENT;
}

/* Reading sets ----------------------------------------------------------- */

/* nft identifiers as galaf writes them; anything else never reaches a command. */
static bool nft_name_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > 64 || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
		return false;
	for (i = 1; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("_.-", s[i]))
			return false;
	return true;
}

static char *read_text(const char *file, size_t *ret_len)
{
	struct strbuf sb = STRBUF_INIT;
	char buf[65536];
	size_t n;
	FILE *f = fopen(file, "re");

	if (!f)
		return NULL;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		sb_addn(&sb, buf, n);
	if (ferror(f))
		sb.oom = 1;
	fclose(f);
	*ret_len = sb.len;
	if (sb.oom) {
		sb_free(&sb);
		errno = EIO;
		return NULL;
	}
	return sb_steal(&sb);
}

int nft_src_load(struct nft_src *src, const char *file, char **ret_err)
{
	json_error_t jerr;

	*ret_err = NULL;
	src->text = read_text(file, &src->text_len);
	if (!src->text) {
		if (asprintf(ret_err, "%s: %s", file, strerror(errno)) < 0)
			*ret_err = NULL;
		return -EIO;
	}
	src->saved = json_loadb(src->text, src->text_len, 0, &jerr);
	if (!src->saved) {
		if (asprintf(ret_err, "%s:%d:%d: %s", file, jerr.line, jerr.column, jerr.text) < 0)
			*ret_err = NULL;
		nft_src_free(src);
		return -EINVAL;
	}
	if (!json_is_array(json_object_get(src->saved, "nftables"))) {
		if (asprintf(ret_err, "%s: not an nft JSON listing (no \"nftables\" array)", file) < 0)
			*ret_err = NULL;
		nft_src_free(src);
		return -EINVAL;
	}
	return 0;
}

void nft_src_free(struct nft_src *src)
{
	json_decref(src->saved);
	src->saved = NULL;
	free(src->text);
	src->text = NULL;
}

/* The object KIND ("table", "set") of inet TABLE named NAME (any name when NULL). */
static json_t *listing_find(json_t *root, const char *kind, const char *table, const char *name)
{
	json_t *it, *o;
	size_t i;

	json_array_foreach(json_object_get(root, "nftables"), i, it)
	{
		const char *fam, *tab, *nm;

		o = json_object_get(it, kind);
		fam = json_string_value(json_object_get(o, "family"));
		tab = json_string_value(json_object_get(o, !strcmp(kind, "table") ? "name" : "table"));
		nm = json_string_value(json_object_get(o, "name"));
		if (!o || !fam || !tab || !nm || strcmp(fam, "inet") || strcmp(tab, table))
			continue;
		if (!name || !strcmp(nm, name))
			return o;
	}
	return NULL;
}

static int nft_errno(const char *err)
{
	if (err && strstr(err, "Operation not permitted"))
		return -EPERM;
	if (err && strstr(err, "No such file or directory"))
		return -ENOENT;
	return -EIO;
}

/* Runs CMD with JSON output (and FLAGS); *RET_ROOT is the parsed output. */
static int nft_json(const char *cmd, unsigned flags, json_t **ret_root, char **ret_err)
{
	char *out = NULL;
	int ret = nft_run(cmd, NFT_RUN_JSON | flags, &out, ret_err);

	*ret_root = NULL;
	if (ret) {
		ret = nft_errno(*ret_err);
	} else {
		free(*ret_err);
		*ret_err = NULL;
		*ret_root = json_loads(out ? out : "", 0, NULL);
		if (!*ret_root)
			ret = -EIO;
	}
	free(out);
	return ret;
}

/* CAP_NET_ADMIN in the effective set: what nftables takes. */
bool have_net_admin(void)
{
	unsigned long long eff = 0;
	char line[256], *end;
	FILE *f = fopen("/proc/self/status", "re");
	bool found = false;

	if (!f)
		return true;
	while (!found && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "CapEff:", 7))
			continue;
		errno = 0;
		eff = strtoull(line + 7, &end, 16);
		found = !errno && end != line + 7;
	}
	fclose(f);
	return !found || (eff & (1ULL << 12));
}

int nft_src_check(struct nft_src *src, char **ret_err)
{
	json_t *root = NULL;
	int ret;

	*ret_err = NULL;
	if (!nft_name_ok(src->table))
		return -EINVAL;
	/* Checked first: libnftables would print its own message on stderr. */
	if (!src->saved && !have_net_admin())
		return -EPERM;
	if (src->saved) {
		if (listing_find(src->saved, "table", src->table, NULL) ||
		    listing_find(src->saved, "set", src->table, NULL))
			return 0;
		return -ENOENT;
	}
	/* nft 1.0.6 fetches every set element for "list tables"; terse "list sets" does not. */
	ret = nft_json("list sets inet", NFT_RUN_TERSE, &root, ret_err);
	if (!ret && !listing_find(root, "set", src->table, NULL))
		ret = -ENOENT;
	json_decref(root);
	return ret;
}

/*
 * Listing a set of 10,000 elements costs libnftables about 0.1 s of CPU, so
 * several sets are listed at once, by child processes that each run one
 * "list set" through libnftables and hand back its JSON output on a pipe.
 */
#define NFT_SRC_JOBS 3

struct job {
	pid_t pid;
	int fd;
	size_t idx;
	struct strbuf out; /* '0' and the JSON output, or '1' and nft's error */
};

static void write_all(int fd, const char *s, size_t len)
{
	while (len) {
		ssize_t n = write(fd, s, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		s += n;
		len -= (size_t)n;
	}
}

/*
 * libnftables takes some 20 MB of small allocations for 10,000 elements:
 * thousands of page faults, unless the heap they come from is in
 * transparent huge pages. Grow the heap once, keep it, and say so.
 */
static void heap_hint(void)
{
	size_t len = 24u << 20, page = 2u << 20;
	char *p;

	mallopt(M_MMAP_THRESHOLD, 32 << 20);
	mallopt(M_TRIM_THRESHOLD, 256 << 20);
	p = malloc(len);
	if (!p)
		return;
	madvise(p + (page - (uintptr_t)p % page) % page, len - page, MADV_HUGEPAGE);
	free(p);
}

static void job_child(const char *cmd, int fd)
{
	char *out = NULL, *err = NULL;
	int r;
	const char *s;

	heap_hint();
	r = nft_run(cmd, NFT_RUN_JSON, &out, &err);
	s = r ? (err ? err : "") : (out ? out : "");

	write_all(fd, r ? "1" : "0", 1);
	write_all(fd, s, strlen(s));
	free(out);
	free(err);
	_exit(0);
}

static int job_start(struct job *j, const char *table, const char *name, size_t idx)
{
	char cmd[192];
	int fds[2];

	snprintf(cmd, sizeof(cmd), "list set inet %s %s", table, name);
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	j->pid = fork();
	if (j->pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -EAGAIN;
	}
	if (j->pid == 0) {
		close(fds[0]);
		job_child(cmd, fds[1]);
	}
	close(fds[1]);
	j->fd = fds[0];
	j->idx = idx;
	memset(&j->out, 0, sizeof(j->out));
	return 0;
}

/* Reads what the child wrote: 1 at its end, 0 when more may come, or -errno. */
static int job_read(struct job *j)
{
	char buf[65536];
	ssize_t n = read(j->fd, buf, sizeof(buf));

	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	if (n == 0)
		return 1;
	sb_addn(&j->out, buf, (size_t)n);
	return j->out.oom ? -ENOMEM : 0;
}

/*
 * Takes the JSON listing of set IDX as soon as its child is done (TEXT is
 * NULL when the set does not exist); returns 0 or -errno.
 */
typedef int (*take_fn)(size_t idx, const char *text, size_t len, void *ctx);

struct jobs {
	const char *const *names;
	take_fn take;
	void *ctx;
	char **ret_err;
};

/* Reaps the child and hands its answer on. */
static int job_finish(struct job *j, int how, const struct jobs *js)
{
	int r = how < 0 ? how : 0;

	close(j->fd);
	if (how < 0)
		kill(j->pid, SIGKILL);
	while (waitpid(j->pid, NULL, 0) < 0 && errno == EINTR)
		;
	if (!r && j->out.len == 0)
		r = -EIO;
	if (!r && j->out.buf[0] == '1') {
		r = nft_errno(j->out.buf + 1);
		if (r != -ENOENT && !*js->ret_err)
			*js->ret_err = strdup(j->out.buf + 1);
		if (r == -ENOENT)
			r = js->take(j->idx, NULL, 0, js->ctx);
	} else if (!r) {
		r = js->take(j->idx, j->out.buf + 1, j->out.len - 1, js->ctx);
	}
	sb_free(&j->out);
	return r;
}

/* Waits until running jobs have output, and takes it in. */
static int jobs_poll(struct job *jobs, size_t *running, const struct jobs *js)
{
	struct pollfd pfd[NFT_SRC_JOBS];
	size_t i;
	int r = 0, how;

	for (i = 0; i < *running; i++)
		pfd[i] = (struct pollfd){ .fd = jobs[i].fd, .events = POLLIN };
	if (poll(pfd, *running, -1) < 0)
		return errno == EINTR ? 0 : -errno;
	for (i = *running; i-- > 0;) {
		if (!pfd[i].revents)
			continue;
		how = job_read(&jobs[i]);
		if (!how)
			continue;
		how = job_finish(&jobs[i], how, js);
		r = r ? r : how;
		jobs[i] = jobs[--*running];
	}
	return r;
}

/* Lists the sets NAMES[0..N) of the kernel's table, each handed to JS->take. */
static int kernel_sets(struct nft_src *src, size_t n, const struct jobs *js)
{
	struct job jobs[NFT_SRC_JOBS] = { 0 };
	size_t next = 0, running = 0, i;
	int r = 0, pr;

	*js->ret_err = NULL;
	for (i = 0; i < n; i++)
		if (!nft_name_ok(js->names[i]))
			r = -EINVAL;
	if (!nft_name_ok(src->table))
		r = -EINVAL;
	while (!r && (next < n || running)) {
		while (!r && running < NFT_SRC_JOBS && next < n) {
			r = job_start(&jobs[running], src->table, js->names[next], next);
			running += !r;
			next += !r;
		}
		pr = running ? jobs_poll(jobs, &running, js) : 0;
		r = r ? r : pr;
	}
	while (running) {
		running--;
		job_finish(&jobs[running], -ECANCELED, js);
	}
	return r;
}

struct take_json_ctx {
	const char *table;
	const char *const *names;
	json_t **ret;
};

static int take_json(size_t idx, const char *text, size_t len, void *ctx)
{
	struct take_json_ctx *t = ctx;
	json_t *root;

	if (!text)
		return 0;
	root = json_loadb(text, len, 0, NULL);
	if (!root)
		return -EIO;
	t->ret[idx] = json_incref(listing_find(root, "set", t->table, t->names[idx]));
	json_decref(root);
	return 0;
}

int nft_src_sets(struct nft_src *src, const char *const *names, size_t n, json_t **ret, char **ret_err)
{
	struct take_json_ctx t = { src->table, names, ret };
	struct jobs js = { names, take_json, &t, ret_err };
	size_t i;
	int r;

	*ret_err = NULL;
	for (i = 0; i < n; i++) {
		ret[i] = NULL;
		if (src->saved)
			ret[i] = json_incref(listing_find(src->saved, "set", src->table, names[i]));
	}
	if (src->saved || !n)
		return 0;
	r = kernel_sets(src, n, &js);
	for (i = 0; r && i < n; i++) {
		json_decref(ret[i]);
		ret[i] = NULL;
	}
	return r;
}

/* Set elements ----------------------------------------------------------- */

/* An element's key and its counter: {"elem": {"val": V, "counter": {...}}} or plain V. */
static json_t *elem_val(json_t *e, uint64_t *packets, uint64_t *bytes)
{
	json_t *in = json_object_get(e, "elem"), *c;

	*packets = *bytes = 0;
	if (!in)
		return e;
	c = json_object_get(in, "counter");
	*packets = (uint64_t)json_integer_value(json_object_get(c, "packets"));
	*bytes = (uint64_t)json_integer_value(json_object_get(c, "bytes"));
	return json_object_get(in, "val");
}

/* A mark as nft prints it: a number, or a string in hex or decimal. */
static int json_u32(json_t *v, uint32_t *ret)
{
	const char *s = json_string_value(v);
	unsigned long long x;
	char *end;

	if (json_is_integer(v)) {
		if (json_integer_value(v) < 0 || json_integer_value(v) > 0xffffffffLL)
			return -EINVAL;
		*ret = (uint32_t)json_integer_value(v);
		return 0;
	}
	if (!s || !*s)
		return -EINVAL;
	errno = 0;
	x = strtoull(s, &end, 0);
	if (errno || *end || x > 0xffffffffULL)
		return -EINVAL;
	*ret = (uint32_t)x;
	return 0;
}

/*
 * Counter sets are read with a small scanner over libnftables' JSON text:
 * jansson would build some 50,000 objects for 10,000 elements. It expects
 * what nft prints, {"nftables": [{"set": {..., "elem": [...]}}, ...]}, and
 * skips whatever else it meets.
 */
struct scan {
	const char *p, *end;
};

static void sc_ws(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\n' || *s->p == '\t' || *s->p == '\r'))
		s->p++;
}

static bool sc_eat(struct scan *s, char c)
{
	sc_ws(s);
	if (s->p < s->end && *s->p == c) {
		s->p++;
		return true;
	}
	return false;
}

/* A string, without its quotes and with its escapes as written. */
static bool sc_str(struct scan *s, const char **v, size_t *n)
{
	if (!sc_eat(s, '"'))
		return false;
	*v = s->p;
	while (s->p < s->end && *s->p != '"')
		s->p += *s->p == '\\' ? 2 : 1;
	if (s->p >= s->end)
		return false;
	*n = (size_t)(s->p++ - *v);
	return true;
}

static bool sc_u64(struct scan *s, uint64_t *v)
{
	sc_ws(s);
	if (s->p >= s->end || !isdigit((unsigned char)*s->p))
		return false;
	for (*v = 0; s->p < s->end && isdigit((unsigned char)*s->p); s->p++) {
		if (*v > (UINT64_MAX - 9) / 10)
			return false;
		*v = *v * 10 + (uint64_t)(*s->p - '0');
	}
	return true;
}

static bool sc_skip(struct scan *s, int depth);

typedef bool (*member_fn)(struct scan *s, const char *key, size_t len, void *ctx);

/* Calls FN for each member of an object; FN consumes the value. */
static bool sc_object(struct scan *s, member_fn fn, void *ctx, int depth)
{
	const char *k;
	size_t n;

	if (depth > 32 || !sc_eat(s, '{'))
		return false;
	if (sc_eat(s, '}'))
		return true;
	do {
		if (!sc_str(s, &k, &n) || !sc_eat(s, ':'))
			return false;
		if (!(fn ? fn(s, k, n, ctx) : sc_skip(s, depth + 1)))
			return false;
	} while (sc_eat(s, ','));
	return sc_eat(s, '}');
}

static bool sc_skip(struct scan *s, int depth)
{
	const char *v;
	size_t n;

	sc_ws(s);
	if (s->p >= s->end || depth > 32)
		return false;
	if (*s->p == '"')
		return sc_str(s, &v, &n);
	if (*s->p == '{')
		return sc_object(s, NULL, NULL, depth);
	if (*s->p == '[') {
		s->p++;
		if (sc_eat(s, ']'))
			return true;
		do {
			if (!sc_skip(s, depth + 1))
				return false;
		} while (sc_eat(s, ','));
		return sc_eat(s, ']');
	}
	for (v = s->p; s->p < s->end && !strchr(",]} \t\r\n", *s->p); s->p++)
		;
	return s->p > v;
}

static bool key_is(const char *k, size_t n, const char *want)
{
	return strlen(want) == n && !memcmp(k, want, n);
}

/* {"packets": P, "bytes": B} */
static bool counter_member(struct scan *s, const char *k, size_t n, void *ctx)
{
	struct stat_row *r = ctx;

	if (key_is(k, n, "packets"))
		return sc_u64(s, &r->packets);
	if (key_is(k, n, "bytes"))
		return sc_u64(s, &r->bytes);
	return sc_skip(s, 8);
}

/* A mark: a number, or a string in hex or decimal. */
static bool sc_mark(struct scan *s, uint32_t *mark, bool *ok)
{
	const char *v;
	size_t n;
	uint64_t x;
	char buf[24], *end;

	sc_ws(s);
	if (s->p < s->end && *s->p == '"') {
		if (!sc_str(s, &v, &n))
			return false;
		snprintf(buf, sizeof(buf), "%.*s", (int)n, v);
		x = strtoull(buf, &end, 0);
		*ok = n && !*end && x <= 0xffffffffULL;
	} else if (s->p < s->end && isdigit((unsigned char)*s->p)) {
		if (!sc_u64(s, &x))
			return false;
		*ok = x <= 0xffffffffULL;
	} else {
		*ok = false;
		return sc_skip(s, 8);
	}
	*mark = (uint32_t)x;
	return true;
}

struct elem_scan {
	struct stat_row row;
	bool ok;
};

/* {"val": MARK, "counter": {...}} */
static bool elem_member(struct scan *s, const char *k, size_t n, void *ctx)
{
	struct elem_scan *e = ctx;

	if (key_is(k, n, "val"))
		return sc_mark(s, &e->row.mark, &e->ok);
	if (key_is(k, n, "counter")) {
		sc_ws(s);
		if (s->p < s->end && *s->p == '{')
			return sc_object(s, counter_member, &e->row, 8);
		return sc_skip(s, 8);
	}
	return sc_skip(s, 8);
}

static bool item_member(struct scan *s, const char *k, size_t n, void *ctx)
{
	return key_is(k, n, "elem") ? sc_object(s, elem_member, ctx, 6) : sc_skip(s, 6);
}

static int rows_push(struct stat_rows *r, size_t *cap, const struct stat_row *row)
{
	if (r->n == *cap) {
		size_t nc = *cap ? *cap * 2 : 256;
		struct stat_row *v = realloc(r->v, nc * sizeof(*v));

		if (!v)
			return -ENOMEM;
		r->v = v;
		*cap = nc;
	}
	r->v[r->n++] = *row;
	return 0;
}

/* The "elem" array: plain marks, or {"elem": {...}} with counters. */
static int scan_elems(struct scan *s, struct stat_rows *ret)
{
	size_t cap = 0;

	if (!sc_eat(s, '['))
		return -EINVAL;
	if (sc_eat(s, ']'))
		return 0;
	do {
		struct elem_scan e = { .ok = false };

		sc_ws(s);
		if (s->p < s->end && *s->p == '{') {
			if (!sc_object(s, item_member, &e, 5))
				return -EINVAL;
		} else if (!sc_mark(s, &e.row.mark, &e.ok)) {
			return -EINVAL;
		}
		if (e.ok && rows_push(ret, &cap, &e.row))
			return -ENOMEM;
	} while (sc_eat(s, ','));
	return sc_eat(s, ']') ? 0 : -EINVAL;
}

struct set_scan {
	const char *table, *name;
	bool family_ok, table_ok, name_ok;
	const char *elem; /* where its "elem" array starts */
};

static bool set_member(struct scan *s, const char *k, size_t n, void *ctx)
{
	struct set_scan *ss = ctx;
	const char *v;
	size_t vn;

	if (key_is(k, n, "elem")) {
		sc_ws(s);
		ss->elem = s->p;
		return sc_skip(s, 4);
	}
	if (!key_is(k, n, "family") && !key_is(k, n, "table") && !key_is(k, n, "name"))
		return sc_skip(s, 4);
	if (!sc_str(s, &v, &vn))
		return false;
	if (key_is(k, n, "family"))
		ss->family_ok = key_is(v, vn, "inet");
	else if (key_is(k, n, "table"))
		ss->table_ok = key_is(v, vn, ss->table);
	else
		ss->name_ok = key_is(v, vn, ss->name);
	return true;
}

struct find_scan {
	struct set_scan want;
	const char *elem;
	bool found;
};

static bool listing_item_member(struct scan *s, const char *k, size_t n, void *ctx)
{
	struct find_scan *f = ctx;
	struct set_scan ss = f->want;

	if (!key_is(k, n, "set"))
		return sc_skip(s, 3);
	ss.family_ok = ss.table_ok = ss.name_ok = false;
	ss.elem = NULL;
	if (!sc_object(s, set_member, &ss, 3))
		return false;
	if (ss.family_ok && ss.table_ok && ss.name_ok && !f->found) {
		f->found = true;
		f->elem = ss.elem;
	}
	return true;
}

static bool root_member(struct scan *s, const char *k, size_t n, void *ctx)
{
	if (!key_is(k, n, "nftables"))
		return sc_skip(s, 1);
	if (!sc_eat(s, '['))
		return false;
	if (sc_eat(s, ']'))
		return true;
	do {
		if (!sc_object(s, listing_item_member, ctx, 2))
			return false;
	} while (sc_eat(s, ','));
	return sc_eat(s, ']');
}

static int cmp_stat_row(const void *a, const void *b)
{
	const struct stat_row *x = a, *y = b;

	return x->mark < y->mark ? -1 : x->mark > y->mark;
}

/* The counter set TABLE NAME in the listing TEXT, sorted by mark; empty when absent. */
static int stat_rows_scan(const char *text, size_t len, const char *table, const char *name,
			  struct stat_rows *ret)
{
	struct find_scan f = { .want = { .table = table, .name = name } };
	struct scan s = { text, text + len };
	int r = 0;

	memset(ret, 0, sizeof(*ret));
	if (!sc_object(&s, root_member, &f, 0))
		return -EIO;
	if (f.elem) {
		s.p = f.elem;
		r = scan_elems(&s, ret);
	}
	if (r) {
		stat_rows_free(ret);
		return r == -ENOMEM ? r : -EIO;
	}
	if (ret->n)
		qsort(ret->v, ret->n, sizeof(*ret->v), cmp_stat_row);
	return 0;
}

struct take_counters_ctx {
	const char *table;
	const char *const *names;
	struct stat_rows *ret;
};

static int take_counters(size_t idx, const char *text, size_t len, void *ctx)
{
	struct take_counters_ctx *t = ctx;

	return text ? stat_rows_scan(text, len, t->table, t->names[idx], &t->ret[idx]) : 0;
}

int nft_src_counters(struct nft_src *src, const char *const *names, size_t n, struct stat_rows *ret,
		     char **ret_err)
{
	struct take_counters_ctx t = { src->table, names, ret };
	struct jobs js = { names, take_counters, &t, ret_err };
	size_t i;
	int r = 0;

	*ret_err = NULL;
	memset(ret, 0, n * sizeof(*ret));
	if (!src->text)
		r = kernel_sets(src, n, &js);
	for (i = 0; !r && src->text && i < n; i++)
		r = take_counters(i, src->text, src->text_len, &t);
	for (i = 0; r && i < n; i++)
		stat_rows_free(&ret[i]);
	return r;
}

void stat_rows_free(struct stat_rows *r)
{
	free(r->v);
	r->v = NULL;
	r->n = 0;
}

static int parse_addr(const char *s, int *family, uint8_t addr[16])
{
	memset(addr, 0, 16);
	if (!s)
		return -EINVAL;
	if (inet_pton(AF_INET, s, addr) == 1) {
		*family = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, s, addr) == 1) {
		*family = 6;
		return 0;
	}
	return -EINVAL;
}

static int json_proto(json_t *v)
{
	const char *s = json_string_value(v);
	struct protoent *pe;
	int p;

	if (json_is_integer(v)) {
		json_int_t x = json_integer_value(v);

		return x >= 0 && x <= 255 ? (int)x : -1;
	}
	if (!s)
		return -1;
	p = proto_lookup(s);
	if (p >= 0)
		return p;
	pe = getprotobyname(s);
	return pe ? pe->p_proto : -1;
}

static long json_port(json_t *v)
{
	const char *s = json_string_value(v);
	struct servent *se;
	unsigned lo, hi;

	if (json_is_integer(v)) {
		json_int_t x = json_integer_value(v);

		return x >= 0 && x <= 65535 ? (long)x : -1;
	}
	if (!s)
		return -1;
	if (port_range_parse(s, &lo, &hi) == 0 && lo == hi)
		return lo;
	se = getservbyname(s, NULL);
	return se ? ntohs((uint16_t)se->s_port) : -1;
}

/* One element of tried4/6 or refused4/6: mark . addr . proto . port. */
static int tried_elem(json_t *e, bool refused, struct tried_row *t)
{
	uint64_t packets, bytes;
	json_t *c = json_object_get(elem_val(e, &packets, &bytes), "concat");
	long port;

	memset(t, 0, sizeof(*t));
	if (json_array_size(c) != 4 || json_u32(json_array_get(c, 0), &t->mark) ||
	    parse_addr(json_string_value(json_array_get(c, 1)), &t->family, t->addr))
		return -EINVAL;
	t->proto = json_proto(json_array_get(c, 2));
	port = json_port(json_array_get(c, 3));
	if (t->proto < 0 || port < 0)
		return -EINVAL;
	t->port = (unsigned)port;
	t->refused = refused;
	if (refused) {
		t->rpackets = packets;
		t->rbytes = bytes;
	} else {
		t->packets = packets;
		t->bytes = bytes;
	}
	return 0;
}

static int cmp_tried(const void *a, const void *b)
{
	const struct tried_row *x = a, *y = b;
	int c;

	if (x->mark != y->mark)
		return x->mark < y->mark ? -1 : 1;
	if (x->family != y->family)
		return x->family - y->family;
	c = memcmp(x->addr, y->addr, 16);
	if (c)
		return c;
	if (x->proto != y->proto)
		return x->proto - y->proto;
	return x->port < y->port ? -1 : x->port > y->port;
}

static int tried_add_set(struct tried_rows *r, json_t *set, bool refused)
{
	json_t *elems = json_object_get(set, "elem"), *e;
	struct tried_row *v;
	size_t i;

	v = realloc(r->v, (r->n + json_array_size(elems) + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	r->v = v;
	json_array_foreach(elems, i, e) if (tried_elem(e, refused, &r->v[r->n]) == 0) r->n++;
	return 0;
}

/* Sorted rows with equal keys become one: tried counters, refused counters. */
static void tried_merge(struct tried_rows *r)
{
	size_t i, j = 0;

	qsort(r->v, r->n, sizeof(*r->v), cmp_tried);
	for (i = 0; i < r->n; i++) {
		struct tried_row *d = j ? &r->v[j - 1] : NULL, *s = &r->v[i];

		if (d && cmp_tried(d, s) == 0) {
			d->packets += s->packets;
			d->bytes += s->bytes;
			d->rpackets += s->rpackets;
			d->rbytes += s->rbytes;
			d->refused |= s->refused;
		} else {
			r->v[j++] = *s;
		}
	}
	r->n = j;
}

int tried_rows_read(struct nft_src *src, bool tried, struct tried_rows *ret, char **ret_err)
{
	static const char *const names[] = { "tried4", "tried6", "refused4", "refused6" };
	json_t *sets[4];
	size_t i, first = tried ? 0 : 2;
	int r;

	memset(ret, 0, sizeof(*ret));
	r = nft_src_sets(src, names + first, 4 - first, sets, ret_err);
	for (i = 0; !r && i < 4 - first; i++)
		if (sets[i])
			r = tried_add_set(ret, sets[i], first + i >= 2);
	for (i = 0; i < 4 - first; i++)
		json_decref(sets[i]);
	if (!r)
		tried_merge(ret);
	return r;
}

void tried_rows_free(struct tried_rows *r)
{
	free(r->v);
	r->v = NULL;
	r->n = 0;
}

void tried_addr_format(const struct tried_row *t, char *buf, size_t len)
{
	if (!inet_ntop(t->family == 4 ? AF_INET : AF_INET6, t->addr, buf, (socklen_t)len))
		snprintf(buf, len, "?");
}

void proto_format(int proto, char *buf, size_t len)
{
	const char *n = proto_name(proto);

	if (n)
		snprintf(buf, len, "%s", n);
	else
		snprintf(buf, len, "%d", proto);
}

/* Learned addresses ------------------------------------------------------- */

struct learned_addr {
	int family;
	uint8_t addr[16];
	int dset;
};

static int cmp_learned(const void *a, const void *b)
{
	const struct learned_addr *x = a, *y = b;
	int c;

	if (x->family != y->family)
		return x->family - y->family;
	c = memcmp(x->addr, y->addr, 16);
	return c ? c : x->dset - y->dset;
}

static int learned_add_set(struct learned *l, json_t *set, int dset)
{
	json_t *elems = json_object_get(set, "elem"), *e;
	struct learned_addr *v;
	uint64_t pk, by;
	size_t i;

	v = realloc(l->v, (l->n + json_array_size(elems) + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	l->v = v;
	json_array_foreach(elems, i, e)
	{
		struct learned_addr *a = &l->v[l->n];

		if (parse_addr(json_string_value(elem_val(e, &pk, &by)), &a->family, a->addr))
			continue;
		a->dset = dset;
		l->n++;
	}
	return 0;
}

/* The names of the policy's learned sets: NAME_4, NAME_6; D[i] is the dset of V[i]. */
static int learned_names(const struct policy *p, struct strv *v, int **d)
{
	char name[NAME_MAX_LEN * 2 + 16];
	size_t i;
	int f;

	*d = calloc(p->n_dsets * 2 + 1, sizeof(**d));
	if (!*d)
		return -ENOMEM;
	for (i = 0; i < p->n_dsets; i++) {
		for (f = 4; f <= 6; f += 2) {
			if (!(p->dsets[i].families & (f == 4 ? FAM4 : FAM6)))
				continue;
			snprintf(name, sizeof(name), "%s_%d", p->dsets[i].name, f);
			(*d)[v->n] = (int)i;
			if (strv_push(v, name))
				return -ENOMEM;
		}
	}
	return 0;
}

int learned_read(struct nft_src *src, const struct policy *p, struct learned *ret, char **ret_err)
{
	struct strv names = { 0 };
	json_t **sets = NULL;
	int *dset = NULL, r;
	size_t i;

	memset(ret, 0, sizeof(*ret));
	*ret_err = NULL;
	r = learned_names(p, &names, &dset);
	if (!r && names.n && !(sets = calloc(names.n, sizeof(*sets))))
		r = -ENOMEM;
	if (!r && names.n)
		r = nft_src_sets(src, (const char *const *)names.v, names.n, sets, ret_err);
	for (i = 0; !r && i < names.n; i++)
		if (sets[i])
			r = learned_add_set(ret, sets[i], dset[i]);
	for (i = 0; sets && i < names.n; i++)
		json_decref(sets[i]);
	if (ret->n)
		qsort(ret->v, ret->n, sizeof(*ret->v), cmp_learned);
	free(sets);
	free(dset);
	strv_free(&names);
	return r;
}

void learned_free(struct learned *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

int learned_domains(const struct learned *l, const struct policy *p, int family,
		    const uint8_t *addr, struct strv *out)
{
	struct learned_addr key = { .family = family, .dset = -1 };
	size_t lo = 0, hi = l->n, j;

	memcpy(key.addr, addr, 16);
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cmp_learned(&l->v[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < l->n && l->v[lo].family == family && !memcmp(l->v[lo].addr, addr, 16); lo++) {
		const struct dset *d = &p->dsets[l->v[lo].dset];

		for (j = 0; j < d->domains.n; j++)
			if (!strv_contains(out, d->domains.v[j]) && strv_push(out, d->domains.v[j]))
				return -ENOMEM;
	}
	strv_sort_unique(out);
	return 0;
}
