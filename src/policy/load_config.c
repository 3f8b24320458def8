// SPDX-License-Identifier: GPL-2.0-or-later
/* The policy's "config" object. */
#include "policy/load_config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/fileio.h"
#include "policy/ld.h"

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
	static const char *const keys[] = { "preset",  "conf",	    "reload", "reload_timeout",
					    "timeout", "cache_ttl", "listen", "foreign",
					    "names",   NULL };
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
	if ((x = json_object_get(v, "reload_timeout")))
		get_long(ld, x, "config.dns.reload_timeout", 1, 3600, &c->dns_reload_timeout);
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

void load_config(struct ld *ld, json_t *v, struct config *c)
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

void config_defaults(struct config *c)
{
	c->gid_min = POLICY_GID_MIN;
	c->gid_max = POLICY_GID_MAX;
	c->table = strdup("galaf");
	c->families = FAM4 | FAM6;
	c->mode = MODE_ENFORCE;
	c->dns_conf = strdup("/etc/dnsmasq.d/galaf.conf");
	c->dns_timeout = 86400;
	c->dns_cache_ttl = 3600;
	c->dns_reload_timeout = 30;
	if (strv_push(&c->dns_listen, "127.0.0.1") || strv_push(&c->dns_listen, "::1"))
		strv_free(&c->dns_listen);
	c->dns_foreign = DNS_FOREIGN_REFUSE;
	c->dns_names = true;
	c->gate_index = strdup("/etc/galaf/gate.index");
	c->state_dir = strdup(DEFAULT_STATE_DIR);
	c->loopback = true;
	c->mark_mask = 0xffffffffu;
	c->ping_sysctl = strdup("/etc/sysctl.d/60-galaf-ping.conf");
}

char *policy_state_note(const char *policy_file)
{
	char *path;

	return asprintf(&path, "%s.state_dir", policy_file) < 0 ? NULL : path;
}

char *policy_state_dir(const char *policy_file)
{
	char *path = policy_state_note(policy_file), *text;
	size_t len = 0;

	if (!path)
		return NULL;
	text = file_read(path, 4096, &len);
	free(path);
	if (text && len > 1 && text[0] == '/' && text[len - 1] == '\n' && strlen(text) == len) {
		text[len - 1] = '\0';
		return text;
	}
	free(text);
	return strdup(DEFAULT_STATE_DIR);
}
