#ifndef DMSWATCH_CNCURSESW_SHIM_H
#define DMSWATCH_CNCURSESW_SHIM_H
// SwiftPM drops pkg-config's -D_XOPEN_SOURCE, so ask for the wide-character API ourselves.
#define NCURSES_WIDECHAR 1
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#include <locale.h>
#include <langinfo.h>
#include <wchar.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <curses.h>
#include <term.h>
#include <pthread.h>
#include <errno.h>

extern int wcwidth(wchar_t c);

// Globals are not concurrency-safe in Swift 6: read them through accessors.
static inline int dmsw_colors(void) { return COLORS; }
static inline int dmsw_color_pairs(void) { return COLOR_PAIRS; }
static inline int dmsw_lines(void) { return LINES; }
static inline int dmsw_cols(void) { return COLS; }
static inline WINDOW *dmsw_stdscr(void) { return stdscr; }
static inline int dmsw_wcwidth(unsigned int c) { return wcwidth((wchar_t)c); }

// Variadic / macro wrappers.
static inline int dmsw_keypad(WINDOW *w, int on) { return keypad(w, on ? TRUE : FALSE); }
static inline int dmsw_nodelay(WINDOW *w, int on) { return nodelay(w, on ? TRUE : FALSE); }
static inline int dmsw_leaveok(WINDOW *w, int on) { return leaveok(w, on ? TRUE : FALSE); }
static inline int dmsw_idlok(WINDOW *w, int on) { return idlok(w, on ? TRUE : FALSE); }

// Put one grapheme (up to 5 code points) with attributes and colour pair at y,x.
static inline int dmsw_put_cell(WINDOW *w, int y, int x, const wchar_t *wch, attr_t attrs, short pair) {
  cchar_t cc;
  if (setcchar(&cc, wch, attrs, pair, NULL) != OK) return ERR;
  return mvwadd_wch(w, y, x, &cc);
}

static inline int dmsw_get_wch(WINDOW *w, unsigned int *out) {
  wint_t c = 0;
  int r = wget_wch(w, &c);
  *out = (unsigned int)c;
  return r;
}

static inline attr_t dmsw_a_bold(void) { return A_BOLD; }
static inline attr_t dmsw_a_reverse(void) { return A_REVERSE; }
static inline attr_t dmsw_a_underline(void) { return A_UNDERLINE; }
static inline attr_t dmsw_a_dim(void) { return A_DIM; }
static inline attr_t dmsw_a_normal(void) { return A_NORMAL; }

static inline int dmsw_key_resize(void) { return KEY_RESIZE; }
static inline int dmsw_key_code_yes(void) { return KEY_CODE_YES; }

static inline const char *dmsw_codeset(void) { return nl_langinfo(CODESET); }

static inline int dmsw_winsize(int fd, int *rows, int *cols) {
  struct winsize ws;
  if (ioctl(fd, TIOCGWINSZ, &ws) != 0) return -1;
  *rows = ws.ws_row; *cols = ws.ws_col;
  return 0;
}
// ---- TerminalBackend additions ----------------------------------------------------------------
static inline FILE *dmsw_stdout(void) { return stdout; }
static inline FILE *dmsw_stdin(void) { return stdin; }
static inline int dmsw_clearok_curscr(void) { return clearok(curscr, TRUE); }
static inline int dmsw_curs_set(int v) { return curs_set(v); }

// Whether a terminfo entry exists for `name`, without touching the terminal and without ncurses'
// exit-on-error path: 1 found, 0 not found, -1 no terminfo database.
static inline int dmsw_terminfo_status(const char *name) {
  int err = 0;
  TERMINAL *saved = cur_term;
  if (setupterm(name, -1, &err) != OK) { set_curterm(saved); return err == 0 ? 0 : -1; }
  TERMINAL *probe = cur_term;
  set_curterm(saved);
  if (probe != saved) del_curterm(probe);
  return 1;
}

// Like dmsw_put_cell, but tells a rejected character (-2: setcchar refused it) apart from
// an add error (ERR: e.g. the bottom-right corner, which curses still draws).
static inline int dmsw_put_cell_checked(WINDOW *w, int y, int x, const wchar_t *wch, attr_t attrs, short pair) {
  cchar_t cc;
  if (setcchar(&cc, wch, attrs, pair, NULL) != OK) return -2;
  return mvwadd_wch(w, y, x, &cc);
}

