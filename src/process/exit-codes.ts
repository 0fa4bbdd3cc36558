// svinit's own exit codes, in one table (docs/exit-codes.md mirrors it).

/** Every service stopped by itself within its time. */
export const EXIT_CLEAN = 0;
/** An internal error (a bug): logged with its stack, then the orderly shutdown (or the failure path) ran. */
export const EXIT_INTERNAL = 101;
/** The shutdown completed, but it had to SIGKILL at least one process. */
export const EXIT_KILLED = 102;
/** A setup error: bad flags, a missing or unreadable service directory, runit not installed. */
export const EXIT_SETUP = 111;
