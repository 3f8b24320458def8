/* SPDX-License-Identifier: GPL-2.0-or-later */
/* galaf-config desktop: the manifest of what --install wrote. */
#ifndef GALAF_CONFIG_DESKTOP_MANIFEST_H
#define GALAF_CONFIG_DESKTOP_MANIFEST_H

#include <stddef.h>

#include "lib/diag.h"

/* A manifest line: "file HASH PATH" or "dir - PATH" (directories install created). */
struct mentry {
	char kind; /* 'f' or 'd' */
	char hash[17];
	char *path;
};

struct manifest {
	struct mentry *v;
	size_t n;
};

void manifest_free(struct manifest *m);
int manifest_add(struct manifest *m, char kind, const char *hash, const char *path);
const struct mentry *manifest_find(const struct manifest *m, const char *path);
/* Directories first, then files, each by path: stable bytes, and parents before children. */
void manifest_sort(struct manifest *m);
/*
 * Reads FILE into M (empty when FILE does not exist); -EINVAL on a line it
 * cannot read, with an error about the machine in D.
 */
int manifest_read(const char *file, struct manifest *m, struct diags *d);
/* Writes M to FILE (sorted), atomically; an empty M removes FILE. */
int manifest_write(const char *file, struct manifest *m);
/* The hash of PATH's content, or "" when it cannot be read. */
void file_hash(const char *path, char out[17]);
/* Creates the missing directories of PATH's parent, recording each in M. */
int mkdirs_recorded(const char *path, struct manifest *m);

#endif
