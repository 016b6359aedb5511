#pragma once

/// Non-zero once the constructor below has unblocked SIGTERM, SIGINT and SIGHUP for the process.
int kit_signals_unblocked(void);
