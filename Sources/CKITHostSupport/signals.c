#include <signal.h>
#include "kit_host_support.h"

// A parent may start kithost with SIGTERM blocked (test runners, some supervisors). Blocked signals are never
// delivered, so graceful shutdown would never start. This runs before main, on the only thread, so every thread
// the Swift runtime creates later inherits the unblocked mask.
static int unblocked = 0;

__attribute__((constructor)) static void kit_unblock_signals(void) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    unblocked = sigprocmask(SIG_UNBLOCK, &set, 0) == 0;
}

int kit_signals_unblocked(void) { return unblocked; }
