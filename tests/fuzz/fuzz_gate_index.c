// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: the gate index parser (src/gate/index.c) on arbitrary
 * bytes. Besides not crashing, it holds the parser to its word: when the
 * walk of --list accepts an index, the launch lookup finds every line it
 * walked, at the same place, and finds no name it did not walk.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gate/index.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void lookup_agrees(const struct gate_index *g)
{
	struct gate_entry e, f;
	struct gate_error err;
	struct gate_walk w;
	char name[GATE_NAME_LEN + 2];

	gate_walk_init(g, &w);
	while (gate_walk_next(g, &w, &e, &err) > 0) {
		if (gate_index_find(g, e.name.p, e.name.n, &f, &err) != 0 || f.name.p != e.name.p ||
		    f.args.p != e.args.p || f.args.n != e.args.n || f.gid != e.gid)
			abort();
		/* A name one byte longer sorts right after this one: no line has it. */
		memcpy(name, e.name.p, e.name.n);
		name[e.name.n] = '\x01';
		if (gate_index_find(g, name, e.name.n + 1, &f, &err) != -ENOENT)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy of the exact size, so reading past the end is caught. */
	char *map = malloc(size ? size : 1);
	struct gate_index g;
	struct gate_entry e;
	struct gate_error err;
	struct gate_walk w;
	int r;

	if (!map)
		return 0;
	memcpy(map, data, size);
	if (gate_index_open(&g, map, size, &err) == 0) {
		gate_index_find(&g, "mark", 4, &e, &err);
		gate_index_find(&g, "a", 1, &e, &err);
		gate_walk_init(&g, &w);
		while ((r = gate_walk_next(&g, &w, &e, &err)) > 0)
			;
		if (r == 0)
			lookup_agrees(&g);
	}
	free(map);
	return 0;
}
