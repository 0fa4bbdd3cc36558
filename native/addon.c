/* The only N-API file: converts JS arguments into plain C, calls spawn.c/wait.c/sys.c, converts
 * the results back. Syscall failures come back as numbers (-errno) for src/native/native.ts to
 * wrap; only misuse of the binding itself (wrong types) and N-API failures throw here. Never
 * aborts: a failed N-API call throws a JS error and the function returns NULL. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include <node_api.h>
#include <uv.h>

#include "spawn.h"
#include "sys.h"

/* Linux NGROUPS_MAX is 65536; a service never needs more than this many. */
#define NGROUPS_MAX_SV 1024

static void throw_last_error(napi_env env, const char *call) {
  const napi_extended_error_info *info = NULL;
  bool pending = false;
  napi_get_last_error_info(env, &info);
  napi_is_exception_pending(env, &pending);
  if (pending) return; /* a JS exception is already on its way */
  const char *msg = (info != NULL && info->error_message != NULL) ? info->error_message : "unknown";
  char buf[256];
  snprintf(buf, sizeof buf, "svinit native: N-API call failed (%s): %s", call, msg);
  napi_throw_error(env, "ERR_NATIVE_NAPI", buf);
}

/* Runs an N-API call; on failure throws a JS error and returns `ret` from the calling function. */
#define NODE_API_CALL_RET(env, call, ret) \
  do {                                    \
    if ((call) != napi_ok) {              \
      throw_last_error((env), #call);     \
      return ret;                         \
    }                                     \
  } while (0)
#define NODE_API_CALL(env, call) NODE_API_CALL_RET(env, call, NULL)
#define NODE_API_OK(env, call) NODE_API_CALL_RET(env, call, false)

static bool type_error(napi_env env, const char *what) {
  char buf[160];
  snprintf(buf, sizeof buf, "svinit native: %s", what);
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", buf);
  return false;
}

static bool get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = want;
  NODE_API_OK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < want) return type_error(env, "too few arguments");
  return true;
}

static bool get_i64(napi_env env, napi_value v, const char *name, int64_t *out) {
  napi_valuetype t;
  *out = 0;
  NODE_API_OK(env, napi_typeof(env, v, &t));
  if (t != napi_number) {
    char buf[96];
    snprintf(buf, sizeof buf, "%s must be a number", name);
    return type_error(env, buf);
  }
  NODE_API_OK(env, napi_get_value_int64(env, v, out));
  return true;
}

static bool get_int(napi_env env, napi_value v, const char *name, int *out) {
  int64_t x = 0;
  *out = 0;
  if (!get_i64(env, v, name, &x)) return false;
  if (x < INT_MIN || x > INT_MAX) {
    char buf[96];
    snprintf(buf, sizeof buf, "%s is out of range", name);
    return type_error(env, buf);
  }
  *out = (int)x;
  return true;
}

static bool get_bool(napi_env env, napi_value v, bool *out) {
  *out = false;
  NODE_API_OK(env, napi_coerce_to_bool(env, v, &v));
  NODE_API_OK(env, napi_get_value_bool(env, v, out));
  return true;
}

/* A malloc'd NUL-terminated copy; rejects embedded NULs (execve would silently truncate). */
static char *get_string(napi_env env, napi_value v, const char *name) {
  napi_valuetype t;
  size_t len = 0;
  NODE_API_CALL(env, napi_typeof(env, v, &t));
  if (t != napi_string) {
    char buf[96];
    snprintf(buf, sizeof buf, "%s must be a string", name);
    type_error(env, buf);
    return NULL;
  }
  NODE_API_CALL(env, napi_get_value_string_utf8(env, v, NULL, 0, &len));
  char *s = malloc(len + 1);
  if (s == NULL) {
    napi_throw_error(env, "ENOMEM", "svinit native: out of memory");
    return NULL;
  }
  if (napi_get_value_string_utf8(env, v, s, len + 1, &len) != napi_ok) {
    free(s);
    throw_last_error(env, "napi_get_value_string_utf8");
    return NULL;
  }
  if (strlen(s) != len) {
    free(s);
    char buf[96];
    snprintf(buf, sizeof buf, "%s contains a NUL byte", name);
    type_error(env, buf);
    return NULL;
  }
  return s;
}

