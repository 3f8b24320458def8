/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Taking the heap's pages in bulk before a big load (see heap.c). */
#ifndef GALAF_HEAP_H
#define GALAF_HEAP_H

#include <stddef.h>

/*
 * Heap a command needs per byte of policy, measured with a 1,000-group
 * policy (bench/genpolicy.py): loading, checking and rendering it; the
 * delta of a re-apply on top of that; a whole-table load by libnftables.
 */
enum {
	HEAP_FACTOR_RENDER = 10,
	HEAP_FACTOR_DELTA = 20,
	HEAP_FACTOR_FULL = 70,
};

/* Grows the heap by BYTES, pages mapped in, kept for later allocations. */
void heap_prefault(size_t bytes);
/* Grows the heap by about FACTOR times the size of FILE, pages mapped in. */
void heap_prefault_for(const char *file, unsigned factor);

#endif
