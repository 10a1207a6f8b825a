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
#endif
