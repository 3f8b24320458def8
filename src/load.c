// SPDX-License-Identifier: GPL-2.0-or-later
#include "load.h"

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

#include "strbuf.h"

/* Loader state: where errors go and the path of the value being read. */
struct ld {
	struct diags *d;
	int oom;
};

static void ld_err(struct ld *ld, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void ld_err(struct ld *ld, const char *path, const char *fmt, ...)
{
	char *msg;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (!msg) {
		ld->oom = 1;
		return;
	}
	diag_add(ld->d, DIAG_ERROR, path, "%s", msg);
	free(msg);
}

static const char *type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "a number";
	case JSON_REAL: return "a fractional number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	case JSON_NULL: return "null";
	}
	return "a value";
}

/* path + "." + key, or path + "[i]"; callers free. */
static char *path_key(const char *path, const char *key)
{
	char *s;

	if (asprintf(&s, "%s%s%s", path, *path ? "." : "", key) < 0)
		return NULL;
	return s;
}

static char *path_idx(const char *path, size_t i)
{
	char *s;

	if (asprintf(&s, "%s[%zu]", path, i) < 0)
		return NULL;
	return s;
}

/* OBJ's member KEY and its path in *RET_PATH (free it), or NULL when absent. */
static json_t *member(struct ld *ld, json_t *obj, const char *path, const char *key, char **ret_path)
{
	json_t *x = json_object_get(obj, key);

	*ret_path = NULL;
	if (!x)
		return NULL;
	*ret_path = path_key(path, key);
	if (!*ret_path) {
		ld->oom = 1;
		return NULL;
	}
	return x;
}

static bool get_string(struct ld *ld, json_t *v, const char *path, char **out)
{
	if (!json_is_string(v)) {
		ld_err(ld, path, "must be a string, not %s", type_name(v));
		return false;
	}
	*out = strdup(json_string_value(v));
	if (!*out)
		ld->oom = 1;
	return *out != NULL;
}

/* A SHA-256 as sha256sum prints it: 64 hex digits, kept in lower case. */
static void get_sha256(struct ld *ld, json_t *v, const char *path, char **out)
{
	const char *s = json_is_string(v) ? json_string_value(v) : NULL;
	size_t i;

	if (!s || strlen(s) != 64 || strspn(s, "0123456789abcdefABCDEF") != 64) {
		if (s)
			ld_err(ld, path,
			       "\"%.70s\" is not a SHA-256: give 64 hexadecimal digits, as "
			       "sha256sum or 'galaf-config pin' prints them",
			       s);
		else
			ld_err(ld, path, "must be a string of 64 hexadecimal digits, not %s",
			       type_name(v));
		return;
	}
	if (!(*out = strdup(s))) {
		ld->oom = 1;
		return;
	}
	for (i = 0; i < 64; i++)
		(*out)[i] = (char)tolower((unsigned char)s[i]);
}

static bool get_long(struct ld *ld, json_t *v, const char *path, long min, long max, long *out)
{
	json_int_t n;

	if (!json_is_integer(v)) {
		ld_err(ld, path, "must be a whole number, not %s", type_name(v));
		return false;
	}
	n = json_integer_value(v);
	if (n < min || n > max) {
		ld_err(ld, path, "%lld is out of range (%ld to %ld)", (long long)n, min, max);
		return false;
	}
	*out = (long)n;
	return true;
}

static bool get_bool(struct ld *ld, json_t *v, const char *path, bool *out)
{
	if (!json_is_boolean(v)) {
		ld_err(ld, path, "must be true or false, not %s", type_name(v));
		return false;
	}
	*out = json_is_true(v);
	return true;
}

/* An array of strings; numbers are accepted as text when NUMBERS is set. */
static bool get_strv(struct ld *ld, json_t *v, const char *path, bool numbers, struct strv *out)
{
	size_t i;
	json_t *x;
	bool ok = true;

	if (!json_is_array(v)) {
		ld_err(ld, path, "must be an array, not %s", type_name(v));
		return false;
	}
	json_array_foreach(v, i, x)
	{
		char buf[32], *ip = path_idx(path, i);

		if (!ip) {
			ld->oom = 1;
			return false;
		}
		if (json_is_string(x)) {
			if (strv_push(out, json_string_value(x)))
				ld->oom = 1;
		} else if (numbers && json_is_integer(x)) {
			snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(x));
			if (strv_push(out, buf))
				ld->oom = 1;
		} else {
			ld_err(ld, ip, "must be %s, not %s",
			       numbers ? "a number or a string" : "a string", type_name(x));
			ok = false;
		}
		free(ip);
	}
	return ok;
}

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, prev, cur[64];

	if (la >= 63 || lb >= 63)
		return 99;
	for (j = 0; j <= lb; j++)
		cur[j] = j;
	for (i = 1; i <= la; i++) {
		prev = cur[0];
		cur[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t t = cur[j], best = prev + (a[i - 1] != b[j - 1]);

			if (cur[j] + 1 < best)
				best = cur[j] + 1;
			if (cur[j - 1] + 1 < best)
				best = cur[j - 1] + 1;
			cur[j] = best;
			prev = t;
		}
	}
	return cur[lb];
}

