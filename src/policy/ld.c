// SPDX-License-Identifier: GPL-2.0-or-later
/* Typed, located reads of JSON values for the loader: every misfit is a diagnostic. */
#include "policy/ld.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ld_err(struct ld *ld, const char *path, const char *fmt, ...)
{
	char *msg;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (!msg) {
		ld->oom = 1;
		return;
	}
	diag_add(ld->d, DIAG_ERROR, path, "%s", msg);
	free(msg);
}

const char *type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "a number";
	case JSON_REAL: return "a fractional number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	case JSON_NULL: return "null";
	}
	return "a value";
}

/* path + "." + key, or path + "[i]"; callers free. */
char *path_key(const char *path, const char *key)
{
	char *s;

	if (asprintf(&s, "%s%s%s", path, *path ? "." : "", key) < 0)
		return NULL;
	return s;
}

char *path_idx(const char *path, size_t i)
{
	char *s;

	if (asprintf(&s, "%s[%zu]", path, i) < 0)
		return NULL;
	return s;
}

/* OBJ's member KEY and its path in *RET_PATH (free it), or NULL when absent. */
json_t *member(struct ld *ld, json_t *obj, const char *path, const char *key, char **ret_path)
{
	json_t *x = json_object_get(obj, key);

	*ret_path = NULL;
	if (!x)
		return NULL;
	*ret_path = path_key(path, key);
	if (!*ret_path) {
		ld->oom = 1;
		return NULL;
	}
	return x;
}

bool get_string(struct ld *ld, json_t *v, const char *path, char **out)
{
	if (!json_is_string(v)) {
		ld_err(ld, path, "must be a string, not %s", type_name(v));
		return false;
	}
	*out = strdup(json_string_value(v));
	if (!*out)
		ld->oom = 1;
	return *out != NULL;
}

/* A SHA-256 as sha256sum prints it: 64 hex digits, kept in lower case. */
void get_sha256(struct ld *ld, json_t *v, const char *path, char **out)
{
	const char *s = json_is_string(v) ? json_string_value(v) : NULL;
	size_t i;

	if (!s || strlen(s) != 64 || strspn(s, "0123456789abcdefABCDEF") != 64) {
		if (s)
			ld_err(ld, path,
			       "\"%.70s\" is not a SHA-256: give 64 hexadecimal digits, as "
			       "sha256sum or 'galaf-config pin' prints them",
			       s);
		else
			ld_err(ld, path, "must be a string of 64 hexadecimal digits, not %s",
			       type_name(v));
		return;
	}
	if (!(*out = strdup(s))) {
		ld->oom = 1;
		return;
	}
	for (i = 0; i < 64; i++)
		(*out)[i] = (char)tolower((unsigned char)s[i]);
}

bool get_long(struct ld *ld, json_t *v, const char *path, long min, long max, long *out)
{
	json_int_t n;

	if (!json_is_integer(v)) {
		ld_err(ld, path, "must be a whole number, not %s", type_name(v));
		return false;
	}
	n = json_integer_value(v);
	if (n < min || n > max) {
		ld_err(ld, path, "%lld is out of range (%ld to %ld)", (long long)n, min, max);
		return false;
	}
	*out = (long)n;
	return true;
}

bool get_bool(struct ld *ld, json_t *v, const char *path, bool *out)
{
	if (!json_is_boolean(v)) {
		ld_err(ld, path, "must be true or false, not %s", type_name(v));
		return false;
	}
	*out = json_is_true(v);
	return true;
}

