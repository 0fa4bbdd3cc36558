/* The signals Node cannot listen to, caught in C and handed to JS through a pipe: the
 * real-time signals (Node has no names for them), SIGPIPE (to tell a SIGPIPE that another process
 * sent from one that svinit's own write to a dead pipe raised), and SIGILL, SIGBUS, SIGFPE and
 * SIGSEGV when another process sent them with kill() (a genuine fault is never swallowed: it goes
 * to the handler that was there before, Node's own for SIGSEGV, or crashes as it would have).
 *
 * The handler writes the signal's number, one byte, to a non-blocking pipe whose read end is an
 * ordinary stream in the event loop: write(2) is async-signal-safe, nothing is allocated, and a
 * full pipe (64 KiB of unread signals) drops the signal rather than blocking. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "sys.h"

#define MAXSIG 65

static volatile int catch_fd = -1;
static volatile pid_t self_pid = 0;
static struct sigaction previous[MAXSIG];
static volatile sig_atomic_t installed[MAXSIG];

static int is_fault(int sig) { return sig == SIGILL || sig == SIGBUS || sig == SIGFPE || sig == SIGSEGV; }

static void on_signal(int sig, siginfo_t *si, void *uc) {
  int saved = errno;
  if (is_fault(sig) && si != NULL && si->si_code > 0) {
    /* Raised by the kernel: a real fault in svinit. Pass it on as if we were never here. */
    const struct sigaction *prev = &previous[sig];
    if ((prev->sa_flags & SA_SIGINFO) != 0 && prev->sa_sigaction != NULL) {
      prev->sa_sigaction(sig, si, uc);
    } else if (prev->sa_handler != SIG_DFL && prev->sa_handler != SIG_IGN) {
      prev->sa_handler(sig);
    } else {
      /* Returning re-runs the faulting instruction, now with the default action: a core dump. */
      struct sigaction dfl;
      memset(&dfl, 0, sizeof dfl);
      dfl.sa_handler = SIG_DFL;
      sigaction(sig, &dfl, NULL);
    }
    errno = saved;
    return;
  }
  /* The kernel sends a writer to a broken pipe SIGPIPE as if from itself (SI_USER, its own pid). */
  if (sig == SIGPIPE && si != NULL && si->si_code == SI_USER && si->si_pid == self_pid) {
    errno = saved;
    return;
  }
  int fd = catch_fd;
  if (fd >= 0) {
    unsigned char b = (unsigned char)sig;
    ssize_t ignored = write(fd, &b, 1); /* EAGAIN: the reader is 64 KiB behind; drop */
    (void)ignored;
  }
  errno = saved;
}

int sv_catch_signals(int fd, const int *sigs, int n) {
  self_pid = getpid();
  catch_fd = fd;
  for (int i = 0; i < n; i++) {
    int s = sigs[i];
    if (s <= 0 || s >= MAXSIG || s == SIGKILL || s == SIGSTOP || s == SIGCHLD) return -EINVAL;
    if (s > 31 && (s < SIGRTMIN || s > SIGRTMAX)) return -EINVAL; /* glibc's own 32 and 33 */
  }
  for (int i = 0; i < n; i++) {
    int s = sigs[i];
    if (installed[s]) continue;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_signal;
    sa.sa_flags = SA_SIGINFO | SA_RESTART | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    if (sigaction(s, &sa, &previous[s]) < 0) return -errno;
    installed[s] = 1;
  }
  return 0;
}
