// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * execfloor: exec PATH [ARGS...] and nothing else. Linked statically, it is
 * the cheapest launcher there can be: the floor under any program that
 * execs another (galaf, env, doas), measured by bench/gate.sh.
 */
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	execv(argv[1], argv + 1);
	return 127;
}
