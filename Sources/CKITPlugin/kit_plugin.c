// The plugin ABI is header-only (include/kit_plugin.h); SwiftPM needs one source file in a C target.
#include "kit_plugin.h"
