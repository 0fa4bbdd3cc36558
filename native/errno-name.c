/* The names of errno values ("ENOENT"), for SyscallError's code.
 *
 * Why a table of our own: glibc's strerrorname_np appeared in glibc 2.32, and the prebuilt addon
 * must load on glibc 2.28 (the floor of Node 20's official binaries), and on musl, which has no
 * such call. The table is built from the C library's own macros, so each name sits at the number
 * this libc and architecture give it. Every errno of Linux's asm-generic headers is listed
 * (test/native/errno-name.test.ts checks each of Node's os.constants.errno against it).
 */
#include <errno.h>
#include <stddef.h>

#include "sys.h"

#define N(e) [e] = #e

static const char *const names[] = {
  N(EPERM), N(ENOENT), N(ESRCH), N(EINTR), N(EIO),
  N(ENXIO), N(E2BIG), N(ENOEXEC), N(EBADF), N(ECHILD),
  N(EAGAIN), N(ENOMEM), N(EACCES), N(EFAULT), N(ENOTBLK),
  N(EBUSY), N(EEXIST), N(EXDEV), N(ENODEV), N(ENOTDIR),
  N(EISDIR), N(EINVAL), N(ENFILE), N(EMFILE), N(ENOTTY),
  N(ETXTBSY), N(EFBIG), N(ENOSPC), N(ESPIPE), N(EROFS),
  N(EMLINK), N(EPIPE), N(EDOM), N(ERANGE), N(EDEADLK),
  N(ENAMETOOLONG), N(ENOLCK), N(ENOSYS), N(ENOTEMPTY), N(ELOOP),
  N(ENOMSG), N(EIDRM), N(ECHRNG), N(EL2NSYNC), N(EL3HLT),
  N(EL3RST), N(ELNRNG), N(EUNATCH), N(ENOCSI), N(EL2HLT),
  N(EBADE), N(EBADR), N(EXFULL), N(ENOANO), N(EBADRQC),
  N(EBADSLT), N(EBFONT), N(ENOSTR), N(ENODATA), N(ETIME),
  N(ENOSR), N(ENONET), N(ENOPKG), N(EREMOTE), N(ENOLINK),
  N(EADV), N(ESRMNT), N(ECOMM), N(EPROTO), N(EMULTIHOP),
  N(EDOTDOT), N(EBADMSG), N(EOVERFLOW), N(ENOTUNIQ), N(EBADFD),
  N(EREMCHG), N(ELIBACC), N(ELIBBAD), N(ELIBSCN), N(ELIBMAX),
  N(ELIBEXEC), N(EILSEQ), N(ERESTART), N(ESTRPIPE), N(EUSERS),
  N(ENOTSOCK), N(EDESTADDRREQ), N(EMSGSIZE), N(EPROTOTYPE), N(ENOPROTOOPT),
  N(EPROTONOSUPPORT), N(ESOCKTNOSUPPORT), N(EOPNOTSUPP), N(EPFNOSUPPORT), N(EAFNOSUPPORT),
  N(EADDRINUSE), N(EADDRNOTAVAIL), N(ENETDOWN), N(ENETUNREACH), N(ENETRESET),
  N(ECONNABORTED), N(ECONNRESET), N(ENOBUFS), N(EISCONN), N(ENOTCONN),
  N(ESHUTDOWN), N(ETOOMANYREFS), N(ETIMEDOUT), N(ECONNREFUSED), N(EHOSTDOWN),
  N(EHOSTUNREACH), N(EALREADY), N(EINPROGRESS), N(ESTALE), N(EUCLEAN),
  N(ENOTNAM), N(ENAVAIL), N(EISNAM), N(EREMOTEIO), N(EDQUOT),
  N(ENOMEDIUM), N(EMEDIUMTYPE), N(ECANCELED), N(ENOKEY), N(EKEYEXPIRED),
  N(EKEYREVOKED), N(EKEYREJECTED), N(EOWNERDEAD), N(ENOTRECOVERABLE), N(ERFKILL),
  N(EHWPOISON),
};

const char *sv_errno_name(int err) {
  /* Aliases (EWOULDBLOCK, EDEADLOCK, ENOTSUP) share their number with the name listed. */
  if (err > 0 && (size_t)err < sizeof names / sizeof names[0] && names[err] != NULL) return names[err];
  return "EUNKNOWN";
}
