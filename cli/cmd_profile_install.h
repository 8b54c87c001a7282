/* cmd_profile_install.h - `seccomp-guard profile install`: copies the
 * seccomp profiles of a folder (a mounted ConfigMap) into a node's kubelet
 * seccomp folder, each judged by profile/lint first, once or whenever the
 * folder changes. cmd_profile.c dispatches to it; it has its own file
 * because it is the one part of `profile` that runs unattended on nodes. */
#ifndef SG_CMD_PROFILE_INSTALL_H
#define SG_CMD_PROFILE_INSTALL_H

#include <stdio.h>

/* argv[0] is "install". Returns the exit status: 0 every profile is in
 * place (or, with --watch, stopped by SIGTERM or SIGINT), 1 some profile
 * was not installed or some old copy not removed, 2 bad usage or a folder
 * that cannot be used. */
int sg_cmd_profile_install(int argc, char **argv);

/* The option lines of `profile --help` for install. */
void sg_cmd_profile_install_usage(FILE *out);

#endif
