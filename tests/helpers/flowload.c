// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * flowload: new flows without pause, counting the ones a firewall refused.
 *
 *   flowload server ADDR PORT            TCP accept-and-close and UDP echo on
 *                                        ADDR PORT, until killed
 *   flowload client ADDR PORT SECS|-     new TCP connections and UDP
 *                                        request/reply pairs, alternately, each
 *                                        from a fresh socket, for SECS seconds
 *                                        (or, with -, until SIGTERM/SIGINT)
 *
 * ADDR is IPv4 or IPv6. The client prints one line on exit:
 *   tcp OK REFUSED LOST udp OK REFUSED LOST
 * REFUSED counts the flows refused (a reject, a local drop, or a port with no
 * server: see refused()), LOST the
 * connections not made and the UDP requests not answered in 1 s (a drop). It exits 0 when it ran,
 * whatever it counted: the caller judges. A fresh socket per flow makes every
 * flow a new conntrack entry, so each one walks the firewall's rules.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int parse_addr(const char *a, const char *port, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	int p = atoi(port);

	memset(ss, 0, sizeof(*ss));
	if (p <= 0 || p > 65535)
		return -1;
	if (inet_pton(AF_INET, a, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons((unsigned short)p);
		*len = sizeof(*in);
		return 0;
	}
	if (inet_pton(AF_INET6, a, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((unsigned short)p);
		*len = sizeof(*in6);
		return 0;
	}
	return -1;
}

static int bound(int type, const struct sockaddr_storage *ss, socklen_t len)
{
	int fd = socket(ss->ss_family, type | SOCK_CLOEXEC, 0), one = 1;

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)ss, len) < 0 ||
	    (type == SOCK_STREAM && listen(fd, 4096) < 0)) {
		close(fd);
		return -1;
	}
	return fd;
}

static int server(const struct sockaddr_storage *ss, socklen_t len)
{
	int t = bound(SOCK_STREAM, ss, len), u = bound(SOCK_DGRAM, ss, len);
	struct pollfd pf[2] = { { .fd = t, .events = POLLIN }, { .fd = u, .events = POLLIN } };
	struct sockaddr_storage from;
	char buf[64];

	if (t < 0 || u < 0)
		return perror("flowload: server"), 1;
	fputs("ready\n", stdout);
	fflush(stdout);
	for (;;) {
		if (poll(pf, 2, -1) < 0 && errno != EINTR)
			return perror("flowload: poll"), 1;
		if (pf[0].revents & POLLIN) {
			int c = accept(t, NULL, NULL);

			if (c >= 0)
				close(c);
		}
		if (pf[1].revents & POLLIN) {
			socklen_t fl = sizeof(from);
			ssize_t n = recvfrom(u, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);

			if (n > 0)
				sendto(u, buf, (size_t)n, 0, (struct sockaddr *)&from, fl);
		}
	}
}

/*
 * What a firewall's refusal looks like to the sender: a reset or ICMP error
 * (ECONNREFUSED, EHOSTUNREACH, ENETUNREACH, EACCES), or the local drop of
 * its own packet on output (EPERM).
 */
static int refused(int e)
{
	return e == ECONNREFUSED || e == EPERM || e == EACCES || e == EHOSTUNREACH ||
	       e == ENETUNREACH;
}

/* One TCP connection: 1 connected, 0 refused, 2 lost, 3 stopped, -1 another error. */
static int tcp_once(const struct sockaddr_storage *ss, socklen_t len)
{
	struct timeval tv = { 0, 200000 };
	struct linger lg = { 1, 0 };
	int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0), ret;

	if (fd < 0)
		return -1;
	/* A reset on close: no TIME_WAIT, so the ports never run out. */
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	/* A dropped SYN would block for a second per retry: count it lost. */
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (const struct sockaddr *)ss, len) == 0)
		ret = 1;
	else if (errno == EINTR)
		ret = 3; /* stopped: not counted */
	else
		ret = refused(errno) ? 0 : errno == EINPROGRESS || errno == EAGAIN ? 2 : -1;
	close(fd);
	return ret;
}

/* One UDP request and its reply: 1 answered, 0 refused, 2 lost, 3 stopped, -1 error. */
static int udp_once(const struct sockaddr_storage *ss, socklen_t len)
{
	int fd = socket(ss->ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0), ret = 2;
	struct pollfd pf = { .fd = fd, .events = POLLIN };
	char buf[8] = "galaf";

	if (fd < 0)
		return -1;
	if (connect(fd, (const struct sockaddr *)ss, len) < 0 || send(fd, buf, 5, 0) < 0) {
		ret = refused(errno) ? 0 : -1;
	} else if ((ret = poll(&pf, 1, 1000)) < 0) {
		ret = errno == EINTR ? 3 : -1; /* 3: stopped, not counted */
	} else if (ret == 0) {
		ret = 2;
	} else {
		if (recv(fd, buf, sizeof(buf), 0) > 0)
			ret = 1;
		else
			ret = refused(errno) ? 0 : -1;
	}
	close(fd);
	return ret;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int client(const struct sockaddr_storage *ss, socklen_t len, double secs)
{
	unsigned long tok = 0, tref = 0, tlost = 0, uok = 0, uref = 0, ulost = 0, other = 0;
	double end = now() + secs;
	unsigned long i;

	for (i = 0; !stop; i++) {
		int r = tcp_once(ss, len);

		tok += r == 1;
		tref += r == 0;
		tlost += r == 2;
		other += r < 0;
		if (stop)
			break;
		r = udp_once(ss, len);
		uok += r == 1;
		uref += r == 0;
		ulost += r == 2;
		other += r < 0;
		if (secs > 0 && (i & 63) == 0 && now() >= end)
			break;
	}
	printf("tcp %lu %lu %lu udp %lu %lu %lu\n", tok, tref, tlost, uok, uref, ulost);
	if (other)
		fprintf(stderr, "flowload: %lu flows failed otherwise (%s)\n", other,
			strerror(errno));
	return 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct sockaddr_storage ss;
	socklen_t len;

	if (argc < 4 || parse_addr(argv[2], argv[3], &ss, &len)) {
		fputs("usage: flowload server ADDR PORT | client ADDR PORT SECS|-\n", stderr);
		return 2;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if (!strcmp(argv[1], "server"))
		return server(&ss, len);
	if (!strcmp(argv[1], "client") && argc == 5)
		return client(&ss, len, strcmp(argv[4], "-") ? strtod(argv[4], NULL) : 0);
	fputs("usage: flowload server ADDR PORT | client ADDR PORT SECS|-\n", stderr);
	return 2;
}