/* An array of strings; numbers are accepted as text when NUMBERS is set. */
bool get_strv(struct ld *ld, json_t *v, const char *path, bool numbers, struct strv *out)
{
	size_t i;
	json_t *x;
	bool ok = true;

	if (!json_is_array(v)) {
		ld_err(ld, path, "must be an array, not %s", type_name(v));
		return false;
	}
	json_array_foreach(v, i, x)
	{
		char buf[32], *ip = path_idx(path, i);

		if (!ip) {
			ld->oom = 1;
			return false;
		}
		if (json_is_string(x)) {
			if (strv_push(out, json_string_value(x)))
				ld->oom = 1;
		} else if (numbers && json_is_integer(x)) {
			snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(x));
			if (strv_push(out, buf))
				ld->oom = 1;
		} else {
			ld_err(ld, ip, "must be %s, not %s",
			       numbers ? "a number or a string" : "a string", type_name(x));
			ok = false;
		}
		free(ip);
	}
	return ok;
}

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, prev, cur[64];

	if (la >= 63 || lb >= 63)
		return 99;
	for (j = 0; j <= lb; j++)
		cur[j] = j;
	for (i = 1; i <= la; i++) {
		prev = cur[0];
		cur[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t t = cur[j], best = prev + (a[i - 1] != b[j - 1]);

			if (cur[j] + 1 < best)
				best = cur[j] + 1;
			if (cur[j - 1] + 1 < best)
				best = cur[j - 1] + 1;
			cur[j] = best;
			prev = t;
		}
	}
	return cur[lb];
}

/*
 * Reports keys of OBJ that are not in KNOWN (NULL-terminated). Keys starting
 * with '#' are comments. HINT, when set, explains keys of the wrong kind.
 */
void check_keys(struct ld *ld, json_t *obj, const char *path, const char *const *known,
		const char *(*hint)(const char *key))
{
	const char *key, *const *k;
	json_t *v;

	json_object_foreach(obj, key, v)
	{
		const char *best = NULL, *h;
		size_t bd = 3, d;

		if (key[0] == '#')
			continue;
		for (k = known; *k && strcmp(*k, key); k++)
			;
		if (*k)
			continue;
		/* Unknown: the nearest known key, if it is close, is a hint. */
		for (k = known; *k; k++)
			if ((d = edit_distance(*k, key)) < bd) {
				bd = d;
				best = *k;
			}
		h = hint ? hint(key) : NULL;
		char *kp = path_key(path, key);
		if (h)
			ld_err(ld, kp, "'%s' %s", key, h);
		else if (best)
			ld_err(ld, kp, "unknown key '%s'; did you mean '%s'?", key, best);
		else
			ld_err(ld, kp, "unknown key '%s'", key);
		free(kp);
	}
}

bool get_families(struct ld *ld, json_t *v, const char *path, unsigned *out)
{
	size_t i;
	json_t *x;
	bool ok = true;

	if (!json_is_array(v)) {
		ld_err(ld, path, "must be an array such as [4, 6], not %s", type_name(v));
		return false;
	}
	if (json_array_size(v) == 0) {
		ld_err(ld, path, "must name at least one family: [4], [6] or [4, 6]");
		return false;
	}
	*out = 0;
	json_array_foreach(v, i, x)
	{
		char *ip = path_idx(path, i);
		long f;

		if (ip && get_long(ld, x, ip, 0, LONG_MAX, &f) && f != 4 && f != 6) {
			ld_err(ld, ip, "family %ld is neither 4 nor 6", f);
			ok = false;
		} else if (ip && json_is_integer(x)) {
			unsigned bit = json_integer_value(x) == 4 ? FAM4 : FAM6;

			if (*out & bit)
				ld_err(ld, ip, "family %lld is listed twice",
				       (long long)json_integer_value(x));
			*out |= bit;
		} else {
			ok = false;
		}
		free(ip);
	}
	return ok;
}

bool get_mode(struct ld *ld, json_t *v, const char *path, int *out)
{
	const char *s;

	if (!json_is_string(v)) {
		ld_err(ld, path, "must be \"enforce\" or \"audit\", not %s", type_name(v));
		return false;
	}
	s = json_string_value(v);
	if (strcmp(s, "enforce") == 0)
		*out = MODE_ENFORCE;
	else if (strcmp(s, "audit") == 0)
		*out = MODE_AUDIT;
	else {
		ld_err(ld, path, "mode \"%s\" is neither \"enforce\" nor \"audit\"", s);
		return false;
	}
	return true;
}

void replace_string(struct ld *ld, json_t *v, const char *path, char **slot)
{
	char *s = NULL;

	if (get_string(ld, v, path, &s)) {
		free(*slot);
		*slot = s;
	}
}
