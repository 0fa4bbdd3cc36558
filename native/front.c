/* svinit-front: the PID 1 in front of svinit when svinit starts as a container's init.
 *
 * Why: Node takes 50-100 ms to start, and until svinit's listeners are in, the kernel drops every
 * signal sent to a namespace's init whose disposition is the default: a `docker stop` in that
 * window waits for the engine's SIGKILL. Blocking the signals across exec does not help (Node
 * resets the mask at start and the pending TERM is then dropped). So this process stays PID 1:
 *
 *   1. Its first act blocks every signal, so none is lost from here on.
 *   2. It forks svinit (`svinit-front NODE SCRIPT ARGS...`), with a pipe whose write end svinit
 *      finds in $SVINIT_FRONT_FD. Once svinit's listeners are in, svinit writes the numbers of the
 *      signals it handles ("1 2 3 15 ...\n") and closes the pipe.
 *   3. Signals that arrive before that are held (one of each, as the kernel holds them); then
 *      each is forwarded to svinit if svinit handles it, and dropped otherwise (a signal svinit
 *      does not catch, TSTP say, would stop or kill it: the default action, svinit not being PID 1).
 *   4. It reaps every child: svinit, and orphans that are not svinit's descendants (svinit is
 *      their subreaper otherwise), e.g. what `docker exec` left behind.
 *   5. When svinit exits, it exits with svinit's status (128+n if svinit was killed by signal n,
 *      with one line on stderr): the kernel then ends whatever is left in the namespace.
 *
 * Only async-signal-safe calls between fork and exec. No allocation after start-up.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAXSIG 65 /* signals 1..64 */

static void say(const char *msg) {
  ssize_t ignored = write(2, msg, strlen(msg));
  (void)ignored;
}

/* Parses "1 2 15\n" into the set of signals svinit handles. */
static void parse_handled(const char *text, unsigned char handled[MAXSIG]) {
  const char *p = text;
  while (*p != '\0') {
    char *end;
    long n = strtol(p, &end, 10);
    if (end == p) {
      p++;
      continue;
    }
    if (n > 0 && n < MAXSIG) handled[n] = 1;
    p = end;
  }
}

static int exit_code(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) {
    char line[160];
    snprintf(line, sizeof line, "svinit: fatal: the init process was killed by signal %d (%s); the container stops\n",
             WTERMSIG(status), strsignal(WTERMSIG(status)));
    say(line);
    return 128 + WTERMSIG(status);
  }
  return 101;
}

int main(int argc, char **argv) {
  sigset_t all, old;
  sigfillset(&all);
  sigprocmask(SIG_BLOCK, &all, &old);
  if (argc < 2) {
    say("usage: svinit-front NODE SCRIPT [ARGS...] (started by bin/svinit as PID 1)\n");
    return 100;
  }

  /* The launcher's records of the signal state svinit was started with (Node resets it; a main
   * command gets it back): the mask we just replaced, and what is ignored. */
  unsigned long long blocked = 0, ignored = 0;
  for (int s = 1; s < MAXSIG; s++) {
    struct sigaction sa;
    if (sigismember(&old, s) == 1) blocked |= 1ULL << (s - 1);
    if (sigaction(s, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN) ignored |= 1ULL << (s - 1);
  }
  char mask[24];
  snprintf(mask, sizeof mask, "%016llx", blocked);
  setenv("SVINIT_SIGBLK", mask, 1);
  snprintf(mask, sizeof mask, "%016llx", ignored);
  setenv("SVINIT_SIGIGN", mask, 1);

  /* The launcher's other job, done here so that it can exec this program first: the soft
   * RLIMIT_NOFILE as it is now, before Node raises it (docs/nofile.md). */
  struct rlimit nofile;
  if (getrlimit(RLIMIT_NOFILE, &nofile) == 0) {
    char limit[32];
    if (nofile.rlim_cur == RLIM_INFINITY) snprintf(limit, sizeof limit, "unlimited");
    else snprintf(limit, sizeof limit, "%llu", (unsigned long long)nofile.rlim_cur);
    setenv("SVINIT_NOFILE", limit, 1);
  }

  int ready[2];
  if (pipe2(ready, O_CLOEXEC) < 0) {
    say("svinit: fatal: unable to create the front's pipe\n");
    return 111;
  }
  char fdtext[16];
  snprintf(fdtext, sizeof fdtext, "%d", ready[1]);
  setenv("SVINIT_FRONT_FD", fdtext, 1);

  pid_t child = fork();
  if (child < 0) {
    say("svinit: fatal: unable to fork svinit\n");
    return 111;
  }
  if (child == 0) {
    /* The write end survives exec; everything else of ours is close-on-exec. */
    fcntl(ready[1], F_SETFD, 0);
    sigprocmask(SIG_SETMASK, &old, NULL);
    execvp(argv[1], argv + 1);
    say("svinit: fatal: unable to run node for svinit\n");
    _exit(errno == ENOENT ? 127 : 126);
  }
  close(ready[1]);

  int sfd = signalfd(-1, &all, SFD_CLOEXEC);
  if (sfd < 0) {
    say("svinit: fatal: unable to create the front's signalfd\n");
    kill(child, SIGKILL);
    return 111;
  }

  unsigned char handled[MAXSIG] = {0};
  unsigned char held[MAXSIG] = {0};
  int listening = 0; /* svinit has said which signals it handles */
  char text[512];
  size_t len = 0;
  struct pollfd fds[2] = {{.fd = sfd, .events = POLLIN}, {.fd = ready[0], .events = POLLIN}};

  for (;;) {
    if (poll(fds, listening ? 1 : 2, -1) < 0) {
      if (errno == EINTR) continue;
      say("svinit: fatal: the front's poll failed\n");
      kill(child, SIGKILL);
      return 101;
    }
    if (!listening && (fds[1].revents & (POLLIN | POLLHUP)) != 0) {
      ssize_t n = read(ready[0], text + len, sizeof text - 1 - len);
      if (n > 0) len += (size_t)n;
      if (n <= 0 || len == sizeof text - 1 || memchr(text, '\n', len) != NULL) {
        text[len] = '\0';
        parse_handled(text, handled);
        listening = 1;
        close(ready[0]);
        for (int s = 1; s < MAXSIG; s++) {
          if (held[s] && handled[s]) kill(child, s);
          held[s] = 0;
        }
      }
    }
    if ((fds[0].revents & POLLIN) == 0) continue;
    struct signalfd_siginfo si;
    while (read(sfd, &si, sizeof si) == (ssize_t)sizeof si) {
      int s = (int)si.ssi_signo;
      if (s == SIGCHLD) {
        int status;
        pid_t pid;
        while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
          if (pid == child) return exit_code(status);
        }
      } else if (s > 0 && s < MAXSIG) {
        if (!listening) held[s] = 1;
        else if (handled[s]) kill(child, s);
      }
      /* signalfd is blocking: read only what poll announced, then poll again. */
      break;
    }
  }
}
