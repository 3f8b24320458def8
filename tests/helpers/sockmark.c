// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sockmark: create sockets and print the mark each one was born with.
 *
 *   sockmark KIND...    KIND is tcp, udp, tcp6, udp6 or unix
 *
 * Prints "KIND 0xMARK" per socket. Reading SO_MARK needs no privilege, so
 * it runs as the unprivileged test user (setting it would need
 * CAP_NET_ADMIN).
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct kind {
	const char *name;
	int family, type;
};

static const struct kind kinds[] = {
	{ "tcp", AF_INET, SOCK_STREAM },   { "udp", AF_INET, SOCK_DGRAM },
	{ "tcp6", AF_INET6, SOCK_STREAM }, { "udp6", AF_INET6, SOCK_DGRAM },
	{ "unix", AF_UNIX, SOCK_STREAM },
};

static const struct kind *kind_find(const char *name)
{
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(kinds[i].name, name))
			return &kinds[i];
	return NULL;
}

static int print_mark(const struct kind *k)
{
	unsigned int mark = 0;
	socklen_t len = sizeof(mark);
	int fd = socket(k->family, k->type | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		fprintf(stderr, "sockmark: socket %s: %m\n", k->name);
		return 1;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_MARK, &mark, &len)) {
		fprintf(stderr, "sockmark: getsockopt %s SO_MARK: %m\n", k->name);
		close(fd);
		return 1;
	}
	close(fd);
	printf("%s 0x%08x\n", k->name, mark);
	return 0;
}

int main(int argc, char **argv)
{
	const struct kind *k;
	int ret = 0;

	if (argc < 2) {
		fputs("usage: sockmark tcp|udp|tcp6|udp6|unix...\n", stderr);
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		k = kind_find(argv[i]);
		if (!k) {
			fprintf(stderr, "sockmark: unknown kind %s\n", argv[i]);
			return 2;
		}
		ret |= print_mark(k);
	}
	return ret;
}
