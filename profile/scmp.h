/* scmp.h - libseccomp's <seccomp.h>, for every file of profile/.
 *
 * validate/ has a seccomp.h of its own (the pod API's seccomp vocabulary),
 * and its folder is on the include path of everything that links the
 * engine, ahead of the system's: `#include <seccomp.h>` would find it.
 * CMake passes libseccomp's header by its full path instead (pkg-config's
 * includedir), as SG_LIBSECCOMP_HEADER. */
#ifndef SG_SCMP_H
#define SG_SCMP_H

#include SG_LIBSECCOMP_HEADER

#endif
