// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The socket marker: load, unload and report it (libbpf's side; the pins
 * are in pins.c, the cgroups in cgroup.c).
 *
 * The program is attached with a bpf_link (always BPF_F_ALLOW_MULTI for
 * cgroups, so other programs on the hook keep running) and the link is
 * pinned as PIN_DIR/link-<cgroup id>: the pin keeps it attached after we
 * exit, makes a second load for the same cgroup find it, and lets unload
 * detach exactly what load attached.
 */
#include "marker/marker.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "marker/cgroup.h"
#include "marker/pins.h"

#define PROG_NAME	"galaf_mark"
#define MAX_QUERY_PROGS 256

enum load_outcome { LOAD_ATTACHED, LOAD_ALREADY, LOAD_UPDATED };

struct load_result {
	enum load_outcome outcome;
	uint32_t link_id;
	uint32_t prog_id;
};

/* libbpf's print callback has no user pointer: where its messages go, or NULL. */
static struct diags *libbpf_log;

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char *msg;
	int n;

	if (!libbpf_log || level == LIBBPF_DEBUG)
		return 0;
	n = vasprintf(&msg, fmt, ap);
	if (n < 0)
		return 0;
	diag_add(libbpf_log, DIAG_WARNING, NULL, "%s", msg);
	free(msg);
	return n;
}

static int check_root(struct marker_report *rep)
{
	if (geteuid() != 0)
		return marker_fail(rep, MARKER_REFUSED, -EPERM,
				   "must be run as root (loading BPF programs needs CAP_BPF and CAP_NET_ADMIN)");
	return 0;
}

/* Open and load the object; the caller closes *ret_obj. */
/* The program's only read-only global is mark_mask: fill it before loading. */
static int set_mask(struct bpf_object *obj, uint32_t mask, const char *file, struct marker_report *rep)
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
	return marker_fail(rep, MARKER_REFUSED, -ENOENT,
			   "%s has no mark_mask: rebuild it with make", file);
}

static int object_load(const char *file, uint32_t mask, struct bpf_object **ret_obj,
		       struct bpf_program **ret_prog, struct marker_report *rep)
{
	char msg[128];
	struct bpf_object *obj;
	int ret;

	if (access(file, R_OK))
		return marker_fail(rep, MARKER_REFUSED, -errno,
				   "BPF object %s: %s (build it with make, or pass --object FILE)",
				   file, strerror(errno));
	obj = bpf_object__open_file(file, NULL);
	if (!obj) {
		ret = -errno;
		libbpf_strerror(ret, msg, sizeof(msg));
		return marker_fail(rep, MARKER_REFUSED, ret, "cannot open BPF object %s: %s", file,
				   msg);
	}
	*ret_obj = obj;
	*ret_prog = bpf_object__find_program_by_name(obj, PROG_NAME);
	if (!*ret_prog)
		return marker_fail(rep, MARKER_REFUSED, -ENOENT,
				   "%s has no program " PROG_NAME " (is it galaf_mark.bpf.o?)", file);
	ret = set_mask(obj, mask, file, rep);
	if (ret)
		return ret;
	ret = bpf_object__load(obj);
	if (ret) {
		libbpf_strerror(ret, msg, sizeof(msg));
		return marker_fail(rep, MARKER_SYSTEM, ret,
				   "the kernel refused %s: %s (--verbose shows libbpf's log)", file,
				   msg);
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
		      struct load_result *r, struct marker_report *rep)
{
	struct pinned_link pl;
	int fd, ret;

	ret = pinned_link_open(path, &pl, &fd);
	if (ret == -ENOENT)
		return 0;
	if (ret)
		return marker_fail(rep, MARKER_SYSTEM, ret, "cannot use pinned link %s: %s", path,
				   strerror(-ret));
	if (pl.cgroup_id != cg->id) {
		close(fd);
		ret = pinned_link_drop(path, rep);
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
		return marker_fail(rep, MARKER_SYSTEM, ret, "cannot update %s: %s", path,
				   strerror(-ret));
	return 1;
}

static int link_attach(const char *path, const struct cgroup_ref *cg, struct bpf_program *prog,
		       struct load_result *r, struct marker_report *rep)
{
	struct bpf_link_info info;
	struct bpf_link *link;
	__u32 len = sizeof(info);
	int ret;

