#define _GNU_SOURCE
#include "cpty.h"
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

int dmsw_pty_resize(int master, int cols, int rows) {
  struct winsize ws = {0};
  ws.ws_col = (unsigned short)cols;
  ws.ws_row = (unsigned short)rows;
  return ioctl(master, TIOCSWINSZ, &ws);
}

int dmsw_spawn_pty(const char *path, char *const argv[], char *const envp[], int cols, int rows, int *master, pid_t *pid) {
  int m = posix_openpt(O_RDWR | O_NOCTTY);
  if (m < 0) return -1;
  if (grantpt(m) != 0 || unlockpt(m) != 0) { close(m); return -1; }
  const char *name = ptsname(m);
  if (!name) { close(m); return -1; }
  dmsw_pty_resize(m, cols, rows);
  pid_t p = fork();
  if (p < 0) { close(m); return -1; }
  if (p == 0) {
    setsid();
    int s = open(name, O_RDWR);
    if (s < 0) _exit(127);
    ioctl(s, TIOCSCTTY, 0);
    dup2(s, 0); dup2(s, 1); dup2(s, 2);
    if (s > 2) close(s);
    close(m);
    execve(path, argv, envp);
    _exit(127);
  }
  *master = m;
  *pid = p;
  return 0;
}
