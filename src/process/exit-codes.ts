// svinit's own exit codes, in one table (docs/exit-codes.md mirrors it).

/** Every service stopped by itself within its time. */
export const EXIT_CLEAN = 0;
/** An internal error (a bug): logged with its stack, then the orderly shutdown (or the failure path) ran. */
export const EXIT_INTERNAL = 101;
/** The shutdown completed, but it had to SIGKILL at least one process. */
export const EXIT_KILLED = 102;
/** A setup error: bad flags, a missing or unreadable service directory, runit not installed. */
export const EXIT_SETUP = 111;
/** A usage error: a bad option or argument (runit's sv uses 100 too). */
export const EXIT_USAGE = 100;
/** runsvinit's usage error: Go's flag package exits 2 on a bad flag, and the Go runsvinit did. */
export const EXIT_GO_USAGE = 2;
/** The main command could not be run: found, but not executable or not an executable format. */
export const EXIT_NOT_EXECUTABLE = 126;
/** The main command was not found. */
export const EXIT_NOT_FOUND = 127;
