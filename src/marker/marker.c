// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * galaf-config marker: load, unload and report the socket marker.
 *
 * The program is attached with a bpf_link (always BPF_F_ALLOW_MULTI for
 * cgroups, so other programs on the hook keep running) and the link is
 * pinned as PIN_DIR/link-<cgroup id>: the pin keeps it attached after we
 * exit, makes a second load for the same cgroup find it, and lets unload
 * detach exactly what load attached.
 */
#include "marker/marker.h"

#include "lib/cgroup2.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#define PFX		MARKER_PFX
#define PROG_NAME	"galaf_mark"
#define LINK_PREFIX	"link-"
#define MAX_QUERY_PROGS 256

enum {
	EXIT_OK = MARKER_EXIT_OK,
	EXIT_REFUSED = MARKER_EXIT_REFUSED,
	EXIT_SYSTEM = MARKER_EXIT_SYSTEM
};

struct cgroup_ref {
	int fd;
	uint64_t id; /* kernfs id, what link info calls cgroup_id */
	char path[PATH_MAX];
};

/* A pinned link as the kernel reports it. */
struct pinned_link {
	char path[PATH_MAX];
	uint32_t link_id;
	uint32_t prog_id;
	uint64_t cgroup_id; /* 0 once its cgroup has been released */
};

enum load_outcome { LOAD_ATTACHED, LOAD_ALREADY, LOAD_UPDATED };

struct load_result {
	enum load_outcome outcome;
	uint32_t link_id;
	uint32_t prog_id;
};

/* libbpf's print callback has no user pointer. */
static bool libbpf_verbose;

__attribute__((format(printf, 4, 5))) static int fail(struct marker_error *e, int exit_code,
						      int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	e->exit_code = exit_code;
	return err < 0 ? err : -EINVAL;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (!libbpf_verbose || level == LIBBPF_DEBUG)
		return 0;
	fputs(PFX, stderr);
	return vfprintf(stderr, fmt, ap);
}

/* The root of the cgroup2 tree, or why there is none. */
static int cgroup2_root(char *buf, size_t len, struct marker_error *e)
{
	int ret = cgroup2_mount(buf, len);

	if (ret == -ENOENT)
		return fail(e, EXIT_SYSTEM, -ENODEV,
			    "no cgroup2 filesystem is mounted (mount one: mount -t cgroup2 none /sys/fs/cgroup)");
	if (ret == -ENAMETOOLONG)
		return fail(e, EXIT_SYSTEM, ret, "cgroup2 mount point too long");
	if (ret)
		return fail(e, EXIT_SYSTEM, ret, "cannot read /proc/self/mountinfo: %s",
			    strerror(-ret));
	return 0;
}

static int cgroup_not_v2(const char *dir, struct marker_error *e)
{
	struct marker_error ignored = { 0 };
	char root[PATH_MAX];

	if (cgroup2_root(root, sizeof(root), &ignored))
		return fail(e, EXIT_REFUSED, -ENOTDIR,
			    "%s is not a cgroup2 directory, and no cgroup2 filesystem is mounted",
			    dir);
	return fail(e, EXIT_REFUSED, -ENOTDIR,
		    "%s is not a cgroup2 directory (the cgroup2 mount is %s)", dir, root);
}

/* Open DIR (NULL: the cgroup2 root) and learn its id. */
static int cgroup_open(const char *dir, struct cgroup_ref *cg, struct marker_error *e)
{
	char root[PATH_MAX];
	struct statfs sfs;
	struct stat st;
	int ret;

	if (!dir) {
		ret = cgroup2_root(root, sizeof(root), e);
		if (ret)
			return ret;
		dir = root;
	}
	cg->fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg->fd < 0)
		return fail(e, EXIT_REFUSED, -errno, "cannot open cgroup %s: %s", dir,
			    strerror(errno));
	if (fstatfs(cg->fd, &sfs) || sfs.f_type != CGROUP2_SUPER_MAGIC)
		return cgroup_not_v2(dir, e);
	if (fstat(cg->fd, &st))
		return fail(e, EXIT_SYSTEM, -errno, "cannot stat %s: %s", dir, strerror(errno));
	/* On 64-bit kernfs the inode number is the cgroup id. */
	cg->id = st.st_ino;
	if (!realpath(dir, cg->path))
		snprintf(cg->path, sizeof(cg->path), "%s", dir);
	return 0;
}