static napi_value make_int(napi_env env, int64_t x) {
  napi_value v;
  NODE_API_CALL(env, napi_create_int64(env, x, &v));
  return v;
}

static napi_value make_i32_array(napi_env env, const int *src, size_t n) {
  napi_value ab, ta;
  void *data = NULL;
  NODE_API_CALL(env, napi_create_arraybuffer(env, n * sizeof(int32_t), &data, &ab));
  if (n > 0) memcpy(data, src, n * sizeof(int32_t));
  NODE_API_CALL(env, napi_create_typedarray(env, napi_int32_array, n, ab, 0, &ta));
  return ta;
}


/* ---- spawn(opts): JS object -> struct sv_spawn_opts ---- */

struct spawn_args {
  struct sv_spawn_opts o;
  char *file, *cwd;
  char **argv, **envp;
  int stdio[SV_MAX_SLOTS];
  gid_t groups[NGROUPS_MAX_SV];
};

static void free_strv(char **v) {
  if (v == NULL) return;
  for (char **p = v; *p != NULL; p++) free(*p);
  free(v);
}

static bool get_prop(napi_env env, napi_value obj, const char *name, napi_value *out) {
  NODE_API_OK(env, napi_get_named_property(env, obj, name, out));
  return true;
}

static bool get_array(napi_env env, napi_value v, const char *name, uint32_t max, uint32_t *len) {
  bool is_array = false;
  NODE_API_OK(env, napi_is_array(env, v, &is_array));
  if (!is_array) {
    char buf[96];
    snprintf(buf, sizeof buf, "%s must be an array", name);
    return type_error(env, buf);
  }
  NODE_API_OK(env, napi_get_array_length(env, v, len));
  if (*len > max) {
    char buf[96];
    snprintf(buf, sizeof buf, "%s has too many elements", name);
    return type_error(env, buf);
  }
  return true;
}

/* A NULL-terminated malloc'd vector of strings. */
static char **get_strv(napi_env env, napi_value arr, const char *name) {
  uint32_t len = 0;
  if (!get_array(env, arr, name, 1u << 20, &len)) return NULL;
  char **v = calloc((size_t)len + 1, sizeof *v);
  if (v == NULL) {
    napi_throw_error(env, "ENOMEM", "svinit native: out of memory");
    return NULL;
  }
  for (uint32_t i = 0; i < len; i++) {
    napi_value el;
    if (napi_get_element(env, arr, i, &el) != napi_ok) {
      free_strv(v);
      throw_last_error(env, "napi_get_element");
      return NULL;
    }
    if ((v[i] = get_string(env, el, name)) == NULL) {
      free_strv(v);
      return NULL;
    }
  }
  return v;
}

/* Numbers of an array into out[0..len) (each checked to fit [lo, hi]). */
static bool get_nums(napi_env env, napi_value arr, const char *name, uint32_t max, int64_t lo,
                     int64_t hi, int64_t *out, uint32_t *len) {
  if (!get_array(env, arr, name, max, len)) return false;
  for (uint32_t i = 0; i < *len; i++) {
    napi_value el;
    NODE_API_OK(env, napi_get_element(env, arr, i, &el));
    if (!get_i64(env, el, name, &out[i])) return false;
    if (out[i] < lo || out[i] > hi) return type_error(env, "an element is out of range");
  }
  return true;
}

static bool get_num_prop(napi_env env, napi_value obj, const char *name, int64_t *out) {
  napi_value v;
  return get_prop(env, obj, name, &v) && get_i64(env, v, name, out);
}

