// SPDX-License-Identifier: GPL-2.0-or-later
#include "nft/listing.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/diag.h"
#include "lib/fileio.h"
#include "lib/heap.h"
#include "lib/strbuf.h"
#include "nft/netlink.h"
#include "nft/nft.h"

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

int nft_src_load(struct nft_src *src, const char *file, struct diags *d)
{
	json_error_t jerr;

	/* A saved listing of 10,000 apps is some megabytes; more is not one. */
	src->text = file_read(file, 1u << 30, &src->text_len);
	if (!src->text) {
		diag_add(d, DIAG_ERROR, NULL, "%s: %s", file, strerror(errno));
		return -EIO;
	}
	src->saved = json_loadb(src->text, src->text_len, 0, &jerr);
	if (!src->saved) {
		diag_add(d, DIAG_ERROR, NULL, "%s:%d:%d: %s", file, jerr.line, jerr.column,
			 jerr.text);
		nft_src_free(src);
		return -EINVAL;
	}
	if (!json_is_array(json_object_get(src->saved, "nftables"))) {
		diag_add(d, DIAG_ERROR, NULL, "%s: not an nft JSON listing (no \"nftables\" array)",
			 file);
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

int nft_src_check(struct nft_src *src, struct diags *d)
{
	int ret;

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
	/* libnftables would list every set of the table (and nft 1.0.6 their elements). */
	ret = nft_table_exists(src->table);
	if (ret && ret != -ENOENT && ret != -EPERM)
		diag_add(d, DIAG_ERROR, NULL, "%s", strerror(-ret));
	return ret == -ENOENT || ret == -EPERM || !ret ? ret : -EIO;
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

static void job_child(const char *cmd, int fd)
{
	struct diags d = { 0 };
	char *out = NULL;
	int r;
	const char *s;

	/* libnftables takes some 20 MB of small allocations for 10,000 elements. */
	heap_prefault(24u << 20);
	r = nft_run(cmd, NFT_RUN_JSON, &out, &d);
	s = r ? (diag_first(&d) ? diag_first(&d) : "") : (out ? out : "");

	if (!write_all(fd, r ? "1" : "0", 1))
		write_all(fd, s, strlen(s));
	free(out);
	diag_free(&d);
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
 * Takes the JSON listing of set IDX as soon as it is read (TEXT is NULL
 * when the set does not exist); returns 0 or -errno.
 */
typedef int (*nft_take_fn)(size_t idx, const char *text, size_t len, void *ctx);

struct jobs {
	const char *const *names;
	nft_take_fn take;
	void *ctx;
	struct diags *d;
	bool failed; /* nft's first message is in D: the others add nothing */
};

/* Reaps the child and hands its answer on. */
static int job_finish(struct job *j, int how, struct jobs *js)
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
		if (r != -ENOENT && !js->failed) {
			diag_add(js->d, DIAG_ERROR, NULL, "%s", j->out.buf + 1);
			js->failed = true;
		}
		if (r == -ENOENT)
			r = js->take(j->idx, NULL, 0, js->ctx);
	} else if (!r) {
		r = js->take(j->idx, j->out.buf + 1, j->out.len - 1, js->ctx);
	}
	sb_free(&j->out);
	return r;
}

/* Waits until running jobs have output, and takes it in. */
static int jobs_poll(struct job *jobs, size_t *running, struct jobs *js)
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
static int kernel_sets(struct nft_src *src, size_t n, struct jobs *js)
{
	struct job jobs[NFT_SRC_JOBS] = { 0 };
	size_t next = 0, running = 0, i;
	int r = 0, pr;

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

int nft_src_sets(struct nft_src *src, const char *const *names, size_t n, json_t **ret,
		 struct diags *d)
{
	struct take_json_ctx t = { src->table, names, ret };
	struct jobs js = { names, take_json, &t, d, false };
	size_t i;
	int r;

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

/* An element's key and its counter: {"elem": {"val": V, "counter": {...}}} or plain V. */
json_t *nft_elem_val(json_t *e, uint64_t *packets, uint64_t *bytes)
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
int nft_json_u32(json_t *v, uint32_t *ret)
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
