// SPDX-License-Identifier: GPL-2.0-or-later
#include "nft/nft.h"

#include <errno.h>
#include <fcntl.h>
#include <nftables/libnftables.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/strbuf.h"

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

/*
 * Scripts go through a memfd and nft_run_cmd_from_filename(): for buffers,
 * libnftables 1.0.6 points kernel errors at line 1, for files at the rule.
 */
static int run_script(struct nft_ctx *ctx, const char *script)
{
	char path[64];
	size_t len = strlen(script), off = 0;
	int fd, rc;

	if (!strchr(script, '\n'))
		return nft_run_cmd_from_buffer(ctx, script);
	fd = memfd_create("galaf-ruleset", MFD_CLOEXEC);
	if (fd < 0)
		return nft_run_cmd_from_buffer(ctx, script);
	while (off < len) {
		ssize_t n = write(fd, script + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			return nft_run_cmd_from_buffer(ctx, script);
		}
		off += (size_t)n;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	rc = nft_run_cmd_from_filename(ctx, path);
	close(fd);
	return rc;
}

int nft_run(const char *script, unsigned flags, char **ret_out, struct diags *d)
{
	struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	const char *err;
	int rc;

	if (ret_out)
		*ret_out = NULL;
	if (!ctx)
		return -ENOMEM;
	if (nft_ctx_buffer_output(ctx) || nft_ctx_buffer_error(ctx)) {
		nft_ctx_free(ctx);
		return -ENOMEM;
	}
	nft_ctx_set_dry_run(ctx, (flags & NFT_RUN_DRY) != 0);
	nft_ctx_output_set_flags(ctx, (flags & NFT_RUN_JSON ? NFT_CTX_OUTPUT_JSON : 0) |
					      (flags & NFT_RUN_TERSE ? NFT_CTX_OUTPUT_TERSE : 0));
	/* Include no files: a policy's raw fragments must not pull in others. */
	nft_ctx_add_include_path(ctx, "/nonexistent/galaf");
	rc = run_script(ctx, script);
	if (ret_out)
		*ret_out = dup_or_null(nft_ctx_get_output_buffer(ctx));
	err = nft_ctx_get_error_buffer(ctx);
	if (rc && d && err)
		diag_add(d, DIAG_ERROR, NULL, "%s", err);
	nft_ctx_free(ctx);
	return rc ? -EINVAL : 0;
}

const char *nft_error_text(const struct diags *d)
{
	return diag_first(d) ? diag_first(d) : "unknown error";
}

static int read_all(int fd, struct strbuf *sb)
{
	char buf[4096];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		sb_addn(sb, buf, (size_t)n);
	}
	return sb->oom ? -ENOMEM : 0;
}

/* The child: enter fresh namespaces, load, report errors on FD (or LIST's JSON output). */
static void private_child(int fd, const char *script, const char *list)
{
	int flags = CLONE_NEWNET | (geteuid() == 0 ? 0 : CLONE_NEWUSER);
	struct diags d = { 0 };
	const char *err;
	int ret;

	/*
	 * Root without CAP_SYS_ADMIN (galaf.service keeps CAP_NET_ADMIN only)
	 * can still own a network namespace through a user namespace of its own.
	 */
	if (unshare(flags) < 0 &&
	    (flags & CLONE_NEWUSER || errno != EPERM || unshare(flags | CLONE_NEWUSER) < 0)) {
		dprintf(fd, "cannot create a private network namespace: %s\n", strerror(errno));
		_exit(3);
	}
	ret = nft_run(script, 0, NULL, &d);
	if (!ret && list) {
		char *out = NULL;

		ret = nft_run(list, NFT_RUN_JSON, &out, &d);
		if (!ret && out && write(fd, out, strlen(out)) != (ssize_t)strlen(out))
			ret = -EIO;
		free(out);
	}
	err = diag_first(&d);
	if (ret && err)
		(void)!write(fd, err, strlen(err));
	else if (ret)
		dprintf(fd, "nft refused the ruleset\n");
	_exit(ret ? 1 : 0);
}

static int run_private(const char *script, const char *list, char **ret_out, struct diags *d)
{
	struct strbuf sb = STRBUF_INIT;
	int fds[2], status = 0, ret;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		close(fds[0]);
		close(fds[1]);
		return ret;
	}
	if (pid == 0) {
		close(fds[0]);
		private_child(fds[1], script, list);
	}
	close(fds[1]);
	ret = read_all(fds[0], &sb);
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!ret && (!WIFEXITED(status) || WEXITSTATUS(status) != 0)) {
		const char *text = sb.oom ? NULL : sb_str(&sb);

		ret = WIFEXITED(status) && WEXITSTATUS(status) == 3 ? -EPERM : -EINVAL;
		if (text)
			diag_add(d, DIAG_ERROR, NULL, "%s", text);
		else
			ret = -ENOMEM;
	} else if (!ret && ret_out) {
		*ret_out = sb_steal(&sb);
	}
	sb_free(&sb);
	return ret;
}

int nft_run_private(const char *script, struct diags *d)
{
	return run_private(script, NULL, NULL, d);
}

int nft_list_private(const char *script, const char *list, char **ret_out, struct diags *d)
{
	*ret_out = NULL;
	return run_private(script, list, ret_out, d);
}
