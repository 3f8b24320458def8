// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * galaf-config pin: the SHA-256 of a group's command, and with --write the
 * policy file updated in place. The edit is textual, so the rest of the
 * file (spacing, key order, "#" comments) stays byte for byte as it was.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "config/cmds.h"
#include "policy/check.h"
#include "lib/diag.h"
#include "lib/fileio.h"
#include "policy/load.h"
#include "lib/sha256.h"
#include "lib/strbuf.h"

static const char pin_help[] =
	"Usage: galaf-config pin [--write] APP [POLICY]\n"
	"\n"
	"Print the SHA-256 of the command of group APP (its execv[0]) on this\n"
	"machine, as sha256sum does. The gatekeeper refuses to start a pinned app\n"
	"whose command no longer has the pinned digest.\n"
	"  --write   also set groups.APP.sha256 in POLICY to it, editing the text in\n"
	"            place (the rest of the file is kept byte for byte); then run\n"
	"            'galaf-config apply' to put it in the gate index\n"
	"\n"
	"Pinning a script interpreter such as /bin/sh pins the interpreter, not the\n"
	"script it runs; see galaf.json(5).\n"
	"POLICY defaults to " DEFAULT_POLICY ".\n"
	"Exit status: 0 done, 1 refused, 2 usage, 3 system error.\n";

/* A minimal scanner over JSON text that jansson has already accepted. */
static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

static const char *skip_string(const char *p)
{
	for (p++; *p && *p != '"'; p++)
		if (*p == '\\' && p[1])
			p++;
	return *p ? p + 1 : p;
}

static const char *skip_value(const char *p)
{
	int depth = 0;

	do {
		if (*p == '"')
			p = skip_string(p);
		else if (*p == '{' || *p == '[')
			depth++, p++;
		else if (*p == '}' || *p == ']')
			depth--, p++;
		else if (!depth)
			p += strcspn(p, ",]} \t\r\n");
		else if (*p)
			p++;
		else
			break;
	} while (depth > 0);
	return p;
}

/* In the object at OBJ, the value of member KEY (and where its key starts). */
static const char *member_find(const char *obj, const char *key, const char **ret_key)
{
	const char *p = skip_ws(obj), *k, *end;
	size_t n = strlen(key);

	if (*p != '{')
		return NULL;
	for (p = skip_ws(p + 1); *p == '"'; p = skip_ws(p + 1)) {
		k = p;
		end = skip_string(p);
		p = skip_ws(end);
		if (*p != ':')
			return NULL;
		p = skip_ws(p + 1);
		if ((size_t)(end - k) == n + 2 && !memcmp(k + 1, key, n)) {
			if (ret_key)
				*ret_key = k;
			return p;
		}
		p = skip_ws(skip_value(p));
		if (*p != ',')
			return NULL;
	}
	return NULL;
}

/* TEXT with groups.APP.sha256 set to HEX, or NULL when APP cannot be found. */
static char *pin_edit(const char *text, const char *app, const char *hex)
{
	const char *g, *a, *v, *key, *bol;
	struct strbuf sb = STRBUF_INIT;

	if (!(g = member_find(text, "groups", NULL)) || !(a = member_find(g, app, NULL)))
		return NULL;
	if ((v = member_find(a, "sha256", NULL))) {
		sb_printf(&sb, "%.*s\"%s\"%s", (int)(v - text), text, hex, skip_value(v));
	} else if ((v = member_find(a, "execv", &key))) {
		/* After the execv array, on a line of its own if execv has one. */
		v = skip_value(v);
		for (bol = key; bol > text && (bol[-1] == ' ' || bol[-1] == '\t'); bol--)
			;
		sb_printf(&sb, "%.*s,", (int)(v - text), text);
		if (bol == text || bol[-1] == '\n')
			sb_printf(&sb, "\n%.*s", (int)(key - bol), bol);
		else
			sb_add(&sb, " ");
		sb_printf(&sb, "\"sha256\": \"%s\"%s", hex, v);
	} else {
		return NULL;
	}
	if (sb.oom) {
		sb_free(&sb);
		return NULL;
	}
	return sb.buf;
}

/* The edited file must load, and pin exactly what we meant. */
static bool pin_verify(const char *file, const char *app, const char *hex)
{
	struct diags d = { 0 };
	struct policy p;
	const struct entry *e;
	bool ok;

	ok = policy_load(file, &p, &d) == 0 && (e = policy_find(&p, app)) && e->sha256 &&
	     !strcmp(e->sha256, hex);
	diag_free(&d);
	policy_free(&p);
	return ok;
}

