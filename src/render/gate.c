// SPDX-License-Identifier: GPL-2.0-or-later
/* The gatekeeper's index (docs/gate-index.md). */
#include "render/render.h"

#include <errno.h>

/*
 * LAUNCHERS as numbers: "*", or each known launcher as UID or @GID; "-"
 * when none of them exists on this machine (nobody may launch).
 */
static void gate_launchers(const struct entry *e, struct strbuf *out)
{
	size_t j, k = 0;

	if (!e->has_launchers) {
		sb_add(out, "*");
		return;
	}
	for (j = 0; e->launcher_ids && j < e->launchers.n; j++)
		if (e->launcher_ids[j] >= 0)
			sb_printf(out, "%s%s%ld", k++ ? "," : "",
				  e->launchers.v[j][0] == '@' ? "@" : "", e->launcher_ids[j]);
	if (!k)
		sb_add(out, "-");
}

int render_gate(const struct policy *p, struct strbuf *out)
{
	size_t i, j, base = out->len, count = 0;

	sb_printf(out, "galaf-gate 3 %u %u\n", p->cfg.gid_min, p->cfg.gid_max);
	for (i = 0; i < p->n_entries; i++) {
		const struct entry *e = &p->entries[i];

		if (e->kind != ENTRY_GROUP || !e->has_execv || e->sys_id < 0)
			continue;
		sb_printf(out, "%s\t%ld\t", e->name, e->sys_id);
		if (e->supplementary_groups && e->no_new_privs)
			sb_add(out, "-");
		else
			sb_printf(out, "%s%s%s", e->supplementary_groups ? "" : "dropgroups",
				  !e->supplementary_groups && !e->no_new_privs ? "," : "",
				  e->no_new_privs ? "" : "nonnp");
		sb_add(out, "\t");
		gate_launchers(e, out);
		sb_printf(out, "\t%s", e->sha256 ? e->sha256 : "-");
		for (j = 0; j < e->execv.n; j++)
			sb_printf(out, "\t%s", e->execv.v[j]);
		sb_add(out, "\n");
		count++;
	}
	/* BYTES: where this line starts, so a file cut short or grown is refused. */
	sb_printf(out, ".end %zu %zu\n", count, out->len - base);
	return out->oom ? -ENOMEM : 0;
}