static bool spawn_scalars(napi_env env, napi_value obj, struct sv_spawn_opts *o) {
  int64_t pgroup = 0, pgid = 0, um = 0, uid = 0, gid = 0, soft = 0, hard = 0;
  if (!get_num_prop(env, obj, "pgroup", &pgroup) || !get_num_prop(env, obj, "pgid", &pgid) ||
      !get_num_prop(env, obj, "umask", &um) || !get_num_prop(env, obj, "uid", &uid) ||
      !get_num_prop(env, obj, "gid", &gid) || !get_num_prop(env, obj, "nofileSoft", &soft) ||
      !get_num_prop(env, obj, "nofileHard", &hard))
    return false;
  if (pgroup < 0 || pgroup > 2 || pgid < 0 || pgid > INT_MAX || um < -1 || um > 0777 ||
      uid < -1 || uid > UINT32_MAX - 1 || gid < -1 || gid > UINT32_MAX - 1 || soft < -2 || hard < -2)
    return type_error(env, "a spawn option is out of range");
  o->pgroup = (int)pgroup;
  o->pgid = (pid_t)pgid;
  o->umask = (int)um;
  o->uid = uid;
  o->gid = gid;
  o->nofile_soft = soft;
  o->nofile_hard = hard;
  int64_t tty = 0;
  if (!get_num_prop(env, obj, "tty", &tty)) return false;
  if (tty < 0 || tty > 2) return type_error(env, "a spawn option is out of range");
  o->tty = (int)tty;
  return true;
}

/* An array of signal numbers (1..64) as a bit set: bit n-1 for signal n. */
static bool get_sigset_prop(napi_env env, napi_value obj, const char *name, unsigned long long *out) {
  napi_value v;
  int64_t nums[64];
  uint32_t n = 0;
  if (!get_prop(env, obj, name, &v) || !get_nums(env, v, name, 64, 1, 64, nums, &n)) return false;
  *out = 0;
  for (uint32_t i = 0; i < n; i++) *out |= 1ULL << (nums[i] - 1);
  return true;
}

static bool spawn_lists(napi_env env, napi_value obj, struct spawn_args *a) {
  napi_value v;
  napi_valuetype t;
  int64_t nums[NGROUPS_MAX_SV];
  uint32_t n = 0;
  if (!get_prop(env, obj, "stdio", &v) ||
      !get_nums(env, v, "stdio", SV_MAX_SLOTS, SV_STDIO_CLOSED, INT_MAX, nums, &n))
    return false;
  if (n < 3) return type_error(env, "stdio needs at least 3 slots");
  if (!get_sigset_prop(env, obj, "sigBlock", &a->o.sig_block) ||
      !get_sigset_prop(env, obj, "sigIgnore", &a->o.sig_ignore))
    return false;
  for (uint32_t i = 0; i < n; i++) a->stdio[i] = (int)nums[i];
  a->o.stdio = a->stdio;
  a->o.nstdio = (int)n;
  a->o.ngroups = -1;
  if (!get_prop(env, obj, "groups", &v)) return false;
  NODE_API_OK(env, napi_typeof(env, v, &t));
  if (t == napi_null || t == napi_undefined) return true;
  if (!get_nums(env, v, "groups", NGROUPS_MAX_SV, 0, UINT32_MAX - 1, nums, &n)) return false;
  for (uint32_t i = 0; i < n; i++) a->groups[i] = (gid_t)nums[i];
  a->o.groups = a->groups;
  a->o.ngroups = (int)n;
  return true;
}

static bool spawn_strings(napi_env env, napi_value obj, struct spawn_args *a) {
  napi_value v;
  napi_valuetype t;
  if (!get_prop(env, obj, "file", &v) || (a->file = get_string(env, v, "file")) == NULL) return false;
  if (!get_prop(env, obj, "argv", &v) || (a->argv = get_strv(env, v, "argv")) == NULL) return false;
  if (!get_prop(env, obj, "env", &v) || (a->envp = get_strv(env, v, "env")) == NULL) return false;
  if (!get_prop(env, obj, "cwd", &v)) return false;
  NODE_API_OK(env, napi_typeof(env, v, &t));
  if (t != napi_null && t != napi_undefined && (a->cwd = get_string(env, v, "cwd")) == NULL) return false;
  a->o.file = a->file;
  a->o.argv = a->argv;
  a->o.envp = a->envp;
  a->o.cwd = a->cwd;
  return true;
}

