/* The spawn core: clone(CLONE_VM|CLONE_VFORK) on a private stack, then a clean slate in the child.
 *
 * Why not fork(): its cost grows with the parent's RSS (page-table copy), and Node is big.
 * Why not posix_spawn(): it cannot set umask, ids, groups or rlimits, nor clear O_NONBLOCK.
 * The child shares the parent's memory until execve, so it reports a failure by writing the
 * errno and the failing step into `struct child_ctx` (the parent is suspended meanwhile) and
 * exiting 127; the parent then reaps it, so a failed spawn never leaves a zombie.
 *
 * Rules for the child (it runs on a copy of a multi-threaded process, sharing its memory):
 * only async-signal-safe calls, no malloc, and raw syscalls for set*id/setgroups, because
 * glibc's wrappers would broadcast the change to the parent's threads (nptl setxid). */
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHILD_STACK_SIZE (256 * 1024)
#define GUARD_SIZE 4096

struct child_ctx {
  const struct sv_spawn_opts *o;
  int devnull;
  volatile int err;
  const char *volatile step;
};

static void child_fail(struct child_ctx *c, const char *step) {
  c->err = errno ? errno : EIO;
  c->step = step;
  _exit(127);
}

static rlim_t to_rlim(long long v) {
  return v == SV_NOFILE_INFINITY ? RLIM_INFINITY : (rlim_t)v;
}

/* Close every fd from `first` up; close_range(2) when the kernel has it (5.9+). */
static void close_from(int first) {
#ifdef SYS_close_range
  if (syscall(SYS_close_range, (unsigned)first, ~0U, 0U) == 0) return;
#endif
  struct rlimit rl;
  long max = 65536;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) max = (long)rl.rlim_cur;
  if (max > (1L << 20)) max = 1L << 20;
  for (long fd = first; fd < max; fd++) close((int)fd);
}

/* Child fds 0..n-1 from the requested sources; nothing else stays open. */
static void child_stdio(struct child_ctx *c) {
  const struct sv_spawn_opts *o = c->o;
  int moved[SV_MAX_SLOTS];
  int n = o->nstdio;
  /* First move every source above the target range, so that a dup2 into slot i can never
   * clobber a source still needed by a later slot. */
  for (int i = 0; i < n; i++) {
    moved[i] = -1;
    if (o->stdio[i] == SV_STDIO_CLOSED) continue;
    int src = o->stdio[i] == SV_STDIO_NULL ? c->devnull : o->stdio[i];
    moved[i] = fcntl(src, F_DUPFD_CLOEXEC, n);
    if (moved[i] < 0) child_fail(c, "dup");
  }
  /* dup2 leaves the new descriptor without FD_CLOEXEC: Node marked 0-2 CLOEXEC at start-up. */
  for (int i = 0; i < n; i++) {
    if (moved[i] < 0) close(i);
    else if (dup2(moved[i], i) < 0) child_fail(c, "dup2");
  }
  close_from(n);
  /* Node sets O_NONBLOCK on its stdio pipes; it belongs to the shared open file description,
   * so clear it for the child's 0-2 (as libuv does). Extra fds keep their flags. */
  for (int i = 0; i < n && i < 3; i++) {
    int fl = fcntl(i, F_GETFL);
    if (fl >= 0 && (fl & O_NONBLOCK) && fcntl(i, F_SETFL, fl & ~O_NONBLOCK) < 0)
      child_fail(c, "fcntl");
  }
}

static void child_creds(struct child_ctx *c) {
  const struct sv_spawn_opts *o = c->o;
  if (o->nofile_soft != SV_NOFILE_KEEP || o->nofile_hard != SV_NOFILE_KEEP) {
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0) child_fail(c, "getrlimit");
    if (o->nofile_soft != SV_NOFILE_KEEP) rl.rlim_cur = to_rlim(o->nofile_soft);
    if (o->nofile_hard != SV_NOFILE_KEEP) rl.rlim_max = to_rlim(o->nofile_hard);
    if (setrlimit(RLIMIT_NOFILE, &rl) < 0) child_fail(c, "setrlimit");
  }
  if (o->ngroups >= 0 && syscall(SYS_setgroups, (size_t)o->ngroups, o->groups) < 0)
    child_fail(c, "setgroups");
  if (o->gid >= 0 && syscall(SYS_setgid, (gid_t)o->gid) < 0) child_fail(c, "setgid");
  if (o->uid >= 0 && syscall(SYS_setuid, (uid_t)o->uid) < 0) child_fail(c, "setuid");
}

