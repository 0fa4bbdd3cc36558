/* systemd's sd_notify, the receiving side: one abstract AF_UNIX datagram socket that svinit owns
 * (an abstract name needs no writable directory and has no 108-byte path limit to hit), with
 * SO_PASSCRED so that the kernel attaches each sender's pid, which svinit checks against the
 * services' sessions. The socket is non-blocking; native/addon.c watches it with libuv. */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "sys.h"

int sv_notify_socket(const char *name, size_t len) {
  struct sockaddr_un sa;
  if (len == 0 || len + 1 > sizeof sa.sun_path) return -ENAMETOOLONG;
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return -errno;
  int one = 1;
  if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof one) < 0) {
    int e = errno;
    close(fd);
    return -e;
  }
  memset(&sa, 0, sizeof sa);
  sa.sun_family = AF_UNIX;
  sa.sun_path[0] = '\0'; /* abstract namespace: the name follows the NUL */
  memcpy(sa.sun_path + 1, name, len);
  socklen_t alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + len);
  if (bind(fd, (struct sockaddr *)&sa, alen) < 0) {
    int e = errno;
    close(fd);
    return -e;
  }
  return fd;
}

int sv_notify_recv(int fd, char *buf, size_t cap, struct sv_notify_msg *m) {
  union {
    struct cmsghdr align;
    char space[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int) * 16)];
  } ctl;
  struct iovec iov = {.iov_base = buf, .iov_len = cap};
  struct msghdr msg;
  memset(&msg, 0, sizeof msg);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = ctl.space;
  msg.msg_controllen = sizeof ctl.space;
  m->pid = 0;
  m->uid = -1;
  ssize_t n;
  do n = recvmsg(fd, &msg, MSG_DONTWAIT | MSG_TRUNC | MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n < 0) return -errno;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET) continue;
    if (c->cmsg_type == SCM_CREDENTIALS && c->cmsg_len >= CMSG_LEN(sizeof(struct ucred))) {
      struct ucred cred;
      memcpy(&cred, CMSG_DATA(c), sizeof cred);
      m->pid = cred.pid;
      m->uid = (long long)cred.uid;
    } else if (c->cmsg_type == SCM_RIGHTS) {
      /* FDSTORE=1 and the like: svinit keeps no descriptors for services; never leak them. */
      size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      for (size_t i = 0; i < k; i++) {
        int passed;
        memcpy(&passed, CMSG_DATA(c) + i * sizeof(int), sizeof passed);
        close(passed);
      }
    }
  }
  m->truncated = (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0 || (size_t)n > cap;
  return (int)n;
}

int sv_getsid(pid_t pid) {
  pid_t s = getsid(pid);
  return s < 0 ? -errno : (int)s;
}
