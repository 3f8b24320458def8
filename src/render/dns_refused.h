/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The names dnsmasq refused to each app (docs/dns.md, "Refused names").
 * The ruleset copies the question of every REFUSED answer the local
 * resolver sends to a marked query into a set, keyed by the query's ct
 * mark: no daemon, no log, and the kernel bounds the memory. nft 1.0.6
 * round-trips set keys of at most four fields, and a raw payload load must
 * lie inside the packet, so each answer length E (the DNS message, UDP
 * length - 8) gets its own pair of loads: A and B together cover the
 * message from the question on (or from byte 4: the query id would make
 * every answer a new element), up to 56 bytes of it.
 */
#ifndef GALAF_RENDER_DNS_REFUSED_H
#define GALAF_RENDER_DNS_REFUSED_H

#include <stdbool.h>

/* Short answers go to the small set (16 + 16 bytes), the rest to the large one (32 + 24). */
#define DNS_REFUSED_SMALL     "dns_refused_s"
#define DNS_REFUSED_LARGE     "dns_refused"
#define DNS_REFUSED_MIN_LEN   21 /* header, a 5-byte name, type and class */
#define DNS_REFUSED_SMALL_MAX 36
#define DNS_REFUSED_FULL      68 /* from this length on, one layout: bytes 12..67 */

struct dns_refused_layout {
	bool large;
	unsigned a_off, a_len; /* bytes of the DNS message */
	unsigned b_off, b_len;
};

/* The loads for an answer of LEN bytes (LEN >= DNS_REFUSED_MIN_LEN); render and decoder share it. */
static inline void dns_refused_layout(unsigned len, struct dns_refused_layout *ret)
{
	if (len <= DNS_REFUSED_SMALL_MAX) {
		*ret = (struct dns_refused_layout){ false, 4, 16, len - 16, 16 };
		return;
	}
	*ret = (struct dns_refused_layout){ true, 4, 32, len - 24, 24 };
	if (len >= DNS_REFUSED_FULL) {
		ret->a_off = 12;
		ret->b_off = 44;
	} else if (len > 60) {
		ret->a_off = len - 56; /* A ends where B starts: no gap, no query id */
	}
}

#endif
