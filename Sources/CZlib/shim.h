#ifndef DMSWATCH_CZLIB_SHIM_H
#define DMSWATCH_CZLIB_SHIM_H
#include <zlib.h>

// deflateInit2 / inflateInit2 are macros (they pass the library version and the stream size):
// Swift needs typed functions. windowBits 15 + 16 selects the gzip wrapper, so `zcat` reads the file.
static inline int dmsw_deflate_init_gzip(z_stream *s, int level) {
  return deflateInit2(s, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
}
// 15 + 32: accept a gzip or zlib header.
static inline int dmsw_inflate_init_auto(z_stream *s) { return inflateInit2(s, 15 + 32); }
#endif
