// SPDX-License-Identifier: GPL-2.0-or-later
#include "policy/load.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/strbuf.h"
#include "policy/ld.h"
#include "policy/load_config.h"

static void load_allow_one(struct ld *ld, json_t *v, const char *path, bool inbound, struct allow *a)
{
	static const char *const out_keys[] = { "to", "proto", "ports", NULL };
	static const char *const in_keys[] = { "from", "proto", "ports", NULL };
	const char *tokey = inbound ? "from" : "to";
	char *p;
	json_t *x;

	a->proto_num = -1;
	a->dset = -1;
	if (!json_is_object(v)) {
		ld_err(ld, path,
		       "must be an object such as {\"%s\": [...], \"proto\": \"tcp\", \"ports\": [443]}, not %s",
		       tokey, type_name(v));
		return;
	}
	check_keys(ld, v, path, inbound ? in_keys : out_keys, NULL);
	if ((x = json_object_get(v, tokey))) {
		p = path_key(path, tokey);
		a->has_to = get_strv(ld, x, p, false, &a->to);
		free(p);
	}
	if ((x = json_object_get(v, "proto"))) {
		char buf[32];

		p = path_key(path, "proto");
		if (json_is_integer(x)) {
			snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(x));
			a->proto = strdup(buf);
			a->has_proto = a->proto != NULL;
		} else {
			a->has_proto = get_string(ld, x, p, &a->proto);
		}
		free(p);
	}
	if ((x = json_object_get(v, "ports"))) {
		p = path_key(path, "ports");
		a->has_ports = get_strv(ld, x, p, true, &a->ports);
		free(p);
	}
}

static void load_allow(struct ld *ld, json_t *v, const char *path, bool inbound, struct allow **out,
		       size_t *n_out)
{
	size_t i;
	json_t *x;

	if (!json_is_array(v)) {
		ld_err(ld, path, "must be an array of objects, not %s", type_name(v));
		return;
	}
	*out = calloc(json_array_size(v) + 1, sizeof(**out));
	if (!*out) {
		ld->oom = 1;
		return;
	}
	json_array_foreach(v, i, x)
	{
		char *ip = path_idx(path, i);

		if (!ip) {
			ld->oom = 1;
			return;
		}
		load_allow_one(ld, x, ip, inbound, &(*out)[i]);
		*n_out = i + 1;
		free(ip);
	}
}

static const char *user_key_hint(const char *key)
{
	static const char *const group_only[] = {
		"execv",	"launchers", "gid",  "supplementary_groups",
		"no_new_privs", "desktop",   "dbus", "wrapper",
		"ping",		"sha256",    NULL
	};
	const char *const *k;

	if (!strcmp(key, "cgroups"))
		return "applies to groups only: give the service or container a group entry of its own, whose gid makes its mark";
	for (k = group_only; *k && strcmp(*k, key); k++)
		;
	if (*k)
		return "applies to groups only: users are matched by uid and are not launched through galaf";
	return NULL;
}

static const char *group_key_hint(const char *key)
{
	if (!strcmp(key, "uid"))
		return "applies to users only: a group entry takes \"gid\"";
	return NULL;
}

static void load_domains(struct ld *ld, json_t *v, const char *path, struct entry *e)
{
	if (json_is_string(v))
		e->has_domains = get_string(ld, v, path, &e->domains_ref);
	else if (json_is_array(v))
		e->has_domains = get_strv(ld, v, path, false, &e->domains);
	else
		ld_err(ld, path, "must be a list of domains or the name of another entry, not %s",
		       type_name(v));
}

/* The keys common to users and groups. */
static void load_entry_common(struct ld *ld, json_t *v, const char *path, struct entry *e)
{
	json_t *x;
	char *p;

	if ((x = member(ld, v, path, "families", &p))) {
		e->has_families = get_families(ld, x, p, &e->families);
		free(p);
	}
	if ((x = member(ld, v, path, "domains", &p))) {
		load_domains(ld, x, p, e);
		free(p);
	}
	if ((x = member(ld, v, path, "rule", &p))) {
		get_string(ld, x, p, &e->rule);
		free(p);
	}
	if ((x = member(ld, v, path, "rule6", &p))) {
		get_string(ld, x, p, &e->rule6);
		free(p);
	}
	if ((x = member(ld, v, path, "allow", &p))) {
		load_allow(ld, x, p, false, &e->allow, &e->n_allow);
		free(p);
	}
	if ((x = member(ld, v, path, "inbound", &p))) {
		load_allow(ld, x, p, true, &e->inbound, &e->n_inbound);
		free(p);
	}
	if ((x = member(ld, v, path, "mode", &p))) {
		get_mode(ld, x, p, &e->mode);
		free(p);
	}
}

