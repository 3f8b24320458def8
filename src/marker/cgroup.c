// SPDX-License-Identifier: GPL-2.0-or-later
/* The marker's cgroups: finding the cgroup2 tree, opening a cgroup, naming one by id. */
#include "marker/cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "lib/cgroup2.h"

/* The root of the cgroup2 tree, or why there is none. */
static int cgroup2_root(char *buf, size_t len, struct marker_report *rep)
{
	int ret = cgroup2_mount(buf, len);

	if (ret == -ENOENT)
		return marker_fail(rep, MARKER_SYSTEM, -ENODEV,
				   "no cgroup2 filesystem is mounted (mount one: mount -t cgroup2 none /sys/fs/cgroup)");
	if (ret == -ENAMETOOLONG)
		return marker_fail(rep, MARKER_SYSTEM, ret, "cgroup2 mount point too long");
	if (ret)
		return marker_fail(rep, MARKER_SYSTEM, ret, "cannot read /proc/self/mountinfo: %s",
				   strerror(-ret));
	return 0;
}

static int cgroup_not_v2(const char *dir, struct marker_report *rep)
{
	char root[PATH_MAX];

	if (cgroup2_root(root, sizeof(root), NULL))
		return marker_fail(rep, MARKER_REFUSED, -ENOTDIR,
				   "%s is not a cgroup2 directory, and no cgroup2 filesystem is mounted",
				   dir);
	return marker_fail(rep, MARKER_REFUSED, -ENOTDIR,
			   "%s is not a cgroup2 directory (the cgroup2 mount is %s)", dir, root);
}

int cgref_open(const char *dir, struct cgroup_ref *cg, struct marker_report *rep)
{
	char root[PATH_MAX];
	struct statfs sfs;
	struct stat st;
	int ret;

	if (!dir) {
		ret = cgroup2_root(root, sizeof(root), rep);
		if (ret)
			return ret;
		dir = root;
	}
	cg->fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg->fd < 0)
		return marker_fail(rep, MARKER_REFUSED, -errno, "cannot open cgroup %s: %s", dir,
				   strerror(errno));
	if (fstatfs(cg->fd, &sfs) || sfs.f_type != CGROUP2_SUPER_MAGIC)
		return cgroup_not_v2(dir, rep);
	if (fstat(cg->fd, &st))
		return marker_fail(rep, MARKER_SYSTEM, -errno, "cannot stat %s: %s", dir,
				   strerror(errno));
	/* On 64-bit kernfs the inode number is the cgroup id. */
	cg->id = st.st_ino;
	if (!realpath(dir, cg->path))
		snprintf(cg->path, sizeof(cg->path), "%s", dir);
	return 0;
}

void cgref_close(struct cgroup_ref *cg)
{
	if (cg->fd >= 0)
		close(cg->fd);
	cg->fd = -1;
}

/* Depth-first search under PATH for the cgroup with inode ID; PATH grows. */
static bool cgroup_find(char *path, size_t len, uint64_t id)
{
	size_t n = strlen(path);
	struct dirent *de;
	bool found = false;
	DIR *d = opendir(path);

	if (!d)
		return false;
	while (!found && (de = readdir(d))) {
		if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (snprintf(path + n, len - n, "/%s", de->d_name) >= (int)(len - n))
			continue;
		found = de->d_ino == id || cgroup_find(path, len, id);
	}
	if (!found)
		path[n] = '\0';
	closedir(d);
	return found;
}

void cgref_name(uint64_t id, char *buf, size_t len)
{
	struct stat st;

	if (id && !cgroup2_root(buf, len, NULL) && !stat(buf, &st)) {
		if (st.st_ino == id || cgroup_find(buf, len, id))
			return;
	}
	snprintf(buf, len, "cgroup id %" PRIu64 "%s", id, id ? "" : " (removed)");
}
