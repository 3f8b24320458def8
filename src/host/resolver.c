// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Which resolver answers this machine: the first nameserver of resolv.conf,
 * the process whose UDP socket is bound to it (from /proc/net/udp{,6} and
 * the socket inodes in /proc/PID/fd, so it works in any network namespace
 * without ss), what that program is, and for dnsmasq whether it was built
 * with nftset support. A domain allow-list is worthless when apps ask
 * another resolver, and silent when dnsmasq cannot add to nft sets.
 */
#include "host/resolver.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/fileio.h"

const char *resolver_kind_name(enum resolver_kind k)
{
	switch (k) {
	case RES_NONE: return "nothing listening";
	case RES_DNSMASQ: return "dnsmasq";
	case RES_NM_DNSMASQ: return "NetworkManager's dnsmasq";
	case RES_RESOLVED: return "systemd-resolved";
	case RES_OTHER: return "another program";
	case RES_NOT_LOCAL: return "a resolver on another machine";
	}
	return "unknown";
}

/* The same, as one word for JSON and scripts. */
const char *resolver_kind_id(enum resolver_kind k)
{
	static const char *const ids[] = {
		"none", "dnsmasq", "networkmanager-dnsmasq", "systemd-resolved", "other", "remote"
	};

	return k <= RES_NOT_LOCAL ? ids[k] : "unknown";
}

static void read_nameservers(struct resolver *r)
{
	size_t len;
	char *text = file_read(r->resolv_conf, 1u << 20, &len), *l, *save = NULL;

	r->readable = text != NULL;
	for (l = text ? strtok_r(text, "\n", &save) : NULL; l; l = strtok_r(NULL, "\n", &save)) {
		char addr[64];

		if (sscanf(l, " nameserver %63s", addr) != 1)
			continue;
		addr[strcspn(addr, "%")] = '\0'; /* fe80::1%eth0 */
		(void)strv_push(&r->nameservers, addr);
	}
	free(text);
}

/* The inode of a UDP socket bound to port 53 on ADDR (or on the wildcard address); 0 if none. */
static unsigned long find_socket(const char *addr)
{
	struct in6_addr a6, any6 = IN6ADDR_ANY_INIT;
	struct in_addr a4;
	bool v6 = inet_pton(AF_INET6, addr, &a6) == 1;
	unsigned long wildcard = 0;
	char line[512];
	FILE *f;

	if (!v6 && inet_pton(AF_INET, addr, &a4) != 1)
		return 0;
	f = fopen(v6 ? "/proc/net/udp6" : "/proc/net/udp", "re");
	while (f && fgets(line, sizeof(line), f)) {
		char local[48], inode_s[24];
		unsigned long inode;
		uint32_t w[4] = { 0 };
		size_t i, nhex = v6 ? 32 : 8;

		/* "sl local rem st tx:rx tr:when retrnsmt uid timeout inode ..." */
		if (sscanf(line, " %*s %47s %*s %*s %*s %*s %*s %*s %*s %23s", local, inode_s) != 2 ||
		    strlen(local) != nhex + 5 || strcmp(local + nhex, ":0035"))
			continue;
		inode = strtoul(inode_s, NULL, 10);
		/* The kernel prints each 32-bit word of the address in host order. */
		for (i = 0; i < nhex / 8; i++) {
			char word[9];

			memcpy(word, local + 8 * i, 8);
			word[8] = '\0';
			w[i] = (uint32_t)strtoul(word, NULL, 16);
		}
		if (v6 ? !memcmp(w, &a6, 16) : w[0] == a4.s_addr) {
			fclose(f);
			return inode;
		}
		if (v6 ? !memcmp(w, &any6, 16) : w[0] == 0)
			wildcard = inode;
	}
	if (f)
		fclose(f);
	return wildcard;
}

/* The process holding socket INODE; 0 if none is found. */
static pid_t socket_owner(unsigned long inode)
{
	char want[48], path[64], link[64];
	DIR *proc = opendir("/proc");
	struct dirent *de;
	pid_t found = 0;

	snprintf(want, sizeof(want), "socket:[%lu]", inode);
	while (proc && !found && (de = readdir(proc))) {
		DIR *fds;
		struct dirent *fe;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%.16s/fd", de->d_name);
		fds = opendir(path);
		while (fds && !found && (fe = readdir(fds))) {
			ssize_t n;

			snprintf(path, sizeof(path), "/proc/%.16s/fd/%.16s", de->d_name, fe->d_name);
			n = readlink(path, link, sizeof(link) - 1);
			if (n > 0 && (link[n] = '\0', !strcmp(link, want)))
				found = (pid_t)strtol(de->d_name, NULL, 10);
		}
		if (fds)
			closedir(fds);
	}
	if (proc)
		closedir(proc);
	return found;
}

pid_t resolver_listener(const char *addr)
{
	unsigned long inode = find_socket(addr);

	return inode ? socket_owner(inode) : 0;
}

/* Whether PID's command line mentions NetworkManager (its dnsmasq plugin's pid file and D-Bus name do). */
static bool run_by_networkmanager(pid_t pid)
{
	char path[64], *args;
	size_t len, i;
	bool nm;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	args = file_read(path, 1u << 20, &len);
	if (!args)
		return false;
	for (i = 0; i + 1 < len; i++)
		if (!args[i])
			args[i] = ' ';
	nm = len && (strstr(args, "/NetworkManager/") || strstr(args, "NetworkManager.dnsmasq"));
	free(args);
	return nm;
}

