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
#endif
