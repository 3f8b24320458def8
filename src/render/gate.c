// SPDX-License-Identifier: GPL-2.0-or-later
/* The gatekeeper's index (docs/gate-index.md). */
#include "render/render.h"

#include <errno.h>

int render_gate(const struct policy *p, struct strbuf *out)
{
	size_t i, j;

	sb_printf(out, "galaf-gate 2 %u %u\n", p->cfg.gid_min, p->cfg.gid_max);
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
		if (!e->has_launchers)
			sb_add(out, "*");
		for (j = 0; e->has_launchers && j < e->launchers.n; j++)
			sb_printf(out, "%s%s", j ? "," : "", e->launchers.v[j]);
		sb_printf(out, "\t%s", e->sha256 ? e->sha256 : "-");
		for (j = 0; j < e->execv.n; j++)
			sb_printf(out, "\t%s", e->execv.v[j]);
		sb_add(out, "\n");
	}
	sb_add(out, ".end\n");
	return out->oom ? -ENOMEM : 0;
}
