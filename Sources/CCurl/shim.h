#ifndef KIT_CCURL_SHIM_H
#define KIT_CCURL_SHIM_H
#include <curl/curl.h>
#endif