// Whether standard input has hung up (the terminal went away): poll reports HUP/ERR/NVAL.
#include <poll.h>
static inline int dmsw_stdin_hung_up(void) {
  struct pollfd p;
  p.fd = STDIN_FILENO;
  p.events = POLLIN;
  p.revents = 0;
  if (poll(&p, 1, 0) < 0) return 0;
  return (p.revents & (POLLHUP | POLLERR | POLLNVAL)) ? 1 : 0;
}


// ---- Output relay: the terminal never blocks the main thread ---------------------------------
// curses writes each frame with write(2) on its output descriptor and retries until all of it is
// written, so a terminal that stops reading (a stalled SSH link) would stop the main thread inside
// doupdate. After curses is set up, fd 1 becomes the write end of a large pipe; a relay thread
// copies the pipe to the terminal (a duplicate of the original fd 1) and is the only one that may
// wait for it. The main thread draws only while the pipe has room for a frame (`dmsw_relay_pending`),
// so its writes never wait; terminal-mode calls (endwin, reset_prog_mode) run with fd 1 put back
// (`dmsw_relay_direct`). Shared state is one weak symbol (see dmsw_restore below).
#include <fcntl.h>
#include <time.h>
struct dmsw_relay_state {
  int active;
  int tty_fd;
  int pipe_r;
  int pipe_w;
  int capacity;
  volatile sig_atomic_t in_hand;  // bytes taken from the pipe, not yet written to the terminal
  volatile sig_atomic_t direct;   // fd 1 is the terminal again (mode calls, exit)
  pthread_t thread;
};
__attribute__((weak)) struct dmsw_relay_state dmsw_relay = { 0, -1, -1, -1, 0, 0, 0 };

static inline int dmsw_relay_foreground(void) {
  pid_t fg = tcgetpgrp(dmsw_relay.tty_fd);
  return fg < 0 || fg == getpgrp();
}

static void *dmsw_relay_main(void *arg) {
  (void)arg;
  // Signals are the main thread's business (dispatch sources); this thread only copies bytes.
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, NULL);
  static char buf[65536];
  for (;;) {
    ssize_t n = read(dmsw_relay.pipe_r, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // the write end is closed: the program is leaving
    dmsw_relay.in_hand = (sig_atomic_t)n;
    // curses flushes after every cursor move, so one frame arrives as dozens of small writes. Let the rest of
    // the frame land in the pipe (2 ms), then take all of it: one wake-up and one write to the terminal (one
    // packet over SSH) per frame instead of one per write.
    if ((size_t)n < sizeof(buf)) {
      struct timespec gather = { 0, 2 * 1000 * 1000 };
      nanosleep(&gather, NULL);
      int queued = 0;
      while ((size_t)n < sizeof(buf) && ioctl(dmsw_relay.pipe_r, FIONREAD, &queued) == 0 && queued > 0) {
        size_t want = (size_t)queued < sizeof(buf) - (size_t)n ? (size_t)queued : sizeof(buf) - (size_t)n;
        ssize_t more = read(dmsw_relay.pipe_r, buf + n, want);
        if (more < 0 && errno == EINTR) continue;
        if (more <= 0) break;
        n += more;
        dmsw_relay.in_hand = (sig_atomic_t)n;
      }
    }
    char *p = buf;
    while (n > 0) {
      // A background job must not write to the terminal (SIGTTOU): hold the bytes until `fg`.
      if (!dmsw_relay_foreground()) {
        struct timespec ts = { 0, 20 * 1000 * 1000 };
        nanosleep(&ts, NULL);
        continue;
      }
      ssize_t w = write(dmsw_relay.tty_fd, p, (size_t)n);
      if (w > 0) { p += w; n -= w; dmsw_relay.in_hand = (sig_atomic_t)n; continue; }
      if (w < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      n = 0;  // the terminal is gone: drop the rest
    }
    dmsw_relay.in_hand = 0;
  }
  return NULL;
}

// Starts the relay (after newterm). Returns 0, or -1 when it could not (the program then draws directly).
static inline int dmsw_relay_start(int want_capacity) {
  if (dmsw_relay.active) return 0;
  int tty = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
  if (tty < 0) return -1;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) { close(tty); return -1; }
#ifdef F_SETPIPE_SZ
  fcntl(fds[1], F_SETPIPE_SZ, want_capacity);
#endif
  int cap = 65536;
#ifdef F_GETPIPE_SZ
  int got = fcntl(fds[1], F_GETPIPE_SZ);
  if (got > 0) cap = got;
#endif
  dmsw_relay.tty_fd = tty;
  dmsw_relay.pipe_r = fds[0];
  dmsw_relay.pipe_w = fds[1];
  dmsw_relay.capacity = cap;
  if (pthread_create(&dmsw_relay.thread, NULL, dmsw_relay_main, NULL) != 0) {
    close(fds[0]); close(fds[1]); close(tty);
    dmsw_relay.tty_fd = dmsw_relay.pipe_r = dmsw_relay.pipe_w = -1;
    return -1;
  }
  pthread_detach(dmsw_relay.thread);
  dup2(fds[1], STDOUT_FILENO);
  dmsw_relay.active = 1;
  dmsw_relay.direct = 0;
  return 0;
}

