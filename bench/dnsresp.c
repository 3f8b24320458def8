// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dnsresp: an upstream DNS server for the DNS benchmark (bench/dns.sh).
 *
 *   dnsresp ADDR [PORT]
 *
 * Answers every A query over UDP with one address of its own, counting up
 * from 100.64.0.1 (the shared address range, only ever stored in sets,
 * never contacted), TTL 3600; other types get an empty NOERROR answer.
 * So each query a forwarder passes on teaches it a new address, which is
 * what a cache miss costs with galaf's nftset lines. Runs until killed.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Length of the question section at P (name, type, class), or 0. */
static size_t question_len(const unsigned char *p, size_t n)
{
	size_t i = 0;

	while (i < n && p[i]) {
		if (p[i] & 0xc0)
			return 0; /* no compression in a question we answer */
		i += (size_t)p[i] + 1;
	}
	return i + 5 <= n ? i + 5 : 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct sockaddr_storage peer;
	socklen_t plen;
	unsigned char buf[1500];
	uint32_t next = 0x64400001; /* 100.64.0.1 */
	size_t q;
	ssize_t n;
	int fd;

	if (argc < 2 || inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1) {
		fputs("usage: dnsresp ADDR [PORT]\n", stderr);
		return 2;
	}
	sa.sin_port = htons(argc > 2 ? (uint16_t)atoi(argv[2]) : 53);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("dnsresp");
		return 1;
	}
	for (;;) {
		plen = sizeof(peer);
		n = recvfrom(fd, buf, sizeof(buf) - 16, 0, (struct sockaddr *)&peer, &plen);
		if (n < 12 || (buf[2] & 0x80) || buf[4] || buf[5] != 1)
			continue; /* not a query with one question */
		q = question_len(buf + 12, (size_t)n - 12);
		if (!q)
			continue;
		n = (ssize_t)(12 + q);		 /* drop anything after the question (EDNS) */
		buf[2] = 0x80 | (buf[2] & 0x79); /* QR, keep opcode and RD */
		buf[3] = 0x80;			 /* RA, NOERROR */
		memset(buf + 6, 0, 6);		 /* no answer/authority/additional yet */
		if (buf[12 + q - 4] == 0 && buf[12 + q - 3] == 1) { /* type A */
			static const unsigned char rr[] = { 0xc0, 0x0c, 0,    1,    0, 1,
							    0,	  0,	0x0e, 0x10, 0, 4 };
			uint32_t a = htonl(next++);

			buf[7] = 1;
			memcpy(buf + n, rr, sizeof(rr));
			memcpy(buf + n + sizeof(rr), &a, 4);
			n += (ssize_t)sizeof(rr) + 4;
		}
		sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&peer, plen);
	}
}
