// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * galaf-config desktop: the manifest in config.state_dir of what --install
 * wrote (files with the hash of what was written, directories it created),
 * so that --remove deletes exactly that.
 */
#include "config/desktop_manifest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/diag.h"
#include "lib/fileio.h"
#include "lib/strbuf.h"
#include "render/render.h"

void manifest_free(struct manifest *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->v[i].path);
	free(m->v);
	memset(m, 0, sizeof(*m));
}

int manifest_add(struct manifest *m, char kind, const char *hash, const char *path)
{
	struct mentry *nv = realloc(m->v, (m->n + 1) * sizeof(*nv));

	if (!nv)
		return -ENOMEM;
	m->v = nv;
	nv[m->n].kind = kind;
	snprintf(nv[m->n].hash, sizeof(nv[m->n].hash), "%s", hash);
	nv[m->n].path = strdup(path);
	return nv[m->n++].path ? 0 : -ENOMEM;
}

const struct mentry *manifest_find(const struct manifest *m, const char *path)
{
	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->v[i].path, path))
			return &m->v[i];
	return NULL;
}

int manifest_read(const char *file, struct manifest *m, struct diags *d)
{
	size_t len;
	char *text = file_read(file, 16u << 20, &len), *l, *save = NULL;
	int ret = 0;

	memset(m, 0, sizeof(*m));
	if (!text)
		return errno == ENOENT ? 0 : -errno;
	for (l = strtok_r(text, "\n", &save); l && !ret; l = strtok_r(NULL, "\n", &save)) {
		char kind[8], hash[17];
		int off = 0;

		if (l[0] == '#')
			continue;
		if (sscanf(l, "%7s %16s %n", kind, hash, &off) != 2 || !off ||
		    (strcmp(kind, "file") && strcmp(kind, "dir")) || l[off] != '/') {
			diag_say(d, DIAG_ERROR, DIAG_PROGRAM | DIAG_BARE,
				 "%s: cannot read line \"%s\"", file, l);
			ret = -EINVAL;
		} else {
			ret = manifest_add(m, kind[0], hash, l + off);
		}
	}
	free(text);
	return ret;
}

/* Directories first, then files, each by path: stable bytes, and parents before children. */
static int cmp_mentry(const void *a, const void *b)
{
	const struct mentry *x = a, *y = b;

	return x->kind != y->kind ? (x->kind == 'd' ? -1 : 1) : strcmp(x->path, y->path);
}

void manifest_sort(struct manifest *m)
{
	if (m->n)
		qsort(m->v, m->n, sizeof(*m->v), cmp_mentry);
}

int manifest_write(const char *file, struct manifest *m)
{
	struct strbuf sb = STRBUF_INIT;
	int ret;

	if (m->n == 0)
		return unlink(file) < 0 && errno != ENOENT ? -errno : 0;
	manifest_sort(m);
	sb_add(&sb, "# galaf-config desktop: what --install wrote; --remove deletes exactly this.\n");
	for (size_t i = 0; i < m->n; i++)
		sb_printf(&sb, "%s %s %s\n", m->v[i].kind == 'f' ? "file" : "dir", m->v[i].hash,
			  m->v[i].path);
	ret = sb.oom ? -ENOMEM : file_replace(file, sb.buf, sb.len, 0644);
	sb_free(&sb);
	return ret;
}

void file_hash(const char *path, char out[17])
{
	size_t len;
	char *text = file_read(path, 64u << 20, &len);

	out[0] = '\0';
	if (text)
		render_hash(text, len, out);
	free(text);
}

int mkdirs_recorded(const char *path, struct manifest *m)
{
	char *d = strdup(path), *s;
	int ret = 0;

	if (!d)
		return -ENOMEM;
	*strrchr(d, '/') = '\0';
	for (s = d + 1; !ret; s++) {
		char c = *s;

		if (c != '/' && c != '\0')
			continue;
		*s = '\0';
		if (mkdir(d, 0755) == 0)
			ret = manifest_add(m, 'd', "-", d);
		else if (errno != EEXIST)
			ret = -errno;
		*s = c;
		if (!c)
			break;
	}
	free(d);
	return ret;
}
