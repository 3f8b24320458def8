// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Loading a big policy allocates tens of megabytes (libnftables' parse of
 * the ruleset most of all), one page fault per new page. Under some
 * hypervisors a fault costs 10-20 us (13-17 us measured on the machine of
 * bench/RESULTS.md, against well under 1 us on bare metal): at 1,000 groups
 * a third of a whole-table apply went to 12,900 faults. Asking for the
 * pages with one madvise(MADV_POPULATE_WRITE) costs about a third of that
 * per page. So before a big load the heap is grown by about what the load
 * will use, the pages are populated, and the memory is freed back to the
 * heap's top, which glibc is told not to trim; the load then allocates
 * from pages already there. Best effort: without the call (Linux < 5.14)
 * or the memory, nothing changes but the speed.
 */
#include "lib/heap.h"

#include <limits.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

/* Pieces below glibc's largest mmap threshold, so each comes from the heap. */
enum { PIECE = 16 << 20, MAX_PIECES = 16 };

void heap_prefault(size_t bytes)
{
	long page = sysconf(_SC_PAGESIZE);
	char *piece[MAX_PIECES], *lo, *hi;
	size_t n = 0, len;

	if (page <= 0 || bytes < (size_t)page * 64)
		return;
	/* Big buffers stay on the heap too, and its top is never given back. */
	mallopt(M_MMAP_THRESHOLD, PIECE + PIECE / 2);
	mallopt(M_TRIM_THRESHOLD, INT_MAX);
	for (; bytes && n < MAX_PIECES; bytes -= len, n++) {
		len = bytes < PIECE ? bytes : PIECE;
		piece[n] = malloc(len);
		if (!piece[n])
			break;
		/* The whole pages inside the piece. */
		lo = piece[n] + ((size_t)page - (uintptr_t)piece[n] % (size_t)page) % (size_t)page;
		hi = piece[n] + len - (uintptr_t)(piece[n] + len) % (size_t)page;
		if (hi > lo)
			(void)madvise(lo, hi - lo, MADV_POPULATE_WRITE);
	}
	while (n--)
		free(piece[n]);
}

void heap_prefault_for(const char *file, unsigned factor)
{
	struct stat st;
	size_t want;

	if (stat(file, &st) < 0 || st.st_size <= 0)
		return;
	want = (size_t)st.st_size * factor;
	heap_prefault(want < (size_t)PIECE * MAX_PIECES ? want : (size_t)PIECE * MAX_PIECES);
}