static napi_value spawn_result(napi_env env, int rc, const struct sv_spawn_result *r) {
  if (rc > 0) return make_int(env, rc);
  napi_value obj, e, s;
  NODE_API_CALL(env, napi_create_object(env, &obj));
  NODE_API_CALL(env, napi_create_int32(env, r->err, &e));
  NODE_API_CALL(env, napi_create_string_utf8(env, r->syscall ? r->syscall : "spawn", NAPI_AUTO_LENGTH, &s));
  NODE_API_CALL(env, napi_set_named_property(env, obj, "errno", e));
  NODE_API_CALL(env, napi_set_named_property(env, obj, "syscall", s));
  return obj;
}

/* spawn(opts) -> pid | {errno, syscall} */
static napi_value js_spawn(napi_env env, napi_callback_info info) {
  napi_value argv[1], out = NULL;
  napi_valuetype t;
  if (!get_args(env, info, 1, argv)) return NULL;
  NODE_API_CALL(env, napi_typeof(env, argv[0], &t));
  if (t != napi_object) {
    type_error(env, "spawn options must be an object");
    return NULL;
  }
  struct spawn_args *a = calloc(1, sizeof *a);
  if (a == NULL) {
    napi_throw_error(env, "ENOMEM", "svinit native: out of memory");
    return NULL;
  }
  if (spawn_strings(env, argv[0], a) && spawn_scalars(env, argv[0], &a->o) &&
      spawn_lists(env, argv[0], a)) {
    struct sv_spawn_result r;
    int rc = sv_spawn(&a->o, &r);
    out = spawn_result(env, rc, &r);
  }
  free(a->file);
  free(a->cwd);
  free_strv(a->argv);
  free_strv(a->envp);
  free(a);
  return out;
}

/* reap(max) -> Int32Array [pid, status, ...] */
static napi_value js_reap(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int max = 0;
  if (!get_args(env, info, 1, argv) || !get_int(env, argv[0], "max", &max)) return NULL;
  if (max <= 0) return make_i32_array(env, NULL, 0);
  int cap = max < 256 ? max : 256, n = 0;
  int *buf = malloc((size_t)cap * 2 * sizeof(int));
  if (buf == NULL) return make_i32_array(env, NULL, 0);
  /* Drain in chunks so that `max` can be large without a large allocation up front. */
  while (n < max) {
    if (n == cap) {
      int next = cap * 2 > max ? max : cap * 2;
      int *grown = realloc(buf, (size_t)next * 2 * sizeof(int));
      if (grown == NULL) break; /* the rest stays in the kernel until the next drain */
      buf = grown;
      cap = next;
    }
    int got = sv_reap(buf + 2 * n, cap - n);
    if (got <= 0) break;
    n += got;
    if (n < cap) break; /* the kernel ran dry before the chunk filled up */
  }
  napi_value out = make_i32_array(env, buf, (size_t)n * 2);
  free(buf);
  return out;
}

static napi_value js_waitpid(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int pid = 0, status = 0;
  bool nohang = false;
  if (!get_args(env, info, 2, argv) || !get_int(env, argv[0], "pid", &pid) ||
      !get_bool(env, argv[1], &nohang))
    return NULL;
  int r = sv_waitpid((pid_t)pid, nohang, &status);
  int pair[2] = {r, r > 0 ? status : 0};
  return make_i32_array(env, pair, 2);
}

static napi_value js_has_children(napi_env env, napi_callback_info info) {
  (void)info;
  return make_int(env, sv_has_children());
}

static napi_value js_set_child_subreaper(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  bool on = false;
  if (!get_args(env, info, 1, argv) || !get_bool(env, argv[0], &on)) return NULL;
  return make_int(env, sv_set_child_subreaper(on));
}

static napi_value js_get_child_subreaper(napi_env env, napi_callback_info info) {
  (void)info;
  return make_int(env, sv_get_child_subreaper());
}