	link = bpf_program__attach_cgroup(prog, cg->fd);
	if (!link)
		return marker_fail(rep, MARKER_SYSTEM, -errno,
				   "cannot attach to %s: %s (an exclusive program there? see bpftool cgroup show %s)",
				   cg->path, strerror(errno), cg->path);
	ret = bpf_link__pin(link, path);
	if (ret) {
		bpf_link__destroy(link);
		/* A concurrent load won the race: report its link. */
		if (ret == -EEXIST && link_adopt(path, cg, prog, r, NULL) == 1)
			return 0;
		return marker_fail(rep, MARKER_SYSTEM, ret, "cannot pin link at %s: %s", path,
				   strerror(-ret));
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
		       struct marker_report *rep)
{
	struct bpf_object *obj = NULL;
	struct bpf_program *prog = NULL;
	bool exists = false, created = false;
	char path[PATH_MAX];
	int ret;

	ret = check_root(rep);
	if (!ret)
		ret = cgref_open(a->cgroup, cg, rep);
	if (!ret)
		ret = pin_dir_check(a->pin_dir, &exists, rep);
	if (!ret)
		ret = pin_path(a->pin_dir, cg->id, path, sizeof(path), rep);
	if (!ret)
		ret = object_load(a->object, a->mask, &obj, &prog, rep);
	if (!ret && !exists) {
		created = !mkdir(a->pin_dir, 0700);
		if (!created && errno != EEXIST)
			ret = marker_fail(rep, MARKER_SYSTEM, -errno, "cannot create pin dir %s: %s",
					  a->pin_dir, strerror(errno));
	}
	if (!ret)
		ret = link_adopt(path, cg, prog, r, rep);
	if (ret == 0)
		ret = link_attach(path, cg, prog, r, rep);
	/* A failed first load leaves nothing behind. */
	if (ret < 0 && created)
		rmdir(a->pin_dir);
	bpf_object__close(obj);
	return ret < 0 ? ret : 0;
}

static int unload_all(const char *dir, struct marker_report *rep)
{
	char name[PATH_MAX];
	struct pinned_link *v;
	size_t n, done = 0;
	int ret;

	ret = pins_list(dir, &v, &n, rep);
	for (size_t i = 0; !ret && i < n; i++) {
		cgref_name(v[i].cgroup_id, name, sizeof(name));
		ret = pinned_link_drop(v[i].path, rep);
		if (ret == -ENOENT) {
			ret = 0; /* a concurrent unload was quicker */
		} else if (!ret) {
			marker_say(rep, "unloaded from %s", name);
			done++;
		}
	}
	free(v);
	if (!ret && !done)
		marker_say(rep, "nothing loaded (pin dir %s)", dir);
	return ret;
}

static int unload_one(const struct marker_args *a, struct marker_report *rep)
{
	struct cgroup_ref cg = { .fd = -1 };
	char path[PATH_MAX];
	int ret;

	ret = cgref_open(a->cgroup, &cg, rep);
	if (!ret)
		ret = pin_path(a->pin_dir, cg.id, path, sizeof(path), rep);
	if (!ret)
		ret = pinned_link_drop(path, rep);
	if (!ret)
		marker_say(rep, "unloaded from %s", cg.path);
	else if (ret == -ENOENT)
		marker_say(rep, "not loaded on %s; nothing to do", cg.path);
	cgref_close(&cg);
	return ret == -ENOENT ? 0 : ret;
}

static int marker_unload(const struct marker_args *a, struct marker_report *rep)
{
	bool exists;
	int ret;

	ret = check_root(rep);
	if (!ret)
		ret = pin_dir_check(a->pin_dir, &exists, rep);
	if (ret)
		return ret;
	ret = a->all ? unload_all(a->pin_dir, rep) : unload_one(a, rep);
	if (!exists)
		return ret;
	pins_sweep_stale(a->pin_dir, rep);
	/* Leave no trace once the last cgroup is unloaded. */
	if (rmdir(a->pin_dir) && errno != ENOTEMPTY && errno != ENOENT)
		return marker_fail(rep, MARKER_SYSTEM, -errno, "cannot remove %s: %s", a->pin_dir,
				   strerror(errno));
	return ret;
}

static void print_pin(const struct pinned_link *pl, struct marker_report *rep)
{
	char name[PATH_MAX];

	cgref_name(pl->cgroup_id, name, sizeof(name));
	if (pl->cgroup_id)
		marker_say(rep,
			   "loaded on %s (prog id %" PRIu32 ", link id %" PRIu32 ", pinned at %s)",
			   name, pl->prog_id, pl->link_id, pl->path);
	else
		marker_say(rep, "stale pin %s: its cgroup is gone (unload removes it)", pl->path);
}

static void print_foreign_prog(const char *cgroup, uint32_t id, struct marker_report *rep)
{
	struct bpf_prog_info info;
	int fd = bpf_prog_get_fd_by_id(id);

	if (fd < 0 || prog_info(fd, &info))
		info.name[0] = '\0';
	if (fd >= 0)
		close(fd);
	marker_say(rep,
		   "%s: also runs cgroup/sock_create prog id %" PRIu32
		   " (%s), which may change the mark",
		   cgroup, id, info.name[0] ? info.name : "?");
}

/*
 * Marked means a program pinned by us runs for sockets created in the
 * cgroup: attached there or on an ancestor (effective programs).
 */
static int status_cgroup(const struct cgroup_ref *cg, const struct pinned_link *pins, size_t npins,
			 struct marker_report *rep)
{
	__u32 ids[MAX_QUERY_PROGS], cnt = MAX_QUERY_PROGS, flags = 0;
	const struct pinned_link *ours = NULL, *pl;
	char name[PATH_MAX];
	int ret;

