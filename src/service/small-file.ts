// The one way svinit reads a small file of a service directory (a setting, supervise/svinit.json):
// opened non-blocking (a FIFO would block open() forever) and without taking a terminal, checked
// with fstat to be a regular file (a symlink to /dev/zero or /dev/urandom never ends), and read up
// to a cap (settings are one short line). Node opens every file close-on-exec (libuv adds O_CLOEXEC).
import { closeSync, constants, existsSync, fstatSync, openSync, readSync, type Stats } from 'node:fs';

/** The most a setting may hold: one short line, with room to spare. */
export const SMALL_FILE_CAP = 4096;

const READ_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY;

/** An error with code ERR_FILE_NOT_REGULAR or ERR_FILE_TOO_LARGE; its message says what the file is. */
export class SmallFileError extends Error {
  constructor(readonly code: 'ERR_FILE_NOT_REGULAR' | 'ERR_FILE_TOO_LARGE', message: string) {
    super(message);
  }
}

/** What a file that is not a regular file is, in words. */
function kindOf(st: Stats): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isDirectory()) return 'a directory';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * The text of the regular file `path`, or null when it does not exist (asked without an
 * exception: absent is the usual case). Throws a SmallFileError when it is not a regular file or
 * holds more than `cap` bytes, and the errno exception of open or read (EACCES, ELOOP, ...).
 */
export function readSmallFile(path: string, cap = SMALL_FILE_CAP): string | null {
  if (!existsSync(path)) return null;
  let fd: number;
  try {
    fd = openSync(path, READ_FLAGS);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new SmallFileError('ERR_FILE_NOT_REGULAR', `it is ${kindOf(st)}, not a regular file`);
    if (Number(st.size) > cap) throw new SmallFileError('ERR_FILE_TOO_LARGE', `it holds more than ${cap} bytes`);
    // One byte more than the cap tells a file at the cap from one that grew since fstat.
    const buf = Buffer.alloc(cap + 1);
    let off = 0;
    while (off < buf.length) {
      const n = readSync(fd, buf, off, buf.length - off, null);
      if (n === 0) break;
      off += n;
    }
    if (off > cap) {
      throw new SmallFileError('ERR_FILE_TOO_LARGE', `it holds more than ${cap} bytes`);
    }
    return buf.subarray(0, off).toString('utf8');
  } finally {
    closeSync(fd);
  }
}
