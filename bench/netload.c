// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * netload: small load generators for the data-path benchmark (bench/datapath.sh).
 *
 *   netload tcp-server ADDR PORT              accept and close, until killed
 *   netload tcp-connect ADDR PORT SECS        new connections per second
 *   netload udp-recv ADDR PORT                count datagrams until idle
 *   netload udp-send ADDR PORT SECS [SIZE]    send datagrams for SECS
 *   netload udp-echo ADDR PORT                send every datagram back, until killed
 *   netload udp-pingpong ADDR PORT SECS [SIZE]  datagrams answered per second,
 *                                             32 in flight (a stream with replies)
 *
 * IPv4 only (ADDR is a dotted quad). Each client, and udp-recv, prints
 * "RATE COUNT ERRORS CPU_NS" on one line: CPU_NS is the CPU time the process
 * used (user and kernel, including the softirq work the kernel did in its
 * context), from CLOCK_PROCESS_CPUTIME_ID. tcp-connect adds two fields: the
 * median time of one connect() call and the time of the first one (the
 * first connection of a fresh process, as a user's new program makes it),
 * in ns. tcp-connect opens one connection at a time and closes it with
 * a reset (SO_LINGER 0), so no TIME_WAIT state runs out of ports: every
 * connection is a SYN, SYN-ACK, ACK and RST, and its SYN is the one packet
 * that walks a firewall's rules. udp-recv prints the rate between its first
 * and last datagram, once nothing has arrived for 300 ms (or 5 s before the
 * first one).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
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

static unsigned long long cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ULL + (unsigned long long)ts.tv_nsec;
}

static int addr_of(const char *ip, const char *port, struct sockaddr_in *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((unsigned short)atoi(port));
	return inet_pton(AF_INET, ip, &sa->sin_addr) == 1 ? 0 : -1;
}

static int bound_socket(int type, const struct sockaddr_in *sa)
{
	int one = 1, fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int tcp_server(const struct sockaddr_in *sa)
{
	int fd = bound_socket(SOCK_STREAM, sa), c;

	if (fd < 0 || listen(fd, 4096) < 0) {
		perror("netload: tcp-server");
		return 1;
	}
	for (;;) {
		c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
		if (c >= 0)
			close(c);
		else if (errno != EINTR && errno != ECONNABORTED)
			return perror("netload: accept"), 1;
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Up to this many connect() times are kept for the median. */
#define LAT_MAX (1 << 20)

static int tcp_connect(const struct sockaddr_in *sa, double secs)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	unsigned long n = 0, errs = 0, nlat = 0;
	double start = now(), elapsed, t0, *lat = malloc(LAT_MAX * sizeof(*lat));
	int fd, i, ok;

	if (!lat)
		return perror("netload: malloc"), 1;
	do {
		/* The clock costs about 20 ns, next to tens of µs per connection. */
		for (i = 0; i < 16; i++) {
			fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
			if (fd < 0)
				return perror("netload: socket"), 1;
			t0 = now();
			ok = connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0;
			if (ok && nlat < LAT_MAX)
				lat[nlat++] = now() - t0;
			if (ok)
				n++;
			else if (++errs > 100)
				return perror("netload: connect"), 1;
			setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
			close(fd);
		}
		elapsed = now() - start;
	} while (elapsed < secs);
	double first = nlat ? lat[0] : 0;
	qsort(lat, nlat, sizeof(*lat), cmp_double);
	printf("%.0f %lu %lu %llu %.0f %.0f\n", (double)n / elapsed, n, errs, cpu_ns(),
	       nlat ? lat[nlat / 2] * 1e9 : 0, first * 1e9);
	free(lat);
	return 0;
}

static int udp_recv(const struct sockaddr_in *sa)
{
	int fd = bound_socket(SOCK_DGRAM, sa), rcvbuf = 4 << 20;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	double first = 0, last = 0;
	unsigned long n = 0;
	char buf[2048];

	if (fd < 0)
		return perror("netload: udp-recv"), 1;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	for (;;) {
		if (poll(&p, 1, n ? 300 : 5000) <= 0)
			break;
		while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) >= 0) {
			if (!n++)
				first = now();
		}
		last = now();
	}
	if (n < 2) {
		fputs("netload: udp-recv: no datagrams\n", stderr);
		return 1;
	}
	printf("%.0f %lu 0 %llu\n", (double)(n - 1) / (last - first), n, cpu_ns());
	return 0;
}

