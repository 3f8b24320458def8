// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * galaf-config desktop: menu entries, D-Bus services and command wrappers
 * that start apps through the gatekeeper. Each override is written from the
 * original file; a manifest in config.state_dir records what was written,
 * so --remove deletes exactly that, and nothing an administrator changed.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy/check.h"
#include "cli/cli.h"
#include "config/cmds.h"
#include "config/desktop_exec.h"
#include "config/desktop_manifest.h"
#include "lib/fileio.h"
#include "render/render.h"
#include "lib/strbuf.h"

#define MANIFEST_NAME "desktop.manifest"
#define MAX_ORIGINAL  (1u << 20)

struct dopts {
	const char *apps, *services, *bin, *search, *galaf;
	int action; /* 'i' install, 'r' remove */
};

/* One file to write: its path, content and mode. */
struct output {
	char *path;
	struct strbuf data;
	unsigned mode;
};

struct plan {
	struct output *v;
	size_t n;
	int errors;
};

static void plan_free(struct plan *pl)
{
	for (size_t i = 0; i < pl->n; i++) {
		free(pl->v[i].path);
		sb_free(&pl->v[i].data);
	}
	free(pl->v);
}

static struct output *plan_add(struct plan *pl, char *path, unsigned mode)
{
	struct output *nv = realloc(pl->v, (pl->n + 1) * sizeof(*nv));

	if (nv)
		pl->v = nv;
	if (!nv || !path) {
		free(path);
		pl->errors++;
		return NULL;
	}
	memset(&nv[pl->n], 0, sizeof(*nv));
	nv[pl->n].path = path;
	nv[pl->n].mode = mode;
	return &nv[pl->n++];
}

static char *join(const char *a, const char *b, const char *c)
{
	char *s;

	return asprintf(&s, "%s/%s%s", a, b, c ? c : "") < 0 ? NULL : s;
}

/* Same file: the original search must never find our own override. */
static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

/* The first SEARCH_DIR/SUB/NAME that exists and is not OURS; NULL when none. */
static char *find_original(const char *search, const char *sub, const char *name, const char *ours)
{
	char *dirs = strdup(search), *save = NULL, *d;

	for (d = dirs ? strtok_r(dirs, ":", &save) : NULL; d; d = strtok_r(NULL, ":", &save)) {
		char *p;

		if (asprintf(&p, "%s/%s/%s", d, sub, name) < 0)
			break;
		if (access(p, R_OK) == 0 && !same_file(p, ours)) {
			free(dirs);
			return p;
		}
		free(p);
	}
	free(dirs);
	return NULL;
}

/* --- desktop entries and D-Bus services ------------------------------- */

/* KEY of line L ("Key=value" or "Key[lang]=value", spaces around '=' allowed). */
static bool line_key_is(const char *l, const char *key)
{
	size_t n = strlen(key);

	return !strncmp(l, key, n) && (l[n] == '=' || l[n] == ' ');
}

static const char *line_value(const char *l)
{
	const char *v = strchr(l, '=');

	if (!v)
		return NULL;
	for (v++; *v == ' '; v++)
		;
	return v;
}

/* What a rewrite needs: the app, the gatekeeper's path, where warnings and errors go. */
struct rw {
	const struct entry *e;
	const char *galaf, *orig, *file;
	struct plan *pl;
};

static void rw_warn(const struct rw *rw, const char *group, const char *what)
{
	fprintf(stderr, "galaf-config: %s: warning: [%s] %s\n", rw->file, group, what);
}

static int rewrite_exec_line(const struct rw *rw, const char *l, const char *group, struct strbuf *out)
{
	struct strbuf ex = STRBUF_INIT;
	size_t dropped = 0;
	int ret = exec_rewrite(line_value(l), rw->e, rw->galaf, &ex, &dropped);

	if (ret) {
		fprintf(stderr, "galaf-config: %s: error: [%s] cannot read Exec=%s\n", rw->orig,
			group, line_value(l));
		rw->pl->errors++;
	} else {
		sb_printf(out, "Exec=%s\n", sb_str(&ex));
		if (dropped)
			rw_warn(rw, group,
				"the original Exec= passes arguments, but the policy's execv has no \"" ELLIPSIS
				"\": the override starts the app without them");
	}
	sb_free(&ex);
	return ret;
}

