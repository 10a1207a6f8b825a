#ifndef DMSWATCH_CMARIADB_SHIM_H
#define DMSWATCH_CMARIADB_SHIM_H
#include <stddef.h>
#include <mysql.h>

// Option setters with typed arguments (mysql_options takes a const void *).
static inline int dmsw_my_set_uint(MYSQL *m, enum mysql_option o, unsigned int v) { return mysql_options(m, o, &v); }
static inline int dmsw_my_set_bool(MYSQL *m, enum mysql_option o, int v) { my_bool b = v ? 1 : 0; return mysql_options(m, o, &b); }
static inline int dmsw_my_set_str(MYSQL *m, enum mysql_option o, const char *v) { return mysql_options(m, o, v); }
static inline enum mysql_option dmsw_opt_connect_timeout(void) { return MYSQL_OPT_CONNECT_TIMEOUT; }
static inline enum mysql_option dmsw_opt_read_timeout(void) { return MYSQL_OPT_READ_TIMEOUT; }
static inline enum mysql_option dmsw_opt_write_timeout(void) { return MYSQL_OPT_WRITE_TIMEOUT; }
static inline enum mysql_option dmsw_opt_ssl_enforce(void) { return MYSQL_OPT_SSL_ENFORCE; }
static inline enum mysql_option dmsw_opt_ssl_verify(void) { return MYSQL_OPT_SSL_VERIFY_SERVER_CERT; }
static inline enum mysql_option dmsw_opt_charset(void) { return MYSQL_SET_CHARSET_NAME; }
static inline enum mysql_option dmsw_opt_local_infile(void) { return MYSQL_OPT_LOCAL_INFILE; }
// Asks for TLS when the server offers it (no certificate files: verification is a separate option).
static inline int dmsw_my_prefer_tls(MYSQL *m) { return mysql_ssl_set(m, NULL, NULL, NULL, NULL, NULL); }
// The nth column of a fetched row and its length (MYSQL_ROW is char **).
static inline const char *dmsw_my_cell(MYSQL_ROW row, unsigned int i) { return row[i]; }
static inline unsigned long dmsw_my_len(const unsigned long *lens, unsigned int i) { return lens[i]; }
#endif
