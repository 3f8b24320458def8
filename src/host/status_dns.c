// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dnsmasq applies connmark-allowlist only when it runs with --conntrack and
 * can read conntrack (CAP_NET_ADMIN); otherwise it answers every name to
 * every app. Find the dnsmasq behind config.dns.listen and say which.
 */
#include "host/status_dns.h"

#include <ctype.h>
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "host/resolver.h"

#define CAP_NET_ADMIN_BIT 12
#define CONF_DEPTH	  3

static bool has_net_admin(pid_t pid)
{
	char path[64], line[256];
	unsigned long long caps = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (!(f = fopen(path, "re")))
		return false;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "CapEff:", 7)) {
			caps = strtoull(line + 7, NULL, 16);
			break;
		}
	fclose(f);
	return caps & (1ULL << CAP_NET_ADMIN_BIT);
}

static void scan_conf(const char *file, struct dns_names *r, int depth);

/* "conf-dir=DIR[,...]": every file in DIR (dnsmasq's suffix filters are not applied). */
static void scan_dir(const char *spec, struct dns_names *r, int depth)
{
	char dir[4096], path[8192];
	struct dirent *de;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s", spec);
	dir[strcspn(dir, ",")] = '\0';
	if (!(d = opendir(dir)))
		return;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.') {
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			scan_conf(path, r, depth);
		}
	closedir(d);
}

/* One option, as on the command line without "--" or as a line of a file. */
static void scan_option(const char *opt, struct dns_names *r, int depth)
{
	if (!strcmp(opt, "conntrack"))
		r->conntrack = true;
	else if (!strncmp(opt, "connmark-allowlist-enable", 25))
		r->allowlist = true;
	else if (!strncmp(opt, "conf-file=", 10) && depth < CONF_DEPTH)
		scan_conf(opt + 10, r, depth + 1);
	else if (!strncmp(opt, "conf-dir=", 9) && depth < CONF_DEPTH)
		scan_dir(opt + 9, r, depth + 1);
}

static void scan_conf(const char *file, struct dns_names *r, int depth)
{
	char line[1100];
	FILE *f = fopen(file, "re");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		scan_option(line + strspn(line, " \t"), r, depth);
	}
	fclose(f);
}

/* dnsmasq reads /etc/dnsmasq.conf unless -C/--conf-file names another file. */
static void scan_cmdline(pid_t pid, struct dns_names *r)
{
	char path[64], buf[8192], *a, *end;
	bool conf_given = false;
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	if (!(f = fopen(path, "re")))
		return;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	end = buf + n;
	for (a = buf + strlen(buf) + 1; a < end; a += strlen(a) + 1) {
		const char *next = a + strlen(a) + 1 < end ? a + strlen(a) + 1 : "";

		bool is_file = !strcmp(a, "-C") || !strcmp(a, "--conf-file");

		if (is_file || !strcmp(a, "-7") || !strcmp(a, "--conf-dir")) {
			char opt[4200];

			snprintf(opt, sizeof(opt), "%s=%s", is_file ? "conf-file" : "conf-dir", next);
			conf_given |= is_file;
			scan_option(opt, r, 0);
			a += strlen(a) + 1;
		} else if (!strncmp(a, "--", 2)) {
			conf_given |= !strncmp(a, "--conf-file", 11);
			scan_option(a + 2, r, 0);
		}
	}
	if (!conf_given)
		scan_conf("/etc/dnsmasq.conf", r, 0);
}

/*
 * When PID started, in seconds since the epoch; 0 when unknown. From its
 * start in ticks since boot and the two clocks now: /proc/stat's btime is
 * rounded to the second, too coarse to compare with a file's mtime.
 */