static napi_value js_kill_common(napi_env env, napi_callback_info info, bool group) {
  napi_value argv[2];
  int pid = 0, sig = 0;
  if (!get_args(env, info, 2, argv) || !get_int(env, argv[0], "pid", &pid) ||
      !get_int(env, argv[1], "sig", &sig))
    return NULL;
  return make_int(env, group ? sv_killpg((pid_t)pid, sig) : sv_kill((pid_t)pid, sig));
}

static napi_value js_kill(napi_env env, napi_callback_info info) { return js_kill_common(env, info, false); }
static napi_value js_killpg(napi_env env, napi_callback_info info) { return js_kill_common(env, info, true); }

/* killMany(Int32Array [pid, sig, group, ...]) -> Int32Array of 0 or -errno, one per triple. */
static napi_value js_kill_many(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  bool is_ta = false;
  if (!get_args(env, info, 1, argv)) return NULL;
  NODE_API_CALL(env, napi_is_typedarray(env, argv[0], &is_ta));
  napi_typedarray_type type;
  size_t len = 0;
  void *data = NULL;
  if (is_ta) NODE_API_CALL(env, napi_get_typedarray_info(env, argv[0], &type, &len, &data, NULL, NULL));
  if (!is_ta || type != napi_int32_array || len % 3 != 0 || len / 3 > INT_MAX) {
    type_error(env, "items must be an Int32Array of (pid, sig, group) triples");
    return NULL;
  }
  size_t n = len / 3;
  napi_value ab, ta;
  void *out = NULL;
  NODE_API_CALL(env, napi_create_arraybuffer(env, n * sizeof(int32_t), &out, &ab));
  if (n > 0) sv_kill_many((const int *)data, (int)n, (int *)out);
  NODE_API_CALL(env, napi_create_typedarray(env, napi_int32_array, n, ab, 0, &ta));
  return ta;
}

/* catchSignals(fd, sigs): native/catch.c's handler for each signal in the Int32Array, writing
 * its number to the non-blocking pipe fd. 0 or -errno. */
static napi_value js_catch_signals(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int fd = 0;
  bool is_ta = false;
  if (!get_args(env, info, 2, argv) || !get_int(env, argv[0], "fd", &fd)) return NULL;
  NODE_API_CALL(env, napi_is_typedarray(env, argv[1], &is_ta));
  napi_typedarray_type type;
  size_t len = 0;
  void *data = NULL;
  if (is_ta) NODE_API_CALL(env, napi_get_typedarray_info(env, argv[1], &type, &len, &data, NULL, NULL));
  if (!is_ta || type != napi_int32_array || len > 64) {
    type_error(env, "sigs must be an Int32Array of at most 64 signal numbers");
    return NULL;
  }
  return make_int(env, sv_catch_signals(fd, (const int *)data, (int)len));
}

static napi_value js_mkfifo(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int mode = 0;
  if (!get_args(env, info, 2, argv) || !get_int(env, argv[1], "mode", &mode)) return NULL;
  char *path = get_string(env, argv[0], "path");
  if (path == NULL) return NULL;
  int r = sv_mkfifo(path, (unsigned)mode);
  free(path);
  return make_int(env, r);
}

static napi_value js_flock(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int fd = 0, op = 0;
  if (!get_args(env, info, 2, argv) || !get_int(env, argv[0], "fd", &fd) ||
      !get_int(env, argv[1], "op", &op))
    return NULL;
  return make_int(env, sv_flock(fd, op));
}

static napi_value js_pipe(napi_env env, napi_callback_info info) {
  (void)info;
  int fds[2] = {-1, -1};
  int r = sv_pipe_cloexec(fds);
  if (r < 0) fds[0] = r, fds[1] = -1;
  return make_i32_array(env, fds, 2);
}

/* A Buffer argument's bytes; false with a TypeError thrown when it is not a Buffer. */
static bool get_buffer(napi_env env, napi_value v, const char *name, void **data, size_t *len) {
  bool is_buf = false;
  if (napi_is_buffer(env, v, &is_buf) != napi_ok || !is_buf) {
    char msg[64];
    snprintf(msg, sizeof msg, "%s must be a Buffer", name);
    type_error(env, msg);
    return false;
  }
  return napi_get_buffer_info(env, v, data, len) == napi_ok;
}