static void cgroup_close(struct cgroup_ref *cg)
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

/* A readable name for a cgroup id: its path, or the bare id. */
static void cgroup_name(uint64_t id, char *buf, size_t len)
{
	struct marker_error ignored = { 0 };
	struct stat st;

	if (id && !cgroup2_root(buf, len, &ignored) && !stat(buf, &st)) {
		if (st.st_ino == id || cgroup_find(buf, len, id))
			return;
	}
	snprintf(buf, len, "cgroup id %" PRIu64 "%s", id, id ? "" : " (removed)");
}

/*
 * Pins live on bpffs only: check the pin dir, or its parent when it does
 * not exist yet, so the user gets a way out instead of libbpf's EPERM.
 */
static int pin_dir_check(const char *dir, bool *ret_exists, struct marker_error *e)
{
	char parent[PATH_MAX];
	const char *where = dir;
	struct statfs sfs;
	char *slash;

	*ret_exists = !statfs(dir, &sfs);
	if (!*ret_exists) {
		if (errno != ENOENT)
			return fail(e, EXIT_SYSTEM, -errno, "pin dir %s: %s", dir, strerror(errno));
		snprintf(parent, sizeof(parent), "%s", dir);
		slash = strrchr(parent, '/');
		if (slash)
			*(slash == parent ? slash + 1 : slash) = '\0';
		where = slash ? parent : ".";
		if (statfs(where, &sfs))
			return fail(e, EXIT_SYSTEM, -errno, "pin dir %s: %s: %s", dir, where,
				    strerror(errno));
	}
	if (sfs.f_type != BPF_FS_MAGIC)
		return fail(e, EXIT_SYSTEM, -ENOTSUP,
			    "%s is not a BPF filesystem (mount one: mount -t bpf bpf %s)", where,
			    where);
	return 0;
}

static int link_path(const char *pin_dir, uint64_t cgroup_id, char *buf, size_t len,
		     struct marker_error *e)
{
	int n = snprintf(buf, len, "%s/" LINK_PREFIX "%" PRIu64, pin_dir, cgroup_id);

	if (n < 0 || (size_t)n >= len)
		return fail(e, EXIT_REFUSED, -ENAMETOOLONG, "pin dir %s: name too long", pin_dir);
	return 0;
}

/* Open a pinned link; -ENOENT when nothing is pinned there. */
static int pinned_link_open(const char *path, struct pinned_link *pl, int *ret_fd)
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
static int pinned_link_drop(const char *path, struct marker_error *e)
{
	int fd = bpf_obj_get(path);
	int ret = 0;

	if (fd < 0)
		return fd == -ENOENT ? -ENOENT
				     : fail(e, EXIT_SYSTEM, fd, "cannot open pinned link %s: %s",
					    path, strerror(-fd));
	/* ENOLINK: already detached; EINVAL: no BPF_LINK_DETACH before 5.9. */
	if (bpf_link_detach(fd) && errno != ENOLINK && errno != EINVAL)
		ret = fail(e, EXIT_SYSTEM, -errno, "cannot detach %s: %s", path, strerror(errno));
	else if (unlink(path))
		ret = fail(e, EXIT_SYSTEM, -errno, "cannot unpin %s: %s", path, strerror(errno));
	close(fd);
	return ret;
}

static int check_root(struct marker_error *e)
{
	if (geteuid() != 0)
		return fail(e, EXIT_REFUSED, -EPERM,
			    "must be run as root (loading BPF programs needs CAP_BPF and CAP_NET_ADMIN)");
	return 0;
}

