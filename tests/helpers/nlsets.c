// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What src/nft/netlink.c reads, printed for tests/bats/fleet.bats to hold
 * against `nft -j list set`:
 *   nlsets TABLE exists               exit 0 (exists), 3 (no such table), 1
 *   nlsets TABLE counts SET...        "SET COUNT" a line (-1: no such set)
 *   nlsets TABLE dumped SET...        "SET COUNT" as kernels before 6.16 give them
 *   nlsets TABLE elems SET            "0xKEY PACKETS BYTES" a line (4-byte keys)
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "nft/netlink.h"

static int print_elem(const struct nft_elem *e, void *ctx)
{
	unsigned key;

	(void)ctx;
	if (e->key_len != sizeof(key) || e->interval_end)
		return 0;
	memcpy(&key, e->key, sizeof(key));
	printf("0x%08x %llu %llu\n", key, (unsigned long long)e->packets,
	       (unsigned long long)e->bytes);
	return 0;
}

int main(int argc, char **argv)
{
	long counts[64];
	int i, r = 0;

	if (argc < 3 || argc - 3 > 64)
		return 2;
	if (!strcmp(argv[2], "exists")) {
		r = nft_table_exists(argv[1]);
		return r == -ENOENT ? 3 : r ? 1 : 0;
	}
	if (!strcmp(argv[2], "counts")) {
		r = nft_set_counts(argv[1], (const char *const *)argv + 3, (size_t)argc - 3, counts);
		for (i = 0; !r && i < argc - 3; i++)
			printf("%s %ld\n", argv[3 + i], counts[i]);
	} else if (!strcmp(argv[2], "dumped")) {
		/* What galaf-stats does on kernels before 6.16. */
		r = nft_set_counts_dumped(argv[1], (const char *const *)argv + 3, (size_t)argc - 3,
					  counts);
		for (i = 0; !r && i < argc - 3; i++)
			printf("%s %ld\n", argv[3 + i], counts[i]);
	} else if (!strcmp(argv[2], "elems") && argc == 4) {
		r = nft_set_elems(argv[1], argv[3], print_elem, NULL);
	} else {
		return 2;
	}
	if (r)
		fprintf(stderr, "nlsets: %s\n", strerror(-r));
	return r ? 1 : 0;
}