/* sendNonblock(fd, buffer, offset): sv_send_nonblock of buffer[offset..]; bytes written or -errno. */
static napi_value js_send_nonblock(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int fd = 0, off = 0;
  void *data = NULL;
  size_t len = 0;
  if (!get_args(env, info, 3, argv) || !get_int(env, argv[0], "fd", &fd) || !get_int(env, argv[2], "offset", &off) ||
      !get_buffer(env, argv[1], "data", &data, &len))
    return NULL;
  if (off < 0 || (size_t)off > len) {
    type_error(env, "offset out of range");
    return NULL;
  }
  return make_int(env, sv_send_nonblock(fd, (const char *)data + off, len - (size_t)off));
}

/* prefixLines(block, head, lineMax): a new Buffer with head before every line of block, or null
 * when the block needs the line-by-line path (see sv_prefix_size). */
static napi_value js_prefix_lines(napi_env env, napi_callback_info info) {
  napi_value argv[3], out, null_value;
  void *src = NULL, *head = NULL, *dst = NULL;
  size_t n = 0, head_len = 0;
  int line_max = 0;
  if (!get_args(env, info, 3, argv) || !get_buffer(env, argv[0], "block", &src, &n) ||
      !get_buffer(env, argv[1], "head", &head, &head_len) || !get_int(env, argv[2], "lineMax", &line_max))
    return NULL;
  ssize_t size = sv_prefix_size(src, n, head_len, (size_t)(line_max < 0 ? 0 : line_max));
  if (size < 0) {
    NODE_API_CALL(env, napi_get_null(env, &null_value));
    return null_value;
  }
  NODE_API_CALL(env, napi_create_buffer(env, (size_t)size, &dst, &out));
  sv_prefix_fill(src, n, head, head_len, dst);
  return out;
}

static napi_value js_set_fd_flag(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int fd = 0, flag = 0;
  bool on = false;
  if (!get_args(env, info, 3, argv) || !get_int(env, argv[0], "fd", &fd) ||
      !get_int(env, argv[1], "flag", &flag) || !get_bool(env, argv[2], &on))
    return NULL;
  return make_int(env, sv_set_fd_flag(fd, flag, on));
}

static napi_value js_get_nofile(napi_env env, napi_callback_info info) {
  (void)info;
  double lim[2] = {0, 0};
  int r = sv_get_nofile(&lim[0], &lim[1]);
  if (r < 0) lim[0] = NAN, lim[1] = r; /* [NaN, -errno]; getrlimit cannot fail here in practice */
  napi_value ab, ta;
  void *data = NULL;
  NODE_API_CALL(env, napi_create_arraybuffer(env, sizeof lim, &data, &ab));
  memcpy(data, lim, sizeof lim);
  NODE_API_CALL(env, napi_create_typedarray(env, napi_float64_array, 2, ab, 0, &ta));
  return ta;
}

/* setPdeathsig(sig): prctl(PR_SET_PDEATHSIG) for svinit itself. */
static napi_value js_set_pdeathsig(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int sig = 0;
  if (!get_args(env, info, 1, argv) || !get_int(env, argv[0], "sig", &sig)) return NULL;
  return make_int(env, sv_set_pdeathsig(sig));
}

/* ttySession(fd): the session id of the terminal on fd (tcgetsid), or -errno. On Linux ENOTTY
 * also when fd is a terminal but not this process's controlling terminal. */
static napi_value js_tty_session(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int fd = 0;
  if (!get_args(env, info, 1, argv) || !get_int(env, argv[0], "fd", &fd)) return NULL;
  return make_int(env, sv_tty_session(fd));
}

static napi_value js_getpid(napi_env env, napi_callback_info info) {
  (void)info;
  return make_int(env, getpid());
}

static napi_value js_getppid(napi_env env, napi_callback_info info) {
  (void)info;
  return make_int(env, getppid());
}

