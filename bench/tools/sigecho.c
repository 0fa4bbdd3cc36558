/* sigecho: the main command of the bench's forwarding measure. Blocks SIGUSR1, prints "ready",
 * then writes one byte to stdout for every SIGUSR1 it takes (sigwaitinfo), so the bench can time
 * a signal from its kill(2) to the init until the byte arrives. Exits 0 on SIGTERM. */
#define _GNU_SOURCE
#include <signal.h>
#include <unistd.h>

int main(void) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  sigaddset(&set, SIGTERM);
  sigprocmask(SIG_BLOCK, &set, NULL);
  if (write(1, "ready\n", 6) != 6) return 1;
  for (;;) {
    int s = sigwaitinfo(&set, NULL);
    if (s == SIGTERM) return 0;
    if (s == SIGUSR1 && write(1, "x", 1) != 1) return 1;
  }
}