static double started_at(pid_t pid)
{
	char path[64], buf[1024], *s, *end;
	unsigned long long ticks;
	struct timespec boot, real;
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (!(f = fopen(path, "re")))
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* Field 22: 20 fields after the ")" that ends the command name (field 2). */
	s = strrchr(buf, ')');
	for (int k = 0; s && k < 20; k++)
		s = strchr(s + 1, ' ');
	if (!s)
		return 0;
	ticks = strtoull(s + 1, &end, 10);
	if (end == s + 1)
		return 0;
	if (clock_gettime(CLOCK_BOOTTIME, &boot) || clock_gettime(CLOCK_REALTIME, &real))
		return 0;
	return (double)real.tv_sec + (double)real.tv_nsec / 1e9 -
	       ((double)boot.tv_sec + (double)boot.tv_nsec / 1e9) +
	       (double)ticks / (double)sysconf(_SC_CLK_TCK);
}

/* A dnsmasq reads its files when it starts: one that started before CONF changed has the old one. */
static bool started_before(pid_t pid, const char *conf)
{
	struct stat st;
	double start = started_at(pid);

	return start > 0 && stat(conf, &st) == 0 &&
	       (double)st.st_mtim.tv_sec + (double)st.st_mtim.tv_nsec / 1e9 > start + 0.02;
}

void dns_names_probe(const struct policy *p, struct dns_names *r)
{
	const struct config *c = &p->cfg;
	char path[64], comm[32] = "";
	size_t i;
	FILE *f;

	memset(r, 0, sizeof(*r));
	r->state = NAMES_NO_RESOLVER;
	for (i = 0; !r->pid && i < c->dns_listen.n; i++)
		if ((r->pid = resolver_listener(c->dns_listen.v[i])))
			snprintf(r->listen, sizeof(r->listen), "%s", c->dns_listen.v[i]);
	if (!c->dns_names)
		r->state = NAMES_OFF;
	if (!r->pid)
		return;
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)r->pid);
	if ((f = fopen(path, "re"))) {
		if (fgets(comm, sizeof(comm), f))
			comm[strcspn(comm, "\n")] = '\0';
		fclose(f);
	}
	r->is_dnsmasq = !strcmp(comm, "dnsmasq");
	r->stale = r->is_dnsmasq && started_before(r->pid, c->dns_conf);
	if (!c->dns_names)
		return;
	r->cap_net_admin = has_net_admin(r->pid);
	if (r->is_dnsmasq)
		scan_cmdline(r->pid, r);
	r->state = r->is_dnsmasq && r->conntrack && r->allowlist && r->cap_net_admin
			   ? NAMES_ENFORCED
			   : NAMES_FAIL_OPEN;
}

const char *names_state_name(enum names_state s)
{
	static const char *const names[] = { "off", "no-resolver", "fail-open", "enforced" };

	return names[s];
}

void dns_names_describe(const struct dns_names *r, struct strbuf *sb)
{
	switch (r->state) {
	case NAMES_OFF: sb_add(sb, "dns names: off (config.dns.names is false)\n"); break;
	case NAMES_NO_RESOLVER:
		sb_add(sb, "dns names: no resolver listens on port 53 of config.dns.listen here\n");
		break;
	case NAMES_ENFORCED:
		sb_printf(sb, "dns names: enforced by dnsmasq (pid %d on %s)\n", (int)r->pid,
			  r->listen);
		break;
	case NAMES_FAIL_OPEN:
		sb_printf(sb,
			  "dns names: FAIL-OPEN: %s (pid %d on %s) answers every name to every app",
			  r->is_dnsmasq ? "dnsmasq" : "the resolver", (int)r->pid, r->listen);
		if (!r->is_dnsmasq)
			sb_add(sb, "; it is not dnsmasq");
		if (r->is_dnsmasq && !r->conntrack)
			sb_add(sb, "; started without --conntrack");
		if (r->is_dnsmasq && !r->allowlist)
			sb_add(sb, "; no connmark-allowlist-enable in its options");
		if (!r->cap_net_admin)
			sb_add(sb, "; it lacks CAP_NET_ADMIN, so it cannot read conntrack marks");
		sb_addc(sb, '\n');
		break;
	}
}
