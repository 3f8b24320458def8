// SPDX-License-Identifier: GPL-2.0-or-later
#include "lib/lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <unistd.h>

#include "lib/fileio.h"

int state_lock(const char *state_dir, bool wait)
{
	char *path;
	int fd, ret;

	ret = mkdir_p(state_dir, 0755);
	if (ret)
		return ret;
	if (asprintf(&path, "%s/lock", state_dir) < 0)
		return -ENOMEM;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	ret = fd < 0 ? -errno : 0;
	free(path);
	if (ret)
		return ret;
	while (flock(fd, wait ? LOCK_EX : LOCK_EX | LOCK_NB) < 0) {
		if (errno != EINTR) {
			ret = -errno;
			close(fd);
			return ret;
		}
	}
	return fd;
}
