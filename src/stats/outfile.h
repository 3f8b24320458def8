/* SPDX-License-Identifier: GPL-2.0-or-later */
/* --output FILE: stdout goes to a temporary file that replaces FILE when complete. */
#ifndef GALAF_STATS_OUTFILE_H
#define GALAF_STATS_OUTFILE_H

#include <stdbool.h>

struct outfile {
	char *path, *tmp;
};

/* Points stdout at a new temporary file beside PATH; 0 or -errno. */
int outfile_begin(struct outfile *o, const char *path);
/* With OK, renames it over PATH (mode 0644); else removes it. 0 or -errno. */
int outfile_end(struct outfile *o, bool ok);

#endif