/*
 * Reports keys of OBJ that are not in KNOWN (NULL-terminated). Keys starting
 * with '#' are comments. HINT, when set, explains keys of the wrong kind.
 */
static void check_keys(struct ld *ld, json_t *obj, const char *path, const char *const *known,
		       const char *(*hint)(const char *key))
{
	const char *key, *const *k;
	json_t *v;

	json_object_foreach(obj, key, v)
	{
		const char *best = NULL, *h;
		size_t bd = 3, d;

		if (key[0] == '#')
			continue;
		for (k = known; *k && strcmp(*k, key); k++)
			;
		if (*k)
			continue;
		/* Unknown: the nearest known key, if it is close, is a hint. */
		for (k = known; *k; k++)
			if ((d = edit_distance(*k, key)) < bd) {
				bd = d;
				best = *k;
			}
		h = hint ? hint(key) : NULL;
		char *kp = path_key(path, key);
		if (h)
			ld_err(ld, kp, "'%s' %s", key, h);
		else if (best)
			ld_err(ld, kp, "unknown key '%s'; did you mean '%s'?", key, best);
		else
			ld_err(ld, kp, "unknown key '%s'", key);
		free(kp);
	}
}

static bool get_families(struct ld *ld, json_t *v, const char *path, unsigned *out)
{
	size_t i;
	json_t *x;
	bool ok = true;

	if (!json_is_array(v)) {
		ld_err(ld, path, "must be an array such as [4, 6], not %s", type_name(v));
		return false;
	}
	if (json_array_size(v) == 0) {
		ld_err(ld, path, "must name at least one family: [4], [6] or [4, 6]");
		return false;
	}
	*out = 0;
	json_array_foreach(v, i, x)
	{
		char *ip = path_idx(path, i);
		long f;

		if (ip && get_long(ld, x, ip, 0, LONG_MAX, &f) && f != 4 && f != 6) {
			ld_err(ld, ip, "family %ld is neither 4 nor 6", f);
			ok = false;
		} else if (ip && json_is_integer(x)) {
			unsigned bit = json_integer_value(x) == 4 ? FAM4 : FAM6;

			if (*out & bit)
				ld_err(ld, ip, "family %lld is listed twice",
				       (long long)json_integer_value(x));
			*out |= bit;
		} else {
			ok = false;
		}
		free(ip);
	}
	return ok;
}

static bool get_mode(struct ld *ld, json_t *v, const char *path, int *out)
{
	const char *s;

	if (!json_is_string(v)) {
		ld_err(ld, path, "must be \"enforce\" or \"audit\", not %s", type_name(v));
		return false;
	}
	s = json_string_value(v);
	if (strcmp(s, "enforce") == 0)
		*out = MODE_ENFORCE;
	else if (strcmp(s, "audit") == 0)
		*out = MODE_AUDIT;
	else {
		ld_err(ld, path, "mode \"%s\" is neither \"enforce\" nor \"audit\"", s);
		return false;
	}
	return true;
}

static void replace_string(struct ld *ld, json_t *v, const char *path, char **slot)
{
	char *s = NULL;

	if (get_string(ld, v, path, &s)) {
		free(*slot);
		*slot = s;
	}
}

/* config.dns.foreign: "refuse", "redirect" or "allow". */
static void get_foreign(struct ld *ld, json_t *v, const char *path, int *out)
{
	static const char *const names[] = {
		[DNS_FOREIGN_REFUSE] = "refuse", [DNS_FOREIGN_REDIRECT] = "redirect", [DNS_FOREIGN_ALLOW] = "allow"
	};
	size_t i;

	for (i = 0; json_is_string(v) && i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(json_string_value(v), names[i])) {
			*out = (int)i;
			return;
		}
	}
	if (json_is_string(v))
		ld_err(ld, path, "\"%s\" is none of \"refuse\", \"redirect\" and \"allow\"",
		       json_string_value(v));
	else
		ld_err(ld, path, "must be \"refuse\", \"redirect\" or \"allow\", not %s",
		       type_name(v));
}