/* In the child: never run what a listener on port 53 brought as root. */
static void drop_to_nobody(void)
{
	if (geteuid() != 0)
		return;
	if (setgroups(0, NULL) < 0 || setresgid(65534, 65534, 65534) < 0 ||
	    setresuid(65534, 65534, 65534) < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		_exit(127);
}

/*
 * "Compile time options: ... nftset ..." from `EXE --version`: 1, 0, or -1
 * when it cannot run. EXE is /proc/PID/exe of whatever listens on port 53,
 * so it runs only when root owns it and nobody else may write it, and then
 * as nobody, from a descriptor opened beforehand.
 */
static int dnsmasq_has_nftset(const char *exe)
{
	static char arg0[] = "dnsmasq", arg1[] = "--version";
	static char env0[] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";
	char *const argv[] = { arg0, arg1, NULL }, *const envp[] = { env0, NULL };
	char buf[4096], *opts;
	size_t got = 0;
	ssize_t n;
	int fds[2], st, fd;
	struct stat sb;
	pid_t pid;

	fd = open(exe, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) || sb.st_uid != 0 ||
	    (sb.st_mode & (S_IWGRP | S_IWOTH)) || pipe2(fds, O_CLOEXEC) < 0) {
		close(fd);
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		close(fd);
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		dup2(fds[1], 1);
		drop_to_nobody();
		fexecve(fd, argv, envp);
		_exit(127);
	}
	close(fd);
	close(fds[1]);
	while (got < sizeof(buf) - 1 && (n = read(fds[0], buf + got, sizeof(buf) - 1 - got)) > 0)
		got += (size_t)n;
	close(fds[0]);
	buf[got] = '\0';
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	opts = strstr(buf, "options:");
	if (!opts || !WIFEXITED(st) || WEXITSTATUS(st))
		return -1;
	opts[strcspn(opts, "\n")] = '\0';
	/* Words are separated by spaces; a missing feature reads "no-nftset". */
	for (char *w = strtok(opts, " "); w; w = strtok(NULL, " "))
		if (!strcmp(w, "nftset"))
			return 1;
	return 0;
}

static bool is_loopback(const char *addr)
{
	return !strncmp(addr, "127.", 4) || !strcmp(addr, "::1");
}

/* Whether ADDR is an address of one of this network namespace's interfaces. */
static bool is_local_address(const char *addr)
{
	struct ifaddrs *ifs, *i;
	char buf[INET6_ADDRSTRLEN];
	bool hit = is_loopback(addr);

	if (hit || getifaddrs(&ifs) < 0)
		return hit;
	for (i = ifs; i && !hit; i = i->ifa_next) {
		const struct sockaddr *sa = i->ifa_addr;

		if (!sa || (sa->sa_family != AF_INET && sa->sa_family != AF_INET6))
			continue;
		inet_ntop(sa->sa_family,
			  sa->sa_family == AF_INET
				  ? (const void *)&((const struct sockaddr_in *)sa)->sin_addr
				  : (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr,
			  buf, sizeof(buf));
		hit = !strcmp(buf, addr);
	}
	freeifaddrs(ifs);
	return hit;
}

static void identify(struct resolver *r)
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)r->pid);
	{
		size_t len;
		char *comm = file_read(path, sizeof(r->comm) - 1, &len);

		snprintf(r->comm, sizeof(r->comm), "%s", comm ? comm : "?");
		r->comm[strcspn(r->comm, "\n")] = '\0';
		free(comm);
	}
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)r->pid);
	n = readlink(path, r->exe, sizeof(r->exe) - 1);
	r->exe[n > 0 ? n : 0] = '\0';
	if (!strcmp(r->comm, "dnsmasq")) {
		r->kind = run_by_networkmanager(r->pid) ? RES_NM_DNSMASQ : RES_DNSMASQ;
		/* /proc/PID/exe runs the very binary, even from another mount namespace. */
		r->nftset = dnsmasq_has_nftset(path);
	} else if (!strcmp(r->comm, "systemd-resolve")) { /* comm holds 15 characters */
		r->kind = RES_RESOLVED;
	} else {
		r->kind = RES_OTHER;
	}
}

void resolver_inspect(const struct config *c, const char *resolv_conf, struct resolver *r)
{
	const char *first;
	unsigned long inode;

	memset(r, 0, sizeof(*r));
	r->nftset = -1;
	snprintf(r->resolv_conf, sizeof(r->resolv_conf), "%s", resolv_conf);
	r->want = c->dns_preset && !strcmp(c->dns_preset, "networkmanager") ? RES_NM_DNSMASQ
		  : !strncmp(c->dns_conf, "/etc/NetworkManager/", 20)	    ? RES_NM_DNSMASQ
									    : RES_DNSMASQ;
	read_nameservers(r);
	r->others_listed = r->nameservers.n > 1;
	if (r->nameservers.n == 0)
		return;
	first = r->nameservers.v[0];
	inode = find_socket(first);
	r->pid = inode ? socket_owner(inode) : 0;
	if (r->pid)
		identify(r);
	else
		r->kind = is_local_address(first) ? RES_NONE : RES_NOT_LOCAL;
	r->points_at_it = r->kind == r->want;
}

void resolver_free(struct resolver *r)
{
	strv_free(&r->nameservers);
}
