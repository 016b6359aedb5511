// Placeholder so the target builds; the plugins issue fills it in.