/*
 * Copies the original desktop entry line by line and changes only what
 * must change: Exec= in the main and action groups goes through galaf,
 * TryExec= names the policy's command (the entry hides when it is gone,
 * whether or not the original had one), and
 * DBusActivatable= is dropped so that launchers use Exec= at all.
 */
static void rewrite_desktop(const struct rw *rw, const char *text, struct strbuf *out)
{
	const char *l = text, *nl;
	char group[256] = "";
	bool main_group = false, act_group = false;

	sb_printf(out, "# Written by galaf-config desktop --install from %s: app '%s'.\n", rw->orig,
		  rw->e->name);
	for (; *l; l = nl ? nl + 1 : l + strlen(l)) {
		char *line;

		nl = strchr(l, '\n');
		line = strndup(l, nl ? (size_t)(nl - l) : strlen(l));
		if (!line) {
			out->oom = 1;
			return;
		}
		if (line[0] == '[') {
			snprintf(group, sizeof(group), "%.*s", (int)strcspn(line + 1, "]"), line + 1);
			main_group = !strcmp(group, "Desktop Entry");
			act_group = !strncmp(group, "Desktop Action ", 15);
		}
		if ((main_group || act_group) && line_key_is(line, "Exec"))
			rewrite_exec_line(rw, line, group, out);
		else if (main_group && line_key_is(line, "TryExec"))
			; /* replaced by the policy's command, below the group header */
		else if (main_group && line_key_is(line, "DBusActivatable"))
			sb_add(out,
			       "# DBusActivatable= left out: menus must run Exec=, through galaf.\n");
		else
			sb_printf(out, "%s\n", line);
		if (main_group && line[0] == '[')
			sb_printf(out, "X-Galaf-App=%s\nTryExec=%s\n", rw->e->name,
				  rw->e->execv.v[0]);
		free(line);
	}
}

/* D-Bus: Exec= through galaf; SystemdService= dropped, or the bus would start the unit instead. */
static void rewrite_service(const struct rw *rw, const char *text, struct strbuf *out)
{
	const char *l = text, *nl;

	sb_printf(out, "# Written by galaf-config desktop --install from %s: app '%s'.\n", rw->orig,
		  rw->e->name);
	for (; *l; l = nl ? nl + 1 : l + strlen(l)) {
		char *line;

		nl = strchr(l, '\n');
		line = strndup(l, nl ? (size_t)(nl - l) : strlen(l));
		if (!line) {
			out->oom = 1;
			return;
		}
		if (line_key_is(line, "Exec"))
			rewrite_exec_line(rw, line, "D-BUS Service", out);
		else if (line_key_is(line, "SystemdService"))
			sb_add(out,
			       "# SystemdService= left out: the bus must run Exec=, through galaf.\n");
		else
			sb_printf(out, "%s\n", line);
		free(line);
	}
}

/* Adds the override of one original (desktop entry or D-Bus service) to the plan. */
static void plan_override(struct plan *pl, const struct dopts *o, const struct entry *e,
			  const char *name, bool service)
{
	const char *dir = service ? o->services : o->apps;
	char *fname = service ? join(dir, name, ".service") : join(dir, name, NULL), *leaf, *orig;
	struct output *out;
	size_t len;
	char *text;

	if (!fname) {
		pl->errors++;
		return;
	}
	leaf = strrchr(fname, '/') + 1;
	orig = find_original(o->search, service ? "dbus-1/services" : "applications", leaf, fname);
	if (!orig) {
		fprintf(stderr,
			"galaf-config: groups.%s.%s: error: no %s in %s (searched DIR/%s/%s for each DIR of --search %s)\n",
			e->name, service ? "dbus" : "desktop", leaf,
			service ? "D-Bus services" : "menus",
			service ? "dbus-1/services" : "applications", leaf, o->search);
		free(fname);
		pl->errors++;
		return;
	}
	text = file_read(orig, MAX_ORIGINAL, &len);
	out = text ? plan_add(pl, fname, 0644) : NULL;
	if (!text) {
		fprintf(stderr, "galaf-config: cannot read %s: %s\n", orig, strerror(errno));
		free(fname);
		pl->errors++;
	} else if (out) {
		struct rw rw = { .e = e, .galaf = o->galaf, .orig = orig, .file = fname, .pl = pl };

		if (service)
			rewrite_service(&rw, text, &out->data);
		else
			rewrite_desktop(&rw, text, &out->data);
	}
	free(text);
	free(orig);
}

