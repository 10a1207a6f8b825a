#ifndef DMSWATCH_CPTY_H
#define DMSWATCH_CPTY_H
#include <sys/types.h>

/// Starts `path` with `argv`/`envp` on a new pseudo-terminal of cols×rows as its
/// controlling terminal (new session). Returns 0 and sets *master/*pid, or -1 (errno set).
int dmsw_spawn_pty(const char *path, char *const argv[], char *const envp[], int cols, int rows, int *master, pid_t *pid);

/// Sets the window size of the pty behind `master` (the child gets SIGWINCH).
int dmsw_pty_resize(int master, int cols, int rows);
#endif
