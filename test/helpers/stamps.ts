// The records of test/fixtures/ready-fixture.c ("NAME start|ready|stop NS", one a line in a shared
// file), read back for the readiness tests and the readiness bench.
import { readFileSync } from 'node:fs';

/** One record: which service, what happened, when (CLOCK_REALTIME ns). */
export interface Stamp {
  readonly name: string;
  readonly what: string;
  readonly ns: bigint;
}

/** Every record in `file`, in order; none when it does not exist yet. */
export function readStamps(file: string): Stamp[] {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').filter((l) => l !== '').map((l) => {
    const [name = '', what = '', ns = '0'] = l.split(' ');
    return { name, what, ns: BigInt(ns) };
  });
}
