/* Reaping: drain waitpid(-1, WNOHANG) to empty. SIGCHLD coalesces, so one wake-up must take
 * every zombie there is; the kernel makes a child waitable before it sends SIGCHLD, so a zombie
 * missed by the last call always brings another wake-up. */
#include "sys.h"

#include <errno.h>
#include <signal.h>
#include <sys/wait.h>

int sv_reap(int *out, int max) {
  int n = 0;
  while (n < max) {
    int status = 0;
    pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid > 0) {
      out[2 * n] = (int)pid;
      out[2 * n + 1] = status;
      n++;
      continue;
    }
    if (pid == 0) break; /* children exist, none has exited */
    if (errno == EINTR) continue;
    if (errno == ECHILD) break; /* no children at all */
    return n > 0 ? n : -errno;
  }
  return n;
}

int sv_waitpid(pid_t pid, int nohang, int *status) {
  for (;;) {
    int st = 0;
    pid_t r = waitpid(pid, &st, nohang ? WNOHANG : 0);
    if (r >= 0) {
      *status = r > 0 ? st : 0;
      return (int)r;
    }
    if (errno != EINTR) return -errno;
  }
}

int sv_has_children(void) {
  siginfo_t info;
  for (;;) {
    /* WNOWAIT: look without reaping, so the drain stays the only place that takes statuses. */
    if (waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) == 0) return 1;
    if (errno == ECHILD) return 0;
    if (errno != EINTR) return -errno;
  }
}
