/* Plain-C wrappers for everything except spawn: reaping (wait.c) and small syscalls (sys.c).
 * Each returns >= 0 on success or -errno; native/addon.c is the only caller. */
#ifndef SVINIT_SYS_H
#define SVINIT_SYS_H

#include <stddef.h>
#include <sys/types.h>

/* wait.c */

/* waitpid(-1, WNOHANG) until 0 or ECHILD, storing at most `max` (pid, raw status) pairs into
 * out[0..2*max). Returns the number of pairs, or -errno if the very first call failed with
 * something other than ECHILD. */
int sv_reap(int *out, int max);

/* waitpid(pid, nohang ? WNOHANG : 0), retrying EINTR; returns the pid (0 if still running with
 * WNOHANG) and stores the raw status, or -errno. */
int sv_waitpid(pid_t pid, int nohang, int *status);

/* 1 if this process has any child (running or zombie), 0 if none, or -errno; reaps nothing. */
int sv_has_children(void);

/* sys.c */
int sv_set_child_subreaper(int on);
int sv_get_child_subreaper(void);
int sv_kill(pid_t pid, int sig);
int sv_killpg(pid_t pgid, int sig);
/* Sends n signals in one go: items[3i..3i+2] = (pid, sig, group), group != 0 meaning the
 * process group pid (killpg). out[i] gets 0 or -errno; pid <= 0 is -EINVAL. Returns how many
 * were sent. One loop in C, so that a fan-out to many services is not interleaved with JS. */
int sv_kill_many(const int *items, int n, int *out);
int sv_mkfifo(const char *path, unsigned mode);
/* op: 0 = LOCK_EX|LOCK_NB, 1 = LOCK_EX, 2 = LOCK_UN */
int sv_flock(int fd, int op);
int sv_pipe_cloexec(int fds[2]);
/* send(fd, MSG_DONTWAIT | MSG_NOSIGNAL): one non-blocking write to a socket without touching its
 * shared O_NONBLOCK flag (services write to the same socket); bytes written or -errno (-EAGAIN). */
int sv_send_nonblock(int fd, const void *buf, size_t len);
/* flag: 0 = O_NONBLOCK, 1 = FD_CLOEXEC */
int sv_set_fd_flag(int fd, int flag, int on);
/* soft/hard as doubles, -1 meaning RLIM_INFINITY */
int sv_get_nofile(double *soft, double *hard);
/* prctl(PR_SET_PDEATHSIG, sig) */
int sv_set_pdeathsig(int sig);
/* tcgetsid(fd): the session whose controlling terminal is on fd, or -errno */
int sv_tty_session(int fd);
/* catch.c: installs a handler for each of sigs[0..n) that writes the signal's number (one byte)
 * to fd, which must be non-blocking; see catch.c for the rules. 0 or -errno (-EINVAL for KILL,
 * STOP, CHLD and glibc's own 32 and 33, before anything is installed). */
int sv_catch_signals(int fd, const int *sigs, int n);
/* lines.c: --log-prefix's hot path. sv_prefix_size: the size of src[0..n) with head_len bytes
 * before each line, or -1 when src does not end with a newline, has a line longer than line_max,
 * or has a byte the text format escapes (the caller then does it line by line).
 * sv_prefix_fill writes it into out, which has that size. */
ssize_t sv_prefix_size(const unsigned char *src, size_t n, size_t head_len, size_t line_max);
void sv_prefix_fill(const unsigned char *src, size_t n, const unsigned char *head, size_t head_len, unsigned char *out);
/* notify.c: the sd_notify socket (abstract name `name`, `len` bytes, no leading NUL), bound,
 * non-blocking, close-on-exec, SO_PASSCRED on; fd or -errno. */
int sv_notify_socket(const char *name, size_t len);
struct sv_notify_msg {
  pid_t pid;      /* the sender (SCM_CREDENTIALS); 0 when the kernel gave none */
  long long uid;  /* -1 when none */
  int truncated;  /* longer than the buffer: the text is not usable */
};
/* One datagram into buf[0..cap): its full length (even when truncated) or -errno (-EAGAIN when
 * none is waiting). Descriptors passed with it are closed at once. */
int sv_notify_recv(int fd, char *buf, size_t cap, struct sv_notify_msg *m);
/* getsid(pid): the session of pid, or -errno (-ESRCH once it is gone) */
int sv_getsid(pid_t pid);
const char *sv_errno_name(int err);
const char *sv_errno_text(int err);

#endif
