// native/lines.c, --log-prefix's hot path, against the rule it implements: "name | " before every
// line, or null when a line needs the line-by-line path (too long, or a byte escapeControl escapes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { prefixLines } from '../../src/native/native.js';
import { escapeControl } from '../../src/log/logger.js';

const HEAD = Buffer.from('web | ');

/** What the JavaScript path would decide for these lines (latin1: one char per byte). */
function expected(lines: readonly Buffer[], lineMax: number): Buffer | null {
  for (const l of lines) {
    const text = l.toString('latin1');
    if (l.length > lineMax || escapeControl(text) !== text) return null;
  }
  return Buffer.concat(lines.flatMap((l) => [HEAD, l, Buffer.from('\n')]));
}

test('prefixLines: plain lines get the head each; tabs and bytes above 0x7f pass as they are', () => {
  const block = Buffer.from('one\n\ttwo\tcols\n\n\xe9t\xe9 \xff\n', 'latin1');
  assert.equal(prefixLines(block, HEAD, 100)?.toString('latin1'), 'web | one\nweb | \ttwo\tcols\nweb | \nweb | \xe9t\xe9 \xff\n');
});

test('prefixLines: null for a carriage return, another control byte, DEL, or a line over lineMax', () => {
  for (const bad of ['a\r\n', 'ok\nb\x1bc\n', 'ok\n\x7f\n', 'ok\nnul\x00\n', '0123456789abcdefX\x01\n']) {
    assert.equal(prefixLines(Buffer.from(bad, 'latin1'), HEAD, 100), null, JSON.stringify(bad));
  }
  assert.equal(prefixLines(Buffer.from('12345\n'), HEAD, 5)?.toString(), 'web | 12345\n');
  assert.equal(prefixLines(Buffer.from('ok\n123456\n'), HEAD, 5), null);
});

test('prefixLines: a block that does not end with a newline is refused, not cut', () => {
  assert.equal(prefixLines(Buffer.from('a\nb'), HEAD, 100), null);
  assert.equal(prefixLines(Buffer.alloc(0), HEAD, 100), null);
});

test('prefixLines: the same answer as the rule on 2,000 random blocks (every byte value, every word offset)', () => {
  let seed = 12345;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  for (let i = 0; i < 2000; i++) {
    const lines: Buffer[] = [];
    for (let k = 1 + rand(6); k > 0; k--) {
      const line = Buffer.alloc(rand(40));
      // Mostly printable; now and then any byte but the newline, at any offset within a word.
      for (let j = 0; j < line.length; j++) line[j] = rand(30) === 0 ? (rand(255) + 11) % 256 : 0x20 + rand(95);
      for (let j = 0; j < line.length; j++) if (line[j] === 0x0a) line[j] = 0x41;
      lines.push(line);
    }
    const block = Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')]));
    const want = expected(lines, 30);
    const got = prefixLines(block, HEAD, 30);
    assert.deepEqual(got === null ? null : got.toString('latin1'), want === null ? null : want.toString('latin1'), JSON.stringify(block.toString('latin1')));
  }
});

test('prefixLines: anything but Buffers is a TypeError naming the argument', () => {
  assert.throws(() => prefixLines('x\n' as unknown as Buffer, HEAD, 10), /block must be a Buffer/);
  assert.throws(() => prefixLines(Buffer.from('x\n'), 'web' as unknown as Buffer, 10), /head must be a Buffer/);
});
