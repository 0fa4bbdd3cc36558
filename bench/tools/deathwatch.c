/* deathwatch SVC_PID INIT_PID: was the service still alive when its init exited?
 *
 * Both pids are host pids; INIT_PID is a pid namespace's PID 1. The tool attaches to every
 * thread of the init with PTRACE_SEIZE + PTRACE_O_TRACEEXIT. A thread that exits stops at
 * PTRACE_EVENT_EXIT at the very start of do_exit(), before it is marked PF_EXITING and long
 * before the init's last thread runs exit_notify() -> zap_pid_ns_processes(), which SIGKILLs
 * whatever is left in the namespace. So at the init's exit stop nothing has been killed by the
 * kernel yet, and the service's state there is exact:
 *   - service still alive  => verdict=kernel: the init left it, the namespace teardown kills it;
 *   - service already dead => verdict=init: the init (or a supervisor under it) ended it first.
 * Signals meant for the init are passed on unchanged (each costs the init one ptrace stop).
 * Prints "armed threads=N" once attached, then one "verdict=... svc=STATE" line.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#define OPTIONS (PTRACE_O_TRACEEXIT | PTRACE_O_TRACECLONE)

/* The service's state letter from /proc/PID/stat, or 'gone' as '-'. */
static char proc_state(pid_t pid) {
  char path[64], buf[512];
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  FILE *f = fopen(path, "r");
  if (f == NULL) return '-';
  size_t len = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[len] = '\0';
  const char *p = strrchr(buf, ')');
  return p != NULL && p[1] == ' ' ? p[2] : '?';
}

/* Seizes every thread of pid; repeats until a pass finds no new thread. Returns the count. */
static int seize_all(pid_t pid) {
  int total = 0, added;
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
  do {
    added = 0;
    DIR *d = opendir(path);
    if (d == NULL) return -1;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
      if (e->d_name[0] == '.') continue;
      pid_t tid = (pid_t)atoi(e->d_name);
      if (ptrace(PTRACE_SEIZE, tid, 0, OPTIONS) == 0) added++;
      else if (errno != EPERM) continue; /* EPERM: already ours; ESRCH: the thread is gone */
    }
    closedir(d);
    total += added;
  } while (added > 0);
  return total;
}

static void verdict(char svc) {
  int alive = svc != '-' && svc != 'Z' && svc != 'X';
  printf("verdict=%s svc=%c\n", alive ? "kernel" : "init", svc);
  fflush(stdout);
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: deathwatch SVC_PID INIT_PID\n");
    return 100;
  }
  pid_t svc = (pid_t)atoi(argv[1]);
  pid_t init = (pid_t)atoi(argv[2]);
  int threads = seize_all(init);
  if (threads <= 0) {
    printf("verdict=unknown reason=unable to attach to %d: %s\n", (int)init, strerror(errno));
    return 1;
  }
  printf("armed threads=%d\n", threads);
  fflush(stdout);
  char last = 0; /* the service's state at the latest exit stop of any init thread */
  for (;;) {
    int st;
    pid_t t = waitpid(-1, &st, __WALL);
    if (t < 0) {
      if (errno == EINTR) continue;
      if (last != 0) verdict(last);
      else printf("verdict=unknown reason=the init ended without an exit stop (SIGKILL?)\n");
      return last != 0 ? 0 : 1;
    }
    if (!WIFSTOPPED(st)) continue;
    int event = st >> 16;
    if (event == PTRACE_EVENT_EXIT) {
      last = proc_state(svc);
      if (t == init) { /* the leader: the init process itself is exiting */
        verdict(last);
        ptrace(PTRACE_DETACH, t, 0, 0);
        return 0; /* exiting detaches every other thread */
      }
      ptrace(PTRACE_CONT, t, 0, 0);
    } else if (event != 0) {
      ptrace(PTRACE_CONT, t, 0, 0); /* clone or seize-stop: just go on */
    } else {
      ptrace(PTRACE_CONT, t, 0, WSTOPSIG(st)); /* a signal for the init: deliver it */
    }
  }
}