/* The dnsmasq file and reload command of each "preset"; conf and reload override them. */
static const struct dns_preset {
	const char *name, *conf;
	const char *reload[6];
} dns_presets[] = {
	/* NetworkManager's ExecReload is its D-Bus Reload(0), which restarts the dnsmasq plugin. */
	{ "networkmanager",
	  "/etc/NetworkManager/dnsmasq.d/galaf.conf",
	  { "/usr/bin/systemctl", "--no-block", "try-reload-or-restart", "NetworkManager.service",
	    NULL } },
	{ "dnsmasq",
	  "/etc/dnsmasq.d/galaf.conf",
	  { "/usr/bin/systemctl", "--no-block", "try-restart", "dnsmasq.service", NULL } },
};

static void load_dns_preset(struct ld *ld, json_t *v, struct config *c)
{
	const struct dns_preset *pr = NULL;
	size_t i;

	if (!json_is_string(v)) {
		ld_err(ld, "config.dns.preset", "must be \"networkmanager\" or \"dnsmasq\", not %s",
		       type_name(v));
		return;
	}
	for (i = 0; i < sizeof(dns_presets) / sizeof(dns_presets[0]); i++)
		if (!strcmp(json_string_value(v), dns_presets[i].name))
			pr = &dns_presets[i];
	if (!pr) {
		ld_err(ld, "config.dns.preset",
		       "unknown preset \"%s\"; use \"networkmanager\" (NetworkManager's dnsmasq plugin) or \"dnsmasq\" (the dnsmasq service)",
		       json_string_value(v));
		return;
	}
	free(c->dns_preset);
	free(c->dns_conf);
	c->dns_preset = strdup(pr->name);
	c->dns_conf = strdup(pr->conf);
	if (!c->dns_preset || !c->dns_conf)
		ld->oom = 1;
	strv_free(&c->dns_reload);
	c->has_reload = true;
	for (i = 0; pr->reload[i]; i++)
		if (strv_push(&c->dns_reload, pr->reload[i]))
			ld->oom = 1;
}

static void load_dns(struct ld *ld, json_t *v, struct config *c)
{
	static const char *const keys[] = { "preset", "conf",	 "reload", "timeout", "cache_ttl",
					    "listen", "foreign", "names",  NULL };
	json_t *x;

	if (!json_is_object(v)) {
		ld_err(ld, "config.dns", "must be an object, not %s", type_name(v));
		return;
	}
	check_keys(ld, v, "config.dns", keys, NULL);
	if ((x = json_object_get(v, "preset")))
		load_dns_preset(ld, x, c);
	if ((x = json_object_get(v, "conf")))
		replace_string(ld, x, "config.dns.conf", &c->dns_conf);
	if ((x = json_object_get(v, "reload"))) {
		strv_free(&c->dns_reload);
		c->has_reload = false;
		if (!json_is_null(x))
			c->has_reload = get_strv(ld, x, "config.dns.reload", false, &c->dns_reload);
	}
	if ((x = json_object_get(v, "timeout")))
		get_long(ld, x, "config.dns.timeout", 0, 365L * 86400, &c->dns_timeout);
	if ((x = json_object_get(v, "cache_ttl")))
		get_long(ld, x, "config.dns.cache_ttl", 0, 365L * 86400, &c->dns_cache_ttl);
	if ((x = json_object_get(v, "listen"))) {
		strv_free(&c->dns_listen);
		get_strv(ld, x, "config.dns.listen", false, &c->dns_listen);
	}
	if ((x = json_object_get(v, "foreign")))
		get_foreign(ld, x, "config.dns.foreign", &c->dns_foreign);
	if ((x = json_object_get(v, "names")))
		get_bool(ld, x, "config.dns.names", &c->dns_names);
}

