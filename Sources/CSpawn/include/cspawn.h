#ifndef PRESSWORK_CSPAWN_H
#define PRESSWORK_CSPAWN_H

#include <sys/types.h>

/// Starts `path` with `argv`/`envp` in a new session (so a terminal's Ctrl-C does not reach a
/// daemon it leaves behind), stdin from /dev/null, stdout and stderr appended to `output_path`,
/// and every other descriptor closed: nothing the caller holds open is inherited, so a daemon
/// started through it cannot keep a caller's pipe or socket alive.
/// Returns 0 and sets `*pid`, or an errno value.
int presswork_spawn(const char *path, char *const argv[], char *const envp[],
                    const char *output_path, pid_t *pid);

#endif