/* Whether BIN/NAME is CMD itself: a wrapper there would exec itself forever. */
static bool wrapper_is_command(const char *bin, const char *name, const char *cmd)
{
	char real_cmd[PATH_MAX], real_bin[PATH_MAX], *wrap;
	bool same;

	if (!realpath(cmd, real_cmd) || !realpath(bin, real_bin) ||
	    asprintf(&wrap, "%s/%s", real_bin, name) < 0)
		return false;
	same = !strcmp(wrap, real_cmd);
	free(wrap);
	return same;
}

static void plan_wrapper(struct plan *pl, const struct dopts *o, const struct entry *e)
{
	char *path = join(o->bin, e->name, NULL);
	struct output *out;

	if (path && wrapper_is_command(o->bin, e->name, e->execv.v[0])) {
		fprintf(stderr,
			"galaf-config: groups.%s.wrapper: error: %s is the app's own command; give --bin another directory\n",
			e->name, path);
		free(path);
		pl->errors++;
		return;
	}
	out = plan_add(pl, path, 0755);
	if (!out)
		return;
	sb_printf(&out->data,
		  "#!/bin/sh\n# Written by galaf-config desktop --install: app '%s' through the gatekeeper.\nexec '%s' '%s' \"$@\"\n",
		  e->name, o->galaf, e->name);
}

static void plan_build(struct plan *pl, const struct dopts *o, const struct policy *p)
{
	for (size_t i = 0; i < p->n_entries; i++) {
		const struct entry *e = &p->entries[i];
		size_t j;

		if (e->kind != ENTRY_GROUP || e->null_entry || !e->has_execv)
			continue;
		for (j = 0; j < e->desktop.n; j++)
			plan_override(pl, o, e, e->desktop.v[j], false);
		for (j = 0; j < e->dbus.n; j++)
			plan_override(pl, o, e, e->dbus.v[j], true);
		if (e->wrapper)
			plan_wrapper(pl, o, e);
	}
	for (size_t i = 0; i < pl->n; i++)
		if (pl->v[i].data.oom)
			pl->errors++;
}

/* --- install and remove ------------------------------------------------ */

/* Refuses to overwrite a file galaf did not write, or one changed since it did. */
static int install_preflight(const struct plan *pl, const struct manifest *old)
{
	int bad = 0;

	for (size_t i = 0; i < pl->n; i++) {
		const struct mentry *m = manifest_find(old, pl->v[i].path);
		char h[17];

		if (access(pl->v[i].path, F_OK) != 0)
			continue;
		file_hash(pl->v[i].path, h);
		if (!m) {
			fprintf(stderr,
				"galaf-config: %s exists and galaf-config did not write it; move it away to let galaf write its override\n",
				pl->v[i].path);
			bad++;
		} else if (strcmp(m->hash, h)) {
			fprintf(stderr,
				"galaf-config: %s changed since galaf-config wrote it; remove it or undo the change\n",
				pl->v[i].path);
			bad++;
		}
	}
	return bad ? -EEXIST : 0;
}

static int install_write(const struct output *o, struct manifest *m)
{
	char h[17];
	int ret = mkdirs_recorded(o->path, m);

	if (!ret)
		ret = file_replace(o->path, o->data.buf ? o->data.buf : "", o->data.len, o->mode);
	if (ret) {
		fprintf(stderr, "galaf-config: cannot write %s: %s\n", o->path, strerror(-ret));
		return ret;
	}
	render_hash(o->data.buf ? o->data.buf : "", o->data.len, h);
	printf("wrote %s\n", o->path);
	return manifest_add(m, 'f', h, o->path);
}

