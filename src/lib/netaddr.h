/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Addresses, CIDRs, ports, protocols, domain and entry names: parsing and printing. */
#ifndef GALAF_NETADDR_H
#define GALAF_NETADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* An inclusive address range of one family; v4 uses bytes 0..3. */
struct iprange {
	int family; /* 4 or 6 */
	uint8_t lo[16];
	uint8_t hi[16];
};

/* One disjoint piece of an allow-list: addresses x protocols x ports. */
struct box {
	struct iprange a;
	uint16_t plo, phi; /* protocol numbers, 0-255 */
	uint16_t qlo, qhi; /* ports */
};

struct boxes {
	struct box *v;
	size_t n, cap;
};

#define NAME_MAX_LEN   32
#define DOMAIN_MAX_LEN 253

/* True when S reads as an address or CIDR rather than a domain name. */
bool addr_like(const char *s);
/*
 * Parses an address or CIDR. Returns 0, -EINVAL when it is not one, or
 * -EDOM when host bits are set (FIX then holds the corrected CIDR).
 */
int addr_parse(const char *s, struct iprange *r, char *fix, size_t fixlen);
/* Prints R as an address, a CIDR when it is one, else as lo-hi. */
void range_format(const struct iprange *r, char *buf, size_t len);
/* True when R lies inside ::ffff:0:0/96; V4 then holds its IPv4 form. */
bool range_v4_mapped(const struct iprange *r, char *v4, size_t len);
/* Returns NULL when S is a valid domain name, else why it is not. */
const char *domain_invalid(const char *s);
/* True when S can be a pattern in dnsmasq's connmark-allowlist (letters, digits, '-'; two labels or more; last label not numeric nor "local"). */
bool domain_is_pattern(const char *s);
/* Entry names: valid Linux user/group names that are also nft identifiers. */
bool name_valid(const char *s);
/* Protocol by name or number; returns -1 when unknown. */
int proto_lookup(const char *s);
const char *proto_name(int p);
bool proto_has_ports(int p);
/* "443" or "1000-2000"; returns 0 or -EINVAL / -ERANGE. */
int port_range_parse(const char *s, unsigned *lo, unsigned *hi);

/* Adds B minus everything already in V, so V stays disjoint. Returns 0 or -ENOMEM. */
int boxes_add(struct boxes *v, const struct box *b);
/* True when A and B overlap. */
bool box_overlap(const struct box *a, const struct box *b);
void boxes_sort(struct boxes *v);
void boxes_free(struct boxes *v);
/* The whole address space of a family. */
void range_all(struct iprange *r, int family);

#endif
