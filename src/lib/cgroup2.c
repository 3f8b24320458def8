// SPDX-License-Identifier: GPL-2.0-or-later
/* Where the cgroup2 hierarchy is mounted, for the marker and the cgroup sets. */
#include "lib/cgroup2.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Decode mountinfo's \ooo escapes (space, tab, newline, backslash). */
static int unescape_octal(const char *s, char *buf, size_t len)
{
	size_t n = 0;

	for (; *s; n++) {
		if (n + 1 >= len)
			return -ENAMETOOLONG;
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			buf[n] = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0'));
			s += 4;
		} else {
			buf[n] = *s++;
		}
	}
	buf[n] = '\0';
	return 0;
}

/* The mount point of a mountinfo line that mounts a whole cgroup2 tree. */
static const char *mountinfo_cgroup2(char *line)
{
	char *sep = strstr(line, " - ");
	char *save = NULL, *root, *mnt;

	if (!sep || strncmp(sep + 3, "cgroup2 ", 8) != 0)
		return NULL;
	*sep = '\0';
	strtok_r(line, " ", &save); /* mount id */
	strtok_r(NULL, " ", &save); /* parent id */
	strtok_r(NULL, " ", &save); /* major:minor */
	root = strtok_r(NULL, " ", &save);
	mnt = strtok_r(NULL, " ", &save);
	/* A bind mount of a subtree is not the root. */
	if (!root || !mnt || strcmp(root, "/") != 0)
		return NULL;
	return mnt;
}

/* /sys/fs/cgroup on unified hosts, /sys/fs/cgroup/unified on hybrid ones. */
int cgroup2_mount(char *buf, size_t len)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char *line = NULL;
	const char *mnt;
	size_t cap = 0;
	int ret = -ENOENT;

	if (!f)
		return -errno;
	while (ret == -ENOENT && getline(&line, &cap, f) > 0) {
		line[strcspn(line, "\n")] = '\0';
		mnt = mountinfo_cgroup2(line);
		if (mnt)
			ret = unescape_octal(mnt, buf, len);
	}
	free(line);
	fclose(f);
	return ret;
}
