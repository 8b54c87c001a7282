/* signals.h - the signals `serve` reacts to, turned into flags.
 *
 * SIGTERM and SIGINT ask for a graceful stop, SIGHUP for a reload of the
 * policy and certificate. The handlers only set a flag and write a byte to
 * a pipe, so the control loop can sleep in poll(2) and still wake at once.
 * Signal dispositions are process-wide, so this state is too: it is the one
 * place that holds file-scope mutable state, because a handler receives no
 * context pointer. SIGPIPE is ignored (a peer that vanishes is an error
 * return, not a death). */
#ifndef SG_SIGNALS_H
#define SG_SIGNALS_H

#include "error.h"

#define SG_SIGNAL_STOP   1u
#define SG_SIGNAL_RELOAD 2u

/* Installs the handlers. Returns 0 or SG_ERR_INTERNAL with a message. */
int sg_signals_install(struct sg_error *err);

/* The read end of the wake-up pipe, for poll(2). */
int sg_signals_fd(void);

/* The signals seen since the last call (SG_SIGNAL_* bits), cleared. */
unsigned sg_signals_take(void);

/* Restores the default dispositions and closes the pipe. */
void sg_signals_restore(void);

#endif
