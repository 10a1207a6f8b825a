#ifndef DMSWATCH_CCURL_SHIM_H
#define DMSWATCH_CCURL_SHIM_H
#include <curl/curl.h>
#include <stdint.h>

// curl_easy_setopt / getinfo are variadic: Swift needs typed wrappers.
static inline CURLcode dmsw_curl_setopt_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode dmsw_curl_setopt_ptr(CURL *h, CURLoption o, const void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode dmsw_curl_setopt_int64(CURL *h, CURLoption o, int64_t v) { return curl_easy_setopt(h, o, (curl_off_t)v); }
typedef size_t (*dmsw_write_cb)(char *ptr, size_t size, size_t nmemb, void *userdata);
static inline CURLcode dmsw_curl_setopt_writefn(CURL *h, CURLoption o, dmsw_write_cb f) { return curl_easy_setopt(h, o, f); }
static inline CURLcode dmsw_curl_getinfo_long(CURL *h, CURLINFO i, long *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode dmsw_curl_getinfo_double(CURL *h, CURLINFO i, double *v) { return curl_easy_getinfo(h, i, v); }
// Option constants that Swift imports awkwardly (enum arithmetic in the header).
static inline CURLoption dmsw_opt_url(void) { return CURLOPT_URL; }
static inline CURLoption dmsw_opt_httpheader(void) { return CURLOPT_HTTPHEADER; }
static inline CURLoption dmsw_opt_postfields(void) { return CURLOPT_POSTFIELDS; }
static inline CURLoption dmsw_opt_postfieldsize_large(void) { return CURLOPT_POSTFIELDSIZE_LARGE; }
static inline CURLoption dmsw_opt_customrequest(void) { return CURLOPT_CUSTOMREQUEST; }
static inline CURLoption dmsw_opt_httpget(void) { return CURLOPT_HTTPGET; }
static inline CURLoption dmsw_opt_post(void) { return CURLOPT_POST; }
static inline CURLoption dmsw_opt_writefunction(void) { return CURLOPT_WRITEFUNCTION; }
static inline CURLoption dmsw_opt_writedata(void) { return CURLOPT_WRITEDATA; }
static inline CURLoption dmsw_opt_headerfunction(void) { return CURLOPT_HEADERFUNCTION; }
static inline CURLoption dmsw_opt_headerdata(void) { return CURLOPT_HEADERDATA; }
static inline CURLoption dmsw_opt_connecttimeout_ms(void) { return CURLOPT_CONNECTTIMEOUT_MS; }
static inline CURLoption dmsw_opt_timeout_ms(void) { return CURLOPT_TIMEOUT_MS; }
static inline CURLoption dmsw_opt_nosignal(void) { return CURLOPT_NOSIGNAL; }
static inline CURLoption dmsw_opt_accept_encoding(void) { return CURLOPT_ACCEPT_ENCODING; }
static inline CURLoption dmsw_opt_ssl_verifypeer(void) { return CURLOPT_SSL_VERIFYPEER; }
static inline CURLoption dmsw_opt_ssl_verifyhost(void) { return CURLOPT_SSL_VERIFYHOST; }
static inline CURLoption dmsw_opt_errorbuffer(void) { return CURLOPT_ERRORBUFFER; }
static inline CURLoption dmsw_opt_maxfilesize_large(void) { return CURLOPT_MAXFILESIZE_LARGE; }
static inline CURLoption dmsw_opt_followlocation(void) { return CURLOPT_FOLLOWLOCATION; }
static inline CURLoption dmsw_opt_protocols_str(void) { return CURLOPT_PROTOCOLS_STR; }
static inline CURLoption dmsw_opt_tcp_keepalive(void) { return CURLOPT_TCP_KEEPALIVE; }
static inline CURLoption dmsw_opt_fresh_connect(void) { return CURLOPT_FRESH_CONNECT; }
static inline CURLoption dmsw_opt_forbid_reuse(void) { return CURLOPT_FORBID_REUSE; }
static inline CURLINFO dmsw_info_response_code(void) { return CURLINFO_RESPONSE_CODE; }
static inline long dmsw_global_all(void) { return CURL_GLOBAL_ALL; }
static inline size_t dmsw_error_size(void) { return CURL_ERROR_SIZE; }
#endif
