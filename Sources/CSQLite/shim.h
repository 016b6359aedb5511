#pragma once
#include <sqlite3.h>

// SQLITE_TRANSIENT is a macro Swift cannot import: sqlite copies the bound bytes before returning.
static inline void (*kit_sqlite_transient(void))(void *) { return SQLITE_TRANSIENT; }
