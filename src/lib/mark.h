/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The socket and conntrack mark layout, shared by the BPF program
 * (bpf/galaf_mark.bpf.c), the ruleset, the marker's loader and the stats
 * tools: 16 bits of gid above 16 bits of uid, uid 0 stored as 1 so that
 * root's sockets differ from unmarked ones. More: docs/marker.md.
 */
#ifndef GALAF_LIB_MARK_H
#define GALAF_LIB_MARK_H

#include <linux/types.h>

#define GALAF_MARK_UID_BITS 16
#define GALAF_MARK_UID_MASK 0xffffu
#define GALAF_MARK_GID_MASK 0xffff0000u

/* The gid half of a mark: what a group entry's traffic carries. */
static inline __u32 galaf_mark_of_gid(__u32 gid)
{
	return (gid & GALAF_MARK_UID_MASK) << GALAF_MARK_UID_BITS;
}

/* The uid half: 1 means root (or a uid that is 0 modulo 65536). */
static inline __u32 galaf_mark_of_uid(__u32 uid)
{
	uid &= GALAF_MARK_UID_MASK;
	return uid ? uid : 1;
}

static inline __u32 galaf_mark_pack(__u32 gid, __u32 uid)
{
	return galaf_mark_of_gid(gid) | galaf_mark_of_uid(uid);
}

static inline __u32 galaf_mark_gid(__u32 mark)
{
	return mark >> GALAF_MARK_UID_BITS;
}

/* 0 only in unmarked sockets. */
static inline __u32 galaf_mark_uid(__u32 mark)
{
	return mark & GALAF_MARK_UID_MASK;
}

#endif
