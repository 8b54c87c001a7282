/* commands.h - the subcommands of the one `seccomp-guard` binary. Each
 * takes the arguments after its own name (argv[0] is the command name) and
 * returns the process exit status. They are thin: reading files and
 * printing, around the shared decision path in validate/. */
#ifndef SG_COMMANDS_H
#define SG_COMMANDS_H

int sg_cmd_serve(int argc, char **argv);
int sg_cmd_review(int argc, char **argv);
int sg_cmd_check(int argc, char **argv);
int sg_cmd_certs(int argc, char **argv);
int sg_cmd_policy(int argc, char **argv);
int sg_cmd_profile(int argc, char **argv);

#endif