	ret = bpf_prog_query(cg->fd, BPF_CGROUP_INET_SOCK_CREATE, BPF_F_QUERY_EFFECTIVE, &flags,
			     ids, &cnt);
	if (ret && ret != -ENOSPC)
		return marker_fail(rep, MARKER_SYSTEM, ret, "cannot query %s: %s", cg->path,
				   strerror(-ret));
	for (__u32 i = 0; i < cnt; i++) {
		pl = pins_find_prog(pins, npins, ids[i]);
		if (!pl)
			print_foreign_prog(cg->path, ids[i], rep);
		else if (!ours || pl->cgroup_id == cg->id)
			ours = pl;
	}
	if (!ours) {
		marker_say(rep, "not loaded on %s", cg->path);
		return 1;
	}
	if (ours->cgroup_id != cg->id) {
		cgref_name(ours->cgroup_id, name, sizeof(name));
		marker_say(rep, "%s: marked through %s", cg->path, name);
	}
	return 0;
}

static int marker_status(const struct marker_args *a, struct marker_report *rep)
{
	struct cgroup_ref cg = { .fd = -1 };
	struct pinned_link *pins = NULL;
	size_t npins = 0;
	bool exists;
	int ret;

	ret = check_root(rep);
	if (!ret)
		ret = pin_dir_check(a->pin_dir, &exists, rep);
	if (!ret)
		ret = cgref_open(a->cgroup, &cg, rep);
	if (!ret)
		ret = pins_list(a->pin_dir, &pins, &npins, rep);
	for (size_t i = 0; !ret && i < npins; i++)
		print_pin(&pins[i], rep);
	if (!ret)
		ret = status_cgroup(&cg, pins, npins, rep);
	free(pins);
	cgref_close(&cg);
	return ret;
}

static int load_and_say(const struct marker_args *a, struct marker_report *rep)
{
	static const char *const done[] = {
		[LOAD_ATTACHED] = "loaded on",
		[LOAD_ALREADY] = "already loaded on",
		[LOAD_UPDATED] = "updated the program on",
	};
	struct cgroup_ref cg = { .fd = -1 };
	struct load_result r = { 0 };
	int ret;

	ret = marker_load(a, &cg, &r, rep);
	if (!ret)
		marker_say(rep, "%s %s (prog id %" PRIu32 ", link id %" PRIu32 ")%s",
			   done[r.outcome], cg.path, r.prog_id, r.link_id,
			   r.outcome == LOAD_ALREADY ? "; nothing changed" : "");
	cgref_close(&cg);
	return ret;
}

int marker_run(const struct marker_args *a, struct marker_report *rep)
{
	libbpf_print_fn_t old_print;
	int ret;

	libbpf_log = a->verbose ? &rep->d : NULL;
	old_print = libbpf_set_print(libbpf_print);
	if (!strcmp(a->verb, "load"))
		ret = load_and_say(a, rep);
	else if (!strcmp(a->verb, "unload"))
		ret = marker_unload(a, rep);
	else
		ret = marker_status(a, rep);
	libbpf_set_print(old_print);
	libbpf_log = NULL;
	return ret;
}