static inline int dmsw_relay_active(void) { return dmsw_relay.active; }
static inline int dmsw_relay_capacity(void) { return dmsw_relay.capacity; }

// Bytes written by curses that have not reached the terminal yet.
static inline long dmsw_relay_pending(void) {
  if (!dmsw_relay.active) return 0;
  int queued = 0;
  if (ioctl(dmsw_relay.pipe_r, FIONREAD, &queued) != 0) queued = 0;
  return (long)queued + (long)dmsw_relay.in_hand;
}

// The terminal's descriptor (for window-size and foreground queries).
static inline int dmsw_terminal_fd(void) { return dmsw_relay.active ? dmsw_relay.tty_fd : STDOUT_FILENO; }

// Waits until the relay has written everything, at most `ms` milliseconds; 1 when drained.
static inline int dmsw_relay_drain(int ms) {
  for (int i = 0; i <= ms; i += 5) {
    if (dmsw_relay_pending() == 0) return 1;
    struct timespec ts = { 0, 5 * 1000 * 1000 };
    nanosleep(&ts, NULL);
  }
  return dmsw_relay_pending() == 0;
}

// Puts the terminal back on fd 1 (on != 0) for curses' mode calls, or the pipe again (on == 0).
static inline int dmsw_relay_is_direct(void) { return dmsw_relay.active && dmsw_relay.direct; }
static inline void dmsw_relay_direct(int on) {
  if (!dmsw_relay.active) return;
  if (on && !dmsw_relay.direct) { dup2(dmsw_relay.tty_fd, STDOUT_FILENO); dmsw_relay.direct = 1; }
  else if (!on && dmsw_relay.direct) { dup2(dmsw_relay.pipe_w, STDOUT_FILENO); dmsw_relay.direct = 0; }
}

// ---- Crash / exit restore (async-signal-safe) -------------------------------------------------
// Precomputed reset: leave the alternate screen, show the cursor, reset attributes.
static const char dmsw_reset_sequence[] = "\033[?1049l\033[?25h\033[0m\r\n";

// Swift compiles a header's inline functions into every object file that uses them, so state
// shared between them must be one symbol: a weak, explicitly initialised global.
struct dmsw_restore_state {
  volatile sig_atomic_t armed;
  volatile sig_atomic_t have_termios;
  int installed;
  struct termios termios;
  struct sigaction previous[65];
  char alt_stack[65536];
};
__attribute__((weak)) struct dmsw_restore_state dmsw_restore = { 0 };

static void dmsw_emergency_restore(void) {
  if (!dmsw_restore.armed) return;
  dmsw_restore.armed = 0;
  ssize_t r = write(dmsw_terminal_fd(), dmsw_reset_sequence, sizeof(dmsw_reset_sequence) - 1);
  (void)r;
  if (dmsw_restore.have_termios) tcsetattr(STDIN_FILENO, TCSANOW, &dmsw_restore.termios);
}

static void dmsw_crash_handler(int sig, siginfo_t *info, void *ctx) {
  (void)ctx;
  int saved_errno = errno;
  dmsw_emergency_restore();
  // Hand the signal to whoever had it before (the Swift runtime's backtracer, or the default action).
  if (sig > 0 && sig < 65) sigaction(sig, &dmsw_restore.previous[sig], NULL);
  errno = saved_errno;
  // A hardware fault re-triggers on return with its real siginfo; a sent signal (or a trap that
  // resumes after the trapping instruction) has to be raised again.
  if (info == NULL || info->si_code <= 0 || sig == SIGTRAP || sig == SIGABRT) raise(sig);
}

