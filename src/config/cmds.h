/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The galaf-config subcommands: each takes its own argv ("apply", ...) and returns an exit code. */
#ifndef GALAF_CONFIG_CMDS_H
#define GALAF_CONFIG_CMDS_H

/* What galaf-config's messages about the machine (not the policy file) start with. */
#define CONFIG_PROG "galaf-config"

int cmd_apply(int argc, char **argv);	 /* apply_cmd.c */
int cmd_rollback(int argc, char **argv); /* apply_cmd.c */
int cmd_status(int argc, char **argv);	 /* status.c */
int cmd_groups(int argc, char **argv);	 /* groups.c */
int cmd_suggest(int argc, char **argv);	 /* suggest.c */
int cmd_cgroups(int argc, char **argv);	 /* cgroups_cmd.c */
int cmd_desktop(int argc, char **argv);	 /* desktop.c */
int cmd_pin(int argc, char **argv);	 /* pin.c */
int cmd_marker(int argc, char **argv);	 /* marker.c */

#endif
