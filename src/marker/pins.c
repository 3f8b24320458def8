// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The marker's pins: one bpf_link per cgroup, pinned on bpffs as
 * PIN_DIR/link-<cgroup id>, found, listed and dropped again.
 */
#include "marker/pins.h"

#include <bpf/bpf.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>

/*
 * Pins live on bpffs only: check the pin dir, or its parent when it does
 * not exist yet, so the user gets a way out instead of libbpf's EPERM.
 */
int pin_dir_check(const char *dir, bool *ret_exists, struct marker_report *rep)
{
	char parent[PATH_MAX];
	const char *where = dir;
	struct statfs sfs;
	char *slash;

	*ret_exists = !statfs(dir, &sfs);
	if (!*ret_exists) {
		if (errno != ENOENT)
			return marker_fail(rep, MARKER_SYSTEM, -errno, "pin dir %s: %s", dir,
					   strerror(errno));
		snprintf(parent, sizeof(parent), "%s", dir);
		slash = strrchr(parent, '/');
		if (slash)
			*(slash == parent ? slash + 1 : slash) = '\0';
		where = slash ? parent : ".";
		if (statfs(where, &sfs))
			return marker_fail(rep, MARKER_SYSTEM, -errno, "pin dir %s: %s: %s", dir,
					   where, strerror(errno));
	}
	if (sfs.f_type != BPF_FS_MAGIC)
		return marker_fail(rep, MARKER_SYSTEM, -ENOTSUP,
				   "%s is not a BPF filesystem (mount one: mount -t bpf bpf %s)",
				   where, where);
	return 0;
}

int pin_path(const char *pin_dir, uint64_t cgroup_id, char *buf, size_t len, struct marker_report *rep)
{
	int n = snprintf(buf, len, "%s/" LINK_PREFIX "%" PRIu64, pin_dir, cgroup_id);

	if (n < 0 || (size_t)n >= len)
		return marker_fail(rep, MARKER_REFUSED, -ENAMETOOLONG, "pin dir %s: name too long",
				   pin_dir);
	return 0;
}

/* Open a pinned link; -ENOENT when nothing is pinned there. */
int pinned_link_open(const char *path, struct pinned_link *pl, int *ret_fd)
{
	struct bpf_link_info info;
	__u32 len = sizeof(info);
	int fd, ret = 0;

	fd = bpf_obj_get(path);
	if (fd < 0)
		return fd;
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		ret = -errno;
	else if (info.type != BPF_LINK_TYPE_CGROUP ||
		 info.cgroup.attach_type != BPF_CGROUP_INET_SOCK_CREATE)
		ret = -EMEDIUMTYPE; /* someone else's object */
	if (ret || !ret_fd)
		close(fd);
	if (ret)
		return ret;
	snprintf(pl->path, sizeof(pl->path), "%s", path);
	pl->link_id = info.id;
	pl->prog_id = info.prog_id;
	pl->cgroup_id = info.cgroup.cgroup_id;
	if (ret_fd)
		*ret_fd = fd;
	return 0;
}

/*
 * Detach before unpinning: another process (bpftool, say) may hold the
 * link open, and unload promises that nothing stays attached.
 */
int pinned_link_drop(const char *path, struct marker_report *rep)
{
	int fd = bpf_obj_get(path);
	int ret = 0;

	if (fd < 0)
		return fd == -ENOENT
			       ? -ENOENT
			       : marker_fail(rep, MARKER_SYSTEM, fd,
					     "cannot open pinned link %s: %s", path, strerror(-fd));
	/* ENOLINK: already detached; EINVAL: no BPF_LINK_DETACH before 5.9. */
	if (bpf_link_detach(fd) && errno != ENOLINK && errno != EINVAL)
		ret = marker_fail(rep, MARKER_SYSTEM, -errno, "cannot detach %s: %s", path,
				  strerror(errno));
	else if (unlink(path))
		ret = marker_fail(rep, MARKER_SYSTEM, -errno, "cannot unpin %s: %s", path,
				  strerror(errno));
	close(fd);
	return ret;
}

static int pin_cmp(const void *a, const void *b)
{
	const struct pinned_link *pa = a, *pb = b;

	return strcmp(pa->path, pb->path);
}

/* The pinned links in DIR, sorted by name; the caller frees *ret. */
int pins_list(const char *dir, struct pinned_link **ret_pins, size_t *ret_n, struct marker_report *rep)
{
	struct pinned_link *v = NULL, *nv;
	char path[PATH_MAX];
	struct dirent *de;
	size_t n = 0;
	int ret = 0;
	DIR *d = opendir(dir);

	*ret_pins = NULL;
	*ret_n = 0;
	if (!d)
		return errno == ENOENT ? 0
				       : marker_fail(rep, MARKER_SYSTEM, -errno,
						     "cannot read %s: %s", dir, strerror(errno));
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, LINK_PREFIX, strlen(LINK_PREFIX)) ||
		    snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= (int)sizeof(path))
			continue;
		nv = realloc(v, (n + 1) * sizeof(*v));
		if (!nv) {
			ret = marker_fail(rep, MARKER_SYSTEM, -ENOMEM, "out of memory");
			break;
		}
		v = nv;
		if (!pinned_link_open(path, &v[n], NULL))
			n++;
	}
	closedir(d);
	if (ret) {
		free(v);
		return ret;
	}
	if (n)
		qsort(v, n, sizeof(*v), pin_cmp);
	*ret_pins = v;
	*ret_n = n;
	return 0;
}

const struct pinned_link *pins_find_prog(const struct pinned_link *v, size_t n, uint32_t prog_id)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].prog_id == prog_id)
			return &v[i];
	return NULL;
}

/* Pins whose cgroup was removed hold a dead link: nothing to keep. */
void pins_sweep_stale(const char *dir, struct marker_report *rep)
{
	struct pinned_link *v;
	size_t n;

	if (pins_list(dir, &v, &n, NULL))
		return;
	for (size_t i = 0; i < n; i++) {
		if (!v[i].cgroup_id) {
			pinned_link_drop(v[i].path, NULL);
			marker_say(rep, "removed %s: its cgroup is gone", v[i].path);
		}
	}
	free(v);
}
