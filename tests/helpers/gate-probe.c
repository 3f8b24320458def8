// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Probe for tests/bats/gate.bats: started through the gatekeeper, it tries
 * what an attacker holding the app's gid would try, and reports.
 *   probe fds                 open descriptors, space-separated
 *   probe setgid GID...       try every way to take GID; exit 0 if all fail
 *   probe connect ADDR PORT   TCP connect (3 s timeout); exit 0 if it works
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static int fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	const char *sep = "";

	if (!d)
		return perror("/proc/self/fd"), 2;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || atoi(de->d_name) == dirfd(d))
			continue;
		printf("%s%s", sep, de->d_name);
		sep = " ";
	}
	putchar('\n');
	closedir(d);
	return 0;
}

static int report(const char *what, int rc)
{
	printf("%s: %s\n", what, rc == 0 ? "SUCCEEDED" : strerror(errno));
	return rc == 0;
}

/* Count the calls that managed to put GID into the process's credentials. */
static int try_gid(gid_t g)
{
	gid_t r, e, s;
	int won = 0;

	won += report("setgid", setgid(g));
	won += report("setegid", setegid(g));
	won += report("setregid", setregid(g, g));
	won += report("setresgid", setresgid(g, g, g));
	won += report("setgroups", setgroups(1, &g));
	setfsgid(g);
	if (setfsgid((gid_t)-1) == (int)g) {
		printf("setfsgid: SUCCEEDED\n");
		won++;
	} else {
		printf("setfsgid: refused\n");
	}
	getresgid(&r, &e, &s);
	printf("gids: %u %u %u\n", r, e, s);
	return won;
}

static int tcp_connect(const char *addr, const char *port)
{
	struct timeval tv = { .tv_sec = 3 };
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV };
	struct addrinfo *ai;
	int fd, rc;

	if (getaddrinfo(addr, port, &hints, &ai))
		return fprintf(stderr, "probe: bad address\n"), 2;
	fd = socket(ai->ai_family, SOCK_STREAM, 0);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	rc = connect(fd, ai->ai_addr, ai->ai_addrlen);
	printf("connect: %s\n", rc == 0 ? "ok" : strerror(errno));
	freeaddrinfo(ai);
	close(fd);
	return rc == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	int i, won = 0;

	if (argc >= 2 && !strcmp(argv[1], "fds"))
		return fds();
	if (argc >= 3 && !strcmp(argv[1], "setgid")) {
		for (i = 2; i < argc; i++)
			won += try_gid(strtoul(argv[i], NULL, 10));
		return won ? 1 : 0;
	}
	if (argc == 4 && !strcmp(argv[1], "connect"))
		return tcp_connect(argv[2], argv[3]);
	fprintf(stderr, "usage: probe fds | setgid GID... | connect ADDR PORT\n");
	return 2;
}