/* Deletes file entry M if it is what galaf wrote; 0 done or gone, -EBUSY changed. */
static int remove_file(const struct mentry *m)
{
	char h[17];

	if (access(m->path, F_OK) != 0)
		return 0;
	file_hash(m->path, h);
	if (strcmp(h, m->hash)) {
		fprintf(stderr,
			"galaf-config: %s changed since galaf-config wrote it; left in place (delete it yourself if you mean to)\n",
			m->path);
		return -EBUSY;
	}
	if (unlink(m->path) < 0) {
		fprintf(stderr, "galaf-config: cannot remove %s: %s\n", m->path, strerror(errno));
		return -errno;
	}
	printf("removed %s\n", m->path);
	return 0;
}

static int do_install(const struct plan *pl, const struct manifest *old, const char *mfile)
{
	struct manifest m = { 0 };
	int ret = install_preflight(pl, old), bad = 0;
	size_t i;

	if (ret)
		return ret;
	for (i = 0; i < old->n; i++) /* directories made before stay recorded */
		if (old->v[i].kind == 'd' && manifest_add(&m, 'd', "-", old->v[i].path))
			ret = -ENOMEM;
	for (i = 0; !ret && i < pl->n; i++)
		ret = install_write(&pl->v[i], &m);
	/*
	 * A write failed: what the earlier install wrote and this one did not
	 * get to rewrite stays recorded, so that --remove still finds it.
	 */
	for (i = 0; ret && i < old->n; i++)
		if (old->v[i].kind == 'f' && !manifest_find(&m, old->v[i].path) &&
		    manifest_add(&m, 'f', old->v[i].hash, old->v[i].path))
			break;
	/* What an earlier install wrote and this policy no longer asks for goes. */
	for (i = 0; !ret && i < old->n; i++) {
		bool wanted = false;

		for (size_t j = 0; j < pl->n; j++)
			wanted |= !strcmp(pl->v[j].path, old->v[i].path);
		if (old->v[i].kind == 'f' && !wanted && remove_file(&old->v[i]))
			bad++;
	}
	if (manifest_write(mfile, &m) && !ret)
		ret = -EIO;
	manifest_free(&m);
	return ret ? ret : bad ? -EBUSY : 0;
}

static int do_remove(struct manifest *old, const char *mfile)
{
	struct manifest keep = { 0 };
	int ret = 0;
	size_t i;

	for (i = 0; i < old->n; i++)
		if (old->v[i].kind == 'f' && remove_file(&old->v[i]) &&
		    !manifest_add(&keep, 'f', old->v[i].hash, old->v[i].path))
			ret = -EBUSY;
	/* Directories install made, deepest first, when nothing else lives in them. */
	manifest_sort(old);
	for (i = old->n; i-- > 0;) {
		if (old->v[i].kind != 'd')
			continue;
		if (rmdir(old->v[i].path) == 0) {
			printf("removed %s/\n", old->v[i].path);
		} else if (errno == ENOTEMPTY || errno == EEXIST) {
			fprintf(stderr, "galaf-config: left %s/: it is not empty\n", old->v[i].path);
			if (manifest_add(&keep, 'd', "-", old->v[i].path))
				ret = -ENOMEM;
		}
	}
	if (manifest_write(mfile, &keep) && !ret)
		ret = -EIO;
	manifest_free(&keep);
	return ret;
}

static const char desktop_help[] =
	"Usage: galaf-config desktop --install|--remove [OPTIONS] [POLICY]\n"
	"\n"
	"Make menus, D-Bus activation and commands start apps through the gatekeeper.\n"
	"--install writes, for every group of POLICY:\n"
	"  \"desktop\": [ID]   APPS/ID, the original menu entry with every Exec= run as\n"
	"                    'galaf APP ARGS' (field codes such as %U go where the\n"
	"                    policy's \"…\" is; without one, no arguments are passed)\n"
	"  \"dbus\": [NAME]    SERVICES/NAME.service, the original with Exec= through galaf\n"
	"  \"wrapper\": true   BIN/APP, a script: exec galaf APP \"$@\"\n"
	"It records what it wrote in config.state_dir/" MANIFEST_NAME "; a second\n"
	"--install brings the files up to date, and --remove deletes exactly those\n"
	"files (and the directories it made), never one changed since it was written.\n"
	"  --applications DIR  menu overrides (default /usr/local/share/applications)\n"
	"  --services DIR      D-Bus overrides (default /usr/local/share/dbus-1/services)\n"
	"  --bin DIR           wrappers (default /usr/local/bin)\n"
	"  --search DIRS       data directories holding the originals, ':'-separated,\n"
	"                      first match wins (default /usr/local/share:/usr/share);\n"
	"                      galaf's own overrides are never taken as originals\n"
	"  --galaf PATH        the gatekeeper named in Exec= (default " GALAF_PATH ")\n"
	"The session bus reads SERVICES when it is DIR/dbus-1/services for a DIR in\n"
	"XDG_DATA_DIRS; otherwise add <servicedir>SERVICES</servicedir> to\n"
	"/etc/dbus-1/session-local.conf (see galaf-config(8)).\n"
	"\n"
	"Exit status: 0 done, 1 refused or failed (stderr says which file), 2 usage.\n";