// Saves the terminal modes to restore on a crash (call before curses changes them).
static inline void dmsw_save_termios(void) {
  if (tcgetattr(STDIN_FILENO, &dmsw_restore.termios) == 0) dmsw_restore.have_termios = 1;
}

static inline void dmsw_set_restore_armed(int on) { dmsw_restore.armed = on ? 1 : 0; }
static inline int dmsw_restore_is_armed(void) { return dmsw_restore.armed; }

static void dmsw_atexit_restore(void) {
  if (!dmsw_restore.armed) return;
  dmsw_restore.armed = 0;
  // Through the relay: endwin only when the terminal has taken the last frame (else it would wait
  // for a stalled terminal); the modes are put back either way.
  if (dmsw_relay.active && !dmsw_relay_drain(300)) {
    if (dmsw_restore.have_termios) tcsetattr(STDIN_FILENO, TCSANOW, &dmsw_restore.termios);
    return;
  }
  dmsw_relay_direct(1);
  if (!isendwin()) endwin();
}

static inline int dmsw_install_crash_handlers(void) {
  if (dmsw_restore.installed) return 0;
  dmsw_restore.installed = 1;
  stack_t ss;
  ss.ss_sp = dmsw_restore.alt_stack;
  ss.ss_size = sizeof(dmsw_restore.alt_stack);
  ss.ss_flags = 0;
  sigaltstack(&ss, NULL);
  const int sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGABRT, SIGTRAP, SIGFPE };
  for (unsigned i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = dmsw_crash_handler;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    if (sigaction(sigs[i], &sa, &dmsw_restore.previous[sigs[i]]) != 0) return -1;
  }
  atexit(dmsw_atexit_restore);
  return 0;
}

// The main thread is stuck writing to a terminal that stopped reading (a stalled SSH link) and a
// SIGTERM/SIGHUP has waited a second: put the tty modes back (tcsetattr does not wait for output)
// and leave at once. No write to the terminal (it would block too) and no atexit handlers (endwin writes).
// Puts the saved terminal modes back without writing anything (the terminal may not be reading).
static inline void dmsw_restore_modes(void) {
  if (dmsw_restore.have_termios) tcsetattr(STDIN_FILENO, TCSANOW, &dmsw_restore.termios);
}

static inline void dmsw_stalled_exit(int code) {
  if (dmsw_restore.armed && dmsw_restore.have_termios) tcsetattr(STDIN_FILENO, TCSANOW, &dmsw_restore.termios);
  _exit(code);
}

// Whether this process is the terminal's foreground process group (or there is no terminal):
// a background job must not draw (SIGTTOU), change modes or read keys (SIGTTIN).
static inline int dmsw_is_foreground(void) {
  pid_t fg = tcgetpgrp(STDIN_FILENO);
  return fg < 0 || fg == getpgrp();
}

// Whether stdout can take more output now (poll POLLOUT, no wait).
static inline int dmsw_output_writable(void) {
  struct pollfd p;
  p.fd = STDOUT_FILENO;
  p.events = POLLOUT;
  p.revents = 0;
  if (poll(&p, 1, 0) < 0) return 1;
  return (p.revents & POLLOUT) ? 1 : 0;
}

// ---- Signals delivered through DispatchSource ------------------------------------------------
// Ignore the default action and block the signal in this thread (threads created later inherit
// the mask), so the kernel queues it for the dispatch source's signalfd instead of discarding it.
static inline int dmsw_ignore_and_block(int sig) {
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = SIG_IGN;
  sigemptyset(&sa.sa_mask);
  if (sigaction(sig, &sa, NULL) != 0) return -1;
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, sig);
  return pthread_sigmask(SIG_BLOCK, &set, NULL);
}

// Stops the process group and returns after SIGCONT. SIGSTOP, not SIGTSTP: SIGTSTP is blocked
// and read through the dispatch source's signalfd, which could take our own signal back before
// the default action ran (a suspend loop), and job-control stops are discarded in an orphaned
// process group. SIGSTOP cannot be caught, blocked or read, and always stops.
static inline void dmsw_stop_self(void) {
  kill(0, SIGSTOP);
}
#endif
