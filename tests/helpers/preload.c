// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * An attacker's library for tests/bats/gate.bats: if the loader ever maps
 * it (LD_PRELOAD, LD_AUDIT), it leaves the file MARK behind. Built with
 * -DMARK='"/path"'.
 */
#include <fcntl.h>
#include <unistd.h>

__attribute__((constructor)) static void pwned(void)
{
	int fd = open(MARK, O_WRONLY | O_CREAT, 0644);

	if (fd >= 0)
		close(fd);
}

/* Makes the library acceptable as an LD_AUDIT module too. */
unsigned int la_version(unsigned int version)
{
	pwned();
	return version;
}