static int child_main(void *arg) {
  struct child_ctx *c = arg;
  const struct sv_spawn_opts *o = c->o;
  /* All signals are still blocked (the parent blocked them before clone), so no Node/libuv
   * handler can run here. Reset every disposition: Node ignores SIGPIPE and SIGXFSZ, and an
   * ignored signal stays ignored across execve. EINVAL (KILL, STOP, glibc's 32/33) is fine. */
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  for (int s = 1; s < NSIG; s++) {
    /* A main command gets the ignored set its caller gave svinit (tini and dumb-init do too). */
    sa.sa_handler = s <= 64 && (o->sig_ignore >> (s - 1) & 1) ? SIG_IGN : SIG_DFL;
    sigaction(s, &sa, NULL);
  }

  if (o->pgroup == SV_PGROUP_SETSID && setsid() < 0) child_fail(c, "setsid");
  if (o->pgroup == SV_PGROUP_JOIN && setpgid(0, o->pgid) < 0) child_fail(c, "setpgid");
  child_stdio(c);
  /* Every signal is still blocked here, so tcsetpgrp() from a background group gets no SIGTTOU.
   * Either step fails harmlessly when fd 0 is no terminal or belongs to another session. */
  if (o->tty == SV_TTY_ACQUIRE && isatty(0)) (void)ioctl(0, TIOCSCTTY, 0);
  if (o->tty == SV_TTY_FOREGROUND && isatty(0)) (void)tcsetpgrp(0, getpgrp());
  if (o->cwd != NULL && chdir(o->cwd) < 0) child_fail(c, "chdir");
  if (o->umask >= 0) umask((mode_t)o->umask);
  child_creds(c);

  sigset_t mask;
  sigemptyset(&mask);
  for (int s = 1; s <= 64 && s < NSIG; s++)
    if (o->sig_block >> (s - 1) & 1) sigaddset(&mask, s);
  if (sigprocmask(SIG_SETMASK, &mask, NULL) < 0) child_fail(c, "sigprocmask");
  execve(o->file, o->argv, o->envp);
  child_fail(c, "execve");
  return 127;
}

static int fail(struct sv_spawn_result *r, int err, const char *step) {
  r->err = err;
  r->syscall = step;
  return -err;
}

static int needs_devnull(const struct sv_spawn_opts *o) {
  for (int i = 0; i < o->nstdio; i++)
    if (o->stdio[i] == SV_STDIO_NULL) return 1;
  return 0;
}

int sv_spawn(const struct sv_spawn_opts *o, struct sv_spawn_result *r) {
  r->pid = 0;
  r->err = 0;
  r->syscall = NULL;
  if (o->nstdio < 0 || o->nstdio > SV_MAX_SLOTS) return fail(r, EINVAL, "spawn");

  int devnull = -1;
  if (needs_devnull(o)) {
    devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (devnull < 0) return fail(r, errno, "open");
  }
  char *stack = mmap(NULL, CHILD_STACK_SIZE + GUARD_SIZE, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (stack == MAP_FAILED) {
    int e = errno;
    if (devnull >= 0) close(devnull);
    return fail(r, e, "mmap");
  }
  mprotect(stack, GUARD_SIZE, PROT_NONE); /* the stack grows down into this page */

  /* Block everything across clone: otherwise a signal arriving in the child before it resets
   * the dispositions would run libuv's handler there, writing into the parent's signal pipe. */
  sigset_t all, old;
  sigfillset(&all);
  sigprocmask(SIG_SETMASK, &all, &old);
  struct child_ctx c = {.o = o, .devnull = devnull, .err = 0, .step = NULL};
  pid_t pid = clone(child_main, stack + CHILD_STACK_SIZE + GUARD_SIZE,
                    CLONE_VM | CLONE_VFORK | SIGCHLD, &c);
  int clone_errno = errno;
  sigprocmask(SIG_SETMASK, &old, NULL);

  munmap(stack, CHILD_STACK_SIZE + GUARD_SIZE);
  if (devnull >= 0) close(devnull);
  if (pid < 0) return fail(r, clone_errno, "clone");
  if (c.err != 0) {
    /* The child is already a zombie (CLONE_VFORK resumed us at its _exit): reap it here, in
     * the same synchronous call, so no reaper ever sees this pid. */
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
    }
    return fail(r, c.err, c.step);
  }
  r->pid = pid;
  return pid;
}
