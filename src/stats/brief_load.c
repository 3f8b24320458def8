// SPDX-License-Identifier: GPL-2.0-or-later
#include "stats/brief_load.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/fileio.h"
#include "lib/sha256.h"
#include "policy/brief.h"
#include "policy/load.h"
#include "policy/load_config.h"
#include "stats/state.h"

/* A policy of 10,000 apps is about 1.3 MB, its brief some 400 kB. */
#define BRIEF_MAX (64u << 20)

int policy_from_brief(const char *file, struct policy *p)
{
	char sha[SHA256_HEX_LEN + 1], *dir = NULL, *path = NULL, *brief = NULL;
	size_t len, blen;
	char *src = file_read(file, POLICY_MAX_BYTES, &len);
	struct sha256 h;
	int ret = -ENOMEM;

	memset(p, 0, sizeof(*p));
	if (!src)
		return -errno;
	sha256_init(&h);
	sha256_update(&h, src, len);
	sha256_hex(&h, sha);
	dir = policy_state_dir(file);
	if (!dir || asprintf(&path, "%s/" STATE_GOOD "/" BRIEF_FILE, dir) < 0) {
		path = NULL;
		goto out;
	}
	brief = file_read(path, BRIEF_MAX, &blen);
	if (!brief) {
		ret = -errno;
		goto out;
	}
	ret = brief_load(brief, sha, p);
	if (!ret) {
		p->file = strdup(file);
		p->src = src;
		p->src_len = len;
		p->loaded = true;
		src = NULL;
		if (!p->file) {
			policy_free(p);
			ret = -ENOMEM;
		}
	}
out:
	free(src);
	free(dir);
	free(path);
	free(brief);
	return ret;
}
