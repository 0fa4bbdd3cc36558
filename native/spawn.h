/* The C spawn core: plain C types in, a pid or -errno (plus the failing step) out.
 * No N-API here; native/addon.c converts JS values into a struct sv_spawn_opts. */
#ifndef SVINIT_SPAWN_H
#define SVINIT_SPAWN_H

#include <sys/types.h>

/* pgroup values */
#define SV_PGROUP_KEEP 0   /* stay in the parent's process group */
#define SV_PGROUP_SETSID 1 /* setsid(): new session and group, no controlling tty */
#define SV_PGROUP_JOIN 2   /* setpgid(0, pgid); pgid 0 means a new group led by the child */

/* tty values: what the child does with a terminal on its fd 0 (best effort, never a failure) */
#define SV_TTY_NONE 0       /* nothing */
#define SV_TTY_ACQUIRE 1    /* after setsid(): make fd 0 its controlling terminal (TIOCSCTTY) */
#define SV_TTY_FOREGROUND 2 /* after setpgid(): make its group the terminal's foreground group */

/* nofile values besides a plain count */
#define SV_NOFILE_KEEP (-1)      /* leave the limit as the child inherits it */
#define SV_NOFILE_INFINITY (-2)  /* RLIM_INFINITY */

/* Slot value meaning "open /dev/null here". */
#define SV_STDIO_NULL (-1)
/* Slot value meaning "leave this child fd closed" (the fds below a notification-fd). */
#define SV_STDIO_CLOSED (-2)

/* The most slots (child fds 0..n-1) one spawn can map. */
#define SV_MAX_SLOTS 64

struct sv_spawn_opts {
  const char *file;    /* execve path, no PATH search */
  char *const *argv;   /* NULL terminated */
  char *const *envp;   /* NULL terminated, exactly the child's environment */
  const char *cwd;     /* NULL = inherit */
  const int *stdio;    /* stdio[i] = parent fd that becomes child fd i, SV_STDIO_NULL or SV_STDIO_CLOSED */
  int nstdio;          /* 0..SV_MAX_SLOTS */
  int pgroup;          /* SV_PGROUP_* */
  pid_t pgid;
  int umask;           /* -1 = inherit */
  long long uid;       /* -1 = inherit */
  long long gid;       /* -1 = inherit */
  const gid_t *groups; /* supplementary groups */
  int ngroups;         /* -1 = leave them as they are */
  long long nofile_soft; /* SV_NOFILE_* or a count */
  long long nofile_hard;
  int tty;                  /* SV_TTY_* */
  unsigned long long sig_block;  /* signals blocked at exec: bit n-1 for signal n (0 = none) */
  unsigned long long sig_ignore; /* signals ignored at exec, the same way (0 = none) */
};

struct sv_spawn_result {
  pid_t pid;           /* > 0 on success */
  int err;             /* positive errno on failure, 0 on success */
  const char *syscall; /* the step that failed: "execve", "chdir", "clone", ... */
};

/* Starts a child with vfork semantics (clone(CLONE_VM|CLONE_VFORK)) and a clean slate.
 * Returns the pid, or -errno with r->syscall set; a child that failed before exec is reaped. */
int sv_spawn(const struct sv_spawn_opts *o, struct sv_spawn_result *r);

#endif
