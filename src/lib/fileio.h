/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Files written so that readers see the old or the new content, never half. */
#ifndef GALAF_FILEIO_H
#define GALAF_FILEIO_H

#include <stdbool.h>
#include <stddef.h>

/* A file written under a temporary name, put in place by staged_commit(). */
struct staged {
	char *path;
	char *tmp;
};

/* Writes DATA to a temporary file beside PATH (mode MODE, fsynced). */
int staged_write(struct staged *s, const char *path, const char *data, size_t len, unsigned mode);
/* rename(2) into place and fsync the directory. */
int staged_commit(struct staged *s);
struct file_data {
	const char *name;
	const char *data;
	size_t len;
};

/*
 * Writes N files (mode 0600) into the existing, empty directory DIR, then
 * fsyncs them and DIR: all the data goes out before the first fsync waits,
 * so the journal commits once rather than once per file.
 */
int dir_write_files(const char *dir, const struct file_data *f, size_t n);
/* fsync(2) of the directory PATH, after a rename into it. */
int dir_sync(const char *path);

/* Removes the temporary file if it is still there; frees S. */
void staged_drop(struct staged *s);
/* staged_write, staged_commit and staged_drop in one: PATH replaced whole or not at all. */
int file_replace(const char *path, const char *data, size_t len, unsigned mode);
/* Writes DATA into an existing file such as one under /proc/sys (no temporary file). */
int file_write_existing(const char *path, const char *data, size_t len);
/* write(2) until all of DATA is out (EINTR retried); 0 or -errno. */
int write_all(int fd, const char *data, size_t len);
/* Reads a whole file (at most MAX bytes); NULL with errno set on failure. */
char *file_read(const char *path, size_t max, size_t *ret_len);
/* Removes a directory of plain files (as galaf's state directories are); ENOENT is fine. */
int remove_tree(const char *path);
/* True when PATH holds exactly LEN bytes of DATA. */
bool file_equals(const char *path, const char *data, size_t len);
/* Whether files A and B both exist and hold the same bytes. */
bool files_equal(const char *a, const char *b);
/* mkdir -p with MODE for each created component. */
int mkdir_p(const char *path, unsigned mode);

#endif
