#ifndef KIT_CTURBOJPEG_SHIM_H
#define KIT_CTURBOJPEG_SHIM_H
#include <turbojpeg.h>

/* tjBufSize reports failure as (unsigned long)-1; a signed view makes the check explicit in Swift. */
static inline long long kit_tj_buf_size(int width, int height, int subsamp) {
  unsigned long n = tjBufSize(width, height, subsamp);
  return n == (unsigned long)-1 ? -1 : (long long)n;
}
#endif