/* Open and load the object; the caller closes *ret_obj. */
/* The program's only read-only global is mark_mask: fill it before loading. */
static int set_mask(struct bpf_object *obj, uint32_t mask, const char *file, struct marker_error *e)
{
	struct bpf_map *map;
	const void *init;
	size_t size = 0;
	char *copy;
	int ret;

	bpf_object__for_each_map(map, obj)
	{
		if (!strstr(bpf_map__name(map), ".rodata"))
			continue;
		init = bpf_map__initial_value(map, &size);
		if (!init || size < sizeof(mask) || !(copy = malloc(size)))
			break;
		memcpy(copy, init, size);
		memcpy(copy, &mask, sizeof(mask));
		ret = bpf_map__set_initial_value(map, copy, size);
		free(copy);
		if (ret)
			break;
		return 0;
	}
	if (mask == 0xffffffffu)
		return 0; /* an older object without the mask works unmasked */
	return fail(e, EXIT_REFUSED, -ENOENT, "%s has no mark_mask: rebuild it with make", file);
}

static int object_load(const char *file, uint32_t mask, struct bpf_object **ret_obj,
		       struct bpf_program **ret_prog, struct marker_error *e)
{
	char msg[128];
	struct bpf_object *obj;
	int ret;

	if (access(file, R_OK))
		return fail(e, EXIT_REFUSED, -errno,
			    "BPF object %s: %s (build it with make, or pass --object FILE)", file,
			    strerror(errno));
	obj = bpf_object__open_file(file, NULL);
	if (!obj) {
		ret = -errno;
		libbpf_strerror(ret, msg, sizeof(msg));
		return fail(e, EXIT_REFUSED, ret, "cannot open BPF object %s: %s", file, msg);
	}
	*ret_obj = obj;
	*ret_prog = bpf_object__find_program_by_name(obj, PROG_NAME);
	if (!*ret_prog)
		return fail(e, EXIT_REFUSED, -ENOENT,
			    "%s has no program " PROG_NAME " (is it galaf_mark.bpf.o?)", file);
	ret = set_mask(obj, mask, file, e);
	if (ret)
		return ret;
	ret = bpf_object__load(obj);
	if (ret) {
		libbpf_strerror(ret, msg, sizeof(msg));
		return fail(e, EXIT_SYSTEM, ret,
			    "the kernel refused %s: %s (--verbose shows libbpf's log)", file, msg);
	}
	return 0;
}

static int prog_info(int prog_fd, struct bpf_prog_info *info)
{
	__u32 len = sizeof(*info);

	memset(info, 0, sizeof(*info));
	return bpf_obj_get_info_by_fd(prog_fd, info, &len) ? -errno : 0;
}

/* Whether the attached program PROG_ID is the one in the object we loaded. */
static int prog_same(uint32_t prog_id, int new_fd, uint32_t *ret_new_id)
{
	struct bpf_prog_info old, new;
	int fd, ret;

	ret = prog_info(new_fd, &new);
	if (ret)
		return ret;
	*ret_new_id = new.id;
	fd = bpf_prog_get_fd_by_id(prog_id);
	if (fd < 0)
		return fd;
	ret = prog_info(fd, &old);
	close(fd);
	if (ret)
		return ret;
	return !memcmp(old.tag, new.tag, sizeof(old.tag));
}

/*
 * A pin from an earlier load: keep it when it runs the same code, swap the
 * program in place after an upgrade (no window without marks), drop it when
 * its cgroup is gone. Returns 1 when handled, 0 when the caller must attach.
 */
static int link_adopt(const char *path, const struct cgroup_ref *cg, struct bpf_program *prog,
		      struct load_result *r, struct marker_error *e)
{
	struct pinned_link pl;
	int fd, ret;

