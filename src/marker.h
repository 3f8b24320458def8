/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The socket marker: a cgroup/sock_create BPF program (bpf/galaf_mark.bpf.c)
 * that stamps new IPv4/IPv6 sockets with GALAF_MARK(gid, uid). Layout and
 * fwmark collisions: docs/marker.md.
 */
#ifndef GALAF_MARKER_H
#define GALAF_MARKER_H

#include <stdint.h>

/* Keep in step with bpf/galaf_mark.bpf.c: 16 bits each, uid 0 stored as 1. */
#define GALAF_MARK_UID_BITS 16
#define GALAF_MARK_UID_MASK 0xffffu
#define GALAF_MARK_GID_MASK 0xffff0000u

static inline uint32_t galaf_mark(uint32_t gid, uint32_t uid)
{
	uid &= GALAF_MARK_UID_MASK;
	return (gid & GALAF_MARK_UID_MASK) << GALAF_MARK_UID_BITS | (uid ? uid : 1);
}

static inline uint32_t galaf_mark_gid(uint32_t mark)
{
	return mark >> GALAF_MARK_UID_BITS;
}

/* 1 means root (or a uid that is 0 modulo 65536); 0 only in unmarked sockets. */
static inline uint32_t galaf_mark_uid(uint32_t mark)
{
	return mark & GALAF_MARK_UID_MASK;
}

/*
 * galaf-config marker load|unload|status [--cgroup DIR] [--object FILE]
 * [--pin-dir DIR]; argv[0] is "marker". Prints its own messages and returns
 * the exit code: 0 ok (status: loaded), 1 refused or failed (status: not
 * loaded), 2 usage, 3 system error.
 */
int cmd_marker(int argc, char **argv);

#endif /* GALAF_MARKER_H */