static int udp_send(const struct sockaddr_in *sa, double secs, size_t size)
{
	unsigned long n = 0, errs = 0;
	double start, elapsed;
	char buf[1472] = { 0 };
	int fd, i;

	if (size > sizeof(buf))
		size = sizeof(buf);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0)
		return perror("netload: udp-send"), 1;
	start = now();
	do {
		for (i = 0; i < 256; i++) {
			if (send(fd, buf, size, 0) >= 0)
				n++;
			else
				errs++;
		}
		elapsed = now() - start;
	} while (elapsed < secs);
	printf("%.0f %lu %lu %llu\n", (double)n / elapsed, n, errs, cpu_ns());
	return 0;
}

static int udp_echo(const struct sockaddr_in *sa)
{
	int fd = bound_socket(SOCK_DGRAM, sa);
	struct sockaddr_in peer;
	socklen_t len;
	char buf[2048];
	ssize_t n;

	if (fd < 0)
		return perror("netload: udp-echo"), 1;
	for (;;) {
		len = sizeof(peer);
		n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&peer, &len);
		if (n >= 0)
			sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&peer, len);
		else if (errno != EINTR)
			return perror("netload: recvfrom"), 1;
	}
}

/*
 * One connected socket keeps WINDOW datagrams in flight: each reply sends
 * the next one. A lost datagram is replaced after 100 ms of silence.
 */
static int udp_pingpong(const struct sockaddr_in *sa, double secs, size_t size)
{
	enum { WINDOW = 32 };
	unsigned long n = 0, errs = 0;
	struct pollfd p;
	double start, elapsed;
	char buf[1472] = { 0 };
	int fd, i;

	if (size > sizeof(buf))
		size = sizeof(buf);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0)
		return perror("netload: udp-pingpong"), 1;
	p.fd = fd;
	p.events = POLLIN;
	start = now();
	for (i = 0; i < WINDOW; i++)
		send(fd, buf, size, 0);
	do {
		if (poll(&p, 1, 100) <= 0) {
			errs++;
			for (i = 0; i < WINDOW; i++)
				send(fd, buf, size, 0);
		}
		while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) >= 0) {
			n++;
			send(fd, buf, size, 0);
		}
		elapsed = now() - start;
	} while (elapsed < secs);
	printf("%.0f %lu %lu %llu\n", (double)n / elapsed, n, errs, cpu_ns());
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa;
	const char *mode = argc > 1 ? argv[1] : "";
	double secs = argc > 4 ? strtod(argv[4], NULL) : 0;

	if (argc < 4 || addr_of(argv[2], argv[3], &sa))
		goto usage;
	if (!strcmp(mode, "tcp-server"))
		return tcp_server(&sa);
	if (!strcmp(mode, "udp-recv"))
		return udp_recv(&sa);
	if (!strcmp(mode, "udp-echo"))
		return udp_echo(&sa);
	if (secs <= 0)
		goto usage;
	if (!strcmp(mode, "tcp-connect"))
		return tcp_connect(&sa, secs);
	if (!strcmp(mode, "udp-send"))
		return udp_send(&sa, secs, argc > 5 ? (size_t)atoi(argv[5]) : 18);
	if (!strcmp(mode, "udp-pingpong"))
		return udp_pingpong(&sa, secs, argc > 5 ? (size_t)atoi(argv[5]) : 18);
usage:
	fputs("usage: netload tcp-server|udp-recv|udp-echo ADDR PORT\n"
	      "       netload tcp-connect|udp-send|udp-pingpong ADDR PORT SECS [SIZE]\n",
	      stderr);
	return 2;
}