	ret = pinned_link_open(path, &pl, &fd);
	if (ret == -ENOENT)
		return 0;
	if (ret)
		return fail(e, EXIT_SYSTEM, ret, "cannot use pinned link %s: %s", path,
			    strerror(-ret));
	if (pl.cgroup_id != cg->id) {
		close(fd);
		ret = pinned_link_drop(path, e);
		return ret == -ENOENT ? 0 : ret;
	}
	r->link_id = pl.link_id;
	ret = prog_same(pl.prog_id, bpf_program__fd(prog), &r->prog_id);
	if (ret == 1) {
		r->outcome = LOAD_ALREADY;
		r->prog_id = pl.prog_id;
	} else if (ret == 0) {
		r->outcome = LOAD_UPDATED;
		if (bpf_link_update(fd, bpf_program__fd(prog), NULL))
			ret = -errno;
	}
	close(fd);
	if (ret < 0)
		return fail(e, EXIT_SYSTEM, ret, "cannot update %s: %s", path, strerror(-ret));
	return 1;
}

static int link_attach(const char *path, const struct cgroup_ref *cg, struct bpf_program *prog,
		       struct load_result *r, struct marker_error *e)
{
	struct bpf_link_info info;
	struct bpf_link *link;
	__u32 len = sizeof(info);
	int ret;

	link = bpf_program__attach_cgroup(prog, cg->fd);
	if (!link)
		return fail(e, EXIT_SYSTEM, -errno,
			    "cannot attach to %s: %s (an exclusive program there? see bpftool cgroup show %s)",
			    cg->path, strerror(errno), cg->path);
	ret = bpf_link__pin(link, path);
	if (ret) {
		bpf_link__destroy(link);
		/* A concurrent load won the race: report its link. */
		if (ret == -EEXIST && link_adopt(path, cg, prog, r, e) == 1)
			return 0;
		return fail(e, EXIT_SYSTEM, ret, "cannot pin link at %s: %s", path, strerror(-ret));
	}
	memset(&info, 0, sizeof(info));
	if (!bpf_obj_get_info_by_fd(bpf_link__fd(link), &info, &len)) {
		r->link_id = info.id;
		r->prog_id = info.prog_id;
	}
	r->outcome = LOAD_ATTACHED;
	/* Closes our descriptor only: the pin keeps the link attached. */
	bpf_link__destroy(link);
	return 0;
}

static int marker_load(const struct marker_args *a, struct cgroup_ref *cg, struct load_result *r,
		       struct marker_error *e)
{
	struct bpf_object *obj = NULL;
	struct bpf_program *prog = NULL;
	bool exists = false, created = false;
	char path[PATH_MAX];
	int ret;

	ret = check_root(e);
	if (!ret)
		ret = cgroup_open(a->cgroup, cg, e);
	if (!ret)
		ret = pin_dir_check(a->pin_dir, &exists, e);
	if (!ret)
		ret = link_path(a->pin_dir, cg->id, path, sizeof(path), e);
	if (!ret)
		ret = object_load(a->object, a->mask, &obj, &prog, e);
	if (!ret && !exists) {
		created = !mkdir(a->pin_dir, 0700);
		if (!created && errno != EEXIST)
			ret = fail(e, EXIT_SYSTEM, -errno, "cannot create pin dir %s: %s",
				   a->pin_dir, strerror(errno));
	}
	if (!ret)
		ret = link_adopt(path, cg, prog, r, e);
	if (ret == 0)
		ret = link_attach(path, cg, prog, r, e);
	/* A failed first load leaves nothing behind. */
	if (ret < 0 && created)
		rmdir(a->pin_dir);
	bpf_object__close(obj);
	return ret < 0 ? ret : 0;
}

static int pin_cmp(const void *a, const void *b)
{
	const struct pinned_link *pa = a, *pb = b;

	return strcmp(pa->path, pb->path);
}

