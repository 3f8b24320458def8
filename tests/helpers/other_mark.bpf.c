// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Test stand-in for an older or foreign marker: same section and program
 * name as bpf/galaf_mark.bpf.c, different code, a fixed mark.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("cgroup/sock_create")
int galaf_mark(struct bpf_sock *ctx)
{
	ctx->mark = 0x4711;
	return 1;
}

char LICENSE[] SEC("license") = "GPL";