static void load_group_only(struct ld *ld, json_t *v, const char *path, struct entry *e)
{
	json_t *x;
	char *p;

	if ((x = member(ld, v, path, "gid", &p))) {
		e->has_id = get_long(ld, x, p, 1, 65535, &e->id);
		free(p);
	}
	if ((x = member(ld, v, path, "execv", &p))) {
		e->has_execv = get_strv(ld, x, p, false, &e->execv);
		free(p);
	}
	if ((x = member(ld, v, path, "sha256", &p))) {
		get_sha256(ld, x, p, &e->sha256);
		free(p);
	}
	if ((x = member(ld, v, path, "launchers", &p))) {
		e->has_launchers = get_strv(ld, x, p, false, &e->launchers);
		free(p);
	}
	if ((x = member(ld, v, path, "cgroups", &p))) {
		e->has_cgroups = get_strv(ld, x, p, false, &e->cgroups);
		free(p);
	}
	if ((x = member(ld, v, path, "supplementary_groups", &p))) {
		get_bool(ld, x, p, &e->supplementary_groups);
		free(p);
	}
	if ((x = member(ld, v, path, "no_new_privs", &p))) {
		get_bool(ld, x, p, &e->no_new_privs);
		free(p);
	}
	if ((x = member(ld, v, path, "desktop", &p))) {
		get_strv(ld, x, p, false, &e->desktop);
		free(p);
	}
	if ((x = member(ld, v, path, "dbus", &p))) {
		get_strv(ld, x, p, false, &e->dbus);
		free(p);
	}
	if ((x = member(ld, v, path, "wrapper", &p))) {
		get_bool(ld, x, p, &e->wrapper);
		free(p);
	}
	if ((x = member(ld, v, path, "ping", &p))) {
		get_bool(ld, x, p, &e->ping);
		free(p);
	}
}

static void load_entry(struct ld *ld, json_t *v, const char *path, struct entry *e)
{
	static const char *const ukeys[] = { "uid",   "families", "domains", "rule", "rule6",
					     "allow", "inbound",  "mode",    NULL };
	static const char *const gkeys[] = {
		"gid",		"families", "execv",   "domains",   "rule",
		"rule6",	"allow",    "inbound", "launchers", "supplementary_groups",
		"no_new_privs", "mode",	    "cgroups", "desktop",   "dbus",
		"wrapper",	"ping",	    "sha256",  NULL
	};
	bool group = e->kind == ENTRY_GROUP;
	json_t *x;

	e->supplementary_groups = true;
	e->no_new_privs = true;
	e->mode = MODE_INHERIT;
	e->dset = -1;
	e->sys_id = -1;
	if (json_is_null(v)) {
		e->null_entry = true;
		return;
	}
	if (!json_is_object(v)) {
		ld_err(ld, path, "must be an object or null, not %s", type_name(v));
		return;
	}
	check_keys(ld, v, path, group ? gkeys : ukeys, group ? group_key_hint : user_key_hint);
	load_entry_common(ld, v, path, e);
	if (group) {
		load_group_only(ld, v, path, e);
	} else if ((x = json_object_get(v, "uid"))) {
		char *p = path_key(path, "uid");

		e->has_id = get_long(ld, x, p, 0, 4294967294L, &e->id);
		free(p);
	}
}

static int entry_cmp(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	if (x->kind != y->kind)
		return x->kind == ENTRY_USER ? -1 : 1;
	return strcmp(x->name, y->name);
}

static void load_entries(struct ld *ld, json_t *v, enum entry_kind kind, struct policy *p)
{
	const char *sect = kind == ENTRY_USER ? "users" : "groups";
	const char *key;
	struct entry *ne;
	json_t *x;

	if (!json_is_object(v)) {
		ld_err(ld, sect, "must be an object keyed by %s name, not %s",
		       kind == ENTRY_USER ? "user" : "group", type_name(v));
		return;
	}
	ne = realloc(p->entries, (p->n_entries + json_object_size(v) + 1) * sizeof(*ne));
	if (!ne) {
		ld->oom = 1;
		return;
	}
	p->entries = ne;
	json_object_foreach(v, key, x)
	{
		struct entry *e;
		char *path;

		if (key[0] == '#')
			continue;
		e = &p->entries[p->n_entries++];
		memset(e, 0, sizeof(*e));
		e->kind = kind;
		e->name = strdup(key);
		path = path_key(sect, key);
		if (!e->name || !path) {
			free(path);
			ld->oom = 1;
			return;
		}
		load_entry(ld, x, path, e);
		free(path);
	}
}