/* The pinned links in DIR, sorted by name; the caller frees *ret. */
static int pins_list(const char *dir, struct pinned_link **ret_pins, size_t *ret_n,
		     struct marker_error *e)
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
				       : fail(e, EXIT_SYSTEM, -errno, "cannot read %s: %s", dir,
					      strerror(errno));
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, LINK_PREFIX, strlen(LINK_PREFIX)) ||
		    snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= (int)sizeof(path))
			continue;
		nv = realloc(v, (n + 1) * sizeof(*v));
		if (!nv) {
			ret = fail(e, EXIT_SYSTEM, -ENOMEM, "out of memory");
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

static const struct pinned_link *pins_find_prog(const struct pinned_link *v, size_t n,
						uint32_t prog_id)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].prog_id == prog_id)
			return &v[i];
	return NULL;
}

/* Pins whose cgroup was removed hold a dead link: nothing to keep. */
static void pins_sweep_stale(const char *dir)
{
	struct marker_error ignored = { 0 };
	struct pinned_link *v;
	size_t n;

	if (pins_list(dir, &v, &n, &ignored))
		return;
	for (size_t i = 0; i < n; i++) {
		if (!v[i].cgroup_id) {
			pinned_link_drop(v[i].path, &ignored);
			printf(PFX "removed %s: its cgroup is gone\n", v[i].path);
		}
	}
	free(v);
}

static int unload_all(const char *dir, struct marker_error *e)
{
	char name[PATH_MAX];
	struct pinned_link *v;
	size_t n, done = 0;
	int ret;

	ret = pins_list(dir, &v, &n, e);
	for (size_t i = 0; !ret && i < n; i++) {
		cgroup_name(v[i].cgroup_id, name, sizeof(name));
		ret = pinned_link_drop(v[i].path, e);
		if (ret == -ENOENT) {
			ret = 0; /* a concurrent unload was quicker */
		} else if (!ret) {
			printf(PFX "unloaded from %s\n", name);
			done++;
		}
	}
	free(v);
	if (!ret && !done)
		printf(PFX "nothing loaded (pin dir %s)\n", dir);
	return ret;
}

static int unload_one(const struct marker_args *a, struct marker_error *e)
{
	struct cgroup_ref cg = { .fd = -1 };
	char path[PATH_MAX];
	int ret;

	ret = cgroup_open(a->cgroup, &cg, e);
	if (!ret)
		ret = link_path(a->pin_dir, cg.id, path, sizeof(path), e);
	if (!ret)
		ret = pinned_link_drop(path, e);
	if (!ret)
		printf(PFX "unloaded from %s\n", cg.path);
	else if (ret == -ENOENT)
		printf(PFX "not loaded on %s; nothing to do\n", cg.path);
	cgroup_close(&cg);
	return ret == -ENOENT ? 0 : ret;
}

static int marker_unload(const struct marker_args *a, struct marker_error *e)
{
	bool exists;
	int ret;

	ret = check_root(e);
	if (!ret)
		ret = pin_dir_check(a->pin_dir, &exists, e);
	if (ret)
		return ret;
	ret = a->all ? unload_all(a->pin_dir, e) : unload_one(a, e);
	if (!exists)
		return ret;
	pins_sweep_stale(a->pin_dir);
	/* Leave no trace once the last cgroup is unloaded. */
	if (rmdir(a->pin_dir) && errno != ENOTEMPTY && errno != ENOENT)
		return fail(e, EXIT_SYSTEM, -errno, "cannot remove %s: %s", a->pin_dir,
			    strerror(errno));
	return ret;
}

static void print_pin(const struct pinned_link *pl)
{
	char name[PATH_MAX];

	cgroup_name(pl->cgroup_id, name, sizeof(name));
	if (pl->cgroup_id)
		printf(PFX "loaded on %s (prog id %" PRIu32 ", link id %" PRIu32 ", pinned at %s)\n",
		       name, pl->prog_id, pl->link_id, pl->path);
	else
		printf(PFX "stale pin %s: its cgroup is gone (unload removes it)\n", pl->path);
}