/* _exit(code): the init's last act. Node's own exit (exit handlers, platform teardown, V8 and
 * static destructors) takes milliseconds that a container's stop would wait for; svinit has
 * nothing left to flush (every write of its own is synchronous), so it ends here. */
static napi_value js_exit_now(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int code = 0;
  if (!get_args(env, info, 1, argv) || !get_int(env, argv[0], "code", &code)) return NULL;
  _exit(code & 0xff);
}

static napi_value errno_string(napi_env env, napi_callback_info info, bool text) {
  napi_value argv[1], out;
  int err = 0;
  if (!get_args(env, info, 1, argv) || !get_int(env, argv[0], "errno", &err)) return NULL;
  if (err < 0) err = -err;
  const char *s = text ? sv_errno_text(err) : sv_errno_name(err);
  NODE_API_CALL(env, napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &out));
  return out;
}

static napi_value js_errno_name(napi_env env, napi_callback_info info) { return errno_string(env, info, false); }
static napi_value js_errno_text(napi_env env, napi_callback_info info) { return errno_string(env, info, true); }

/* The sd_notify socket, watched by libuv on Node's own loop (napi_get_uv_event_loop, uv_poll):
 * no thread and no timer; svinit wakes only when a datagram arrives. Each wake-up reads at most
 * NOTIFY_BATCH datagrams (the poll is level-triggered: the rest come on the next turn) and calls
 * the JS callback once with an array of [pid, uid, length, text|null] (null: over NOTIFY_MAX). */
#define NOTIFY_MAX 4096
#define NOTIFY_BATCH 64

static struct {
  napi_env env;
  napi_ref cb;
  napi_async_context ctx;
  uv_poll_t poll;
  int fd;
  int active;
} notify_w = {.fd = -1};

static void notify_deliver(napi_env env, napi_value list) {
  napi_value cb, recv, result;
  /* napi_make_callback wants an object as the receiver (undefined is napi_object_expected). */
  if (napi_get_reference_value(env, notify_w.cb, &cb) != napi_ok || napi_get_global(env, &recv) != napi_ok) return;
  if (napi_make_callback(env, notify_w.ctx, recv, cb, 1, &list, &result) == napi_pending_exception) {
    napi_value err;
    if (napi_get_and_clear_last_exception(env, &err) == napi_ok) napi_fatal_exception(env, err);
  }
}

static void notify_readable(uv_poll_t *h, int status, int events) {
  (void)h;
  (void)events;
  napi_env env = notify_w.env;
  napi_handle_scope scope;

  if (notify_w.fd < 0 || napi_open_handle_scope(env, &scope) != napi_ok) return;
  static char buf[NOTIFY_MAX + 1];
  napi_value list;
  uint32_t n = 0;
  if (napi_create_array(env, &list) != napi_ok) goto out;
  for (int i = 0; i < NOTIFY_BATCH && status == 0; i++) {
    struct sv_notify_msg m;
    int r = sv_notify_recv(notify_w.fd, buf, NOTIFY_MAX, &m);
    if (r < 0) break; /* EAGAIN: drained; anything else: tried again when libuv calls next */
    napi_value item, v[4];
    int too_long = m.truncated || r > NOTIFY_MAX;
    if (napi_create_array_with_length(env, 4, &item) != napi_ok || napi_create_int64(env, m.pid, &v[0]) != napi_ok ||
        napi_create_int64(env, m.uid, &v[1]) != napi_ok || napi_create_int64(env, r, &v[2]) != napi_ok)
      goto out;
    if (too_long ? napi_get_null(env, &v[3]) : napi_create_string_latin1(env, buf, (size_t)r, &v[3])) goto out;
    for (uint32_t k = 0; k < 4; k++)
      if (napi_set_element(env, item, k, v[k]) != napi_ok) goto out;
    if (napi_set_element(env, list, n++, item) != napi_ok) goto out;
  }
  if (n > 0) notify_deliver(env, list);
out:
  napi_close_handle_scope(env, scope);
}

