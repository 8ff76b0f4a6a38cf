// libcurl through pkg-config `libcurl` (Debian: libcurl4-openssl-dev).
// curl_easy_setopt/curl_easy_getinfo/curl_multi_setopt are variadic, which Swift cannot call, so each
// argument type gets a typed static inline wrapper here. Keep this list to what KubeClient uses.
#ifndef GANTRY_CCURL_SHIM_H
#define GANTRY_CCURL_SHIM_H
#include <curl/curl.h>

static inline CURLcode gantry_curl_setopt_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode gantry_curl_setopt_int64(CURL *h, CURLoption o, curl_off_t v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode gantry_curl_setopt_string(CURL *h, CURLoption o, const char *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode gantry_curl_setopt_pointer(CURL *h, CURLoption o, void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode gantry_curl_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode gantry_curl_setopt_blob(CURL *h, CURLoption o, struct curl_blob *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode gantry_curl_setopt_write_callback(CURL *h, CURLoption o, curl_write_callback v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode gantry_curl_setopt_read_callback(CURL *h, CURLoption o, curl_read_callback v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode gantry_curl_setopt_xferinfo_callback(CURL *h, CURLoption o, curl_xferinfo_callback v) { return curl_easy_setopt(h, o, v); }

static inline CURLcode gantry_curl_getinfo_long(CURL *h, CURLINFO i, long *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode gantry_curl_getinfo_string(CURL *h, CURLINFO i, char **v) { return curl_easy_getinfo(h, i, v); }

static inline CURLMcode gantry_curl_multi_setopt_long(CURLM *m, CURLMoption o, long v) { return curl_multi_setopt(m, o, v); }

// CURLVERSION_NOW is a macro alias Swift does not import.
static inline curl_version_info_data *gantry_curl_version_info(void) { return curl_version_info(CURLVERSION_NOW); }

// curl_easy_pause argument that resumes both directions (a composite macro Swift does not import).
static inline int gantry_curl_pause_cont(void) { return CURLPAUSE_CONT; }

// The transfer result of a CURLMSG_DONE message (it sits in an anonymous union).
static inline CURLcode gantry_curl_msg_result(const CURLMsg *m) { return m->data.result; }

// Return value from a write callback that pauses the transfer (a macro Swift does not import as a size_t).
static inline size_t gantry_curl_writefunc_pause(void) { return CURL_WRITEFUNC_PAUSE; }
#endif
