#define _GNU_SOURCE
#include "cspawn.h"

#include <fcntl.h>
#include <spawn.h>

int presswork_spawn(const char *path, char *const argv[], char *const envp[],
                    const char *output_path, pid_t *pid) {
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attributes;
    int result = posix_spawn_file_actions_init(&actions);
    if (result != 0) return result;
    result = posix_spawnattr_init(&attributes);
    if (result != 0) {
        posix_spawn_file_actions_destroy(&actions);
        return result;
    }
    if ((result = posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)) == 0
        && (result = posix_spawn_file_actions_addopen(&actions, 1, output_path,
                                                      O_WRONLY | O_CREAT | O_APPEND, 0644)) == 0
        && (result = posix_spawn_file_actions_adddup2(&actions, 1, 2)) == 0
        && (result = posix_spawn_file_actions_addclosefrom_np(&actions, 3)) == 0
        && (result = posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSID)) == 0) {
        result = posix_spawn(pid, path, &actions, &attributes, argv, envp);
    }
    posix_spawnattr_destroy(&attributes);
    posix_spawn_file_actions_destroy(&actions);
    return result;
}
