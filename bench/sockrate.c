// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sockrate: how many sockets per second this process can create and close.
 *
 *   sockrate [SECONDS [udp|tcp|udp6|tcp6]]     (default: 1 udp)
 *
 * Prints one integer, sockets per second. The loop does nothing but
 * socket() and close(), so it isolates per-socket costs such as a
 * cgroup/sock_create program (bench/marker.sh).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int parse_kind(const char *s, int *family, int *type)
{
	*family = strchr(s, '6') ? AF_INET6 : AF_INET;
	if (!strncmp(s, "udp", 3))
		*type = SOCK_DGRAM;
	else if (!strncmp(s, "tcp", 3))
		*type = SOCK_STREAM;
	else
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? strtod(argv[1], NULL) : 1.0;
	double start, elapsed;
	unsigned long n = 0;
	int family, type, fd;

	if (secs <= 0 || parse_kind(argc > 2 ? argv[2] : "udp", &family, &type)) {
		fputs("usage: sockrate [SECONDS [udp|tcp|udp6|tcp6]]\n", stderr);
		return 2;
	}
	start = now();
	do {
		/* Check the clock every 1024 sockets: it costs more than a socket. */
		for (int i = 0; i < 1024; i++, n++) {
			fd = socket(family, type | SOCK_CLOEXEC, 0);
			if (fd < 0) {
				perror("sockrate: socket");
				return 1;
			}
			close(fd);
		}
		elapsed = now() - start;
	} while (elapsed < secs);
	printf("%.0f\n", (double)n / elapsed);
	return 0;
}