/* [min, max] of gids, within 1-65535, into *LO and *HI. */
static bool load_gid_pair(struct ld *ld, json_t *v, const char *path, unsigned *lo, unsigned *hi)
{
	char p0[48], p1[48];
	long a, b;

	if (!json_is_array(v) || json_array_size(v) != 2) {
		ld_err(ld, path, "must be an array of two numbers [min, max], not %s",
		       json_is_array(v) ? "an array of another length" : type_name(v));
		return false;
	}
	snprintf(p0, sizeof(p0), "%s[0]", path);
	snprintf(p1, sizeof(p1), "%s[1]", path);
	if (!get_long(ld, json_array_get(v, 0), p0, 1, 65535, &a) ||
	    !get_long(ld, json_array_get(v, 1), p1, 1, 65535, &b))
		return false;
	if (a > b)
		ld_err(ld, path, "min %ld is above max %ld", a, b);
	*lo = (unsigned)a;
	*hi = (unsigned)b;
	return a <= b;
}

static void load_ping_sysctl(struct ld *ld, json_t *v, struct config *c)
{
	free(c->ping_sysctl);
	c->ping_sysctl = NULL;
	if (!json_is_null(v))
		get_string(ld, v, "config.ping_sysctl", &c->ping_sysctl);
}

/* A 32-bit mask, as a number or as a "0x..." string (JSON has no hex). */
static void get_mask(struct ld *ld, json_t *v, const char *path, unsigned *out)
{
	unsigned long long m;
	char *end;

	if (json_is_integer(v) && json_integer_value(v) >= 0 &&
	    json_integer_value(v) <= 0xffffffffLL) {
		*out = (unsigned)json_integer_value(v);
		return;
	}
	if (json_is_string(v)) {
		errno = 0;
		m = strtoull(json_string_value(v), &end, 16);
		if (!strncmp(json_string_value(v), "0x", 2) && !errno && !*end && m <= 0xffffffffULL) {
			*out = (unsigned)m;
			return;
		}
	}
	ld_err(ld, path, "must be a 32-bit mask: a number or a string such as \"0xff00ffff\"");
}

static void load_config(struct ld *ld, json_t *v, struct config *c)
{
	static const char *const keys[] = { "gid_range", "table",      "families",    "mode",
					    "dns",	 "gate_index", "state_dir",   "loopback",
					    "mark_mask", "ping_gids",  "ping_sysctl", NULL };
	json_t *x;

	if (!json_is_object(v)) {
		ld_err(ld, "config", "must be an object, not %s", type_name(v));
		return;
	}
	check_keys(ld, v, "config", keys, NULL);
	if ((x = json_object_get(v, "gid_range")))
		load_gid_pair(ld, x, "config.gid_range", &c->gid_min, &c->gid_max);
	if ((x = json_object_get(v, "ping_gids")))
		c->has_ping_gids =
			load_gid_pair(ld, x, "config.ping_gids", &c->ping_min, &c->ping_max);
	if ((x = json_object_get(v, "ping_sysctl")))
		load_ping_sysctl(ld, x, c);
	if ((x = json_object_get(v, "table")))
		replace_string(ld, x, "config.table", &c->table);
	if ((x = json_object_get(v, "families")))
		get_families(ld, x, "config.families", &c->families);
	if ((x = json_object_get(v, "mode")))
		get_mode(ld, x, "config.mode", &c->mode);
	if ((x = json_object_get(v, "dns")))
		load_dns(ld, x, c);
	if ((x = json_object_get(v, "gate_index")))
		replace_string(ld, x, "config.gate_index", &c->gate_index);
	if ((x = json_object_get(v, "state_dir")))
		replace_string(ld, x, "config.state_dir", &c->state_dir);
	if ((x = json_object_get(v, "loopback")))
		get_bool(ld, x, "config.loopback", &c->loopback);
	if ((x = json_object_get(v, "mark_mask")))
		get_mask(ld, x, "config.mark_mask", &c->mark_mask);
}

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

static void config_defaults(struct config *c)
{
	c->gid_min = 30000;
	c->gid_max = 59999;
	c->table = strdup("galaf");
	c->families = FAM4 | FAM6;
	c->mode = MODE_ENFORCE;
	c->dns_conf = strdup("/etc/dnsmasq.d/galaf.conf");
	c->dns_timeout = 86400;
	c->dns_cache_ttl = 3600;
	if (strv_push(&c->dns_listen, "127.0.0.1") || strv_push(&c->dns_listen, "::1"))
		strv_free(&c->dns_listen);
	c->dns_foreign = DNS_FOREIGN_REFUSE;
	c->dns_names = true;
	c->gate_index = strdup("/etc/galaf/gate.index");
	c->state_dir = strdup("/var/lib/galaf");
	c->loopback = true;
	c->mark_mask = 0xffffffffu;
	c->ping_sysctl = strdup("/etc/sysctl.d/60-galaf-ping.conf");
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
