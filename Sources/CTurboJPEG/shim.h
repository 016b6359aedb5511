#ifndef KIT_CTURBOJPEG_SHIM_H
#define KIT_CTURBOJPEG_SHIM_H
#include <turbojpeg.h>
#endif