static void notify_closed(uv_handle_t *h) {
  (void)h;
  if (notify_w.fd >= 0) close(notify_w.fd);
  notify_w.fd = -1;
}

/* notifyOpen(name, callback): binds the abstract socket `name` and watches it; the fd or -errno.
 * One socket per process: a second call while one is open is -EBUSY. */
static napi_value js_notify_open(napi_env env, napi_callback_info info) {
  napi_value argv[2], res_name;
  napi_valuetype t;
  if (!get_args(env, info, 2, argv)) return NULL;
  NODE_API_CALL(env, napi_typeof(env, argv[1], &t));
  if (t != napi_function) {
    type_error(env, "callback must be a function");
    return NULL;
  }
  if (notify_w.active || notify_w.fd >= 0) return make_int(env, -EBUSY);
  char *name = get_string(env, argv[0], "name");
  if (name == NULL) return NULL;
  int fd = sv_notify_socket(name, strlen(name));
  free(name);
  if (fd < 0) return make_int(env, fd);
  uv_loop_t *loop = NULL;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || uv_poll_init(loop, &notify_w.poll, fd) != 0) {
    close(fd);
    return make_int(env, -EIO);
  }
  notify_w.env = env;
  notify_w.fd = fd;
  notify_w.active = 1;
  NODE_API_CALL(env, napi_create_reference(env, argv[1], 1, &notify_w.cb));
  NODE_API_CALL(env, napi_create_string_utf8(env, "svinit:notify", NAPI_AUTO_LENGTH, &res_name));
  NODE_API_CALL(env, napi_async_init(env, NULL, res_name, &notify_w.ctx));
  /* It never keeps the loop alive by itself: svinit decides when it exits. */
  uv_unref((uv_handle_t *)&notify_w.poll);
  uv_poll_start(&notify_w.poll, UV_READABLE, notify_readable);
  return make_int(env, fd);
}

/* notifyClose(): stops watching and closes the socket (the close itself comes after this turn). */
static napi_value js_notify_close(napi_env env, napi_callback_info info) {
  (void)info;
  if (!notify_w.active) return make_int(env, 0);
  notify_w.active = 0;
  uv_poll_stop(&notify_w.poll);
  uv_close((uv_handle_t *)&notify_w.poll, notify_closed);
  napi_delete_reference(env, notify_w.cb);
  napi_async_destroy(env, notify_w.ctx);
  return make_int(env, 0);
}

static napi_value js_getsid(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int pid = 0;
  if (!get_args(env, info, 1, argv) || !get_int(env, argv[0], "pid", &pid)) return NULL;
  return make_int(env, sv_getsid(pid));
}

static napi_value init(napi_env env, napi_value exports) {
  static const struct {
    const char *name;
    napi_callback fn;
  } fns[] = {
      {"spawn", js_spawn},
      {"reap", js_reap},
      {"waitpid", js_waitpid},
      {"hasChildren", js_has_children},
      {"setChildSubreaper", js_set_child_subreaper},
      {"getChildSubreaper", js_get_child_subreaper},
      {"kill", js_kill},
      {"killpg", js_killpg},
      {"killMany", js_kill_many},
      {"catchSignals", js_catch_signals},
      {"mkfifo", js_mkfifo},
      {"flock", js_flock},
      {"pipe", js_pipe},
      {"sendNonblock", js_send_nonblock},
      {"prefixLines", js_prefix_lines},
      {"setFdFlag", js_set_fd_flag},
      {"getNofile", js_get_nofile},
      {"setPdeathsig", js_set_pdeathsig},
      {"ttySession", js_tty_session},
      {"getpid", js_getpid},
      {"getppid", js_getppid},
      {"exitNow", js_exit_now},
      {"errnoName", js_errno_name},
      {"errnoText", js_errno_text},
      {"notifyOpen", js_notify_open},
      {"notifyClose", js_notify_close},
      {"getsid", js_getsid},
  };
  for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
    napi_value f;
    NODE_API_CALL(env, napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].fn, NULL, &f));
    NODE_API_CALL(env, napi_set_named_property(env, exports, fns[i].name, f));
  }
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