static int pin_write(const char *file, const char *text, size_t len, const char *app, const char *hex)
{
	struct staged s = { 0 };
	struct stat st;
	char *edited = pin_edit(text, app, hex);
	int ret;

	if (!edited) {
		fprintf(stderr, "galaf-config: pin: cannot find groups.%s.execv in the text of %s\n",
			app, file);
		return 1;
	}
	if (lstat(file, &st) < 0 || !S_ISREG(st.st_mode)) {
		fprintf(stderr,
			"galaf-config: pin: %s is not a regular file (a symbolic link?); "
			"give the file itself\n",
			file);
		free(edited);
		return 1;
	}
	ret = staged_write(&s, file, edited, strlen(edited), st.st_mode & 07777);
	if (!ret && chown(s.tmp, st.st_uid, st.st_gid) < 0 && errno != EPERM)
		ret = -errno;
	if (ret) {
		fprintf(stderr, "galaf-config: pin: cannot write beside %s: %s\n", file,
			strerror(-ret));
		ret = 3;
	} else if (!pin_verify(s.tmp, app, hex)) {
		fprintf(stderr, "galaf-config: pin: the edited %s would not load; left unchanged\n",
			file);
		ret = 3;
	} else if (!file_equals(file, text, len)) {
		fprintf(stderr,
			"galaf-config: pin: %s changed meanwhile; left unchanged, try again\n", file);
		ret = 1;
	} else if ((ret = staged_commit(&s)) < 0) {
		fprintf(stderr, "galaf-config: pin: cannot replace %s: %s\n", file, strerror(-ret));
		ret = 3;
	} else {
		fprintf(stderr,
			"galaf-config: %s: groups.%s.sha256 set; run 'galaf-config apply' "
			"to put it in the gate index\n",
			file, app);
	}
	staged_drop(&s);
	free(edited);
	return ret;
}

static int pin_opt(int c, void *ctx)
{
	*(bool *)ctx = c == 'w';
	return c != 'w';
}

int cmd_pin(int argc, char **argv)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' },
					      { "write", no_argument, NULL, 'w' },
					      { 0 } };
	char hex[SHA256_HEX_LEN + 1], *text = NULL;
	const struct entry *e;
	const char *file, *app;
	bool write = false;
	struct policy p;
	size_t len;
	int i = sub_getopt(argc, argv, pin_help, opts, pin_opt, &write), ret = 1;

	if (i < 0)
		return i == -1 ? 0 : 2;
	if (argc - i < 1 || argc - i > 2) {
		usage_error("pin: expected APP and at most one POLICY");
		return 2;
	}
	app = argv[i];
	file = argc - i == 2 ? argv[i + 1] : DEFAULT_POLICY;
	if (!(text = file_read(file, POLICY_MAX_BYTES, &len))) {
		fprintf(stderr, "galaf-config: pin: cannot read %s: %s\n", file, strerror(errno));
		return 1;
	}
	if (load_and_check(file, CHECK_NO_SYSTEM, &p, true))
		goto out;
	e = policy_find(&p, app);
	if (!e || e->kind != ENTRY_GROUP || !e->has_execv || !e->execv.n) {
		fprintf(stderr, "galaf-config: pin: %s has no group '%s' with an \"execv\"\n", file,
			app);
		goto out;
	}
	ret = sha256_file(e->execv.v[0], hex);
	if (ret < 0) {
		fprintf(stderr, "galaf-config: pin: cannot hash %s: %s\n", e->execv.v[0],
			strerror(-ret));
		ret = 1;
		goto out;
	}
	printf("%s  %s\n", hex, e->execv.v[0]);
	if (fflush(stdout) || ferror(stdout))
		ret = 3;
	else if (!write && e->sha256 && strcmp(e->sha256, hex) != 0)
		fprintf(stderr,
			"galaf-config: pin: %s pins another digest for %s (%s): galaf will refuse "
			"to start it; --write updates the pin\n",
			file, app, e->sha256);
	else if (write && e->sha256 && !strcmp(e->sha256, hex))
		fprintf(stderr, "galaf-config: %s: groups.%s.sha256 is already this\n", file, app);
	else if (write)
		ret = pin_write(file, text, len, app, hex);
out:
	policy_free(&p);
	free(text);
	return ret;
}
