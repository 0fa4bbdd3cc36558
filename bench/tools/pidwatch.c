/* pidwatch PID: when was a process signalled, and when did it end, on CLOCK_REALTIME?
 *
 * Opens a pidfd for PID (pidfd_open, Linux >= 5.3) and prints "armed". Each line "term" on
 * stdin makes it print "sent=T" with T read just before kill(PID, SIGTERM). When the pidfd
 * becomes readable it prints "exited=T" and exits. A pidfd turns readable when the whole thread
 * group has exited; for a pid namespace's init that is after the kernel has killed and reaped
 * everything else in the namespace: the moment the container is gone, without the latency of
 * the parent's wait and of Node's child 'exit' event. T is seconds.nanoseconds of CLOCK_REALTIME,
 * the clock bash's $EPOCHREALTIME reads, so the services' own timestamps compare with it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static void stamp(const char *what) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  printf("%s=%lld.%09ld\n", what, (long long)ts.tv_sec, ts.tv_nsec);
  fflush(stdout);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: pidwatch PID\n");
    return 100;
  }
  pid_t pid = (pid_t)atoi(argv[1]);
  int fd = (int)syscall(SYS_pidfd_open, pid, 0);
  if (fd < 0) {
    printf("error=unable to open a pidfd for %d: %s\n", (int)pid, strerror(errno));
    return 1;
  }
  printf("armed\n");
  fflush(stdout);
  struct pollfd fds[2] = {{.fd = fd, .events = POLLIN}, {.fd = 0, .events = POLLIN}};
  char line[64];
  for (;;) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return 1;
    }
    if (fds[0].revents != 0) {
      stamp("exited");
      return 0;
    }
    if (fds[1].revents == 0) continue;
    ssize_t n = read(0, line, sizeof line - 1);
    if (n <= 0) {
      fds[1].fd = -1; /* stdin closed: keep watching the process only */
      continue;
    }
    if (strncmp(line, "term", 4) == 0) {
      stamp("sent");
      if (kill(pid, SIGTERM) != 0) {
        printf("error=kill: %s\n", strerror(errno));
        fflush(stdout);
      }
    }
  }
}
