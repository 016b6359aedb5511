#ifndef KIT_CCURL_SHIM_H
#define KIT_CCURL_SHIM_H
#include <curl/curl.h>

// Swift cannot call C variadic functions, and imports composed macros unreliably. These typed,
// prefixed wrappers are the only way Swift code reaches curl_easy_setopt / curl_multi_setopt /
// curl_easy_getinfo and the pause/abort sentinels.

// MARK: curl_easy_setopt, one wrapper per argument type
static inline CURLcode kit_curl_easy_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode kit_curl_easy_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode kit_curl_easy_setopt_ptr(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode kit_curl_easy_setopt_str(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode kit_curl_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}
/// CURLOPT_WRITEFUNCTION and CURLOPT_HEADERFUNCTION.
static inline CURLcode kit_curl_easy_setopt_write_func(CURL *handle, CURLoption option, curl_write_callback value) {
    return curl_easy_setopt(handle, option, value);
}
/// CURLOPT_READFUNCTION.
static inline CURLcode kit_curl_easy_setopt_read_func(CURL *handle, CURLoption option, curl_read_callback value) {
    return curl_easy_setopt(handle, option, value);
}

// MARK: curl_multi_setopt
static inline CURLMcode kit_curl_multi_setopt_long(CURLM *handle, CURLMoption option, long value) {
    return curl_multi_setopt(handle, option, value);
}

// MARK: curl_easy_getinfo
static inline CURLcode kit_curl_easy_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}
static inline CURLcode kit_curl_easy_getinfo_off_t(CURL *handle, CURLINFO info, curl_off_t *value) {
    return curl_easy_getinfo(handle, info, value);
}

// MARK: macros
static inline long kit_curl_global_all(void) { return CURL_GLOBAL_ALL; }
static inline size_t kit_curl_writefunc_pause(void) { return CURL_WRITEFUNC_PAUSE; }
static inline size_t kit_curl_readfunc_pause(void) { return CURL_READFUNC_PAUSE; }
static inline size_t kit_curl_readfunc_abort(void) { return CURL_READFUNC_ABORT; }
static inline int kit_curlpause_recv(void) { return CURLPAUSE_RECV; }
static inline int kit_curlpause_send(void) { return CURLPAUSE_SEND; }
static inline int kit_curlpause_cont(void) { return CURLPAUSE_CONT; }
static inline int kit_curl_error_size(void) { return CURL_ERROR_SIZE; }
static inline long kit_curl_http_version_1_1(void) { return CURL_HTTP_VERSION_1_1; }

// MARK: CURLMsg
/// The `result` member of a CURLMSG_DONE message's union.
static inline CURLcode kit_curlmsg_result(const CURLMsg *message) { return message->data.result; }

#endif