static void load_root(struct ld *ld, json_t *root, struct policy *p)
{
	static const char *const keys[] = { "config", "users", "groups", NULL };
	json_t *x;

	if (!json_is_object(root)) {
		ld_err(ld, NULL,
		       "the policy must be a JSON object with \"config\", \"users\" and \"groups\", not %s",
		       type_name(root));
		return;
	}
	check_keys(ld, root, "", keys, NULL);
	if ((x = json_object_get(root, "config")))
		load_config(ld, x, &p->cfg);
	if ((x = json_object_get(root, "users")))
		load_entries(ld, x, ENTRY_USER, p);
	if ((x = json_object_get(root, "groups")))
		load_entries(ld, x, ENTRY_GROUP, p);
	if (p->n_entries > 1)
		qsort(p->entries, p->n_entries, sizeof(*p->entries), entry_cmp);
}

/* Two of jansson's messages name its own flags and states: say what is wrong instead. */
static const char *jansson_message(const json_error_t *e, const char *buf, size_t len)
{
	static char msg[JSON_ERROR_TEXT_LENGTH + 64];
	const char *near = strstr(e->text, " near ");

	if (strstr(e->text, "JSON_ALLOW_NUL"))
		snprintf(msg, sizeof(msg),
			 "a string holds \\u0000 (a NUL character), which a policy cannot contain%s%s",
			 near ? "," : "", near ? near : "");
	else if (strstr(e->text, "end of file expected"))
		snprintf(msg, sizeof(msg), "%s after the end of the JSON document%s%s",
			 memchr(buf, '\0', len) ? "a NUL byte" : "more data",
			 near && !memchr(buf, '\0', len) ? "," : "",
			 near && !memchr(buf, '\0', len) ? near : "");
	else
		return e->text;
	return msg;
}

int policy_load_buffer(const char *buf, size_t len, const char *name, struct policy *p,
		       struct diags *d)
{
	struct ld ld = { .d = d };
	json_error_t jerr;
	json_t *root;
	size_t i;

	memset(p, 0, sizeof(*p));
	config_defaults(&p->cfg);
	p->file = strdup(name);
	for (i = 0; i < len && strchr(" \t\r\n", buf[i]); i++)
		;
	if (i == len) {
		diag_add(d, DIAG_ERROR, NULL,
			 "the policy is empty; it must be a JSON object (see galaf.json(5))");
		return -EINVAL;
	}
	if (len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3)) {
		diag_add(d, DIAG_ERROR, NULL,
			 "the policy starts with a UTF-8 byte order mark, which JSON does not allow; save it without one");
		return -EINVAL;
	}
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		diag_add_at(d, DIAG_ERROR, jerr.line, jerr.column, "%s",
			    jansson_message(&jerr, buf, len));
		return -EINVAL;
	}
	p->loaded = json_is_object(root);
	load_root(&ld, root, p);
	json_decref(root);
	if (ld.oom) {
		diag_add(d, DIAG_ERROR, NULL, "out of memory");
		return -ENOMEM;
	}
	return d->errors ? -EINVAL : 0;
}

int policy_load(const char *file, struct policy *p, struct diags *d)
{
	struct stat st;
	char *buf;
	ssize_t n;
	size_t got = 0;
	int fd, ret;

	memset(p, 0, sizeof(*p));
	/* O_NONBLOCK: a FIFO must not hang us before the regular-file check. */
	fd = open(file, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		ret = -errno;
		diag_add(d, DIAG_ERROR, NULL, "cannot open: %s", strerror(errno));
		return ret;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		diag_add(d, DIAG_ERROR, NULL, "not a regular file");
		close(fd);
		return -EINVAL;
	}
	if ((unsigned long long)st.st_size > POLICY_MAX_BYTES) {
		diag_add(d, DIAG_ERROR, NULL,
			 "the policy is %lld bytes; galaf reads policies of at most %u MiB",
			 (long long)st.st_size, POLICY_MAX_BYTES >> 20);
		close(fd);
		return -EFBIG;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		diag_add(d, DIAG_ERROR, NULL, "out of memory");
		return -ENOMEM;
	}
	while (got < (size_t)st.st_size && (n = read(fd, buf + got, (size_t)st.st_size - got)) > 0)
		got += (size_t)n;
	close(fd);
	buf[got] = '\0';
	ret = policy_load_buffer(buf, got, file, p, d);
	/* Kept: apply saves these very bytes as the last known good policy. */
	p->src = buf;
	p->src_len = got;
	return ret;
}
