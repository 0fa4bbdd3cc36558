/* Small syscalls the supervisor needs that Node does not expose: subreaper, kill by number
 * (RT signals included), mkfifo, flock, pipe2(O_CLOEXEC), fd flags, RLIMIT_NOFILE, errno names. */
#include "sys.h"

#include <errno.h>
#include <limits.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#define RET(expr) return (expr) < 0 ? -errno : 0

int sv_set_child_subreaper(int on) { RET(prctl(PR_SET_CHILD_SUBREAPER, on ? 1UL : 0UL, 0UL, 0UL, 0UL)); }

int sv_set_pdeathsig(int sig) { RET(prctl(PR_SET_PDEATHSIG, (unsigned long)sig, 0UL, 0UL, 0UL)); }

int sv_tty_session(int fd) {
  pid_t sid = tcgetsid(fd);
  return sid < 0 ? -errno : (int)sid;
}

int sv_get_child_subreaper(void) {
  int on = 0;
  if (prctl(PR_GET_CHILD_SUBREAPER, (unsigned long)&on, 0UL, 0UL, 0UL) < 0) return -errno;
  return on ? 1 : 0;
}

int sv_kill(pid_t pid, int sig) { RET(kill(pid, sig)); }

int sv_killpg(pid_t pgid, int sig) {
  /* killpg(0) or a negative group would signal our own group or a pid: refuse. */
  if (pgid <= 0) return -EINVAL;
  RET(kill(-pgid, sig));
}

int sv_kill_many(const int *items, int n, int *out) {
  int sent = 0;
  for (int i = 0; i < n; i++) {
    const int *it = items + 3 * i;
    /* pid <= 0 would be kill(2)'s "my group" or "everything": never from a batch. */
    out[i] = it[0] <= 0 ? -EINVAL : it[2] ? sv_killpg(it[0], it[1]) : sv_kill(it[0], it[1]);
    if (out[i] == 0) sent++;
  }
  return sent;
}

int sv_mkfifo(const char *path, unsigned mode) { RET(mkfifo(path, (mode_t)mode)); }

int sv_flock(int fd, int op) {
  int how;
  switch (op) {
    case 0: how = LOCK_EX | LOCK_NB; break;
    case 1: how = LOCK_EX; break;
    case 2: how = LOCK_UN; break;
    default: return -EINVAL;
  }
  for (;;) {
    if (flock(fd, how) == 0) return 0;
    if (errno != EINTR) return -errno;
  }
}

int sv_pipe_cloexec(int fds[2]) { RET(pipe2(fds, O_CLOEXEC)); }

int sv_send_nonblock(int fd, const void *buf, size_t len) {
  for (;;) {
    ssize_t n = send(fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n >= 0) return (int)(n > INT_MAX ? INT_MAX : n);
    if (errno != EINTR) return -errno;
  }
}

int sv_set_fd_flag(int fd, int flag, int on) {
  int getcmd = flag == 0 ? F_GETFL : F_GETFD;
  int setcmd = flag == 0 ? F_SETFL : F_SETFD;
  int bit = flag == 0 ? O_NONBLOCK : FD_CLOEXEC;
  if (flag != 0 && flag != 1) return -EINVAL;
  int cur = fcntl(fd, getcmd);
  if (cur < 0) return -errno;
  int next = on ? (cur | bit) : (cur & ~bit);
  if (next == cur) return 0;
  RET(fcntl(fd, setcmd, next));
}

int sv_get_nofile(double *soft, double *hard) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) < 0) return -errno;
  *soft = rl.rlim_cur == RLIM_INFINITY ? -1.0 : (double)rl.rlim_cur;
  *hard = rl.rlim_max == RLIM_INFINITY ? -1.0 : (double)rl.rlim_max;
  return 0;
}

const char *sv_errno_text(int err) { return strerror(err); }
