/* stormer N T0_MS: forks N children that all exit at one wall-clock instant.
 *
 * Each child sleeps until T0 (milliseconds since the epoch, CLOCK_REALTIME, the clock the bench
 * also reads) and then _exit(0)s. The parent exits as soon as every child is forked, so the
 * children become orphans of the pid namespace's init, which must reap all N at once.
 * Prints "forked N late=0|1" (late=1: forking finished after T0, the storm was spread out).
 * Compiled by the bench at run time with `cc -O2`.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: stormer N T0_MS\n");
    return 100;
  }
  long n = strtol(argv[1], NULL, 10);
  long long t0 = strtoll(argv[2], NULL, 10);
  if (n <= 0 || t0 <= 0) {
    fprintf(stderr, "stormer: unable to use arguments: N and T0_MS must be positive\n");
    return 100;
  }
  struct timespec at = { .tv_sec = (time_t)(t0 / 1000), .tv_nsec = (long)(t0 % 1000) * 1000000L };
  long forked = 0;
  for (; forked < n; forked++) {
    pid_t pid = fork();
    if (pid < 0) {
      fprintf(stderr, "stormer: unable to fork child %ld: %s\n", forked + 1, strerror(errno));
      break;
    }
    if (pid == 0) {
      /* Let go of the caller's pipes at once: whoever waits for stormer's output must not
       * also wait for N children to exit. */
      close(0);
      close(1);
      close(2);
      while (clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &at, NULL) == EINTR) {
      }
      _exit(0);
    }
  }
  printf("forked %ld late=%d\n", forked, now_ms() >= t0 ? 1 : 0);
  return forked == n ? 0 : 1;
}
