// SPDX-License-Identifier: GPL-2.0-or-later
#include "lib/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int write_all(int fd, const char *data, size_t len)
{
	while (len) {
		ssize_t n = write(fd, data, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

int staged_write(struct staged *s, const char *path, const char *data, size_t len, unsigned mode)
{
	char *dir, *dcopy = strdup(path);
	int fd, ret;

	memset(s, 0, sizeof(*s));
	if (!dcopy)
		return -ENOMEM;
	dir = dirname(dcopy);
	ret = mkdir_p(dir, 0755);
	free(dcopy);
	if (ret)
		return ret;
	s->path = strdup(path);
	if (!s->path || asprintf(&s->tmp, "%s.galaf-XXXXXX", path) < 0) {
		free(s->path);
		s->path = NULL;
		s->tmp = NULL;
		return -ENOMEM;
	}
	fd = mkostemp(s->tmp, O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		free(s->tmp);
		s->tmp = NULL;
		return ret;
	}
	ret = write_all(fd, data, len);
	if (!ret && fchmod(fd, mode) < 0)
		ret = -errno;
	if (!ret && fsync(fd) < 0)
		ret = -errno;
	if (close(fd) < 0 && !ret)
		ret = -errno;
	if (ret)
		unlink(s->tmp);
	return ret;
}

int staged_commit(struct staged *s)
{
	char *dcopy;
	int dfd, ret = 0;

	if (rename(s->tmp, s->path) < 0)
		return -errno;
	free(s->tmp);
	s->tmp = NULL;
	dcopy = strdup(s->path);
	if (!dcopy)
		return 0;
	dfd = open(dirname(dcopy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		if (fsync(dfd) < 0)
			ret = -errno;
		close(dfd);
	}
	free(dcopy);
	return ret;
}

int dir_sync(const char *path)
{
	int dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC), ret = 0;

	if (dfd < 0)
		return -errno;
	if (fsync(dfd) < 0)
		ret = -errno;
	close(dfd);
	return ret;
}

int dir_write_files(const char *dir, const struct file_data *f, size_t n)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), *fds, ret = 0;
	size_t i, opened = 0;

	if (dfd < 0)
		return -errno;
	fds = calloc(n + 1, sizeof(*fds));
	if (!fds) {
		close(dfd);
		return -ENOMEM;
	}
	for (i = 0; !ret && i < n; i++, opened++) {
		fds[i] = openat(dfd, f[i].name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fds[i] < 0) {
			ret = -errno;
			break;
		}
		ret = write_all(fds[i], f[i].data, f[i].len);
	}
	for (i = 0; i < opened; i++) {
		if (!ret && fsync(fds[i]) < 0)
			ret = -errno;
		if (close(fds[i]) < 0 && !ret)
			ret = -errno;
	}
	if (!ret && fsync(dfd) < 0)
		ret = -errno;
	close(dfd);
	free(fds);
	return ret;
}

void staged_drop(struct staged *s)
{
	if (s->tmp)
		unlink(s->tmp);
	free(s->tmp);
	free(s->path);
	memset(s, 0, sizeof(*s));
}

int file_replace(const char *path, const char *data, size_t len, unsigned mode)
{
	struct staged st = { 0 };
	int ret = staged_write(&st, path, data, len, mode);

	if (!ret)
		ret = staged_commit(&st);
	staged_drop(&st);
	return ret;
}

char *file_read(const char *path, size_t max, size_t *ret_len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t len = 0, cap = 4096;
	struct stat st;
	char *buf;
	ssize_t n;

	if (fd < 0)
		return NULL;
	/*
	 * A regular file's size, plus one to see its end: no copy on the way
	 * up. Not for files of size 0: /proc and /sys report that, and many
	 * of theirs answer only a read from offset 0.
	 */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 && (size_t)st.st_size < max)
		cap = (size_t)st.st_size + 1;
	buf = malloc(cap + 1);
	while (buf) {
		if (len == cap) {
			char *nb = cap >= max ? NULL : realloc(buf, (cap *= 2) + 1);

			if (!nb) {
				free(buf);
				buf = NULL;
				errno = len >= max ? EFBIG : ENOMEM;
				break;
			}
			buf = nb;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n < 0) {
				free(buf);
				buf = NULL;
			}
			break;
		}
		len += (size_t)n;
	}
	close(fd);
	if (buf) {
		buf[len] = '\0';
		if (ret_len)
			*ret_len = len;
	}
	return buf;
}

int mkdir_p(const char *path, unsigned mode)
{
	char *p = strdup(path), *s;
	int ret = 0;

	if (!p)
		return -ENOMEM;
	for (s = p + 1; !ret; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST)
			ret = -errno;
		*s = c;
		if (!c)
			break;
	}
	free(p);
	return ret;
}

int remove_tree(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	int ret = 0;

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		char *f;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (asprintf(&f, "%s/%s", path, de->d_name) < 0) {
			ret = -ENOMEM;
			break;
		}
		if (unlink(f) < 0 && errno != ENOENT)
			ret = -errno;
		free(f);
	}
	closedir(d);
	if (!ret && rmdir(path) < 0 && errno != ENOENT)
		ret = -errno;
	return ret;
}

/* Reads until LEN bytes or the end: the count, or -1. */
static ssize_t read_full(int fd, char *buf, size_t len)
{
	size_t have = 0;
	ssize_t n;

	while (have < len) {
		n = read(fd, buf + have, len - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		have += (size_t)n;
	}
	return (ssize_t)have;
}

bool file_equals(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char buf[65536];
	size_t have = 0;
	bool same = fd >= 0;
	ssize_t n;

	/* In pieces: a megabyte-sized file is compared without a copy of it on the heap. */
	while (same) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			same = n == 0 && have == len;
			break;
		}
		same = (size_t)n <= len - have && !memcmp(buf, data + have, (size_t)n);
		have += (size_t)n;
	}
	if (fd >= 0)
		close(fd);
	return same;
}

bool files_equal(const char *a, const char *b)
{
	int fa = open(a, O_RDONLY | O_CLOEXEC), fb = open(b, O_RDONLY | O_CLOEXEC);
	char ba[32768], bb[32768];
	bool same = fa >= 0 && fb >= 0;
	ssize_t na, nb;

	while (same) {
		na = read_full(fa, ba, sizeof(ba));
		nb = read_full(fb, bb, sizeof(bb));
		same = na >= 0 && na == nb && !memcmp(ba, bb, (size_t)na);
		if (na <= 0)
			break;
	}
	if (fa >= 0)
		close(fa);
	if (fb >= 0)
		close(fb);
	return same;
}

int file_write_existing(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY), ret;

	if (fd < 0)
		return -errno;
	ret = write_all(fd, data, len);
	if (close(fd) < 0 && !ret)
		ret = -errno;
	return ret;
}