static void print_foreign_prog(const char *cgroup, uint32_t id)
{
	struct bpf_prog_info info;
	int fd = bpf_prog_get_fd_by_id(id);

	if (fd < 0 || prog_info(fd, &info))
		info.name[0] = '\0';
	if (fd >= 0)
		close(fd);
	printf(PFX "%s: also runs cgroup/sock_create prog id %" PRIu32
		   " (%s), which may change the mark\n",
	       cgroup, id, info.name[0] ? info.name : "?");
}

/*
 * Marked means a program pinned by us runs for sockets created in the
 * cgroup: attached there or on an ancestor (effective programs).
 */
static int status_cgroup(const struct cgroup_ref *cg, const struct pinned_link *pins, size_t npins,
			 struct marker_error *e)
{
	__u32 ids[MAX_QUERY_PROGS], cnt = MAX_QUERY_PROGS, flags = 0;
	const struct pinned_link *ours = NULL, *pl;
	char name[PATH_MAX];
	int ret;

	ret = bpf_prog_query(cg->fd, BPF_CGROUP_INET_SOCK_CREATE, BPF_F_QUERY_EFFECTIVE, &flags,
			     ids, &cnt);
	if (ret && ret != -ENOSPC)
		return fail(e, EXIT_SYSTEM, ret, "cannot query %s: %s", cg->path, strerror(-ret));
	for (__u32 i = 0; i < cnt; i++) {
		pl = pins_find_prog(pins, npins, ids[i]);
		if (!pl)
			print_foreign_prog(cg->path, ids[i]);
		else if (!ours || pl->cgroup_id == cg->id)
			ours = pl;
	}
	if (!ours) {
		printf(PFX "not loaded on %s\n", cg->path);
		return 1;
	}
	if (ours->cgroup_id != cg->id) {
		cgroup_name(ours->cgroup_id, name, sizeof(name));
		printf(PFX "%s: marked through %s\n", cg->path, name);
	}
	return 0;
}

static int marker_status(const struct marker_args *a, struct marker_error *e)
{
	struct cgroup_ref cg = { .fd = -1 };
	struct pinned_link *pins = NULL;
	size_t npins = 0;
	bool exists;
	int ret;

	ret = check_root(e);
	if (!ret)
		ret = pin_dir_check(a->pin_dir, &exists, e);
	if (!ret)
		ret = cgroup_open(a->cgroup, &cg, e);
	if (!ret)
		ret = pins_list(a->pin_dir, &pins, &npins, e);
	for (size_t i = 0; !ret && i < npins; i++)
		print_pin(&pins[i]);
	if (!ret)
		ret = status_cgroup(&cg, pins, npins, e);
	free(pins);
	cgroup_close(&cg);
	return ret;
}

static int cmd_load(const struct marker_args *a, struct marker_error *e)
{
	static const char *const done[] = {
		[LOAD_ATTACHED] = "loaded on",
		[LOAD_ALREADY] = "already loaded on",
		[LOAD_UPDATED] = "updated the program on",
	};
	struct cgroup_ref cg = { .fd = -1 };
	struct load_result r = { 0 };
	int ret;

	ret = marker_load(a, &cg, &r, e);
	if (!ret)
		printf(PFX "%s %s (prog id %" PRIu32 ", link id %" PRIu32 ")%s\n", done[r.outcome],
		       cg.path, r.prog_id, r.link_id,
		       r.outcome == LOAD_ALREADY ? "; nothing changed" : "");
	cgroup_close(&cg);
	return ret;
}

int marker_run(const struct marker_args *a, struct marker_error *e)
{
	libbpf_print_fn_t old_print;
	int ret;

	libbpf_verbose = a->verbose;
	old_print = libbpf_set_print(libbpf_print);
	if (!strcmp(a->verb, "load"))
		ret = cmd_load(a, e);
	else if (!strcmp(a->verb, "unload"))
		ret = marker_unload(a, e);
	else
		ret = marker_status(a, e);
	libbpf_set_print(old_print);
	fflush(stdout);
	return ret;
}
