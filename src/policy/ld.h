/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The loader's state and its typed reads of JSON values (ld.c). */
#ifndef GALAF_POLICY_LD_H
#define GALAF_POLICY_LD_H

#include <jansson.h>
#include <stdbool.h>

#include "lib/diag.h"
#include "lib/strbuf.h"
#include "policy/policy.h"

/* Loader state: where errors go and the path of the value being read. */
struct ld {
	struct diags *d;
	int oom;
};

__attribute__((format(printf, 3, 4))) void ld_err(struct ld *ld, const char *path, const char *fmt,
						  ...);
const char *type_name(const json_t *v);
char *path_key(const char *path, const char *key);
char *path_idx(const char *path, size_t i);
json_t *member(struct ld *ld, json_t *obj, const char *path, const char *key, char **ret_path);
bool get_string(struct ld *ld, json_t *v, const char *path, char **out);
void get_sha256(struct ld *ld, json_t *v, const char *path, char **out);
bool get_long(struct ld *ld, json_t *v, const char *path, long min, long max, long *out);
bool get_bool(struct ld *ld, json_t *v, const char *path, bool *out);
bool get_strv(struct ld *ld, json_t *v, const char *path, bool numbers, struct strv *out);
void check_keys(struct ld *ld, json_t *obj, const char *path, const char *const *known,
		const char *(*hint)(const char *key));
bool get_families(struct ld *ld, json_t *v, const char *path, unsigned *out);
bool get_mode(struct ld *ld, json_t *v, const char *path, int *out);
void replace_string(struct ld *ld, json_t *v, const char *path, char **slot);

#endif