static int desktop_opt(int c, void *ctx)
{
	struct dopts *o = ctx;

	switch (c) {
	case 'i':
	case 'r':
		if (o->action && o->action != c)
			return 1;
		o->action = c;
		return 0;
	case 'a': o->apps = optarg; return 0;
	case 's': o->services = optarg; return 0;
	case 'b': o->bin = optarg; return 0;
	case 'S': o->search = optarg; return 0;
	case 'g': o->galaf = optarg; return 0;
	}
	return 1;
}

static bool dopts_valid(const struct dopts *o)
{
	const char *const dirs[] = { o->apps, o->services, o->bin, o->galaf };

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (dirs[i][0] != '/' || strpbrk(dirs[i], "\n\t'")) {
			usage_error("desktop: \"%s\" must be an absolute path without quotes or tabs",
				    dirs[i]);
			return false;
		}
	return true;
}

int cmd_desktop(int argc, char **argv)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' },
					      { "install", no_argument, NULL, 'i' },
					      { "remove", no_argument, NULL, 'r' },
					      { "applications", required_argument, NULL, 'a' },
					      { "services", required_argument, NULL, 's' },
					      { "bin", required_argument, NULL, 'b' },
					      { "search", required_argument, NULL, 'S' },
					      { "galaf", required_argument, NULL, 'g' },
					      { 0 } };
	struct diags d = { 0 };
	struct dopts o = { "/usr/local/share/applications",
			   "/usr/local/share/dbus-1/services",
			   "/usr/local/bin",
			   "/usr/local/share:/usr/share",
			   GALAF_PATH,
			   0 };
	struct manifest old = { 0 };
	struct plan pl = { 0 };
	struct policy p;
	char *mfile = NULL;
	int i = sub_getopt(argc, argv, desktop_help, opts, desktop_opt, &o), ret;

	if (i < 0)
		return i == -1 ? 0 : 2;
	if (!o.action || argc - i > 1) {
		usage_error("desktop: give --install or --remove, and at most one POLICY");
		return 2;
	}
	if (!dopts_valid(&o))
		return 2;
	if (load_and_check(argc - i == 1 ? argv[i] : DEFAULT_POLICY, CHECK_NO_SYSTEM, &p, true)) {
		policy_free(&p);
		return 1;
	}
	ret = mkdir_p(p.cfg.state_dir, 0755);
	if (!ret)
		ret = asprintf(&mfile, "%s/" MANIFEST_NAME, p.cfg.state_dir) < 0 ? -ENOMEM : 0;
	if (!ret) {
		ret = manifest_read(mfile, &old, &d);
		diag_print_span(&d, 0, d.n, NULL, CONFIG_PROG, stderr);
		diag_free(&d);
	}
	if (ret) {
		fprintf(stderr, "galaf-config: cannot use %s: %s\n",
			mfile ? mfile : p.cfg.state_dir, strerror(-ret));
	} else if (o.action == 'r') {
		ret = do_remove(&old, mfile);
	} else {
		plan_build(&pl, &o, &p);
		ret = pl.errors ? -EINVAL : do_install(&pl, &old, mfile);
		if (pl.errors)
			fprintf(stderr, "galaf-config: desktop: nothing was written\n");
	}
	plan_free(&pl);
	manifest_free(&old);
	free(mfile);
	policy_free(&p);
	return ret ? 1 : 0;
}
