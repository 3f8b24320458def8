// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * galaf socket marker: a cgroup/sock_create program that stamps every new
 * IPv4/IPv6 socket with its creator's ids, so nftables can copy them into
 * the conntrack mark and account traffic per user and per app group.
 *
 *   sk_mark = (gid & 0xffff) << 16 | (uid & 0xffff), uid 0 stored as 1
 *
 * (src/lib/mark.h, which the ruleset, the loader and the stats tools share).
 *
 * Layout, collisions with other fwmark users: docs/marker.md.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "lib/mark.h"

/* <sys/socket.h> clashes with the BPF target; these values are ABI. */
#define GALAF_AF_INET 2
#define GALAF_AF_INET6 10

/*
 * The bits of the mark galaf may use; others are left 0 for other fwmark
 * users (policy routing, VPNs). galaf-config marker load --mask sets it
 * before loading; the ruleset masks with config.mark_mask the same way.
 */
const volatile __u32 mark_mask = 0xffffffff;

SEC("cgroup/sock_create")
int galaf_mark(struct bpf_sock *ctx)
{
	__u64 uid_gid;
	__u32 uid, gid;

	/* Unix, netlink, packet sockets carry no firewall traffic. */
	if (ctx->family != GALAF_AF_INET && ctx->family != GALAF_AF_INET6)
		return 1;

	uid_gid = bpf_get_current_uid_gid();
	uid = (__u32)uid_gid;
	gid = (__u32)(uid_gid >> 32);
	/* The layout, root's uid 0 stored as 1 included, is lib/mark.h's. */
	ctx->mark = galaf_mark_pack(gid, uid) & mark_mask;
	return 1;	/* never refuse a socket: the ruleset decides */
}

/*
 * The project's licence. bpf_get_current_uid_gid() is not GPL-only (the
 * program loads with any licence string), but "GPL" keeps GPL-only helpers
 * such as bpf_printk() usable when debugging.
 */
char LICENSE[] SEC("license") = "GPL";
